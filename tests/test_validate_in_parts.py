"""`validate --store` on a store holding registry graphs checks it in parts (stores.parts): the
parts must give the results of the whole store checked at once, whatever their size, including
the checks that read beyond a resource (the class of what it points to, a statement pointing to
it, a path through the default graph), across graphs and across parts.

The store holds the base graph and the three registry fixtures, which give two violations of
their own (an activity at a site the FINESS file lacks); statements added to the registry graphs
break one check of each kind."""

from __future__ import annotations

import contextlib
import gc
import io
import re
from pathlib import Path

import pytest
from conftest import command_output

from segur_kg.checking import validate
from segur_kg.cli import main
from segur_kg.stores import open_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registries"
ID = "https://w3id.org/segur/id/"
DEF = "https://w3id.org/segur/def/"
GRAPH = "https://w3id.org/segur/graph/source/"
NOS_REGION = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM/"
DOCTOR = f"{ID}professional/819900000002"
ACTIVITY = f"{DOCTOR}/activity/a258b241e862"
WALLIS = f"{ID}finess/et/980699913"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# (graph, subject, predicate, object IRI): each breaks a check that reads beyond its subject.
BROKEN = [
    # the site is a legal entity of the FINESS graph, not an establishment (sh:class, across
    # graphs)
    ("rpps", ACTIVITY, f"{DEF}practisesAt", f"{ID}finess/ej/2A0999916"),
    # a second professional claims the doctor's activity (^hasActivity at most once)
    ("mssante", f"{ID}professional/819900000001", f"{DEF}hasActivity", ACTIVITY),
    # a personal mailbox held by an establishment (the class of the holder, in another graph)
    ("mssante", f"{DOCTOR}/mailbox/1", f"{DEF}mailboxHolder", f"{ID}finess/et/2A0999915"),
    # the Wallis hospital (in no region) put in Alsace, a region before 2016 that no region of
    # the graph matches (a path through the default graph: dcterms:spatial, then back along
    # skos:exactMatch, to a segur:Region)
    ("finess", WALLIS, "http://purl.org/dc/terms/spatial", f"{NOS_REGION}42"),
    # in the default graph ("" below), as an extension loaded with the dataset would put them:
    # a professional practising at a FINESS establishment (its class is in the FINESS graph)
    ("", f"{ID}person/dr-extension", RDF_TYPE, f"{DEF}HealthProfessional"),
    ("", f"{ID}person/dr-extension", f"{DEF}practisesAt", f"{ID}finess/et/2A0999915"),
    # the site the FINESS file lacks, typed by a subclass the extension declares: its
    # activities' sites become establishments (the store's own class hierarchy)
    ("", "https://example.org/TeachingHospital", "http://www.w3.org/2000/01/rdf-schema#subClassOf",
     f"{DEF}HealthEstablishment"),
    ("", f"{ID}finess/et/350999999", RDF_TYPE, "https://example.org/TeachingHospital"),
]
# The resources whose checks the statements break.
FOCUS = {ACTIVITY, f"{DOCTOR}/mailbox/1", WALLIS, f"{ID}person/dr-extension"}


def _store(folder: Path, broken: bool) -> str:
    spec = f"oxigraph:{folder / 'store'}"
    files = [str(FIXTURES / name) for name in ("finess-etalab.csv", "rpps.txt", "mssante.txt")]
    with command_output(), contextlib.redirect_stderr(io.StringIO()):
        assert main(["load", "--store", spec]) == 0
        assert main(["import", "auto", *files, "--store", spec]) == 0
    if broken:
        from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

        store = Store(str(folder / "store"))
        for graph, subject, predicate, value in BROKEN:
            store.add(Quad(NamedNode(subject), NamedNode(predicate), NamedNode(value),
                           NamedNode(GRAPH + graph) if graph else DefaultGraph()))
        store.flush()
        del store
        gc.collect()
    return spec


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, str]:
    return {broken: _store(tmp_path_factory.mktemp("parts"), broken)
            for broken in (False, True)}


class _Whole:
    """The same store, checked at once."""

    def __init__(self, store: object) -> None:
        self.store = store
        self.name = store.name  # type: ignore[attr-defined]

    def parts(self, *_args: object) -> None:
        return None

    def in_use(self) -> object:
        return self.store.in_use()  # type: ignore[attr-defined]

    def dump_ntriples(self, output: io.BytesIO) -> None:
        self.store.dump_ntriples(output)  # type: ignore[attr-defined]


@pytest.mark.parametrize("broken", [False, True])
@pytest.mark.parametrize("size", [60, 100_000])
def test_the_parts_give_the_results_of_the_whole_store(stores: dict[bool, str], broken: bool,
                                                       size: int) -> None:
    with open_store(stores[broken]) as store:
        whole = validate.validate_store(_Whole(store))  # type: ignore[arg-type]
        parts = validate.validate_store(store, part_size=size)
    assert parts.results == whole.results
    assert validate.render(parts, "text") == validate.render(whole, "text")
    focus = {r.focus for r in parts.results if r.severity == "Violation"}
    assert (focus >= FOCUS) is broken
    # the fixtures' two violations (a site the FINESS file lacks), gone when it is typed
    site = [r for r in parts.results
            if r.path in ("segur:atSite", "segur:practisesAt")
            and r.value == f"{ID}finess/et/350999999"]
    assert len(site) == (0 if broken else 2)
    assert parts.conforms is whole.conforms is False
    if broken:  # each kind of check broken once at least
        paths = {r.path for r in parts.results}
        assert {"segur:practisesAt", "^segur:hasActivity", "segur:mailboxHolder"} <= paths
        assert any(r.focus == WALLIS and r.source_shape.endswith("RegionOfTheGraph")
                   for r in parts.results)


@pytest.mark.parametrize("size", [300, 100_000])
def test_the_pyshacl_engine_gives_the_same_results_in_parts(stores: dict[bool, str],
                                                            size: int) -> None:
    """pySHACL filters the values its nested shapes check by the focus nodes too: it checks
    each part whole, and only its subjects' results are kept."""
    with open_store(stores[True]) as store:
        whole = validate.validate_store(_Whole(store), engine="pyshacl")  # type: ignore[arg-type]
        parts = validate.validate_store(store, engine="pyshacl", part_size=size)
    assert parts.results == whole.results
    assert {r.focus for r in parts.results} >= FOCUS


def test_the_store_is_cut_at_subject_boundaries(stores: dict[bool, str]) -> None:
    with open_store(stores[False]) as store:
        parts = list(store.parts(3, {}))  # type: ignore[arg-type]
    assert parts[0].graph == "default graph"  # with the reference tables, at once
    assert f"<{ID}corridor/hopital>" in parts[0].subjects
    seen: dict[str, set[str]] = {}
    for part in parts[1:]:
        assert part.subjects and part.graph != "default graph"
        for subject in part.subjects:
            assert subject not in seen.get(part.graph, set()), subject
        seen.setdefault(part.graph, set()).update(part.subjects)
    assert set(seen) == {GRAPH + "finess", GRAPH + "rpps", GRAPH + "mssante",
                         "https://w3id.org/segur/graph/figures"}
    assert f"<{ACTIVITY}>" in seen[GRAPH + "rpps"]


def test_the_report_in_turtle_holds_the_kept_results(stores: dict[bool, str]) -> None:
    from rdflib import RDF, Graph
    from rdflib.namespace import SH

    with open_store(stores[True]) as store:
        report = validate.validate_store(store, part_size=60)
    graph = Graph().parse(data=validate.render(report, "turtle"), format="turtle")
    assert len(set(graph.subjects(RDF.type, SH.ValidationResult))) == len(report.results)
    [conforms] = graph.objects(None, SH.conforms)
    assert conforms.toPython() is False


def test_validate_store_command_checks_the_registries(stores: dict[bool, str]) -> None:
    with command_output() as out, contextlib.redirect_stderr(io.StringIO()):
        code = main(["validate", "--store", stores[True], "--lang", "en"])
    text = out.getvalue().decode("utf-8")
    assert code == 1
    assert f"{ID}finess/ej/2A0999916" in text
    assert re.search(r"\n\d+ violations, \d+ warnings?\n$", text)


@pytest.mark.parametrize("graph", ["rpps", ""])
def test_a_literal_the_reader_refuses_stops_the_parts_as_the_whole(
        tmp_path: Path, graph: str) -> None:
    """Each part's own statements are read as every file is (rdf.reading), once: an ill-typed
    date in a registry graph, or in the default graph, gives the message of the whole store."""
    from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

    from segur_kg.common.errors import SegurKgError

    spec = _store(tmp_path, broken=False)
    raw = Store(str(tmp_path / "store"))
    raw.add(Quad(NamedNode(ACTIVITY), NamedNode(f"{DEF}since"),
                 Literal("2010-13-45", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date")),
                 NamedNode(GRAPH + graph) if graph else DefaultGraph()))
    raw.flush()
    del raw
    gc.collect()
    messages = []
    with open_store(spec) as store:
        for checked in (_Whole(store), store):
            with pytest.raises(SegurKgError) as error:
                validate.validate_store(checked, part_size=60)  # type: ignore[arg-type]
            messages.append(error.value.message)
    assert messages[0] == messages[1] == (
        f"{spec}: the store holds data the reader refuses: '2010-13-45' is not a valid "
        "xsd:date; fix the value or its datatype")


def test_the_shapes_say_from_which_classes_each_predicate_is_followed_back() -> None:
    """A part looks back along a predicate only from the resources whose shapes follow it back:
    ^segur:hasActivity from activities, ^segur:opens|^segur:closes from windows; skos:exactMatch
    is followed back after dcterms:spatial (a sequence path), so from every resource."""
    followed = validate._inverse_predicates()
    assert followed[f"{DEF}hasActivity"] == {f"{DEF}ProfessionalActivity"}
    assert followed[f"{DEF}opens"] == followed[f"{DEF}closes"] == {f"{DEF}Window"}
    assert followed["http://www.w3.org/2004/02/skos/core#exactMatch"] is None


def test_a_part_looks_back_from_the_subclasses_the_engine_reads_beside_the_store(
        stores: dict[bool, str]) -> None:
    """The engine mixes the current ontology into every part; the store may hold an older one.
    A class only that ontology puts above the activities' class still brings the statements
    its shapes follow back to an activity."""
    engagement = "https://example.org/Engagement"
    inverse = {f"{DEF}hasActivity": frozenset({engagement})}
    claim = f"<{DOCTOR}> <{DEF}hasActivity> <{ACTIVITY}> .\n".encode()

    def activity_part(hierarchy: list[tuple[str, str]]) -> bytes:
        with open_store(stores[False]) as store:
            for part in store.parts(1, inverse, hierarchy):  # type: ignore[union-attr]
                if f"<{ACTIVITY}>" in part.subjects:
                    assert f"<{DOCTOR}>" not in part.subjects
                    return part.ntriples
        raise AssertionError("no part holds the activity")

    assert claim not in activity_part([])
    assert claim in activity_part([(f"{DEF}ProfessionalActivity", engagement)])


@pytest.mark.parametrize("shapes, followed", [
    # a property shape's own nested property shape: it checks the values, not the focus
    ("""ex:Q sh:path ex:q ; sh:targetClass ex:D ; sh:property ex:P .
        ex:P sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 .""", None),
    # a class target, through a node shape's property
    ("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:P sh:path [ sh:inversePath ex:p ] ; sh:maxCount 1 .""", {"http://example.org/C"}),
    # one of alternatives: the same
    ("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:P sh:path [ sh:alternativePath ( [ sh:inversePath ex:p ] ex:r ) ] .""",
     {"http://example.org/C"}),
    # a node shape that another shape uses: its focus nodes are the other's values too
    ("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:T a sh:NodeShape ; sh:targetClass ex:D ; sh:property [ sh:path ex:q ; sh:node ex:S ] .
        ex:P sh:path [ sh:inversePath ex:p ] .""", None),
    # a step of a sequence
    ("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:P sh:path ( ex:q [ sh:inversePath ex:p ] ) .""", None),
])
def test_the_classes_a_predicate_is_followed_back_from(shapes: str, followed: set[str] | None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from rdflib import Graph

    graph = Graph().parse(data="@prefix sh: <http://www.w3.org/ns/shacl#> . "
                          "@prefix ex: <http://example.org/> . " + shapes, format="turtle")
    monkeypatch.setattr(validate, "_stamped_shapes", lambda: graph)
    found = validate._inverse_predicates()["http://example.org/p"]
    assert found == (None if followed is None else frozenset(followed))


def test_a_shared_or_looping_path_node_is_followed_back_from_every_resource(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rdflib import BNode, Graph, Namespace
    from rdflib.namespace import RDF, SH

    ex = Namespace("http://example.org/")
    graph, step, cell = Graph(), BNode(), BNode()
    graph.add((ex.S, SH.targetClass, ex.C))
    graph.add((ex.S, SH.property, ex.P))
    graph.add((ex.P, SH.path, step))
    graph.add((step, SH.inversePath, ex.p))
    # the same step among the alternatives of another shape, which targets another class
    graph.add((ex.Q, SH.targetClass, ex.D))
    graph.add((ex.Q, SH.path, ex.alt))
    graph.add((ex.alt, SH.alternativePath, cell))
    graph.add((cell, RDF.first, step))
    graph.add((cell, RDF.rest, RDF.nil))
    monkeypatch.setattr(validate, "_stamped_shapes", lambda: graph)
    assert validate._inverse_predicates()[str(ex.p)] is None
    graph.remove((ex.P, SH.path, step))
    assert validate._inverse_predicates()[str(ex.p)] == {str(ex.D)}
    graph.set((cell, RDF.rest, cell))  # a list that loops
    assert validate._inverse_predicates()[str(ex.p)] is None
