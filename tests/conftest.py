"""Shared fixtures: run the command in a subprocess, copy the repository, load the graph."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
OXIGRAPH_SERVER = Path(sys.executable).parent / "oxigraph"
SOURCE_DIRS = ("ontology", "data", "queries")


def _isolate(patch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Tests read the repository itself and never share or pollute the user's cache.
    patch.delenv("SEGUR_KG_HOME", raising=False)
    patch.setenv("SEGUR_KG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session", autouse=True)
def _session_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Module-scoped fixtures (stores loaded once per module) run before any test's own
    # environment is set: they get the same one from here.
    patch = pytest.MonkeyPatch()
    _isolate(patch, tmp_path_factory)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    _isolate(monkeypatch, tmp_path_factory)  # again, should a test have changed it


@contextmanager
def oxigraph_endpoint(folder: Path) -> Iterator[str]:
    """A real `oxigraph serve` (the `oxigraph` package) on loopback, its data in `folder`,
    filled with the dataset and its closure by `segur-kg load` through the Graph Store
    Protocol; yields its SPARQL query URL, and stops it at the end."""
    from segur_kg.cli import main

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "oxigraph.log"
    with log.open("w") as errors:
        server = subprocess.Popen(
            [str(OXIGRAPH_SERVER), "serve", "--location", str(folder / "data"),
             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"oxigraph serve stopped: {log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "oxigraph serve did not start listening"
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        assert main(["load", "--store", f"sparql:{base}/query", "--graph-store",
                     f"{base}/store", "--infer"]) == 0
        yield f"{base}/query"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


def cli_env(**overrides: str | None) -> dict[str, str]:
    """The environment for a subprocess: the package importable, variables set or removed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "src"),
                                                      env.get("PYTHONPATH")]))
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


RunCli = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run_cli() -> RunCli:
    """Run `python -m segur_kg ARGS`; keyword arguments set (or, with None, remove) env vars."""

    def run(*args: str, timeout: float = 120, cwd: Path | None = None,
            **env: str | None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "segur_kg", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            cwd=cwd or REPO_ROOT,
            env=cli_env(**env),
        )

    return run


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A private copy of ontology/, data/ and queries/, to be pointed at with SEGUR_KG_HOME."""
    home = tmp_path / "home"
    for name in SOURCE_DIRS:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, home / name)
    return home


@pytest.fixture
def dataset():
    """The loaded dataset (ontology + data), as every command sees it."""
    from segur_kg.rdf.reading import load_dataset

    return load_dataset()


@pytest.fixture
def listening_socket():
    """A local server that counts on nothing connecting to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    yield server
    server.close()


def assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(TimeoutError):
        connection, _ = server.accept()
        connection.close()


def assert_clean_error(result, code: int = 2, lines: int = 1) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("segur-kg: error: ")
    assert len(result.stderr.strip().splitlines()) == lines


@contextmanager
def command_output() -> Iterator[io.BytesIO]:
    """Standard output of segur_kg.cli.main, text and bytes (it writes to sys.stdout.buffer),
    kept; for fixtures that run commands outside a test's own capture."""
    import contextlib

    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    with contextlib.redirect_stdout(stream):
        yield buffer
        stream.flush()
    stream.detach()  # the buffer stays open once the wrapper is collected
