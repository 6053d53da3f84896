"""Canonical form of a graph: blank nodes labelled by RDFC-1.0, triples in sorted order, so that
the same triples always give the same bytes whatever the order they were read in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rdflib import Graph

from segur_kg.rdf.namespaces import bind_prefixes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rdflib.term import Node


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
    for triple in sorted(triples, key=triple_key):
        copy.add(triple)
    return copy


def relabel_blank_nodes(triples: list[tuple[Any, Any, Any]]) -> list[tuple[Any, Any, Any]]:
    """The triples with blank nodes labelled by the W3C RDF Dataset Canonicalization (RDFC-1.0),
    as implemented in Oxigraph: the same labels for the same graph whatever the input labels.
    (rdflib's own canonicalization takes quadratic time and more on many alike blank nodes.)"""
    from pyoxigraph import BlankNode, CanonicalizationAlgorithm, Dataset, DefaultGraph, Quad
    from rdflib import BNode

    from segur_kg.rdf.terms import to_oxigraph, to_rdflib

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
        return iter(sorted(found, key=term_key))

    def predicate_objects(self, subject=None, unique=False) -> Iterator[tuple[Node, Node]]:
        found = set(super().predicate_objects(subject, unique=True))
        return iter(sorted(found, key=lambda pair: (term_key(pair[0]), term_key(pair[1]))))


def term_key(term: Any) -> str:
    return term.n3()


def triple_key(triple: tuple[Any, Any, Any]) -> tuple[str, str, str]:
    return tuple(term.n3() for term in triple)  # type: ignore[return-value]


def ntriples_lines(graph: Graph) -> list[str]:
    """The graph's N-Triples lines, sorted, without duplicates, written by Oxigraph as it
    writes a store's dump (canonical escapes: a tab or a control character in a literal is
    escaped, which rdflib writes raw), so that every store gives the same lines. Lines are cut
    at line feeds only: a literal may hold U+2028 and other characters str.splitlines() cuts at."""
    from pyoxigraph import RdfFormat, Triple, serialize

    from segur_kg.rdf.terms import to_oxigraph

    data = serialize((Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
                      for s, p, o in graph), format=RdfFormat.N_TRIPLES)
    return sorted({line for line in data.decode("utf-8").split("\n") if line})


def ntriples(graph: Graph) -> bytes:
    """The graph as sorted N-Triples, blank nodes labelled canonically."""
    return "".join(f"{line}\n" for line in ntriples_lines(canonical(graph))).encode("utf-8")
