"""The tables the registry imports use: the département → region geography (INSEE's COG, the NOS
codes) and the links of establishment categories and professions to the programme's corridors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError
from segur_kg.sources.registries import corridors, geography

SEGUR = "https://w3id.org/segur/def/"
REGISTRY_NOS = paths.data_dir() / "registries" / "nos"
LECTURE = URIRef("https://w3id.org/segur/id/source/lecture-du-graphe")


@cache
def scheme(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def codes(path: Path, *, closed: bool = True) -> dict[str, str]:
    """notation → preferred label of the concepts of a NOS scheme (closed codes too, or not)."""
    graph = scheme(path)
    return {str(graph.value(concept, SKOS.notation)): str(graph.value(concept, SKOS.prefLabel))
            for concept in graph.subjects(RDF.type, SKOS.Concept)
            if closed or (concept, OWL.deprecated, Literal(True)) not in graph}


G09 = REGISTRY_NOS / "TRE_G09-DepartementOM.ttl"
R66 = REGISTRY_NOS / "TRE_R66-CategorieEtablissement.ttl"
G15 = paths.data_dir() / "nos" / "TRE_G15-ProfessionSante.ttl"


# --- geography ----------------------------------------------------------------------------------


def test_departments_are_the_codes_of_tre_g09() -> None:
    assert geography.DEPARTMENTS == set(codes(G09))


def test_every_open_metropolitan_department_has_a_region() -> None:
    metropolitan = [code for code in codes(G09, closed=False) if len(code) == 2]
    assert len(metropolitan) == 96  # 01 to 95 without 20, with 2A and 2B
    assert [code for code in metropolitan if geography.region(code) is None] == []


def test_corsica_and_overseas_departments() -> None:
    assert geography.region("2A") == geography.region("2B") == "94"
    assert [geography.region(code) for code in ("971", "972", "973", "974", "976")] == \
        ["01", "02", "03", "04", "06"]


def test_saint_barthelemy_and_saint_martin_come_under_guadeloupe() -> None:
    assert geography.region("977") == geography.region("978") == "01"


@pytest.mark.parametrize("code", ["975", "984", "986", "987", "988", "989", "99138", "20", "985"])
def test_collectivities_and_closed_codes_have_no_region(code: str) -> None:
    assert code in geography.DEPARTMENTS
    assert geography.region(code) is None


def test_every_region_of_the_table_is_a_region_of_the_graph() -> None:
    graph = Graph().parse(paths.data_dir() / "regions.ttl", format="turtle")
    regions = {str(graph.value(region, SKOS.notation))
               for region in graph.subjects(RDF.type, URIRef(SEGUR + "Region"))}
    assert len(regions) == 18
    assert set(geography.REGION_OF_DEPARTMENT.values()) == regions
    assert set(geography.REGION_OF_DEPARTMENT) <= geography.DEPARTMENTS


def test_finess_letter_codes_give_their_department() -> None:
    assert set(geography.FINESS_DEPARTMENT.values()) <= geography.DEPARTMENTS
    assert geography.department("9A") == "971"
    assert geography.department("9J") == "986"
    assert geography.region("9A") == "01"
    assert geography.region("9J") is None  # Wallis-et-Futuna
    assert geography.department("9E") is None  # no letter code the extract is known to use


@pytest.mark.parametrize(("raw", "expected"), [
    ("01", "01"), (" 2a ", "2A"), ("2B", "2B"), ("1", "01"), ("9", "09"), ("974", "974"),
    ("0", None), ("", None), ("  ", None), ("96", None), ("2C", None), ("ain", None),
])
def test_department_normalises_what_registries_write(raw: str, expected: str | None) -> None:
    assert geography.department(raw) == expected


# --- corridor links -----------------------------------------------------------------------------


@cache
def table() -> list[corridors.CorridorLink]:
    return corridors.links()


def test_every_code_of_the_table_is_an_open_nos_code_with_its_label() -> None:
    systems = {"category": codes(R66, closed=False), "profession": codes(G15, closed=False)}
    wrong = [(row.kind, row.code, row.label) for row in table()
             if systems[row.kind].get(row.code) != row.label]
    assert wrong == []


def test_the_main_categories_and_professions_have_their_corridor() -> None:
    links = {(row.kind, row.code, row.corridor) for row in table()}
    expected = {
        ("category", "355", "hopital"),  # centre hospitalier
        ("category", "101", "hopital"),  # CHR
        ("category", "500", "social-medico-social"),  # EHPAD
        ("category", "611", "biologie-medicale"),  # laboratoire de biologie médicale
        ("category", "620", "officine"),  # pharmacie d'officine
        ("profession", "10", "medecine-de-ville"),  # médecin
        ("profession", "21", "officine"),  # pharmacien
        ("profession", "50", "sages-femmes-chirurgiens-dentistes-paramedical"),  # sage-femme
        ("profession", "40", "sages-femmes-chirurgiens-dentistes-paramedical"),  # dentiste
        ("profession", "60", "sages-femmes-chirurgiens-dentistes-paramedical"),  # infirmier
    }
    assert expected - links == set()


def test_profession_links_are_those_of_the_nos_links_file() -> None:
    graph = Graph().parse(paths.data_dir() / "nos-links.ttl", format="turtle")
    served = {(str(corridor).rsplit("/", 1)[1], str(profession).rsplit("/", 1)[1])
              for corridor, profession in graph.subject_objects(URIRef(SEGUR + "servesProfession"))
              if "/corridor/" in str(corridor)}
    table_links = {(row.corridor, row.code) for row in table() if row.kind == "profession"}
    assert table_links == served


@cache
def cited_pages() -> set[str]:
    graph = Graph()
    for path in sorted(paths.data_dir().glob("sources*.ttl")):
        graph.parse(path, format="turtle")
    return {str(page) for page in graph.subjects(RDF.type, DCTERMS.BibliographicResource)}


def test_sourced_rows_cite_a_page_of_the_research_tables() -> None:
    research = "".join((paths.root() / "sources" / name).read_text(encoding="utf-8")
                       for name in ("programme-facts.md", "facts.md", "segur.md"))
    sourced = [row for row in table() if not row.is_reading]
    assert sourced, "at least one link is stated by a page"
    assert [row.basis for row in sourced
            if row.basis not in cited_pages() or row.basis not in research] == []


def test_the_ntriples_parse_and_restate_every_link_with_its_source() -> None:
    rows = table()
    text = corridors.ntriples(rows)
    assert text == corridors.ntriples(list(reversed(rows)))  # sorted: the same bytes
    assert text.splitlines() == sorted(text.splitlines())
    graph = Graph().parse(data=text, format="nt")
    predicate = URIRef(SEGUR + "concernsCorridor")
    for row in rows:
        concept, corridor = URIRef(row.concept), URIRef(row.corridor_iri)
        assert (concept, predicate, corridor) in graph
        statements = [s for s in graph.subjects(RDF.subject, concept)
                      if graph.value(s, RDF.object) == corridor]
        assert len(statements) == 1, row
        statement = statements[0]
        assert graph.value(statement, RDF.predicate) == predicate
        assert sorted(label.language for label in graph.objects(statement, URIRef(
            "http://www.w3.org/2000/01/rdf-schema#label"))) == ["en", "fr"]
        if row.is_reading:
            assert (statement, RDF.type, URIRef(SEGUR + "Reading")) in graph
            assert list(graph.objects(statement, DCTERMS.source)) == [LECTURE]
            assert sorted(note.language for note in graph.objects(
                statement, URIRef(SEGUR + "readingNote"))) == ["en", "fr"]
        else:
            assert (statement, RDF.type, RDF.Statement) in graph
            assert list(graph.objects(statement, DCTERMS.source)) == [URIRef(row.basis)]


def test_every_corridor_of_the_table_is_a_corridor_of_the_graph() -> None:
    graph = Graph().parse(paths.data_dir() / "corridors.ttl", format="turtle")
    known = set(graph.subjects(RDF.type, URIRef(SEGUR + "Corridor")))
    assert {URIRef(row.corridor_iri) for row in table()} <= known


HEADER = "kind,code,label,corridor,basis,note,note_fr\n"
GOOD = 'category,355,Centre Hospitalier (C.H.),hopital,reading,Why.,Pourquoi.\n'


@pytest.mark.parametrize(("row", "message"), [
    ("category,999,Nothing,hopital,reading,Why.,Pourquoi.\n", "'999' is no code of TRE_R66"),
    ("profession,355,Nothing,hopital,reading,Why.,Pourquoi.\n", "'355' is no code of TRE_G15"),
    ("category,355,CH,hospital,reading,Why.,Pourquoi.\n", "'hospital' is no corridor"),
    ("category,355,CH,hopital,http://example.org/page,Why.,Pourquoi.\n", "the basis must be"),
    ("region,84,ARA,hopital,reading,Why.,Pourquoi.\n", "unknown kind 'region'"),
    ("category,355,CH,hopital,reading,Why.,\n", "both notes"),
    ("category,355,CH,hopital,reading,Why, and more.,Pourquoi.\n", "8 cells instead of 7"),
    (GOOD, "linked to hopital twice"),
])
def test_links_refuses_a_wrong_row_with_a_clear_message(tmp_path: Path, row: str,
                                                        message: str) -> None:
    path = tmp_path / "corridors.csv"
    path.write_text(HEADER + GOOD + row, encoding="utf-8")
    with pytest.raises(SegurKgError) as caught:
        corridors.links(path)
    assert message in caught.value.message
    assert ":3:" in caught.value.message  # the line of the wrong row


def test_links_refuses_a_wrong_header(tmp_path: Path) -> None:
    path = tmp_path / "corridors.csv"
    path.write_text("kind,code,corridor\n" + GOOD, encoding="utf-8")
    with pytest.raises(SegurKgError, match="the header must be"):
        corridors.links(path)
