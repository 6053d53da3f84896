"""Untrusted queries cannot reach the network, exhaust memory, crash on nesting or hold client
connections: the check reads the text the engine runs, and the processes that evaluate queries
are confined (no sockets, a memory ceiling, a large stack). Every listener here is on loopback
and started by the test itself."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, assert_clean_error, assert_no_connection, cli_env
from test_server_protocol import start_server

from segur_kg.common.errors import SegurKgError
from segur_kg.querying import confinement, query_text
from segur_kg.rdf.reading import load_dataset
from segur_kg.server import safety
from segur_kg.server.workers import Pool

MEMORY_BOMB = ("SELECT * WHERE { ?s1 ?p1 ?o1 OPTIONAL { ?s0 ?p0 ?o0 OPTIONAL { ?s ?p ?o } } } "
               "LIMIT 1")
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def service_bypasses(url: str) -> list[str]:
    """Texts that hide a SERVICE clause from a check that expands escapes differently from
    the engine: a quote spelled as an escape opens (or not) a string that swallows a comment."""
    texts = []
    for quote, escapes in (('"', ("\\u0022", "\\U00000022")), ("'", ("\\u0027", "\\U00000027"))):
        for escape in escapes:
            texts.append(f"SELECT * WHERE {{ BIND({quote}{escape} AS ?x) }} #{quote} AS ?y) "
                         f"SERVICE <{url}> {{ ?s ?p ?o }} }}")
            texts.append(f"SELECT * WHERE {{ BIND({quote * 3}{escape}{quote * 3} AS ?x) }} "
                         f"#{quote} AS ?y) SERVICE <{url}> {{ ?s ?p ?o }} }}")
    texts.append(f"SELECT * WHERE {{ SERVIC\\u0045 <{url}> {{ ?s ?p ?o }} }}")
    texts.append(f"SELECT * WHERE {{ \\U00000053ERVICE <{url}> {{ ?s ?p ?o }} }}")
    texts.append(f"SELECT * WHERE {{ # \\u000A SERVICE <{url}> {{ ?s ?p ?o }}\n }}")
    texts.append(f"SELECT * WHERE {{ SERVICE <{url.replace('/', chr(92) + 'u002F')}> {{ ?s ?p ?o }} }}")
    # A carriage return, raw or escaped, that ends a comment for one parser only.
    texts.append(f"SELECT * WHERE {{ # \r SERVICE <{url}> {{ ?s ?p ?o }} \n }}")
    texts.append(f"SELECT * WHERE {{ # \\u000D SERVICE <{url}> {{ ?s ?p ?o }} \n }}")
    texts.append("SELECT (COUNT(*) AS ?n) # \r FROM <urn:nothing> \n WHERE { ?s ?p ?o }")
    # \\U with four digits, which rdflib expands and Oxigraph does not.
    texts.append(f'SELECT * WHERE {{ # \\U000A BIND("""\nSERVICE <{url}> {{ }}\n# """ AS ?v)\n}}')
    texts.append('SELECT (COUNT(*) AS ?n) # \\U000A WHERE { BIND("""\nFROM <urn:nothing> '
                 'WHERE { ?s ?p ?o }\n# """ AS ?v) }')
    # A prefixed name with two groups of dots, which Oxigraph ends at the second group.
    base = url.rsplit("/", 1)[0] + "/"
    texts.append(f"PREFIX : <{base}> PREFIX ex: <http://example.org/> "
                 "SELECT * WHERE { ?s ?p ex:a.b.SERVICE:x { } }")
    # Solution modifiers of a DESCRIBE without WHERE, which rdflib's algebra drops.
    for modifier in ("ORDER BY", "ORDER BY DESC", "GROUP BY ?s HAVING", "HAVING"):
        texts.append(f"DESCRIBE <urn:a> {modifier} (EXISTS {{ SERVICE <{url}> {{ }} }})")
    return texts


def every_character_escaped(text: str) -> list[str]:
    """The text with each one of its characters written as a \\u and a \\U escape in turn."""
    variants = []
    for index, character in enumerate(text):
        for escape in (f"\\u{ord(character):04X}", f"\\U{ord(character):08X}"):
            variants.append(text[:index] + escape + text[index + 1:])
    return variants


# --- the text checked is the text run ---------------------------------------------------------

def test_escapes_are_expanded_once_as_the_grammar_says():
    assert query_text.canonical('SELECT ("\\u00E9t\\U000000E9" AS ?x) {}') == \
        'SELECT ("été" AS ?x) {}'
    for bad in ("\\uD800", "\\U00110000", "\\u0000"):
        with pytest.raises(SegurKgError, match="not a character"):
            query_text.canonical(f'SELECT ("{bad}" AS ?x) {{}}')
    # Nothing may be left that rdflib would expand and Oxigraph would not.
    for residue in ("\\u005Cu0022", "\\U000A", "\\U0022", "\\u005CU00000022"):
        with pytest.raises(SegurKgError, match="not a codepoint escape"):
            query_text.canonical(f'SELECT ("{residue}" AS ?x) {{}}')
    # A carriage return ends a comment for Oxigraph, not for rdflib: it becomes a line feed.
    assert query_text.canonical("SELECT * { # a\r ?s ?p ?o }\r\n") == \
        "SELECT * { # a\n ?s ?p ?o }\n"


@pytest.mark.parametrize("index", range(len(service_bypasses(""))))
def test_no_escape_trick_passes_the_check_with_a_service_clause(index, listening_socket):
    from pyoxigraph import Store

    port = listening_socket.getsockname()[1]
    text = service_bypasses(f"http://127.0.0.1:{port}/x")[index]
    try:
        checked = safety.check(text)
    except SegurKgError:
        return  # refused: fine
    # Accepted: then the engine itself, unconfined, reads no SERVICE in the text it is given
    # (if it did, it would wait for the listener's answer: a thread keeps the test bounded).
    engine = threading.Thread(target=lambda: list(Store().query(checked)), daemon=True)
    engine.start()
    engine.join(5)
    assert_no_connection(listening_socket)


def test_service_spelled_with_any_character_escaped_is_refused():
    plain = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"
    variants = every_character_escaped(plain)
    assert len(variants) > 100
    for text in variants:
        with pytest.raises(SegurKgError):
            safety.check(text)


# --- no network in query processes, even if the check were fooled ---------------------------

@pytest.fixture(scope="module")
def graph():
    return load_dataset()


def job(text: str, fmt: str = "json") -> dict:
    return {"op": "query", "text": text, "format": fmt, "accept": None, "max_rows": 10_000}


def run_in_pool(graph, jobs: list[dict], timeout: float = 30, **options) -> list:
    async def scenario() -> list:
        pool = Pool(graph, 1, **options)
        pool.start()
        try:
            return [await pool.run(one, timeout) for one in jobs]
        finally:
            pool.stop()

    return asyncio.run(scenario())


def test_a_worker_cannot_connect_even_when_the_check_is_bypassed(
        graph, listening_socket, monkeypatch):
    monkeypatch.setattr(safety, "check", lambda text: text)  # as if fooled
    port = listening_socket.getsockname()[1]
    text = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}"
    [reply] = run_in_pool(graph, [job(text)])
    assert reply.status == 403, reply.body
    assert b"network" in reply.body
    assert_no_connection(listening_socket)


def test_a_confined_process_can_open_no_socket_of_any_kind(listening_socket):
    port = listening_socket.getsockname()[1]

    def attempts() -> bytes:
        outcomes = []
        for family, kind in ((socket.AF_INET, socket.SOCK_STREAM),
                             (socket.AF_INET, socket.SOCK_DGRAM),
                             (socket.AF_INET6, socket.SOCK_STREAM),
                             (socket.AF_UNIX, socket.SOCK_STREAM)):
            try:
                with socket.socket(family, kind) as sock:
                    sock.connect(("127.0.0.1", port))
                outcomes.append("connected")
            except OSError as exc:
                outcomes.append(exc.strerror or "")
        return json.dumps(outcomes).encode()

    outcomes = json.loads(confinement.run(attempts, timeout=20, max_memory=None))
    assert outcomes == ["Operation not permitted"] * 4
    assert_no_connection(listening_socket)


def test_the_server_refuses_every_bypass_and_connects_nowhere(listening_socket, tmp_path):
    port = listening_socket.getsockname()[1]
    running = start_server(tmp_path / "server", "--timeout", "10")
    try:
        for text in service_bypasses(f"http://127.0.0.1:{port}/x"):
            response = httpx.get(running.url + "sparql", params={"query": text}, timeout=30)
            # Refused, or made harmless by the expansion of its escapes; never an error.
            assert response.status_code in (200, 400), response.text
        assert_no_connection(listening_socket)
        workers = worker_pids(running.process.pid)
        assert workers
        for pid in workers:
            status = Path(f"/proc/{pid}/status").read_text()
            assert "Seccomp:\t2" in status  # a filter is in force
    finally:
        log = running.stop()
    assert "Traceback" not in log


def test_the_command_line_refuses_every_bypass_and_connects_nowhere(
        run_cli, listening_socket, tmp_path):
    port = listening_socket.getsockname()[1]
    store = tmp_path / "store"
    assert run_cli("load", "--store", f"oxigraph:{store}").returncode == 0
    for text in service_bypasses(f"http://127.0.0.1:{port}/x")[:6]:
        for where in ("memory", f"oxigraph:{store}"):
            result = run_cli("query", "--store", where, "--sparql", text, "--format", "json")
            assert "Traceback" not in result.stderr
            if result.returncode == 0:  # the escapes made a harmless query of it
                assert "127.0.0.1" not in result.stdout
            else:  # a syntax error shows the line and a caret under the position
                assert_clean_error(result, lines=3 if "invalid SPARQL:" in result.stderr else 1)
    assert_no_connection(listening_socket)


@pytest.mark.parametrize("where", ["memory", "oxigraph"])
def test_binding_a_parameter_never_turns_text_into_a_service_clause(
        run_cli, listening_socket, tmp_path, where):
    port = listening_socket.getsockname()[1]
    store = tmp_path / "store"
    if where == "oxigraph":
        assert run_cli("load", "--store", f"oxigraph:{store}").returncode == 0
    texts = [
        # A comment-like line inside strings, which a rewrite that drops comment lines deleted.
        "# param x (literal, default=1)\nSELECT * WHERE { BIND('''\n#''' AS ?a) BIND(\"\"\"\n"
        f"''' AS ?b) SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }} # \"\"\" AS ?c) }}",
        # A WHERE { inside a comment, after which a rewrite inserted a line.
        "# param x (literal, default=1)\nSELECT * { # WHERE { "
        f"SERVICE <http://127.0.0.1:{port}/y> {{ ?s ?p ?o }}\n}}",
    ]
    for text in texts:
        query = tmp_path / "q.rq"
        query.write_text(text, encoding="utf-8")
        result = run_cli("query", str(query), "--store",
                         f"oxigraph:{store}" if where == "oxigraph" else "memory")
        assert "Traceback" not in result.stderr
        assert "tried to open a network connection" not in result.stderr  # never even tried
    assert_no_connection(listening_socket)


# --- a memory ceiling ----------------------------------------------------------------------

def test_the_command_line_stops_a_query_at_its_memory_ceiling(run_cli, tmp_path):
    store = tmp_path / "store"
    assert run_cli("load", "--store", f"oxigraph:{store}").returncode == 0
    result = run_cli("query", "--store", f"oxigraph:{store}", "--sparql", MEMORY_BOMB,
                     "--max-memory", "256M", "--timeout", "60")
    assert_clean_error(result, 3)
    assert "256 MiB" in result.stderr and "--max-memory" in result.stderr


@pytest.mark.parametrize("size", ["0", "12M", "lots", "-1G"])
def test_a_bad_memory_ceiling_is_refused(run_cli, size):
    result = run_cli("query", "who-oversees-what", "--max-memory", size)
    assert result.returncode == 2
    assert "--max-memory" in result.stderr and "Traceback" not in result.stderr


def test_a_worker_past_its_ceiling_answers_503_and_is_replaced(graph):
    ceiling = 256 * confinement.MIB
    replies = run_in_pool(graph, [job(MEMORY_BOMB), job("SELECT (1 AS ?one) {}")],
                          max_memory=ceiling)
    assert replies[0].status == 503
    assert b"256 MiB" in replies[0].body
    assert replies[1].status == 200


def test_the_server_serves_others_while_one_client_exhausts_its_ceiling(tmp_path):
    running = start_server(tmp_path / "server", "--timeout", "20", "--max-memory", "300M",
                           "--workers", "2")
    statuses: list[int] = []
    stop = threading.Event()

    def normal_client() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set() and len(statuses) < 400:
                response = client.get(running.url + "sparql",
                                      params={"query": "SELECT ?w WHERE { ?w a segur:Wave }"})
                statuses.append(response.status_code)

    try:
        threads = [threading.Thread(target=normal_client) for _ in range(4)]
        for thread in threads:
            thread.start()
        hungry = [httpx.get(running.url + "sparql", params={"query": MEMORY_BOMB}, timeout=60)
                  for _ in range(3)]
        stop.set()
        for thread in threads:
            thread.join(60)
    finally:
        log = running.stop()
    assert [response.status_code for response in hungry] == [503, 503, 503]
    assert "memory" in hungry[0].text
    assert statuses and set(statuses) == {200}
    assert "Traceback" not in log


# --- nesting --------------------------------------------------------------------------------

DEEP = {
    "parentheses": lambda n: "SELECT * WHERE { BIND(" + "(" * n + "1" + ")" * n + " AS ?x) }",
    "negations": lambda n: "SELECT * WHERE { BIND(" + "!" * n + "true AS ?x) }",
    "groups": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "subqueries": lambda n: "SELECT * WHERE { " + "{ SELECT * WHERE " * n + "{}" + " }" * n
    + " }",
    "paths": lambda n: "SELECT * WHERE { ?s " + "(" * n + "rdf:type" + ")" * n + " ?o }",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_deep_nesting_is_refused_before_evaluation(kind):
    with pytest.raises(SegurKgError, match="nests"):
        safety.check(DEEP[kind](query_text.MAX_NESTING + 1))
    safety.check(DEEP[kind](20))  # moderate nesting is fine


def test_an_unclosed_string_ends_at_its_line_so_counting_stays_linear():
    # Each quote would otherwise start a scan to the end of the text.
    assert query_text.nesting("SELECT * { BIND('" + "\\'" * 20_000 + "\n(((( }") == 6
    assert query_text.nesting('SELECT * { """ ((((') == 1


def test_long_chains_that_the_checker_cannot_follow_are_refused_cleanly(run_cli):
    chain = "SELECT * WHERE { " + "UNION".join(["{}"] * 2000) + " }"
    result = run_cli("query", "--sparql", chain)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 2), result.stderr


def test_brackets_in_strings_iris_and_comments_do_not_count():
    text = ('SELECT * WHERE { BIND("((((((((((" AS ?a) BIND(<http://x/((((((((((> AS ?b) '
            "# ((((((((((((((((\n }")
    assert query_text.nesting(text) == 2


def test_no_nesting_within_the_size_limit_crashes_a_worker(graph, monkeypatch):
    # Even with the nesting check fooled, a worker's stack outlasts any text the server takes.
    monkeypatch.setattr(query_text, "check_nesting", lambda text, source="query": None)
    from segur_kg.server.app import MAX_BODY_BYTES

    levels = MAX_BODY_BYTES // 2 - 40
    replies = run_in_pool(graph, [job(DEEP["groups"](levels)),
                                  job(DEEP["parentheses"](levels // 2)),
                                  job(DEEP["negations"](MAX_BODY_BYTES - 60))], timeout=60)
    assert [reply.status for reply in replies] != [500, 500, 500]
    assert all(reply.status in (200, 400) for reply in replies), [r.body for r in replies]


def test_the_command_line_refuses_deep_nesting(run_cli):
    result = run_cli("query", "--sparql", DEEP["groups"](5000))
    assert_clean_error(result)
    assert "nests 5000 levels" in result.stderr


# --- workers hold no connection ----------------------------------------------------------------

def worker_pids(server_pid: int) -> list[int]:
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def sockets_of(pid: int) -> int:
    count = 0
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def test_a_replacement_worker_holds_no_client_connection(tmp_path):
    running = start_server(tmp_path / "server", "--timeout", "1", "--workers", "1")
    try:
        with httpx.Client(timeout=30) as kept:  # a keep-alive connection stays open meanwhile
            assert kept.get(running.url + "sparql",
                            params={"query": "SELECT (1 AS ?x) {}"}).status_code == 200
            before = worker_pids(running.process.pid)
            overrun = kept.get(running.url + "sparql", params={"query": CARTESIAN})
            assert overrun.status_code == 503
            deadline = time.monotonic() + 10
            while worker_pids(running.process.pid) == before and time.monotonic() < deadline:
                time.sleep(0.1)
            after = worker_pids(running.process.pid)
            assert after and after != before
            # Its only socket is its own pipe to the server (once it has confined itself).
            deadline = time.monotonic() + 10
            while sockets_of(after[0]) != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert [sockets_of(pid) for pid in after] == [1]
            with socket.create_connection(("127.0.0.1", int(running.url.rsplit(":", 1)[1]
                                                              .strip("/")))) as raw:
                raw.sendall(b"GET /sparql?query=SELECT%20(1%20AS%20%3Fx)%20%7B%7D HTTP/1.1\r\n"
                            b"Host: x\r\nConnection: close\r\n\r\n")
                raw.settimeout(15)
                received = b""
                while chunk := raw.recv(65536):  # the server closes: the answer ends
                    received += chunk
                assert received.startswith(b"HTTP/1.1 200")
    finally:
        running.stop()


# --- blank nodes, Ctrl-C ---------------------------------------------------------------------

def test_a_construct_of_many_alike_blank_nodes_is_answered_the_same_every_time(graph):
    text = "CONSTRUCT { _:b <urn:p> ?o } WHERE { ?s ?p ?o } LIMIT 1000"
    first, second = run_in_pool(graph, [job(text, "nt"), job(text, "nt")], timeout=20)
    assert first.status == 200, first.body
    assert first.body == second.body
    assert first.body.count(b"\n") == 1000
    assert b"_:c14n999 " in first.body


@pytest.mark.parametrize("timeout", ["0", "60"])
def test_ctrl_c_stops_an_oxigraph_query_with_exit_130(run_cli, tmp_path, timeout):
    store = tmp_path / "store"
    assert run_cli("load", "--store", f"oxigraph:{store}").returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "segur_kg", "query", "--store", f"oxigraph:{store}",
         "--sparql", CARTESIAN, "--timeout", timeout],
        cwd=REPO_ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    assert process.poll() is None  # still evaluating
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 130
    assert stderr.strip() == "segur-kg: interrupted"
