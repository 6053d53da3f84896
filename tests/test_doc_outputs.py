"""Every output the README and the manual (docs/) show is the output the command gives now.

A ```console block shows commands (lines starting with "$ ") each followed by its output,
standard output and error merged as a terminal shows them; a line "..." stands for any number
of lines (timings, long listings). The blocks of one page run in order, with bash, in a fresh
folder filled by `segur-kg examples -o .`, so that a later block may use what an earlier one
made. Blocks that are not to be run (servers, downloads, national-size sets) are ```sh blocks
with no output. Benchmark figures are included from their results files between
`<!-- include PATH -->` and `<!-- end include -->`, and must match them byte for byte."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, cli_env

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
INCLUDE = re.compile(r"^<!-- include (\S+) -->\n(.*?)^<!-- end include -->", re.MULTILINE | re.DOTALL)
ANY_LINES = "..."


def sessions(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every command of every console block, in order."""
    found: list[tuple[str, list[str]]] = []
    for block in CONSOLE.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                assert found, f"output before any command in a console block: {line!r}"
                found[-1][1].append(line.rstrip())
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; "..." matches any run of lines (none included)."""
    if not expected:
        return not actual
    if expected[0] == ANY_LINES:
        return any(matches(expected[1:], actual[start:]) for start in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def test_the_convention_is_understood() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "..."], ["a"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert sessions("```console\n$ x\n1\n$ y\n```\n") == [("x", ["1"]), ("y", [])]


def _shows_output(page: Path) -> bool:
    return bool(CONSOLE.search(page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", [page for page in PAGES if _shows_output(page)],
                         ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_the_commands_of_a_page_print_what_it_shows(page: Path, tmp_path: Path) -> None:
    commands = sessions(page.read_text(encoding="utf-8"))
    env = cli_env(SEGUR_KG_CACHE_DIR=str(tmp_path / "cache"), SEGUR_KG_HOME=None,
                  COLUMNS="100", LC_ALL="C.UTF-8")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    folder = tmp_path / "tour"
    subprocess.run([sys.executable, "-m", "segur_kg", "examples", "-o", str(folder)],
                   env=env, check=True, capture_output=True, timeout=60)
    for command, expected in commands:
        done = subprocess.run(["bash", "-c", command], cwd=folder, env=env, text=True,
                              encoding="utf-8", stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=180)
        actual = [line.rstrip() for line in done.stdout.splitlines()]
        while expected and not expected[-1]:
            expected = expected[:-1]
        while actual and not actual[-1]:
            actual = actual[:-1]
        assert matches(expected, actual), (
            f"{page.name}: `{command}` printed:\n" + "\n".join(actual[:60]))


def test_the_readme_has_a_tour_that_runs() -> None:
    commands = [command for command, _ in sessions((REPO_ROOT / "README.md").read_text())]
    assert len(commands) >= 5
    assert (REPO_ROOT / "README.md").stat().st_size <= 15_000


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_included_results_are_the_results_files(page: Path) -> None:
    for path, shown in INCLUDE.findall(page.read_text(encoding="utf-8")):
        results = REPO_ROOT / path
        assert results.is_file(), f"{page.name} includes {path}, which does not exist"
        assert shown == results.read_text(encoding="utf-8"), (
            f"{page.name}: the copy of {path} differs from the file; copy it again")
