"""`segur-kg query`: named queries, safety of untrusted SPARQL, parameters and output formats."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import assert_clean_error

from segur_kg.querying.catalog import list_queries

NAMED = [query.name for query in list_queries(national=True)]
WITH_EXAMPLE = [query for query in list_queries() if query.examples]


def test_list_shows_every_named_query_sorted_with_its_question(run_cli) -> None:
    result = run_cli("query", "--list", "--lang", "en")
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert names == sorted(NAMED)
    for query in list_queries(national=True):
        if "en" in query.questions:
            assert query.questions["en"] in result.stdout


def test_list_in_french_shows_the_french_question(run_cli) -> None:
    queries = [q for q in list_queries() if "fr" in q.questions]
    if not queries:
        pytest.skip("no named query has a French question yet")
    result = run_cli("query", "--list", "--lang", "fr")
    assert queries[0].questions["fr"] in result.stdout


@pytest.mark.parametrize("query", WITH_EXAMPLE, ids=lambda q: q.name)
def test_named_query_runs_with_its_example_parameters(run_cli, query) -> None:
    example = query.examples[0].items()
    params = [arg for key, value in example for arg in ("--param", f"{key}={value}")]
    result = run_cli("query", query.name, *params, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert "boolean" in document or document["results"]["bindings"], "the example gives no answer"


def test_unknown_query_name_suggests_close_names(run_cli) -> None:
    if not NAMED:
        pytest.skip("no named queries yet")
    typo = NAMED[0][:-1] + ("x" if NAMED[0][-1] != "x" else "y")
    result = run_cli("query", typo)
    assert_clean_error(result)
    assert f"unknown query '{typo}'" in result.stderr
    assert "did you mean:" in result.stderr and NAMED[0] in result.stderr


def test_invalid_sparql_reports_line_and_column(run_cli) -> None:
    result = run_cli("query", "--sparql", "SELECT ?s WHERE {\n  ?s ?p \n}")
    assert_clean_error(result, lines=3)  # the message, the line, a caret under the position
    assert re.search(r":2:\d+: invalid SPARQL", result.stderr), result.stderr


def test_invalid_sparql_in_a_file_names_the_file(run_cli, tmp_path: Path) -> None:
    query = tmp_path / "broken.rq"
    query.write_text("# fr: cassée\n# en: broken\nSELECT ?s WHERE { ?s ?p }\n")
    result = run_cli("query", str(query))
    assert_clean_error(result, lines=3)
    assert re.search(r"broken\.rq:3:\d+:", result.stderr), result.stderr


def test_update_is_refused(run_cli) -> None:
    result = run_cli("query", "--sparql", "DELETE WHERE { ?s ?p ?o }")
    assert_clean_error(result)
    assert "only queries are accepted" in result.stderr


def test_load_is_refused_without_reading_the_file(run_cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text('<http://x/a> <http://x/b> "LOAD-SECRET" .\n')
    result = run_cli("query", "--sparql", f"LOAD <{secret.as_uri()}>")
    assert_clean_error(result)
    assert "LOAD-SECRET" not in result.stdout + result.stderr


def test_service_is_refused_without_any_connection(run_cli, listening_socket) -> None:
    port = listening_socket.getsockname()[1]
    text = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    result = run_cli("query", "--sparql", text)
    assert_clean_error(result)
    assert "SERVICE" in result.stderr
    with pytest.raises(TimeoutError):
        listening_socket.accept()


def test_service_nested_in_optional_is_refused(run_cli, listening_socket) -> None:
    port = listening_socket.getsockname()[1]
    text = ("SELECT * WHERE { ?s a ?c OPTIONAL { "
            f"SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }}")
    result = run_cli("query", "--sparql", text)
    assert_clean_error(result)
    with pytest.raises(TimeoutError):
        listening_socket.accept()


@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED"])
def test_from_a_local_file_is_refused_and_the_secret_never_printed(
    run_cli, tmp_path: Path, clause: str
) -> None:
    secret = tmp_path / "secret"
    secret.write_text('<http://x/a> <http://x/b> "FROM-SECRET" .\n')
    text = f"SELECT * {clause} <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}"
    result = run_cli("query", "--sparql", text, "--format", "csv")
    assert_clean_error(result)
    assert "FROM" in result.stderr
    assert "FROM-SECRET" not in result.stdout + result.stderr


def test_injection_attempt_in_a_parameter_stays_one_literal(run_cli, tmp_path: Path) -> None:
    query = tmp_path / "echo.rq"
    query.write_text(
        "# fr: écho\n# en: echo\n# param text (literal): any text\n"
        "SELECT ?text (STRLEN(?text) AS ?n) (COUNT(*) AS ?rows) WHERE { BIND(1 AS ?one) }\n"
        "GROUP BY ?text\n"
    )
    evil = '"> } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #'
    result = run_cli("query", str(query), "--param", f"text={evil}", "--format", "json")
    assert result.returncode == 0, result.stderr
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert len(bindings) == 1
    assert bindings[0]["text"] == {"type": "literal", "value": evil}
    assert bindings[0]["n"]["value"] == str(len(evil))
    assert query.read_text().count("?text") == 3  # the query file itself is untouched


def test_iri_parameter_with_forbidden_characters_is_refused(run_cli, tmp_path: Path) -> None:
    query = tmp_path / "who.rq"
    query.write_text("# param actor (iri): the actor\nSELECT ?l WHERE { ?actor ?p ?l }\n")
    result = run_cli("query", str(query), "--param", "actor=https://x/> } <y")
    assert_clean_error(result)
    assert "actor" in result.stderr


def test_short_iri_parameter_expands_to_the_resource_namespace(run_cli, tmp_path: Path) -> None:
    query = tmp_path / "iri.rq"
    query.write_text("# param thing (iri): a resource\nSELECT ?thing WHERE { }\n")
    result = run_cli("query", str(query), "--param", "thing=actor/ans", "--format", "json")
    assert result.returncode == 0, result.stderr
    binding = json.loads(result.stdout)["results"]["bindings"][0]["thing"]
    assert binding == {"type": "uri", "value": "https://w3id.org/segur/id/actor/ans"}


def test_unknown_parameter_lists_the_declared_ones(run_cli, tmp_path: Path) -> None:
    query = tmp_path / "p.rq"
    query.write_text("# param region (literal): a region\nSELECT ?region WHERE { }\n")
    result = run_cli("query", str(query), "--param", "regoin=Bretagne")
    assert_clean_error(result)
    assert "regoin" in result.stderr and "region (literal)" in result.stderr


def test_missing_parameter_lists_what_is_needed(run_cli, tmp_path: Path) -> None:
    query = tmp_path / "p.rq"
    query.write_text("# param region (literal): a region\nSELECT ?region WHERE { }\n")
    result = run_cli("query", str(query))
    assert_clean_error(result)
    assert "missing parameter region" in result.stderr


def test_slow_query_stops_at_the_timeout_with_exit_3(run_cli) -> None:
    text = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
            "?m ?n2 ?o }")
    result = run_cli("query", "--sparql", text, "--timeout", "1", timeout=60)
    assert_clean_error(result, code=3)
    assert "--timeout" in result.stderr


def _labels_query(tmp_path: Path) -> Path:
    query = tmp_path / "classes.rq"
    query.write_text(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
        "SELECT ?class WHERE { ?class a owl:Class } ORDER BY ?class LIMIT 5\n"
    )
    return query


def test_csv_shows_labels_in_the_chosen_language(run_cli, tmp_path: Path, dataset) -> None:
    from rdflib import URIRef

    from segur_kg.common.labels import label

    query = _labels_query(tmp_path)
    for lang in ("fr", "en"):
        result = run_cli("query", str(query), "--format", "csv", "--lang", lang)
        assert result.returncode == 0, result.stderr
        rows = list(csv.reader(io.StringIO(result.stdout)))
        iris = run_cli("query", str(query), "--format", "csv", "--iris").stdout.splitlines()[1:]
        assert rows[0] == ["class"]
        assert [row[0] for row in rows[1:]] == [label(dataset, URIRef(i), lang) for i in iris]
    assert "\r\n" not in result.stdout


def test_json_output_is_sparql_results_json_with_raw_iris(run_cli, tmp_path: Path) -> None:
    result = run_cli("query", str(_labels_query(tmp_path)), "--format", "json")
    document = json.loads(result.stdout)
    assert document["head"]["vars"] == ["class"]
    assert all(b["class"]["type"] == "uri" for b in document["results"]["bindings"])


def test_ask_prints_true_or_false(run_cli) -> None:
    yes = run_cli("query", "--sparql", "ASK { ?s ?p ?o }")
    no = run_cli("query", "--sparql", "ASK { <urn:x:none> ?p ?o }")
    assert (yes.stdout, no.stdout) == ("true\n", "false\n")


def test_construct_prints_turtle(run_cli) -> None:
    from rdflib import Graph

    text = ("PREFIX owl: <http://www.w3.org/2002/07/owl#> "
            "CONSTRUCT { ?c a owl:Class } WHERE { ?c a owl:Class }")
    result = run_cli("query", "--sparql", text)
    assert result.returncode == 0, result.stderr
    assert len(Graph().parse(data=result.stdout, format="turtle")) > 0


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "md"])
def test_every_format_gives_the_same_bytes_twice(run_cli, tmp_path: Path, fmt: str) -> None:
    query = _labels_query(tmp_path)
    first = run_cli("query", str(query), "--format", fmt, PYTHONHASHSEED="1")
    second = run_cli("query", str(query), "--format", fmt, PYTHONHASHSEED="2")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


def test_label_falls_back_to_the_other_language_then_the_iri() -> None:
    from rdflib import RDFS, Graph, Literal, URIRef

    from segur_kg.common.labels import label

    graph = Graph()
    only_en, bare = URIRef("http://x/en"), URIRef("http://x/bare")
    graph.add((only_en, RDFS.label, Literal("English", lang="en")))
    assert label(graph, only_en, "fr") == "English"
    assert label(graph, bare, "fr") == "http://x/bare"


def test_ctrl_c_exits_130_without_a_traceback(repo_root: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from conftest import cli_env

    endless = ("SELECT (COUNT(*) AS ?n) WHERE "
               "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }")
    process = subprocess.Popen(
        [sys.executable, "-m", "segur_kg", "query", "--timeout", "0", "--sparql", endless],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=repo_root, env=cli_env(),
    )
    time.sleep(4)  # past start-up and loading, inside the query
    assert process.poll() is None, "the endless query should still be running"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert stderr.startswith("segur-kg: interrupted")
