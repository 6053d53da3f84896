"""Export a store without copying it into memory: its N-Triples are streamed to disk, sorted by
an external merge sort, and written through Oxigraph's serializers.

The same store content always gives the same bytes, whatever the store's own order:
- every line is sorted bytewise (UTF-8 byte order is code point order, the order of the memory
  path's sorted lines), duplicates dropped;
- blank nodes get their RDFC-1.0 canonical labels (c14n0, c14n1…). RDFC-1.0 labels a blank node
  from the triples that mention blank nodes only, so those triples alone are canonicalized, in
  memory: the memory this takes follows the blank-node triples (a few hundred in the ontology),
  not the store.
N-Triples and N-Quads are therefore byte for byte those of the memory store for the same graph;
the other formats are the same graph, written by Oxigraph from the sorted lines.

Memory stays bounded by RUN_BYTES whatever the store's size: each sorted run is written to a
temporary folder, then the runs are merged line by line.
"""

from __future__ import annotations

import heapq
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from segur_kg.rdf.namespaces import PREFIXES
from segur_kg.rdf.serialize import NAMED_GRAPH

if TYPE_CHECKING:
    from rdflib import Graph

    from segur_kg.stores.base import Store

# Bytes of N-Triples sorted in memory at once; a run takes about twice this much memory.
RUN_BYTES = 64 * 1024 * 1024
_OXIGRAPH_FORMATS = {"ttl": "TURTLE", "trig": "TRIG", "xml": "RDF_XML", "jsonld": "JSON_LD"}


def export_store(store: Store, fmt: str, infer: bool, description: Graph,
                 output: BinaryIO) -> None:
    """The store's graph and its description in `fmt`, written to `output`."""
    from segur_kg.publishing.describe import DESCRIPTION_GRAPH

    with tempfile.TemporaryDirectory(prefix="segur-kg-export-") as folder:
        work = Path(folder)
        dump = work / "store.nt"
        with dump.open("wb") as stream:
            store.dump_ntriples(stream, infer)
        plain, blank = sorted_runs(dump, work)
        dump.unlink()
        described = _lines(description)
        described_blank = [line for line in described if has_blank_node(line)]
        described = [line for line in described if not has_blank_node(line)]
        if fmt in ("nq", "trig"):
            # Each graph keeps its blank nodes apart, as serialize.serialize_quads does.
            data = merge_sorted([*plain, _canonical([blank])])
            notes = merge_sorted([described, _canonical([described_blank], "g1")])
            lines: Iterable[bytes] = merge_sorted([_in_graph(data, NAMED_GRAPH),
                                                   _in_graph(notes, DESCRIPTION_GRAPH)])
        else:
            lines = merge_sorted([*plain, described, _canonical([blank, described_blank])])
        if fmt in ("nt", "nq"):
            output.writelines(lines)
            return
        _write_with_oxigraph(lines, fmt, output)


def sorted_runs(dump: Path, work: Path) -> tuple[list[Iterator[bytes]], list[bytes]]:
    """Sorted runs of the lines without blank nodes, each in its own file, and the lines with
    blank nodes (kept in memory: they are canonicalized together)."""
    runs: list[Iterator[bytes]] = []
    blank: list[bytes] = []
    with dump.open("rb") as stream:
        while lines := stream.readlines(RUN_BYTES):
            if any(b"_:" in line for line in lines):
                blank += [line for line in lines if has_blank_node(line)]
                lines = [line for line in lines if not has_blank_node(line)]
            lines.sort()
            run = work / f"run-{len(runs)}.nt"
            run.write_bytes(b"".join(lines))
            del lines
            runs.append(_read_lines(run))
    return runs, blank


def _read_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb", buffering=1 << 20) as stream:
        yield from stream


def has_blank_node(line: bytes) -> bool:
    """Whether an N-Triples line has a blank node as subject or object (a predicate is always
    an IRI; an IRI and a blank-node label hold no space, so the object starts after the second
    space)."""
    if line.startswith(b"_:"):
        return True
    parts = line.split(b" ", 2)
    return len(parts) == 3 and parts[2].startswith(b"_:")


def _canonical(groups: list[list[bytes]], prefix: str = "") -> list[bytes]:
    """These groups of lines, as one graph, with their blank nodes labelled by RDFC-1.0
    (`prefix` before each label), sorted, without duplicates. A blank-node label means the same
    node within a group only: each group is read with labels of its own."""
    if not any(groups):
        return []
    from pyoxigraph import (
        BlankNode,
        CanonicalizationAlgorithm,
        Dataset,
        DefaultGraph,
        Quad,
        RdfFormat,
        Triple,
        parse,
        serialize,
    )

    dataset = Dataset(Quad(t.subject, t.predicate, t.object, DefaultGraph())
                      for lines in groups
                      for t in parse(b"".join(lines), format=RdfFormat.N_TRIPLES,
                                     rename_blank_nodes=True))
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)

    def term(node):  # noqa: ANN001, ANN202
        return BlankNode(prefix + node.value) if isinstance(node, BlankNode) else node

    text = serialize((Triple(term(q.subject), q.predicate, term(q.object)) for q in dataset),
                     format=RdfFormat.N_TRIPLES)
    return sorted(set(text.splitlines(keepends=True)))


def _lines(graph: Graph) -> list[bytes]:
    """A small rdflib graph as N-Triples lines."""
    from segur_kg.rdf.canonical import ntriples

    return ntriples(graph).splitlines(keepends=True)


def merge_sorted(runs: list[Iterable[bytes]]) -> Iterator[bytes]:
    """The sorted runs merged into one sorted stream, each line once."""
    previous = None
    for line in heapq.merge(*runs):
        if line != previous:
            yield line
            previous = line


def _in_graph(lines: Iterable[bytes], graph: str) -> Iterator[bytes]:
    """N-Triples lines as N-Quads lines of `graph`. The order is kept: two lines differ before
    their final ' .', and the graph name goes where that was."""
    suffix = f" <{graph}> .\n".encode()
    for line in lines:
        yield line[:-3] + suffix


def _write_with_oxigraph(lines: Iterable[bytes], fmt: str,
                         output: BinaryIO) -> None:
    """The sorted lines written in `fmt` by Oxigraph's serializer, which reads them as they are
    merged (no merged copy on disk)."""
    from pyoxigraph import RdfFormat, parse, serialize

    source = RdfFormat.N_QUADS if fmt == "trig" else RdfFormat.N_TRIPLES
    target = getattr(RdfFormat, _OXIGRAPH_FORMATS[fmt])
    reader = io.BufferedReader(_LinesReader(lines), buffer_size=1 << 20)
    serialize(parse(reader, format=source, rename_blank_nodes=False),
              output=output, format=target, prefixes=dict(PREFIXES))


class _LinesReader(io.RawIOBase):
    """A stream of lines as a binary file, read once from start to end."""

    def __init__(self, lines: Iterable[bytes]) -> None:
        self.lines = iter(lines)
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            chunk = b"".join(itertools.islice(self.lines, 4096))
            if not chunk:
                return 0
            self.pending = chunk
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size
