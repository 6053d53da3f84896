"""NOS code systems (FHIR RDF) become SKOS concept schemes, and the programme links to them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import OWL, RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from segur_kg.rdf.reading import load_dataset
from segur_kg.rdf.serialize import serialize
from segur_kg.sources.nos import concept_iri, read_code_system, to_skos

REPO_ROOT = Path(__file__).resolve().parents[1]
NOS_SOURCES = sorted((REPO_ROOT / "sources" / "nos").glob("CodeSystem-*.ttl"))
UNSEEN = REPO_ROOT / "tests" / "fixtures" / "nos" / "CodeSystem-TRE-X99-Exemple.ttl"
X99 = "https://mos.esante.gouv.fr/NOS/TRE_X99-Exemple/FHIR/TRE-X99-Exemple"
G15 = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
R30 = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"
SEGUR = "https://w3id.org/segur/def/"
SCHEMA = "https://schema.org/"


def convert(path: Path, today: dt.date = dt.date(2026, 1, 1)) -> Graph:
    return to_skos(read_code_system(path), today)


def test_the_three_shipped_code_systems_are_the_committed_schemes(run_cli, tmp_path) -> None:
    result = run_cli("nos", "import", *map(str, NOS_SOURCES), "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("*.ttl"))
    assert written == ["TRE_G15-ProfessionSante.ttl", "TRE_R256-TypeMessagerie.ttl",
                       "TRE_R30-RegionOM.ttl"]
    for name in written:
        assert (tmp_path / name).read_bytes() == (REPO_ROOT / "data" / "nos" / name).read_bytes()


def test_every_code_becomes_one_concept_with_notation_label_and_scheme() -> None:
    graph = convert(NOS_SOURCES[2])  # TRE_R30: 46 codes
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == 46
    bretagne = URIRef(concept_iri(R30, "53"))
    assert graph.value(bretagne, SKOS.notation) == Literal("53")
    assert graph.value(bretagne, SKOS.prefLabel) == Literal("Bretagne", lang="fr")
    assert graph.value(bretagne, SKOS.inScheme) == URIRef(R30)
    assert (URIRef(R30), DCTERMS.identifier, Literal("urn:oid:1.2.250.1.213.2.25")) in graph


def test_closed_regions_are_deprecated_and_current_ones_are_not() -> None:
    graph = convert(NOS_SOURCES[2])
    deprecated = {str(graph.value(c, SKOS.notation)) for c in graph.subjects(OWL.deprecated, Literal(True))}
    assert {"21", "22", "42", "976"} <= deprecated
    assert not {"53", "11", "93"} & deprecated


def test_an_unseen_code_system_with_crlf_line_ends_converts() -> None:
    assert b"\r\n" in UNSEEN.read_bytes()
    graph = convert(UNSEEN)
    scheme = URIRef(X99)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert graph.value(scheme, DCTERMS.title) == Literal("Exemple de nomenclature", lang="fr")
    assert graph.value(scheme, OWL.versionInfo) == Literal("2.0.1")
    assert graph.value(scheme, DCTERMS.identifier) == Literal("urn:oid:1.2.250.1.213.9.99")
    assert graph.value(scheme, DCTERMS.license) == URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    first = URIRef(f"{X99}/A1")
    assert graph.value(first, SKOS.altLabel) == Literal("Premier", lang="fr")
    assert graph.value(first, SKOS.definition) == Literal("Le tout premier code de l'exemple", lang="fr")
    # A nested code is narrower than its parent, not a top concept.
    child = URIRef(f"{X99}/A1.1")
    assert graph.value(child, SKOS.broader) == first
    assert (child, SKOS.topConceptOf, scheme) not in graph
    # A code with a space gets an IRI that stays valid and stable.
    assert URIRef(f"{X99}/B%202") in set(graph.subjects(RDF.type, SKOS.Concept))


def test_the_scheme_and_every_code_cite_the_code_system_they_come_from() -> None:
    graph = convert(UNSEEN)
    nodes = set(graph.subjects(RDF.type, SKOS.Concept)) | {URIRef(X99)}
    assert len(nodes) > 3
    for node in nodes:
        assert set(graph.objects(node, DCTERMS.source)) == {URIRef(X99)}, node


def test_only_codes_closed_by_the_given_day_are_deprecated() -> None:
    graph = convert(UNSEEN, today=dt.date(2026, 1, 1))
    assert graph.value(URIRef(f"{X99}/B%202"), OWL.deprecated) == Literal(True)
    assert graph.value(URIRef(f"{X99}/C3"), OWL.deprecated) is None
    later = convert(UNSEEN, today=dt.date(3000, 1, 1))
    assert later.value(URIRef(f"{X99}/C3"), OWL.deprecated) == Literal(True)


def test_crlf_and_lf_files_give_the_same_bytes(tmp_path: Path) -> None:
    lf = tmp_path / "lf.ttl"
    lf.write_bytes(UNSEEN.read_bytes().replace(b"\r\n", b"\n"))
    assert serialize(convert(lf), "ttl") == serialize(convert(UNSEEN), "ttl")


def test_a_file_that_is_not_a_code_system_is_refused(run_cli, tmp_path: Path) -> None:
    result = run_cli("nos", "import", str(REPO_ROOT / "data" / "actors.ttl"), "-o", str(tmp_path))
    assert result.returncode == 2
    assert "not a FHIR CodeSystem" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_one_bad_file_among_several_writes_nothing(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix fhir: <http://hl7.org/fhir/> .\n<x> a fhir:CodeSystem ;\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("nos", "import", str(UNSEEN), str(bad), "-o", str(out))
    assert result.returncode == 2
    assert "bad.ttl:" in result.stderr and "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


@pytest.fixture(scope="module")
def dataset() -> Graph:
    return load_dataset()


def test_every_ars_is_linked_to_the_nos_concept_of_its_region(dataset: Graph) -> None:
    agencies = list(dataset.subjects(RDF.type, URIRef(SEGUR + "RegionalHealthAgency")))
    assert len(agencies) == 18
    for agency in agencies:
        region = dataset.value(agency, URIRef(SEGUR + "coversRegion"))
        concept = dataset.value(agency, DCTERMS.spatial)
        assert concept == dataset.value(region, SKOS.exactMatch)
        assert dataset.value(concept, SKOS.notation) == dataset.value(region, SKOS.notation)
        assert (concept, OWL.deprecated, Literal(True)) not in dataset


def test_profession_links_point_to_codes_of_tre_g15(dataset: Graph) -> None:
    links = list(dataset.subject_objects(URIRef(SEGUR + "servesProfession")))
    assert links
    for _, profession in links:
        assert dataset.value(profession, SKOS.inScheme) == URIRef(G15)
    midwives = URIRef("https://w3id.org/segur/id/software/lgc-sf")
    assert set(dataset.objects(midwives, URIRef(SEGUR + "servesProfession"))) == {URIRef(f"{G15}/50")}


def test_mssante_is_the_mssante_messaging_type(dataset: Graph) -> None:
    kind = dataset.value(URIRef("https://w3id.org/segur/id/service/mssante"), URIRef(SEGUR + "messagingType"))
    assert dataset.value(kind, SKOS.notation) == Literal("MSSANTE")
