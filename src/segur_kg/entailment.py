"""Inference at scale: the entailments the vocabulary needs, applied triple by triple.

The full OWL 2 RL closure (owlrl) of the vocabulary and the programme's data is computed once
and cached (inference.py). Bulk data attached to it (the synthetic extension, a national
directory) only adds instances, never axioms, and the vocabulary uses just subClassOf,
subPropertyOf, inverseOf, SymmetricProperty, domain and range. So each bulk triple's
entailments follow from the closed schema alone: its types' superclasses, its property's
superproperties and inverses, the domain and range types. That is linear in the bulk and
gives the same answers as the full closure (tests/test_entailment.py compares them).
Axioms in the bulk itself are not taken into account: extend the vocabulary instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Graph

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"


@dataclass
class Schema:
    """The closed schema, keyed by IRI strings."""

    superclasses: dict[str, set[str]] = field(default_factory=dict)
    superproperties: dict[str, set[str]] = field(default_factory=dict)
    inverses: dict[str, set[str]] = field(default_factory=dict)
    symmetric: set[str] = field(default_factory=set)
    domains: dict[str, set[str]] = field(default_factory=dict)
    ranges: dict[str, set[str]] = field(default_factory=dict)


def schema_of(closure: Graph) -> Schema:
    """Read the schema axioms between IRIs from an OWL 2 RL closure (already transitive)."""
    from rdflib import URIRef

    schema = Schema()
    pairs = {
        _RDFS + "subClassOf": schema.superclasses,
        _RDFS + "subPropertyOf": schema.superproperties,
        _OWL + "inverseOf": schema.inverses,
        _RDFS + "domain": schema.domains,
        _RDFS + "range": schema.ranges,
    }
    for predicate, table in pairs.items():
        for subject, value in closure.subject_objects(URIRef(predicate)):
            if isinstance(subject, URIRef) and isinstance(value, URIRef) and subject != value:
                table.setdefault(str(subject), set()).add(str(value))
    for subject, value in closure.subject_objects(URIRef(_OWL + "inverseOf")):
        if isinstance(subject, URIRef) and isinstance(value, URIRef):
            schema.inverses.setdefault(str(value), set()).add(str(subject))
    for subject in closure.subjects(URIRef(RDF_TYPE), URIRef(_OWL + "SymmetricProperty")):
        if isinstance(subject, URIRef):
            schema.symmetric.add(str(subject))
    return schema


@dataclass(frozen=True)
class Terms:
    """How to read and make the terms of one RDF library (rdflib or pyoxigraph)."""

    iri: Callable[[Any], str | None]  # the IRI of a named node, else None
    is_literal: Callable[[Any], bool]
    make_iri: Callable[[str], Any]


def entailed(triples: Iterable[tuple[Any, Any, Any]], schema: Schema,
             terms: Terms) -> Iterator[tuple[Any, Any, Any]]:
    """The triples entailed by each of `triples` (some may already be asserted)."""
    make = _cached(terms.make_iri)
    type_iri = make(RDF_TYPE)
    for triple in triples:
        seen = {triple}
        work = [triple]
        while work:
            subject, predicate, obj = work.pop()
            found: list[tuple[Any, Any, Any]] = []
            predicate_iri = terms.iri(predicate)
            if predicate_iri is None:
                continue
            if predicate_iri == RDF_TYPE:
                klass = terms.iri(obj)
                if klass is not None:
                    found += [(subject, type_iri, make(c))
                              for c in schema.superclasses.get(klass, ())]
            else:
                found += [(subject, make(p), obj)
                          for p in schema.superproperties.get(predicate_iri, ())]
                found += [(subject, type_iri, make(c))
                          for c in schema.domains.get(predicate_iri, ())]
                if not terms.is_literal(obj):
                    found += [(obj, make(p), subject)
                              for p in schema.inverses.get(predicate_iri, ())]
                    if predicate_iri in schema.symmetric:
                        found.append((obj, predicate, subject))
                    found += [(obj, type_iri, make(c))
                              for c in schema.ranges.get(predicate_iri, ())]
            for new in found:
                if new not in seen:
                    seen.add(new)
                    work.append(new)
                    yield new


def _cached(make: Callable[[str], Any]) -> Callable[[str], Any]:
    made: dict[str, Any] = {}

    def get(iri: str) -> Any:
        term = made.get(iri)
        if term is None:
            term = made[iri] = make(iri)
        return term

    return get


def rdflib_terms() -> Terms:
    from rdflib import Literal, URIRef

    return Terms(
        iri=lambda t: str(t) if isinstance(t, URIRef) else None,
        is_literal=lambda t: isinstance(t, Literal),
        make_iri=URIRef,
    )


def oxigraph_terms() -> Terms:
    from pyoxigraph import Literal, NamedNode

    return Terms(
        iri=lambda t: t.value if isinstance(t, NamedNode) else None,
        is_literal=lambda t: isinstance(t, Literal),
        make_iri=NamedNode,
    )


def base_schema() -> Schema:
    """The schema of the cached closure of the vocabulary and the programme's data."""
    from segur_kg.inference import inferred_dataset

    return schema_of(inferred_dataset())


def closure_with(base_closure: Graph, extra: Graph) -> Graph:
    """base closure ∪ extra ∪ what extra entails: the closure used at scale (rdflib)."""
    from segur_kg.rdf_io import bind_prefixes, new_graph

    closed = new_graph()
    for triple in base_closure:
        closed.add(triple)
    for triple in extra:
        closed.add(triple)
    for triple in entailed(extra, schema_of(base_closure), rdflib_terms()):
        closed.add(triple)
    bind_prefixes(closed)
    return closed
