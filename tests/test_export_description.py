"""The VoID + DCAT description the RDF exports carry: it passes the graph's own shapes, stays
out of the programme's answers once the file is loaded into another store, and every IRI the
project mints, in the graph and in the description, dereferences on the server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, cli_env
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG

from segur_kg.cli import main

ROOT = "https://w3id.org/segur/"
SEGUR = ROOT + "def/"
DATASET = URIRef(ROOT + "id/dataset/segur-kg")
DATA_GRAPH = URIRef(ROOT + "graph/segur")
DESCRIPTION_GRAPH = URIRef(ROOT + "graph/description")
FORMATS = ["ttl", "nt", "nq", "trig", "jsonld", "xml"]
EXTENSION = {"xml": "rdf"}
ANS = ["--param", "actor=actor/ans"]


def export_file(folder: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> Path:
    path = folder / f"graph.{EXTENSION.get(fmt, fmt)}"
    assert main(["export", "--format", fmt, "-o", str(path)]) == 0, capsys.readouterr().err
    return path


def answer(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = main(["query", *args, "--format", "csv", "--lang", "fr"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(scope="module")
def data() -> Graph:
    from segur_kg.rdf.reading import load_dataset

    return load_dataset()


@pytest.fixture(scope="module")
def embedded(data: Graph) -> Graph:
    """The description as an export carries it."""
    from segur_kg.publishing.describe import describe

    return describe(data)


# --- the description passes the graph's own shapes --------------------------------------------


def results(report) -> list[tuple[str, str, str, str, str]]:  # noqa: ANN001
    return sorted((r.severity, r.requirement, r.focus, r.path, r.value) for r in report.results)


@pytest.fixture(scope="module")
def dataset_results() -> list[tuple[str, str, str, str, str]]:
    from segur_kg.checking.validate import validate_dataset

    return results(validate_dataset(lang="en"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_validates_with_no_violation(
        fmt: str, tmp_path: Path, dataset_results, capsys) -> None:
    from segur_kg.checking.validate import validate_files

    path = export_file(tmp_path, fmt, capsys)
    assert str(DATASET).encode() in path.read_bytes(), "the export carries no description"

    report = validate_files([path], lang="en")

    # Nothing beyond what the dataset itself gets: the description adds no result...
    assert [r for r in results(report) if r not in dataset_results] == []
    # ...and the whole export conforms.
    assert results(report) == []
    assert report.exit_code == 0


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_an_export_closed_under_inference_validates_too(fmt: str, tmp_path: Path, capsys) -> None:
    # Inferred super-properties must not break the shapes: an acronym is no language-tagged
    # alternative label, and a reading note is no second skos:note in the same language.
    from segur_kg.checking.validate import validate_files

    path = tmp_path / f"inferred.{EXTENSION.get(fmt, fmt)}"
    assert main(["export", "--infer", "--format", fmt, "-o", str(path)]) == 0, \
        capsys.readouterr().err
    report = validate_files([path], lang="en")
    assert results(report) == []
    assert report.exit_code == 0


@pytest.mark.parametrize("standalone", [True, False])
def test_the_description_alone_conforms(data: Graph, tmp_path: Path, standalone: bool) -> None:
    from segur_kg.checking.validate import validate_files
    from segur_kg.publishing.describe import describe
    from segur_kg.rdf.serialize import serialize

    path = tmp_path / "description.ttl"
    path.write_bytes(serialize(describe(data, standalone=standalone), "ttl"))

    report = validate_files([path], lang="en")

    assert results(report) == []


def test_the_publisher_is_an_organisation_outside_the_programme(embedded: Graph) -> None:
    publisher = embedded.value(DATASET, DCTERMS.publisher)
    assert isinstance(publisher, URIRef) and str(publisher).startswith(ROOT + "id/")
    types = set(embedded.objects(publisher, RDF.type))
    assert {ORG.Organization, FOAF.Agent} <= types
    assert URIRef(SEGUR + "Actor") not in types
    assert {label.language for label in embedded.objects(publisher, URIRef(
        "http://www.w3.org/2000/01/rdf-schema#label"))} == {"fr", "en"}


def test_languages_are_library_of_congress_iris(embedded: Graph) -> None:
    languages = set(embedded.objects(None, DCTERMS.language))
    assert languages == {URIRef("http://id.loc.gov/vocabulary/iso639-1/fr"),
                         URIRef("http://id.loc.gov/vocabulary/iso639-1/en")}


# --- the description stays out of the programme's answers -------------------------------------


def test_the_embedded_description_says_nothing_about_the_programme_resources(
        data: Graph, embedded: Graph) -> None:
    """Only vocabulary terms, the ontology and the NOS schemes are named; no resource of the
    programme is the subject or the object of a statement of the description."""
    resources = {s for s in data.subjects() if isinstance(s, URIRef)
                 and str(s).startswith(ROOT + "id/")}
    touched = {term for triple in embedded for term in triple if term in resources}
    assert touched == set()
    # The standalone description may give an example resource: it is not loaded with the data.
    from segur_kg.publishing.describe import describe

    assert (DATASET, URIRef("http://rdfs.org/ns/void#exampleResource"), None) in describe(
        data, standalone=True)


@pytest.mark.parametrize("fmt", ["trig", "nq"])
def test_quad_exports_keep_the_description_in_its_own_named_graph(
        fmt: str, tmp_path: Path, data: Graph, embedded: Graph, capsys) -> None:
    from rdflib.compare import isomorphic

    parsed = Dataset()
    parsed.parse(export_file(tmp_path, fmt, capsys), format={"nq": "nquads"}.get(fmt, fmt))
    named = {graph.identifier: graph for graph in parsed.graphs() if len(graph)}
    assert set(named) == {DATA_GRAPH, DESCRIPTION_GRAPH}
    assert isomorphic(named[DATA_GRAPH], data)
    assert isomorphic(named[DESCRIPTION_GRAPH], embedded)
    assert (DATASET, None, None) not in named[DATA_GRAPH]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_through_oxigraph_gives_the_same_actor_involvement(
        fmt: str, tmp_path: Path, capsys) -> None:
    path = export_file(tmp_path, fmt, capsys)
    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["load", "--store", store, str(path)]) == 0, capsys.readouterr().err
    # The description is in the store, so the comparison means something.
    assert main(["query", "--sparql", f"ASK {{ <{DATASET}> ?p ?o }}", "--store", store,
                 "--format", "csv"]) == 0
    assert "true" in capsys.readouterr().out

    base = answer(capsys, "actor-involvement", *ANS)
    assert answer(capsys, "actor-involvement", *ANS, "--store", store) == base
    expected = (REPO_ROOT / "queries" / "expected" / "actor-involvement.csv").read_text(
        encoding="utf-8")
    assert base == expected


def test_no_competency_question_sees_the_description_of_a_loaded_export(
        tmp_path: Path, capsys) -> None:
    from segur_kg.querying.catalog import list_queries

    path = export_file(tmp_path, "ttl", capsys)
    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["load", "--store", store, str(path)]) == 0, capsys.readouterr().err
    differing = []
    for query in list_queries():
        params = [arg for key, value in (query.examples[0] if query.examples else {}).items()
                  for arg in ("--param", f"{key}={value}")]
        if answer(capsys, query.name, *params) != answer(
                capsys, query.name, *params, "--store", store):
            differing.append(query.name)
    assert differing == []


# --- every IRI the project mints dereferences ----------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`segur-kg serve` on a free port of 127.0.0.1; yields its address."""
    folder = tmp_path_factory.mktemp("dereference")
    log = folder / "server.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "segur_kg", "serve", "--host", "127.0.0.1", "--port", "0",
             "--workers", "1"],
            stdout=subprocess.PIPE, stderr=errors, text=True, cwd=REPO_ROOT,
            env=cli_env(SEGUR_KG_CACHE_DIR=str(folder / "cache"), SEGUR_KG_HOME=None),
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        assert "serving" in line, f"the server did not start: {line}{log.read_text()}"
        url = line.split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def minted(*graphs: Graph) -> list[str]:
    """Every https://w3id.org/segur/id/… and /def… IRI the graphs use, in any position."""
    return sorted({str(term) for graph in graphs for triple in graph for term in triple
                   if isinstance(term, URIRef)
                   and (str(term).startswith(ROOT + "id/") or str(term).startswith(ROOT + "def"))})


def test_every_minted_iri_dereferences(server: str, data: Graph, embedded: Graph) -> None:
    from segur_kg.publishing.describe import describe

    iris = minted(data, embedded, describe(data, standalone=True))
    assert any(iri.startswith(str(DATASET)) for iri in iris)
    assert len(iris) > 500
    failures = []
    with httpx.Client(timeout=30) as client:
        for iri in iris:
            url = server + iri[len(ROOT):]
            response = client.get(url, headers={"Accept": "text/turtle"})
            if response.status_code == 303:
                response = client.get(response.headers["location"],
                                      headers={"Accept": "text/turtle"})
            if response.status_code != 200:
                failures.append((iri, response.status_code))
                continue
            document = Graph().parse(data=response.text, format="turtle")
            if not any(URIRef(iri) in triple for triple in document):
                failures.append((iri, "not in its document"))
    assert failures == []


def test_description_resources_have_pages(server: str, embedded: Graph) -> None:
    iris = [iri for iri in minted(embedded) if iri.startswith(ROOT + "id/")]
    assert iris
    with httpx.Client(timeout=30) as client:
        for iri in iris:
            response = client.get(server + iri[len(ROOT):], headers={"Accept": "text/html"})
            assert response.status_code == 303, iri
            page = client.get(response.headers["location"], headers={"Accept": "text/html"})
            assert page.status_code == 200, iri
            assert page.headers["content-type"].startswith("text/html")
            assert iri in page.text
    dataset = httpx.get(server + "id/dataset/segur-kg.html", headers={"Accept-Language": "en"})
    assert "Knowledge graph of the Ségur digital health programme" in dataset.text


def test_the_sparql_endpoint_does_not_answer_from_the_description(server: str) -> None:
    response = httpx.get(server + "sparql", params={"query": f"ASK {{ <{DATASET}> ?p ?o }}"},
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.json()["boolean"] is False
