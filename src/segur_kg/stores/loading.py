"""What a store is filled with: the dataset, then extra files, cut in chunks a store can take in
bulk; and the closure graph built from the cached base closure and the asserted triples."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from segur_kg.common.errors import SegurKgError

CHUNK_BYTES = 32 * 1024 * 1024
# Read by the native parsers of the stores. The other formats go through rdf.reading.parse_file,
# whose parsing is known never to open a file or the network (DTDs, remote contexts) and which
# flattens named graphs, as every other command does.
NATIVE = {".nt": "nt", ".ttl": "ttl"}
CONVERTED = {".rdf", ".owl", ".xml", ".jsonld", ".json", ".nq", ".trig"}
STATUS_GRAPH = "https://w3id.org/segur/graph/status"
HAS_VERSION = "http://purl.org/dc/terms/hasVersion"
# "Parser error at line 3 column 24: …", "… at line 1 between columns 1 and 13: …"
_POSITION = re.compile(r"Parser error (?:at|between) line (\d+)[^:]*?columns? (\d+)[^:]*: ")


@dataclass(frozen=True)
class Chunk:
    data: bytes
    fmt: str  # "nt" or "ttl"
    source: str  # file name for messages
    first_line: int  # line of the file the chunk starts at


def check_files(files: list[Path]) -> None:
    """Refuse what validate, diff or nos import would refuse, with the same message, before
    touching the store: every file goes through the reader of every command (rdf.reading), which
    reads it once, streamed, and checks each term (ill-typed literals, invalid IRIs)."""
    from segur_kg.rdf.reading import check_file, rdf_format

    for path in files:
        rdf_format(path)  # an unknown extension is refused before any file is read
    for path in files:
        check_file(path)


class Checking:
    """check_files in a thread of its own, while the engine loads the same files: the reader is
    Python and the engine's bulk load is native, so the check costs no time on two cores. The
    load goes into a new store that is kept only if the check passes (see result())."""

    def __init__(self, files: list[Path]) -> None:
        import threading

        from segur_kg.rdf.reading import rdf_format

        for path in files:
            rdf_format(path)  # an unknown extension is refused before any file is read
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(files,), daemon=True)
        self._thread.start()

    def _run(self, files: list[Path]) -> None:
        try:
            check_files(files)
        except BaseException as exc:  # handed to the loading thread by result()
            self._error = exc

    def result(self, loading_error: BaseException | None = None) -> None:
        """Wait for the check; raise what it found, which comes first: the reader's message is
        the one every command gives, and it reads the files in order. Else re-raise the
        load's own error, if any."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        if loading_error is not None:
            raise loading_error


def total_bytes(files: list[Path]) -> int:
    return sum(path.stat().st_size for path in files)


def dataset_ntriples() -> bytes:
    """The dataset exactly as the memory store holds it (version and licence stamped)."""
    from segur_kg.rdf.cache import dataset_ntriples as cached

    return cached()


def base_closure_ntriples() -> bytes:
    """The cached OWL 2 RL closure of the dataset, as N-Triples."""
    from segur_kg.reasoning.inference import inferred_ntriples

    return inferred_ntriples()


def chunks(files: list[Path]) -> Iterator[Chunk]:
    from segur_kg.common.paths import display
    from segur_kg.rdf.reading import read_bytes, unreadable

    for path in files:
        suffix = path.suffix.lower()
        shown = display(path)
        if suffix in CONVERTED:
            yield Chunk(_converted(path), "nt", shown, 1)
        elif NATIVE[suffix] == "ttl":
            yield Chunk(read_bytes(path, shown), "ttl", shown, 1)  # prefixes: not cut
        else:
            try:
                yield from _ntriples_chunks(path, shown)
            except OSError as exc:  # read once already, but it may have changed since
                raise unreadable(path, shown, exc) from None


def _converted(path: Path) -> bytes:
    from segur_kg.rdf.reading import parse_file

    graph = parse_file(path)
    return graph.serialize(format="nt", encoding="utf-8")


def _ntriples_chunks(path: Path, shown: str) -> Iterator[Chunk]:
    """N-Triples has one triple per line, so it can be cut at any line end."""
    line = 1
    with path.open("rb") as stream:
        while True:
            data = stream.read(CHUNK_BYTES)
            if not data:
                return
            if not data.endswith(b"\n"):
                data += stream.readline()
            yield Chunk(data, "nt", shown, line)
            line += data.count(b"\n")


def as_ntriples(chunk: Chunk) -> bytes:
    """A Turtle chunk as N-Triples (for the closure, and for endpoints that take N-Triples)."""
    from pyoxigraph import RdfFormat, parse

    try:
        return "".join(f"{t} .\n" for t in parse(chunk.data, format=RdfFormat.TURTLE)).encode()
    except SyntaxError as exc:
        raise syntax_error(chunk, str(exc)) from None


def syntax_error(chunk: Chunk, message: str) -> SegurKgError:
    """A store parser's message as rdf.reading words it, with the line of the file, not of the chunk.
    (Files are checked by rdf.reading first; this is for a file changed while it was loaded.)"""
    from segur_kg.rdf.reading import syntax_error_message

    text = " ".join(message.split())
    position = _POSITION.search(text)
    if position is None:
        return SegurKgError(f"{chunk.source}: invalid RDF ({text}); fix the file and load again")
    line = int(position.group(1)) + chunk.first_line - 1
    why = re.sub(r" \(line \d+\)$", "", text[position.end():])
    return SegurKgError(syntax_error_message(chunk.source, line, int(position.group(2)), why))


def closure_marker(key: str) -> bytes:
    """The triple (in STATUS_GRAPH) that says a complete closure is in the store."""
    from segur_kg.stores.base import CLOSURE_GRAPH

    return f'<{CLOSURE_GRAPH}> <{HAS_VERSION}> "{key}" .\n'.encode()


def closure_ntriples(asserted: Path) -> Iterator[bytes]:
    """The closure graph's content, in pieces a store takes in bulk: the cached base closure,
    the asserted triples (an N-Triples file, read as a stream, so that memory does not grow
    with the store) and what they entail."""
    from segur_kg.reasoning.entailment import base_schema, entailed_lines

    yield base_closure_ntriples()
    for chunk in _ntriples_chunks(asserted, asserted.name):
        yield chunk.data
    lines: list[str] = []
    # by N-Triples lines, which end at \n only (str.splitlines also cuts at U+2028, U+0085…,
    # which a literal may hold)
    with asserted.open(encoding="utf-8", newline="\n") as stream:
        for line in entailed_lines(stream, base_schema()):
            lines.append(line)
            if len(lines) >= 500_000:
                yield "".join(lines).encode("utf-8")
                lines = []
    yield "".join(lines).encode("utf-8")
