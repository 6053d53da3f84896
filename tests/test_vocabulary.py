"""The vocabulary: every term documented in French and English, aligned where the
meaning matches, and a complete ontology header stamped from pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from segur_kg.rdf.reading import load_dataset

REPO_ROOT = Path(__file__).resolve().parents[1]
SEGUR = "https://w3id.org/segur/def/"
ONTOLOGY = URIRef("https://w3id.org/segur/def")
VANN = "http://purl.org/vocab/vann/"
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


def terms(graph: Graph) -> list[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted({t for kind in kinds for t in graph.subjects(RDF.type, kind) if str(t).startswith(SEGUR)})


def languages(graph: Graph, subject: URIRef, prop: URIRef) -> list[str]:
    return sorted(v.language for v in graph.objects(subject, prop) if isinstance(v, Literal))


def test_every_term_has_one_label_and_one_definition_per_language(graph: Graph) -> None:
    missing = [
        (str(term), str(prop))
        for term in terms(graph)
        for prop in (RDFS.label, SKOS.definition)
        if languages(graph, term, prop) != ["en", "fr"]
    ]
    assert missing == []


def test_every_definition_is_a_full_sentence(graph: Graph) -> None:
    bad = [str(t) for t in terms(graph) for d in graph.objects(t, SKOS.definition)
           if not (str(d)[:1].isupper() and str(d).endswith("."))]
    assert bad == []


def test_every_property_has_a_domain_and_a_range(graph: Graph) -> None:
    properties = [t for t in terms(graph) if (t, RDF.type, OWL.Class) not in graph]
    assert properties
    lacking = [str(p) for p in properties
               if graph.value(p, RDFS.domain) is None or graph.value(p, RDFS.range) is None]
    assert lacking == []


def test_classes_are_named_upper_camel_case_and_properties_lower_camel_case(graph: Graph) -> None:
    for term in terms(graph):
        local = str(term).removeprefix(SEGUR)
        is_class = (term, RDF.type, OWL.Class) in graph
        assert local[0].isupper() == is_class, local
        assert local.isalnum(), local


def test_every_segur_term_used_is_defined(graph: Graph) -> None:
    defined = set(terms(graph))
    used = {t for _, p, o in graph if p != OWL.versionIRI for t in (p, o)
            if isinstance(t, URIRef) and str(t).startswith(SEGUR)}
    assert used - defined == set()


def test_every_super_term_of_the_vocabulary_exists_or_is_a_w3c_or_schema_term(graph: Graph) -> None:
    external = ("http://www.w3.org/", "http://purl.org/dc/terms/", "https://schema.org/",
                "http://xmlns.com/foaf/")
    for prop in (RDFS.subClassOf, RDFS.subPropertyOf):
        for term, parent in graph.subject_objects(prop):
            if str(term).startswith(SEGUR):
                assert parent in set(terms(graph)) or str(parent).startswith(external), parent


def test_most_classes_align_with_a_w3c_or_schema_org_class(graph: Graph) -> None:
    classes = [t for t in terms(graph) if (t, RDF.type, OWL.Class) in graph]
    aligned = [c for c in classes if graph.value(c, RDFS.subClassOf) is not None]
    assert len(aligned) >= len(classes) * 2 // 3


def pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_header_version_and_licence_come_from_pyproject(graph: Graph) -> None:
    project = pyproject()
    version = project["version"]
    assert graph.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{SEGUR}{version}")
    assert graph.value(ONTOLOGY, OWL.versionInfo) == Literal(version)
    assert graph.value(ONTOLOGY, DCTERMS.license) == URIRef(f"https://spdx.org/licenses/{project['license'].split(' AND ')[-1]}")


def test_header_is_complete(graph: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    for prop in (DCTERMS.title, DCTERMS.description):
        assert languages(graph, ONTOLOGY, prop) == ["en", "fr"]
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert graph.value(ONTOLOGY, prop).datatype == XSD_DATE
    assert str(graph.value(ONTOLOGY, URIRef(VANN + "preferredNamespacePrefix"))) == "segur"
    assert str(graph.value(ONTOLOGY, URIRef(VANN + "preferredNamespaceUri"))) == SEGUR


def test_ontology_file_does_not_repeat_the_version_or_licence() -> None:
    # One source of truth: pyproject.toml; the loader stamps them.
    text = (REPO_ROOT / "ontology" / "segur.ttl").read_text(encoding="utf-8")
    assert "owl:versionIRI" not in text and "owl:versionInfo" not in text
    assert "dcterms:license" not in text
