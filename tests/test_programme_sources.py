"""The table of sourced facts on the programme (sources/programme-facts.md) is in the graph:
every row is cited by a resource (or left out for a stated reason), every page is a source
with the authority the table gives it, and every contradiction between sources is a
disagreement that keeps each value with its own source."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from segur_kg.cli import main
from segur_kg.rdf.reading import load_dataset

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "sources" / "programme-facts.md"
SEGUR = "https://w3id.org/segur/def/"
ID = "https://w3id.org/segur/id/"
# The table's "kind" column, as the graph's authorities.
KINDS = {
    "official": "official", "official (ANS doc, mirror)": "official",
    "GRADeS": "regional-body", "press": "press", "press (citing CNSA)": "press",
    "legal-2nd": "legal-aggregator", "vendor/other": "vendor-or-other",
    "vendor/other (law firm)": "vendor-or-other",
}
# Rows of the table that are not in the graph, each with the reason.
LEFT_OUT: dict[str, str] = {}


def table_rows() -> list[dict[str, str]]:
    names = ["id", "topic", "subject", "fact", "value", "url", "date", "kind", "confidence"]
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\| [FCRGIL]\d\d \|", line):
            rows.append(dict(zip(names, (c.strip() for c in line.strip("|").split(" | ")),
                                 strict=True)))
    return rows


def contradictions() -> dict[int, str]:
    text = TABLE.read_text(encoding="utf-8")
    section = text.split("## Contradictions and inconsistencies", 1)[1].split("\n## ", 1)[0]
    return {int(number): body for number, body in
            re.findall(r"^(\d+)\. (.+)$", section, re.MULTILINE)}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


def query_csv(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    assert main(["query", *args, "--format", "csv", "--iris"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_the_table_has_its_134_rows_and_15_contradictions() -> None:
    rows = table_rows()
    assert len(rows) == 134
    assert len({row["id"] for row in rows}) == 134
    assert sorted(contradictions()) == list(range(1, 16))


def test_every_row_of_the_table_is_cited_by_the_graph_or_left_out_with_a_reason(
        graph: Graph) -> None:
    cited = {str(row) for row in graph.objects(None, URIRef(SEGUR + "researchRow"))}
    ids = {row["id"] for row in table_rows()}
    assert sorted(ids - cited - set(LEFT_OUT)) == []
    assert sorted(cited - ids) == []  # no row number that the table does not have
    assert all(reason.strip() for reason in LEFT_OUT.values())


def test_a_resource_citing_a_row_cites_that_rows_page(graph: Graph) -> None:
    pages = {row["id"]: row["url"] for row in table_rows()}
    missing = sorted(
        (str(resource), str(row))
        for resource, row in graph.subject_objects(URIRef(SEGUR + "researchRow"))
        if (resource, DCTERMS.source, URIRef(pages[str(row)])) not in graph
        and (resource, RDF.type, URIRef(SEGUR + "Reading")) not in graph
    )
    assert missing == []


def test_every_page_of_the_table_is_a_source_with_the_authority_the_table_gives(
        graph: Graph) -> None:
    authority = URIRef(SEGUR + "authority")
    wrong = []
    for row in table_rows():
        page = URIRef(row["url"])
        expected = URIRef(ID + "authority/" + KINDS[row["kind"]])
        if set(graph.objects(page, authority)) != {expected}:
            wrong.append((row["id"], row["url"], sorted(map(str, graph.objects(page, authority)))))
    assert wrong == []


def test_every_contradiction_of_the_table_is_a_disagreement_of_the_graph(graph: Graph) -> None:
    disagreements = set(graph.subjects(RDF.type, URIRef(SEGUR + "Disagreement")))
    cited = Counter()
    for disagreement in disagreements:
        for citation in graph.objects(disagreement, DCTERMS.bibliographicCitation):
            for number in re.findall(r"contradiction (\d+)", str(citation)):
                cited[int(number)] += 1
    assert sorted(set(contradictions()) - set(cited)) == []


def test_every_page_a_contradiction_names_is_cited_by_its_disagreement(graph: Graph) -> None:
    missing = []
    for number, body in contradictions().items():
        urls = {url.rstrip(").,;") for url in re.findall(r"https?://\S+", body)}
        citation = Literal(f"sources/programme-facts.md, contradiction {number}")
        mine = set(graph.subjects(DCTERMS.bibliographicCitation, citation))
        sources = {str(s) for d in mine for s in graph.objects(d, DCTERMS.source)}
        missing += [(number, url) for url in sorted(urls - sources)]
    assert missing == []


def test_each_claim_of_a_disagreement_has_its_own_value_and_source(graph: Graph) -> None:
    for disagreement in graph.subjects(RDF.type, URIRef(SEGUR + "Disagreement")):
        claims = list(graph.objects(disagreement, URIRef(SEGUR + "hasClaim")))
        values = {(graph.value(claim, URIRef(SEGUR + "statedValue")),
                   graph.value(claim, URIRef(SEGUR + "valueQualifier")),
                   graph.value(claim, URIRef(SEGUR + "periodEnd"))) for claim in claims}
        assert len(claims) >= 2 and len(values) >= 2, disagreement  # the claims differ
        for claim in claims:
            assert set(graph.objects(claim, DCTERMS.source)), claim


def test_the_disagreement_question_lists_every_claim_with_its_source(
        graph: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    answer = query_csv(capsys, "source-disagreements")
    listed = {(row["disagreement"], row["claim"], row["source"]) for row in answer}
    expected = {
        (str(d), str(c), str(s))
        for d in graph.subjects(RDF.type, URIRef(SEGUR + "Disagreement"))
        for c in graph.objects(d, URIRef(SEGUR + "hasClaim"))
        for s in graph.objects(c, DCTERMS.source)
    }
    assert listed == expected and len(listed) >= 30


def test_facts_by_authority_counts_what_the_graph_holds(
        graph: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    answer = {row["authority"]: row for row in query_csv(capsys, "facts-by-authority")}
    authority = URIRef(SEGUR + "authority")
    for kind, row in answer.items():
        sources = set(graph.subjects(authority, URIRef(kind)))
        resources = {r for s in sources for r in graph.subjects(DCTERMS.source, s)}
        assert int(row["sources"]) == len(sources), kind
        assert int(row["resources"]) == len(resources), kind
    assert set(answer) == {str(a) for a in graph.objects(None, authority)}


def test_resources_resting_only_on_one_kind_of_source_have_no_other(
        graph: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    press = ID + "authority/press"
    answer = query_csv(capsys, "facts-resting-on-authority", "--param",
                       "authority=authority/press")
    assert answer
    for row in answer:
        for source in graph.objects(URIRef(row["resource"]), DCTERMS.source):
            assert (source, URIRef(SEGUR + "authority"), URIRef(press)) in graph, row
