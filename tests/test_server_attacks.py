"""Attacks on the server found by a security review, each shown not to work: script in links
(IRIs from a query answer or from the data), missing security headers, slow clients that hold
connections (slowloris), and clients that go away mid-request (no traceback in the log).

Every server here is started by the test on 127.0.0.1; slow connections come from other
loopback addresses (127.0.0.2…), since the server caps them per address."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import REPO_ROOT, SOURCE_DIRS, cli_env
from markupsafe import escape
from rdflib import RDF, Graph, Literal, URIRef
from test_server_protocol import Running

from segur_kg.publishing.counts import class_sizes, count_graph, total
from segur_kg.server import pages
from segur_kg.server.app import MAX_OPENING_PER_ADDRESS, REQUEST_TIMEOUT

TIMEOUT = 3.0
ANS = "https://w3id.org/segur/id/actor/ans"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT ?s WHERE { ?s a segur:Wave } ORDER BY ?s"

# IRIs a browser would run as script if they were links: the schemes, their case, leading
# spaces and control characters (stripped), tabs and newlines inside (removed), percent-encoding
# (decoded in a javascript: URL) and character references (decoded in an attribute).
UNSAFE_IRIS = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(document.domain)",
    "JAVASCRIPT:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,x",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\x00javascript:alert(1)",
    "\x01javascript:alert(1)",
    "\x1fjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    "javascript\t:alert(1)",
    "javascript:alert%28document.domain%29",
    "javascript:%61lert(1)",
    "javascript://%0Aalert(1)",
    "javascript&#58;alert(1)",
    "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)",
    "java&#x09;script:alert(1)",
]
# Those a query can produce (the engine accepts them as IRIs).
ENGINE_IRIS = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(document.domain)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "javascript:alert%28document.domain%29",
    "javascript://%0Aalert(1)",
]
# In the data of the test server: as objects, as a predicate, as a class, as a described thing.
DATA = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ANS}> <https://w3id.org/segur/def/testLink> <javascript:alert(1)>, <JaVaScRiPt:alert(2)>,
    <vbscript:msgbox(3)>, <data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==>,
    <javascript:alert(5)> .
<{ANS}> <javascript:alert(7)> "a predicate" .
<{ANS}> a <javascript:alert(6)> .
<javascript:alert(5)> rdfs:label "a described javascript IRI" .
"""


# -- helpers ----------------------------------------------------------------------------------

class _Addresses(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value or "" for name, value in attrs
                       if name in ("href", "src", "action", "formaction")]


def assert_safe_links(page: str) -> None:
    """Every address in the page, read as a browser reads it, is http(s) or on this site."""
    parser = _Addresses()
    parser.feed(page)
    for address in parser.found:
        seen = re.sub(r"[\t\n\r]", "", address).strip("".join(map(chr, range(33)))).lower()
        on_site = seen.startswith(("/", "?")) and not seen.startswith(("//", "/\\"))
        assert on_site or seen.startswith(("http://", "https://")), address


def start(folder: Path, *args: str, home: Path | None = None) -> Running:
    """`segur-kg serve` on a free loopback port, over the repository's data or `home`."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "segur_kg", "serve", "--host", "127.0.0.1", "--port", "0",
         "--no-infer", "--timeout", str(TIMEOUT), "--workers", "2", *args],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True, cwd=REPO_ROOT,
        env=cli_env(SEGUR_KG_CACHE_DIR=str(folder / "cache"),
                    SEGUR_KG_HOME=str(home) if home else None),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "serving" not in line:
        process.kill()
        raise AssertionError(f"the server did not start: {line}{log.read_text()}")
    return Running(line.split(" at ", 1)[1].split()[0], process, log)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Running]:
    folder = tmp_path_factory.getbasetemp() / "server-attacks"
    home = folder / "home"
    for name in SOURCE_DIRS:
        shutil.copytree(REPO_ROOT / name, home / name)
    (home / "data" / "zz-attacks.ttl").write_text(DATA, encoding="utf-8")
    running = start(folder, home=home)
    yield running
    log = running.stop()
    assert "Traceback" not in log


def port_of(server: Running) -> int:
    return int(server.url.rstrip("/").rsplit(":", 1)[1])


def results_page(server: Running, query: str) -> httpx.Response:
    return httpx.get(server.url + "sparql", params={"query": query, "format": "html"},
                     timeout=30)


# -- script in links --------------------------------------------------------------------------

def test_a_results_page_shows_a_bounded_part_of_a_huge_answer():
    site = pages.Site(Graph(), "http://127.0.0.1:8080/", "en")
    long_iri = "https://example.org/" + "x" * 16_000
    answer = {"head": {"vars": ["x"]},
              "results": {"bindings": [{"x": {"type": "uri", "value": long_iri}}] * 1000}}
    page = pages.results_page(site, "/sparql", "SELECT …", "SELECT",
                              json.dumps(answer).encode(), "")
    assert len(page) < 3 * pages.MAX_PAGE_CHARACTERS
    assert "Answer truncated at" in page
    turtle = pages.results_page(site, "/sparql", "CONSTRUCT …", "CONSTRUCT",
                                b"<urn:a> <urn:b> " + b'"' + b"y" * 5_000_000 + b'" .\n', "")
    assert len(turtle) < 2 * pages.MAX_PAGE_CHARACTERS


@pytest.mark.parametrize("iri", UNSAFE_IRIS)
def test_unsafe_iris_are_shown_as_text_on_every_page(iri):
    subject = URIRef("https://w3id.org/segur/id/actor/test")
    graph = Graph()
    graph.add((subject, RDF.type, URIRef(iri)))
    graph.add((subject, URIRef(iri), Literal("a predicate")))
    graph.add((subject, URIRef("https://w3id.org/segur/def/link"), URIRef(iri)))
    site = pages.Site(graph, "http://127.0.0.1:8080/", "en")
    counts = count_graph(graph)
    assert site.href(iri) == (None, True)
    answer = {"head": {"vars": ["x"]},
              "results": {"bindings": [{"x": {"type": "uri", "value": iri}}]}}
    rendered = [
        pages.results_page(site, "/sparql", "SELECT …", "SELECT", json.dumps(answer).encode(), ""),
        pages.resource_page(site, str(subject), "/id/actor/test.html", []),
        # The classes and size the server gives the home page, counted from the graph.
        pages.home_page(site, "/", class_sizes(counts), total(counts)),
    ]
    for page in rendered:
        assert str(escape(iri)) in page  # still shown
        assert_safe_links(page)


@pytest.mark.parametrize("iri", ["https://example.org/x", "HTTP://EXAMPLE.ORG/", "http://a.b"])
def test_http_iris_stay_links(iri):
    site = pages.Site(Graph(), "http://127.0.0.1:8080/", "en")
    assert site.href(iri) == (iri, True)


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x", "/\t/evil.example/x",
                                  "/%2F/evil.example"])
def test_the_language_switch_stays_on_the_site(path):
    site = pages.Site(Graph(), "http://127.0.0.1:8080/", "en")
    page = pages.not_found_page(site, path, "https://w3id.org/segur/id/x")
    assert_safe_links(page)
    assert 'hreflang="fr"' in page


@pytest.mark.parametrize("iri", ENGINE_IRIS)
def test_a_query_answer_never_links_to_script(server, iri):
    literal = iri.replace("\\", "\\\\").replace('"', '\\"')
    page = results_page(server, f'SELECT ?x WHERE {{ BIND(IRI("{literal}") AS ?x) }}')
    assert page.status_code == 200
    assert f'<span class="iri" title="{escape(iri)}">' in page.text  # the IRI was bound
    assert_safe_links(page.text)


def test_iris_from_the_data_never_link_to_script(server):
    ans = httpx.get(server.url + "id/actor/ans.html")
    home = httpx.get(server.url)
    described = httpx.get(server.url + "resource", params={"iri": "javascript:alert(5)"})
    describe = results_page(server, f"DESCRIBE <{ANS}>")
    select = results_page(server, f"SELECT ?p ?o WHERE {{ <{ANS}> ?p ?o }}")
    for page in (ans, home, described, describe, select):
        assert page.status_code == 200
        assert_safe_links(page.text)
    assert "javascript:alert(1)" in ans.text and "vbscript:msgbox(3)" in ans.text
    assert "javascript:alert(7)" in ans.text and "javascript:alert(6)" in home.text
    # A described IRI gets a page here: the link to it is on this site.
    assert "resource?iri=javascript%3Aalert%285%29" in ans.text
    assert "a described javascript IRI" in described.text


def test_every_answer_carries_the_security_headers(server):
    url = server.url
    big = "#" + "x" * 70_000 + "\n" + SIMPLE
    answers = {
        "page": httpx.get(url),
        "json": httpx.get(url + "sparql", params={"query": SIMPLE}),
        "303": httpx.get(url + "id/actor/ans", headers={"Accept": "text/turtle"}),
        "400": httpx.get(url + "sparql", params={"query": "SELECT ?x WHERE {"}),
        "400 page": results_page(server, "SELECT ?x WHERE {"),
        "403": httpx.post(url + "sparql", data={"update": "CLEAR ALL"}),
        "404": httpx.get(url + "no/such/thing"),
        "404 page": httpx.get(url + "no/such/thing", headers={"Accept": "text/html"}),
        "406": httpx.get(url + "id/actor/ans", headers={"Accept": "application/pdf"}),
        "413": httpx.post(url + "sparql", content=big.encode(),
                          headers={"Content-Type": "application/sparql-query"}),
        "503": httpx.get(url + "sparql", params={"query": CARTESIAN}, timeout=30),
        "503 page": results_page(server, CARTESIAN),
    }
    for name, response in answers.items():
        expected = int(name.split()[0]) if name[0].isdigit() else 200
        assert response.status_code == expected, (name, response.text)
        headers = response.headers
        policy = headers.get("content-security-policy", "")
        assert "default-src 'none'" in policy, name
        assert "frame-ancestors 'none'" in policy and "base-uri 'none'" in policy, name
        assert "script-src" not in policy and "unsafe" not in policy, name
        assert headers.get("x-content-type-options") == "nosniff", name
        assert headers.get("x-frame-options") == "DENY", name
        assert headers.get("referrer-policy") == "no-referrer", name


def test_chromium_runs_no_script_from_a_result_page(server, tmp_path):
    payload = "<img src=x onerror=\\\"document.title='pwned'\\\"><script>document.title='pwned'</script>"
    query = (f'SELECT ?x ?y WHERE {{ BIND(IRI("javascript:document.title=\'pwned\'") AS ?x) '
             f'BIND("{payload}" AS ?y) }}')
    address = f"{server.url}sparql?format=html&query={quote(query)}"
    result = subprocess.run(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=0", "--dump-dom", address],
        capture_output=True, text=True, timeout=90,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    title = re.search(r"<title>(.*?)</title>", result.stdout, re.S)
    assert title is not None and "pwned" not in title.group(1)
    assert title.group(1).startswith(("Résultats", "Results"))
    # The answer is on the page, as text.
    assert "<td>&lt;img src=x onerror=" in result.stdout
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;</td>" in result.stdout
    assert_safe_links(result.stdout)
    # Chromium reports what the policy blocked: nothing, so the page's own style is allowed.
    assert "Content Security Policy" not in result.stderr


# -- slow clients -----------------------------------------------------------------------------

async def _slow(host: str, port: int, source: str, first: bytes, then: bytes,
                answer_first: bool, until: float) -> tuple[str, float]:
    """Send `first`, then `then` once a second until the server answers or closes, or until
    `until`; (the server's status line, seconds from the moment the clock started)."""
    reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    try:
        writer.write(first)
        if answer_first:  # a whole request first: its answer, then the slow one
            data = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length = int(re.search(rb"content-length: (\d+)", data, re.I).group(1))
            await reader.readexactly(length)
            writer.write(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        while time.monotonic() < until:
            try:
                data = await asyncio.wait_for(reader.read(4096), 1.0)
            except TimeoutError:
                writer.write(then)
                continue
            return data.split(b"\r\n", 1)[0].decode("latin-1"), time.monotonic() - started
        return "still open", time.monotonic() - started
    finally:
        writer.close()


def _normal_client(url: str, stop: threading.Event, statuses: list[int | str]) -> None:
    while not stop.is_set():
        try:
            response = httpx.get(url + "sparql", params={"query": SIMPLE}, timeout=5,
                                 headers={"Connection": "close"})
            statuses.append(response.status_code)
        except httpx.HTTPError as exc:
            statuses.append(type(exc).__name__)
        time.sleep(0.1)


def test_slow_clients_are_cut_off_and_do_not_starve_others(server):
    """1,100 connections (more than uvicorn's old limit of 1,000) send their head one line a
    second; one keeps the connection after a first answer, one sends its body a byte a
    second. A normal client is answered throughout; the slow ones get 408 at the deadline."""
    port = port_of(server)
    per_address = min(50, MAX_OPENING_PER_ADDRESS)
    sources = [f"127.0.0.{2 + i // per_address}" for i in range(1100)]

    async def attack() -> list[tuple[str, float]]:
        until = time.monotonic() + REQUEST_TIMEOUT + 6
        head = b"GET / HTTP/1.1\r\nHost: localhost\r\n"
        tasks = []
        for source in sources:
            tasks.append(asyncio.create_task(
                _slow("127.0.0.1", port, source, head, b"X-Slow: x\r\n", False, until)))
            if len(tasks) % 100 == 0:
                await asyncio.sleep(0.05)
        tasks.append(asyncio.create_task(_slow(
            "127.0.0.1", port, "127.0.0.1",
            b"GET /no/such/thing HTTP/1.1\r\nHost: localhost\r\n\r\n", b"X-Slow: x\r\n", True,
            until)))
        tasks.append(asyncio.create_task(_slow(
            "127.0.0.1", port, "127.0.0.1",
            b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query"
            b"\r\nContent-Length: 100\r\n\r\n", b"#", False, until)))
        return await asyncio.gather(*tasks)

    stop = threading.Event()
    statuses: list[int | str] = []
    client = threading.Thread(target=_normal_client, args=(server.url, stop, statuses))
    client.start()
    try:
        outcomes = asyncio.run(attack())
    finally:
        stop.set()
        client.join()
    assert len(statuses) >= 10 and set(statuses) == {200}, statuses
    for status, seconds in outcomes:
        assert status == "HTTP/1.1 408 Request Timeout", (status, seconds)
        assert REQUEST_TIMEOUT - 0.5 <= seconds <= REQUEST_TIMEOUT + 3, seconds
    assert httpx.get(server.url + "sparql", params={"query": SIMPLE}).status_code == 200


def test_one_address_cannot_hold_more_than_its_share_of_opening_connections(server):
    port = port_of(server)
    source = "127.0.0.250"
    extra = 8

    def connect() -> socket.socket:
        return socket.create_connection(("127.0.0.1", port), source_address=(source, 0))

    held = [connect() for _ in range(MAX_OPENING_PER_ADDRESS + extra)]
    try:
        time.sleep(1)
        answers = []
        for connection in held:
            connection.setblocking(False)
            try:
                answers.append(connection.recv(4096))
            except BlockingIOError:
                pass  # kept open, waiting for its request
        assert len(answers) == extra
        assert all(answer.startswith(b"HTTP/1.1 503 ") for answer in answers), answers
        # Other addresses are not affected.
        assert httpx.get(server.url + "sparql", params={"query": SIMPLE}).status_code == 200
    finally:
        for connection in held:
            connection.close()
    time.sleep(0.5)  # once they are gone, the address may connect again
    with connect() as again:
        again.sendall(b"GET /no/such/thing HTTP/1.1\r\nHost: localhost\r\n\r\n")
        again.settimeout(5)
        assert again.recv(4096).startswith(b"HTTP/1.1 404 ")


def test_a_burst_of_connections_from_one_address_below_the_cap_is_answered(server):
    port = port_of(server)

    async def one() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                       local_addr=("127.0.0.251", 0))
        writer.write(b"GET /no/such/thing HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try:
            return await asyncio.wait_for(reader.readline(), 10)
        finally:
            writer.close()

    async def burst() -> list[bytes]:
        return await asyncio.gather(*(one() for _ in range(MAX_OPENING_PER_ADDRESS // 2)))

    assert set(asyncio.run(burst())) == {b"HTTP/1.1 404 Not Found\r\n"}


def test_connections_still_sending_their_body_count_against_the_address_cap(server):
    port = port_of(server)
    source = "127.0.0.249"
    head = (b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
            b"application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK")
    held = []
    try:
        for _ in range(MAX_OPENING_PER_ADDRESS):
            connection = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
            connection.sendall(head)  # the head, and 3 of the 1,000 bytes of its body
            held.append(connection)
        time.sleep(1)
        with socket.create_connection(("127.0.0.1", port),
                                      source_address=(source, 0)) as one_more:
            one_more.settimeout(5)
            assert one_more.recv(4096).startswith(b"HTTP/1.1 503 ")
    finally:
        for connection in held:
            connection.close()


def test_an_answer_its_client_does_not_read_is_dropped(server):
    from segur_kg.server.app import WRITE_TIMEOUT

    # One row holding a 8 MiB string, built by doubling.
    doubling = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(17))
    query = f'SELECT ?a17 WHERE {{ BIND("{"x" * 64}" AS ?a0) {doubling} }}'
    request = (f"GET /sparql?format=csv&query={quote(query)} HTTP/1.1\r\nHost: localhost\r\n"
               "\r\n").encode()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", port_of(server)))
        client.sendall(request)
        time.sleep(WRITE_TIMEOUT + 5)  # reads nothing meanwhile
        client.settimeout(10)
        received = 0
        try:
            while chunk := client.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass  # dropped: the server aborted the connection
    assert received < 8 * 1024 * 1024  # the answer was not kept for it


def test_a_request_with_two_body_lengths_is_refused_and_its_connection_closed(server):
    smuggled = (b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Length: 48\r\n"
                b"Transfer-Encoding: chunked\r\nContent-Type: application/sparql-query\r\n\r\n"
                b"0\r\n\r\nGET /no/such/thing HTTP/1.1\r\nHost: localhost\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port_of(server))) as client:
        client.sendall(smuggled)
        client.settimeout(10)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 400 ")
    assert received.count(b"HTTP/1.1 ") == 1  # the second request was never read


def test_no_redirect_repeats_the_host_header(server):
    with socket.create_connection(("127.0.0.1", port_of(server))) as client:
        client.sendall(b"GET /query/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
        client.settimeout(10)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    assert b"evil.example" not in received
    assert received.startswith(b"HTTP/1.1 404 ")


# -- clients that go away ---------------------------------------------------------------------

def _send_and_leave(port: int, request: bytes, wait: float) -> None:
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(request)
        time.sleep(wait)


def test_a_client_that_goes_away_leaves_one_line_and_frees_its_worker(server):
    port = port_of(server)
    before = server.log.read_text(encoding="utf-8")
    # Gone while sending the body, by both ways of posting a query.
    for media, start in (("application/sparql-query", b"SELECT"),
                         ("application/x-www-form-urlencoded", b"query=SEL")):
        _send_and_leave(port, b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                        + media.encode() + b"\r\nContent-Length: 100\r\n\r\n" + start, 0.3)
    # Gone while the two workers run long queries (as data, and as a page).
    target = "/sparql?query=" + quote(CARTESIAN)
    leaving = [threading.Thread(target=_send_and_leave, args=(
        port, f"GET {target}{suffix} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode(), 0.5))
        for suffix in ("", "&format=html")]
    for thread in leaving:
        thread.start()
    for thread in leaving:
        thread.join()
    # Both workers are free again at once, long before the time limit would have freed them.
    started = time.monotonic()
    assert httpx.get(server.url + "sparql", params={"query": SIMPLE}).status_code == 200
    assert time.monotonic() - started < TIMEOUT / 3
    time.sleep(0.5)
    new = server.log.read_text(encoding="utf-8")[len(before):]
    assert "Traceback" not in new
    lines = new.strip().splitlines()
    assert len([line for line in lines if "went away" in line]) == 2, new
    assert all(line.startswith("segur-kg: ") for line in lines), new


def test_stopping_the_server_during_a_query_logs_no_traceback(tmp_path_factory):
    # A time limit longer than the 2 s uvicorn gives requests to finish when it stops.
    running = start(tmp_path_factory.getbasetemp() / "server-attacks-stop", "--timeout", "20")
    answers: list[int | str] = []

    def heavy() -> None:
        try:
            answers.append(httpx.get(running.url + "sparql", params={"query": CARTESIAN},
                                     timeout=30).status_code)
        except httpx.HTTPError as exc:
            answers.append(type(exc).__name__)

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.5)
    log = running.stop()
    thread.join()
    assert "Traceback" not in log, log
    assert answers == [503]


@pytest.mark.parametrize("base", ["https://w3id.org/se\tgur/", "https://w3id.org/segur/\n",
                                  "https://user:secret@w3id.org/segur/", "ftp://w3id.org/",
                                  "https://w3id.org/segur/?x", "https://w3id.org/\x7f/"])
def test_a_base_iri_that_would_break_links_or_headers_is_refused(base):
    from segur_kg.common.errors import SegurKgError
    from segur_kg.server import check
    from segur_kg.server.app import Settings

    with pytest.raises(SegurKgError, match="--base-iri"):
        check(Settings(base_iri=base))
    check(Settings(base_iri="https://w3id.org/segur/"))  # the usual one is fine


def test_answers_that_depend_on_accept_say_so(server):
    # A shared cache must not hand the text 404 (or a 406) to a browser that asks for HTML.
    for response in (httpx.get(server.url + "id/no-such-thing", headers={"Accept": "text/plain"}),
                     httpx.get(server.url + "zzz", headers={"Accept": "text/plain"}),
                     httpx.get(server.url + "sparql", headers={"Accept": "text/html"},
                               follow_redirects=False),
                     httpx.get(server.url + "rdf-graph-store?default",
                               headers={"Accept": "image/png"})):
        assert response.status_code in (303, 404, 406), response.status_code
        assert "accept" in response.headers.get("vary", "").lower(), response.headers


def test_the_language_switch_asks_the_same_question_again(server):
    page = results_page(server, SIMPLE).text
    switch = re.search(r'<a class="lang" href="([^"]+)"', page).group(1)
    assert "query=" in switch and "format=html" in switch and "lang=" in switch
    again = httpx.get(server.url.rstrip("/") + switch.replace("&amp;", "&"))
    assert again.status_code == 200
    assert "https://w3id.org/segur/id/wave/" in again.text  # the answer, in the other language
    form = httpx.get(server.url + "query", params={"example": "corridors"}).text
    assert "example=corridors" in re.search(r'<a class="lang" href="([^"]+)"', form).group(1)
