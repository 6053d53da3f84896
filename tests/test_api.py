"""The Python API (segur_kg.open): the same answers, reports and bytes as the command."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from rdflib import RDFS, URIRef

import segur_kg
from segur_kg.common.errors import SegurKgError
from segur_kg.rdf.namespaces import ID

SHAPES = Path(__file__).parent / "fixtures" / "shapes"


@pytest.fixture(scope="module")
def kg():
    with segur_kg.open() as graph:
        yield graph


def _cli_terms(run_cli, *args: str) -> list[dict]:
    result = run_cli("query", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["results"]["bindings"]


def test_a_named_query_with_a_parameter_answers_as_the_command(kg, run_cli) -> None:
    answer = kg.query("ars-of-region", region="Bretagne")
    bindings = _cli_terms(run_cli, "ars-of-region", "--param", "region=Bretagne")
    assert answer.columns == ["agency", "regionResource", "code"]
    assert len(answer) == len(bindings) == 1
    assert answer.to_dicts(labels=True)[0]["code"] == "53"
    assert answer.to_dicts() == [{name: cell["value"] for name, cell in row.items()}
                                 for row in bindings]
    assert answer.rows[0][0] == f"{ID}actor/ars-bretagne"


def test_rows_hold_python_values_and_labels_follow_the_language(kg) -> None:
    text = ("SELECT (COUNT(*) AS ?n) ?agency WHERE { ?agency "
            "<https://w3id.org/segur/def/coversRegion> ?r } GROUP BY ?agency "
            "ORDER BY ?agency LIMIT 1")
    answer = kg.query(text)
    count, agency = answer.rows[0]
    assert isinstance(count, int) and count >= 1
    assert isinstance(answer.terms[0][1], URIRef) and agency == str(answer.terms[0][1])
    english = kg.query(text, lang="en").labels[0][1]
    french = answer.labels[0][1]
    assert english != french and english.startswith("Regional health agency")


def test_ask_and_construct(kg) -> None:
    assert kg.query("ASK { ?s a <https://w3id.org/segur/def/Corridor> }").boolean is True
    graph = kg.query("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3").graph
    assert len(graph) == 3


def test_bad_queries_and_parameters_raise_the_command_errors(kg) -> None:
    with pytest.raises(SegurKgError, match="unknown parameter colour"):
        kg.query("ars-of-region", colour="red")
    with pytest.raises(SegurKgError, match="did you mean: ars-of-region"):
        kg.query("ars-of-regio")
    with pytest.raises(SegurKgError, match="SERVICE"):
        kg.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


def test_to_dataframe(kg) -> None:
    pandas = pytest.importorskip("pandas", reason="pandas is in the test extra; see README")
    frame = kg.query("corridors").to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == kg.query("corridors").columns
    assert len(frame) == len(kg.query("corridors"))


def test_validate_dataset_and_files(kg) -> None:
    assert kg.validate().conforms
    bad = kg.validate([SHAPES / "R-01-invalid.ttl"])
    assert not bad.conforms and bad.count("Violation") >= 1 and bad.exit_code == 1
    assert kg.validate([SHAPES / "R-01-valid.ttl"]).conforms


def test_export_gives_the_command_bytes(kg, run_cli, tmp_path: Path) -> None:
    written = kg.export("nt", tmp_path / "graph.nt")
    result = run_cli("export", "--format", "nt", "-o", str(tmp_path / "cli.nt"))
    assert result.returncode == 0, result.stderr
    assert written.read_bytes() == (tmp_path / "cli.nt").read_bytes()
    assert kg.export("nt") == written.read_bytes()


def test_describe_a_resource_and_the_dataset(kg) -> None:
    ans = kg.describe("actor/ans")
    assert (URIRef(f"{ID}actor/ans"), RDFS.label, None) in ans
    assert set(ans.subjects()) == {URIRef(f"{ID}actor/ans")}
    void = kg.describe()
    assert any("void#triples" in str(p) for p in void.predicates())
    with pytest.raises(SegurKgError, match="not an http"):
        kg.describe(base_url="notaurl")


def test_an_oxigraph_store_answers_as_memory(kg, run_cli, tmp_path: Path) -> None:
    store = tmp_path / "store"
    loaded = run_cli("load", "--store", f"oxigraph:{store}")
    assert loaded.returncode == 0, loaded.stderr
    with segur_kg.open(f"oxigraph:{store}") as stored:
        assert stored.query("corridors").rows == kg.query("corridors").rows
        assert stored.validate().conforms


def test_docstring_examples_run() -> None:
    import segur_kg.api

    for module in (segur_kg, segur_kg.api):
        failed, tried = doctest.testmod(module)
        assert tried > 0 and failed == 0, module.__name__


def test_public_names() -> None:
    assert set(segur_kg.__all__) == {"Answer", "KnowledgeGraph", "__version__", "open"}
    assert segur_kg.__version__.count(".") == 2


def test_an_endpoint_and_the_closure(kg, tmp_path: Path) -> None:
    from conftest import oxigraph_endpoint

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with segur_kg.open(infer=True) as inferred:
        assert inferred.query(count).rows[0][0] > kg.query(count).rows[0][0]
    with oxigraph_endpoint(tmp_path) as url, segur_kg.open(f"sparql:{url}") as remote:
        assert remote.query("corridors").rows == kg.query("corridors").rows
        assert remote.query("ars-of-region", region="53").to_dicts() == \
            kg.query("ars-of-region", region="53").to_dicts()


def test_bad_arguments_raise_clear_errors_and_write_nothing(kg, tmp_path: Path) -> None:
    with pytest.raises(SegurKgError, match="unknown export format 'xx'"):
        kg.export("xx", tmp_path / "graph.out")
    assert not any(tmp_path.iterdir())
    with pytest.raises(SegurKgError, match="lang 'de' is not a language"):
        kg.query("corridors", lang="de")
    with pytest.raises(SegurKgError, match="lang 'de' is not a language"):
        kg.validate(lang="de")
    with pytest.raises(SegurKgError, match="cannot read the file"):
        kg.validate([tmp_path / "missing.ttl"])
    with pytest.raises(SegurKgError, match="needs an IRI"):
        kg.describe("not an iri")
    with pytest.raises(SegurKgError, match="is not a store"):
        segur_kg.open("bogus")
