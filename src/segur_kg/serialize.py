"""Serialize a graph so the same triples always give the same bytes.

rdflib's serializers follow the store's iteration order and label blank nodes at random, both of
which change with PYTHONHASHSEED. So blank nodes are renamed canonically, triples are inserted in
sorted order into a fresh graph and N-Triples lines are sorted; JSON-LD is compacted from those
sorted lines (see jsonld.py).
"""

from __future__ import annotations

import warnings
from io import BytesIO
from typing import TYPE_CHECKING, Any

from rdflib import Graph
from rdflib.plugins.serializers.turtle import TurtleSerializer

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
    "nq": "nquads",
}
# The formats that hold named graphs.
QUAD_FORMATS = ("trig", "nq")


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
    if fmt in QUAD_FORMATS:
        return serialize_quads([(NAMED_GRAPH, graph)], fmt)
    fixed = canonical(graph)
    rdflib_format = EXPORT_FORMATS[fmt]
    if fmt == "nt":
        return "".join(f"{line}\n" for line in _ntriples_lines(fixed)).encode("utf-8")
    if fmt == "ttl":
        stream = BytesIO()
        _exact(TurtleSerializer)(fixed).serialize(stream, encoding="utf-8")
        return stream.getvalue()
    return fixed.serialize(format=rdflib_format, encoding="utf-8")


def _exact(serializer: type) -> type:
    """rdflib's Turtle (or TriG) serializer, writing every literal with its own lexical form.
    rdflib writes numbers and booleans in short form from their value, so "20"^^xsd:decimal
    would come out as 20.0, another literal: the file would no longer hold the same graph.
    Such a literal is written in full ("20"^^xsd:decimal); the others keep their short form."""

    class Exact(serializer):  # type: ignore[misc, valid-type]
        def label(self, node: Any, position: int) -> str:
            from rdflib import Literal

            if isinstance(node, Literal) and node.datatype is not None:
                short = node._literal_n3(use_plain=True)
                if not short.startswith('"') and short != str(node):
                    return node._literal_n3(
                        use_plain=False,
                        qname_callback=lambda dt: self.get_pname(dt, False))  # as rdflib
            return super().label(node, position)

    return Exact


def serialize_described(graph: Graph, description: Graph, fmt: str) -> bytes:
    """A graph and its description, as the RDF exports publish them: in a quad format each in
    its own named graph (NAMED_GRAPH, describe.DESCRIPTION_GRAPH), so that a store loading the
    file keeps the description apart from the data; otherwise merged into the one graph the
    format has."""
    from segur_kg.describe import DESCRIPTION_GRAPH, merge

    if fmt in QUAD_FORMATS:
        return serialize_quads([(NAMED_GRAPH, graph), (DESCRIPTION_GRAPH, description)], fmt)
    return serialize(merge(graph, description), fmt)


def serialize_quads(graphs: list[tuple[str, Graph]], fmt: str) -> bytes:
    """Named graphs, in this order, as TriG or N-Quads, byte-for-byte reproducible. Blank-node
    labels are made canonical graph by graph, then kept apart between graphs (a label is
    shared by the whole document)."""
    from rdflib import BNode, Dataset, URIRef

    fixed: list[tuple[str, Graph]] = []
    for index, (name, graph) in enumerate(graphs):
        copy = canonical(graph)
        if index and any(isinstance(term, BNode) for triple in copy for term in triple):
            renamed = SortedGraph(bind_namespaces="core")
            for prefix, namespace in copy.namespaces():
                renamed.bind(prefix, namespace, override=False)
            for triple in sorted(copy, key=_triple_key):
                renamed.add(tuple(BNode(f"g{index}{term}") if isinstance(term, BNode) else term
                                  for term in triple))
            copy = renamed
        fixed.append((name, copy))
    if fmt == "nq":
        lines = sorted({f"{line[:-2]} <{name}> ." for name, copy in fixed
                        for line in _ntriples_lines(copy)})
        return "".join(f"{line}\n" for line in lines).encode("utf-8")
    from rdflib.plugins.serializers.trig import TrigSerializer

    dataset = Dataset()
    for _, copy in fixed:
        for prefix, namespace in copy.namespaces():
            dataset.bind(prefix, namespace, override=True, replace=True)
    order = {}
    for name, copy in fixed:
        named = dataset.graph(URIRef(name))
        order[URIRef(name)] = len(order)
        for triple in copy:
            named.add(triple)
    with warnings.catch_warnings():  # rdflib's TriG serializer calls Dataset.contexts()
        warnings.simplefilter("ignore", DeprecationWarning)
        serializer = _exact(TrigSerializer)(dataset)
    # The store lists its graphs in hash order: write them in the order given.
    serializer.contexts.sort(key=lambda context: order.get(context.identifier, len(order)))
    stream = BytesIO()
    serializer.serialize(stream, encoding="utf-8")
    return stream.getvalue()


def _ntriples_lines(graph: Graph) -> list[str]:
    """The graph's N-Triples lines, sorted, without duplicates."""
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted({line for line in text.splitlines() if line.strip()})

