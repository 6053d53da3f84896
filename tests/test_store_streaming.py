"""`segur-kg export` from a store streams it (publishing/streaming.py): the store's N-Triples
are sorted by an external merge sort, blank nodes labelled by RDFC-1.0 and written without an
rdflib copy of the graph. The bytes must be those of the memory store (N-Triples, N-Quads), or
the same graph (the other formats), whatever the store and however many sorted runs it takes.
Also: the VoID counts that `load` keeps in the store, and what `describe` and `stats` print
from them."""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT, cli_env, oxigraph_endpoint

from segur_kg.cli import main
from segur_kg.publishing import streaming
from segur_kg.publishing.counts import (
    CLOSURE_STATISTICS_GRAPH,
    STATISTICS_GRAPH,
    count_graph,
    stored_counts,
)
from segur_kg.publishing.export import export
from segur_kg.stores import open_store
from segur_kg.stores.memory import MemoryStore

LINE_FORMATS = ["nt", "nq"]  # byte for byte those of the memory store
GRAPH_FORMATS = ["ttl", "trig", "xml", "jsonld"]  # the same graph, written by Oxigraph
FORMATS = LINE_FORMATS + GRAPH_FORMATS
INFER = pytest.mark.parametrize("infer", [False, True], ids=["asserted", "inferred"])

# Blank nodes in every position a Turtle file gives them: nested, in an RDF list (with a blank
# node as a member), two that nothing tells apart, one shared by two subjects, a cycle; and
# literals and IRIs that hold "_:" without being blank nodes.
BLANK_TURTLE = r"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix segur: <https://w3id.org/segur/def/> .
@prefix ex: <https://example.org/streaming/> .

<https://w3id.org/segur/id/actor/ans> rdfs:seeAlso [
    rdfs:label "extérieur"@fr ;
    rdfs:seeAlso [ rdfs:label "inner"@en ; rdfs:comment "a \"quoted\" \\ word,\na new line" ] ;
    rdfs:member ( ex:first "deux" [ rdfs:label "in the list" ] 3 )
] .
ex:twins rdfs:seeAlso [ rdfs:label "same" ], [ rdfs:label "same" ] .
ex:one rdfs:seeAlso _:shared .
ex:two rdfs:seeAlso _:shared .
_:shared rdfs:label "partagé é 漢字 😀" ; a segur:Actor .
_:loop1 rdfs:seeAlso _:loop2 .
_:loop2 rdfs:seeAlso _:loop1 .
ex:text rdfs:comment "mentions _:b0 and a colon" .
<https://example.org/streaming/a_:b> rdfs:label "an IRI holding _: inside" .
"""
BLANK_NODES = 12  # outer, inner, 4 list cells and the member, twins 2, shared, loop 2


def _parse_format(fmt: str):  # noqa: ANN202 - pyoxigraph is imported lazily
    from pyoxigraph import RdfFormat

    return {"nt": RdfFormat.N_TRIPLES, "nq": RdfFormat.N_QUADS, "ttl": RdfFormat.TURTLE,
            "trig": RdfFormat.TRIG, "xml": RdfFormat.RDF_XML,
            "jsonld": RdfFormat.JSON_LD}[fmt]


def _canonical(data: bytes, fmt: str) -> list[str]:
    """The dataset a document holds, blank nodes labelled by RDFC-1.0, as sorted quads."""
    from pyoxigraph import CanonicalizationAlgorithm, Dataset, parse

    dataset = Dataset(parse(data, format=_parse_format(fmt)))
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(quad) for quad in dataset)


def _blank_labels(data: bytes) -> set[bytes]:
    return set(re.findall(rb"_:[A-Za-z0-9]+", data))


# --- stores, each loaded once for the module --------------------------------------------------


@pytest.fixture(scope="module")
def base_spec(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The base graph and its closure, in an embedded Oxigraph store."""
    spec = f"oxigraph:{tmp_path_factory.mktemp('streaming') / 'base'}"
    assert main(["load", "--store", spec, "--infer"]) == 0
    return spec


@pytest.fixture(scope="module")
def endpoint_spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `oxigraph serve` on loopback, filled through the Graph Store Protocol."""
    with oxigraph_endpoint(tmp_path_factory.mktemp("endpoint")) as url:
        yield f"sparql:{url}"


@pytest.fixture(scope="module")
def blank_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blank") / "blank.ttl"
    path.write_text(BLANK_TURTLE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def blank_specs(tmp_path_factory: pytest.TempPathFactory, blank_file: Path) -> list[str]:
    """The base graph and the blank-node file, loaded into two stores: Oxigraph gives their
    blank nodes different internal labels each time."""
    specs = []
    for name in ("blank-a", "blank-b"):
        spec = f"oxigraph:{tmp_path_factory.mktemp('streaming') / name}"
        assert main(["load", "--store", spec, str(blank_file)]) == 0
        specs.append(spec)
    return specs


@pytest.fixture(scope="module")
def memory() -> MemoryStore:
    return MemoryStore()


@pytest.fixture(scope="module")
def exported(memory: MemoryStore, blank_file: Path) -> Callable[[str, str, bool], bytes]:
    """export(fmt, infer) from a store, computed once each: "memory", "memory+blank" (the
    memory store with the blank-node file) or a --store value."""
    done: dict[tuple[str, str, bool], bytes] = {}
    memories = {"memory": memory, "memory+blank": MemoryStore([blank_file])}

    def get(spec: str, fmt: str, infer: bool = False) -> bytes:
        key = (spec, fmt, infer)
        if key not in done:
            if spec in memories:
                done[key] = export(fmt, infer, store=memories[spec])
            else:
                with open_store(spec) as store:
                    done[key] = export(fmt, infer, store=store)
        return done[key]

    return get


# --- the bytes of the store exports ----------------------------------------------------------


@INFER
@pytest.mark.parametrize("fmt", LINE_FORMATS)
@pytest.mark.parametrize("kind", ["oxigraph", "endpoint"])
def test_line_formats_are_the_memory_stores_bytes(exported, base_spec: str, endpoint_spec: str,
                                                  memory: MemoryStore, kind: str, fmt: str,
                                                  infer: bool):
    spec = base_spec if kind == "oxigraph" else endpoint_spec
    expected = exported("memory", fmt, infer)
    assert expected.count(b"\n") > len(memory.graph(infer))  # the graph and its description
    assert exported(spec, fmt, infer) == expected


def _reference(fmt: str) -> str:
    """The memory export that holds what an export in `fmt` holds, in its simplest form: the
    N-Quads for TriG (two named graphs), the N-Triples for the others (one graph)."""
    return "nq" if fmt == "trig" else "nt"


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_other_formats_hold_the_memory_stores_dataset(exported, base_spec: str, fmt: str):
    from_store = _canonical(exported(base_spec, fmt), fmt)
    reference = _reference(fmt)
    from_memory = _canonical(exported("memory", reference), reference)
    assert len(from_memory) > 9000
    assert from_store == from_memory


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_content_in_two_stores_gives_the_same_bytes(exported, blank_specs: list[str],
                                                             fmt: str):
    # Oxigraph gives the blank nodes other internal labels in each store, and lists them in
    # another order; the export labels and orders them alike.
    first = exported(blank_specs[0], fmt)
    assert "extérieur" in first.decode("utf-8")
    assert exported(blank_specs[1], fmt) == first


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_nodes_are_exported_as_the_memory_store_exports_them(
        exported, blank_specs: list[str], fmt: str):
    from_store = exported(blank_specs[0], fmt)
    assert "extérieur" in from_store.decode("utf-8")
    if fmt in LINE_FORMATS:
        assert from_store == exported("memory+blank", fmt)
        labels = {label for label in _blank_labels(from_store) if label.startswith(b"_:c14n")}
        assert labels == {f"_:c14n{n}".encode() for n in range(BLANK_NODES)}
        assert b'"an IRI holding _: inside"' in from_store
    else:
        reference = _reference(fmt)
        assert _canonical(from_store, fmt) == _canonical(exported("memory+blank", reference),
                                                         reference)


CONTROL = "https://example.org/streaming/control"
SEPARATOR = "https://example.org/streaming/separator"


@pytest.fixture(scope="module")
def odd_literals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The nt export, from a store and from memory, of the graph with literals holding a tab,
    other control characters, DEL, and the line separators U+2028 and U+0085: all valid in an
    N-Triples literal, raw or escaped."""
    folder = tmp_path_factory.mktemp("literals")
    source = folder / "literals.ttl"
    comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
    source.write_text(f'<{CONTROL}> {comment} "a\\tb", "c\\u0001d", "e\\u007Ff" .\n'
                      f'<{SEPARATOR}> {comment} "one\\u2028two", "three\\u0085four" .\n',
                      encoding="utf-8")
    spec = f"oxigraph:{folder / 'store'}"
    assert main(["load", "--store", spec, str(source)]) == 0
    with open_store(spec) as store:
        from_store = export("nt", store=store)
    return {"oxigraph": from_store, "memory": export("nt", store=MemoryStore([source]))}


def test_literals_with_control_characters_are_the_memory_stores_bytes(odd_literals):
    def lines(data: bytes) -> list[bytes]:
        return [line for line in data.split(b"\n") if line.startswith(f"<{CONTROL}>".encode())]

    assert len(lines(odd_literals["memory"])) == 3
    assert lines(odd_literals["oxigraph"]) == lines(odd_literals["memory"])


@pytest.mark.parametrize("kind", ["oxigraph", "memory"])
def test_literals_with_line_separators_are_exported_as_valid_ntriples(odd_literals, kind: str):
    from pyoxigraph import NamedNode, RdfFormat, parse

    try:
        triples = list(parse(odd_literals[kind], format=RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        pytest.fail(f"the {kind} export is not valid N-Triples: {exc}")
    assert len(triples) > 9000
    found = sorted(t.object.value for t in triples if t.subject == NamedNode(SEPARATOR))
    assert found == ["one\u2028two", "three\u0085four"]


def test_many_sorted_runs_give_the_same_bytes(exported, base_spec: str, blank_specs: list[str],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    cases = [(base_spec, "nt", True), (blank_specs[0], "nq", False)]
    expected = [exported(spec, fmt, infer) for spec, fmt, infer in cases]
    runs: list[int] = []
    split = streaming.sorted_runs

    def counted(dump: Path, work: Path):  # noqa: ANN202
        found = split(dump, work)
        runs.append(len(found[0]))
        return found

    monkeypatch.setattr(streaming, "RUN_BYTES", 4096)
    monkeypatch.setattr(streaming, "sorted_runs", counted)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for (spec, fmt, infer), before in zip(cases, expected, strict=True):
        with open_store(spec) as store:
            assert export(fmt, infer, store=store) == before
    assert min(runs) > 100  # the runs really were many, and merged
    assert list(tmp_path.iterdir()) == []  # every run is removed


# --- export on the command line --------------------------------------------------------------


def test_export_to_a_file_from_a_store(exported, base_spec: str, tmp_path: Path):
    target = tmp_path / "graph.nt"
    assert main(["export", "--format", "nt", "--store", base_spec, "-o", str(target)]) == 0
    assert target.read_bytes() == exported("memory", "nt")
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"]


class _FillsUp:
    """An output that takes `room` bytes, then fails as a full disk does."""

    def __init__(self, stream, room: int) -> None:  # noqa: ANN001
        self.stream = stream
        self.room = room
        self.written = 0

    def write(self, data: bytes) -> int:
        if self.written + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.written += len(data)
        return self.stream.write(data)

    def writelines(self, lines) -> None:  # noqa: ANN001
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()


def _clean_error(err: str) -> None:
    assert err.startswith("segur-kg: error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["nt", "nq", "ttl"])
def test_an_export_that_fails_midway_keeps_the_previous_file(
        base_spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], fmt: str):
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"graph.{fmt}"
    target.write_text("previous\n")
    work = tmp_path / "work"
    work.mkdir()
    export_store = streaming.export_store
    outputs: list[_FillsUp] = []

    def filling_up(*args):  # noqa: ANN002, ANN202 - export_store's arguments, output last
        outputs.append(_FillsUp(args[-1], room=200_000))
        export_store(*args[:-1], outputs[-1])

    monkeypatch.setattr(streaming, "export_store", filling_up)
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    code = main(["export", "--format", fmt, "--infer", "--store", base_spec, "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    _clean_error(err)
    assert "No space left on device" in err
    assert outputs and outputs[0].written > 100_000  # it did fail midway
    assert target.read_text() == "previous\n"
    assert [p.name for p in out.iterdir()] == [target.name]  # no temporary file left
    assert list(work.iterdir()) == []  # nor sorted runs


def test_export_from_a_missing_store_keeps_the_previous_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "graph.nt"
    target.write_text("previous\n")
    missing = tmp_path / "nostore"
    code = main(["export", "--format", "nt", "--store", f"oxigraph:{missing}", "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    _clean_error(err)
    assert "no Oxigraph store" in err
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"]  # no store made, no temporary


def test_closed_pipe_from_a_store_ends_quietly(exported, base_spec: str, tmp_path: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "segur_kg", "export", "--format", "nt", "--store", base_spec],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO_ROOT,
        env=cli_env(TMPDIR=str(tmp_path)))
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    stderr = process.stderr.read().decode()
    process.stderr.close()
    process.wait(timeout=60)
    assert first == exported("memory", "nt").splitlines(keepends=True)[0]
    assert stderr == ""
    assert process.returncode == 141
    assert list(tmp_path.iterdir()) == []  # the sorted runs are removed


# --- the counts kept in the store ------------------------------------------------------------


def test_load_keeps_the_counts_in_the_store(base_spec: str, blank_specs: list[str],
                                            memory: MemoryStore):
    from pyoxigraph import Store

    # The stores are closed by segur-kg after each use: the engine alone reads them here.
    def ask(spec: str, graph: str) -> bool:
        store = Store.read_only(spec.removeprefix("oxigraph:"))
        return bool(store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))

    assert ask(base_spec, STATISTICS_GRAPH)
    assert ask(base_spec, CLOSURE_STATISTICS_GRAPH)
    assert ask(blank_specs[0], STATISTICS_GRAPH)
    assert not ask(blank_specs[0], CLOSURE_STATISTICS_GRAPH)  # loaded without --infer
    store = Store.read_only(base_spec.removeprefix("oxigraph:"))
    [[triples]] = store.query(
        f"SELECT ?n WHERE {{ GRAPH <{STATISTICS_GRAPH}> {{ ?d <http://rdfs.org/ns/void#triples> "
        "?n FILTER(STRENDS(STR(?d), '/dataset/segur-kg')) } }")
    assert int(triples.value) == len(memory.graph())


@INFER
@pytest.mark.parametrize("kind", ["oxigraph", "endpoint"])
def test_stored_counts_are_the_counts_of_the_memory_graph(base_spec: str, endpoint_spec: str,
                                                          memory: MemoryStore, kind: str,
                                                          infer: bool):
    from rdflib.compare import isomorphic

    expected = count_graph(memory.graph(infer))
    with open_store(base_spec if kind == "oxigraph" else endpoint_spec) as store:
        assert stored_counts(store.select, infer) is not None  # read, not counted again
        counts = store.counts(infer)
    assert len(counts) == len(expected) > 100
    assert isomorphic(counts, expected)


def test_counts_are_computed_when_the_store_kept_none(tmp_path: Path, memory: MemoryStore):
    import gc

    from pyoxigraph import RdfFormat, Store
    from rdflib.compare import isomorphic

    from segur_kg.stores.loading import dataset_ntriples

    folder = tmp_path / "bare"
    bare = Store(str(folder))  # filled by the engine alone: no counts kept
    bare.bulk_load(dataset_ntriples(), format=RdfFormat.N_TRIPLES)
    bare.flush()
    del bare
    gc.collect()
    with open_store(f"oxigraph:{folder}") as store:
        assert stored_counts(store.select) is None
        counts = store.counts()
    assert len(counts) > 100
    assert isomorphic(counts, count_graph(memory.graph()))


@pytest.mark.parametrize("command", [["describe"], ["stats"], ["stats", "--format", "json"]],
                         ids=["describe", "stats-table", "stats-json"])
def test_describe_and_stats_print_what_the_memory_store_prints(
        base_spec: str, endpoint_spec: str, capsysbinary: pytest.CaptureFixture[bytes],
        memory: MemoryStore, command: list[str]):
    outputs = []
    for spec in ("memory", base_spec, endpoint_spec):
        assert main([*command, "--store", spec]) == 0
        outputs.append(capsysbinary.readouterr().out)
    if command == ["stats", "--format", "json"]:
        assert json.loads(outputs[0])["triples"] == len(memory.graph())
    assert outputs[0]
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]
