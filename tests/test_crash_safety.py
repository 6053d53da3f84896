"""A command killed at any moment leaves a usable store and no leftovers.

`load` swaps the new Oxigraph store in one step (or the next open recovers from a kill between
the two renames of the fallback), and every open removes the folders of killed loads; the
atomic writers (synth, export -o…) remove their temporary file on SIGTERM and those of killed
runs on the next write. Real subprocesses get real signals; every wait is bounded, no
assertion depends on timing."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT, cli_env

from segur_kg.common import atomic
from segur_kg.stores import oxigraph

COUNT = "SELECT (COUNT(*) AS ?n) WHERE {?s ?p ?o}"
EXTRA = '<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "A"@fr .\n'


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # Module fixtures run before conftest's per-test isolation: give the same cache explicitly.
    return cli_env(SEGUR_KG_CACHE_DIR=str(tmp_path_factory.getbasetemp() / "cache"),
                   SEGUR_KG_HOME=None)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segur_kg", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=300, cwd=REPO_ROOT, env=env)


def _start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "segur_kg", *args], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def stopped() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; killed and reaped at the end whatever happened."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=60)


def _appears(folder: Path, name: str, process: subprocess.Popen, seconds: float = 120) -> bool:
    """Poll `folder` until an entry named by the regular expression `name` appears (True) or
    the process ends first (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(re.fullmatch(name, entry) for entry in os.listdir(folder)):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.01)
    raise AssertionError(f"nothing named {name} appeared in {folder}")


def _count(env: dict[str, str], store: Path) -> int:
    answer = _run(env, "query", "--store", f"oxigraph:{store}", "--sparql", COUNT,
                  "--format", "csv")
    assert answer.returncode == 0, answer.stderr
    return int(answer.stdout.split()[1])


def _dead_pid() -> int:
    """The PID of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait(timeout=60)
    return child.pid


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """A million synthetic triples: a load that takes long enough to be interrupted."""
    path = tmp_path_factory.mktemp("big") / "big.nt"
    made = _run(env, "synth", "--scale", "1M", "-o", str(path))
    assert made.returncode == 0, made.stderr
    return path


@pytest.fixture(scope="module")
def old_store(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    store = tmp_path_factory.mktemp("old") / "store"
    loaded = _run(env, "load", "--store", f"oxigraph:{store}")
    assert loaded.returncode == 0, loaded.stderr
    return store


@pytest.fixture(scope="module")
def new_store(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """The old store plus one triple: a load that was complete but never swapped in."""
    folder = tmp_path_factory.mktemp("new")
    (folder / "extra.nt").write_text(EXTRA, encoding="utf-8")
    loaded = _run(env, "load", "--store", f"oxigraph:{folder / 'store'}",
                  str(folder / "extra.nt"))
    assert loaded.returncode == 0, loaded.stderr
    return folder / "store"


# --- load killed ----------------------------------------------------------------------------


@pytest.mark.parametrize("signum, delay", [
    (signal.SIGKILL, 0.0),  # as soon as the new store's folder is created
    (signal.SIGKILL, 0.5),
    (signal.SIGKILL, 2.0),
    (signal.SIGKILL, 4.0),  # near the end of the load, or after it
    (signal.SIGTERM, 1.0),
])
def test_a_killed_load_leaves_the_old_or_the_new_store_and_no_leftovers(
        tmp_path: Path, env: dict[str, str], big: Path, old_store: Path,
        stopped: list[subprocess.Popen], signum: int, delay: float) -> None:
    store = tmp_path / "store"
    shutil.copytree(old_store, store)
    old = _count(env, store)
    new = old + sum(1 for _ in big.open("rb"))
    process = _start(env, "load", "--store", f"oxigraph:{store}", str(big))
    stopped.append(process)
    assert _appears(tmp_path, rf"\.store\.loading-{process.pid}", process)
    time.sleep(delay)  # varies the moment; no assertion depends on it
    process.send_signal(signum)
    _, errors = process.communicate(timeout=120)
    if signum == signal.SIGTERM:
        assert process.returncode in (0, 143), errors  # 0: the load ended before the signal
    if process.returncode == 143:
        # SIGTERM is handled: the new store's folder is gone before the process is.
        assert errors.endswith("segur-kg: terminated\n"), errors
        assert _listing(tmp_path) == ["store"]
    assert _count(env, store) in (old, new)
    assert _listing(tmp_path) == ["store"]


@pytest.mark.parametrize("command", ["query", "load"])
def test_a_kill_between_the_two_renames_of_a_swap_is_recovered_on_the_next_open(
        tmp_path: Path, env: dict[str, str], old_store: Path, new_store: Path,
        command: str) -> None:
    # The state the fallback swap leaves when killed between its renames: PATH moved aside,
    # the complete new store still under its loading name, the process gone.
    dead = _dead_pid()
    shutil.copytree(old_store, tmp_path / f".store.old-{dead}")
    shutil.copytree(new_store, tmp_path / f".store.loading-{dead}")
    old = _count(env, old_store)
    if command == "load":
        loaded = _run(env, "load", "--store", f"oxigraph:{tmp_path / 'store'}")
        assert loaded.returncode == 0, loaded.stderr
    assert _count(env, tmp_path / "store") == old  # the previous store, not the unfinished load
    assert _listing(tmp_path) == ["store"]


def test_the_folders_of_a_load_in_progress_are_left_alone(
        tmp_path: Path, env: dict[str, str], old_store: Path) -> None:
    live = os.getpid()  # stands for a load that is still running
    shutil.copytree(old_store, tmp_path / "store")
    for name in (f".store.loading-{live}", f".store.old-{live}"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "CURRENT").write_text("in progress", encoding="utf-8")
    dead = _dead_pid()
    (tmp_path / f".store.loading-{dead}").mkdir()
    (tmp_path / f".other.loading-{dead}").mkdir()  # another store's: not this one's to clean
    _count(env, tmp_path / "store")
    assert _listing(tmp_path) == [f".other.loading-{dead}", f".store.loading-{live}",
                                  f".store.old-{live}", "store"]
    # Between the two renames of a swap still running, PATH is missing: nothing is moved back.
    shutil.rmtree(tmp_path / "store")
    missing = _run(env, "query", "--store", f"oxigraph:{tmp_path / 'store'}", "--sparql", COUNT)
    assert missing.returncode == 2 and "no Oxigraph store there" in missing.stderr
    assert (tmp_path / f".store.old-{live}" / "CURRENT").read_text(encoding="utf-8")


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_the_swap_leaves_only_the_new_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool) -> None:
    if not exchange:
        monkeypatch.setattr(oxigraph, "exchange", lambda _first, _second: False)
    elif sys.platform != "linux":
        pytest.skip("renameat2 is Linux's")
    target = tmp_path / "store"
    for generation in ("first", "second"):
        fresh = tmp_path / f".store.loading-{os.getpid()}"
        fresh.mkdir()
        (fresh / generation).write_text(generation, encoding="utf-8")
        oxigraph._swap(fresh, target)
        assert _listing(target) == [generation]
        assert _listing(tmp_path) == ["store"]



def test_the_new_store_is_closed_before_it_is_swapped_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # RocksDB writes its last files by path as it closes: still open at the swap, it would
    # write them into the other folder and leave PATH's manifest naming missing files.
    from pyoxigraph import Store as Oxigraph

    from segur_kg.cli import main

    swapped: list[Path] = []
    swap = oxigraph._swap

    def closed_first(fresh: Path, target: Path) -> None:
        Oxigraph(str(fresh))  # raises OSError while another handle holds the folder's lock
        swapped.append(fresh)
        swap(fresh, target)

    monkeypatch.setattr(oxigraph, "_swap", closed_first)
    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["load", "--store", store]) == 0
    assert main(["infer", "--store", store]) == 0
    assert main(["load", "--store", store, "--infer"]) == 0
    assert len(swapped) == 3 and _listing(tmp_path) == ["store"]

# --- atomic writers killed ------------------------------------------------------------------


def _synth_until_written(env: dict[str, str], folder: Path,
                         stopped: list[subprocess.Popen]) -> subprocess.Popen:
    """synth at a scale that takes long to write, once its temporary file exists."""
    process = _start(env, "synth", "--scale", "10M", "-o", str(folder / "out.nt"))
    stopped.append(process)
    assert _appears(folder, r"\.out\.nt\..+\.tmp", process)
    return process


def test_synth_terminated_removes_its_temporary_file(
        tmp_path: Path, env: dict[str, str], stopped: list[subprocess.Popen]) -> None:
    (tmp_path / "out.nt").write_text("previous\n", encoding="utf-8")
    process = _synth_until_written(env, tmp_path, stopped)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 143
    assert errors.endswith("segur-kg: terminated\n") and "Traceback" not in errors
    assert _listing(tmp_path) == ["out.nt"]
    assert (tmp_path / "out.nt").read_text(encoding="utf-8") == "previous\n"


def test_the_next_synth_removes_what_a_killed_one_left(
        tmp_path: Path, env: dict[str, str], stopped: list[subprocess.Popen]) -> None:
    (tmp_path / "out.nt").write_text("previous\n", encoding="utf-8")
    process = _synth_until_written(env, tmp_path, stopped)
    process.kill()
    process.communicate(timeout=120)
    # SIGKILL cannot be handled: the temporary file stays, named by the killed process's PID.
    left = [name for name in _listing(tmp_path) if name != "out.nt"]
    assert len(left) == 1 and re.fullmatch(rf"\.out\.nt\.{process.pid}-\w+\.tmp", left[0])
    assert (tmp_path / "out.nt").read_text(encoding="utf-8") == "previous\n"
    again = _run(env, "synth", "--scale", "10k", "-o", str(tmp_path / "out.nt"))
    assert again.returncode == 0, again.stderr
    assert _listing(tmp_path) == ["out.nt"]


def test_export_removes_only_the_temporary_files_of_dead_processes(
        tmp_path: Path, env: dict[str, str]) -> None:
    dead, live = _dead_pid(), os.getpid()
    kept = [f".out.ttl.{live}-abcd1234.tmp", f".other.ttl.{dead}-abcd1234.tmp",
            ".out.ttl.abcd1234.tmp"]  # a live writer's, another file's, not named by a PID
    for name in [*kept, f".out.ttl.{dead}-abcd1234.tmp"]:
        (tmp_path / name).write_text("partial", encoding="utf-8")
    written = _run(env, "export", "-o", str(tmp_path / "out.ttl"))
    assert written.returncode == 0, written.stderr
    assert _listing(tmp_path) == sorted([*kept, "out.ttl"])


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_renameat2_exchanges_two_folders_in_one_step(tmp_path: Path) -> None:
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        (tmp_path / name / name).touch()
    assert atomic.exchange(tmp_path / "first", tmp_path / "second")
    assert _listing(tmp_path / "first") == ["second"]
    assert _listing(tmp_path / "second") == ["first"]
