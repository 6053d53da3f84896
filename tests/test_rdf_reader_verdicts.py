"""One reader, one verdict: every command that reads an RDF file (validate, with either engine or
with the dataset, diff, load, nos import) accepts and refuses the same files, with the same
one-line error naming the file, the line when there is one, and what is wrong; never a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_clean_error

EX = "https://example.org/"
GOOD = f'<{EX}a> <{EX}p> "x" .\n'
PREFIXES = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"

# File name: (content, what the message says after the file name).
BAD_FILES = {
    "surrogate.nt": (f'<{EX}a> <{EX}p> "x\\uD800y" .\n', ":1:51: The escape sequence '\\uD800'"),
    "nul-iri.nq": (f"<{EX}a\\u0000b> <{EX}p> <{EX}o> <{EX}g> .\n",
                   ":1:1: Invalid IRI code point '\\u0000'"),
    "raw-nul-iri.nt": (f"<{EX}a\x00b> <{EX}p> <{EX}o> .\n",
                       ":1:1: Invalid IRI code point '\\u0000'"),
    "q-escape.nt": (f'<{EX}a> <{EX}p> "a\\qb" .\n', ":1:51: Unexpected escape character '\\q'"),
    "literal-subject.nt": (f'"x" <{EX}p> <{EX}o> .\n', ":1:1: The subject of a triple must be"),
    "bad-base.ttl": (f'@base <not an iri> .\n<a> <{EX}p> "x" .\n', ":1:7: Invalid IRI code point"),
    "bad-date.ttl": (PREFIXES + f'<{EX}a> <{EX}p> "2010-13-45"^^xsd:date .\n',
                     ":2: '2010-13-45' is not a valid xsd:date; fix the value or its datatype"),
    "yes-boolean.ttl": (PREFIXES + f'<{EX}a> <{EX}p> "yes"^^xsd:boolean .\n',
                        ":2: 'yes' is not a valid xsd:boolean; fix the value or its datatype"),
    "triple-term.ttl": (f"<{EX}a> <{EX}p> <<( <{EX}a> <{EX}p> <{EX}o> )>> .\n",
                        ": the file holds RDF 1.2 triple terms"),
    "nan.jsonld": (f'{{\n  "@id": "{EX}a",\n  "{EX}p": NaN\n}}\n',
                   ":3:28: NaN is not a JSON number RDF can hold"),
    "space-id.jsonld": (f'{{\n  "@id": "{EX}a b",\n  "{EX}p": "x"\n}}\n',
                        f":2: @id '{EX}a b' is not a valid IRI"),
    "html-root.rdf": ("<html><body>not RDF</body></html>\n",
                      ": invalid RDF/XML (XML namespaces are required in RDF/XML)"),
}

# How each command is given one file.
COMMANDS = {
    "validate": lambda bad, tmp: ["validate", str(bad)],
    "validate --engine pyshacl": lambda bad, tmp: ["validate", "--engine", "pyshacl", str(bad)],
    "validate --with-dataset": lambda bad, tmp: ["validate", "--with-dataset", str(bad)],
    "diff": lambda bad, tmp: ["diff", str(tmp / "good.nt"), str(bad)],
    "load": lambda bad, tmp: ["load", "--store", f"oxigraph:{tmp / 'store'}", str(bad)],
    "nos import": lambda bad, tmp: ["nos", "import", str(bad), "-o", str(tmp)],
}


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8"))
    return path


def run_main(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    from segur_kg.cli import main

    capsys.readouterr()
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_every_command_refuses_a_bad_file_with_the_same_message(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    content, expected = BAD_FILES[name]
    write(tmp_path, "good.nt", GOOD)
    bad = write(tmp_path, name, content)
    verdicts = {}
    for command, args in COMMANDS.items():
        code, err = run_main(args(bad, tmp_path), capsys)
        verdicts[command] = (code, err)
    first = verdicts["validate"]
    assert first[0] == 2, first
    assert first[1].startswith(f"segur-kg: error: {bad}{expected}"), first[1]
    assert len(first[1].splitlines()) == 1
    assert {command: verdict for command, verdict in verdicts.items() if verdict != first} == {}
    assert not (tmp_path / "store").exists()  # a refused load leaves no store behind


@pytest.mark.parametrize("name", ["deep-list.ttl", "deep-nesting.rdf"])
def test_every_command_reads_deep_valid_structures(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # A list of 3,000 items, and RDF/XML nested 3,000 elements deep: chains of blank nodes
    # that deep, which no command may follow by recursion.
    if name.endswith(".ttl"):
        items = " ".join(f'"{i}"' for i in range(3000))
        content = f"<{EX}a> <{EX}p> ( {items} ) .\n"
    else:
        depth = 3000
        content = ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                   f'22-rdf-syntax-ns#" xmlns:ex="{EX}">\n<rdf:Description rdf:about="{EX}a">'
                   + "<ex:p><rdf:Description>" * depth + "<ex:p>x</ex:p>"
                   + "</rdf:Description></ex:p>" * depth + "</rdf:Description></rdf:RDF>\n")
    write(tmp_path, "good.nt", GOOD)
    path = write(tmp_path, name, content)
    expected = {"validate": 0, "validate --engine pyshacl": 0, "validate --with-dataset": 0,
                "diff": 1, "load": 0}
    for command, code in expected.items():
        got, err = run_main(COMMANDS[command](path, tmp_path), capsys)
        assert (got, err) == (code, ""), command


# --- A: inputs that ended in a traceback -----------------------------------------------------


def test_diff_of_a_lone_surrogate_is_a_clean_error(run_cli, tmp_path: Path) -> None:
    good = write(tmp_path, "good.nt", GOOD)
    bad = write(tmp_path, "surrogate.nt", f'<{EX}a> <{EX}p> "x\\uD800y" .\n')
    result = run_cli("diff", str(good), str(bad))
    assert_clean_error(result)
    assert f"{bad}:1:51: The escape sequence '\\uD800'" in result.stderr


def test_validate_of_nquads_with_nul_in_an_iri_is_a_clean_error(run_cli, tmp_path: Path) -> None:
    bad = write(tmp_path, "nul.nq", f"<{EX}a\\u0000b> <{EX}p> <{EX}o> <{EX}g> .\n")
    result = run_cli("validate", str(bad))
    assert_clean_error(result)
    assert f"{bad}:1:1: Invalid IRI code point '\\u0000'" in result.stderr


def test_load_of_an_unreadable_file_is_a_clean_error(run_cli, tmp_path: Path) -> None:
    # Tests run as root, who reads any file whatever its mode; /proc/self/mem cannot be read
    # from its start, even by root.
    unreadable = tmp_path / "unreadable.nt"
    unreadable.symlink_to("/proc/self/mem")
    result = run_cli("load", "--store", f"oxigraph:{tmp_path / 'store'}", str(unreadable))
    assert_clean_error(result)
    assert f"{unreadable}: cannot read the file (Input/output error); check the path" \
        in result.stderr
    assert not (tmp_path / "store").exists()


def test_load_of_a_folder_named_like_a_file_is_a_clean_error(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    result = run_cli("load", "--store", f"oxigraph:{tmp_path / 'store'}", str(folder))
    assert_clean_error(result)
    assert f"{folder}: is a folder, not a file; give an RDF file" in result.stderr


def test_diff_of_rdfxml_nested_3000_deep_reads_it(run_cli, tmp_path: Path) -> None:
    depth = 3000
    deep = write(tmp_path, "deep.rdf",
                 '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                 f'22-rdf-syntax-ns#" xmlns:ex="{EX}">\n<rdf:Description rdf:about="{EX}a">'
                 + "<ex:p><rdf:Description>" * depth + "<ex:p>x</ex:p>"
                 + "</rdf:Description></ex:p>" * depth + "</rdf:Description></rdf:RDF>\n")
    good = write(tmp_path, "good.nt", GOOD)
    result = run_cli("diff", str(good), str(deep))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert f"+++ {deep} (3001 " in result.stdout


FHIR_HEAD = """@prefix fhir: <http://hl7.org/fhir/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/CodeSystem/TRE-X> a fhir:CodeSystem ;
  fhir:url [ fhir:v "https://example.org/NOS/TRE_X"^^xsd:anyURI ] ;
  fhir:name [ fhir:v "TRE_X" ] ;
"""


@pytest.mark.parametrize(("name", "body", "message"), [
    ("bad-date-fin.ttl", """  fhir:concept ( [
     fhir:code [ fhir:v "A" ] ;
     fhir:property ( [
       fhir:code [ fhir:v "dateFin" ] ;
       fhir:value [ fhir:v "2020-13-45" ]
     ] )
  ] ) .
""", ":11: code 'A' has dateFin '2020-13-45', which is not a date (YYYY-MM-DD); "
     "fix the code system file"),
    ("cyclic-list.ttl", """  fhir:concept _:list .
_:list rdf:first [ fhir:code [ fhir:v "A" ] ] ; rdf:rest _:list .
""", ": the list under fhir:concept loops back on itself (rdf:rest); fix the code system file"),
    ("self-nested.ttl", """  fhir:concept ( _:a ) .
_:a fhir:code [ fhir:v "A" ] ; fhir:concept ( _:a ) .
""", ": code 'A' is nested inside itself (fhir:concept); fix the code system file"),
])
def test_nos_import_of_a_broken_code_system_is_a_clean_error(
        run_cli, tmp_path: Path, name: str, body: str, message: str) -> None:
    bad = write(tmp_path, name, FHIR_HEAD + body)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("nos", "import", str(bad), "-o", str(out))
    assert_clean_error(result)
    assert f"{bad}{message}" in result.stderr
    assert list(out.iterdir()) == []


def test_nos_import_refuses_a_code_listed_under_two_parents(run_cli, tmp_path: Path) -> None:
    # Shared nodes would multiply: ten levels of two would make a thousand codes of one.
    bad = write(tmp_path, "shared.ttl", FHIR_HEAD + """  fhir:concept ( _:a _:b ) .
_:a fhir:code [ fhir:v "A" ] ; fhir:concept ( _:c ) .
_:b fhir:code [ fhir:v "B" ] ; fhir:concept ( _:c ) .
_:c fhir:code [ fhir:v "C" ] .
""")
    result = run_cli("nos", "import", str(bad), "-o", str(tmp_path))
    assert_clean_error(result)
    assert f"{bad}: code 'C' is nested more than once (fhir:concept)" in result.stderr


def test_nos_import_reads_a_deep_hierarchy(tmp_path: Path) -> None:
    from segur_kg.sources.nos import read_code_system, to_skos

    depth = 3000
    body = "  fhir:concept ( _:c0 ) .\n" + "".join(
        f'_:c{i} fhir:code [ fhir:v "C{i}" ] ; fhir:concept ( _:c{i + 1} ) .\n'
        for i in range(depth)) + f'_:c{depth} fhir:code [ fhir:v "C{depth}" ] .\n'
    system = read_code_system(write(tmp_path, "deep.ttl", FHIR_HEAD + body))
    graph = to_skos(system)
    from rdflib import SKOS, URIRef

    assert len(list(graph.subject_objects(SKOS.broader))) == depth
    assert (URIRef("https://example.org/NOS/TRE_X/C1"), SKOS.broader,
            URIRef("https://example.org/NOS/TRE_X/C0")) in graph


# --- B: where an error is, in big files ------------------------------------------------------


def test_an_error_at_the_end_of_a_one_megabyte_line_is_located(run_cli, tmp_path: Path) -> None:
    head = f'<{EX}a> <{EX}p> "'
    size = 1024 * 1024
    bad = write(tmp_path, "long.nt", GOOD + head + "x" * size + '\\q" .\n' + GOOD)
    for command in (["validate", str(bad)], ["diff", str(bad), str(bad)]):
        result = run_cli(*command)
        assert_clean_error(result)
        column = len(head) + size + 1
        assert f"{bad}:2:{column}: Unexpected escape character '\\q'" in result.stderr


def test_an_error_on_the_last_of_80001_lines_is_located(run_cli, tmp_path: Path) -> None:
    lines = "".join(f'<{EX}a> <{EX}p> "{i}" .\n' for i in range(80_000))
    bad = write(tmp_path, "many.nt", lines + f'<{EX}a> <{EX}p> "open .\n')
    good = write(tmp_path, "good.nt", GOOD)
    result = run_cli("diff", str(good), str(bad))
    assert_clean_error(result)
    assert f"{bad}:80001:49: " in result.stderr


def test_a_term_longer_than_the_parser_reads_names_its_line(run_cli, tmp_path: Path) -> None:
    from segur_kg.rdf.reading import MAX_TERM_BYTES

    bad = write(tmp_path, "huge.nt",
                GOOD * 2 + f'<{EX}a> <{EX}p> "' + "x" * (MAX_TERM_BYTES + 1) + '" .\n')
    result = run_cli("validate", str(bad))
    assert_clean_error(result)
    assert f"{bad}:3: a term (literal or IRI) is longer than 16 MB" in result.stderr


def test_the_first_long_line_is_found_across_read_blocks(tmp_path: Path) -> None:
    from segur_kg.rdf.reading import MAX_TERM_BYTES, _first_long_line

    short = b"y" * (MAX_TERM_BYTES - 10) + b"\n"  # spans many blocks, but fits
    path = tmp_path / "lines.nt"
    path.write_bytes(b"a\n" * 5 + short + b"z" * (MAX_TERM_BYTES + 1) + b"\nb\n")
    assert _first_long_line(path) == ":7"
    path.write_bytes(b"a\n" * 5 + short)
    assert _first_long_line(path) == ""


# --- C: JSON-LD nodes that PyLD would drop ---------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "load"])
def test_a_jsonld_id_with_a_space_is_refused(run_cli, tmp_path: Path, command: str) -> None:
    bad = write(tmp_path, "space.jsonld",
                f'{{\n  "@id": "{EX}a b",\n  "{EX}label": "A"\n}}\n')
    args = ["validate", str(bad)] if command == "validate" else [
        "load", "--store", f"oxigraph:{tmp_path / 'store'}", str(bad)]
    result = run_cli(*args)
    assert_clean_error(result)
    assert f"{bad}:2: @id '{EX}a b' is not a valid IRI" in result.stderr


def test_a_relative_jsonld_id_with_a_space_names_the_resolved_iri(tmp_path: Path) -> None:
    from segur_kg.common.errors import SegurKgError
    from segur_kg.rdf.reading import parse_file

    bad = write(tmp_path, "relative.jsonld", f'{{"@id": "a b", "{EX}p": "x"}}\n')
    with pytest.raises(SegurKgError) as error:
        parse_file(bad)
    assert f":1: @id '{tmp_path.resolve().as_uri()}/a b' is not a valid IRI" in error.value.message


@pytest.mark.parametrize(("text", "token", "message"), [
    (f'{{"@id": "{EX}a", "{EX}p": -Infinity}}', "-Infinity", "-Infinity is not a JSON number"),
    (f'{{"@id": "{EX}a", "{EX}p": 1e400}}', "1e400", "1e400 is not a JSON number"),
    (f'{{"@id": "{EX}a", "{EX}p": "NaN", "{EX}q": NaN}}', "NaN}", "NaN is not a JSON number"),
    (f'{{"@id": "{EX}a", "{EX}p": "x\\ud800"}}', "\\ud800", "\\ud800 is half of a surrogate pair"),
    (f'{{"@id": "{EX}a", "{EX}p": {{"@value": "x", "@language": "-bad"}}}}', None,
     "'-bad' is not a valid language tag"),
    (f'{{"@id": "{EX}a", "@type": "{EX}A B"}}', None, f"@type '{EX}A B' is not a valid IRI"),
    ("[" * 100_000 + "]" * 100_000, None, "the JSON is nested too deeply to be read"),
])
def test_jsonld_that_pyld_would_read_wrongly_is_refused(tmp_path: Path, text: str,
                                                        token: str | None, message: str) -> None:
    from segur_kg.common.errors import SegurKgError
    from segur_kg.rdf.reading import parse_file

    bad = write(tmp_path, "bad.jsonld", text)
    with pytest.raises(SegurKgError) as error:
        parse_file(bad)
    where = f":1:{text.rindex(token) + 1}" if token else ":1" if "@" in text else ""
    assert error.value.message.startswith(f"{bad}{where}: {message}"), error.value.message


def test_an_escaped_backslash_before_u_is_not_a_surrogate(tmp_path: Path) -> None:
    from rdflib import Literal

    from segur_kg.rdf.reading import parse_file

    path = write(tmp_path, "ok.jsonld", f'{{"@id": "{EX}a", "{EX}p": "x\\\\ud800 \\ud83d\\ude00"}}')
    [(_, _, value)] = parse_file(path)
    assert value == Literal("x\\ud800 \U0001f600")


# --- E: rdflib's warning and its normalised value --------------------------------------------


@pytest.mark.parametrize("command", ["validate", "diff"])
def test_an_ill_typed_boolean_is_one_error_line_with_its_own_value(
        run_cli, tmp_path: Path, command: str) -> None:
    bad = write(tmp_path, "yes.ttl", PREFIXES + f'<{EX}a> <{EX}p> "yes"^^xsd:boolean .\n')
    good = write(tmp_path, "good.nt", GOOD)
    args = [str(bad)] if command == "validate" else [str(good), str(bad)]
    result = run_cli(command, *args)
    assert_clean_error(result)
    assert result.stderr == (f"segur-kg: error: {bad}:2: 'yes' is not a valid xsd:boolean; "
                             "fix the value or its datatype\n")


def test_a_store_holding_what_the_reader_refuses_is_named_in_the_error(tmp_path: Path) -> None:
    import pyoxigraph

    from segur_kg.checking.validate import validate_store
    from segur_kg.common.errors import SegurKgError
    from segur_kg.stores.oxigraph import OxigraphStore

    # A store filled before load checked literals.
    folder = tmp_path / "store"
    raw = pyoxigraph.Store(str(folder))
    raw.bulk_load((PREFIXES + f'<{EX}a> <{EX}p> "2010-13-45"^^xsd:date .\n').encode(),
                  format=pyoxigraph.RdfFormat.TURTLE)
    raw.flush()
    del raw
    store = OxigraphStore(folder)
    with pytest.raises(SegurKgError) as error:
        validate_store(store)
    store.close()
    assert error.value.message == (f"oxigraph:{folder}: the store holds data the reader refuses: "
                                   "'2010-13-45' is not a valid xsd:date; fix the value or its "
                                   "datatype")


def test_valid_files_give_the_same_triples_as_before(tmp_path: Path) -> None:
    # The reader changed parser: a Turtle file of every kind of term reads as rdflib read it.
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from segur_kg.rdf.reading import parse_file

    text = PREFIXES + f"""@prefix ex: <{EX}> .
@base <{EX}base/> .
ex:a ex:p "plain", "fr"@fr, "en"@en, 1, 1.5, 1e3, true, "2020-01-01"^^xsd:date ;
  ex:q <relative>, [ ex:r "nested" ], ( "one" "two" ) ;
  ex:s \"\"\"multi
line\"\"\" .
"""
    path = write(tmp_path, "kinds.ttl", text)
    ours = parse_file(path)
    theirs = Graph().parse(data=text, format="turtle")
    assert isomorphic(ours, theirs)
    assert str(dict(ours.namespaces())["ex"]) == EX
