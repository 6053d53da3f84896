"""The built wheel works outside the checkout: installed in a fresh virtual environment and run
from an empty folder, every command finds what it needs (vocabulary, data, queries, shapes,
changelog, examples, NOS sources, benchmark questions) inside the package.

The fresh environment gets the wheel alone (--no-deps) and borrows the libraries of the test
environment through a .pth file: what is tested is the wheel's content, without downloading
the dependencies again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(work / "dist"), str(REPO_ROOT)], check=True, timeout=600,
                   capture_output=True)
    wheel = next((work / "dist").glob("segur_kg-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--quiet", str(wheel)], check=True, timeout=300,
                   capture_output=True)
    # After the wheel's own files: the test environment's libraries, not its segur_kg.
    (site / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = work / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "SEGUR_KG_HOME", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", HOME=str(home),
               SEGUR_KG_CACHE_DIR=str(work / "cache"))
    return {"wheel": wheel, "python": python, "env": env, "work": work}


def run(installed: dict, *command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), cwd=cwd, env=installed["env"], capture_output=True,
                          text=True, encoding="utf-8", timeout=300)


def test_the_wheel_carries_the_sources_of_the_graph_and_the_licences(installed) -> None:
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    for needed in ("segur_kg/_resources/ontology/segur.ttl",
                   "segur_kg/_resources/CHANGELOG.md",
                   "segur_kg/_resources/examples/demo.ttl",
                   "segur_kg/_resources/sources/nos/CodeSystem-TRE-R30-RegionOM.ttl",
                   "segur_kg/_resources/benchmarks/queries/mailboxes-per-kind.rq",
                   "segur_kg/_resources/queries/national/ehpad-per-ars.rq"):
        assert needed in names, needed
    licences = {Path(name).name for name in names if "/licenses/" in name}
    assert {"LICENSE", "LICENSE-DATA", "THIRD-PARTY.md"} <= licences
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(installed["wheel"]).read(metadata).decode()
    assert "License-Expression: MIT AND CC-BY-4.0" in text


def test_every_command_works_outside_the_checkout(installed, tmp_path: Path) -> None:
    python = str(installed["python"])
    where = run(installed, python, "-c", "import segur_kg; print(segur_kg.__file__)",
                cwd=tmp_path)
    assert str(installed["work"] / "venv") in where.stdout, where.stdout + where.stderr
    steps = [
        ["segur-kg", "examples", "-o", "tour"],
        ["segur-kg", "query", "ars-of-region", "--param", "region=Bretagne", "--lang", "en"],
        ["segur-kg", "validate"],
        ["segur-kg", "export", "-o", "graph.nt"],
        ["segur-kg", "describe", "--format", "nt", "-o", "description.nt"],
        ["segur-kg", "release", "-o", "dist"],
        ["segur-kg", "stats", "--format", "json"],
        ["segur-kg", "load", "--store", "oxigraph:kg"],
        ["segur-kg", "query", "corridors", "--store", "oxigraph:kg"],
        ["segur-kg", "synth", "--format", "finess", "--rows", "200", "-o", "finess.csv"],
        ["segur-kg", "import", "finess", "finess.csv", "-o", "finess.nt"],
    ]
    for step in steps:
        done = run(installed, *step, cwd=tmp_path)
        assert done.returncode == 0, f"{step}: {done.stderr[-2000:]}"
    assert "Regional health agency of Brittany" in run(
        installed, "segur-kg", "query", "ars-of-region", "--param", "region=Bretagne",
        "--lang", "en", cwd=tmp_path).stdout
    assert json.loads(run(installed, "segur-kg", "stats", "--format", "json",
                          cwd=tmp_path).stdout)["triples"] > 5000
    tour = tmp_path / "tour"
    inside = [["segur-kg", "validate", "demo.ttl", "--with-dataset"],
              ["segur-kg", "diff", "old", "new"],
              ["segur-kg", "query", "benchmarks/queries/mailboxes-per-kind.rq"],
              ["bash", "-c", "mkdir nos && segur-kg nos import sources/nos/*.ttl -o nos"],
              [python, "api_tour.py"]]
    codes = [run(installed, *step, cwd=tour) for step in inside]
    assert [done.returncode for done in codes] == [1, 1, 0, 0, 0], [d.stderr for d in codes]
    assert "3 violations, 1 warning" in codes[0].stdout
    assert "demo.ttl conforms: False" in codes[4].stdout
    assert (tmp_path / "dist").is_dir() and any((tmp_path / "dist").rglob("CHANGELOG.md"))


def test_the_readme_tour_runs_from_the_wheel(installed, tmp_path: Path) -> None:
    """The README's console blocks, run with the installed wheel in a folder of examples,
    print what the README shows (as tests/test_doc_outputs.py checks from the checkout)."""
    from test_doc_outputs import matches, sessions

    folder = tmp_path / "tour"
    assert run(installed, "segur-kg", "examples", "-o", str(folder), cwd=tmp_path).returncode == 0
    commands = sessions((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(commands) >= 5
    for command, expected in commands:
        done = subprocess.run(["bash", "-c", command], cwd=folder, env=installed["env"],
                              text=True, encoding="utf-8", stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=300)
        actual = [line.rstrip() for line in done.stdout.rstrip("\n").splitlines()]
        while expected and not expected[-1]:
            expected = expected[:-1]
        assert matches(expected, actual), f"`{command}` printed:\n" + "\n".join(actual[:40])
