"""What a new user trips on: errors that say where and what, help that says everything,
listings that can be read by programs, tables that fit, and refusals instead of silent
surprises."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import assert_clean_error
from test_server_protocol import start_server


def test_a_sparql_syntax_error_points_at_the_position_in_words(run_cli) -> None:
    result = run_cli("query", "--sparql", "SELECT ?s WHERE {\n  ?s ?p\n}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    first, shown, caret = result.stderr.rstrip("\n").split("\n")
    found = re.match(r"segur-kg: error: --sparql:(\d+):(\d+): invalid SPARQL: ", first)
    assert found and found[1] == "2", first
    assert "subject, a predicate and an object" in first
    assert "Expected" not in first and "SelectQuery" not in first
    assert shown.strip() == "?s ?p"
    assert caret.index("^") - 4 == int(found[2]) - 1  # under the reported column


def test_text_after_the_query_and_a_missing_form_are_explained(run_cli) -> None:
    after = run_cli("query", "--sparql", "SELECT * WHERE { ?s ?p ?o } LIMT 3")
    assert "misspelt keyword" in after.stderr and after.returncode == 2
    assert after.stderr.splitlines()[2].index("^") == after.stderr.splitlines()[1].index("LIMT")
    form = run_cli("query", "--sparql", "SELEC * WHERE { ?s ?p ?o }")
    assert "starts with SELECT, CONSTRUCT, ASK or DESCRIBE" in form.stderr


def test_a_misspelt_command_gets_a_suggestion_on_one_line(run_cli) -> None:
    result = run_cli("quer")
    assert_clean_error(result)
    assert "did you mean 'query'?" in result.stderr
    option = run_cli("query", "corridors", "--format", "jsn")
    assert_clean_error(option)
    assert "did you mean 'json'?" in option.stderr
    assert_clean_error(run_cli("query", "--timeout"))


def test_help_lists_every_exit_code_and_version_has_a_short_flag(run_cli) -> None:
    top = " ".join(run_cli("--help").stdout.split())
    for code in ("0 ok", "1 violations", "2 unusable", "3 query stopped", "130", "141"):
        assert code in top, code
    assert "1 differences found" in " ".join(run_cli("diff", "--help").stdout.split())
    version = run_cli("-V")
    assert version.returncode == 0 and re.fullmatch(r"segur-kg \d+\.\d+\.\d+\n", version.stdout)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_knows_every_command(run_cli, tmp_path: Path) -> None:
    result = run_cli("completion", "bash")
    assert result.returncode == 0
    script = tmp_path / "segur-kg.bash"
    script.write_text(result.stdout)
    probe = ('source "$1"; COMP_WORDS=(segur-kg qu); COMP_CWORD=1; _segur_kg; '
             'echo "${COMPREPLY[@]}"; COMP_WORDS=(segur-kg query --fo); COMP_CWORD=2; '
             '_segur_kg; echo "${COMPREPLY[@]}"; COMP_WORDS=(segur-kg export --format ""); '
             'COMP_CWORD=3; _segur_kg; echo "${COMPREPLY[@]}"')
    lines = subprocess.run(["bash", "-c", probe, "bash", str(script)], capture_output=True,
                           text=True, check=True, timeout=30).stdout.splitlines()
    assert lines[0] == "query"
    assert lines[1] == "--format"
    assert set(lines[2].split()) == {"ttl", "nt", "jsonld", "xml", "trig", "nq", "csv"}


def test_the_query_list_in_json_with_examples(run_cli) -> None:
    listed = json.loads(run_cli("query", "--list", "--format", "json").stdout)
    by_name = {query["name"]: query for query in listed}
    assert {"ars-of-region", "national/ehpad-per-ars"} <= set(by_name)
    assert by_name["ars-of-region"]["examples"] == [{"region": "Bretagne"}]
    assert by_name["ars-of-region"]["questions"]["en"].endswith("?")
    table = run_cli("query", "--list").stdout
    assert "e.g. segur-kg query ars-of-region --param region=Bretagne" in table
    assert_clean_error(run_cli("query", "--list", "--format", "csv"))


def _column(run_cli, *args: str) -> list[str]:
    import csv
    import io

    result = run_cli("query", *args, "--format", "csv")
    assert result.returncode == 0, result.stderr
    return [row[0] for row in list(csv.reader(io.StringIO(result.stdout)))[1:]]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rows_are_ordered_by_labels_of_the_language_shown(run_cli, lang: str) -> None:
    actors = _column(run_cli, "who-oversees-what", "--lang", lang)
    assert actors == sorted(actors) and len(set(actors)) > 3
    if lang == "en":
        assert "French Digital Health Agency" in actors


def test_table_cells_are_cut_and_say_so(run_cli) -> None:
    result = run_cli("query", "actor-missions", "--lang", "en")
    lines = result.stdout.splitlines()
    assert lines[-1] == "(values over 60 characters are cut: --format csv shows them whole)"
    assert lines[-2] == "(16 rows)"
    assert max(len(line) for line in lines) <= 3 * 60 + 2 * 2
    assert any(line.endswith("…") for line in lines)
    whole = run_cli("query", "actor-missions", "--lang", "en", "--format", "csv").stdout
    assert max(len(line) for line in whole.splitlines()) > 60


def test_reused_relations_are_named_not_prefixed(run_cli) -> None:
    result = run_cli("query", "actor-involvement", "--param", "actor=actor/ans", "--lang", "en")
    assert "is replaced by" in result.stdout and "resulting organization" in result.stdout
    assert not re.search(r"\b(dcterms|org|schema):", result.stdout)


def test_an_unknown_iri_parameter_is_refused(run_cli) -> None:
    result = run_cli("query", "actor-involvement", "--param", "actor=actor/anss")
    assert_clean_error(result)
    assert "actor/anss is not in the graph" in result.stderr
    assert "did you mean actor/ans?" in result.stderr


def test_validating_an_extension_alone_hints_at_the_dataset(run_cli, tmp_path: Path) -> None:
    extension = tmp_path / "ext.nt"
    assert run_cli("synth", "--scale", "20000", "-o", str(extension)).returncode == 0
    alone = run_cli("validate", str(extension), "--format", "json")
    assert alone.returncode == 1
    assert "add --with-dataset" in alone.stderr
    assert "" not in [result["value"] for result in json.loads(alone.stdout)]
    together = run_cli("validate", str(extension), "--with-dataset")
    assert "hint" not in together.stderr
    assert together.returncode == 0, together.stdout[-500:]


def test_a_result_without_a_value_gives_null_in_json(run_cli) -> None:
    invalid = Path(__file__).parent / "fixtures" / "shapes" / "R-01-invalid.ttl"
    results = json.loads(run_cli("validate", str(invalid), "--format", "json").stdout)
    assert results and "" not in [result["value"] for result in results]
    assert None in [result["value"] for result in results]  # a missing property has none


def test_export_takes_its_format_from_the_file_name(run_cli, tmp_path: Path) -> None:
    named = run_cli("export", "-o", str(tmp_path / "graph.nt"))
    explicit = run_cli("export", "--format", "nt", "-o", str(tmp_path / "explicit.nt"))
    assert named.returncode == explicit.returncode == 0
    assert (tmp_path / "graph.nt").read_bytes() == (tmp_path / "explicit.nt").read_bytes()
    assert_clean_error(run_cli("export", "-o", str(tmp_path / "graph.data")))
    assert not (tmp_path / "graph.data").exists()
    to_stdout = run_cli("export")
    assert to_stdout.stdout.startswith("@prefix") and "writing Turtle" in to_stdout.stderr


def test_a_base_url_must_be_a_url(run_cli, tmp_path: Path) -> None:
    assert_clean_error(run_cli("describe", "--base-url", "notaurl"))
    assert_clean_error(run_cli("release", "--base-url", "ftp:/x", "-o", str(tmp_path)))
    assert not any(tmp_path.iterdir())


def test_nos_import_needs_an_output_folder(run_cli, tmp_path: Path) -> None:
    result = run_cli("nos", "import", "x.ttl", cwd=tmp_path)
    assert_clean_error(result)
    assert "-o/--output" in result.stderr and not any(tmp_path.iterdir())


def test_load_refuses_a_store_that_a_server_holds(run_cli, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("load", "--store", f"oxigraph:{store}").returncode == 0
    server = start_server(tmp_path / "server", "--store", f"oxigraph:{store}", "--no-infer")
    try:
        refused = run_cli("load", "--store", f"oxigraph:{store}")
        assert_clean_error(refused)
        assert "the store is busy" in refused.stderr and "stop the server" in refused.stderr
    finally:
        server.stop()
    assert run_cli("load", "--store", f"oxigraph:{store}").returncode == 0


def test_examples_are_copied_once_and_never_replace_a_file(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "tour"
    first = run_cli("examples", "-o", str(target))
    assert first.returncode == 0, first.stderr
    for name in ("demo.ttl", "bad.ttl", "old/actors.ttl", "new/actors.ttl", "api_tour.py",
                 "sources/nos/CodeSystem-TRE-R30-RegionOM.ttl",
                 "benchmarks/queries/mailboxes-per-kind.rq"):
        assert (target / name).is_file(), name
    (target / "demo.ttl").write_text("mine")
    again = run_cli("examples", "-o", str(target))
    assert_clean_error(again)
    assert "already exists" in again.stderr
    assert (target / "demo.ttl").read_text() == "mine"


def test_the_api_tour_runs(run_cli, tmp_path: Path) -> None:
    import sys

    from conftest import cli_env

    assert run_cli("examples", "-o", str(tmp_path)).returncode == 0
    done = subprocess.run([sys.executable, "api_tour.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=cli_env())
    assert done.returncode == 0, done.stderr
    assert "[('Regional health agency of Brittany', 'Brittany', '53')]" in done.stdout
    assert "demo.ttl conforms: False - 3 violations" in done.stdout
