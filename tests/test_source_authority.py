"""Every source of the graph says what kind of body it comes from (segur:authority), judged
from its publisher; the NOS terminologies are sources like the others."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

REPO_ROOT = Path(__file__).resolve().parents[1]
SEGUR = "https://w3id.org/segur/def/"
AUTHORITY = URIRef(SEGUR + "authority")
AUTHORITIES = "https://w3id.org/segur/id/authority/"
SRC = "https://w3id.org/segur/id/source/"
ANS = URIRef("https://w3id.org/segur/id/actor/ans")
NOS = "https://mos.esante.gouv.fr/NOS/"


def authority(name: str) -> URIRef:
    return URIRef(AUTHORITIES + name)


@pytest.fixture(scope="module")
def graph() -> Graph:
    from segur_kg.rdf.reading import load_dataset

    return load_dataset()


@pytest.fixture(scope="module")
def sources_file() -> Graph:
    """data/sources.ttl alone: the sources this file declares."""
    from segur_kg.rdf.reading import parse_file

    return parse_file(REPO_ROOT / "data" / "sources.ttl")


def test_every_source_of_the_graph_has_exactly_one_authority(graph: Graph) -> None:
    answer = graph.query("""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX segur: <https://w3id.org/segur/def/>
        SELECT ?source (COUNT(DISTINCT ?authority) AS ?n) WHERE {
          ?source a dcterms:BibliographicResource .
          OPTIONAL { ?source segur:authority ?authority }
        }
        GROUP BY ?source
    """)
    counts = {str(row.source): int(row.n) for row in answer}
    assert len(counts) > 30
    assert {source: n for source, n in counts.items() if n != 1} == {}


def test_every_authority_is_one_of_the_seven_kinds(graph: Graph) -> None:
    kinds = set(graph.subjects(RDF.type, URIRef(SEGUR + "SourceAuthority")))
    assert kinds == {authority(name) for name in (
        "official", "regional-body", "press", "legal-aggregator", "vendor-or-other",
        "unattributed", "graph-reading")}
    assert set(graph.objects(None, AUTHORITY)) <= kinds


def test_every_source_of_the_sources_file_is_typed_by_authority(sources_file: Graph) -> None:
    sources = set(sources_file.subjects(RDF.type, DCTERMS.BibliographicResource))
    assert len(sources) >= len(EXPECTED)
    assert {s for s in sources if len(set(sources_file.objects(s, AUTHORITY))) != 1} == set()


# The authority of each source data/sources.ttl declared before the research table's pages
# were added, judged from its publisher.
EXPECTED = {
    # The fact sheet names no publisher (a knowledge-base entry, category E-santé).
    SRC + "fiche-segur": "unattributed",
    # Decree, law and ordinance, cited from the Journal officiel.
    SRC + "decret-2010-271": "official",
    SRC + "loi-2019-774": "official",
    SRC + "ordonnance-2020-1408": "official",
    # The ANS's documentation repository (ansforge), published by the ANS.
    SRC + "ansforge-annuaire-bal-mss": "official",
    # Trade and general press.
    "https://www.dsih.fr/articles/4553": "press",
    "https://www.dsih.fr/articles/5151": "press",
    "https://www.numerama.com/sciences/841241-dossier-medical-messagerie-comment-fonctionne-"
    "mon-espace-sante.html": "press",
    "https://information-dentaire.fr/actualites/mon-espace-sante-un-espace-numerique-securise-"
    "et-individualise-sera-generalise-janvier-en-2022": "press",
    # A mutual health insurer.
    "https://www.mhv.fr/sante-et-prevention/ordonnance-numerique": "vendor-or-other",
    # The GIE SESAM-Vitale, set up by the health insurance funds.
    "https://www.sesam-vitale.fr/web/sesam-vitale/enjeux-appli-carte-vitale": "official",
    "https://www.sesam-vitale.fr/e-prescription": "official",
    # Ministries and agencies (ANS, ASP, Légifrance, G_NIUS), and the NOS of the ANS.
    **{iri: "official" for iri in (
        "https://esante.gouv.fr/sites/default/files/media_entity/documents/"
        "Segur_ChantierD_DocCommun_VF.pdf",
        "https://esante.gouv.fr/segur",
        "https://industriels.esante.gouv.fr/segur-numerique-sante",
        "https://industriels.esante.gouv.fr/produits-et-services/referentiel-ins",
        "https://industriels.esante.gouv.fr/produits-et-services/pro-sante-connect",
        "https://industriels.esante.gouv.fr/produits-et-services/"
        "mssante-referentiel-operateur-et-client-de-messagerie",
        "https://esante.gouv.fr/strategie-nationale/mon-espace-sante",
        "https://esante.gouv.fr/securite/ins/faq",
        "https://gnius.esante.gouv.fr/en/regulations/regulation-profiles/pro-sante-connect",
        "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000039645543",
        "https://industriels.esante.gouv.fr/segur-numerique-sante/vague-1",
        "https://esante.gouv.fr/segur/vague2",
        "https://industriels.esante.gouv.fr/segur-numerique-sante/vague-2/"
        "dispositif-drimbox-couloir-imagerie",
        "https://www.asp.gouv.fr/aides/financement-lequipement-segur-du-numerique-en-sante-vague-2",
        NOS + "TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM",
        NOS + "TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante",
        NOS + "TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie",
    )},
}


def test_each_source_has_the_authority_of_its_publisher(sources_file: Graph) -> None:
    found = {iri: str(sources_file.value(URIRef(iri), AUTHORITY)).removeprefix(AUTHORITIES)
             for iri in EXPECTED}
    assert found == EXPECTED


def test_public_bodies_and_the_ans_are_official_sources(graph: Graph) -> None:
    """Whoever adds a source: a page of a .gouv.fr site, or a document the ANS publishes, is
    official."""
    sources = set(graph.subjects(RDF.type, DCTERMS.BibliographicResource))
    public = {s for s in sources if (urlsplit(str(s)).hostname or "").endswith(".gouv.fr")
              or graph.value(s, DCTERMS.publisher) == ANS}
    assert len(public) > 20
    assert {str(s) for s in public if graph.value(s, AUTHORITY) != authority("official")} == set()


def test_the_three_nos_terminologies_are_official_sources(graph: Graph) -> None:
    from segur_kg.publishing.counts import nos_schemes

    schemes = nos_schemes()
    assert len(schemes) == 3
    for scheme in schemes:
        assert (scheme, RDF.type, DCTERMS.BibliographicResource) in graph, scheme
        assert graph.value(scheme, AUTHORITY) == authority("official"), scheme
        assert graph.value(scheme, DCTERMS.publisher) == ANS, scheme
        assert {label.language for label in graph.objects(
            scheme, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))} == {"fr", "en"}


def test_every_nos_concept_and_scheme_cites_its_terminology(graph: Graph) -> None:
    from segur_kg.publishing.counts import nos_schemes

    for scheme in nos_schemes():
        concepts = set(graph.subjects(SKOS.inScheme, scheme))
        assert concepts, scheme
        for node in concepts | {scheme}:
            assert set(graph.objects(node, DCTERMS.source)) == {scheme}, node
    # Every cited source is a described source, with its authority.
    cited = {o for o in graph.objects(None, DCTERMS.source) if str(o).startswith(NOS)}
    assert cited == set(nos_schemes())
    assert all(graph.value(source, AUTHORITY) is not None for source in cited)
