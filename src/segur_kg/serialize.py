"""Serialize a graph so the same triples always give the same bytes.

rdflib's serializers follow the store's iteration order and label blank nodes at random, both of
which change with PYTHONHASHSEED. So blank nodes are renamed canonically, triples are inserted in
sorted order into a fresh graph and N-Triples lines are sorted; JSON-LD is compacted from those
sorted lines (see jsonld.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rdflib import Graph

from segur_kg.rdf_io import bind_prefixes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rdflib.term import Node

# The whole graph goes into one named graph when a quad format is asked for.
NAMED_GRAPH = "https://w3id.org/segur/graph/segur"

# Must list the same names as export.FORMATS.
EXPORT_FORMATS: dict[str, str] = {
    "ttl": "turtle",
    "nt": "nt",
    "jsonld": "json-ld",
    "xml": "xml",
    "trig": "trig",
}


def canonical(graph: Graph) -> Graph:
    """A copy with canonical blank-node labels, filled in sorted order, canonical prefixes bound."""
    from rdflib import BNode

    triples = list(graph)
    if any(isinstance(term, BNode) for triple in triples for term in triple):
        triples = relabel_blank_nodes(triples)
    copy = SortedGraph(bind_namespaces="core")
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=False)
    bind_prefixes(copy)
    for triple in sorted(triples, key=_triple_key):
        copy.add(triple)
    return copy


def relabel_blank_nodes(triples: list[tuple[Any, Any, Any]]) -> list[tuple[Any, Any, Any]]:
    """The triples with blank nodes labelled by the W3C RDF Dataset Canonicalization (RDFC-1.0),
    as implemented in Oxigraph: the same labels for the same graph whatever the input labels.
    (rdflib's own canonicalization takes quadratic time and more on many alike blank nodes.)"""
    from pyoxigraph import BlankNode, CanonicalizationAlgorithm, Dataset, DefaultGraph, Quad
    from rdflib import BNode

    from segur_kg.stores.oxterms import to_oxigraph, to_rdflib

    blanks: dict[Any, Any] = {}

    def term(node: Any) -> Any:
        if isinstance(node, BNode):
            return blanks.setdefault(node, BlankNode())
        return to_oxigraph(node)

    dataset = Dataset(Quad(term(s), term(p), term(o), DefaultGraph()) for s, p, o in triples)
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for q in dataset]


class SortedGraph(Graph):
    """A graph whose subjects and predicate-object pairs come out sorted.

    The RDF/XML serializer walks `subjects()` and `predicate_objects()`, whose order otherwise
    depends on hashing.
    """

    def subjects(self, predicate=None, object=None, unique=False) -> Iterator[Node]:  # noqa: A002
        found = set(super().subjects(predicate, object, unique=True))
        return iter(sorted(found, key=_term_key))

    def predicate_objects(self, subject=None, unique=False) -> Iterator[tuple[Node, Node]]:
        found = set(super().predicate_objects(subject, unique=True))
        return iter(sorted(found, key=lambda pair: (_term_key(pair[0]), _term_key(pair[1]))))


def _term_key(term: Any) -> str:
    return term.n3()


def _triple_key(triple: tuple[Any, Any, Any]) -> tuple[str, str, str]:
    return tuple(term.n3() for term in triple)  # type: ignore[return-value]


def serialize(graph: Graph, fmt: str) -> bytes:
    """Serialize in one of EXPORT_FORMATS, byte-for-byte reproducible."""
    if fmt == "jsonld":
        from segur_kg.jsonld import compacted

        return compacted(graph)  # built from serialize(graph, "nt")
    fixed = canonical(graph)
    rdflib_format = EXPORT_FORMATS[fmt]
    if fmt == "nt":
        text = fixed.serialize(format="nt", encoding="utf-8").decode("utf-8")
        lines = sorted({line for line in text.splitlines() if line.strip()})
        return "".join(f"{line}\n" for line in lines).encode("utf-8")
    if fmt == "trig":
        from rdflib import Dataset, URIRef

        dataset = Dataset()
        for prefix, namespace in fixed.namespaces():
            dataset.bind(prefix, namespace, override=True, replace=True)
        named = dataset.graph(URIRef(NAMED_GRAPH))
        for triple in fixed:
            named.add(triple)
        return dataset.serialize(format="trig", encoding="utf-8")
    return fixed.serialize(format=rdflib_format, encoding="utf-8")

