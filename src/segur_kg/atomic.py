"""Atomic file writes: a failure never leaves a partial file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target.

    A symbolic link is written through (its target is replaced, the link stays); a
    target that exists but is not a regular file (a device, a pipe, a folder) is
    refused, since renaming over it would replace it."""
    with _beside(path) as (handle, _temporary):
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())


@contextmanager
def _beside(path: Path) -> Iterator[tuple[int, str]]:
    """A temporary file next to `path` (resolved through links), renamed over it when the
    block ends normally and removed otherwise."""
    path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        raise NotRegularFileError(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; give it the permissions a plain open() would.
        os.chmod(temporary, 0o666 & ~_umask())
        yield handle, temporary
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class NotRegularFileError(OSError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists and is not a regular file")
        self.strerror = "it exists and is not a regular file"
        self.filename = str(path)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def open_atomic(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream for writing `path` piece by piece, with the guarantees of
    write_atomic: the lines go to a temporary file in the same folder, which is synced and
    renamed over the target only when the block ends normally. On an error or Ctrl-C the
    temporary file is removed and the target is left as it was."""
    with _beside(path) as (handle, _temporary):
        # A large buffer: callers write many short lines.
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
