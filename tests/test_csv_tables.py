"""CSV tables: one row per resource, labels in the chosen language, spreadsheet-friendly bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import assert_clean_error

TABLES = ["actors", "corridors", "funding", "platforms", "regions", "services",
          "software-categories"]


def _raw(*args: str, **env: str) -> bytes:
    """Standard output as bytes: text mode would turn CRLF into LF."""
    import subprocess
    import sys

    from conftest import REPO_ROOT, cli_env

    result = subprocess.run([sys.executable, "-m", "segur_kg", "export", *args],
                            capture_output=True, cwd=REPO_ROOT, env=cli_env(**env), timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def _table(run_cli, name: str, *extra: str) -> list[dict[str, str]]:
    result = run_cli("export", "--format", "csv", "--table", name, *extra)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"), newline="")))


def _instances(dataset, cls: str, subclasses: bool = False) -> set[str]:
    from rdflib import RDF, RDFS, URIRef

    classes = ([*dataset.transitive_subjects(RDFS.subClassOf, URIRef(cls))] if subclasses
               else [URIRef(cls)])
    return {str(s) for c in classes for s in dataset.subjects(RDF.type, c)}


def test_software_categories_have_one_row_each_with_wave_and_audiences(run_cli, dataset) -> None:
    rows = _table(run_cli, "software-categories", "--lang", "en")
    expected = _instances(dataset, "https://w3id.org/segur/def/SoftwareCategory")
    assert len(rows) == len(expected) == 10
    assert {row["IRI"] for row in rows} == expected
    by_acronym = {row["acronym"]: row for row in rows}
    assert by_acronym["LGC SF"]["wave"] == "Wave 2"
    assert by_acronym["LGC SF"]["audiences"] == "Midwives"
    assert by_acronym["LGC SF"]["label"] == "Midwives' practice management software"
    assert by_acronym["DPI"]["wave"] == "Wave 1 ; Wave 2"


def test_labels_follow_the_chosen_language(run_cli) -> None:
    french = {row["IRI"]: row for row in _table(run_cli, "software-categories")}
    english = {row["IRI"]: row for row in _table(run_cli, "software-categories", "--lang", "en")}
    lgc_sf = "https://w3id.org/segur/id/software/lgc-sf"
    assert french[lgc_sf]["libellé"] == "Logiciel de gestion de cabinet des sages-femmes"
    assert french[lgc_sf]["vague"] == "Vague 2"
    assert french[lgc_sf]["publics"] == "Sages-femmes"
    assert english[lgc_sf]["audiences"] == "Midwives"


def test_multi_valued_cells_are_joined_in_a_stable_order(run_cli) -> None:
    actors = {row["IRI"].rsplit("/", 1)[1]: row for row in _table(run_cli, "actors", "--lang", "en")}
    missions = actors["ans"]["missions"].split(" ; ")
    assert len(missions) == 6
    assert missions == sorted(missions, key=lambda text: (text.casefold(), text))
    assert actors["ans"]["maintains"] == "Pro Santé Connect ; Whitelist"


def test_regions_table_gives_the_nos_code_and_the_agency(run_cli, dataset) -> None:
    rows = _table(run_cli, "regions")
    assert len(rows) == len(_instances(dataset, "https://w3id.org/segur/def/Region")) == 18
    bretagne = next(row for row in rows if row["libellé"] == "Bretagne")
    assert bretagne["code NOS"] == "53"
    assert bretagne["ARS"] == "Agence régionale de santé Bretagne"
    assert bretagne["IRI de l'ARS"] == "https://w3id.org/segur/id/actor/ars-bretagne"


def test_services_include_every_kind_of_digital_service(run_cli, dataset) -> None:
    rows = _table(run_cli, "services", "--lang", "en")
    expected = _instances(dataset, "https://w3id.org/segur/def/DigitalService", subclasses=True)
    assert {row["IRI"] for row in rows} == expected
    psc = next(row for row in rows if row["label"] == "Pro Santé Connect")
    assert psc["developed by"] == "French Digital Health Agency"


def test_funding_table_names_who_does_what(run_cli) -> None:
    rows = {row["acronym"]: row for row in _table(run_cli, "funding", "--lang", "en")}
    assert set(rows) == {"SONS", "SUN-ES"}
    # The DGOS per DSIH, and the DNS with it per the ARS (row L09 of the research table).
    assert rows["SUN-ES"]["steered by"] == (
        "Directorate General for Healthcare Provision ; Ministerial Delegation for Digital Health")
    assert rows["SONS"]["wave"] == "Wave 1 ; Wave 2"


@pytest.mark.parametrize("name", TABLES)
def test_every_table_opens_cleanly_in_a_spreadsheet(run_cli, name: str) -> None:
    raw = _raw("--format", "csv", "--table", name)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = raw.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends with CRLF, none bare
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0] == "IRI" and len(rows) > 1
    assert {len(row) for row in rows} == {len(rows[0])}
    assert len({row[0] for row in rows[1:]}) == len(rows) - 1  # one row per resource


@pytest.mark.parametrize("name", ["software-categories", "actors"])
def test_csv_is_byte_identical_across_hash_seeds(run_cli, name: str) -> None:
    first = _raw("--format", "csv", "--table", name, PYTHONHASHSEED="1")
    second = _raw("--format", "csv", "--table", name, PYTHONHASHSEED="2")
    assert first == second


def test_csv_output_file_matches_standard_output(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "corridors.csv"
    result = run_cli("export", "--format", "csv", "--table", "corridors", "-o", str(target))
    assert result.returncode == 0, result.stderr
    expected = _raw("--format", "csv", "--table", "corridors")
    assert target.read_bytes() == expected


def test_csv_without_a_table_lists_the_tables(run_cli) -> None:
    result = run_cli("export", "--format", "csv")
    assert_clean_error(result)
    assert ", ".join(TABLES) in result.stderr


def test_unknown_table_lists_the_tables(run_cli) -> None:
    result = run_cli("export", "--format", "csv", "--table", "actor")
    assert_clean_error(result)
    assert "'actor'" in result.stderr and ", ".join(TABLES) in result.stderr


@pytest.mark.parametrize("args", [["--format", "ttl", "--table", "actors"],
                                  ["--format", "jsonld", "--lang", "en"],
                                  ["--format", "csv", "--table", "actors", "--frame", "waves"]])
def test_options_that_would_be_ignored_are_refused(run_cli, args: list[str]) -> None:
    assert_clean_error(run_cli("export", *args))
