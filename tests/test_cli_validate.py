"""`segur-kg validate`: exit codes, messages from the requirements table, report formats."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
INVALID_FIXTURES = sorted(FIXTURES.glob("R-*-invalid.ttl")) if FIXTURES.is_dir() else []

TABLE = """| N° | Severity | Exigence | Requirement |
|----|----------|----------|-------------|
| R-01 | Violation | Un acteur a un libellé anglais. | An actor has an English label. |
| R-02 | Warning | Un acteur a une note. | An actor has a note. |
"""
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://example.org/test-shapes/> .
t:EnglishLabel a sh:NodeShape ; dcterms:identifier "R-01" ;
    sh:targetClass <https://example.org/Actor> ;
    sh:property [ sh:path rdfs:label ; sh:languageIn ( "en" ) ] .
t:Note a sh:NodeShape ; dcterms:identifier "R-02" ;
    sh:targetClass <https://example.org/Actor> ;
    sh:property [ sh:path skos:note ; sh:minCount 1 ] .
"""
ONLY_WARNING = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/segur/id/actor/a> a <https://example.org/Actor> ; rdfs:label "A"@en .
"""
VIOLATION = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/segur/id/actor/b> a <https://example.org/Actor> ;
    rdfs:label "B français"@fr ; skos:note "n"@fr .
"""


@pytest.fixture
def small_home(repo_copy: Path) -> Path:
    """The repository copy with two known shapes instead of the real ones."""
    shutil.rmtree(repo_copy / "ontology" / "shapes")
    shapes = repo_copy / "ontology" / "shapes"
    shapes.mkdir()
    (shapes / "REQUIREMENTS.md").write_text(TABLE, encoding="utf-8")
    (shapes / "test-shapes.ttl").write_text(SHAPES, encoding="utf-8")
    return repo_copy


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dataset_exit_code_matches_the_violations_in_the_report(run_cli) -> None:
    text = run_cli("validate")
    report = run_cli("validate", "--format", "json")
    assert text.returncode in (0, 1), text.stderr
    results = json.loads(report.stdout)
    violations = sum(1 for r in results if r["severity"] == "Violation")
    warnings = sum(1 for r in results if r["severity"] == "Warning")
    assert text.returncode == (1 if violations else 0)
    assert report.returncode == text.returncode
    last_line = text.stdout.splitlines()[-1]
    summary = re.fullmatch(r"(\d+) violations?, (\d+) warnings?(, \d+ infos?)?", last_line)
    assert summary, text.stdout
    assert (int(summary.group(1)), int(summary.group(2))) == (violations, warnings)


@pytest.mark.parametrize("fixture", INVALID_FIXTURES, ids=lambda p: p.stem)
def test_invalid_fixture_fails_on_its_own_requirement(run_cli, fixture: Path) -> None:
    requirement = re.match(r"(R-\d\d)", fixture.name).group(1)
    result = run_cli("validate", "--format", "json", str(fixture))
    results = json.loads(result.stdout)
    assert requirement in {r["requirement"] for r in results}, result.stderr
    severities = {r["severity"] for r in results}
    assert result.returncode == (1 if "Violation" in severities else 0)


def test_warnings_alone_exit_zero(run_cli, small_home: Path, tmp_path: Path) -> None:
    data = _write(tmp_path, "warn.ttl", ONLY_WARNING)
    result = run_cli("validate", str(data), SEGUR_KG_HOME=str(small_home))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 violations, 1 warning"


def test_violation_exits_one_with_the_message_in_the_chosen_language(
    run_cli, small_home: Path, tmp_path: Path
) -> None:
    data = _write(tmp_path, "bad.ttl", VIOLATION)
    french = run_cli("validate", str(data), SEGUR_KG_HOME=str(small_home))
    english = run_cli("validate", "--lang", "en", str(data), SEGUR_KG_HOME=str(small_home))
    assert french.returncode == english.returncode == 1
    assert "Un acteur a un libellé anglais." in french.stdout
    assert "An actor has an English label." in english.stdout
    assert "B français" in french.stdout  # the focus node is shown by its label
    assert french.stdout.splitlines()[-1] == "1 violation, 0 warnings"


def test_json_report_names_requirement_shape_focus_and_path(
    run_cli, small_home: Path, tmp_path: Path
) -> None:
    data = _write(tmp_path, "bad.ttl", VIOLATION)
    result = run_cli("validate", "--format", "json", "--lang", "en", str(data),
                     SEGUR_KG_HOME=str(small_home))
    [record] = json.loads(result.stdout)
    assert record == {
        "focus": "https://w3id.org/segur/id/actor/b",
        "focus_label": "B français",
        "message": "An actor has an English label.",
        "path": "rdfs:label",
        "requirement": "R-01",
        "severity": "Violation",
        "source_shape": "https://example.org/test-shapes/EnglishLabel",
        "value": '"B français"@fr',
    }


def test_turtle_report_is_stable_and_parses(run_cli, small_home: Path, tmp_path: Path) -> None:
    from rdflib import Graph
    from rdflib.namespace import SH

    data = _write(tmp_path, "bad.ttl", VIOLATION + ONLY_WARNING)
    runs = [run_cli("validate", "--format", "turtle", str(data), PYTHONHASHSEED=seed,
                    SEGUR_KG_HOME=str(small_home)) for seed in ("1", "2")]
    assert runs[0].stdout == runs[1].stdout
    report = Graph().parse(data=runs[0].stdout, format="turtle")
    assert len(set(report.subjects(None, SH.ValidationResult))) == 2


def test_requirement_row_without_a_shape_is_refused(run_cli, small_home: Path) -> None:
    table = small_home / "ontology" / "shapes" / "REQUIREMENTS.md"
    table.write_text(TABLE + "| R-03 | Info | Inutilisée. | Unused. |\n", encoding="utf-8")
    result = run_cli("validate", SEGUR_KG_HOME=str(small_home))
    assert result.returncode == 2
    assert "R-03" in result.stderr and "REQUIREMENTS.md" in result.stderr


def test_shape_identifier_missing_from_the_table_is_refused(run_cli, small_home: Path) -> None:
    shapes = small_home / "ontology" / "shapes" / "test-shapes.ttl"
    shapes.write_text(SHAPES.replace('"R-02"', '"R-09"'), encoding="utf-8")
    result = run_cli("validate", SEGUR_KG_HOME=str(small_home))
    assert result.returncode == 2
    assert "R-09" in result.stderr and "test-shapes.ttl" in result.stderr


def test_unknown_severity_in_the_table_names_the_line(run_cli, small_home: Path) -> None:
    table = small_home / "ontology" / "shapes" / "REQUIREMENTS.md"
    table.write_text(TABLE.replace("| Warning |", "| Serious |"), encoding="utf-8")
    result = run_cli("validate", SEGUR_KG_HOME=str(small_home))
    assert result.returncode == 2
    assert "REQUIREMENTS.md:4:" in result.stderr and "Serious" in result.stderr


def test_real_shapes_get_both_messages_and_a_severity_from_the_table() -> None:
    from rdflib.namespace import DCTERMS, SH

    from segur_kg.checking.shapes import load_shapes, read_requirements

    table = read_requirements()
    shapes = load_shapes()
    for shape, identifier in shapes.subject_objects(DCTERMS.identifier):
        requirement = table[str(identifier)]
        messages = {(m.language, str(m)) for m in shapes.objects(shape, SH.message)}
        assert messages == {("fr", requirement.fr), ("en", requirement.en)}
        assert shapes.value(shape, SH.severity) == SH[requirement.severity]
