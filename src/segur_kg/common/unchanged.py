"""What a process built from files, kept while those files are unchanged: a process that
validates many times (the tests, a server, a store checked in parts) reads the ontology and
the shapes once, and again only after they were edited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# name → (the files' paths, modification times and sizes when it was built, what was built)
_kept: dict[str, tuple[tuple[tuple[str, int, int], ...], Any]] = {}


def while_unchanged(name: str, files: list[Path], build: Callable[[], T]) -> T:
    """`build()`, or what it gave last time under `name` if none of `files` changed since."""
    try:
        stamp = tuple((str(path), stat.st_mtime_ns, stat.st_size)
                      for path in files for stat in [path.stat()])
    except OSError:
        return build()  # which says what is missing
    kept = _kept.get(name)
    if kept is None or kept[0] != stamp:
        kept = _kept[name] = (stamp, build())
    return kept[1]  # type: ignore[no-any-return]
