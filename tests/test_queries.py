"""The competency questions: each is documented in French and English, runs on the
graph, and gives its expected answer (queries/expected/NAME.csv)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from segur_kg.cli import main

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
QUERY_FILES = sorted(QUERIES_DIR.glob("*.rq"))
NAMES = [path.stem for path in QUERY_FILES]


def example_params(path: Path) -> list[str]:
    args = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# example:"):
            for pair in line.removeprefix("# example:").split():
                args += ["--param", pair]
    return args


def run_query(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["query", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_there_are_at_least_twenty_competency_questions() -> None:
    assert len(QUERY_FILES) >= 20


@pytest.mark.parametrize("path", QUERY_FILES, ids=NAMES)
def test_question_is_stated_in_french_and_english(path: Path) -> None:
    header = path.read_text(encoding="utf-8")
    assert re.search(r"^# fr: .+\?$", header, re.MULTILINE)
    assert re.search(r"^# en: .+\?$", header, re.MULTILINE)


@pytest.mark.parametrize("path", QUERY_FILES, ids=NAMES)
def test_question_gives_its_expected_answer(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected_file = QUERIES_DIR / "expected" / f"{path.stem}.csv"
    expected = expected_file.read_text(encoding="utf-8")
    answer = run_query(capsys, path.stem, *example_params(path), "--format", "csv", "--lang", "fr")
    assert answer == expected
    # An expected answer is never empty: a question must find something in the data.
    assert len(expected.splitlines()) >= 2


def test_every_expected_answer_belongs_to_a_question() -> None:
    answers = {p.stem for p in (QUERIES_DIR / "expected").glob("*.csv")}
    assert answers == set(NAMES)


def test_who_oversees_what_names_the_operators_of_national_services(capsys) -> None:
    answer = run_query(capsys, "who-oversees-what", "--format", "tsv", "--lang", "en")
    rows = {tuple(line.split("\t")[:3]) for line in answer.splitlines()[1:]}
    assert ("French Digital Health Agency", "develops", "Pro Santé Connect") in rows
    assert ("French Digital Health Agency", "operates", "Mailiz") in rows
    assert ("Ministerial Delegation for Digital Health", "steers",
            "Ségur digital health programme") in rows


def test_wave_parameter_selects_the_wave(capsys) -> None:
    wave1 = run_query(capsys, "software-categories-in-wave", "--param", "wave=wave/vague-1",
                      "--format", "csv", "--iris")
    wave2 = run_query(capsys, "software-categories-in-wave", "--param", "wave=wave/vague-2",
                      "--format", "csv", "--iris")
    acronyms1 = {line.split(",")[1] for line in wave1.splitlines()[1:]}
    acronyms2 = {line.split(",")[1] for line in wave2.splitlines()[1:]}
    assert acronyms1 == {"LGC", "DPI", "PFI", "SGL", "RIS", "LGO"}
    # Wave 2 covers the six wave 1 categories again and adds four (programme-facts.md, C04).
    assert acronyms2 == {"LGC", "DPI", "PFI", "SGL", "RIS", "LGO", "DRIMbox", "LGC SF", "LGC CD", "LGC P"}


@pytest.mark.parametrize(("region", "agency_slug"), [
    ("Bretagne", "ars-bretagne"), ("occitanie", "ars-occitanie"), ("84", "ars-auvergne-rhone-alpes"),
    ("Provence-Alpes-Côte d'Azur", "ars-provence-alpes-cote-d-azur"),
])
def test_ars_of_region_answers_by_name_or_code(capsys, region: str, agency_slug: str) -> None:
    answer = run_query(capsys, "ars-of-region", "--param", f"region={region}", "--format", "csv",
                       "--iris")
    lines = answer.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"https://w3id.org/segur/id/actor/{agency_slug},")


def test_region_parameter_is_bound_as_a_value_not_pasted_into_the_query(capsys) -> None:
    # A value that would change the query if it were pasted into its text finds nothing.
    answer = run_query(capsys, "ars-of-region", "--param", 'region=x") || true || ("',
                       "--format", "csv")
    assert answer.splitlines() == ["agency,regionResource,code"]


def test_actor_involvement_follows_the_actor_parameter(capsys) -> None:
    cnam = run_query(capsys, "actor-involvement", "--param", "actor=actor/cnam", "--format", "tsv",
                     "--lang", "en")
    assert "operates\tINS online service" in cnam
    assert "Pro Santé Connect" not in cnam


def test_english_answers_use_english_labels(capsys) -> None:
    answer = run_query(capsys, "corridors", "--format", "csv", "--lang", "en")
    assert "Office-based medicine,,Wave 1" in answer
    assert "Médecine de ville" not in answer


def test_the_readme_shows_the_real_answer_of_its_first_command(capsys) -> None:
    readme = (QUERIES_DIR.parent / "README.md").read_text(encoding="utf-8")
    after = readme.split("The first command prints:", 1)[1]
    shown = after.split("```", 2)[1].removeprefix("\n")
    assert run_query(capsys, "who-oversees-what") == shown
