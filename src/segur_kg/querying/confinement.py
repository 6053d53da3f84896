"""Processes that evaluate untrusted queries: no network, a memory ceiling, a large stack.

Whatever a query text makes the engine try, the process that evaluates it cannot do harm:
- **No network.** A seccomp filter (Linux, through libseccomp) makes socket(), connect(), bind(),
  listen(), accept() and io_uring_setup() fail with EPERM, so nothing in the process, compiled
  code included (pyoxigraph's SERVICE client), can open a connection. Descriptors inherited from
  the parent (its listening socket, its clients' connections) are replaced by /dev/null first,
  so the process holds no connection it could use or keep open.
- **A memory ceiling.** RLIMIT_DATA is set to what the process holds when confined plus the
  ceiling: past it an allocation fails. Python code raises MemoryError; compiled code (Rust)
  aborts the process with SIGABRT. Either way the parent answers "memory ceiling reached".
- **A large stack.** Evaluation runs on a thread with a LARGE_STACK stack (address space,
  used only as it is touched), so that recursion on nested brackets, which crashes an 8 MiB
  stack at about 2,000 levels, cannot reach its end within the size a query may have.
- **An end.** The parent kills the process when the time limit passes or the user presses
  Ctrl-C, and the process dies with its parent (PR_SET_PDEATHSIG).

`run` does all of this for one call in a forked child (the command line); the server's worker
processes call `enter` and `on_large_stack` themselves (segur_kg.server.workers).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import pickle
import re
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from segur_kg.common.errors import EXIT_TIMEOUT, SegurKgError

MIB = 1024 * 1024
DEFAULT_MAX_MEMORY = 2048 * MIB
MIN_MAX_MEMORY = 64 * MIB
LARGE_STACK = 512 * MIB
_DENIED = ("socket", "connect", "bind", "listen", "accept", "accept4", "io_uring_setup")
_PR_SET_PDEATHSIG = 1
NETWORK_REFUSED = ("the query tried to open a network connection (SERVICE), which a query "
                   "process cannot do; remove the SERVICE block")


class MemoryCeiling(SegurKgError):
    def __init__(self, ceiling: int) -> None:
        super().__init__(
            f"the query needed more than {format_size(ceiling)} of memory (the ceiling set by "
            "--max-memory) and was stopped; simplify it, add a LIMIT, or raise --max-memory",
            EXIT_TIMEOUT,
        )


class Crashed(SegurKgError):
    def __init__(self, how: str) -> None:
        super().__init__(f"the query's process {how}; simplify the query", EXIT_TIMEOUT)


def parse_size(text: str) -> int:
    """A memory size: a number of MiB, or a number with K, M or G (binary units)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*", text, re.IGNORECASE)
    if match is None:
        raise ValueError(f"'{text}' is not a memory size; write e.g. 2048, 512M or 2G")
    unit = {"": MIB, "K": 1024, "M": MIB, "G": 1024 * MIB}[match.group(2).upper()]
    size = int(float(match.group(1)) * unit)
    if size < MIN_MAX_MEMORY:
        raise ValueError(f"'{text}' is too small; give at least {format_size(MIN_MAX_MEMORY)}")
    return size


def format_size(size: int) -> str:
    if size % (1024 * MIB) == 0:
        return f"{size // (1024 * MIB)} GiB"
    return f"{size / MIB:.0f} MiB"


# --- inside the confined process --------------------------------------------------------------

def enter(keep: set[int], network: bool = False) -> str | None:
    """Confine the calling process, which must have a single thread (just forked), except for
    its memory, which `on_large_stack` limits once the stack is in place. Returns None, or why
    the network could not be cut (then only the query check stands between a query and the
    network)."""
    _die_with_parent()
    _drop_inherited(keep | {0, 1, 2})
    return None if network else cut_network()


def quiet_native_errors() -> None:
    """Send what compiled code prints on its own (an allocation failure, a panic's backtrace)
    to /dev/null, and keep Python's messages, logging included, on the real standard error:
    the answer and the log say what happened in one line."""
    import logging

    previous = sys.stderr
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is previous:
            handler.setStream(sys.stderr)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def cut_network() -> str | None:
    """Forbid every new socket in this process; None when done, else the reason it could not."""
    if not sys.platform.startswith("linux"):
        return f"no seccomp on {sys.platform}"
    try:
        import pyseccomp
    except (ImportError, OSError) as exc:  # OSError: libseccomp.so.2 is not installed
        return f"libseccomp is not available ({exc})"
    rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    for name in _DENIED:
        with contextlib.suppress(RuntimeError, ValueError):  # a call this kernel lacks
            rules.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
    try:
        rules.load()
    except (OSError, RuntimeError, ValueError) as exc:
        return f"the seccomp filter could not be loaded ({exc})"
    return None


def limit_memory(ceiling: int) -> None:
    """Allow this process `ceiling` more bytes of data than it holds now."""
    import resource

    limit = _data_size() + ceiling
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _data_size() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource  # elsewhere: the peak resident size, the closest figure at hand

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _drop_inherited(keep: set[int]) -> None:
    """Point every inherited descriptor but `keep` at /dev/null: the connections they held are
    released, and a stale Python object that closes one later closes nothing that matters."""
    try:
        found = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        found = list(range(3, 1024))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in found:
        if fd not in keep and fd != devnull:
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd, inheritable=False)
    os.close(devnull)


def on_large_stack(function: Callable[..., Any], *args: Any,
                   max_memory: int | None = None) -> Any:
    """Call `function(*args)` on a thread with a LARGE_STACK stack, under the memory ceiling
    `max_memory` (counted from when the stack is in place); its result or exception."""
    outcome: list[Any] = []

    def call() -> None:
        try:
            if max_memory is not None:
                limit_memory(max_memory)
            outcome.append((True, function(*args)))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))

    previous = threading.stack_size(LARGE_STACK)
    try:
        thread = threading.Thread(target=call, name="segur-kg-query", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


# --- the parent's side ------------------------------------------------------------------------

def run(function: Callable[[], bytes], *, timeout: float | None, max_memory: int | None,
        network: bool = False) -> bytes:
    """`function()` in a confined child process: its bytes, or its SegurKgError raised here.

    QueryTimeout past `timeout` seconds, MemoryCeiling past `max_memory` bytes, Crashed if the
    child died otherwise; Ctrl-C (KeyboardInterrupt) kills the child and goes on up."""
    import tempfile

    from segur_kg.querying.sparql import QueryTimeout

    sys.stdout.flush()
    sys.stderr.flush()
    # The child's messages are held back: compiled code that runs out of memory prints its
    # own lines before aborting, which the user should not see beside the real error.
    with tempfile.TemporaryFile() as messages:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns
            os.close(reader)
            os.dup2(messages.fileno(), 2)
            _child(writer, function, max_memory, network)
        os.close(writer)
        try:
            data = _read_all(reader, None if not timeout else time.monotonic() + timeout)
        except BaseException:
            _kill(pid)
            raise
        finally:
            os.close(reader)
        if data is None:
            _kill(pid)
            raise QueryTimeout(timeout)  # type: ignore[arg-type]
        _, status = os.waitpid(pid, 0)
        try:
            kind, value, exit_code = pickle.loads(data)
        except Exception:  # nothing, or half an answer: the child died
            kind, value, exit_code = "died", None, 0
        if kind in ("ok", "error", "crash"):
            messages.seek(0)
            sys.stderr.write(messages.read().decode("utf-8", "replace"))
    if kind == "ok":
        return value
    if kind == "memory":
        raise MemoryCeiling(max_memory or 0)
    if kind == "error":
        raise SegurKgError(value, exit_code)
    raise _death(status, max_memory)


def _child(writer: int, function: Callable[[], bytes], max_memory: int | None,
           network: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    code = 0
    try:
        enter({writer}, network)
        answer: tuple[str, Any, int] = ("ok", on_large_stack(function, max_memory=max_memory), 0)
    except MemoryError:
        answer = ("memory", None, 0)
    except SegurKgError as exc:
        answer = ("error", exc.message, exc.exit_code)
    except BaseException as exc:  # a bug: say what it was, the parent reports a crash
        print(f"segur-kg: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        answer, code = ("crash", None, 0), 1
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(writer, view):]
    except MemoryError:
        code = 1
    except OSError:  # the parent went away
        pass
    os._exit(code)


def _read_all(fd: int, deadline: float | None) -> bytes | None:
    """Everything the child writes, or None when the deadline passes first."""
    chunks: list[bytes] = []
    while True:
        wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _death(status: int, max_memory: int | None) -> SegurKgError:
    """Why a child ended without an answer. Compiled code that cannot allocate aborts."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGABRT and max_memory is not None:
            return MemoryCeiling(max_memory)
        return Crashed(f"was ended by signal {number} ({signal.Signals(number).name})")
    return Crashed(f"ended with exit code {os.WEXITSTATUS(status)} without an answer")
