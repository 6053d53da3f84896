"""Dereferenceable IRIs (303 to a document chosen by content negotiation), the base IRI, and the
HTML pages in French and English, opened in headless Chromium."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, URIRef
from test_server_protocol import Running, start_server

ANS = "https://w3id.org/segur/id/actor/ans"
PSC = "https://w3id.org/segur/id/service/pro-sante-connect"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Running]:
    running = start_server(tmp_path_factory.getbasetemp() / "server-pages")
    yield running
    running.stop()


@pytest.mark.parametrize(("accept", "extension", "rdflib_format"), [
    ("text/turtle", "ttl", "turtle"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("application/n-triples", "nt", "nt"),
    ("application/rdf+xml", "rdf", "xml"),
])
def test_an_iri_redirects_machines_to_the_data_document(server, accept, extension,
                                                        rdflib_format):
    response = httpx.get(server.url + "id/actor/ans", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == f"{server.url}id/actor/ans.{extension}"
    assert "Accept" in response.headers["vary"]
    document = httpx.get(response.headers["location"])
    assert document.headers["content-type"].split(";")[0] == accept
    graph = Graph().parse(data=document.text, format=rdflib_format)
    assert (URIRef(ANS), None, URIRef(PSC)) in graph
    assert (None, None, URIRef(ANS)) in graph  # incoming relations too


def test_browsers_get_the_html_page_and_vocabulary_terms_dereference(server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = httpx.get(server.url + "id/actor/ans", headers={"Accept": browser},
                         follow_redirects=True)
    assert response.status_code == 200
    assert str(response.url) == server.url + "id/actor/ans.html"
    assert "Pro Santé Connect" in response.text
    term = httpx.get(server.url + "def/Actor", headers={"Accept": browser},
                     follow_redirects=True)
    assert term.status_code == 200 and "Agence du numérique en santé" in term.text
    ontology = httpx.get(server.url + "def", headers={"Accept": "text/turtle"},
                         follow_redirects=True)
    assert "owl:Ontology" in ontology.text


def test_unknown_iris_are_404_and_unsupported_types_406(server):
    assert httpx.get(server.url + "id/actor/nobody").status_code == 404
    assert httpx.get(server.url + "id/actor/nobody.ttl").status_code == 404
    assert httpx.get(server.url + "def/NoSuchTerm").status_code == 404
    refused = httpx.get(server.url + "id/actor/ans", headers={"Accept": "application/pdf"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.text


def test_pages_follow_accept_language_and_the_switch(server):
    french = httpx.get(server.url + "id/actor/ans.html", headers={"Accept-Language": "fr"})
    english = httpx.get(server.url + "id/actor/ans.html",
                        headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert "<h1>Agence du numérique en santé</h1>" in french.text
    assert "Relations sortantes" in french.text
    assert "<h1>French Digital Health Agency</h1>" in english.text
    assert "Outgoing relations" in english.text
    switched = httpx.get(server.url + "id/actor/ans.html?lang=en",
                         headers={"Accept-Language": "fr"})
    assert "<h1>French Digital Health Agency</h1>" in switched.text
    assert switched.cookies.get("lang") == "en"
    assert 'href="/id/actor/ans.html?lang=en"' in french.text


def test_home_page_lists_class_indexes_and_the_query_page_works_offline(server):
    home = httpx.get(server.url, headers={"Accept-Language": "en"})
    assert home.status_code == 200
    assert f'href="{server.url}def/Actor"' in home.text
    page = httpx.get(server.url + "query")
    assert '<form method="get" action="' in page.text and "<script" not in page.text
    assert "who-oversees-what" in page.text
    results = httpx.get(server.url + "sparql", params={
        "query": "SELECT ?a WHERE { ?a a segur:Actor }", "format": "html"})
    assert results.headers["content-type"].startswith("text/html")
    assert f'href="{server.url}id/actor/ans"' in results.text


def test_the_base_iri_is_where_links_and_redirects_point(tmp_path_factory):
    running = start_server(tmp_path_factory.getbasetemp() / "server-w3id",
                           "--base-iri", "https://w3id.org/segur/", "--no-infer",
                           "--workers", "1")
    try:
        assert running.url.startswith("http://127.0.0.1:")
        redirect = httpx.get(running.url + "id/actor/ans", headers={"Accept": "text/turtle"})
        assert redirect.headers["location"] == "https://w3id.org/segur/id/actor/ans.ttl"
        page = httpx.get(running.url + "id/actor/ans.html")
        assert f'href="{PSC}"' in page.text
        description = httpx.get(running.url + "sparql", headers={"Accept": "text/turtle"})
        assert "<https://w3id.org/segur/sparql>" in description.text
    finally:
        running.stop()


def test_chromium_shows_the_resource_page_of_the_ans(server, tmp_path):
    result = subprocess.run(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         server.url + "id/actor/ans"],
        capture_output=True, text=True, timeout=90,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    # Chromium asks for its own locale's language: either is right.
    assert ("<h1>Agence du numérique en santé</h1>" in dom
            or "<h1>French Digital Health Agency</h1>" in dom)
    assert "Pro Santé Connect" in dom
    assert f'href="{PSC.replace("https://w3id.org/segur/", server.url)}"' in dom
