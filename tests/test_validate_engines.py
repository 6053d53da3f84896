"""Both SHACL engines (pyshacl-turbo, the default, and pyshacl) give the same report: the same
results on every shape fixture, on the dataset and on an extension checked with the dataset, the
same text, JSON and Turtle, and the same refusals of broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from segur_kg.checking.engines import DEFAULT_ENGINE, ENGINES
from segur_kg.checking.validate import (
    REPORT_FORMATS,
    Report,
    render,
    validate_dataset,
    validate_files,
    validate_graph,
)
from segur_kg.common.errors import SegurKgError

FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures" / "shapes").glob("R-*.ttl"))
PREFIXES = """@prefix segur:   <https://w3id.org/segur/def/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema:  <https://schema.org/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix vendor:  <https://w3id.org/segur/id/vendor/> .
@prefix product: <https://w3id.org/segur/id/software-product/> .
@prefix est:     <https://w3id.org/segur/id/establishment/> .
@prefix pro:     <https://w3id.org/segur/id/professional/> .
@prefix mailbox: <https://w3id.org/segur/id/mailbox/> .
@prefix kind:    <https://w3id.org/segur/id/mailbox-kind/> .
@prefix software: <https://w3id.org/segur/id/software/> .
@prefix wave:    <https://w3id.org/segur/id/wave/> .
@prefix g15:     <https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante/> .
@prefix r30:     <https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM/> .
@prefix ex:      <https://example.org/things/> .
"""
# An extension tied to the real dataset (its waves, categories, regions, professions and
# mailbox kinds), broken on purpose: a SPARQL constraint, a sequence path with an inverse
# step, an sh:or of node shapes, patterns, classes, a blank node and a resource
# with no label whose IRI is printed with the file's own prefix.
EXTENSION = PREFIXES + """
vendor:acme a segur:SoftwareVendor ;
    rdfs:label "Acmé"@fr , "Acme"@en ; dcterms:source <https://example.org/source> .
product:acme-lgc-sf a segur:SoftwareProduct ;
    rdfs:label "LGC SF Acmé"@fr , "Acme midwives' software"@en ; dcterms:source <https://example.org/source> ;
    segur:publishedBy vendor:acme ; segur:inSoftwareCategory software:lgc-sf ;
    segur:referencedInWave wave:vague-1 ; segur:referencingDate "2022-03-15"^^xsd:date .
est:ch-nord a segur:HealthEstablishment ;
    rdfs:label "CH Nord"@fr , "North hospital"@en ; dcterms:source <https://example.org/source> ;
    dcterms:spatial r30:84 ; segur:usesProduct product:acme-lgc-sf .
est:ch-sud a segur:HealthEstablishment ;
    rdfs:label "CH Sud"@fr , "South hospital"@en ; dcterms:source <https://example.org/source> ;
    dcterms:spatial r30:99 ; segur:usesProduct product:acme-lgc-sf .
pro:p1 a segur:HealthProfessional ;
    rdfs:label "Professionnelle 1"@fr , "Professional 1"@en ;
    dcterms:source <https://example.org/source> ;
    segur:hasProfession g15:10 ; segur:practisesAt est:ch-nord ;
    schema:position "0"^^xsd:integer .
mailbox:m1 a segur:MssanteMailbox ;
    rdfs:label "Boîte 1"@fr , "Mailbox 1"@en ; dcterms:source <https://example.org/source> ;
    segur:mailboxAddress "accueil@ch-nord.mssante.fr" ;
    segur:hasMailboxKind kind:personnelle ; segur:mailboxHolder est:ch-nord .
mailbox:m2 a segur:MssanteMailbox ;
    rdfs:label "Boîte 2"@fr , "Mailbox 2"@en ; dcterms:source <https://example.org/source> ;
    segur:mailboxAddress "Not An Address" ;
    segur:hasMailboxKind kind:personnelle ; segur:mailboxHolder pro:p1 .
ex:nobody a segur:HealthProfessional .
[] a segur:Actor ; rdfs:label "Anonyme"@fr .
"""
EXPECTED_IN_EXTENSION = {"R-01", "R-02", "R-04", "R-05", "R-26", "R-32", "R-34", "R-35", "R-36",
                         "R-37", "R-38"}


def violations(report: Report) -> set[tuple[str, str, str, str, str]]:
    return {(r.severity, r.requirement, r.focus, r.path, r.value) for r in report.results}


def assert_same_report(turbo: Report, reference: Report) -> None:
    assert violations(turbo) == violations(reference)
    for fmt in REPORT_FORMATS:
        assert render(turbo, fmt) == render(reference, fmt), fmt
    assert turbo.exit_code == reference.exit_code


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_native_engine_is_the_default() -> None:
    assert DEFAULT_ENGINE == "pyshacl-turbo" and set(ENGINES) == {"pyshacl-turbo", "pyshacl"}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: path.stem)
def test_both_engines_report_the_same_results_on_each_fixture(fixture: Path) -> None:
    reference = validate_files([fixture], lang="en", engine="pyshacl")
    turbo = validate_files([fixture], lang="en", engine="pyshacl-turbo")
    assert_same_report(turbo, reference)
    if fixture.stem.endswith("-invalid"):
        assert reference.results, "an invalid fixture must give results to compare"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_both_engines_report_the_same_on_the_dataset(lang: str) -> None:
    assert_same_report(validate_dataset(lang, engine="pyshacl-turbo"),
                       validate_dataset(lang, engine="pyshacl"))


def test_both_engines_report_the_same_on_an_extension_checked_with_the_dataset(
    tmp_path: Path,
) -> None:
    extension = write(tmp_path, "extension.ttl", EXTENSION)
    reference = validate_files([extension], "fr", with_dataset=True, engine="pyshacl")
    turbo = validate_files([extension], "fr", with_dataset=True, engine="pyshacl-turbo")
    assert {r.requirement for r in reference.results} == EXPECTED_IN_EXTENSION
    assert_same_report(turbo, reference)
    shown = {r.focus: r.focus_label for r in turbo.results}
    assert shown["https://example.org/things/nobody"] == "ex:nobody"  # the file's prefix
    assert shown["[]"] == "[]"  # blank nodes are never named by their random labels


def test_both_engines_validate_a_whole_graph_as_they_validate_its_files(tmp_path: Path) -> None:
    from segur_kg.rdf.reading import load_dataset, parse_file

    extension = write(tmp_path, "extension.ttl", EXTENSION)
    for engine in ENGINES:
        graph = parse_file(extension, load_dataset())
        whole = validate_graph(graph, "en", engine=engine)
        files = validate_files([extension], "en", with_dataset=True, engine=engine)
        assert violations(whole) == violations(files) != set(), engine


def test_blank_nodes_of_two_files_stay_distinct(tmp_path: Path) -> None:
    # Merged, the two blank nodes would be one actor with both labels and a source.
    first = write(tmp_path, "first.ttl", PREFIXES + '_:b rdfs:label "Acteur"@fr .\n')
    second = write(tmp_path, "second.nt",
                   '_:b <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                   '<https://w3id.org/segur/def/Actor> .\n'
                   '_:b <http://www.w3.org/2000/01/rdf-schema#label> "Actor"@en .\n')
    reference = validate_files([first, second], "en", engine="pyshacl")
    turbo = validate_files([first, second], "en", engine="pyshacl-turbo")
    assert ("Violation", "R-01", "[]", "rdfs:label", "") in violations(reference)
    assert_same_report(turbo, reference)


def test_rdfxml_and_jsonld_files_give_the_same_report(tmp_path: Path) -> None:
    rdfxml = write(tmp_path, "actor.rdf", """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="https://w3id.org/segur/id/actor/xml-actor">
    <rdf:type rdf:resource="https://w3id.org/segur/def/Actor"/>
    <rdfs:label xml:lang="fr">Acteur XML</rdfs:label>
  </rdf:Description>
</rdf:RDF>
""")
    jsonld = write(tmp_path, "actor.jsonld", """{
  "@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
  "@id": "https://w3id.org/segur/id/actor/json-actor",
  "@type": "https://w3id.org/segur/def/Actor",
  "rdfs:label": {"@value": "JSON actor", "@language": "en"}
}
""")
    reference = validate_files([rdfxml, jsonld], "fr", engine="pyshacl")
    turbo = validate_files([rdfxml, jsonld], "fr", engine="pyshacl-turbo")
    assert {r.requirement for r in reference.results} >= {"R-01", "R-02", "R-04"}
    assert_same_report(turbo, reference)


@pytest.mark.parametrize("name", ["bad-date.ttl", "bad-date.nt"])
def test_an_ill_typed_literal_is_refused_with_the_same_message(tmp_path: Path, name: str) -> None:
    bad = write(tmp_path, name,
                "<https://w3id.org/segur/id/actor/x> <https://w3id.org/segur/def/launchDate> "
                '"2010-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .\n')
    messages = []
    for engine in ENGINES:
        with pytest.raises(SegurKgError) as error:
            validate_files([bad], engine=engine)
        messages.append(error.value.message)
    assert messages[0] == messages[1]
    assert f"{name}:1: '2010-13-45' is not a valid xsd:date" in messages[0]


@pytest.mark.parametrize(("name", "text", "line"), [
    ("bad.ttl", '@prefix ex: <http://example.org/> .\nex:a ex:b "é" .\nex:c ex:d ex:e ;; ex:f .\n', 3),
    ("bad.nt", '<http://a> <http://b> <http://c> .\n<http://a> <http://b> "open .\n', 2),
    ("iri.nt", "<http://a> <http://b> <http://bad iri> .\n", 1),
])
def test_a_syntax_error_names_the_same_file_and_line(tmp_path: Path, name: str, text: str,
                                                      line: int) -> None:
    bad = write(tmp_path, name, text)
    for engine in ENGINES:
        with pytest.raises(SegurKgError) as error:
            validate_files([bad], engine=engine)
        assert f"{name}:{line}:" in error.value.message, (engine, error.value.message)


def test_a_file_that_is_not_utf8_is_refused_by_both_engines(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.ttl"
    bad.write_bytes('<http://a> <http://b> "café" .\n'.encode("latin-1"))
    messages = []
    for engine in ENGINES:
        with pytest.raises(SegurKgError) as error:
            validate_files([bad], engine=engine)
        messages.append(error.value.message)
    assert messages[0] == messages[1] and "UTF-8" in messages[0]


def test_engines_built_from_different_sources_are_a_clear_error(monkeypatch) -> None:
    from rdflib_turbo import _native

    monkeypatch.setattr(_native, "SHACL_ENGINE_FINGERPRINT", "another engine", raising=False)
    with pytest.raises(SegurKgError) as error:
        validate_dataset(engine="pyshacl-turbo")
    assert "--engine pyshacl" in error.value.message


def test_the_engine_option_changes_nothing_in_the_output(run_cli) -> None:
    fixture = next(path for path in FIXTURES if path.name == "R-38-invalid.ttl")
    runs = [run_cli("validate", "--format", "json", *option, str(fixture))
            for option in ([], ["--engine", "pyshacl-turbo"], ["--engine", "pyshacl"])]
    assert {run.returncode for run in runs} == {1}, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    unknown = run_cli("validate", "--engine", "jena")
    assert unknown.returncode == 2 and "--engine" in unknown.stderr
