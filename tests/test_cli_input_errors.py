"""Broken or hostile input files give one clear error line and exit code 2, never a traceback."""

from __future__ import annotations

import re
import time
from pathlib import Path

from conftest import assert_clean_error, assert_no_connection


def test_malformed_turtle_file_reports_file_line_and_column(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix ex: <http://example.org/> .\n"
        "ex:a ex:b \"é\" .\n"
        "ex:c ex:d ex:e ;; ex:f .\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(bad))
    assert_clean_error(result)
    assert re.search(r"bad\.ttl:3:\d+: ", result.stderr), result.stderr


def test_turtle_column_points_at_the_error(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "col.ttl"
    bad.write_text("<http://a> <http://b> <http://c> .\n<http://a> <http://b> ) .\n")
    result = run_cli("validate", str(bad))
    assert_clean_error(result)
    match = re.search(r"col\.ttl:(\d+):(\d+):", result.stderr)
    assert match, result.stderr
    assert match.group(1) == "2"
    assert 20 <= int(match.group(2)) <= 23  # at the ')' (column 23) or just before it


def test_malformed_data_file_in_the_dataset_names_the_file_and_line(run_cli, repo_copy) -> None:
    data_files = sorted((repo_copy / "data").glob("*.ttl"))
    assert data_files, "the repository has no data/*.ttl"
    target = data_files[-1]
    lines = target.read_text(encoding="utf-8").splitlines()
    lines.append("<https://w3id.org/segur/id/x/y> <https://w3id.org/segur/def/z> \"open .")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("stats", SEGUR_KG_HOME=str(repo_copy))
    assert_clean_error(result)
    assert re.search(rf"data/{re.escape(target.name)}:{len(lines)}:\d+: ", result.stderr), (
        result.stderr
    )


def test_malformed_ntriples_file_reports_the_bad_line(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text('<http://a> <http://b> <http://c> .\n<http://a> <http://b> "open .\n')
    result = run_cli("validate", str(bad))
    assert_clean_error(result)
    assert "bad.nt:2:" in result.stderr


def test_malformed_rdfxml_reports_line_and_column(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rdf"
    bad.write_text(
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="http://a"><oops</rdf:Description>\n'
        "</rdf:RDF>\n"
    )
    result = run_cli("validate", str(bad))
    assert_clean_error(result)
    assert re.search(r"bad\.rdf:3:\d+: ", result.stderr), result.stderr


def test_rdfxml_entity_bomb_is_refused_quickly(run_cli, tmp_path: Path) -> None:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n'
        '  <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )
    started = time.monotonic()
    result = run_cli("validate", str(bomb), timeout=60)
    assert time.monotonic() - started < 20
    assert_clean_error(result)
    assert "bomb.rdf:2:" in result.stderr and "DOCTYPE" in result.stderr


def test_rdfxml_external_entity_never_reads_the_file(run_cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = tmp_path / "xxe.rdf"
    xxe.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE r [ <!ENTITY s SYSTEM "{secret.as_uri()}"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n'
        '  <rdf:Description rdf:about="http://example.org/a"><ex:p>&s;</ex:p>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )
    result = run_cli("validate", "--format", "json", str(xxe))
    assert_clean_error(result)
    assert "TOP-SECRET-VALUE" not in result.stdout + result.stderr


def test_jsonld_remote_context_is_refused_without_connecting(
    run_cli, tmp_path: Path, listening_socket
) -> None:
    port = listening_socket.getsockname()[1]
    doc = tmp_path / "remote.jsonld"
    doc.write_text(
        f'{{"@context": "http://127.0.0.1:{port}/context.jsonld",\n'
        ' "@id": "http://example.org/a", "name": "x"}\n'
    )
    result = run_cli("validate", str(doc), timeout=60)
    assert_clean_error(result)
    assert "@context" in result.stderr
    assert_no_connection(listening_socket)


def test_jsonld_context_import_inside_an_inline_context_is_refused(
    run_cli, tmp_path: Path, listening_socket
) -> None:
    port = listening_socket.getsockname()[1]
    doc = tmp_path / "import.jsonld"
    doc.write_text(
        '{"@context": [{"ex": "http://example.org/"},\n'
        f'              {{"@import": "http://127.0.0.1:{port}/c.jsonld"}}],\n'
        ' "@id": "ex:a", "ex:p": "x"}\n'
    )
    result = run_cli("validate", str(doc), timeout=60)
    assert_clean_error(result)
    assert "@import" in result.stderr
    assert_no_connection(listening_socket)


def test_jsonld_with_an_inline_context_is_accepted(tmp_path: Path) -> None:
    from segur_kg.rdf.reading import parse_file

    doc = tmp_path / "inline.jsonld"
    doc.write_text(
        '{"@context": {"ex": "http://example.org/"}, "@id": "ex:a", "ex:p": "x"}\n'
    )
    graph = parse_file(doc)
    assert len(graph) == 1


def test_invalid_json_reports_line_and_column(run_cli, tmp_path: Path) -> None:
    doc = tmp_path / "bad.jsonld"
    doc.write_text('{"@id": "http://example.org/a",\n "http://example.org/p": [1,]}\n')
    result = run_cli("validate", str(doc))
    assert_clean_error(result)
    assert "bad.jsonld:2:" in result.stderr


def test_unknown_file_extension_is_refused(run_cli, tmp_path: Path) -> None:
    doc = tmp_path / "graph.txt"
    doc.write_text("<http://a> <http://b> <http://c> .\n")
    result = run_cli("validate", str(doc))
    assert_clean_error(result)
    assert "graph.txt" in result.stderr and ".ttl" in result.stderr


def test_missing_file_is_a_clean_error(run_cli, tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "absent.ttl"))
    assert_clean_error(result)
    assert "absent.ttl" in result.stderr


def test_rdfxml_dtd_hidden_in_utf16_is_still_refused(run_cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("UTF16-SECRET")
    xxe = tmp_path / "xxe16.rdf"
    xxe.write_text(
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        f'<!DOCTYPE r [ <!ENTITY s SYSTEM "{secret.as_uri()}"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n'
        '  <rdf:Description rdf:about="http://example.org/a"><ex:p>&s;</ex:p>'
        "</rdf:Description>\n</rdf:RDF>\n",
        encoding="utf-16",
    )
    result = run_cli("validate", "--format", "json", str(xxe))
    assert_clean_error(result)
    assert "DOCTYPE" in result.stderr
    assert "UTF16-SECRET" not in result.stdout + result.stderr


def test_empty_turtle_file_is_an_empty_graph(run_cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text("")
    result = run_cli("validate", str(empty))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 violations, 0 warnings"
