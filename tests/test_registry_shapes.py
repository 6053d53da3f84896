"""The shapes of the national registries' records (FINESS, Annuaire Santé, MSSanté directory):
every new term is checked, the records pass as the importers write them, the programme's own
resources keep their stricter requirements, and the NOS schemes and corridor links the imports
add pass too."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, SH

from segur_kg.checking.shapes import load_shapes
from segur_kg.checking.validate import Report, validate_files
from segur_kg.common import paths
from segur_kg.rdf.reading import parse_file
from segur_kg.sources.registries import corridors

SEGUR = "https://w3id.org/segur/def/"
PREFIXES = """\
@prefix segur:   <https://w3id.org/segur/def/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix r30:     <https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM/> .
@prefix g15:     <https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante/> .
@prefix et:      <https://w3id.org/segur/id/finess/et/> .
@prefix ej:      <https://w3id.org/segur/id/finess/ej/> .
@prefix pro:     <https://w3id.org/segur/id/professional/> .
@prefix dataset: <https://w3id.org/segur/id/dataset/> .
@prefix kind:    <https://w3id.org/segur/id/mailbox-kind/> .
"""
# The terms the registries add to the vocabulary.
REGISTRY_CLASSES = ("LegalEntity", "ProfessionalActivity")
REGISTRY_PROPERTIES = ("finessNumber", "siret", "openingDate", "legalEntity",
                       "establishmentCategory", "inDepartment", "nationalIdentifier",
                       "identifierType", "professionalCategory", "hasActivity", "exerciseMode",
                       "activitySector", "atSite", "operatorDomain", "concernsCorridor")


def check(tmp_path: Path, body: str) -> set[tuple[str, str]]:
    """(requirement, focus) of every result for these triples, checked with the dataset (its
    regions, mailbox kinds and professions)."""
    path = tmp_path / "records.ttl"
    path.write_text(PREFIXES + body, encoding="utf-8")
    report = validate_files([path], lang="en", with_dataset=True)
    return found(report)


def found(report: Report) -> set[tuple[str, str]]:
    return {(result.requirement, result.focus) for result in report.results}


# --- every new term is checked ---------------------------------------------------------------


def test_every_registry_class_is_targeted_by_a_node_shape() -> None:
    targeted = set(load_shapes().objects(None, SH.targetClass))
    assert [name for name in REGISTRY_CLASSES if URIRef(SEGUR + name) not in targeted] == []


def test_every_registry_property_is_the_path_of_a_shape() -> None:
    shapes = load_shapes()
    paths_used = set(shapes.objects(None, SH.path))
    assert [name for name in REGISTRY_PROPERTIES if URIRef(SEGUR + name) not in paths_used] == []


def test_every_registry_term_is_in_the_vocabulary() -> None:
    graph = parse_file(paths.ontology_file())
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    missing = [name for name in (*REGISTRY_CLASSES, *REGISTRY_PROPERTIES, "fileName", "linesRead")
               if not set(graph.objects(URIRef(SEGUR + name), RDF.type)) & kinds]
    assert missing == []


# --- records as the importers write them -------------------------------------------------------

ESTABLISHMENT = """
et:{number} a segur:HealthEstablishment ;
    rdfs:label "CENTRE HOSPITALIER DE TEST"@fr ;
    segur:finessNumber "{number}" ;
    dcterms:source {source} .
"""


def test_establishment_of_the_register_needs_no_english_name_region_or_software(tmp_path: Path) -> None:
    # Wallis-et-Futuna lies in no region; the register names establishments in French only.
    assert check(tmp_path, ESTABLISHMENT.format(number="9J0000015", source="dataset:finess")) == set()


def test_establishment_described_by_hand_still_needs_them(tmp_path: Path) -> None:
    focus = "https://w3id.org/segur/id/finess/et/010000024"
    results = check(tmp_path, ESTABLISHMENT.format(number="010000024",
                                                   source="<https://example.org/source>"))
    assert results == {("R-02", focus), ("R-35", focus), ("R-39", focus)}


def test_establishment_of_the_register_in_a_region_of_the_graph(tmp_path: Path) -> None:
    body = ESTABLISHMENT.format(number="010000024", source="dataset:finess").replace(
        " ;\n    dcterms:source", " ;\n    dcterms:spatial r30:84 ;\n    dcterms:source")
    assert check(tmp_path, body) == set()
    old_region = body.replace("r30:84", "r30:82")  # Rhône-Alpes, closed in 2016
    focus = "https://w3id.org/segur/id/finess/et/010000024"
    assert check(tmp_path, old_region) == {("R-35", focus)}


@pytest.mark.parametrize("iri", [
    "https://w3id.org/segur/id/finess/et/01000002",  # eight characters
    "https://w3id.org/segur/id/finess/et/0100000240",  # ten
    "https://w3id.org/segur/id/finess/ej/010000024",  # a legal entity's form
])
def test_establishment_iri_keeps_the_finess_form(tmp_path: Path, iri: str) -> None:
    body = f"""
<{iri}> a segur:HealthEstablishment ;
    rdfs:label "CENTRE DE TEST"@fr ;
    segur:finessNumber "010000024" ;
    dcterms:source dataset:finess .
"""
    assert check(tmp_path, body) == {("R-05", iri)}


PROFESSIONAL = """
pro:{id} a segur:HealthProfessional ;
    segur:nationalIdentifier "{id}" ;
    segur:hasProfession g15:60 ;
    segur:hasActivity <https://w3id.org/segur/id/professional/{id}/activity/0123456789ab> ;
    dcterms:source {source} .

<https://w3id.org/segur/id/professional/{id}/activity/0123456789ab> a segur:ProfessionalActivity ;
    dcterms:source dataset:rpps .
"""


def test_professional_of_the_directory_needs_no_name_nor_finess_site(tmp_path: Path) -> None:
    # An ADELI identifier (type 0, then nine characters, here with Corsica's 2A).
    assert check(tmp_path, PROFESSIONAL.format(id="02A1234567", source="dataset:rpps")) == set()


def test_professional_described_by_hand_still_needs_them(tmp_path: Path) -> None:
    focus = "https://w3id.org/segur/id/professional/810001234567"
    results = check(tmp_path, PROFESSIONAL.format(id="810001234567",
                                                  source="<https://example.org/source>"))
    assert results == {("R-01", focus), ("R-02", focus), ("R-36", focus)}


def test_activity_iri_keeps_its_key_form(tmp_path: Path) -> None:
    body = PROFESSIONAL.format(id="810001234567", source="dataset:rpps").replace(
        "0123456789ab", "0123456789AB")
    focus = "https://w3id.org/segur/id/professional/810001234567/activity/0123456789AB"
    assert check(tmp_path, body) == {("R-05", focus)}


MAILBOXES = """
et:010000024 a segur:HealthEstablishment ;
    rdfs:label "CENTRE HOSPITALIER DE TEST"@fr ;
    segur:finessNumber "010000024" ;
    segur:legalEntity ej:010780054 ;
    dcterms:source dataset:finess .

ej:010780054 a segur:LegalEntity ;
    segur:finessNumber "010780054" ;
    dcterms:source dataset:finess .

<https://w3id.org/segur/id/structure/3-12345678900011> a org:Organization .

pro:810001234567 a segur:HealthProfessional ;
    segur:nationalIdentifier "810001234567" ;
    segur:hasActivity <https://w3id.org/segur/id/professional/810001234567/activity/0123456789ab> ;
    dcterms:source dataset:rpps .

<https://w3id.org/segur/id/professional/810001234567/activity/0123456789ab> a segur:ProfessionalActivity ;
    dcterms:source dataset:rpps .

<https://w3id.org/segur/id/professional/810001234567/mailbox/1> a segur:MssanteMailbox ;
    segur:operatorDomain "medecin.mssante.fr" ;
    segur:hasMailboxKind kind:personnelle ;
    segur:mailboxHolder {personal_holder} ;
    dcterms:source {source} .

<https://w3id.org/segur/id/mailbox/secretariat.2b@ch-test.mssante.fr> a segur:MssanteMailbox ;
    segur:mailboxAddress "Secretariat.2B@ch-test.mssante.fr" ;
    segur:operatorDomain "ch-test.mssante.fr" ;
    segur:hasMailboxKind kind:organisationnelle ;
    segur:mailboxHolder ej:010780054 ;
    dcterms:source dataset:mssante .

<https://w3id.org/segur/id/mailbox/cabinet@ville-test.mssante.fr> a segur:MssanteMailbox ;
    segur:mailboxAddress "cabinet@ville-test.mssante.fr" ;
    segur:operatorDomain "ville-test.mssante.fr" ;
    segur:hasMailboxKind kind:organisationnelle ;
    segur:mailboxHolder <https://w3id.org/segur/id/structure/3-12345678900011> ;
    dcterms:source dataset:mssante .

<https://w3id.org/segur/id/mailbox/accueil@ch-test.mssante.fr> a segur:MssanteMailbox ;
    segur:mailboxAddress "accueil@ch-test.mssante.fr" ;
    segur:operatorDomain "ch-test.mssante.fr" ;
    segur:hasMailboxKind kind:organisationnelle ;
    dcterms:source dataset:mssante .
"""
PERSONAL = "https://w3id.org/segur/id/professional/810001234567/mailbox/1"


def test_mailboxes_of_the_directory_as_imported(tmp_path: Path) -> None:
    # A personal mailbox without its address, organisational ones held by a legal entity (its
    # address written with capitals, as the directory has some) and a structure, and one whose
    # structure the directory does not name.
    body = MAILBOXES.format(personal_holder="pro:810001234567", source="dataset:mssante")
    assert check(tmp_path, body) == set()


def test_mailbox_described_by_hand_still_needs_address_and_labels(tmp_path: Path) -> None:
    body = MAILBOXES.format(personal_holder="pro:810001234567",
                            source="<https://example.org/source>")
    assert check(tmp_path, body) == {("R-01", PERSONAL), ("R-02", PERSONAL), ("R-37", PERSONAL)}


def test_personal_mailbox_of_a_professional_the_directory_import_lacks(tmp_path: Path) -> None:
    # The MSSanté directory names a professional by national identifier; the Annuaire Santé
    # import may not hold that person, so the holder has no class, only the directory's IRI.
    body = MAILBOXES.format(personal_holder="pro:819900000013", source="dataset:mssante")
    assert check(tmp_path, body) == set()
    wrong = MAILBOXES.format(personal_holder="<https://w3id.org/segur/id/professional/someone>",
                             source="dataset:mssante")
    assert check(tmp_path, wrong) == {("R-38", PERSONAL)}


def test_personal_mailbox_held_by_an_establishment_is_reported(tmp_path: Path) -> None:
    body = MAILBOXES.format(personal_holder="et:010000024", source="dataset:mssante")
    assert check(tmp_path, body) == {("R-38", PERSONAL)}


# --- what the imports add from the repository ----------------------------------------------------


def test_registry_nos_schemes_pass_the_nos_shapes() -> None:
    files = sorted((paths.data_dir() / "registries" / "nos").glob("*.ttl"))
    assert len(files) == 8
    report = validate_files(files, lang="en", with_dataset=True)
    assert found(report) == set()


def test_corridor_links_pass_the_shapes_with_their_provenance(tmp_path: Path) -> None:
    path = tmp_path / "corridors.nt"
    path.write_text(corridors.ntriples(corridors.links()), encoding="utf-8")
    r66 = paths.data_dir() / "registries" / "nos" / "TRE_R66-CategorieEtablissement.ttl"
    report = validate_files([path, r66], lang="en", with_dataset=True)
    assert found(report) == set()


def test_corridor_link_without_its_statement_is_reported(tmp_path: Path) -> None:
    nt = corridors.ntriples(corridors.links())
    statement = "<https://w3id.org/segur/id/statement/r66-620-couloir-officine>"
    path = tmp_path / "corridors.nt"
    path.write_text("".join(line for line in nt.splitlines(keepends=True)
                            if not line.startswith(statement)), encoding="utf-8")
    r66 = paths.data_dir() / "registries" / "nos" / "TRE_R66-CategorieEtablissement.ttl"
    report = validate_files([path, r66], lang="en", with_dataset=True)
    concept = ("https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/"
               "TRE-R66-CategorieEtablissement/620")
    assert found(report) == {("R-57", concept)}
