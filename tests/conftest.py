"""Shared fixtures: run the command in a subprocess, copy the repository, load the graph."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("ontology", "data", "queries")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    # Tests read the repository itself and never share or pollute the user's cache.
    monkeypatch.delenv("SEGUR_KG_HOME", raising=False)
    monkeypatch.setenv("SEGUR_KG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


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


def assert_clean_error(result, code: int = 2) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("segur-kg: error: ")
    assert len(result.stderr.strip().splitlines()) == 1
