"""The programme's calendar (data/calendar.ttl): every milestone has one date, one kind and
its sources; its dates are those of the table of sourced facts (sources/programme-facts.md),
times of day included; the calendar questions answer from it."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rdf_namespace
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from segur_kg.cli import main
from segur_kg.rdf.reading import load_dataset

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "sources" / "programme-facts.md"
SEGUR = "https://w3id.org/segur/def/"
ID = "https://w3id.org/segur/id/"
MILESTONE = URIRef(SEGUR + "Milestone")
ON_DATE = URIRef(SEGUR + "onDate")
KIND = URIRef(SEGUR + "milestoneKind")
ROW = URIRef(SEGUR + "researchRow")
DATE_TYPES = {rdf_namespace.XSD.date, rdf_namespace.XSD.dateTime, rdf_namespace.XSD.gYearMonth, rdf_namespace.XSD.gYear}

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# "15 June 2022 14:00", "14 December 2023 at 14:00", "20 September (2023)", "31 Aug 2021"
_WORDS = re.compile(rf"\b(\d{{1,2}}) ({_MONTH})\b\.? \(?(\d{{4}})\)?(?:,? (?:at )?(\d{{1,2}}):(\d{{2}}))?",
                    re.IGNORECASE)
# "20/06/2024 14:00", "14/12/2023 14h", "12-02-2022"
_DIGITS = re.compile(r"\b(\d{2})[/-](\d{2})[/-](\d{4})(?: (\d{1,2})(?::(\d{2})|h))?")
# "15/01, 15/02, 01/06, 15/09/2024": the leading days take the year of the last one
_LIST = re.compile(r"((?:\d{2}/\d{2}, )+)\d{2}/\d{2}/(\d{4})")


def table_rows() -> dict[str, dict[str, str]]:
    names = ["id", "topic", "subject", "fact", "value", "url", "date", "kind", "confidence"]
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\| [FCRGIL]\d\d \|", line):
            row = dict(zip(names, (c.strip() for c in line.strip("|").split(" | ")), strict=True))
            rows[row["id"]] = row
    return rows


def dates_in(text: str) -> set[tuple[str, str | None]]:
    """(YYYY-MM-DD, HH:MM or None) for every day a text of the table names."""
    found: set[tuple[str, str | None]] = set()
    for day, month, year, hour, minute in _WORDS.findall(text):
        when = date(int(year), MONTHS[month.lower()], int(day)).isoformat()
        found.add((when, f"{int(hour):02d}:{minute}" if hour else None))
    for day, month, year, hour, minute in _DIGITS.findall(text):
        when = date(int(year), int(month), int(day)).isoformat()
        found.add((when, f"{int(hour):02d}:{minute or '00'}" if hour else None))
    for leading, year in _LIST.findall(text):
        for day, month in re.findall(r"(\d{2})/(\d{2})", leading):
            found.add((date(int(year), int(month), int(day)).isoformat(), None))
    return found


def row_dates(rows: dict[str, dict[str, str]], row_id: str) -> set[tuple[str, str | None]]:
    row = rows[row_id]
    if row["value"] == "same as G01":  # G02 gives G01's dates for the DPI and RIS pages
        return row_dates(rows, "G01")
    return dates_in(row["fact"] + " | " + row["value"])


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, str]]:
    return table_rows()


def milestones(graph: Graph) -> list[URIRef]:
    return sorted(graph.subjects(RDF.type, MILESTONE))


def the_date(graph: Graph, milestone: URIRef) -> Literal:
    (value,) = list(graph.objects(milestone, ON_DATE))
    return value


def query_csv(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    assert main(["query", *args, "--format", "csv", "--iris"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_the_date_reader_reads_the_forms_the_table_uses() -> None:
    assert dates_in("pushed to 15 June 2022 14:00 and set 31 August 2022 14:00") == {
        ("2022-06-15", "14:00"), ("2022-08-31", "14:00")}
    assert dates_in("14 December 2023 at 14:00 | 14/12/2023 14h") == {("2023-12-14", "14:00")}
    assert dates_in("the 20 September (2023) installation deadline") == {("2023-09-20", None)}
    assert dates_in("15/01, 15/02, 01/06, 15/09/2024") == {
        ("2024-01-15", None), ("2024-02-15", None), ("2024-06-01", None), ("2024-09-15", None)}
    assert dates_in("JO 12-02-2022; signed 2 Sept 2025") == {("2022-02-12", None),
                                                             ("2025-09-02", None)}


def test_every_milestone_has_one_date_one_kind_its_labels_and_sources(
        graph: Graph, rows: dict[str, dict[str, str]]) -> None:
    found = milestones(graph)
    assert len(found) >= 70
    for milestone in found:
        dates = list(graph.objects(milestone, ON_DATE))
        assert len(dates) == 1 and dates[0].datatype in DATE_TYPES, milestone
        kinds = list(graph.objects(milestone, KIND))
        assert len(kinds) == 1, milestone
        assert (kinds[0], RDF.type, URIRef(SEGUR + "MilestoneKind")) in graph, milestone
        assert {label.language for label in graph.objects(milestone, RDFS.label)} == {"fr", "en"}
        assert {d.language for d in graph.objects(milestone, DCTERMS.description)} == {"fr", "en"}
        sources = set(graph.objects(milestone, DCTERMS.source))
        assert sources, milestone
        cited = {str(row) for row in graph.objects(milestone, ROW)}
        assert cited and cited <= set(rows), milestone
        # the page of each row it rests on is among its sources
        assert {URIRef(rows[row]["url"]) for row in cited} <= sources, milestone


def test_the_four_g01_dates_are_in_the_calendar_of_the_sgl_scheme(
        graph: Graph, rows: dict[str, dict[str, str]]) -> None:
    g01 = {day for day, _ in row_dates(rows, "G01")}
    assert g01 == {"2022-06-15", "2022-11-30", "2023-09-20", "2023-12-14"}
    answer = graph.query("""
        PREFIX segur: <https://w3id.org/segur/def/>
        SELECT ?on ?kind WHERE {
          ?m segur:concerns <https://w3id.org/segur/id/scheme/biologie-medicale-sgl-vague-1> ;
             segur:onDate ?on ; segur:milestoneKind ?kind ; segur:researchRow "G01" .
        }""")
    calendar = {(str(on)[:10], str(kind)) for on, kind in answer}
    assert calendar == {(day, ID + "milestone-kind/deadline") for day in g01}


def test_deadlines_after_two_dates_give_nested_answers(capsys: pytest.CaptureFixture[str]) -> None:
    earlier = query_csv(capsys, "deadlines-after", "--param", "date=2024-01-01")
    later = query_csv(capsys, "deadlines-after", "--param", "date=2025-01-01")
    key = lambda row: (row["on"], row["milestone"], row["concerns"])  # noqa: E731
    assert {key(r) for r in later} < {key(r) for r in earlier}
    assert [row["on"] for row in earlier] == sorted(row["on"] for row in earlier)
    assert all(row["on"][:10] >= "2025-01-01" for row in later)
    # what falls in 2024 is in the first answer only
    only_earlier = {row["milestone"] for row in earlier} - {row["milestone"] for row in later}
    assert ID + "milestone/fin-deploiement-medico-social-vague-1" in only_earlier


def test_deadlines_after_compares_a_day_with_a_time_of_day_on_the_day(
        capsys: pytest.CaptureFixture[str]) -> None:
    drimbox = ID + "milestone/drimbox-dossier-administratif"  # 2025-09-10 at noon
    same_day = query_csv(capsys, "deadlines-after", "--param", "date=2025-09-10")
    day_after = query_csv(capsys, "deadlines-after", "--param", "date=2025-09-11")
    assert drimbox in {row["milestone"] for row in same_day}
    assert drimbox not in {row["milestone"] for row in day_after}
    # a deadline known only by its month is kept for a day of that month, not after it
    window_4 = ID + "milestone/sun-es-fenetre-4-cloture"  # April 2023
    assert window_4 in {row["milestone"] for row in
                        query_csv(capsys, "deadlines-after", "--param", "date=2023-04-15")}
    assert window_4 not in {row["milestone"] for row in
                            query_csv(capsys, "deadlines-after", "--param", "date=2023-05-01")}
    # a value that is not a day is refused rather than answered with nothing
    assert main(["query", "deadlines-after", "--param", "date=2025"]) == 2
    assert "needs a date as YYYY-MM-DD" in capsys.readouterr().err


def test_times_of_day_from_the_table_are_kept_in_paris_time(
        graph: Graph, rows: dict[str, dict[str, str]]) -> None:
    timed = {(row_id, day, hour) for row_id in rows for day, hour in row_dates(rows, row_id)
             if hour}
    assert {row_id for row_id, _, _ in timed} >= {"R06", "G03", "G05", "G06", "G07", "G16"}
    for row_id, day, hour in sorted(timed):
        value = Literal(f"{day}T{hour}:00", datatype=rdf_namespace.XSD.dateTime)
        holders = [m for m in graph.subjects(ON_DATE, value) if (m, ROW, Literal(row_id)) in graph]
        assert holders, (row_id, day, hour)
        for milestone in holders:
            notes = {note.language: str(note) for note in graph.objects(milestone, SKOS.note)}
            assert "heure de paris" in notes["fr"].lower() and "paris time" in notes["en"].lower()


def test_milestone_days_are_days_of_the_rows_they_cite(
        graph: Graph, rows: dict[str, dict[str, str]]) -> None:
    wrong = []
    for milestone in milestones(graph):
        value = the_date(graph, milestone)
        if value.datatype not in (rdf_namespace.XSD.date, rdf_namespace.XSD.dateTime):
            continue
        for row in graph.objects(milestone, ROW):
            days = {day for day, _ in row_dates(rows, str(row))}
            if days and str(value)[:10] not in days:
                wrong.append((str(milestone), str(row), str(value)))
    assert wrong == []


# Days a row names that are no milestone of the calendar, with the reason.
NOT_MILESTONES = {
    ("G13", "2022-11-14"): "one vendor's certification, not a date of the programme",
    ("L01", "2020-07-22"): "the ministerial commitments of the Ségur de la santé, "
                           "kept with the programme's launch",
}


@pytest.mark.parametrize("row_id", [
    "G01", "G03", "G04", "G05", "G06", "G07", "G08", "G10", "G11", "G12", "G13", "G14",
    "G16", "G18", "G19", "G20", "G21", "R04", "R06", "R07", "R10", "R21", "R22", "C18",
    "C19", "C21", "C24", "F17", "F27", "I01", "I04", "I16", "I24", "L02", "L03", "L04", "L12",
])
def test_every_day_a_calendar_row_names_is_a_milestone_citing_it(
        graph: Graph, rows: dict[str, dict[str, str]], row_id: str) -> None:
    named = {day for day, _ in row_dates(rows, row_id)}
    assert named, row_id
    held = {str(the_date(graph, m))[:10] for m in graph.subjects(ROW, Literal(row_id))
            if (m, RDF.type, MILESTONE) in graph}
    missing = {day for day in named - held if (row_id, day) not in NOT_MILESTONES}
    assert missing == set()


def test_month_only_milestones_keep_the_month(graph: Graph) -> None:
    closes_4 = URIRef(ID + "milestone/sun-es-fenetre-4-cloture")
    assert the_date(graph, closes_4) == Literal("2023-04", datatype=rdf_namespace.XSD.gYearMonth)
    assert {str(r) for r in graph.objects(closes_4, ROW)} == {"G18", "I09"}


def test_each_date_contradiction_keeps_both_dates_and_the_calendar_one_of_them(
        graph: Graph) -> None:
    cases = {
        "fin-demandes-solde-biologie-vague-1": ("fin-demandes-solde-vague-1",
                                                {"2023-04-28", "2023-12-14"}),
        "fin-prestations-medecine-de-ville-vague-1": ("fin-prestations-vague-1",
                                                      {"2023-04-28", "2023-09-20"}),
        "fin-installation-lgo": ("fin-deploiement-lgo-vague-1", {"2023-03-31", "2023-04-28"}),
    }
    for slug, (milestone, values) in cases.items():
        disagreement = URIRef(ID + "disagreement/" + slug)
        claims = list(graph.objects(disagreement, URIRef(SEGUR + "hasClaim")))
        stated = {str(graph.value(c, URIRef(SEGUR + "statedValue"))) for c in claims}
        assert stated == values, slug
        assert all(set(graph.objects(c, DCTERMS.source)) for c in claims)
        about = URIRef(ID + "milestone/" + milestone)
        assert (disagreement, URIRef(SEGUR + "about"), about) in graph
        assert str(the_date(graph, about))[:10] in values


def test_windows_open_before_they_close(capsys: pytest.CaptureFixture[str]) -> None:
    answer = query_csv(capsys, "windows")
    assert len(answer) >= 15
    for row in answer:
        assert row["opensOn"] or row["closesOn"], row
        if row["opensOn"] and row["closesOn"]:
            assert row["opensOn"][:7] <= row["closesOn"][:7], row
    by_window = {row["window"]: row for row in answer}
    referencing = by_window[ID + "window/referencement-vague-1"]
    assert (referencing["opensOn"], referencing["closesOn"]) == ("2021-08-31", "2022-06-15T14:00:00")
    assert len([w for w in by_window if "/window/sun-es-fenetre-" in w]) == 4


def test_corridor_calendar_keeps_to_the_corridor(
        graph: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    imaging = query_csv(capsys, "corridor-calendar", "--param",
                        "corridor=corridor/imagerie-medicale")
    held = {row["milestone"] for row in imaging}
    corridor = URIRef(ID + "corridor/imagerie-medicale")
    assert held == {str(m) for m in graph.subjects(URIRef(SEGUR + "concernsCorridor"), corridor)
                    if (m, RDF.type, MILESTONE) in graph}
    # the six DRIMbox dates of G07
    g07 = {row["date"][:10] for row in imaging if "/milestone/drimbox-" in row["milestone"]}
    assert g07 == {"2025-09-10", "2026-05-13", "2026-09-16", "2026-11-10", "2027-09-15",
                   "2027-12-15"}
    assert ID + "milestone/fin-deploiement-lgo-vague-1" not in held
    assert [row["date"] for row in imaging] == sorted(row["date"] for row in imaging)


def test_programme_calendar_lists_every_milestone_in_date_order(
        graph: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    answer = query_csv(capsys, "programme-calendar")
    assert {row["milestone"] for row in answer} == {str(m) for m in milestones(graph)}
    assert [row["date"] for row in answer] == sorted(row["date"] for row in answer)
    launch = [row for row in answer if row["milestone"] == ID + "milestone/lancement-vague-2"]
    assert {row["wave"] for row in launch} == {ID + "wave/vague-2"}
    assert {row["corridor"] for row in launch} == {ID + "corridor/imagerie-medicale",
                                                   ID + "corridor/medecine-de-ville"}


@pytest.mark.parametrize(("value", "reason"), [
    ("notadate", "needs a date as YYYY-MM-DD"),
    ("2025-1-1", "needs a date as YYYY-MM-DD"),
    ("2025-02-30", "is not a day of the calendar"),
])
def test_deadlines_after_refuses_what_is_not_a_date(
        value: str, reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    # A date the query cannot compare would silently answer nothing.
    assert main(["query", "deadlines-after", "--param", f"date={value}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert reason in captured.err and "Traceback" not in captured.err
