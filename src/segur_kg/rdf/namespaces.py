"""The namespaces of the graph and the prefixes every graph, query and output uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from segur_kg.common.errors import printable

if TYPE_CHECKING:
    from rdflib import Graph

DEF = "https://w3id.org/segur/def/"
ONTOLOGY_IRI = "https://w3id.org/segur/def"
ID = "https://w3id.org/segur/id/"

# Prefixes bound on every graph, so outputs never show ns1: or schema1:.
PREFIXES: dict[str, str] = {
    "segur": DEF,
    "id": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "qb": "http://purl.org/linked-data/cube#",
}
# SPARQL text may use either name for resources; a graph can only bind one prefix per namespace.
QUERY_PREFIXES: dict[str, str] = {**PREFIXES, "segurid": ID}


def new_graph() -> Graph:
    from rdflib import Graph

    graph = Graph(bind_namespaces="core")
    bind_prefixes(graph)
    return graph


def bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def short_iri(iri: str) -> str:
    """xsd:date for an IRI in a namespace of PREFIXES, <iri> else."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{printable(iri)}>"
