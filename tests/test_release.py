"""`segur-kg release`: every file, verifiable checksums, identical rebuilds, no overwrite."""

from __future__ import annotations

import hashlib
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import assert_clean_error
from rdflib import RDF, Graph, Namespace, URIRef

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's own lacks dcat:version
SPDX = Namespace("http://spdx.org/rdf/terms#")


@pytest.fixture(scope="module")
def version() -> str:
    root = Path(__file__).resolve().parents[1]
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One release shared by the tests that only read it."""
    import sys

    from conftest import REPO_ROOT, cli_env

    out = tmp_path_factory.mktemp("shared") / "dist"
    result = subprocess.run([sys.executable, "-m", "segur_kg", "release", "-o", str(out)],
                            capture_output=True, text=True, cwd=REPO_ROOT, env=cli_env(),
                            timeout=300)
    assert result.returncode == 0, result.stderr
    [folder] = out.iterdir()
    return folder


def _build(run_cli, out: Path, *extra: str, **env: str) -> Path:
    result = run_cli("release", "-o", str(out), *extra, **env)
    assert result.returncode == 0, result.stderr
    folders = [p for p in out.iterdir()]
    assert len(folders) == 1, folders  # the release only: no staging folder left behind
    return folders[0]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_release_holds_every_file_and_sha256sum_verifies_them(
    built: Path, repo_root: Path, version: str
) -> None:
    from segur_kg.publishing.describe import distributions

    folder = built
    assert folder.name == f"segur-kg-{version}"
    files = _files(folder)
    expected = {dist.path for dist in distributions()}
    expected |= {"description.ttl", "shapes/segur-shapes.ttl", "CHANGELOG.md", "SHA256SUMS"}
    expected |= {f"nos/{p.name}" for p in (repo_root / "data" / "nos").glob("*.ttl")}
    if (repo_root / "ontology" / "context.jsonld").is_file():
        expected.add("context.jsonld")
    assert set(files) == expected
    listed = [line.split("  ", 1)[1] for line in files["SHA256SUMS"].decode().splitlines()]
    assert listed == sorted(expected - {"SHA256SUMS"})
    check = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(expected) - 1
    assert files["CHANGELOG.md"] == (repo_root / "CHANGELOG.md").read_bytes()


def test_tampered_release_fails_the_checksum_check(built: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / built.name
    shutil.copytree(built, folder)
    (folder / "segur-kg.ttl").write_bytes((folder / "segur-kg.ttl").read_bytes() + b"\n")
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode != 0
    assert "segur-kg.ttl: FAILED" in check.stdout


def test_release_exports_are_the_graph_with_its_description(
    built: Path, dataset, version: str
) -> None:
    from rdflib.compare import isomorphic

    from segur_kg.publishing.describe import describe

    folder = built
    exported = Graph().parse(folder / "segur-kg.nt", format="nt")
    expected = Graph()
    expected += dataset
    expected += describe(dataset)
    assert isomorphic(exported, expected)
    ontology = URIRef("https://w3id.org/segur/def")
    version_iri = URIRef(f"https://w3id.org/segur/def/{version}")
    assert (ontology, URIRef("http://www.w3.org/2002/07/owl#versionIRI"), version_iri) in exported


def test_release_description_states_size_and_checksum_of_each_export(
    built: Path, version: str
) -> None:
    from segur_kg.publishing.describe import RELEASE_BASE, distributions

    folder = built
    description = Graph().parse(folder / "description.ttl", format="turtle")
    nodes = list(description.subjects(RDF.type, DCAT.Distribution))
    assert len(nodes) == len(distributions())
    for node in nodes:
        url = str(description.value(node, DCAT.downloadURL))
        assert url.startswith(f"{RELEASE_BASE}{version}/"), url
        path = url.removeprefix(f"{RELEASE_BASE}{version}/")
        data = (folder / path).read_bytes()
        assert int(description.value(node, DCAT.byteSize)) == len(data)
        checksum = description.value(node, SPDX.checksum)
        assert description.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(description.value(checksum, SPDX.checksumValue)) == \
            hashlib.sha256(data).hexdigest()


def test_two_builds_are_byte_identical(run_cli, tmp_path: Path) -> None:
    first = _files(_build(run_cli, tmp_path / "a", PYTHONHASHSEED="5"))
    second = _files(_build(run_cli, tmp_path / "b", PYTHONHASHSEED="2024"))
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


def test_existing_release_is_kept_unless_forced(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    folder = _build(run_cli, out)
    marker = folder / "local-note.txt"
    marker.write_text("mine\n")
    refused = run_cli("release", "-o", str(out))
    assert_clean_error(refused)
    assert "--force" in refused.stderr
    assert marker.read_text() == "mine\n"
    rebuilt = _build(run_cli, out, "--force")
    assert rebuilt == folder
    assert not marker.exists()
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=rebuilt, capture_output=True)
    assert check.returncode == 0


def test_broken_source_leaves_no_release(run_cli, repo_copy: Path, tmp_path: Path) -> None:
    broken = sorted((repo_copy / "data").glob("*.ttl"))[0]
    broken.write_text(broken.read_text(encoding="utf-8") + "\n<urn:x:a> <urn:x:b> .\n",
                      encoding="utf-8")
    out = tmp_path / "dist"
    assert_clean_error(run_cli("release", "-o", str(out), SEGUR_KG_HOME=str(repo_copy)))
    assert not out.exists() or list(out.iterdir()) == []


def test_release_into_a_file_fails_cleanly(run_cli, tmp_path: Path) -> None:
    blocker = tmp_path / "dist"
    blocker.write_text("not a folder\n")
    assert_clean_error(run_cli("release", "-o", str(blocker)))
    assert blocker.read_text() == "not a folder\n"
