"""scripts/install.sh on a machine without root: it needs only Python, installs nothing with
apt, and says which system tools are missing and which tests need them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "install.sh"
# What the script may use besides the tools it looks for.
BASICS = ("bash", "env", "uname", "grep", "cut", "tr", "cat", "dirname", "mkdir", "rm")


def bare_path(folder: Path, python: str | None = sys.executable) -> str:
    """A PATH with the basics, a non-root `id`, an `apt-get` that only leaves a mark, and no
    sudo, rapper, roqet, dot, chromium or ldconfig."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in BASICS:
        found = shutil.which(name)
        assert found, name
        (folder / name).symlink_to(found)
    if python:
        (folder / "python3").symlink_to(python)
    (folder / "id").write_text("#!/bin/sh\necho 1000\n")
    (folder / "apt-get").write_text(f"#!/bin/sh\ntouch {folder / 'apt-was-called'}\n")
    for script in ("id", "apt-get"):
        (folder / script).chmod(0o755)
    return str(folder)


def run(script: Path, path: str, *args: str, cwd: Path | None = None):
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(["bash", str(script), *args], env=env, capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def test_check_lists_each_missing_tool_with_the_tests_that_need_it(tmp_path: Path) -> None:
    result = run(SCRIPT, bare_path(tmp_path / "bin"), "--check")
    assert result.returncode == 0, result.stderr
    for tool, package, needed in (("rapper", "raptor2-utils", "test_export_parsers.py"),
                                  ("roqet", "rasqal-utils", "test_server_protocol.py"),
                                  ("dot", "graphviz", "test_docs.py"),
                                  ("chromium", "chromium", "test_server_pages.py")):
        line = next(line for line in result.stderr.splitlines() if f"- {tool} " in line)
        assert package in line and needed in line
    assert not (tmp_path / "bin" / "apt-was-called").exists()


def test_without_a_recent_python_it_says_so(tmp_path: Path) -> None:
    old = tmp_path / "old-python"
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    result = run(SCRIPT, bare_path(tmp_path / "bin", python=str(old)))
    assert result.returncode == 1
    assert "needs Python 3.11 or newer" in result.stderr


def test_without_root_it_installs_with_pip_alone(tmp_path: Path) -> None:
    # The script on a tiny project of its own: the real one would take minutes to install.
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, project / "scripts" / "install.sh")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "tiny"\nversion = "1.0"\n[project.optional-dependencies]\n'
        'test = []\n[tool.hatch.build.targets.wheel]\npackages = ["tiny"]\n')
    (project / "tiny").mkdir()
    (project / "tiny" / "__init__.py").write_text("")
    path = bare_path(tmp_path / "bin")
    result = run(project / "scripts" / "install.sh", path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "bin" / "apt-was-called").exists()
    assert "these system tools are missing" in result.stderr
    check = subprocess.run([str(project / ".venv" / "bin" / "python"), "-c", "import tiny"],
                           capture_output=True, timeout=60)
    assert check.returncode == 0
