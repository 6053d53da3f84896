"""The programme's money (data/envelopes.ttl) and results (data/indicators.ttl): envelopes
nest and add up where the pages say they do, links no page states are marked as the graph's
reading, every amount and observation is complete and sourced, and the values and dates are
those of the rows of sources/programme-facts.md that the resources cite."""

from __future__ import annotations

import calendar
import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from segur_kg.cli import main
from segur_kg.rdf.reading import load_dataset

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/segur/id/"
SEGUR = "https://w3id.org/segur/def/"
SCHEMA = "https://schema.org/"
READING_SOURCE = URIRef(ID + "source/lecture-du-graphe")


class XSD:  # the datatypes used here (rdflib's closed namespace warns when pytest inspects it)
    decimal = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    date = URIRef("http://www.w3.org/2001/XMLSchema#date")
    gYearMonth = URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth")
    gYear = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
    dateTime = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")


DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear, XSD.dateTime}


def S(term: str) -> URIRef:
    return URIRef(SEGUR + term)


def envelope(slug: str) -> URIRef:
    return URIRef(ID + "envelope/" + slug)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


@pytest.fixture(scope="module")
def own() -> set[URIRef]:
    """The resources that data/envelopes.ttl and data/indicators.ttl describe (not those of
    other files they add a fact to)."""
    mine = ("envelopes.ttl", "indicators.ttl")
    subjects: set[URIRef] = set()
    for name in mine:
        subjects |= {s for s in Graph().parse(ROOT / "data" / name).subjects() if isinstance(s, URIRef)}
    for path in sorted((ROOT / "data").glob("*.ttl")):
        if path.name not in mine:
            subjects -= set(Graph().parse(path).subjects())
    return subjects


# --- the research table, parsed ---------------------------------------------------------------

def table_rows() -> dict[str, dict[str, str]]:
    """Rows of sources/programme-facts.md by id; the text a row states is its topic, subject,
    fact and value columns (not the page's own date)."""
    rows = {}
    for line in (ROOT / "sources" / "programme-facts.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 9 and re.fullmatch(r"[FCRGIL]\d{2}", cells[0]):
            rows[cells[0]] = {"text": " ".join(cells[1:5]), "url": cells[5], "page_date": cells[6]}
    return rows


ROWS = table_rows()
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
FIGURE = re.compile(
    rf"({NUMBER})\s*(?:(?:–|-|to|and|→)\s*({NUMBER}))?\s*(Md€|M€|million|M(?![A-Za-z])|€|%)?")
SCALE = {"Md€": Decimal(10) ** 9, "M€": Decimal(10) ** 6, "million": Decimal(10) ** 6,
         "M": Decimal(10) ** 6}


def figures(text: str) -> set[Decimal]:
    """Every figure a row states, in base units: "1.4 Md€" is 1400000000, "625–875 € HT" gives
    625 and 875, ">12M/month" gives 12000000, "62.7%" gives 62.7."""
    found = set()
    for first, second, unit in FIGURE.findall(text):
        scale = SCALE.get(unit, Decimal(1))
        for number in filter(None, (first, second)):
            found.add(Decimal(number.replace(",", "")) * scale)
    return found


def test_the_table_is_parsed() -> None:
    assert len(ROWS) == 134
    assert Decimal("1400000000") in figures(ROWS["F01"]["text"])
    assert {Decimal(625), Decimal(875)} <= figures(ROWS["F18"]["text"])
    assert Decimal("12000000") in figures(ROWS["I10"]["text"])


# --- envelopes ---------------------------------------------------------------------------------

def amount(graph: Graph, node: URIRef) -> Decimal:
    value = graph.value(node, S("amount"))
    assert isinstance(value, Literal) and value.datatype == XSD.decimal, node
    return Decimal(str(value))


def parts(graph: Graph, parent: URIRef, regional: bool = False) -> dict[URIRef, Decimal]:
    """Direct parts of an envelope: without regional shares, or only those."""
    found = {}
    for part in graph.subjects(S("partOfEnvelope"), parent):
        is_regional = any((scope, RDF.type, S("Region")) in graph
                          for scope in graph.objects(part, S("scope")))
        if is_regional == regional:
            found[part] = amount(graph, part)
    return found


def test_every_envelope_is_a_positive_decimal_amount_in_euros_with_a_source(graph: Graph) -> None:
    envelopes = set(graph.subjects(RDF.type, S("Envelope")))
    assert len(envelopes) >= 40
    for node in envelopes:
        assert len(list(graph.objects(node, S("amount")))) == 1, node
        assert amount(graph, node) > 0, node
        assert [str(c) for c in graph.objects(node, URIRef(SCHEMA + "currency"))] == ["EUR"], node
        sources = set(graph.objects(node, DCTERMS.source))
        assert sources - {READING_SOURCE}, node
        for source in sources:
            assert (source, RDF.type, DCTERMS.BibliographicResource) in graph, (node, source)


def test_the_sun_es_strands_add_up_to_the_sun_es_envelope(graph: Graph) -> None:
    strands = parts(graph, envelope("sun-es"))
    assert set(strands) == {envelope("sun-es-volet-1"), envelope("sun-es-volet-2")}
    assert sum(strands.values()) == amount(graph, envelope("sun-es")) == Decimal("210000000")
    # The Hauts-de-France share is one cut of SUN-ES by region, kept apart from the strands.
    assert parts(graph, envelope("sun-es"), regional=True) == {
        envelope("sun-es-hauts-de-france"): Decimal("13500000")}


def test_strand_1_domains_add_up_to_strand_1(graph: Graph) -> None:
    domains = parts(graph, envelope("sun-es-volet-1"))
    assert sorted(domains.values()) == [Decimal("11000000"), Decimal("24000000"), Decimal("123000000")]
    assert sum(domains.values()) == amount(graph, envelope("sun-es-volet-1"))
    # The sum check of F07 is derived: the strand says so in a reading note, in both languages.
    notes = {n.language for n in graph.objects(envelope("sun-es-volet-1"), S("readingNote"))}
    assert notes == {"fr", "en"}


def test_the_two_shares_of_the_2_md_envelope_add_up_to_it(graph: Graph) -> None:
    shares = parts(graph, envelope("segur-numerique"))
    assert sorted(shares.values()) == [Decimal("600000000"), Decimal("1400000000")]
    assert sum(shares.values()) == amount(graph, envelope("segur-numerique"))


def reading_of(graph: Graph, subject: URIRef, predicate: URIRef, obj: URIRef) -> URIRef:
    readings = [r for r in graph.subjects(RDF.subject, subject)
                if (r, RDF.type, S("Reading")) in graph
                and (r, RDF.predicate, predicate) in graph and (r, RDF.object, obj) in graph]
    assert len(readings) == 1, (subject, predicate, obj)
    reading = readings[0]
    assert READING_SOURCE in set(graph.objects(reading, DCTERMS.source))
    assert {n.language for n in graph.objects(reading, S("readingNote"))} == {"fr", "en"}
    return reading


def test_630_is_600_plus_30_as_the_graphs_reading(graph: Graph) -> None:
    whole, ségur, seed = (envelope("medico-social-630"), envelope("medico-social-600"),
                          envelope("esms-numerique-amorcage"))
    assert amount(graph, ségur) + amount(graph, seed) == amount(graph, whole) == Decimal("630000000")
    for part in (ségur, seed):
        assert (part, S("partOfEnvelope"), whole) in graph
        reading = reading_of(graph, part, S("partOfEnvelope"), whole)
        # The reading cites the two pages it is drawn from: the CNSA (F10) and the ANS (F11).
        assert {URIRef(ROWS["F10"]["url"]), URIRef(ROWS["F11"]["url"])} <= set(
            graph.objects(reading, DCTERMS.source))
    # The page that states 405 M€ "of the 630" is kept as a stated part, not as a reading.
    assert (envelope("esms-numerique-soutien-projets"), S("partOfEnvelope"), whole) in graph
    assert not [r for r in graph.subjects(RDF.subject, envelope("esms-numerique-soutien-projets"))
                if (r, RDF.type, S("Reading")) in graph]


def test_sons_and_sun_es_in_the_1_4_md_are_the_graphs_reading(graph: Graph) -> None:
    sanitary = envelope("partage-donnees-sante")
    for strand in (envelope("sons"), envelope("sun-es")):
        assert (strand, S("partOfEnvelope"), sanitary) in graph
        reading_of(graph, strand, S("partOfEnvelope"), sanitary)
    # The rest of the 1.4 Md€ is not found: the parts fall short and the envelope says why.
    assert sum(parts(graph, sanitary).values()) == Decimal("675000000")
    assert {n.language for n in graph.objects(sanitary, S("readingNote"))} == {"fr", "en"}


def test_every_part_link_is_stated_by_a_shared_row_or_is_a_reading(graph: Graph, own) -> None:
    """A part and its parent cite a common row or page, or the link is a segur:Reading, or the
    parent explains its parts in a reading note."""
    for part, parent in graph.subject_objects(S("partOfEnvelope")):
        if part not in own:
            continue
        common = {p for p in (S("researchRow"), DCTERMS.source)
                  if (set(graph.objects(part, p)) & set(graph.objects(parent, p))) - {READING_SOURCE}}
        reified = [r for r in graph.subjects(RDF.subject, part) if (r, RDF.object, parent) in graph]
        explained = any(True for _ in graph.objects(parent, S("readingNote")))
        assert common or reified or explained, (part, parent)


def test_a_price_is_tied_to_a_scheme_only_as_the_graphs_reading(graph: Graph, own) -> None:
    tied = [(node, scheme) for node in own for scheme in graph.objects(node, S("allocatedTo"))
            if (scheme, RDF.type, S("FundingScheme")) in graph]
    assert len(tied) == 6
    for node, scheme in tied:
        reading_of(graph, node, S("allocatedTo"), scheme)
    # The DRIMbox scheme says that the State also pays for the hardware, in full (F29).
    drimbox = URIRef(ID + "scheme/sons-img-db-va2")
    assert URIRef(ROWS["F29"]["url"]) in set(graph.objects(drimbox, DCTERMS.source))
    assert any("100" in str(note) for note in graph.objects(drimbox, URIRef(
        "http://www.w3.org/2004/02/skos/core#note")))


def test_funding_tree_sums_the_direct_parts_of_each_envelope(graph: Graph, capsys) -> None:
    assert main(["query", "funding-tree", "--format", "csv", "--iris"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by_envelope = {URIRef(row["envelope"]): row for row in rows}
    assert set(by_envelope) == set(graph.subjects(RDF.type, S("Envelope")))
    for node, row in by_envelope.items():
        own_parts = parts(graph, node)
        if own_parts:
            assert Decimal(row["partsSum"]) == sum(own_parts.values()), node
            assert Decimal(row["gap"]) == amount(graph, node) - sum(own_parts.values()), node
        else:
            assert row["partsSum"] == row["gap"] == "", node
    assert Decimal(by_envelope[envelope("sun-es")]["gap"]) == 0
    assert Decimal(by_envelope[envelope("sun-es")]["regionalShares"]) == Decimal("13500000")
    # An envelope with two parents has one row per parent; the reading column names the reading.
    links = [row for row in rows if row["envelope"] == str(envelope("medico-social-600"))]
    assert {row["parent"] for row in links} == {str(envelope("segur-numerique")),
                                                str(envelope("medico-social-630"))}
    assert [bool(row["reading"]) for row in sorted(links, key=lambda r: r["parent"])] == [True, False]


def test_envelope_parts_of_another_envelope(capsys) -> None:
    assert main(["query", "envelope-parts", "--param", "envelope=envelope/sun-es-volet-1",
                 "--format", "csv", "--lang", "en"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 4
    assert {row["partsSum"] for row in rows} == {"158000000"}
    assert [row["region"] for row in rows if row["region"]] == ["Bourgogne-Franche-Comté"]


# --- observations and targets ------------------------------------------------------------------

def when(graph: Graph, node: URIRef) -> Literal:
    value = graph.value(node, S("observedOn")) or graph.value(node, S("periodEnd"))
    assert isinstance(value, Literal), node
    return value


def test_every_observation_has_an_indicator_a_value_a_unit_a_date_and_a_source(graph: Graph) -> None:
    observations = set(graph.subjects(RDF.type, S("Observation")))
    assert len(observations) >= 50
    for node in observations:
        indicator = graph.value(node, S("indicator"))
        assert (indicator, RDF.type, S("Indicator")) in graph, node
        value = graph.value(node, S("observedValue"))
        assert isinstance(value, Literal) and value.datatype == XSD.decimal, node
        unit = graph.value(node, S("unit"))
        assert (unit, RDF.type, S("Unit")) in graph, node
        assert {label.language for label in graph.objects(unit, URIRef(
            "http://www.w3.org/2000/01/rdf-schema#label"))} == {"fr", "en"}, unit
        assert when(graph, node).datatype in DATE_TYPES, node
        assert set(graph.objects(node, DCTERMS.source)) - {READING_SOURCE}, node


def test_every_target_has_a_due_date_and_mon_espace_sante_aims_at_40_million(graph: Graph) -> None:
    targets = set(graph.subjects(RDF.type, S("Target")))
    for node in targets:
        assert graph.value(node, S("dueBy")).datatype in DATE_TYPES, node
    target = URIRef(ID + "target/activated-mes-profiles-2027")
    assert graph.value(target, S("observedValue")) == Literal("40000000", datatype=XSD.decimal)
    assert graph.value(target, S("dueBy")) == Literal("2027", datatype=XSD.gYear)
    assert graph.value(target, S("indicator")) == URIRef(ID + "indicator/activated-mes-profiles")


def value_of(graph: Graph, node: URIRef) -> Decimal | None:
    for prop in ("amount", "observedValue", "statedValue"):
        value = graph.value(node, S(prop))
        if isinstance(value, Literal) and value.datatype == XSD.decimal:
            return Decimal(str(value))
    return None


def test_values_are_those_of_the_rows_they_cite(graph: Graph, own) -> None:
    """Each amount, observed, target or claimed value is a figure of one of the rows the
    resource cites, unless the resource says in a reading note how the graph got it."""
    checked = 0
    for node in sorted(own):
        value = value_of(graph, node)
        rows = [str(r) for r in graph.objects(node, S("researchRow"))]
        if value is None or not rows:
            continue
        stated = set().union(*(figures(ROWS[row]["text"]) for row in rows))
        if value not in stated:
            assert any(True for _ in graph.objects(node, S("readingNote"))), (node, value, rows)
        else:
            checked += 1
    assert checked >= 90


def date_is_stated(value: Literal, text: str) -> bool:
    year = str(value)[:4]
    if year not in text:
        return False
    if value.datatype == XSD.gYear:
        return True
    month = int(str(value)[5:7])
    name = calendar.month_name[month][:3]
    if value.datatype == XSD.gYearMonth:
        return name in text or (month == 12 and f"end {year}" in text)
    day = int(str(value)[8:10])
    return f"{day} {name}" in text


def test_dates_are_those_of_the_rows_they_cite(graph: Graph, own) -> None:
    """A date that is not the graph's reading is written in one of the rows the resource cites
    (the year; the month for a month; the day for a day), never taken from the page's date."""
    checked = 0
    for node in sorted(own):
        rows = [str(r) for r in graph.objects(node, S("researchRow"))]
        if not rows or any(True for _ in graph.objects(node, S("readingNote"))):
            continue
        text = " ".join(ROWS[row]["text"] for row in rows)
        for prop in (S("observedOn"), S("periodStart"), S("periodEnd"), S("dueBy"), DCTERMS.date):
            for value in graph.objects(node, prop):
                assert date_is_stated(value, text), (node, prop, value, rows)
                checked += 1
    assert checked >= 40


def test_a_date_taken_from_a_page_is_marked_as_the_graphs_reading(graph: Graph) -> None:
    # I07 gives 21,200 structures "since the start"; only the page is dated (2025-09-12).
    node = URIRef(ID + "observation/essms-financed-by-esms-numerique-2025-09-12")
    assert str(when(graph, node)) == ROWS["I07"]["page_date"]
    assert READING_SOURCE in set(graph.objects(node, DCTERMS.source))
    assert {n.language for n in graph.objects(node, S("readingNote"))} == {"fr", "en"}


def test_the_indicators_of_mon_espace_sante_concern_it(graph: Graph, capsys) -> None:
    mes = URIRef(ID + "platform/mon-espace-sante")
    assert main(["query", "mon-espace-sante-indicators", "--format", "csv", "--iris"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {URIRef(row["indicator"]) for row in rows} == {
        i for i in graph.subjects(S("concerns"), mes) if (i, RDF.type, S("Indicator")) in graph
        and any(True for _ in graph.subjects(S("indicator"), i))
        and any((o, RDF.type, S("Observation")) in graph for o in graph.subjects(S("indicator"), i))}
    dates = [row["date"] for row in rows]
    assert dates == sorted(dates)
    # Monthly documents sent to Mon espace santé grow from 10 million (March 2023) to 42.8 million.
    monthly = [(row["date"], Decimal(row["value"])) for row in rows if not row["scope"]
               and row["indicator"] == ID + "indicator/documents-sent-to-mes-per-month"]
    assert monthly[0] == ("2023-03", Decimal("10000000"))
    assert monthly[-1] == ("2025-10", Decimal("42800000"))


def test_indicator_series_gives_the_observations_of_that_indicator_only(graph: Graph, capsys) -> None:
    indicator = URIRef(ID + "indicator/activated-mes-profiles")
    assert main(["query", "indicator-series", "--param", "indicator=indicator/activated-mes-profiles",
                 "--format", "csv", "--iris"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    expected = {(str(when(graph, o)), str(graph.value(o, S("observedValue"))))
                for o in graph.subjects(S("indicator"), indicator)
                if (o, RDF.type, S("Observation")) in graph}
    assert {(row["date"], row["value"]) for row in rows} == expected
    assert [row["value"] for row in rows] == ["7200000", "11000000", "24000000"]


def test_targets_give_the_latest_national_observation_of_their_indicator(graph: Graph, capsys) -> None:
    assert main(["query", "targets", "--format", "csv", "--iris"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {URIRef(row["target"]) for row in rows} == set(graph.subjects(RDF.type, S("Target")))
    for row in rows:
        national = [o for o in graph.subjects(S("indicator"), URIRef(row["indicator"]))
                    if (o, RDF.type, S("Observation")) in graph and graph.value(o, S("scope")) is None]
        if not national:
            assert row["latestValue"] == "", row["target"]
            continue
        latest = max(national, key=lambda o: str(when(graph, o)))
        assert row["latestDate"] == str(when(graph, latest)), row["target"]
        assert row["latestValue"] == str(graph.value(latest, S("observedValue"))), row["target"]


# --- disagreements -----------------------------------------------------------------------------

def test_the_disagreements_on_money_and_results_keep_every_value_with_its_page(graph: Graph) -> None:
    cited = {}
    for node in graph.subjects(RDF.type, S("Disagreement")):
        citation = str(graph.value(node, DCTERMS.bibliographicCitation) or "")
        match = re.search(r"contradiction (\d+)$", citation)
        if match:
            cited[int(match.group(1))] = node
    assert {2, 3, 4, 5, 6, 13, 14, 15} <= set(cited)
    for number in (2, 3, 4, 5, 6, 13, 14, 15):
        claims = list(graph.objects(cited[number], S("hasClaim")))
        assert len(claims) >= 2, number
        sources = [frozenset(graph.objects(claim, DCTERMS.source)) for claim in claims]
        assert all(sources) and len(set(sources)) == len(sources), number
    # Contradiction 5: 990 (ANS) and 985 (DSIH) applicants in SUN-ES window 1, each kept.
    values = {value_of(graph, claim) for claim in graph.objects(cited[5], S("hasClaim"))}
    assert values == {Decimal(990), Decimal(985)}
    observed = {value_of(graph, o) for o in graph.objects(cited[5], S("about"))}
    assert observed == {Decimal(990), Decimal(985)}
    # Contradiction 2: three document targets, each a target of the graph with its own page.
    targets = list(graph.objects(cited[2], S("about")))
    assert len(targets) == 3 and all((t, RDF.type, S("Target")) in graph for t in targets)


def test_every_page_cited_is_declared_with_its_authority(graph: Graph, own) -> None:
    for node in own:
        for source in graph.objects(node, DCTERMS.source):
            assert (source, RDF.type, DCTERMS.BibliographicResource) in graph, (node, source)
            assert graph.value(source, S("authority")) is not None, source
