"""Edge cases of the command line: odd output targets, ad-hoc query columns."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import assert_clean_error


def test_export_refuses_to_replace_something_that_is_not_a_regular_file(run_cli, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.nt"
    os.mkfifo(fifo)
    result = run_cli("export", "--format", "nt", "-o", str(fifo))
    assert_clean_error(result)
    assert fifo.exists() and not fifo.is_file()  # still the pipe
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.nt"]


def test_export_through_a_symbolic_link_replaces_its_target_and_keeps_the_link(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "target.nt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.nt"
    link.symlink_to(target)
    result = run_cli("export", "--format", "nt", "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("<")


def test_select_star_lists_variables_in_query_order_whatever_the_hash_seed(run_cli) -> None:
    query = "SELECT * WHERE { ?a ?b ?c . ?c ?d ?e } LIMIT 1"
    headers = {
        run_cli("query", "--sparql", query, "--format", "csv", PYTHONHASHSEED=seed).stdout.splitlines()[0]
        for seed in ("1", "2", "3")
    }
    assert headers == {"a,b,c,d,e"}


def test_a_literal_invalid_for_its_datatype_is_reported_with_its_line(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad-date.ttl"
    bad.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<https://w3id.org/segur/id/actor/x> <https://w3id.org/segur/def/launchDate> "2010-13-45"^^xsd:date .\n',
        encoding="utf-8",
    )
    result = run_cli("validate", str(bad))
    assert_clean_error(result)
    assert "bad-date.ttl:2:" in result.stderr and "'2010-13-45' is not a valid xsd:date" in result.stderr


def test_an_iri_with_a_space_is_refused(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad-iri.ttl"
    bad.write_text(
        '<https://w3id.org/segur/id/actor/x> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <http://bad iri> .\n',
        encoding="utf-8",
    )
    result = run_cli("validate", str(bad))
    assert_clean_error(result)


def test_timeouts_must_be_finite_seconds(run_cli) -> None:
    for value in ("inf", "nan", "1e20", "-1", "soon"):
        result = run_cli("query", "timeline", "--timeout", value)
        assert result.returncode == 2, value
        assert "Traceback" not in result.stderr and "--timeout" in result.stderr


def test_a_full_disk_on_standard_output_is_a_clean_error(run_cli) -> None:
    import subprocess
    import sys

    from conftest import REPO_ROOT, cli_env

    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "segur_kg", "export", "--format", "nt"],
                                stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                                env=cli_env(), timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("segur-kg: error: cannot write to standard output")
    assert "Traceback" not in result.stderr


def test_a_file_linking_to_the_dataset_validates_with_the_dataset(run_cli, tmp_path: Path) -> None:
    from conftest import REPO_ROOT

    text = (REPO_ROOT / "data" / "software.ttl").read_text(encoding="utf-8")
    prefixes = "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))
    start = text.index("software:lgc-sf a")
    one = tmp_path / "one.ttl"
    one.write_text(prefixes + text[start:text.index("\n\n", start)] + "\n", encoding="utf-8")
    alone = run_cli("validate", str(one))
    assert alone.returncode == 1  # the wave and the audience are not in the file
    together = run_cli("validate", str(one), "--with-dataset")
    assert together.returncode == 0, together.stdout
