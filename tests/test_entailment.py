"""Inference at scale gives what the full OWL 2 RL closure gives.

The proof treats the programme's data as if it were bulk data: the vocabulary alone is closed
with owlrl, the data only goes through the entailment rules of segur_kg.reasoning.entailment, and the
result is compared with owlrl's closure of vocabulary + data, triple by triple and on every
competency question."""

from __future__ import annotations

import re

import pytest
from rdflib import OWL

from segur_kg.querying import sparql
from segur_kg.querying.catalog import list_queries
from segur_kg.rdf.namespaces import new_graph
from segur_kg.rdf.reading import load_dataset, load_ontology
from segur_kg.reasoning.entailment import closure_with, entailed_lines, schema_of
from segur_kg.reasoning.inference import closure, inferred_dataset

QUERIES = list_queries()
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def closures():
    full = inferred_dataset()
    vocabulary = load_ontology()
    bulk = new_graph()
    for triple in load_dataset():
        if triple not in vocabulary:
            bulk.add(triple)
    assert len(bulk) > 1000
    return full, closure_with(closure(vocabulary), bulk)


def _owlrl_only(triple) -> bool:
    """What owlrl adds that no query of this graph can use: the disjointness of the XSD
    datatypes that occur in the data."""
    subject, predicate, _ = triple
    return predicate == OWL.disjointWith and str(subject).startswith(XSD)


def test_no_resource_is_said_to_be_the_same_as_itself(closures):
    full, _ = closures
    assert not [t for t in full.triples((None, OWL.sameAs, None)) if t[0] == t[2]]


def test_the_scaled_closure_misses_nothing_a_query_can_use(closures):
    full, scaled = closures
    assert set(scaled) <= set(full)
    missing = set(full) - set(scaled)
    assert missing and all(_owlrl_only(triple) for triple in missing)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_every_question_has_the_same_answer_on_both_closures(closures, query):
    full, scaled = closures
    prepared = sparql.prepare(query.text, query.source)
    bindings = sparql.bind_params(query, query.examples[0] if query.examples else {})
    answers = [sparql.run(graph, prepared, bindings, timeout=120) for graph in (full, scaled)]
    rows = [answer.rows for answer in answers]
    if not re.search(r"\bORDER\s+BY\b", query.text, re.IGNORECASE):
        rows = [sorted(r, key=repr) for r in rows]
    assert rows[0] == rows[1]
    assert answers[0].boolean == answers[1].boolean


def test_rules_follow_subclasses_subproperties_inverses_domains_and_ranges():
    schema = schema_of(inferred_dataset())
    # Pick real axioms of the vocabulary, so the test follows it as it grows.
    sub, sup = next((s, sorted(v)[0]) for s, v in sorted(schema.superclasses.items())
                    if s.startswith("https://w3id.org/segur/def/"))
    prop, inverse = next((p, sorted(v)[0]) for p, v in sorted(schema.inverses.items()))
    x, y = "<https://example.org/x>", "<https://example.org/y>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    typed = set(entailed_lines([f"{x} {rdf_type} <{sub}> .", "# a comment", ""], schema))
    assert f"{x} {rdf_type} <{sup}> .\n" in typed
    linked = list(entailed_lines([f"{x} <{prop}> {y} ."], schema))
    assert f"{y} <{inverse}> {x} .\n" in linked
    assert len(linked) == len(set(linked))  # each type is given once
    for klass in schema.domains.get(prop, ()):
        assert f"{x} {rdf_type} <{klass}> .\n" in linked
    for klass in schema.ranges.get(prop, ()):
        assert f"{y} {rdf_type} <{klass}> .\n" in linked
    literal = list(entailed_lines([f'{x} <{prop}> "a literal with spaces"@fr .'], schema))
    assert not any(line.startswith('"') for line in literal)  # never a literal subject


def test_on_a_synthetic_extension_the_scaled_closure_is_the_full_closure(tmp_path):
    from segur_kg.rdf.reading import parse_file
    from segur_kg.sources.synth import generate

    generate(3000, 11, tmp_path / "extension.nt")
    extension = parse_file(tmp_path / "extension.nt")
    together = new_graph()
    for graph in (load_dataset(), extension):
        for triple in graph:
            together.add(triple)
    full = closure(together)  # owlrl on base + extension: what inference at scale avoids
    scaled = closure_with(inferred_dataset(), extension)
    assert len(scaled) > len(together)
    assert set(scaled) == set(full)


def test_the_closure_reads_the_asserted_file_by_n_triples_lines(tmp_path):
    """The asserted triples are read from a file as a stream; a literal may hold characters
    (U+2028, U+0085) that Python would also end a line at, but N-Triples does not."""
    from pyoxigraph import RdfFormat, parse

    from segur_kg.stores.loading import closure_ntriples

    schema = schema_of(inferred_dataset())
    prop, sup = next((p, sorted(v)[0]) for p, v in sorted(schema.superproperties.items()))
    asserted = tmp_path / "asserted.nt"
    value = '"one\u2028two\x85three"'
    asserted.write_text(f"<https://example.org/x> <{prop}> {value} .\n", encoding="utf-8")
    pieces = b"".join(closure_ntriples(asserted))
    triples = {str(t) for t in parse(pieces, format=RdfFormat.N_TRIPLES)}
    assert f"<https://example.org/x> <{sup}> {value}" in triples


def test_a_bounded_memory_of_types_gives_the_same_entailments(monkeypatch, tmp_path):
    """Past TYPES_REMEMBERED types the memory of them starts again: a type may be written
    twice, never left out."""
    from segur_kg.reasoning import entailment
    from segur_kg.sources.synth import generate

    schema = schema_of(inferred_dataset())
    generate(2000, 5, tmp_path / "extension.nt")
    lines = (tmp_path / "extension.nt").read_text(encoding="utf-8").split("\n")
    remembered = list(entailed_lines(lines, schema))
    monkeypatch.setattr(entailment, "TYPES_REMEMBERED", 10)
    forgetful = list(entailed_lines(lines, schema))
    asserted = {f"{line}\n" for line in lines if line}
    assert set(forgetful) | asserted == set(remembered) | asserted
    assert len(forgetful) > len(remembered)  # the memory did start again
