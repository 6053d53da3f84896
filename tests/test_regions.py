"""The 18 current regions and their ARS, derived from the NOS terminology TRE_R30."""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from segur_kg.rdf.reading import load_dataset
from segur_kg.sources.regions import read_current_regions, regions_turtle

REPO_ROOT = Path(__file__).resolve().parents[1]
NOS_FILE = REPO_ROOT / "sources" / "nos" / "CodeSystem-TRE-R30-RegionOM.ttl"
SEGUR = "https://w3id.org/segur/def/"

# The current regions as listed by research fact 13 (codes without an end date).
CURRENT_CODES = ["01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53",
                 "75", "76", "84", "93", "94"]


def test_derivation_keeps_two_digit_codes_without_end_date() -> None:
    assert [r.code for r in read_current_regions(NOS_FILE)] == CURRENT_CODES


def test_closed_regions_are_left_out() -> None:
    names = {r.name_fr for r in read_current_regions(NOS_FILE)}
    assert "Picardie" not in names and "Alsace" not in names
    assert "Bretagne" in names and "Hauts-de-France" in names


def test_committed_regions_file_is_the_derivation_of_the_nos_file() -> None:
    from rdflib import Graph

    derived = Graph().parse(data=regions_turtle(read_current_regions(NOS_FILE)), format="turtle")
    committed = Graph().parse(REPO_ROOT / "data" / "regions.ttl", format="turtle")
    assert set(derived) == set(committed)


def test_regions_carry_no_date_of_the_nos_code_and_agencies_use_official_names() -> None:
    graph = load_dataset()
    valid_from = URIRef("https://schema.org/validFrom")
    for region in graph.subjects(RDF.type, URIRef(SEGUR + "Region")):
        assert graph.value(region, valid_from) is None
        # The date stays on the NOS concept the region matches.
        assert graph.value(graph.value(region, SKOS.exactMatch), valid_from) is not None
    names = {str(label) for agency in graph.subjects(RDF.type, URIRef(SEGUR + "RegionalHealthAgency"))
             for label in graph.objects(agency, RDFS.label) if label.language == "fr"}
    assert {"Agence régionale de santé Île-de-France", "Agence régionale de santé Centre-Val de Loire",
            "Agence régionale de santé Grand Est"} <= names
    assert not {name for name in names if "Ile-de-france" in name or "Grand-Est" in name
                or "Val-de-Loire" in name}


def test_every_region_has_exactly_one_agency_and_every_agency_one_region() -> None:
    graph = load_dataset()
    covers = URIRef(SEGUR + "coversRegion")
    regions = set(graph.subjects(RDF.type, URIRef(SEGUR + "Region")))
    assert sorted(str(graph.value(r, SKOS.notation)) for r in regions) == CURRENT_CODES
    for region in regions:
        assert len(list(graph.subjects(covers, region))) == 1
    for agency in graph.subjects(RDF.type, URIRef(SEGUR + "RegionalHealthAgency")):
        assert len(list(graph.objects(agency, covers))) == 1
