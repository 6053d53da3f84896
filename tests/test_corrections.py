"""Corrections of facts that an audit of data/ against sources/ found wrong: each test reads
the loaded graph (or asks a named question) and checks the fact against the sources."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rdf_namespace
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from segur_kg.cli import main
from segur_kg.rdf.reading import load_dataset

REPO_ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/segur/id/"
SEGUR = "https://w3id.org/segur/def/"
G15 = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante/"
WAVE_1, WAVE_2 = URIRef(ID + "wave/vague-1"), URIRef(ID + "wave/vague-2")
IN_WAVE = URIRef(SEGUR + "inWave")
ROW = URIRef(SEGUR + "researchRow")
READING_SOURCE = URIRef(ID + "source/lecture-du-graphe")
FACT_SHEET = URIRef(ID + "source/fiche-segur")

WAVE_2_PAGE = "https://esante.gouv.fr/segur/vague2"
ASP_WAVE_1 = "https://www.asp-public.fr/aides/segur-du-numerique-en-sante-financement-lequipement"
ASP_WAVE_2_HOSPITAL = "https://asp-public.fr/aides/financement-lequipement-segur-du-numerique-en-sante-vague-2"
ASP_WAVE_2_IMAGING = "https://www.asp.gouv.fr/aides/financement-lequipement-segur-du-numerique-en-sante-vague-2"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


def node(slug: str) -> URIRef:
    return URIRef(ID + slug)


def segur(name: str) -> URIRef:
    return URIRef(SEGUR + name)


def texts(graph: Graph, subject: URIRef, prop: URIRef, lang: str) -> list[str]:
    return [str(v) for v in graph.objects(subject, prop) if isinstance(v, Literal) and v.language == lang]


def sources(graph: Graph, subject: URIRef) -> set[str]:
    return {str(s) for s in graph.objects(subject, DCTERMS.source)}


def rows(graph: Graph, subject: URIRef) -> set[str]:
    return {str(r) for r in graph.objects(subject, ROW)}


def answer(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    code = main(["query", *args, "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0, out
    return list(csv.DictReader(io.StringIO(out)))


# --- 1. Corridors and software categories take part in every wave the sources give ---------

# The waves of each corridor and the rows of sources/programme-facts.md that put it in wave 2.
CORRIDOR_WAVES = {
    "hopital": ({WAVE_1, WAVE_2}, {"C04", "C08", "C23", "G05"}),
    "medecine-de-ville": ({WAVE_1, WAVE_2}, {"C04", "C23", "G10", "G11"}),
    "biologie-medicale": ({WAVE_1, WAVE_2}, {"C04"}),
    "imagerie-medicale": ({WAVE_1, WAVE_2}, {"C04", "C12", "C23", "G06", "G07"}),
    "officine": ({WAVE_1, WAVE_2}, {"C04"}),
    "social-medico-social": ({WAVE_1, WAVE_2}, {"C24", "I05"}),
    "operateurs-mssante": ({WAVE_1}, set()),
    "service-acces-aux-soins": ({WAVE_1}, set()),
    "sages-femmes-chirurgiens-dentistes-paramedical": ({WAVE_2}, {"C04"}),
}


@pytest.mark.parametrize("slug", sorted(CORRIDOR_WAVES))
def test_each_corridor_is_in_every_wave_the_sources_put_it_in(graph: Graph, slug: str) -> None:
    corridor = node(f"corridor/{slug}")
    waves, wave_2_rows = CORRIDOR_WAVES[slug]
    assert set(graph.objects(corridor, IN_WAVE)) == waves
    assert wave_2_rows <= rows(graph, corridor)


def test_the_imaging_corridor_is_in_the_wave_of_its_drimbox(graph: Graph) -> None:
    drimbox = node("software/drimbox")
    corridor = graph.value(drimbox, segur("concernsCorridor"))
    assert corridor == node("corridor/imagerie-medicale")
    assert set(graph.objects(drimbox, IN_WAVE)) <= set(graph.objects(corridor, IN_WAVE))
    # Every category tied to a corridor is in one of the corridor's waves.
    for category, corridor in graph.subject_objects(segur("concernsCorridor")):
        if (category, RDF.type, segur("SoftwareCategory")) in graph:
            assert set(graph.objects(category, IN_WAVE)) <= set(graph.objects(corridor, IN_WAVE))


def test_the_corridors_question_gives_both_waves_of_the_imaging_corridor(capsys) -> None:
    waves = [row["wave"] for row in answer(capsys, "corridors") if row["corridor"] == "Imagerie médicale"]
    assert waves == ["Vague 1", "Vague 2"]


@pytest.mark.parametrize("acronym", ["LGC", "DPI", "PFI", "SGL", "RIS", "LGO"])
def test_wave_2_covers_the_wave_1_categories_again(graph: Graph, acronym: str) -> None:
    category = node(f"software/{acronym.lower()}")
    assert set(graph.objects(category, IN_WAVE)) == {WAVE_1, WAVE_2}
    assert "C04" in rows(graph, category)
    assert WAVE_2_PAGE in sources(graph, category)


def test_the_four_new_categories_of_wave_2_stay_in_wave_2_only(graph: Graph) -> None:
    for slug in ("drimbox", "lgc-sf", "lgc-cd", "lgc-p"):
        category = node(f"software/{slug}")
        assert set(graph.objects(category, IN_WAVE)) == {WAVE_2}
        assert "C04" in rows(graph, category)


def test_requirements_r11_and_r14_ask_for_at_least_one_wave() -> None:
    from rdflib.namespace import SH

    from segur_kg.checking.shapes import read_requirements

    requirements = read_requirements()
    for rid in ("R-11", "R-14"):
        requirement = requirements[rid]
        text = f"{requirement.fr} {requirement.en}"
        assert "au moins une vague" in text and "at least one wave" in text, text
        assert "exactement une vague" not in text and "exactly one wave" not in text
    shapes = Graph().parse(REPO_ROOT / "ontology" / "shapes" / "segur-shapes.ttl")
    for rid in ("R-11", "R-14"):
        shape = next(shapes.subjects(DCTERMS.identifier, Literal(rid)))
        assert shapes.value(shape, SH.minCount) == Literal(1)
        assert shapes.value(shape, SH.maxCount) is None


def test_a_category_and_a_corridor_in_two_waves_are_valid(tmp_path: Path) -> None:
    from segur_kg.checking.validate import validate_files

    for rid in ("R-11", "R-14"):
        fixture = REPO_ROOT / "tests" / "fixtures" / "shapes" / f"{rid}-valid.ttl"
        assert "test-two-waves" in fixture.read_text(encoding="utf-8")
        report = validate_files([fixture])
        assert [r for r in report.results if r.requirement == rid] == []


# --- 2, 3. SONS: both waves, and one reading of who pays -------------------------------------

def test_sons_is_in_both_waves_as_the_asp_pages_describe_it(graph: Graph) -> None:
    sons = node("funding/sons")
    assert set(graph.objects(sons, IN_WAVE)) == {WAVE_1, WAVE_2}
    assert {ASP_WAVE_1, ASP_WAVE_2_HOSPITAL, ASP_WAVE_2_IMAGING} <= sources(graph, sons)
    assert {"C03", "G04", "G05", "G06"} <= rows(graph, sons)


def test_the_sons_note_reads_the_fact_sheet_as_the_asp_does(graph: Graph) -> None:
    sons = node("funding/sons")
    # The fact sheet: the State funds the switch and the money goes straight to the vendors,
    # which agrees with the ASP's "achat pour compte"; no disagreement is made up.
    for note in texts(graph, sons, SKOS.editorialNote, "fr"):
        assert "différemment" not in note
        assert "concordent" in note and "achat pour compte" in note
    for note in texts(graph, sons, SKOS.editorialNote, "en"):
        assert "differently" not in note and "agree" in note
    description = texts(graph, sons, DCTERMS.description, "en")[0]
    assert "fund, directly to the vendors" not in description
    assert "State" in description and "straight to the software vendors" in description


# --- 4. SUN-ES: which source says what --------------------------------------------------------

def test_the_sun_es_description_says_which_source_names_which_directorate(graph: Graph) -> None:
    sun_es = node("funding/sun-es")
    for lang, sheet, dsih in (("fr", "Selon la fiche", "Selon DSIH"),
                              ("en", "According to the fact sheet", "According to DSIH")):
        text = texts(graph, sun_es, DCTERMS.description, lang)[0]
        assert text.index(sheet) < text.index("DHOS") < text.index(dsih) < text.index("DGOS")
    assert {"https://www.dsih.fr/articles/4553", str(FACT_SHEET)} <= sources(graph, sun_es)


# --- 5. DSR: the referencing specification ----------------------------------------------------

def test_the_dsr_is_the_referencing_specification_of_programme_documents(graph: Graph) -> None:
    dsr = node("artefact/dsr")
    assert texts(graph, dsr, RDFS.label, "fr") == ["Dossier de spécifications de référencement"]
    assert {"R03", "R06"} <= rows(graph, dsr)
    assert {"https://dsih.fr/articles/4872/segur-du-numerique-objectifs-avancees-et-perspectives",
            "https://fr.readkong.com/page/dossier-de-specifications-de-referencement-dsr-agence-1709238",
            } <= sources(graph, dsr)
    # The ASP page is in French: the note no longer says it is in English.
    assert not [n for n in texts(graph, dsr, SKOS.editorialNote, "fr") if "en anglais" in n]


# --- 6. Mon espace santé: each launch date with its source -----------------------------------

CONTRADICTION_11 = {
    "https://esante.gouv.fr/segur/transparence",
    ID + "source/ordremk-mon-espace-sante",
    "https://www.klesiaprosocial.fr/you-go/i/72559812/mon-espace-sante-bilan-et-perspectives-un-apres-son-lancement",
    ID + "source/esea-na-mon-espace-sante",
    ID + "source/usine-digitale-mon-espace-sante",
}


def test_the_launch_of_mon_espace_sante_keeps_each_date_with_its_source(graph: Graph) -> None:
    mes = node("platform/mon-espace-sante")
    assert graph.value(mes, segur("launchDate")) is None  # no date chosen silently
    disagreements = set(graph.subjects(segur("about"), mes))
    assert len(disagreements) == 1
    disagreement = disagreements.pop()
    assert (disagreement, RDF.type, segur("Disagreement")) in graph
    assert CONTRADICTION_11 <= sources(graph, disagreement)
    claims = {graph.value(c, segur("statedValue")): sources(graph, c)
              for c in graph.objects(disagreement, segur("hasClaim"))}
    late_january = Literal("2022-01", datatype=rdf_namespace.XSD.gYearMonth)
    third_february = Literal("2022-02-03", datatype=rdf_namespace.XSD.date)
    assert "https://esante.gouv.fr/segur/transparence" in claims[late_january]
    assert ("https://www.klesiaprosocial.fr/you-go/i/72559812/mon-espace-sante-bilan-et-perspectives-un-apres-son-lancement"
            in claims[third_february])
    assert len(claims) == 4
    # Every page the claims cite is described, with its authority.
    for page in set().union(*claims.values()):
        assert (URIRef(page), RDF.type, DCTERMS.BibliographicResource) in graph
        assert graph.value(URIRef(page), segur("authority")) is not None


# --- 7. Profession links: the graph's reading, with provenance -------------------------------

def test_every_profession_link_is_a_reading_of_the_graph_with_its_method(graph: Graph) -> None:
    serves = segur("servesProfession")
    links = set(graph.subject_objects(serves))
    assert len(links) == 46
    for subject, profession in links:
        readings = [r for r in graph.subjects(RDF.subject, subject)
                    if graph.value(r, RDF.predicate) == serves and graph.value(r, RDF.object) == profession]
        assert len(readings) == 1, (subject, profession)
        reading = readings[0]
        assert (reading, RDF.type, segur("Reading")) in graph
        assert {str(READING_SOURCE), str(FACT_SHEET)} <= sources(graph, reading)
        assert texts(graph, reading, segur("readingNote"), "fr")
        assert texts(graph, reading, segur("readingNote"), "en")


def test_lab_technicians_and_radiographers_are_not_paramedical_practice_professions(graph: Graph) -> None:
    serves = segur("servesProfession")
    for subject in (node("software/lgc-p"), node("corridor/sages-femmes-chirurgiens-dentistes-paramedical")):
        codes = {str(p).rsplit("/", 1)[1] for p in graph.objects(subject, serves)}
        assert not codes & {"86", "98"}
        assert {"60", "70", "91"} <= codes


# --- 8. Regions: the NOS code's date stays on the NOS concept ---------------------------------

def test_mayotte_carries_no_date_of_the_nos_code(graph: Graph, capsys) -> None:
    valid_from = URIRef("https://schema.org/validFrom")
    mayotte = node("region/mayotte")
    assert graph.value(mayotte, valid_from) is None
    concept = graph.value(mayotte, SKOS.exactMatch)
    assert str(graph.value(concept, valid_from)).startswith("2007-07-25")
    # The question on the NOS regions still gives the date, from the NOS concept.
    row = next(r for r in answer(capsys, "agencies-nos-regions") if r["code"] == "06")
    assert row["validFrom"].startswith("2007-07-25")


# --- 9. The roadmap is named as the fact sheet names it ----------------------------------------

def test_the_roadmap_has_the_name_the_fact_sheet_gives(graph: Graph) -> None:
    roadmap = node("roadmap/feuille-de-route-numerique-sante")
    label = texts(graph, roadmap, RDFS.label, "fr")[0]
    assert label == "Feuille de route numérique"
    assert label.lower() in (REPO_ROOT / "sources" / "segur.md").read_text(encoding="utf-8").lower()
    assert "Feuille de route du numérique en santé" not in {str(v) for v in graph.objects(roadmap, RDFS.label)}
    assert texts(graph, roadmap, SKOS.editorialNote, "fr") and texts(graph, roadmap, SKOS.editorialNote, "en")


# --- 10. Each ARS by its own name ------------------------------------------------------------

def test_each_ars_has_its_own_spelling(capsys) -> None:
    agencies = {row["code"]: row["agency"] for row in answer(capsys, "regions-and-agencies")}
    assert agencies["11"] == "Agence régionale de santé Île-de-France"
    assert agencies["24"] == "Agence régionale de santé Centre-Val de Loire"
    assert agencies["44"] == "Agence régionale de santé Grand Est"


def test_each_ars_is_also_named_ars_and_its_region(graph: Graph) -> None:
    agencies = set(graph.subjects(RDF.type, segur("RegionalHealthAgency")))
    assert len(agencies) == 18
    for agency in agencies:
        label = texts(graph, agency, RDFS.label, "fr")[0]
        assert texts(graph, agency, SKOS.altLabel, "fr") == [
            "ARS " + label.removeprefix("Agence régionale de santé ")]


# --- 11. English that reads as English ---------------------------------------------------------

CALQUES = ["conventional agreement", "prescribed professional", "Professional services bundle",
           "Health professional orders", "health professional orders", "INS matricule", "referential",
           "Referential", "teleservice", "dematerialises", "applicative", "Health establishments",
           "health establishments"]


# The files of the programme's own facts (the research-table pages and the NOS schemes
# keep the wording of their sources).
FACT_FILES = ["actors", "corridors", "funding", "groups", "messaging", "nos-links", "platforms",
              "programme", "regions", "services", "software", "waves"]


@pytest.mark.parametrize("name", FACT_FILES)
def test_english_labels_and_texts_of_the_data_avoid_calques(name: str) -> None:
    from segur_kg.rdf.reading import parse_file

    found = [(str(s), str(v)) for s, _, v in parse_file(REPO_ROOT / "data" / f"{name}.ttl")
             if isinstance(v, Literal) and v.language == "en"
             for calque in CALQUES if calque in str(v)]
    assert found == []


@pytest.mark.parametrize(("prop", "old"), [
    ("primaryIdentifier", "primarily is"), ("fallbackIdentifier", "otherwise is"),
    ("referencedBy", "referencing by"), ("includesKind", "includes kind"),
])
def test_property_labels_read_as_english(graph: Graph, prop: str, old: str) -> None:
    labels = texts(graph, segur(prop), RDFS.label, "en")
    assert len(labels) == 1 and labels[0] != old


def test_the_ordres_and_the_cnam_agreements_read_as_english(graph: Graph) -> None:
    assert texts(graph, node("actor/ordres-de-sante"), RDFS.label, "en") == [
        "Regulatory bodies of the health professions"]
    mission = texts(graph, node("mission/cnam-accords-conventionnels"), RDFS.label, "en")[0]
    assert "national conventions" in mission


# --- 12. Names: NIR, the DHOS, Mailiz ------------------------------------------------------------

def test_the_nir_is_named_by_its_acronym_and_its_gloss_is_noted(graph: Graph) -> None:
    nir, nia = node("identifier/nir"), node("identifier/nia")
    for identifier in (nir, nia):
        labels = {str(v) for v in graph.objects(identifier, RDFS.label)}
        assert labels == {str(graph.value(identifier, segur("acronym")))}
        assert texts(graph, identifier, SKOS.editorialNote, "fr")
    assert "sécurité sociale" in texts(graph, nir, SKOS.editorialNote, "fr")[0]


def test_replaced_bodies_keep_their_own_name_in_both_languages(graph: Graph) -> None:
    replaced = set(graph.subjects(DCTERMS.isReplacedBy, None))
    assert {node("actor/dhos"), node("actor/asip-sante"), node("actor/inds")} <= replaced
    for body in replaced:
        assert texts(graph, body, RDFS.label, "fr") == texts(graph, body, RDFS.label, "en"), body
    dhos = node("actor/dhos")
    assert texts(graph, dhos, RDFS.label, "fr") == ["Direction de l'hospitalisation et de l'organisation des soins"]
    # The fact sheet's form stays findable.
    assert "Direction de l'hospitalisation et de l'organisation" in texts(graph, dhos, SKOS.altLabel, "fr")


def test_the_ans_not_mailiz_is_among_the_messaging_operators(graph: Graph, capsys) -> None:
    operators = node("trust-component/operateurs-messagerie")
    mailiz = node("service/mailiz")
    assert (operators, segur("includes"), mailiz) not in graph
    assert (node("actor/ans"), segur("operates"), mailiz) in graph
    answered = [(r["subject"], r["relation"], r["object"]) for r in answer(capsys, "trust-space-components")
                if r["component"] == "Opérateurs de messagerie"]
    assert ("Agence du numérique en santé", "opère", "Mailiz") in answered
    assert not [row for row in answered if row[2] == "Mailiz" and row[0] == "Opérateurs de messagerie"]


# --- 13. Answers ---------------------------------------------------------------------------

def test_task_force_members_reads_subject_relation_object(capsys) -> None:
    answered = [(r["subject"], r["relation"], r["object"]) for r in answer(capsys, "task-force-members")]
    assert ("État", "s'appuie sur", "Task forces du Ségur du numérique") in answered
    assert not [row for row in answered if row[2] == "État"]


def test_actor_missions_includes_the_dhos(capsys) -> None:
    acronyms = {row["acronym"] for row in answer(capsys, "actor-missions")}
    assert "DHOS" in acronyms


def test_pro_sante_connect_columns_say_what_they_hold(capsys) -> None:
    answered = answer(capsys, "pro-sante-connect-authentication")
    audience = next(r for r in answered if r["kind"] == "public visé")
    protocol = next(r for r in answered if r["kind"] == "utilise le protocole")
    assert (audience["listedIn"], audience["basedOn"]) == ("Annuaire Santé", "")
    assert (protocol["basedOn"], protocol["listedIn"]) == ("OAuth 2.0", "")


def test_core_services_lists_each_service_once_with_inference(capsys) -> None:
    answered = answer(capsys, "core-services", "--infer")
    keys = [tuple(r.values()) for r in answered]
    assert len(keys) == len(set(keys))
    assert [r["acronym"] for r in answered].count("INS") == 1


def test_who_oversees_what_says_that_the_dgos_replaced_the_dhos(capsys) -> None:
    answered = answer(capsys, "who-oversees-what")
    dhos = [r for r in answered if r["actor"].startswith("Direction de l'hospitalisation")]
    assert dhos and {r["replacedBy"] for r in dhos} == {"Direction générale de l'offre de soins"}
    dgos = [r for r in answered if r["actor"] == "Direction générale de l'offre de soins"]
    assert dgos and {r["replacedBy"] for r in dgos} == {""}
