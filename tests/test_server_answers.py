"""Every named competency question gives the same rows through the server (pyoxigraph) as
through `segur-kg query --infer` (rdflib), with the parameters of its `# example:` line."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from rdflib import BNode, Literal, URIRef
from test_server_protocol import Running, start_server

from segur_kg.querying import sparql
from segur_kg.querying.catalog import list_queries
from segur_kg.server.pages import example_text

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
QUERIES = list_queries()
Row = tuple[tuple[str, str, str, str] | None, ...]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Running]:
    running = start_server(tmp_path_factory.getbasetemp() / "server-answers")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def graph():
    # The graph `segur-kg query --infer` runs on.
    from segur_kg.reasoning.inference import inferred_dataset

    return inferred_dataset()


def _from_rdflib(term: object) -> tuple[str, str, str, str] | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("uri", str(term), "", "")
    if isinstance(term, BNode):
        return ("bnode", "", "", "")  # blank node labels are local to each answer
    assert isinstance(term, Literal)
    datatype = str(term.datatype or "")
    return ("literal", str(term), term.language or "",
            "" if term.language or datatype == XSD_STRING else datatype)


def _from_json(term: dict | None) -> tuple[str, str, str, str] | None:
    if term is None:
        return None
    if term["type"] == "bnode":
        return ("bnode", "", "", "")
    datatype = term.get("datatype", "")
    return (term["type"], term["value"], term.get("xml:lang", ""),
            "" if datatype == XSD_STRING else datatype)


def test_every_named_question_is_covered():
    assert len(QUERIES) >= 25
    assert all(q.examples for q in QUERIES if any(not p.optional and p.default is None
                                                  for p in q.params))


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_named_question_gives_the_same_rows_as_the_command_line(server, graph, query):
    given = query.examples[0] if query.examples else {}
    expected = sparql.run(graph, sparql.prepare(query.text, query.source),
                          sparql.bind_params(query, given), timeout=60)
    response = httpx.post(server.url + "sparql", data={"query": example_text(query)},
                          timeout=60)
    assert response.status_code == 200, response.text
    document = response.json()
    if expected.kind == "ASK":
        assert document["boolean"] == expected.boolean
        return
    assert expected.kind == "SELECT"
    assert document["head"]["vars"] == expected.variables
    theirs: list[Row] = [tuple(_from_rdflib(term) for term in row) for row in expected.rows]
    ours: list[Row] = [tuple(_from_json(binding.get(name)) for name in expected.variables)
                       for binding in document["results"]["bindings"]]
    assert len(ours) == len(theirs) > 0 or not given
    if re.search(r"\bORDER\s+BY\b", query.text, re.IGNORECASE):
        assert ours == theirs
    else:
        assert sorted(ours, key=repr) == sorted(theirs, key=repr)
