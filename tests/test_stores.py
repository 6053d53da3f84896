"""The three stores give the same answers to every competency question, asserted and inferred:
the memory store (rdflib), an embedded Oxigraph store filled by `segur-kg load`, and a real
`oxigraph serve` on loopback, filled through the Graph Store Protocol and queried by the
SPARQL Protocol."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from conftest import REPO_ROOT, assert_clean_error, oxigraph_endpoint

from segur_kg.cli import main
from segur_kg.querying import sparql
from segur_kg.querying.catalog import list_queries
from segur_kg.stores import Store, open_store

QUERIES = list_queries()
EXPECTED = REPO_ROOT / "queries" / "expected"


@pytest.fixture(scope="module")
def oxigraph_spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = f"oxigraph:{tmp_path_factory.mktemp('stores') / 'embedded'}"
    assert main(["load", "--store", spec, "--infer"]) == 0
    yield spec


@pytest.fixture(scope="module")
def remote_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server (the `oxigraph` package), started on loopback and stopped."""
    with oxigraph_endpoint(tmp_path_factory.mktemp("remote")) as url:
        yield url


@pytest.fixture(scope="module")
def stores(oxigraph_spec: str, remote_url: str) -> Iterator[dict[str, Store]]:
    opened = {"memory": open_store("memory"), "oxigraph": open_store(oxigraph_spec),
              "sparql": open_store(f"sparql:{remote_url}")}
    yield opened
    for store in opened.values():
        store.close()


def _key(term: object) -> tuple[str, ...] | None:
    from rdflib import BNode, Literal

    if term is None:
        return None
    if isinstance(term, BNode):
        return ("bnode",)  # labels are local to each answer
    if isinstance(term, Literal):
        return ("literal", str(term), term.language or "", str(term.datatype or ""))
    return ("iri", str(term))


def _json_key(value: dict[str, str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if value["type"] == "bnode":
        return ("bnode",)
    if value["type"] == "uri":
        return ("iri", value["value"])
    datatype = value.get("datatype", "")
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        datatype = ""
    return ("literal", value["value"], value.get("xml:lang", ""), datatype)


def _answer(store: Store, query, infer: bool) -> tuple[str, list[str], list, bool | None]:
    given = query.examples[0] if query.examples else {}
    result = store.query(query.text, sparql.prepare(query.text, query.source),
                         sparql.bind_params(query, given), infer, timeout=120)
    rows = [tuple(_key(term) for term in row) for row in result.rows]
    if not re.search(r"\bORDER\s+BY\b", query.text, re.IGNORECASE):
        rows = sorted(rows, key=repr)
    return result.kind, result.variables, rows, result.boolean


@pytest.mark.parametrize("infer", [False, True], ids=["asserted", "inferred"])
@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_every_store_gives_the_same_answer(stores: dict[str, Store], query, infer: bool):
    answers = {name: _answer(store, query, infer) for name, store in stores.items()}
    assert answers["memory"][2] or answers["memory"][3] is not None, "an empty answer proves little"
    assert answers["oxigraph"] == answers["memory"]
    assert answers["sparql"] == answers["memory"]


@pytest.mark.parametrize("kind", ["oxigraph", "sparql"])
@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_command_prints_the_expected_answer_from_every_store(
        oxigraph_spec: str, remote_url: str, capsys: pytest.CaptureFixture[str], query,
        kind: str):
    spec = oxigraph_spec if kind == "oxigraph" else f"sparql:{remote_url}"
    params = [arg for pair in (query.examples[0] if query.examples else {}).items()
              for arg in ("--param", f"{pair[0]}={pair[1]}")]
    code = main(["query", query.name, *params, "--format", "csv", "--lang", "fr",
                 "--store", spec])
    out = capsys.readouterr().out
    assert code == 0
    assert out == (EXPECTED / f"{query.name}.csv").read_text(encoding="utf-8")


def test_stores_hold_the_same_triples(stores: dict[str, Store]):
    from segur_kg.rdf.serialize import serialize

    memory = serialize(stores["memory"].graph(), "nt")
    assert serialize(stores["oxigraph"].graph(), "nt") == memory
    assert serialize(stores["sparql"].graph(), "nt") == memory
    closure = serialize(stores["memory"].graph(infer=True), "nt")
    assert serialize(stores["oxigraph"].graph(infer=True), "nt") == closure
    assert serialize(stores["sparql"].graph(infer=True), "nt") == closure


@pytest.mark.parametrize("command", [["export", "--format", "nt"], ["stats", "--format", "json"],
                                     ["describe", "--format", "nt"]])
def test_commands_write_the_same_bytes_from_every_store(
        oxigraph_spec: str, remote_url: str, capsysbinary: pytest.CaptureFixture[bytes],
        command: list[str]):
    outputs = []
    for spec in ("memory", oxigraph_spec, f"sparql:{remote_url}"):
        assert main([*command, "--store", spec]) == 0
        outputs.append(capsysbinary.readouterr().out)
    assert outputs[0] and outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_load_adds_extra_files_and_a_failed_load_keeps_the_previous_store(tmp_path, run_cli):
    target = tmp_path / "store"
    extra = tmp_path / "extra.nt"
    extra.write_text('<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> '
                     '"A"@fr .\n', encoding="utf-8")
    loaded = run_cli("load", "--store", f"oxigraph:{target}", str(extra))
    assert loaded.returncode == 0, loaded.stderr
    before = run_cli("stats", "--store", f"oxigraph:{target}", "--format", "json").stdout
    broken = tmp_path / "broken.nt"
    broken.write_text('<https://example.org/a> <https://example.org/p> "ok" .\n'
                      '<https://example.org/b> <https://example.org/p> "unterminated .\n',
                      encoding="utf-8")
    failed = run_cli("load", "--store", f"oxigraph:{target}", str(broken))
    assert_clean_error(failed)
    assert "broken.nt" in failed.stderr and "line 2" in failed.stderr
    after = run_cli("stats", "--store", f"oxigraph:{target}", "--format", "json").stdout
    assert after == before and '"triples"' in after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.nt", "extra.nt", "store"]


def test_query_infer_needs_a_closure_in_the_store(tmp_path, run_cli):
    target = tmp_path / "store"
    assert run_cli("load", "--store", f"oxigraph:{target}").returncode == 0
    result = run_cli("query", "who-oversees-what", "--infer", "--store", f"oxigraph:{target}")
    assert_clean_error(result)
    assert "segur-kg infer --store" in result.stderr
    assert run_cli("infer", "--store", f"oxigraph:{target}").returncode == 0
    answered = run_cli("query", "who-oversees-what", "--infer", "--store", f"oxigraph:{target}")
    assert answered.returncode == 0 and "(15 rows)" in answered.stdout


@pytest.mark.parametrize("args, message", [
    (["query", "who-oversees-what", "--store", "postgres:db"], "is not a store"),
    (["query", "who-oversees-what", "--store", "oxigraph:/nonexistent/segur"], "no Oxigraph store"),
    (["load", "--store", "memory"], "cannot be loaded"),
    (["query", "who-oversees-what", "--store", "sparql:file:///etc/passwd"], "not an http(s) URL"),
    (["load", "--store", "sparql:http://127.0.0.1:9/query"], "--graph-store"),
    (["query", "who-oversees-what", "--store", "sparql:http://127.0.0.1:9/query"],
     "cannot reach"),
])
def test_store_errors_are_clear(run_cli, args: list[str], message: str):
    result = run_cli(*args)
    assert_clean_error(result)
    assert message in result.stderr


def test_a_folder_that_is_not_a_store_is_never_replaced(tmp_path, run_cli):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("load", "--store", f"oxigraph:{folder}")
    assert_clean_error(result)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_long_query_on_oxigraph_is_stopped_at_the_timeout(oxigraph_spec: str, run_cli):
    heavy = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?s ?w "
             "FILTER(STR(?x) < STR(?y) && STR(?y) < STR(?z)) }")
    # Thousands of triples to the fourth power: this query never ends unless it is stopped.
    result = run_cli("query", "--sparql", heavy, "--store", oxigraph_spec, "--timeout", "1")
    assert_clean_error(result, code=3)
    assert "raise --timeout" in result.stderr


@pytest.mark.parametrize("kind", ["oxigraph", "sparql"])
def test_serve_answers_from_the_store_it_is_given(
        oxigraph_spec: str, remote_url: str, stores: dict[str, Store], tmp_path, kind: str):
    import httpx
    from test_server_protocol import start_server

    from segur_kg.server.pages import example_text

    spec = oxigraph_spec if kind == "oxigraph" else f"sparql:{remote_url}"
    running = start_server(tmp_path / "served", "--store", spec)
    try:
        for query in QUERIES:
            response = httpx.post(running.url + "sparql", data={"query": example_text(query)},
                                  timeout=60)
            assert response.status_code == 200, response.text
            document = response.json()
            if "boolean" in document:
                assert document["boolean"] == _answer(stores["memory"], query, True)[3]
                continue
            _, names, expected, _ = _answer(stores["memory"], query, infer=True)
            served = [tuple(_json_key(binding.get(name)) for name in names)
                      for binding in document["results"]["bindings"]]
            assert sorted(served, key=repr) == sorted(expected, key=repr)
        refused = httpx.post(running.url + "sparql",
                             data={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> "
                                            "{ ?s ?p ?o } }"}, timeout=60)
        assert refused.status_code == 400
    finally:
        running.stop()


def test_validate_reports_the_same_from_every_store(oxigraph_spec: str, remote_url: str,
                                                    capsys: pytest.CaptureFixture[str]):
    outputs = []
    for spec in ("memory", oxigraph_spec, f"sparql:{remote_url}"):
        code = main(["validate", "--store", spec, "--format", "json"])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0][0] == 0  # the dataset conforms, in every store
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_validate_store_finds_a_violation_loaded_into_the_store(tmp_path, run_cli):
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix segur: <https://w3id.org/segur/def/> .\n"
        "<https://w3id.org/segur/id/mailbox/x> a segur:MssanteMailbox ;\n"
        '    segur:mailboxAddress "not an address" .\n', encoding="utf-8")
    target = f"oxigraph:{tmp_path / 'store'}"
    assert run_cli("load", "--store", target, str(broken)).returncode == 0
    result = run_cli("validate", "--store", target, "--lang", "en")
    assert result.returncode == 1
    assert "Violation R-37" in result.stdout and "mailbox/x" in result.stdout


def test_an_endpoint_is_given_longer_to_count_the_store_than_to_answer_a_query(
        remote_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`load` and `infer` count distinct terms over the whole store on the endpoint, minutes
    at ten million triples: those counts wait longer than the limit of a query."""
    from segur_kg.stores import remote

    waited: list[float | None] = []
    select = remote.RemoteStore.select

    def recorded(self: Store, text: str, infer: bool = False,
                 timeout: float | None = None) -> list:
        waited.append(timeout)
        return select(self, text, infer, timeout)

    monkeypatch.setattr(remote.RemoteStore, "select", recorded)
    store = open_store(f"sparql:{remote_url}",
                       graph_store=remote_url.removesuffix("/query") + "/store")
    try:
        store._keep_counts()  # type: ignore[attr-defined]
        assert waited and set(waited) == {remote._COUNTING_TIMEOUT}
        assert remote._COUNTING_TIMEOUT > remote._DEFAULT_TIMEOUT
        assert store.count() > 9000  # the counts kept are read back
    finally:
        store.close()


def test_a_failed_count_stops_the_counts_not_started() -> None:
    """On an endpoint each count may take an hour: when one fails, the user gets the error
    once the counts already running end, not after every other count."""
    import threading

    from segur_kg.publishing.counts import count_store

    asked: list[str] = []
    first = threading.Event()

    def failing(text: str) -> list:
        asked.append(text)
        if len(asked) == 1:
            first.set()
            raise OSError("the endpoint went away")
        first.wait(5)
        return []

    with pytest.raises(OSError, match="went away"):
        count_store(failing, workers=2)
    assert 1 <= len(asked) <= 3  # of the seven or more counts


# Parses every text of the counts in threads started together, or alone, in a fresh interpreter.
PARSES = """
import sys, threading
from segur_kg.publishing.counts import count_store
from segur_kg.querying import sparql
texts = []
def noted(text):
    texts.append(text)
    return [(1, 1, 1)] if text.startswith("SELECT (COUNT(*)") else []
count_store(noted)  # the texts of the counts (one worker), unparsed
parsed = [None] * len(texts)
if sys.argv[1] == "alone":
    parsed = [str(sparql.prepare(text, "t").algebra) for text in texts]
else:
    sys.setswitchinterval(1e-6)  # the threads take turns as often as they can
    start = threading.Barrier(len(texts))
    def parse(i):
        start.wait()
        try:
            parsed[i] = str(sparql.prepare(texts[i], "t").algebra)
        except Exception as exc:
            parsed[i] = f"error: {exc}"
    threads = [threading.Thread(target=parse, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
print(repr(parsed))
"""


def test_queries_are_parsed_alike_from_several_threads() -> None:
    """`load` counts an endpoint two queries at a time, each parsed by rdflib first; its
    grammar sets itself up on the first parse, which threads must not do at once (a fresh
    interpreter, as the command is; compared with another that parses them one by one)."""
    def parses(how: str) -> list[str]:
        # a fixed hash seed: the algebra prints sets of variables
        result = subprocess.run([sys.executable, "-c", PARSES, how], capture_output=True,
                                text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": "0"})
        assert result.returncode == 0, result.stderr[-2000:]
        return ast.literal_eval(result.stdout)

    alone = parses("alone")
    assert len(alone) >= 5 and all(text.startswith("SelectQuery") for text in alone)
    for _ in range(3):
        assert parses("together") == alone
