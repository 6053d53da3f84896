"""The SPARQL 1.1 Protocol at /sparql, the Graph Store and VoID, queried by real clients
(httpx, SPARQLWrapper, roqet) against a real server on a loopback port."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, cli_env
from rdflib import Graph

ACTORS = "SELECT ?actor WHERE { ?actor a segur:Actor } ORDER BY ?actor"
ANS = "https://w3id.org/segur/id/actor/ans"


@dataclass
class Running:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> str:
        """Stop the server; its log (stderr)."""
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.log.read_text(encoding="utf-8")


def start_server(folder: Path, *args: str) -> Running:
    """`segur-kg serve` on a free loopback port; returns once it has printed its address."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "segur_kg", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True, cwd=REPO_ROOT,
        env=cli_env(SEGUR_KG_CACHE_DIR=str(folder.parent / "cache"), SEGUR_KG_HOME=None),
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the server is ready (or has died)
    if "serving" not in line:
        process.kill()
        raise AssertionError(f"the server did not start: {line}{log.read_text()}")
    url = line.split(" at ", 1)[1].split()[0]
    return Running(url, process, log)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Running]:
    running = start_server(tmp_path_factory.getbasetemp() / "server-protocol")
    yield running
    running.stop()


def test_select_by_get_post_form_and_direct_post_gives_the_same_answer(server):
    endpoint = server.url + "sparql"
    answers = [
        httpx.get(endpoint, params={"query": ACTORS}),
        httpx.post(endpoint, data={"query": ACTORS}),
        httpx.post(endpoint, content=ACTORS.encode(),
                   headers={"Content-Type": "application/sparql-query"}),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/sparql-results+json"
    documents = [response.json() for response in answers]
    assert documents[0] == documents[1] == documents[2]
    actors = [b["actor"]["value"] for b in documents[0]["results"]["bindings"]]
    assert ANS in actors and len(actors) > 10


@pytest.mark.parametrize(("accept", "fmt", "media", "marker"), [
    ("application/sparql-results+xml", None, "application/sparql-results+xml",
     f"<uri>{ANS}</uri>"),
    ("text/csv", None, "text/csv", "actor\r\n"),
    ("text/tab-separated-values", None, "text/tab-separated-values", "?actor\n"),
    (None, "csv", "text/csv", ANS),
    (None, "xml", "application/sparql-results+xml", "<sparql"),
    ("text/csv;q=0.5, application/sparql-results+json", None,
     "application/sparql-results+json", '"vars"'),
])
def test_select_results_follow_accept_or_the_format_parameter(server, accept, fmt, media,
                                                               marker):
    params = {"query": ACTORS} | ({"format": fmt} if fmt else {})
    headers = {"Accept": accept} if accept else {}
    response = httpx.get(server.url + "sparql", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    assert marker in response.text


def test_tsv_writes_terms_in_sparql_syntax(server):
    query = f'SELECT ?label WHERE {{ <{ANS}> rdfs:label ?label FILTER(LANG(?label) = "en") }}'
    response = httpx.get(server.url + "sparql", params={"query": query, "format": "tsv"})
    assert response.text.splitlines() == ["?label", '"French Digital Health Agency"@en']


def test_ask_answers_json_and_xml_and_refuses_csv(server):
    query = f"ASK {{ <{ANS}> a segur:Actor }}"
    as_json = httpx.get(server.url + "sparql", params={"query": query})
    assert as_json.json() == {"head": {}, "boolean": True}
    as_xml = httpx.get(server.url + "sparql", params={"query": query},
                       headers={"Accept": "application/sparql-results+xml"})
    assert "<boolean>true</boolean>" in as_xml.text
    as_csv = httpx.get(server.url + "sparql", params={"query": query},
                       headers={"Accept": "text/csv"})
    assert as_csv.status_code == 406


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_comes_in_each_rdf_format(server, accept, rdflib_format):
    query = f"CONSTRUCT {{ <{ANS}> ?p ?o }} WHERE {{ <{ANS}> ?p ?o }}"
    response = httpx.post(server.url + "sparql", data={"query": query},
                          headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = Graph().parse(data=response.text, format=rdflib_format)
    labels = {str(o) for o in graph.objects(predicate=None) if "Agence du num" in str(o)}
    assert labels == {"Agence du numérique en santé"}


def test_describe_returns_the_resource(server):
    response = httpx.get(server.url + "sparql", params={"query": f"DESCRIBE <{ANS}>"},
                         headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert len(Graph().parse(data=response.text, format="turtle")) > 5


def test_plain_get_gives_the_service_description(server):
    response = httpx.get(server.url + "sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = f"{server.url}sparql"
    assert (None, None, None) in graph
    assert any(str(o) == sd + "Service" for o in graph.objects())
    assert any(str(s) == service for s in graph.subjects())
    browser = httpx.get(server.url + "sparql", headers={"Accept": "text/html"})
    assert browser.status_code == 303 and browser.headers["location"] == server.url + "query"


def test_malformed_query_gets_a_readable_400(server):
    response = httpx.get(server.url + "sparql", params={"query": "SELECT ?x WHERE { ?x ?y"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "invalid SPARQL" in response.text and "Traceback" not in response.text
    # One line saying where and what, then the query's line with a caret under the position.
    message, shown, caret = response.text.rstrip("\n").split("\n")
    assert message.startswith("query:1:19: invalid SPARQL: ")
    assert shown.strip() == "SELECT ?x WHERE { ?x ?y" and caret.index("^") == 4 + 18


def test_cors_allows_any_origin_without_credentials(server):
    response = httpx.get(server.url + "sparql", params={"query": ACTORS},
                         headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = httpx.options(server.url + "sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_graph_store_returns_the_whole_default_graph(server):
    count = httpx.get(server.url + "sparql",
                      params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    triples = int(count.json()["results"]["bindings"][0]["n"]["value"])
    response = httpx.get(server.url + "rdf-graph-store?default",
                         headers={"Accept": "application/n-triples"}, timeout=60)
    assert response.status_code == 200
    assert len(Graph().parse(data=response.text, format="nt")) == triples
    assert httpx.get(server.url + "rdf-graph-store").status_code == 400
    assert httpx.put(server.url + "rdf-graph-store?default", content=b"").status_code == 405


def test_void_names_the_endpoint_and_counts_the_served_triples(server):
    response = httpx.get(server.url + ".well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    void = "http://rdfs.org/ns/void#"
    endpoints = {str(o) for s, p, o in graph if str(p) == void + "sparqlEndpoint"}
    assert endpoints == {server.url + "sparql"}
    triples = httpx.get(server.url + "sparql",
                        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    served = int(triples["results"]["bindings"][0]["n"]["value"])
    dataset = "https://w3id.org/segur/id/dataset/segur-kg"
    assert {int(o) for s, p, o in graph
            if str(s) == dataset and str(p) == void + "triples"} == {served}


def test_sparqlwrapper_reads_select_ask_and_construct(server):
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server.url + "sparql")
    client.setQuery("PREFIX segur: <https://w3id.org/segur/def/> " + ACTORS)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]
    assert ANS in [b["actor"]["value"] for b in bindings]
    client.setQuery(f"ASK {{ <{ANS}> ?p ?o }}")
    assert client.queryAndConvert()["boolean"] is True
    client.setMethod("POST")
    client.setQuery(f"CONSTRUCT {{ <{ANS}> ?p ?o }} WHERE {{ <{ANS}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    turtle = client.queryAndConvert()
    assert len(Graph().parse(data=turtle, format="turtle")) > 5


def test_roqet_queries_the_endpoint(server):
    result = subprocess.run(
        ["roqet", "-p", server.url + "sparql", "-e",
         "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "
         "\"Agence du numérique en santé\"@fr }", "-r", "csv"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ANS in result.stdout


def test_named_query_examples_on_the_query_page_give_the_command_s_answers(server):
    from segur_kg.querying import catalog, sparql
    from segur_kg.reasoning.inference import inferred_dataset
    from segur_kg.server.pages import example_text

    graph = inferred_dataset()
    # The questions without parameters are shown as they are; these get a VALUES block.
    for named in [query for query in catalog.list_queries() if query.params]:
        given = named.examples[0] if named.examples else {}
        expected = sparql.run(graph, sparql.prepare(named.text, named.name),
                              sparql.bind_params(named, given))
        response = httpx.post(server.url + "sparql", data={"query": example_text(named)})
        assert response.status_code == 200, (named.name, response.text)
        rows = response.json()["results"]["bindings"]
        assert len(rows) == len(expected.rows), named.name
        assert json.dumps(rows)  # well-formed
    page = httpx.get(server.url + "query?example=actor-involvement")
    assert "VALUES ?actor { &lt;https://w3id.org/segur/id/actor/ans&gt; }" in page.text
    # A question ordered by labels binds the language of the page.
    english = httpx.get(server.url + "query?example=who-oversees-what&lang=en").text
    french = httpx.get(server.url + "query?example=who-oversees-what&lang=fr").text
    assert "VALUES ?lang { &#34;en&#34; }" in english or 'VALUES ?lang { "en" }' in english
    assert "en&#34; }" not in french and '"en" }' not in french
