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
