"""Atomic file writes: a failure never leaves a partial file behind.

The temporary file is `.NAME.PID-XXXXXXXX.tmp` next to the target NAME. SIGTERM while it exists
removes it (the command ends with exit 143); a process killed outright (SIGKILL, a power cut)
cannot clean up, so every later write of the same target first removes the temporary files of
processes that no longer run, recognised by the PID in their name.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

EXIT_TERMINATED = 143  # as shells report SIGTERM


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
    block ends normally and removed otherwise, SIGTERM included."""
    path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        raise NotRegularFileError(path)
    for leftover in stale(path.parent, _temporary_names(path.name)):
        with suppress(OSError):
            leftover.unlink()
    with cleanup_on_sigterm():
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-",
                                             suffix=".tmp")
        try:
            # mkstemp makes the file private; give it the permissions a plain open() would.
            os.chmod(temporary, 0o666 & ~_umask())
            yield handle, temporary
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _temporary_names(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.(\d+)-\w+\.tmp")


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
    renamed over the target only when the block ends normally. On an error, Ctrl-C or SIGTERM
    the temporary file is removed and the target is left as it was."""
    with _beside(path) as (handle, _temporary):
        # A large buffer: callers write many short lines.
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())


@contextmanager
def open_atomic_bytes(path: Path) -> Iterator[BinaryIO]:
    """As open_atomic, for bytes."""
    with _beside(path) as (handle, _temporary):
        with os.fdopen(handle, "wb", buffering=1 << 20) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())


# --- interruptions and leftovers ------------------------------------------------------------


class Terminated(SystemExit):
    """SIGTERM arrived: raised like Ctrl-C's KeyboardInterrupt so that every cleanup on the
    way out runs, then the process exits with 143."""

    def __init__(self) -> None:
        super().__init__(EXIT_TERMINATED)


@contextmanager
def cleanup_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into Terminated inside the block. Left alone when the program already
    handles SIGTERM (a server) or when not in the main thread (signals go there only)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def terminate(_signum: int, _frame: object) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except Terminated:
        print("segur-kg: terminated", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def running(pid: int) -> bool:
    """Whether process `pid` exists (here, in this PID namespace)."""
    try:
        os.kill(pid, 0)  # signal 0: only checks
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by another user
        return True
    except OverflowError:  # no PID is that large
        return False
    return True


def stale(folder: Path, names: re.Pattern[str]) -> list[Path]:
    """The entries of `folder` whose whole name matches `names`, its first group a PID, and
    whose process no longer runs: the leftovers of killed processes, safe to remove. The
    leftovers of a process that runs are never listed."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    return sorted(folder / name for name in entries
                  if (match := names.fullmatch(name)) and not running(int(match.group(1))))


_AT_FDCWD = -100  # from <fcntl.h>: paths relative to the working folder
_RENAME_EXCHANGE = 2  # from <linux/fs.h>


def exchange(first: Path, second: Path) -> bool:
    """Exchange two paths in one step (Linux renameat2, RENAME_EXCHANGE); False where the
    system, its C library or the file system cannot."""
    if sys.platform != "linux":
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # a C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                     _RENAME_EXCHANGE) == 0
