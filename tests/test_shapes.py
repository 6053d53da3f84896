"""The SHACL shapes: well-formed SHACL, tied to the requirements table, proven on a valid and
an invalid fixture per requirement, passed by the real dataset and covering all of its terms."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS

from segur_kg.checking.shapes import Requirement, load_shapes, read_requirements, shape_files
from segur_kg.checking.validate import Report, validate_dataset, validate_files
from segur_kg.common import paths
from segur_kg.rdf.reading import parse_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
SHACL_SHACL = Path(pyshacl.__file__).resolve().parent / "assets" / "shacl-shacl.ttl"
EXPECT = re.compile(r"^# expect: (R-\d\d) <(\S+)>$")
FIXTURE_NAME = re.compile(r"^(R-\d\d)-(valid|invalid)\.ttl$")
SHAPES_NS = "https://w3id.org/segur/def/shapes/"


@cache
def requirements() -> dict[str, Requirement]:
    return read_requirements()


@cache
def stamped_shapes() -> Graph:
    return load_shapes()


@cache
def raw_shapes() -> Graph:
    """The shape files as written, before messages and severities are stamped."""
    graph = Graph()
    for path in shape_files():
        parse_file(path, graph)
    return graph


def shacl_shacl() -> Graph:
    return Graph().parse(SHACL_SHACL, format="turtle")


def meta_validate(shapes: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(
        shapes,
        shacl_graph=shacl_shacl(),
        inference="none",
        advanced=False,
        allow_warnings=False,
        abort_on_first=False,
    )
    return bool(conforms), report, text


def shapes_of(graph: Graph) -> set:
    """Every shape that can report a result: typed, targeted or held by sh:property."""
    typed = {s for kind in (SH.NodeShape, SH.PropertyShape) for s in graph.subjects(RDF.type, kind)}
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    targeted = {s for target in targets for s in graph.subjects(target, None)}
    held = set(graph.objects(None, SH.property))
    return typed | targeted | held


def expectations(path: Path) -> set[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {match.groups() for line in lines if (match := EXPECT.match(line))}


def found(report: Report) -> set[tuple[str, str]]:
    return {(result.requirement, result.focus) for result in report.results}


def describe(report: Report) -> str:
    return "\n".join(
        f"{r.severity} {r.requirement} {r.focus} path={r.path} value={r.value} "
        f"shape={r.source_shape}"
        for r in report.results
    )


def fixture(requirement: str, kind: str) -> Path:
    return FIXTURES / f"{requirement}-{kind}.ttl"


REQUIREMENT_IDS = sorted(read_requirements())


# --- the shapes are well-formed SHACL -----------------------------------------------------------


def test_shapes_conform_to_the_shacl_shacl_shapes_graph() -> None:
    assert len(shacl_shacl()) > 100, f"{SHACL_SHACL} is not the SHACL-SHACL shapes graph"
    for shapes in (raw_shapes(), stamped_shapes()):
        conforms, _report, text = meta_validate(shapes)
        assert conforms, text


def test_shacl_shacl_check_reports_a_malformed_shape() -> None:
    broken = URIRef(SHAPES_NS + "broken")
    shapes = Graph()
    shapes += stamped_shapes()
    shapes.add((broken, RDF.type, SH.PropertyShape))
    shapes.add((broken, DCTERMS.identifier, Literal("R-01")))
    shapes.add((broken, SH.path, RDFS.label))
    shapes.add((broken, SH.minCount, Literal("x")))

    conforms, report, text = meta_validate(shapes)

    assert not conforms
    flagged = {
        (report.value(result, SH.focusNode), report.value(result, SH.resultPath))
        for result in report.subjects(RDF.type, SH.ValidationResult)
    }
    assert flagged == {(broken, SH.minCount)}, text


# --- the shapes and the requirements table agree -------------------------------------------------


def test_every_shape_names_exactly_one_requirement_of_the_table() -> None:
    graph = raw_shapes()
    table = requirements()
    problems = []
    for shape in sorted(shapes_of(graph), key=lambda node: node.n3()):
        if isinstance(shape, BNode) and (None, SH.property, shape) not in graph:
            continue  # an inline shape of sh:or or sh:qualifiedValueShape reports nothing itself
        identifiers = [str(value) for value in graph.objects(shape, DCTERMS.identifier)]
        if len(identifiers) != 1 or identifiers[0] not in table:
            problems.append((shape.n3(), identifiers))
    assert problems == []


def test_every_requirement_of_the_table_is_used_by_a_shape() -> None:
    graph = raw_shapes()
    used = {str(value) for shape in shapes_of(graph)
            for value in graph.objects(shape, DCTERMS.identifier)}
    assert sorted(set(requirements()) - used) == []


def test_stamped_shapes_carry_the_severity_and_messages_of_their_requirement() -> None:
    graph = stamped_shapes()
    table = requirements()
    checked = 0
    for shape in shapes_of(graph):
        identifier = graph.value(shape, DCTERMS.identifier)
        if identifier is None:
            continue
        row = table[str(identifier)]
        assert list(graph.objects(shape, SH.severity)) == [SH[row.severity]], shape
        messages = set(graph.objects(shape, SH.message))
        assert messages == {Literal(row.fr, lang="fr"), Literal(row.en, lang="en")}, shape
        checked += 1
    assert checked >= len(table)


# --- one valid and one invalid fixture per requirement ---------------------------------------


def test_every_requirement_has_a_valid_and_an_invalid_fixture() -> None:
    missing = [
        fixture(identifier, kind).name
        for identifier in requirements()
        for kind in ("valid", "invalid")
        if not fixture(identifier, kind).is_file()
    ]
    assert missing == []


def test_every_fixture_belongs_to_a_requirement_of_the_table() -> None:
    strays = []
    for path in sorted(FIXTURES.glob("*.ttl")):
        match = FIXTURE_NAME.match(path.name)
        if match is None or match.group(1) not in requirements():
            strays.append(path.name)
    assert strays == []


@pytest.mark.parametrize("requirement", REQUIREMENT_IDS)
def test_valid_fixture_yields_no_result(requirement: str) -> None:
    path = fixture(requirement, "valid")
    assert path.read_text(encoding="utf-8").startswith("# "), "start with a comment saying why"
    assert expectations(path) == set(), "a valid fixture expects nothing"

    report = validate_files([path], lang="en")

    assert report.results == [], describe(report)
    assert report.exit_code == 0


@pytest.mark.parametrize("requirement", REQUIREMENT_IDS)
def test_invalid_fixture_yields_exactly_the_expected_results(requirement: str) -> None:
    path = fixture(requirement, "invalid")
    assert path.read_text(encoding="utf-8").startswith("# "), "start with a comment saying why"
    expected = expectations(path)
    assert expected, "an invalid fixture expects at least one result"
    assert {identifier for identifier, _focus in expected} == {requirement}

    report = validate_files([path], lang="en")

    assert found(report) == expected, describe(report)
    shapes = stamped_shapes()
    row = requirements()[requirement]
    for result in report.results:
        shape = URIRef(result.source_shape)
        assert (shape, None, None) in shapes, f"{result.source_shape} is not a named shape"
        assert shapes.value(shape, DCTERMS.identifier) == Literal(requirement), result
        assert result.severity == row.severity, result
        assert result.message == row.en, result
    assert report.exit_code == (1 if row.severity == "Violation" else 0)


# --- the real dataset -----------------------------------------------------------------------


def test_dataset_has_no_violation_and_no_warning() -> None:
    report = validate_dataset(lang="en")
    assert report.results == [], describe(report)
    assert report.exit_code == 0


@pytest.fixture(scope="module")
def data() -> Graph:
    """data/*.ttl alone, without the ontology."""
    graph = Graph()
    files = paths.data_files()
    assert files, "no data/*.ttl file found"
    for path in files:
        parse_file(path, graph)
    return graph


def test_every_class_of_the_data_is_targeted_by_a_node_shape(data: Graph) -> None:
    shapes = stamped_shapes()
    targeted = set(shapes.objects(None, SH.targetClass))
    # NOS codes are targeted as the subjects of skos:inScheme: a shape on skos:Concept
    # would also reach the programme's own concepts (corridors…), its subclasses.
    if (None, SH.targetSubjectsOf, SKOS.inScheme) in shapes:
        targeted.add(SKOS.Concept)
    classes = set(data.objects(None, RDF.type))
    assert sorted(str(c) for c in classes - targeted) == []


def test_every_predicate_of_the_data_is_the_path_of_a_property_shape(data: Graph) -> None:
    shapes = stamped_shapes()
    property_shapes = shapes_of(shapes)
    paths_used = {
        path for shape, path in shapes.subject_objects(SH.path)
        if isinstance(path, URIRef) and shape in property_shapes
    }
    predicates = set(data.predicates()) - {RDF.type}
    assert sorted(str(p) for p in predicates - paths_used) == []


# --- known gaps: each test states the behaviour the requirement asks for ---------------------

PREFIXES = """\
@prefix segur:   <https://w3id.org/segur/def/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema:  <https://schema.org/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
"""
CONSULTATION = "https://w3id.org/segur/id/consultation/test-consultation"
CHANGE = "https://w3id.org/segur/id/change/test-change"


def consultation(tmp_path: Path, start: str, end: str) -> Path:
    path = tmp_path / "consultation.ttl"
    path.write_text(
        PREFIXES
        + f"""
<{CONSULTATION}> a segur:Consultation ;
    rdfs:label "Consultation de test"@fr , "Test consultation"@en ;
    schema:startDate {start} ;
    schema:endDate {end} ;
    dcterms:source <https://example.org/source> .
""",
        encoding="utf-8",
    )
    return path


def test_consultation_ending_in_an_earlier_year_is_reported(tmp_path: Path) -> None:
    path = consultation(tmp_path, '"2021"^^xsd:gYear', '"2020"^^xsd:gYear')
    report = validate_files([path], lang="en")
    assert found(report) == {("R-10", CONSULTATION)}, describe(report)


def test_consultation_dates_of_different_precision_are_compared(tmp_path: Path) -> None:
    path = consultation(tmp_path, '"2020-05"^^xsd:gYearMonth', '"2020-07-10"^^xsd:date')
    report = validate_files([path], lang="en")
    assert report.results == [], describe(report)


def change_event(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "change.ttl"
    path.write_text(
        PREFIXES
        + f"""
<{CHANGE}> a org:ChangeEvent ;
    rdfs:label "Changement de test"@fr , "Test change"@en ;
{body}
    dcterms:source <https://example.org/source> .

<https://w3id.org/segur/id/actor/test-agency> a segur:Actor ;
    rdfs:label "Agence de test"@fr , "Test agency"@en ;
    dcterms:source <https://example.org/source> .
""",
        encoding="utf-8",
    )
    return path


def test_change_event_organisations_must_be_organisations(tmp_path: Path) -> None:
    path = change_event(tmp_path, """\
    org:originalOrganization "Old agency" ;
    org:resultingOrganization <https://example.org/untyped> ;
    dcterms:date "2021-01-01"^^xsd:date ;""")
    report = validate_files([path], lang="en")
    assert found(report) == {("R-17", CHANGE)}, describe(report)


def test_change_event_with_two_dates_is_reported_under_r25(tmp_path: Path) -> None:
    path = change_event(tmp_path, """\
    org:originalOrganization <https://w3id.org/segur/id/actor/test-agency> ;
    org:resultingOrganization <https://w3id.org/segur/id/actor/test-agency> ;
    dcterms:date "2021-01-01"^^xsd:date , "2022-01-01"^^xsd:date ;""")
    report = validate_files([path], lang="en")
    assert ("R-25", CHANGE) in found(report), describe(report)
