"""Facts taken from sources/facts.md carry that source, and where a later source
adds to the seed (DHOS now DGOS) both are kept."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from segur_kg.rdf.reading import load_dataset

ID = "https://w3id.org/segur/id/"
SEGUR = "https://w3id.org/segur/def/"
ORG = "http://www.w3.org/ns/org#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


def sources(graph: Graph, resource: str) -> set[str]:
    return {str(s) for s in graph.objects(URIRef(ID + resource), DCTERMS.source)}


# (resource, property, object, source that states it)
FACTS = [
    ("identifier/matricule-ins", SEGUR + "primaryIdentifier", ID + "identifier/nir",
     "https://esante.gouv.fr/securite/ins/faq"),
    ("identifier/matricule-ins", SEGUR + "fallbackIdentifier", ID + "identifier/nia",
     "https://esante.gouv.fr/securite/ins/faq"),
    ("actor/cnam", SEGUR + "operates", ID + "service/teleservice-ins",
     "https://esante.gouv.fr/securite/ins/faq"),
    ("protocol/openid-connect", SEGUR + "basedOn", ID + "protocol/oauth-2",
     "https://gnius.esante.gouv.fr/en/regulations/regulation-profiles/pro-sante-connect"),
    ("actor/ans", SEGUR + "legalForm", ID + "legal-form/gip",
     "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000039645543"),
    ("actor/dgos", SEGUR + "steers", ID + "funding/sun-es", "https://www.dsih.fr/articles/4553"),
    ("corridor/sages-femmes-chirurgiens-dentistes-paramedical", SEGUR + "inWave", ID + "wave/vague-2",
     "https://industriels.esante.gouv.fr/segur-numerique-sante/vague-1"),
    ("software/drimbox", SEGUR + "connectsTo", ID + "service/drim-m",
     "https://industriels.esante.gouv.fr/segur-numerique-sante/vague-2/dispositif-drimbox-couloir-imagerie"),
    ("actor/asp", SEGUR + "disburses", ID + "funding/sons",
     "https://www.asp.gouv.fr/aides/financement-lequipement-segur-du-numerique-en-sante-vague-2"),
    ("platform/mon-espace-sante", SEGUR + "hasModule", ID + "module/dmp",
     "https://www.numerama.com/sciences/841241-dossier-medical-messagerie-comment-fonctionne-mon-espace-sante.html"),
    ("actor/grades", SEGUR + "legalForm", ID + "legal-form/gcs", "https://www.dsih.fr/articles/5151"),
]


@pytest.mark.parametrize(("resource", "prop", "obj", "source"), FACTS)
def test_research_fact_is_in_the_graph_with_its_source(graph, resource, prop, obj, source) -> None:
    assert (URIRef(ID + resource), URIRef(prop), URIRef(obj)) in graph
    assert source in sources(graph, resource)


def test_dhos_is_kept_as_the_seed_names_it_and_linked_to_the_dgos(graph: Graph) -> None:
    dhos, dgos = URIRef(ID + "actor/dhos"), URIRef(ID + "actor/dgos")
    # The seed's statement stays: the DHOS defines SUN-ES with the DNS.
    assert (dhos, URIRef(SEGUR + "definesFunding"), URIRef(ID + "funding/sun-es")) in graph
    assert (dhos, DCTERMS.isReplacedBy, dgos) in graph
    changes = list(graph.subjects(URIRef(ORG + "originalOrganization"), dhos))
    assert len(changes) == 1
    assert graph.value(changes[0], URIRef(ORG + "resultingOrganization")) == dgos
    assert graph.value(changes[0], DCTERMS.date) == Literal("2010-03-15", datatype=URIRef(XSD + "date"))


def test_dated_research_facts_are_typed(graph: Graph) -> None:
    def value(resource: str, prop: str) -> Literal:
        return graph.value(URIRef(ID + resource), URIRef(SEGUR + prop))

    assert value("wave/vague-1", "launchDate") == Literal("2021-07", datatype=URIRef(XSD + "gYearMonth"))
    # The launch date of Mon espace santé is disputed: each date is a claim with its source.
    assert value("platform/mon-espace-sante", "launchDate") is None
    claim = URIRef(ID + "claim/lancement-mon-espace-sante-3-fevrier-2022")
    assert graph.value(claim, URIRef(SEGUR + "statedValue")) == Literal("2022-02-03", datatype=URIRef(XSD + "date"))
    assert ("https://www.numerama.com/sciences/841241-dossier-medical-messagerie-comment-fonctionne-mon-espace-sante.html"
            in sources(graph, "claim/lancement-mon-espace-sante-3-fevrier-2022"))
    assert value("service/ordonnance-numerique", "mandatoryFrom") == Literal("2025-01-01", datatype=URIRef(XSD + "date"))
    assert value("wave/vague-2", "deploymentStart") == Literal("2024", datatype=URIRef(XSD + "gYear"))


def test_every_source_cited_is_described(graph: Graph) -> None:
    cited = set(graph.objects(None, DCTERMS.source))
    described = set(graph.subjects(RDF.type, DCTERMS.BibliographicResource))
    assert cited <= described
