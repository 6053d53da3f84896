"""Funding schemes, official texts and referencing (data/schemes.ttl, data/legal-texts.ttl,
data/referencing.ttl): checked on the loaded graph against the rows of the table of sourced
facts (sources/programme-facts.md) they cite."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from segur_kg.cli import main
from segur_kg.rdf.reading import load_dataset

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "data" / name for name in ("schemes.ttl", "legal-texts.ttl", "referencing.ttl")]
TABLE = ROOT / "sources" / "programme-facts.md"
ID = "https://w3id.org/segur/id/"
SEGUR = "https://w3id.org/segur/def/"
SCHEMA = "https://schema.org/"
READING_SOURCE = URIRef(ID + "source/lecture-du-graphe")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_YEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def s(term: str) -> URIRef:
    return URIRef(SEGUR + term)


def i(path: str) -> URIRef:
    return URIRef(ID + path)


def read_table() -> dict[str, dict[str, str]]:
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 9 and re.fullmatch(r"[FCRGIL]\d{2}", cells[0]):
            rows[cells[0]] = dict(zip(
                ("id", "topic", "subject", "fact", "value", "url", "page_date", "kind",
                 "confidence"),
                cells, strict=True))
    return rows


def contradiction(number: int) -> str:
    text = TABLE.read_text(encoding="utf-8")
    match = re.search(rf"^{number}\. \*\*.*?$", text, re.MULTILINE)
    assert match, number
    return match.group(0)


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, str]]:
    rows = read_table()
    assert len(rows) == 134  # the table says it has 134 rows
    return rows


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


@pytest.fixture(scope="module")
def own() -> Graph:
    """The triples of the three files alone, to know which resources they describe."""
    graph = Graph()
    for path in FILES:
        graph.parse(path, format="turtle")
    return graph


def of_type(graph: Graph, cls: str) -> list[URIRef]:
    return sorted(graph.subjects(RDF.type, s(cls)))


def run_query(capsys: pytest.CaptureFixture[str], *args: str) -> list[list[str]]:
    code = main(["query", *args, "--format", "tsv"])
    out = capsys.readouterr().out
    assert code == 0, out
    return [line.split("\t") for line in out.splitlines()[1:]]


# --- every resource cites its rows and their pages ---------------------------------------------

def test_every_row_cited_exists_and_its_page_is_a_source_of_the_resource(own, graph, table) -> None:
    cited = list(own.subject_objects(s("researchRow")))
    assert len(cited) > 100
    for subject, row in cited:
        assert str(row) in table, (subject, row)
        sources = {str(o) for o in graph.objects(subject, DCTERMS.source)}
        assert table[str(row)]["url"] in sources, (subject, row)


def test_every_resource_has_one_label_per_language_and_a_source(own, graph) -> None:
    documents = set(own.subjects(RDF.type, DCTERMS.BibliographicResource))
    typed = set(own.subjects(RDF.type, None)) - documents
    assert len(typed) > 90
    for subject in typed:
        languages = sorted(label.language for label in graph.objects(subject, RDFS.label))
        assert languages == ["en", "fr"], subject
        assert any(isinstance(o, URIRef) for o in graph.objects(subject, DCTERMS.source)), subject


# --- funding schemes ----------------------------------------------------------------------------

def test_every_scheme_has_a_mechanism_a_wave_a_corridor_a_source_and_a_row(own, graph) -> None:
    schemes = of_type(own, "FundingScheme")
    assert len(schemes) == 14
    for scheme in schemes:
        mechanisms = list(graph.objects(scheme, s("schemeOf")))
        assert len(mechanisms) == 1, scheme
        assert (mechanisms[0], RDF.type, s("FundingMechanism")) in graph
        waves = list(graph.objects(scheme, s("inWave")))
        assert waves and all((w, RDF.type, s("Wave")) in graph for w in waves), scheme
        corridors = list(graph.objects(scheme, s("concernsCorridor")))
        assert corridors and all((c, RDF.type, s("Corridor")) in graph for c in corridors), scheme
        assert list(graph.objects(scheme, DCTERMS.source)), scheme
        assert list(graph.objects(scheme, s("researchRow"))), scheme
        for category in graph.objects(scheme, s("fundsSoftware")):
            assert (category, RDF.type, s("SoftwareCategory")) in graph, scheme


def test_scheme_iris_follow_the_naming_rule(own, graph) -> None:
    for scheme in of_type(own, "FundingScheme"):
        slug = str(scheme).removeprefix(ID + "scheme/")
        code = graph.value(scheme, SKOS.notation)
        if code is not None:
            assert slug == str(code).lower(), scheme
            continue
        corridor = graph.value(scheme, s("concernsCorridor"))
        wave = graph.value(scheme, s("inWave"))
        rank = graph.value(wave, URIRef(SCHEMA + "position"))
        assert slug.startswith(str(corridor).rsplit("/", 1)[1] + "-"), scheme
        assert slug.endswith(f"-vague-{rank}"), scheme


def test_scheme_codes_are_quoted_verbatim_by_a_row_of_the_scheme(own, graph, table) -> None:
    codes = {}
    for scheme in of_type(own, "FundingScheme"):
        code = graph.value(scheme, SKOS.notation)
        if code is None:
            continue
        codes[str(code)] = scheme
        rows = [table[str(row)] for row in graph.objects(scheme, s("researchRow"))]
        assert any(str(code) in row["fact"] + row["value"] for row in rows), code
    assert set(codes) == {"HOP-DPI-VA1", "HOP-PFI-VA1", "SONS-IMG-DB-va2"}
    # DSR-HOP-PFI-Va1 is a document of the PFI scheme, not a scheme.
    assert graph.value(predicate=SKOS.notation, object=Literal("DSR-HOP-PFI-Va1")) == i(
        "artefact/dsr-hop-pfi-va1")


def test_wave_1_schemes_cover_the_four_corridors_first_opened_at_the_asp(own, graph, table) -> None:
    # C03: Biologie (LOINC and SGL), Hôpital (DPI, PFI), Médecin de ville (LGC), Radiologie (RIS).
    fact = table["C03"]["fact"]
    for word in ("LOINC", "SGL", "DPI", "PFI", "LGC", "RIS"):
        assert word in fact
    opened = {scheme for scheme in of_type(own, "FundingScheme")
              if "C03" in {str(r) for r in graph.objects(scheme, s("researchRow"))}}
    assert {str(x).rsplit("/", 1)[1] for x in opened} == {
        "hop-dpi-va1", "hop-pfi-va1", "biologie-medicale-sgl-vague-1",
        "biologie-medicale-loinc-vague-1", "medecine-de-ville-lgc-vague-1",
        "imagerie-medicale-ris-vague-1"}
    for scheme in opened:
        assert (scheme, s("inWave"), i("wave/vague-1")) in graph


def test_scheme_requirements_query_adds_mechanism_and_wave_requirements(capsys) -> None:
    rows = run_query(capsys, "scheme-requirements", "--param", "scheme=scheme/hopital-dpi-vague-2",
                     "--iris")
    sources = {row[0] for row in rows}
    assert sources == {ID + "scheme/hopital-dpi-vague-2", ID + "funding/sons", ID + "wave/vague-2"}
    codes = sorted(row[2] for row in rows if row[2])
    assert codes == ["SSI/GEN.18", "SSI/GEN.19", "SSI/GEN.20"]  # R17
    assert [ID + "requirement/prestation-v1-v2-eligibilite"] == [
        row[1] for row in rows if "eligibilite" in row[1]]
    wave_1 = run_query(capsys, "scheme-requirements", "--param", "scheme=scheme/hop-dpi-va1",
                       "--iris")
    assert ID + "wave/vague-2" not in {row[0] for row in wave_1}


def test_corridor_schemes_query_gives_the_hospital_schemes_by_wave(capsys) -> None:
    rows = run_query(capsys, "corridor-schemes", "--param", "corridor=corridor/hopital",
                     "--lang", "en")
    assert [(row[0], row[2]) for row in rows] == [
        ("Wave 1", "HOP-DPI-VA1"), ("Wave 1", "HOP-PFI-VA1"), ("Wave 2", ""), ("Wave 2", "")]
    assert rows[1][5] == "Order of 11 August 2021" and rows[1][6] == "2021-08-11"


def test_lgc_market_share_disagreement_keeps_both_values_with_their_pages(graph) -> None:
    # Contradiction 12: ~80% (URL) vs ~70% (URL, consultant).
    pairs = re.findall(r"~(\d+)% \((https://[^ ,)]+)", contradiction(12))
    assert len(pairs) == 2
    disagreement = i("disagreement/lgc-market-share-wave-1")
    claims = list(graph.objects(disagreement, s("hasClaim")))
    found = {(str(graph.value(c, s("statedValue"))), str(graph.value(c, DCTERMS.source)))
             for c in claims}
    assert found == set(pairs)
    for claim in claims:
        assert graph.value(claim, s("valueQualifier")) == i("qualifier/about")
    consultant = URIRef(pairs[1][1])
    assert graph.value(consultant, s("authority")) == i("authority/vendor-or-other")


# --- official texts -----------------------------------------------------------------------------

def test_every_official_text_has_one_date_or_says_why_not(own, graph) -> None:
    undated = set()
    for text in of_type(own, "LegalText"):
        dates = list(graph.objects(text, DCTERMS.date))
        assert len(dates) <= 1, text
        if not dates:
            undated.add(text)
            notes = {n.language for n in graph.objects(text, SKOS.editorialNote)}
            assert notes == {"fr", "en"}, text
            continue
        assert dates[0].datatype in (XSD_DATE, XSD_YEAR), text
        slug = str(text).rsplit("/", 1)[1]
        day = re.search(r"\d{4}-\d{2}-\d{2}", slug)
        if day:  # legal-text/{kind}-{yyyy-mm-dd}: the IRI carries the text's date
            assert str(dates[0]) == day.group(0), text
    # The pages read date neither the code article nor the FMIS order.
    assert undated == {i("legal-text/csp-l1111-24"), i("legal-text/arrete-fmis-2023")}


def test_dated_texts_carry_a_date_that_their_rows_give(own, graph, table) -> None:
    for text in of_type(own, "LegalText"):
        value = graph.value(text, DCTERMS.date)
        if value is None or value.datatype != XSD_DATE:
            continue
        day = date.fromisoformat(str(value))
        spelled = {f"{day.day} {MONTHS[day.month - 1]} {day.year}", day.strftime("%d/%m/%Y"),
                   f"{day.day} {MONTHS[day.month - 1][:4]} {day.year}"}
        rows = " ".join(table[str(r)]["fact"] + " " + table[str(r)]["value"]
                        for r in graph.objects(text, s("researchRow")))
        assert any(form in rows for form in spelled), (text, spelled)


@pytest.mark.parametrize(("row", "text"), [
    ("C18", "arrete-2022-02-02"), ("C19", "arrete-2022-09-07"), ("L02", "arrete-2022-09-09"),
    ("F17", "instruction-2025-09-02"),
])
def test_nor_of_the_text_is_the_one_the_row_gives(graph, table, row: str, text: str) -> None:
    nor = re.search(r"NOR (\w+)", table[row]["value"]).group(1)
    assert graph.value(i("legal-text/" + text), DCTERMS.identifier) == Literal(nor)


def test_instruction_2025_100_amends_2025_40_and_its_date_is_disputed(graph, table) -> None:
    new, old = i("legal-text/instruction-2025-09-02"), i("legal-text/instruction-2025-04-16")
    assert (new, s("amends"), old) in graph
    assert "2025/100" in table["F17"]["fact"] and "2025/40" in table["F17"]["fact"]
    assert graph.value(new, SKOS.notation) == Literal("DNS/DGCS/CNSA/2025/100")
    disagreement = i("disagreement/instruction-2025-100-date")
    assert graph.value(disagreement, s("about")) == new
    assert "contradiction 7" in str(graph.value(disagreement, DCTERMS.bibliographicCitation))
    stated = {}
    for claim in graph.objects(disagreement, s("hasClaim")):
        value = graph.value(claim, s("statedValue"))
        assert value.datatype == XSD_DATE
        stated[str(value)] = {str(x) for x in graph.objects(claim, DCTERMS.source)}
    assert set(stated) == {"2025-09-02", "2025-09-05"}
    # Each date comes from the page that gives it: the Bulletin officiel, and DSIH's
    # "instruction du 5 septembre".
    assert table["F17"]["url"] in stated["2025-09-02"]
    assert [url for url in stated["2025-09-05"]] == [table["F15"]["url"]]
    assert "instruction-du-5-septembre" in table["F15"]["url"]
    # The graph keeps the signing date of the official bulletin as the text's date.
    assert graph.value(new, DCTERMS.date) == Literal("2025-09-02", datatype=XSD_DATE)


def test_legal_bases_and_annexes(graph) -> None:
    l1111 = i("legal-text/csp-l1111-24")
    based = {str(t).rsplit("/", 1)[1] for t in graph.subjects(s("legalBasis"), l1111)}
    assert based == {"arrete-2022-08-16", "arrete-2022-09-09", "arrete-2025-02-20"}  # L01, L03, G08
    prepublished = i("legal-text/prepublication-2025-12-19-medico-social")
    annexes = set(graph.objects(prepublished, s("hasAnnex")))
    assert annexes == {i("artefact/dsr"), i("artefact/rem"), i("artefact/af")}  # C24
    article, ordinance = i("legal-text/csp-l1470-5"), i("legal-text/ordonnance-2021-05-12")
    assert (article, s("establishedBy"), ordinance) in graph


def test_legal_basis_query_lists_every_official_text(capsys, own) -> None:
    rows = run_query(capsys, "legal-basis", "--iris")
    assert {row[1] for row in rows} == {str(t) for t in of_type(own, "LegalText")}


# --- the graph's own readings -------------------------------------------------------------------

def test_readings_restate_a_triple_of_the_graph_and_cite_the_graphs_reading(own, graph) -> None:
    readings = of_type(own, "Reading")
    assert len(readings) == 3
    for reading in readings:
        triple = (graph.value(reading, RDF.subject), graph.value(reading, RDF.predicate),
                  graph.value(reading, RDF.object))
        assert triple in graph, reading
        assert READING_SOURCE in set(graph.objects(reading, DCTERMS.source))
        assert {n.language for n in graph.objects(reading, s("readingNote"))} == {"fr", "en"}


def test_eight_wave_1_corridors_are_the_six_of_the_ans_and_two_more(graph, table) -> None:
    assert "six working groups called corridors" in table["C01"]["fact"]
    assert "MSSanté operators" in table["C02"]["fact"] and "(SAS)" in table["C02"]["fact"]
    wave_1 = set(graph.subjects(s("inWave"), i("wave/vague-1"))) & set(
        graph.subjects(RDF.type, s("Corridor")))
    assert len(wave_1) == 8
    assert {i("corridor/operateurs-mssante"), i("corridor/service-acces-aux-soins")} <= wave_1
    programme = i("programme/segur-numerique")
    notes = {n.language: str(n) for n in graph.objects(programme, s("readingNote"))}
    assert "Huit couloirs" in notes["fr"] and "Eight corridors" in notes["en"]
    sources = set(graph.objects(programme, DCTERMS.source))
    assert {READING_SOURCE, URIRef(table["C01"]["url"]), URIRef(table["C02"]["url"])} <= sources


# --- referencing --------------------------------------------------------------------------------

def observation_value(graph: Graph, slug: str) -> float:
    return float(graph.value(i("observation/" + slug), s("observedValue")))


def test_r12_corridor_counts_sum_to_the_total_read_from_the_graph(graph, table) -> None:
    total_iri = i("observation/referenced-solutions-vague-1-total")
    total = float(graph.value(total_iri, s("observedValue")))
    day = graph.value(total_iri, s("observedOn"))
    parts = {}
    for obs in graph.subjects(s("indicator"), i("indicator/referenced-solutions")):
        scope = graph.value(obs, s("scope"))
        if (scope, RDF.type, s("Corridor")) in graph and graph.value(obs, s("observedOn")) == day:
            parts[scope] = float(graph.value(obs, s("observedValue")))
    assert len(parts) == 5
    assert sum(parts.values()) == total
    # The figures are those of R12, corridor by corridor.
    named = dict(re.findall(r"(Hôpital|Médecin de ville|Biologie|Officine|Radiologie) (\d+)",
                            table["R12"]["fact"]))
    corridor = {"Hôpital": "hopital", "Médecin de ville": "medecine-de-ville",
                "Biologie": "biologie-medicale", "Officine": "officine",
                "Radiologie": "imagerie-medicale"}
    assert {i("corridor/" + corridor[k]): float(v) for k, v in named.items()} == parts
    assert [float(x) for x in table["R12"]["value"].split(" / ")] == [
        total, observation_value(graph, "referenced-vendors-vague-1"),
        observation_value(graph, "referenced-products-vague-1")]
    # The sum check is the graph's reading.
    assert READING_SOURCE in set(graph.objects(total_iri, DCTERMS.source))
    assert "167" in str(graph.value(total_iri, s("readingNote")))


def test_earlier_counts_of_referenced_solutions_match_the_table(graph, table) -> None:
    dec = i("observation/referenced-solutions-2022-12-07")
    assert observation_value(graph, "referenced-solutions-2022-12-07") == float(
        table["R10"]["value"])
    assert "7 December 2022" in table["R10"]["fact"]
    assert graph.value(dec, s("observedOn")) == Literal("2022-12-07", datatype=XSD_DATE)
    spring = i("observation/referenced-solutions-2023")
    assert table["R11"]["value"] == ">130"
    assert observation_value(graph, "referenced-solutions-2023") == 130
    assert graph.value(spring, s("valueQualifier")) == i("qualifier/more-than")
    # The page is undated: only the year that the row gives is kept.
    assert graph.value(spring, s("observedOn")) == Literal("2023", datatype=XSD_YEAR)


def test_referenced_solutions_query_answers_in_date_order(capsys) -> None:
    rows = run_query(capsys, "referenced-solutions", "--lang", "en")
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert ("2023", "Wave 1", "more than", "130") == tuple(rows[1][:4])


def test_the_seven_sgl_of_wave_1_are_those_of_r14_with_their_vendors(graph, table) -> None:
    fact = table["R14"]["fact"]
    expected = set()
    pattern = r"((?:[A-Z][\w.\- ]+?)(?: and [A-Z][\w.\- ]+?)?) \(([A-Za-z]+)\)"
    for names, vendor in re.findall(pattern, fact.split(": ", 1)[1]):
        for name in names.split(" and "):
            expected.add((name.strip(), vendor))
    assert len(expected) == 7 == int(table["R14"]["value"].split()[0])
    found = set()
    for product in graph.subjects(s("inSoftwareCategory"), i("software/sgl")):
        assert (product, s("referencedInWave"), i("wave/vague-1")) in graph
        vendor = graph.value(product, s("publishedBy"))
        assert (vendor, RDF.type, s("SoftwareVendor")) in graph
        names = {str(x) for x in graph.objects(product, RDFS.label)}  # same name in fr and en
        vendors = {str(x) for x in graph.objects(vendor, RDFS.label)}
        assert len(names) == len(vendors) == 1, product
        found.add((names.pop(), vendors.pop()))
    assert found == expected


def test_referencing_steps_query_gives_prerequisites_steps_in_order_and_package(capsys) -> None:
    rows = run_query(capsys, "referencing-steps", "--param", "process=referencing/vague-2",
                     "--iris")
    parts = [row[0].rsplit("/", 1)[1] for row in rows]
    assert parts == ["Requirement"] * 2 + ["ReferencingPhase"] * 3 + ["Artefact"] * 3
    assert [row[1] for row in rows if row[0].endswith("ReferencingPhase")] == ["1", "2", "3"]
    assert {row[2] for row in rows[:2]} == {ID + "requirement/compte-isc",
                                           ID + "requirement/charte-referencement-segur"}  # R02
    assert {row[2] for row in rows[5:]} == {ID + "artefact/dsr", ID + "artefact/rem",
                                           ID + "artefact/af"}  # R03


def test_shapes_report_nothing_on_these_files_but_what_the_sources_leave_undated(own) -> None:
    from segur_kg.checking.validate import validate_dataset

    report = validate_dataset()
    mine = {str(x) for x in own.subjects()}
    ours = {(r.requirement, r.focus.rsplit("/", 2)[-2]) for r in report.results if r.focus in mine}
    # Only the two texts the pages do not date and the seven SGL whose referencing
    # date the source does not give may be reported.
    assert ours <= {("R-48", "legal-text"), ("R-33", "product")}
