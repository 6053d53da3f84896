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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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


TYPES_REMEMBERED = 1_000_000  # (resource, class) pairs kept to write each type once


def entailed_lines(lines: Iterable[str], schema: Schema) -> Iterator[str]:
    """N-Triples lines of what the N-Triples `lines` entail (some may be asserted already).

    Works on the text of the terms: no RDF library objects are made, which keeps a million
    triples to seconds. A type is given to a resource once, however many of its triples
    entail it, among the last TYPES_REMEMBERED types given: past that many, the memory of them
    starts again (a type may then be written twice, which a store keeps once), so that memory
    does not grow with the data."""
    rules = _Rules(schema)
    typed: set[tuple[str, str]] = set()
    for line in lines:
        triple = _split(line)
        if triple is None:
            continue
        if len(typed) > TYPES_REMEMBERED:
            typed.clear()
        seen = {triple}
        work = [triple]
        while work:
            subject, predicate, obj = work.pop()
            if predicate == rules.type:
                if (subject, obj) in typed:
                    continue
                typed.add((subject, obj))
                found = [(subject, rules.type, c) for c in rules.superclasses.get(obj, ())]
            else:
                found = [(subject, p, obj) for p in rules.superproperties.get(predicate, ())]
                found += [(subject, rules.type, c) for c in rules.domains.get(predicate, ())]
                if not obj.startswith('"'):  # a resource, not a literal
                    found += [(obj, p, subject) for p in rules.inverses.get(predicate, ())]
                    if predicate in rules.symmetric:
                        found.append((obj, predicate, subject))
                    found += [(obj, rules.type, c) for c in rules.ranges.get(predicate, ())]
            for new in found:
                if new not in seen and not (new[1] == rules.type and (new[0], new[2]) in typed):
                    seen.add(new)
                    work.append(new)
                    yield f"{new[0]} {new[1]} {new[2]} .\n"


class _Rules:
    """The schema with every IRI written as in N-Triples (<...>), in a fixed order."""

    def __init__(self, schema: Schema) -> None:
        def table(pairs: dict[str, set[str]]) -> dict[str, list[str]]:
            return {f"<{key}>": [f"<{value}>" for value in sorted(values)]
                    for key, values in pairs.items()}

        self.type = f"<{RDF_TYPE}>"
        self.superclasses = table(schema.superclasses)
        self.superproperties = table(schema.superproperties)
        self.inverses = table(schema.inverses)
        self.domains = table(schema.domains)
        self.ranges = table(schema.ranges)
        self.symmetric = {f"<{iri}>" for iri in schema.symmetric}


def _split(line: str) -> tuple[str, str, str] | None:
    """Subject, predicate and object of one N-Triples line (IRIs and blank node labels hold
    no spaces; the object, last, may)."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    subject, predicate, rest = line.split(" ", 2)
    return subject, predicate, rest[:-1].rstrip()  # without the final " ."


def base_schema() -> Schema:
    """The schema of the cached closure of the vocabulary and the programme's data."""
    from segur_kg.reasoning.inference import inferred_dataset

    return schema_of(inferred_dataset())


def closure_with(base_closure: Graph, extra: Graph) -> Graph:
    """base closure ∪ extra ∪ what extra entails: the closure used at scale (rdflib)."""
    from segur_kg.rdf.namespaces import bind_prefixes, new_graph

    closed = new_graph()
    for triple in base_closure:
        closed.add(triple)
    for triple in extra:
        closed.add(triple)
    text = extra.serialize(format="nt", encoding="utf-8").decode("utf-8")
    closed.parse(data="".join(entailed_lines(text.split("\n"), schema_of(base_closure))),
                 format="nt")
    bind_prefixes(closed)
    return closed
