"""Synthetic registry files (segur_kg.sources.registries.synthetic) are in the official formats,
byte-stable per seed and cross-referenced: the activities name establishments of the FINESS file
of the same seed, the mailboxes name persons of the activities file and establishments of the
FINESS file. Also checks the hand-made fixtures in tests/fixtures/registries."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from segur_kg.common.errors import SegurKgError
from segur_kg.sources.registries import synthetic

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registries"
SEED = 7
FINESS_ROWS, MSSANTE_ROWS = 2_000, 1_500
RPPS_ZIP_MEMBER = "PS_LibreAcces_Personne_activite_202611010000.txt"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file of each kind for SEED, with the sizes the others refer to by default."""
    folder = tmp_path_factory.mktemp("registries")
    rpps_rows = synthetic.default_rpps_rows(MSSANTE_ROWS)
    finess_rows = synthetic.default_finess_rows(rpps_rows)
    sizes = {"finess": finess_rows, "rpps": rpps_rows, "mssante": MSSANTE_ROWS}
    paths = {}
    for kind, rows in sizes.items():
        paths[kind] = folder / synthetic.file_name(kind)
        synthetic.write(kind, rows, SEED, paths[kind])
    paths["finess-large"] = folder / "finess-large.csv"
    synthetic.write("finess", FINESS_ROWS, SEED, paths["finess-large"])
    return paths


def finess_records(path: Path, encoding: str = "iso-8859-1") -> list[list[str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def pipe_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "", "the file ends with a line end"
    return lines[0].split("|"), [line.split("|") for line in lines[1:-1]]


def column(header: list[str], rows: list[list[str]], name: str) -> list[str]:
    index = header.index(name)
    return [row[index] for row in rows]


# --- reproducibility ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "rows"), [("finess", 300), ("rpps", 600), ("mssante", 400)])
def test_same_seed_gives_same_bytes_and_another_seed_other_bytes(tmp_path: Path, kind: str,
                                                                  rows: int) -> None:
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    synthetic.write(kind, rows, 3, first)
    synthetic.write(kind, rows, 3, again)
    synthetic.write(kind, rows, 4, other)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


# --- FINESS ---------------------------------------------------------------------------------


def test_finess_file_has_the_comment_line_32_fields_and_geolocations(files: dict[str, Path]
                                                                     ) -> None:
    raw = files["finess-large"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # accented names are single ISO-8859-1 bytes
    records = finess_records(files["finess-large"])
    assert re.fullmatch(r"finess;etalab;\d+;2026-11-01", ";".join(records[0]))
    structures = [r for r in records[1:] if r[0] == "structureet"]
    geolocations = [r for r in records[1:] if r[0] == "geolocalisation"]
    assert len(records) == 1 + 2 * FINESS_ROWS
    assert len(structures) == len(geolocations) == FINESS_ROWS
    assert records[1:FINESS_ROWS + 1] == structures, "establishments first, then geolocations"
    assert {len(r) for r in structures} == {32}
    assert {len(r) for r in geolocations} == {6}
    assert [g[1] for g in geolocations] == [s[1] for s in structures]
    # Quoting: some fields hold ';' or '"', so a naive split gives more than 32 fields.
    lines = raw.decode("iso-8859-1").splitlines()
    assert any(line.count(";") > 31 for line in lines if line.startswith("structureet;"))
    assert any('""' in line for line in lines)


def test_finess_numbers_categories_and_departments(files: dict[str, Path]) -> None:
    structures = [r for r in finess_records(files["finess-large"]) if r[0] == "structureet"]
    numbers = [r[1] for r in structures]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 9 for n in numbers + [r[2] for r in structures])
    assert not set(numbers) & {r[2] for r in structures}, "ET and EJ numbers never collide"
    assert numbers == synthetic.finess_et_numbers(SEED, FINESS_ROWS)
    assert [r[2] for r in structures[:50]] == [synthetic.finess_ej_number(SEED, i)
                                               for i in range(50)]
    shared = Counter(r[2] for r in structures)
    assert max(shared.values()) >= 3 and len(shared) < FINESS_ROWS, "EJs hold several ETs"
    categories = {row[0]: row[1] for row in synthetic.CATEGORIES}
    assert {(r[18], r[19]) for r in structures} <= set(categories.items())
    assert {"355", "101", "500", "620", "611"} <= {r[18] for r in structures}
    departments = {r[13] for r in structures}
    metropolitan = {code for code in synthetic.DEPARTMENTS if len(code) == 2}
    assert departments <= metropolitan | set(synthetic.OVERSEAS)
    assert {"9A", "9B", "9C", "9D", "9F"} <= departments
    assert {"2A", "2B"} & departments
    for r in structures:
        if r[13] in synthetic.OVERSEAS:
            assert r[1].startswith(synthetic.OVERSEAS[r[13]][1])
        else:
            assert r[1].startswith(r[13])
        assert re.fullmatch(r"\d{5} .+", r[15]), "ligneacheminement: postal code and town"


# --- Annuaire Santé activities --------------------------------------------------------------


def test_rpps_file_has_the_exact_header_52_columns_and_trailing_bar(files: dict[str, Path]
                                                                    ) -> None:
    text = files["rpps"].read_bytes().decode("utf-8")
    assert text.split("\n", 1)[0] == synthetic.RPPS_HEADER
    header, rows = pipe_rows(files["rpps"])
    assert len(header) == 53 and header[-1] == ""
    assert len(rows) == synthetic.default_rpps_rows(MSSANTE_ROWS)
    assert {len(row) for row in rows} == {53}
    assert {row[-1] for row in rows} == {""}


def test_rpps_identifiers_codes_and_quirks(files: dict[str, Path]) -> None:
    header, rows = pipe_rows(files["rpps"])
    for row in rows:
        kind, identifier, national = row[0], row[1], row[2]
        assert national == kind + identifier
        assert (kind, len(identifier)) in {("8", 11), ("0", 9)}
    persons = dict.fromkeys(column(header, rows, "Identification nationale PP"))
    kinds = Counter(p[0] for p in persons)
    assert kinds["8"] > kinds["0"] > 0, "mostly RPPS, some ADELI"
    assert list(persons) == synthetic.rpps_national_ids(SEED, len(rows))
    assert len(persons) == synthetic.rpps_person_count(SEED, len(rows))
    assert max(Counter(column(header, rows, "Identification nationale PP")).values()) == 3
    professions = {row[0]: row[1] for row in synthetic.PROFESSIONS}
    assert set(zip(column(header, rows, "Code profession"),
                   column(header, rows, "Libellé profession"), strict=True)) <= set(
        professions.items())
    assert set(column(header, rows, "Code mode exercice")) == {"S", "L", "B"}
    assert set(column(header, rows, "Code catégorie professionnelle")) <= {"C", "E", "F", "M"}
    assert set(column(header, rows, "Code secteur d'activité")) <= set(synthetic.SECTORS)
    assert all(p.endswith("-FICTIF") for p in column(header, rows, "Nom d'exercice"))
    assert all(m.endswith("@example.invalid") or m == ""
               for m in column(header, rows, "Adresse e-mail (coord. structure)"))
    postal = column(header, rows, "Code postal (coord. structure)")
    department = column(header, rows, "Code Département (structure)")
    country = column(header, rows, "Code pays (coord. structure)")
    assert any(p and not d and not c for p, d, c in zip(postal, department, country,
                                                        strict=True))
    assert any(c and not d for c, d in zip(country, department, strict=True)), "a site abroad"
    assert set(filter(None, department)) <= set(synthetic.DEPARTMENTS)
    sirets = column(header, rows, "Numéro SIRET site")
    finess = column(header, rows, "Numéro FINESS site")
    modes = column(header, rows, "Code mode exercice")
    assert any(s and not f and m == "L" for s, f, m in zip(sirets, finess, modes, strict=True))
    assert all(f for f, m in zip(finess, modes, strict=True) if m == "S")


def test_rpps_sites_are_establishments_of_the_finess_file_of_the_same_seed(
        files: dict[str, Path]) -> None:
    header, rows = pipe_rows(files["rpps"])
    establishments = {r[1]: r for r in finess_records(files["finess"]) if r[0] == "structureet"}
    sites = column(header, rows, "Numéro FINESS site")
    legal = column(header, rows, "Numéro FINESS établissement juridique")
    departments = column(header, rows, "Code Département (structure)")
    used = [(s, j, d) for s, j, d in zip(sites, legal, departments, strict=True) if s]
    assert len(used) > len(rows) / 3
    for site, ej, department in used:
        assert site in establishments
        assert ej == establishments[site][2]
        assert department == synthetic.nos_department(establishments[site][13])


def test_rpps_file_refers_to_a_finess_file_of_the_size_given(tmp_path: Path) -> None:
    synthetic.write("rpps", 300, 11, tmp_path / "rpps.txt", finess_rows=37)
    header, rows = pipe_rows(tmp_path / "rpps.txt")
    known = set(synthetic.finess_et_numbers(11, 37))
    assert set(filter(None, column(header, rows, "Numéro FINESS site"))) <= known


# --- MSSanté directory ----------------------------------------------------------------------


def test_mssante_file_has_the_exact_header_and_31_columns(files: dict[str, Path]) -> None:
    text = files["mssante"].read_bytes().decode("utf-8")
    assert text.split("\n", 1)[0] == synthetic.MSSANTE_HEADER
    header, rows = pipe_rows(files["mssante"])
    assert header == list(synthetic.MSSANTE_COLUMNS) and len(header) == 31
    assert len(rows) == MSSANTE_ROWS
    assert {len(row) for row in rows} == {31}


def test_mssante_holders_are_persons_of_the_rpps_file_and_establishments(
        files: dict[str, Path]) -> None:
    header, rows = pipe_rows(files["mssante"])
    rpps_header, activities = pipe_rows(files["rpps"])
    persons = {row[2]: (row[7], row[8], row[9]) for row in activities}
    establishments = {r[1] for r in finess_records(files["finess"]) if r[0] == "structureet"}
    kinds = Counter(row[0] for row in rows)
    assert set(kinds) == {"PER", "ORG"}
    assert 0.8 < kinds["PER"] / len(rows) < 0.9
    for row in rows:
        address = row[1]
        local, _, domain = address.partition("@")
        assert local and domain.endswith(".mssante.fr")
        if row[0] == "PER":
            national = row[4]
            assert national == row[2] + row[3]
            assert persons[national] == (row[9], row[10], row[13]), "name and profession"
            if row[5] == synthetic.STRUCTURE_FINESS:
                assert row[6][1:] in establishments
        else:
            assert row[5] == synthetic.STRUCTURE_FINESS and row[6][0] == "1"
            assert row[6][1:] in establishments
            assert row[2] == row[3] == row[4] == ""


def test_mssante_repeats_a_few_addresses_like_the_real_file(files: dict[str, Path]) -> None:
    header, rows = pipe_rows(files["mssante"])
    counts = Counter(row[1] for row in rows)
    repeated = [address for address, n in counts.items() if n > 1]
    assert 1 <= len(repeated) <= 3
    holders = {}
    for row in rows:
        holders.setdefault(row[1], set()).add(row[4] or row[6])
    assert all(len(holders[address]) == 1 for address in repeated), "the same holder"


# --- ZIP, helpers, errors -------------------------------------------------------------------


def test_zip_output_holds_the_text_file_under_the_ans_name(tmp_path: Path) -> None:
    plain, zipped, again = tmp_path / "a.txt", tmp_path / "a.zip", tmp_path / "b.zip"
    synthetic.write("rpps", 200, 5, plain)
    summary = synthetic.write("rpps", 200, 5, zipped)
    synthetic.write("rpps", 200, 5, again)
    assert zipped.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(zipped) as archive:
        assert archive.namelist() == [RPPS_ZIP_MEMBER]
        assert archive.read(RPPS_ZIP_MEMBER) == plain.read_bytes()
    assert summary["member"] == RPPS_ZIP_MEMBER


def test_summary_counts_what_was_written(tmp_path: Path) -> None:
    summary = synthetic.write("finess", 100, 2, tmp_path / "f.csv")
    assert summary["lines"] == 201 and summary["establishments"] == 100
    assert 0 < summary["legal_entities"] < 100
    assert summary["encoding"] == "iso-8859-1"
    summary = synthetic.write("mssante", 100, 2, tmp_path / "m.txt")
    assert summary["lines"] == 101
    assert summary["personal"] + summary["organisational"] == 100
    assert summary["rpps_rows"] == synthetic.default_rpps_rows(100)
    assert summary["finess_rows"] == synthetic.default_finess_rows(summary["rpps_rows"])


@pytest.mark.parametrize(("kind", "rows", "seed", "options", "message"), [
    ("ror", 10, 0, {}, "unknown registry"),
    ("finess", 0, 0, {}, "rows 0 is out of range"),
    ("finess", True, 0, {}, "rows must be a whole number"),
    ("rpps", 10.5, 0, {}, "rows must be a whole number"),
    ("mssante", 10**9, 0, {}, "out of range"),
    ("rpps", 10, -1, {}, "seed -1 is out of range"),
    ("rpps", 10, "1", {}, "seed must be a whole number"),
    ("finess", 10, 0, {"finess_rows": 5}, "finess_rows applies"),
    ("rpps", 10, 0, {"rpps_rows": 5}, "rpps_rows applies"),
    ("rpps", 10, 0, {"finess_rows": 0}, "finess_rows 0 is out of range"),
])
def test_bad_arguments_are_refused_in_one_line(tmp_path: Path, kind: object, rows: object,
                                               seed: object, options: dict, message: str
                                               ) -> None:
    with pytest.raises(SegurKgError, match=message) as error:
        synthetic.write(kind, rows, seed, tmp_path / "out.txt", **options)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
    assert not (tmp_path / "out.txt").exists()


def test_bad_outputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SegurKgError, match="does not exist"):
        synthetic.write("rpps", 10, 0, tmp_path / "missing" / "out.txt")
    with pytest.raises(SegurKgError, match="is a folder"):
        synthetic.write("rpps", 10, 0, tmp_path)
    with pytest.raises(SegurKgError, match="plain CSV"):
        synthetic.write("finess", 10, 0, tmp_path / "finess.zip")
    assert list(tmp_path.iterdir()) == []


# --- the hand-made fixtures -----------------------------------------------------------------


def test_fixture_finess_files_in_both_encodings() -> None:
    raw = (FIXTURES / "finess-etalab.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    records = finess_records(FIXTURES / "finess-etalab.csv")
    assert records[0] == ["finess", "etalab", "100", "2026-11-01"]
    structures = [r for r in records if r[0] == "structureet"]
    assert [len(r) for r in structures].count(32) == len(structures) - 1, "one malformed line"
    by_number = {r[1]: r for r in structures if len(r) == 32}
    assert by_number["290999903"][4] == 'EHPAD "LES HORTENSIAS"; SITE FICTIF DE L\'ÎLE'
    assert by_number["690999901"][2] == by_number["690999902"][2]
    assert {"9A", "9D", "9J", "9Z", "2A"} <= {r[13] for r in by_number.values()}
    assert "999" in {r[18] for r in by_number.values()}
    geolocated = {r[1] for r in records if r[0] == "geolocalisation"}
    assert geolocated <= set(by_number)
    utf8 = finess_records(FIXTURES / "finess-etalab-utf8.csv", "utf-8")
    assert {r[1] for r in utf8 if r[0] == "structureet"} <= set(by_number)
    assert [r for r in utf8 if r[0] == "structureet"] == [by_number[r[1]] for r in utf8
                                                          if r[0] == "structureet"]


def test_fixture_rpps_and_mssante_refer_to_each_other() -> None:
    establishments = {r[1] for r in finess_records(FIXTURES / "finess-etalab.csv")
                      if r[0] == "structureet" and len(r) == 32}
    header, rows = pipe_rows(FIXTURES / "rpps.txt")
    assert "|".join(header) == synthetic.RPPS_HEADER
    good = [row for row in rows if len(row) == 53]
    assert len(rows) - len(good) == 1, "one malformed line"
    sites = set(filter(None, column(header, good, "Numéro FINESS site")))
    assert sites - establishments == {"350999999"}, "one site absent from the FINESS file"
    persons = set(column(header, good, "Identification nationale PP"))
    assert len(persons) == 12 and all("FICTIFNOM" in n for n in column(header, good,
                                                                         "Nom d'exercice"))
    mheader, mrows = pipe_rows(FIXTURES / "mssante.txt")
    assert mheader == list(synthetic.MSSANTE_COLUMNS)
    mgood = [row for row in mrows if len(row) == 31]
    assert len(mrows) - len(mgood) == 1, "one malformed line"
    holders = {row[4] for row in mgood if row[0] == "PER"}
    assert holders - persons == {"819900000013"}, "one holder absent from rpps.txt"
    assert {row[6][1:] for row in mgood if row[0] == "ORG"} <= establishments
    assert [n for n in Counter(row[1] for row in mgood).values() if n > 1] == [2]


def test_fixture_zip_is_built_the_same_every_time(tmp_path: Path) -> None:
    first = synthetic.zip_file(FIXTURES / "rpps.txt", tmp_path / "registries.zip",
                               RPPS_ZIP_MEMBER)
    second = synthetic.zip_file(FIXTURES / "rpps.txt", tmp_path / "again.zip", RPPS_ZIP_MEMBER)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == [RPPS_ZIP_MEMBER]
        assert archive.read(RPPS_ZIP_MEMBER) == (FIXTURES / "rpps.txt").read_bytes()
