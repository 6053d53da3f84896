"""OWL 2 RL closure of the dataset, computed once per set of sources and kept in a cache.

The cache file is N-Triples followed by a checksum line, so a truncated or edited file is
detected and recomputed instead of silently giving wrong answers (and no pickle is ever loaded).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg import paths
from segur_kg.atomic import write_atomic
from segur_kg.metadata import metadata
from segur_kg.rdf_io import bind_prefixes, load_dataset, new_graph, source_files

if TYPE_CHECKING:
    from rdflib import Graph

_CHECKSUM_PREFIX = b"# sha256 "
# Bumped whenever closure() changes what it keeps, so older cached closures are not reused.
_CLOSURE_VERSION = "2"


def cache_dir() -> Path:
    """$SEGUR_KG_CACHE_DIR, else $XDG_CACHE_HOME/segur-kg, else ~/.cache/segur-kg."""
    explicit = os.environ.get("SEGUR_KG_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "segur-kg"


def cache_key() -> str:
    """SHA-256 of the package and reasoner versions and of every source file's name and bytes."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    try:
        reasoner = version("owlrl")
    except PackageNotFoundError:
        reasoner = "unknown"
    digest.update(f"segur-kg {metadata().version}\nowlrl {reasoner}\n"
                  f"closure {_CLOSURE_VERSION}\n".encode())
    for path in source_files():
        data = path.read_bytes()
        root = paths.root()
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def cache_file() -> Path:
    return cache_dir() / f"closure-{cache_key()}.nt"


def inferred_dataset() -> Graph:
    """The dataset closed under OWL 2 RL, from the cache when it is there and intact."""
    path = cache_file()
    cached = _read_cache(path)
    if cached is not None:
        return cached
    graph = closure(load_dataset())
    _write_cache(path, graph)
    return graph


def closure(graph: Graph) -> Graph:
    """OWL 2 RL closure of a copy of `graph` (the input is left untouched)."""
    from owlrl import DeductiveClosure, OWLRL_Semantics
    from rdflib import OWL, Literal

    closed = new_graph()
    for triple in graph:
        closed.add(triple)
    DeductiveClosure(OWLRL_Semantics).expand(closed)
    # owlrl asserts facts about literals (literal subjects); RDF serializations cannot say them.
    # It also says that every resource is owl:sameAs itself, which only adds noise to answers
    # (an actor "related to itself") and is left out of the inference at scale too.
    for triple in [t for t in closed if isinstance(t[0], Literal)
                   or (t[1] == OWL.sameAs and t[0] == t[2])]:
        closed.remove(triple)
    bind_prefixes(closed)
    return closed


def _read_cache(path: Path) -> Graph | None:
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
    graph = new_graph()
    try:
        graph.parse(data=body, format="nt")
    except Exception:  # a damaged cache is only a lost shortcut: recompute
        return None
    bind_prefixes(graph)
    return graph


def _write_cache(path: Path, graph: Graph) -> None:
    from segur_kg.serialize import serialize

    data = serialize(graph, "nt")  # sorted N-Triples, the same bytes for the same closure
    data += _CHECKSUM_PREFIX + hashlib.sha256(data).hexdigest().encode() + b"\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    except OSError:
        pass  # an unwritable cache only costs time on the next run
