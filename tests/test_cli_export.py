"""`segur-kg export` and `stats`: reproducible bytes, atomic files, the inference cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FORMATS = ["ttl", "nt", "jsonld", "xml", "trig", "nq"]
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml", "trig": "trig",
                 "nq": "nquads"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_is_byte_identical_across_hash_seeds(run_cli, fmt: str) -> None:
    first = run_cli("export", "--format", fmt, PYTHONHASHSEED="1")
    second = run_cli("export", "--format", fmt, PYTHONHASHSEED="4242")
    assert first.returncode == 0, first.stderr
    assert first.stdout
    assert first.stdout == second.stdout


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_inferred_export_is_byte_identical_across_hash_seeds(
    run_cli, tmp_path: Path, fmt: str
) -> None:
    # Separate caches, so both runs really compute the closure.
    first = run_cli("export", "--infer", "--format", fmt, PYTHONHASHSEED="1",
                    SEGUR_KG_CACHE_DIR=str(tmp_path / "a"))
    second = run_cli("export", "--infer", "--format", fmt, PYTHONHASHSEED="99",
                     SEGUR_KG_CACHE_DIR=str(tmp_path / "b"))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_parses_back_to_the_loaded_graph_and_its_description(
        run_cli, dataset, fmt: str) -> None:
    from rdflib import Dataset, Graph
    from rdflib.compare import isomorphic

    from segur_kg.publishing.describe import DESCRIPTION_GRAPH, describe, with_description

    result = run_cli("export", "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt in ("trig", "nq"):
        # The quad formats keep the data and its description in two named graphs.
        parsed = Dataset()
        parsed.parse(data=result.stdout, format=RDFLIB_FORMAT[fmt])
        graph = parsed.graph("https://w3id.org/segur/graph/segur")
        assert len(graph) == len(dataset)
        assert isomorphic(graph, dataset)
        description = parsed.graph(DESCRIPTION_GRAPH)
        assert isomorphic(description, describe(dataset))
        assert {g.identifier for g in parsed.graphs() if len(g)} == {
            graph.identifier, description.identifier}
        return
    dataset = with_description(dataset)
    graph = Graph().parse(data=result.stdout, format=RDFLIB_FORMAT[fmt])
    assert len(graph) == len(dataset)
    assert isomorphic(graph, dataset)


def test_nt_export_has_one_sorted_line_per_triple(run_cli, dataset) -> None:
    from segur_kg.publishing.describe import with_description

    lines = run_cli("export", "--format", "nt").stdout.splitlines()
    assert len(lines) == len(with_description(dataset))
    assert lines == sorted(lines)


def test_export_stamps_version_and_licence_from_pyproject(run_cli, repo_root: Path) -> None:
    import tomllib

    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    out = run_cli("export", "--format", "nt").stdout
    ontology = "<https://w3id.org/segur/def>"
    version_iri = f"<https://w3id.org/segur/def/{project['version']}>"
    assert f"{ontology} <http://www.w3.org/2002/07/owl#versionIRI> {version_iri} ." in out
    assert f'{ontology} <http://www.w3.org/2002/07/owl#versionInfo> "{project["version"]}" .' in out
    licence = f"<https://spdx.org/licenses/{project['license'].split(' AND ')[-1]}>"
    assert f"{ontology} <http://purl.org/dc/terms/license> {licence} ." in out
    assert out.count(f"{ontology} <http://www.w3.org/2002/07/owl#versionInfo>") == 1


def test_turtle_export_never_shows_generated_prefixes(run_cli) -> None:
    out = run_cli("export", "--format", "ttl").stdout
    assert "@prefix ns1:" not in out and "schema1:" not in out


def test_output_file_is_written_whole(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    result = run_cli("export", "--format", "ttl", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == run_cli("export", "--format", "ttl").stdout
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]  # no temporary file left


def test_output_into_a_missing_folder_fails_and_leaves_nothing(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "graph.ttl"
    result = run_cli("export", "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.startswith("segur-kg: error: ") and "Traceback" not in result.stderr
    assert not target.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_export_keeps_the_previous_output_file(run_cli, repo_copy, tmp_path) -> None:
    target = tmp_path / "out" / "graph.nt"
    target.parent.mkdir()
    target.write_text("previous\n")
    broken = sorted((repo_copy / "data").glob("*.ttl"))[0]
    broken.write_text(broken.read_text(encoding="utf-8") + "\n<urn:x:a> <urn:x:b> .\n",
                      encoding="utf-8")
    result = run_cli("export", "--format", "nt", "-o", str(target),
                     SEGUR_KG_HOME=str(repo_copy))
    assert result.returncode == 2
    assert target.read_text() == "previous\n"
    assert [p.name for p in target.parent.iterdir()] == ["graph.nt"]


def test_infer_adds_triples_and_the_second_run_reads_the_cache(run_cli, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plain = run_cli("export", "--format", "nt").stdout.splitlines()
    first = run_cli("export", "--infer", "--format", "nt", SEGUR_KG_CACHE_DIR=str(cache))
    assert first.returncode == 0, first.stderr
    inferred = first.stdout.splitlines()
    assert len(inferred) > len(plain)
    # Each export describes the graph it holds, so only the described statements nest.
    described = "<https://w3id.org/segur/id/dataset/"
    assert {t for t in plain if not t.startswith(described)} <= set(inferred)
    files = list(cache.glob("closure-*.nt"))
    assert len(files) == 1
    before = files[0].stat().st_mtime_ns
    os.utime(files[0], ns=(before - 10**9, before - 10**9))  # make a rewrite detectable
    before = files[0].stat().st_mtime_ns
    second = run_cli("export", "--infer", "--format", "nt", SEGUR_KG_CACHE_DIR=str(cache))
    assert second.stdout == first.stdout
    assert files[0].stat().st_mtime_ns == before
    assert list(cache.glob("closure-*.nt")) == files


def test_corrupted_cache_is_recomputed(run_cli, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run_cli("export", "--infer", "--format", "nt", SEGUR_KG_CACHE_DIR=str(cache))
    [cache_file] = cache.glob("closure-*.nt")
    cache_file.write_bytes(cache_file.read_bytes()[:1000])  # truncated, as after a crash
    second = run_cli("export", "--infer", "--format", "nt", SEGUR_KG_CACHE_DIR=str(cache))
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_changed_source_gives_a_new_cache_entry(run_cli, repo_copy, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run_cli("export", "--infer", SEGUR_KG_HOME=str(repo_copy), SEGUR_KG_CACHE_DIR=str(cache))
    data = sorted((repo_copy / "data").glob("*.ttl"))[0]
    data.write_text(data.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    run_cli("export", "--infer", SEGUR_KG_HOME=str(repo_copy), SEGUR_KG_CACHE_DIR=str(cache))
    assert len(list(cache.glob("closure-*.nt"))) == 2


def test_query_with_infer_sees_inferred_types(run_cli, tmp_path: Path) -> None:
    text = "ASK { ?s a <http://www.w3.org/2002/07/owl#Thing> }"
    assert run_cli("query", "--sparql", text).stdout == "false\n"
    assert run_cli("query", "--infer", "--sparql", text).stdout == "true\n"


def test_stats_triples_equal_the_loaded_graph(run_cli, dataset) -> None:
    result = run_cli("stats", "--format", "json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["triples"] == len(dataset)


def test_stats_counts_resources_per_class(run_cli, dataset) -> None:
    from rdflib import RDF

    stats = json.loads(run_cli("stats", "--format", "json").stdout)
    typed = {(s, o) for s, o in dataset.subject_objects(RDF.type)}
    assert sum(stats["classes"].values()) == len(typed)
    for kind in ("resources", "terms"):
        coverage = stats["coverage"][kind]
        for key, value in coverage.items():
            if key != "total":
                assert 0 <= value["count"] <= coverage["total"]


def test_stats_table_starts_with_the_triple_count(run_cli, dataset) -> None:
    result = run_cli("stats")
    assert result.stdout.splitlines()[0] == f"triples: {len(dataset)}"


def test_version_matches_pyproject(run_cli, repo_root: Path) -> None:
    import tomllib

    version = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]["version"]
    assert run_cli("--version").stdout == f"segur-kg {version}\n"


def test_closed_pipe_ends_quietly(repo_root: Path) -> None:
    import subprocess
    import sys

    from conftest import cli_env

    process = subprocess.Popen(
        [sys.executable, "-m", "segur_kg", "export", "--format", "nt"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=repo_root, env=cli_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in stderr
    assert stderr == ""
    assert process.returncode == 141  # the pipe really broke, and was handled


def test_export_format_names_match_the_serializers() -> None:
    from segur_kg.publishing.formats import FORMATS
    from segur_kg.rdf.serialize import EXPORT_FORMATS

    assert set(FORMATS) == set(EXPORT_FORMATS)
