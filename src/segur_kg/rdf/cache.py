"""Graphs kept between runs: the parsed dataset and its OWL 2 RL closure.

Each file is named by a key over the package and reasoner versions and every source file's
name and bytes, so an edited source is never answered from an old cache. A file holds the
graph's prefix bindings as comment lines, then sorted N-Triples (rdflib reads them several
times faster than Turtle), then a checksum line: a truncated or edited file is detected and
rebuilt instead of silently giving wrong answers, and no pickle is ever loaded.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.common import paths
from segur_kg.common.atomic import write_atomic
from segur_kg.common.metadata import metadata

if TYPE_CHECKING:
    from collections.abc import Callable

    from rdflib import Graph

_CHECKSUM_PREFIX = b"# sha256 "
_PREFIX_LINE = "# prefix "
# Bumped when rdf.reading's reader accepts or refuses other files (2: one reader, Oxigraph's parsers).
READER_VERSION = "2"


def cache_dir() -> Path:
    """$SEGUR_KG_CACHE_DIR, else $XDG_CACHE_HOME/segur-kg, else ~/.cache/segur-kg."""
    explicit = os.environ.get("SEGUR_KG_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "segur-kg"


def sources_key(extra: str = "") -> str:
    """SHA-256 of the versions, `extra`, and every source file's name and bytes."""
    from importlib.metadata import PackageNotFoundError, version

    from segur_kg.rdf.reading import source_files

    digest = hashlib.sha256()
    try:
        reasoner = version("owlrl")
    except PackageNotFoundError:
        reasoner = "unknown"
    # The reader's version too: a graph cached by a more lenient reader must be read again.
    digest.update(f"segur-kg {metadata().version}\nowlrl {reasoner}\nreader {READER_VERSION}\n"
                  f"{extra}\n".encode())
    root = paths.root()
    for path in source_files():
        data = path.read_bytes()
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def cached_graph(path: Path, build: Callable[[], Graph]) -> Graph:
    """The graph kept in `path` when it is there and intact, else build() (then kept)."""
    found = _read(path)
    if found is not None:
        return found
    graph = build()
    _write(path, graph)
    return graph


def cached_ntriples(path: Path, build: Callable[[], Graph]) -> bytes:
    """The sorted N-Triples of the graph kept in `path` (see cached_graph), read as bytes: a
    store loads them as they are, without making rdflib objects of them."""
    from segur_kg.rdf.serialize import serialize

    body = _verified(path)
    if body is None:
        graph = cached_graph(path, build)
        body = _verified(path)
        if body is None:  # the cache cannot be written
            return serialize(graph, "nt")
    while body.startswith(_PREFIX_LINE.encode()):
        body = body.partition(b"\n")[2]
    return body


def _verified(path: Path) -> bytes | None:
    """The content of a cache file whose checksum holds, without the checksum line."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    body, _, last = raw.rstrip(b"\n").rpartition(b"\n")
    if not last.startswith(_CHECKSUM_PREFIX):
        return None
    body += b"\n"
    if hashlib.sha256(body).hexdigest().encode() != last[len(_CHECKSUM_PREFIX):].strip():
        return None
    return body


def _read(path: Path) -> Graph | None:
    from segur_kg.rdf.namespaces import new_graph

    body = _verified(path)
    if body is None:
        return None
    graph = new_graph()
    try:
        text = body.decode("utf-8")
        bindings = []
        while text.startswith(_PREFIX_LINE):
            line, _, text = text.partition("\n")
            prefix, _, namespace = line[len(_PREFIX_LINE):].partition(" ")
            bindings.append((prefix, namespace))
        graph.parse(data=text, format="nt")
    except Exception:  # a damaged cache is only a lost shortcut: rebuild
        return None
    for prefix, namespace in bindings:
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def _write(path: Path, graph: Graph) -> None:
    from segur_kg.rdf.serialize import serialize

    prefixes = "".join(f"{_PREFIX_LINE}{prefix} {namespace}\n"
                       for prefix, namespace in graph.namespaces())
    data = prefixes.encode("utf-8") + serialize(graph, "nt")  # sorted: the same bytes each time
    data += _CHECKSUM_PREFIX + hashlib.sha256(data).hexdigest().encode() + b"\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    except OSError:
        pass  # an unwritable cache only costs time on the next run


def dataset() -> Graph:
    """The dataset as rdf.reading.load_dataset() builds it, read from the cache when possible."""
    from segur_kg.rdf.reading import load_dataset

    return cached_graph(_dataset_file(), load_dataset)


def dataset_ntriples() -> bytes:
    """The dataset's sorted N-Triples, from the cache when possible."""
    from segur_kg.rdf.reading import load_dataset

    return cached_ntriples(_dataset_file(), load_dataset)


def _dataset_file() -> Path:
    return cache_dir() / f"dataset-{sources_key('dataset 1')}.nt"
