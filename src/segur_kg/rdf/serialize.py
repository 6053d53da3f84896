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

from segur_kg.rdf.canonical import SortedGraph, canonical, ntriples, ntriples_lines, triple_key

if TYPE_CHECKING:

    pass

# The whole graph goes into one named graph when a quad format is asked for.
NAMED_GRAPH = "https://w3id.org/segur/graph/segur"

# Must list the same names as publishing.formats.FORMATS.
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


def serialize(graph: Graph, fmt: str) -> bytes:
    """Serialize in one of EXPORT_FORMATS, byte-for-byte reproducible."""
    if fmt == "jsonld":
        from segur_kg.rdf.jsonld import compacted

        return compacted(graph)  # built from canonical.ntriples(graph)
    if fmt in QUAD_FORMATS:
        return serialize_quads([(NAMED_GRAPH, graph)], fmt)
    if fmt == "nt":
        return ntriples(graph)
    fixed = canonical(graph)
    rdflib_format = EXPORT_FORMATS[fmt]
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
            for triple in sorted(copy, key=triple_key):
                renamed.add(tuple(BNode(f"g{index}{term}") if isinstance(term, BNode) else term
                                  for term in triple))
            copy = renamed
        fixed.append((name, copy))
    if fmt == "nq":
        lines = sorted({f"{line[:-2]} <{name}> ." for name, copy in fixed
                        for line in ntriples_lines(copy)})
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


