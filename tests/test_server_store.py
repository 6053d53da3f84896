"""`segur-kg serve --store oxigraph:PATH` holds no copy of the graph: its pages come from the
store through the workers, its home page, VoID and service description from the counts kept in
the store, its Graph Store GET from an export streamed into a file. What it answers must be
what the memory server answers on the same data."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import REPO_ROOT, cli_env
from test_server_protocol import Running

from segur_kg.cli import main
from segur_kg.server.workers import PAGE_STATEMENTS
from segur_kg.stores import open_store
from segur_kg.stores.memory import MemoryStore

PLACE = "http://server.test/"  # each server's own address, in the answers compared
DEF = "https://w3id.org/segur/def/"


def _start(folder: Path, *args: str) -> tuple[Running, str]:
    """`segur-kg serve` on a free loopback port, and the line it printed once ready."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "segur_kg", "serve", "--host", "127.0.0.1", "--port", "0",
             *args],
            stdout=subprocess.PIPE, stderr=errors, text=True, cwd=REPO_ROOT,
            env=cli_env(SEGUR_KG_HOME=None))  # the cache of the tests (conftest)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 90)
    line = process.stdout.readline() if ready else ""
    if "serving" not in line:
        process.kill()
        process.wait()
        raise AssertionError(f"the server did not start: {line}{log.read_text()}")
    return Running(line.split(" at ", 1)[1].split()[0], process, log), line


def _stop(running: Running) -> None:
    running.stop()
    if running.process.stdout is not None:
        running.process.stdout.close()


def _placed(text: str, url: str) -> str:
    """An answer with the server's own address replaced, so that two servers compare."""
    return text.replace(url, PLACE).replace(quote(url, safe=""), quote(PLACE, safe=""))


def _canonical_ntriples(data: bytes) -> list[str]:
    from pyoxigraph import CanonicalizationAlgorithm, Dataset, RdfFormat, parse

    dataset = Dataset(parse(data, format=RdfFormat.N_TRIPLES))
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(quad) for quad in dataset)


@pytest.fixture(scope="module")
def store_spec(tmp_path_factory: pytest.TempPathFactory) -> str:
    spec = f"oxigraph:{tmp_path_factory.mktemp('server-store') / 'store'}"
    assert main(["load", "--store", spec, "--infer"]) == 0
    return spec


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory,
            store_spec: str) -> Iterator[dict[str, tuple[Running, str]]]:
    """The same data served from the Oxigraph store and from memory (both with the closure)."""
    base = tmp_path_factory.getbasetemp()
    started: dict[str, tuple[Running, str]] = {}
    try:
        started["store"] = _start(base / "served-store", "--store", store_spec)
        started["memory"] = _start(base / "served-memory")
        yield started
    finally:
        for running, _ in started.values():
            _stop(running)


def _get(servers: dict[str, tuple[Running, str]], path: str,
         headers: dict[str, str]) -> dict[str, tuple[int, str, str]]:
    answers = {}
    for name, (running, _) in servers.items():
        response = httpx.get(running.url + path, headers=headers, timeout=60)
        answers[name] = (response.status_code, response.headers.get("content-type", ""),
                         _placed(response.text, running.url))
    return answers


HTML = "text/html"
TURTLE = "text/turtle"


@pytest.mark.parametrize(("path", "accept", "lang"), [
    ("", HTML, "fr"),
    ("", HTML, "en"),
    ("id/actor/ans.html", HTML, "fr"),
    ("id/actor/ans.html", HTML, "en"),
    ("id/actor/ans.ttl", TURTLE, "fr"),
    ("id/actor/ans.nt", "application/n-triples", "fr"),
    ("def/Actor.html", HTML, "fr"),
    ("def/Actor.ttl", TURTLE, "fr"),
    ("resource?iri=https%3A%2F%2Fschema.org%2FMonetaryAmount", HTML, "fr"),
    ("resource?iri=https%3A%2F%2Fschema.org%2FMonetaryAmount", HTML, "en"),
    ("id/dataset/segur-kg.html", HTML, "fr"),
    ("id/dataset/segur-kg.ttl", TURTLE, "fr"),
    (".well-known/void", TURTLE, "fr"),
    ("sparql", TURTLE, "fr"),  # the service description, with the triple count
])
def test_the_store_server_answers_as_the_memory_server(servers, path: str, accept: str,
                                                       lang: str):
    answers = _get(servers, path, {"Accept": accept, "Accept-Language": lang})
    status, media, body = answers["memory"]
    assert status == 200 and media.startswith(accept) and len(body) > 500
    assert answers["store"] == answers["memory"]


def test_iris_redirect_and_unknown_iris_are_404_on_both(servers):
    for accept, extension in [(TURTLE, "ttl"), (HTML, "html")]:
        for running, _ in servers.values():
            response = httpx.get(running.url + "id/actor/ans", headers={"Accept": accept},
                                 timeout=60)
            assert response.status_code == 303
            assert response.headers["location"] == f"{running.url}id/actor/ans.{extension}"
    for accept in ("text/plain", HTML):
        answers = _get(servers, "id/nope", {"Accept": accept, "Accept-Language": "en"})
        assert answers["memory"][0] == 404
        assert answers["store"] == answers["memory"]


def test_the_graph_store_streams_the_stores_graph(servers, store_spec: str):
    from segur_kg.publishing.counts import DATASET_IRI

    running, _ = servers["store"]
    url = running.url + "rdf-graph-store?default"
    response = httpx.get(url, headers={"Accept": "application/n-triples"}, timeout=120)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")
    dumped = BytesIO()
    with open_store(store_spec) as store:  # the graph the server serves: the closure
        store.dump_ntriples(dumped, infer=True)
    served = _canonical_ntriples(response.content)
    assert len(served) > 9000
    assert served == _canonical_ntriples(dumped.getvalue())
    assert DATASET_IRI not in response.text  # the graph alone, without its description
    again = httpx.get(url, headers={"Accept": "application/n-triples"}, timeout=120)
    assert again.content == response.content
    memory, _ = servers["memory"]
    from_memory = httpx.get(memory.url + "rdf-graph-store?default",
                            headers={"Accept": "application/n-triples"}, timeout=120)
    assert _canonical_ntriples(from_memory.content) == served


def test_the_start_line_counts_the_served_triples(servers):
    triples = len(MemoryStore().graph(infer=True))
    lines = {name: _placed(line, running.url) for name, (running, line) in servers.items()}
    assert lines["store"] == lines["memory"]
    assert lines["store"].startswith(f"segur-kg: serving {triples} triples at {PLACE} ")


def test_a_class_with_many_instances_shows_a_bounded_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server-synth")
    synth = folder / "synth.nt"
    assert main(["synth", "--scale", "20k", "-o", str(synth)]) == 0
    klass = f"<{DEF}HealthProfessional>"
    instances = synth.read_text(encoding="utf-8").count(
        f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> {klass} .\n")
    assert instances > PAGE_STATEMENTS  # more than a page may show
    spec = f"oxigraph:{folder / 'store'}"
    assert main(["load", "--store", spec, str(synth)]) == 0
    running, _ = _start(folder / "served", "--store", spec, "--no-infer", "--workers", "1")
    try:
        started = time.monotonic()
        page = httpx.get(running.url + "def/HealthProfessional.html",
                         headers={"Accept-Language": "en"}, timeout=60)
        assert page.status_code == 200
        assert time.monotonic() - started < 15
        # The heading says the list is cut, and how many members the class has in all.
        members = re.search(r"<h2>Members of the class \((\d+) shown of (\d+)\)</h2>",
                            page.text)
        assert members is not None, page.text[:2000]
        assert 0 < int(members.group(1)) <= PAGE_STATEMENTS
        assert int(members.group(2)) == instances
        document = httpx.get(running.url + "def/HealthProfessional.nt", timeout=60)
        assert document.status_code == 200
        incoming = [line for line in document.text.splitlines()
                    if line.endswith(f" {klass} .")]
        assert 0 < len(incoming) <= PAGE_STATEMENTS
    finally:
        _stop(running)
