"""Terms between rdflib and pyoxigraph, so both engines give the same answers to compare."""

from __future__ import annotations

from typing import Any

from segur_kg.common.errors import SegurKgError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_oxigraph(node: Any) -> Any:
    from pyoxigraph import BlankNode, Literal, NamedNode
    from rdflib import BNode, URIRef

    if isinstance(node, URIRef):
        return NamedNode(str(node))
    if isinstance(node, BNode):
        return BlankNode(str(node))
    if node.language:
        return Literal(str(node), language=node.language)
    if node.datatype:
        return Literal(str(node), datatype=NamedNode(str(node.datatype)))
    return Literal(str(node))


def to_rdflib(term: Any) -> Any:
    """A pyoxigraph term as rdflib's; xsd:string literals become plain ones, as rdflib reads
    them from Turtle."""
    from pyoxigraph import BlankNode, NamedNode, Triple
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    if isinstance(term, Triple):
        raise SegurKgError("the answer holds RDF 1.2 triple terms, which segur-kg cannot "
                           "show or write; construct plain triples")
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
