"""Every fact of the primary source (sources/segur.md) can be found in the graph.

Facts are written here from the text of the source, by the French names it uses
(a label, an alternative label or an acronym), independently of IRIs: the test
finds the resources by name and checks the stated relation between them.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from segur_kg.rdf.reading import load_dataset

SEGUR = "https://w3id.org/segur/def/"
RESOURCES = "https://w3id.org/segur/id/"
ACRONYM = URIRef(SEGUR + "acronym")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_dataset()


def resources_named(graph: Graph, name: str) -> set[URIRef]:
    """Resources whose French label, alternative label or acronym is `name` (case-insensitive)."""
    wanted = name.casefold()
    found = set()
    for prop in (RDFS.label, SKOS.altLabel, ACRONYM):
        for subject, value in graph.subject_objects(prop):
            if subject.startswith(RESOURCES) and str(value).casefold() == wanted:
                if not isinstance(value, Literal) or value.language in (None, "fr"):
                    found.add(subject)
    return found


def the(graph: Graph, name: str) -> URIRef:
    found = resources_named(graph, name)
    assert len(found) == 1, f"expected one resource named {name!r}, found {sorted(found)}"
    return found.pop()


# (subject, relation, object) as the source states them.
RELATIONS = [
    ("Ségur du numérique en santé", "initiatedBy", "Ministère des Solidarités et de la Santé"),
    ("Ségur du numérique en santé", "namedAfter", "Avenue de Ségur, Paris"),
    ("Ministère de la Santé", "http://schema.org/location", "Avenue de Ségur, Paris"),
    ("État", "reliesOn", "Task forces du Ségur du numérique"),
    ("Task forces du Ségur du numérique", "coConstructs", "Feuille de route numérique"),
    ("Task forces du Ségur du numérique", "bringsTogether", "Professionnels de santé, du médico-social et du social"),
    ("Task forces du Ségur du numérique", "bringsTogether", "Experts"),
    ("Task forces du Ségur du numérique", "bringsTogether", "Directeurs de systèmes d'information"),
    ("Task forces du Ségur du numérique", "bringsTogether", "Représentants institutionnels"),
    ("Task forces du Ségur du numérique", "bringsTogether", "Fédérations (hôpitaux publics, hôpitaux privés, industriels, etc.)"),
    ("Task forces du Ségur du numérique", "bringsTogether", "Éditeurs de logiciels de santé"),
    ("Fédérations (hôpitaux publics, hôpitaux privés, industriels, etc.)", "http://www.w3.org/2004/02/skos/core#narrower", "Fédérations des hôpitaux publics"),
    ("Première consultation du Ségur du numérique", "hasObjective", "Identifier les données à échanger ou partager entre les acteurs du domaine"),
    ("Ségur du numérique en santé", "hasObjective", "Mettre le numérique au service de la santé"),
    ("Ségur du numérique en santé", "hasObjective", "Mettre en œuvre une logique commune à l'ensemble des secteurs d'activité de la santé et du médico-social"),
    # Platforms and their audiences
    ("MES", "targetAudience", "Citoyens"),
    ("Bouquet de service pro", "targetAudience", "Professionnels du sanitaire, du médico-social et du social"),
    ("Bouquet de service pro", "initiallyComprises", "LPS"),
    ("PDS", "targetAudience", "Recherche"),
    # Core services
    ("INS", "targetAudience", "Professionnels de santé"),
    ("INS", "hasMatricule", "Matricule INS"),
    ("INS", "hasIdentityTrait", "Nom de naissance"),
    ("INS", "hasIdentityTrait", "Prénom(s) de naissance"),
    ("INS", "hasIdentityTrait", "Date de naissance"),
    ("INS", "hasIdentityTrait", "Sexe"),
    ("INS", "hasIdentityTrait", "Code du lieu de naissance"),
    ("Sexe", "derivedFrom", "Bases de référence de l'état civil"),
    ("ANS", "develops", "PSC"),
    ("ANS", "maintains", "PSC"),
    ("PSC", "targetAudience", "Professionnels de santé recensés dans l'Annuaire Santé"),
    ("Professionnels de santé recensés dans l'Annuaire Santé", "listedIn", "Annuaire Santé"),
    ("PSC", "usesProtocol", "OpenID"),
    ("PSC", "authenticationMeans", "CPS"),
    ("PSC", "authenticationMeans", "e-CPS"),
    ("MSSanté", "targetAudience", "Professionnels habilités"),
    ("MSSanté", "targetAudience", "Citoyens"),
    ("MES", "concerns", "Usagers"),
    ("ApCV", "dematerialises", "Carte Vitale"),
    ("Ordonnance numérique", "integratedIn", "LPS"),
    ("Ordonnance numérique", "dematerialises", "Prescription"),
    ("Ordonnance numérique", "targetAudience", "Médecins libéraux"),
    ("Ordonnance numérique", "targetAudience", "Professionnels prescrits (par exemple les pharmaciens)"),
    # MSSanté trust space
    ("MSSanté", "withinTrustSpace", "Espace de Confiance MSSanté"),
    ("Espace de Confiance MSSanté", "guarantees", "Confidentialité"),
    ("Espace de Confiance MSSanté", "guarantees", "Intégrité"),
    ("Espace de Confiance MSSanté", "guarantees", "Traçabilité"),
    ("Espace de Confiance MSSanté", "hasComponent", "Opérateurs de messagerie"),
    ("Espace de Confiance MSSanté", "hasComponent", "Clients de messagerie"),
    ("Espace de Confiance MSSanté", "hasComponent", "Liste blanche"),
    ("Espace de Confiance MSSanté", "hasComponent", "Annuaire national MSSanté"),
    ("Opérateurs de messagerie", "contractedWith", "ANS"),
    ("Opérateurs de messagerie", "includesKind", "Établissements de santé"),
    ("Opérateurs de messagerie", "includesKind", "Opérateurs"),
    ("Opérateurs de messagerie", "includesKind", "Administration"),
    ("Mailiz", "withinTrustSpace", "Espace de Confiance MSSanté"),
    ("ANS", "operates", "Mailiz"),
    ("Ordres de santé", "offers", "Mailiz"),
    ("Mailiz", "targetAudience", "Professionnels regroupés par les Ordres de santé"),
    ("Clients de messagerie", "realisedBy", "LPS"),
    ("Clients de messagerie", "interfacesWith", "Opérateurs de messagerie"),
    ("ANS", "maintains", "Liste blanche"),
    ("Liste blanche", "registersDomainsOf", "Opérateurs de messagerie"),
    ("Opérateurs de messagerie", "feeds", "Annuaire national MSSanté"),
    # Corridors
    *[(c, "partOfProgramme", "Ségur du numérique en santé") for c in (
        "Hôpital", "Médecine de ville", "Biologie médicale", "Imagerie médicale", "Officine",
        "Social et médico-social", "Opérateurs MSSanté", "Service d'accès aux soins",
        "Sages-femmes, chirurgiens-dentistes, paramédical")],
    # Waves
    ("Vague 1", "hasObjective", "Alimenter Mon espace santé"),
    ("Alimenter Mon espace santé", "concerns", "MES"),
    ("Vague 1", "hasObjective", "Engagement des entreprises du numérique et éditeurs de logiciels à rendre conformes leurs logiciels"),
    ("Vague 1", "hasObjective", "Mise en place de divers moyens de financement par l'État"),
    ("LGC", "inWave", "Vague 1"), ("LGC", "targetAudience", "Médecins de ville"),
    ("DPI", "inWave", "Vague 1"), ("DPI", "targetAudience", "Établissements de santé"),
    ("PFI", "inWave", "Vague 1"), ("PFI", "targetAudience", "Établissements de santé"),
    ("SGL", "inWave", "Vague 1"), ("SGL", "targetAudience", "Biologistes médicaux"),
    ("RIS", "inWave", "Vague 1"), ("RIS", "targetAudience", "Radiologues et médecins nucléaires"),
    ("LGO", "inWave", "Vague 1"), ("LGO", "targetAudience", "Officines de ville"),
    ("SONS", "inWave", "Vague 1"),
    ("État", "definesFunding", "SONS"),
    ("SONS", "targetAudience", "Établissements de santé"),
    ("SONS", "targetAudience", "Professionnels de santé"),
    ("Vague 2", "extends", "Vague 1"),
    ("Vague 2", "hasObjective", "Faciliter la consultation de Mon espace santé pour les professionnels"),
    ("Vague 2", "hasObjective", "Faciliter l'intégration des documents reçus par MSSanté"),
    ("Vague 2", "hasObjective", "Renforcer la sécurité des logiciels"),
    ("Vague 2", "hasObjective", "Étendre le périmètre du Ségur à de nouveaux types de logiciel"),
    ("DRIMbox", "inWave", "Vague 2"),
    ("LGC SF", "inWave", "Vague 2"), ("LGC SF", "targetAudience", "Sages-femmes"),
    ("LGC CD", "inWave", "Vague 2"), ("LGC CD", "targetAudience", "Chirurgiens-dentistes"),
    ("LGC P", "inWave", "Vague 2"), ("LGC P", "targetAudience", "Paramédicaux"),
    # Institutional actors
    ("DNS", "steers", "Ségur du numérique en santé"),
    ("DNS", "hasMission", "Assure le pilotage de l'ensemble des chantiers"),
    ("ANS", "hasMission", "Pose les cadres et bonnes pratiques"),
    ("ANS", "hasMission", "Pilote la production du corpus documentaire"),
    ("ANS", "hasMission", "Accompagne l'ensemble des acteurs et structures de santé"),
    ("ANS", "hasMission", "Accompagne les établissements dans le domaine de la cybersécurité"),
    ("ANS", "hasMission", "Est opérateur de services numériques"),
    ("ANS", "hasMission", "Promeut et valorise les initiatives en e-santé"),
    ("DHOS", "associatedWith", "DNS"),
    ("DHOS", "definesFunding", "SUN-ES"),
    ("SUN-ES", "targetAudience", "Établissements de santé"),
    ("CNAM", "hasMission", "Participe à la définition et à la mise en œuvre des accords conventionnels avec les différents syndicats"),
    ("CNAM", "hasMission", "Vise à promouvoir l'équipement et l'usage des outils numériques dans le domaine de la santé"),
    ("ANAP", "hasMission", "Anime et développe un réseau de professionnels pour mener des actions qui répondent aux besoins des établissements sanitaires et médico-sociaux"),
    ("CNSA", "branchOf", "Sécurité sociale"),
    ("CNSA", "finances", "Établissements et services médico-sociaux"),
    ("CNSA", "finances", "Industriels du secteur médico-social"),
    ("CNSA", "hasMission", "Veille à l'équilibre financier de sa branche de la sécurité sociale"),
    ("ARS", "hasMission", "Sont chargées du pilotage régional de l'e-santé"),
    ("ARS", "hasMission", "Organisent la mise en œuvre de l'e-santé en région"),
    ("GRADeS", "preferredOperatorOf", "ARS"),
    ("GRADeS", "hasMission", "Animent et fédèrent les acteurs de la région"),
]

# Names the source gives, which must each name exactly one resource.
NAMES = [
    "Ségur du numérique", "Agence de Numérique en Santé", "Agence du numérique en santé",
    "Délégation ministérielle au numérique en santé", "Direction de l'hospitalisation et de l'organisation",
    "Caisse nationale de l'Assurance maladie", "Agence nationale d'appui à la performance",
    "Caisse nationale de solidarité pour l'autonomie", "Agences régionales de santé",
    "Groupements régionaux d'appui au développement de l'e-santé", "Mon espace santé",
    "Plateforme des données de santé", "Health Data Hub", "Identité nationale de santé",
    "Pro Santé Connect", "Messagerie sécurisée de santé", "Appli carte Vitale",
    "Logiciels de professionnels de santé", "Logiciel de gestion de cabinet", "Dossier patient informatisé",
    "Plateforme d'intermédiation", "Système de gestion pour les laboratoires",
    "Système d'information radiologique", "Logiciel de gestion d'officine",
    "Système ouvert et non sélectif", "Ségur usage numérique en établissement de santé",
    "SAS", "Carte de professionnel de santé", "Appli e-CPS",
]

# Literal facts: (resource name, property, expected value with its datatype).
XSD = "http://www.w3.org/2001/XMLSchema#"
LITERALS = [
    ("Ségur du numérique en santé", "https://schema.org/startDate", Literal("2020", datatype=URIRef(XSD + "gYear"))),
    ("Première consultation du Ségur du numérique", "https://schema.org/startDate", Literal("2020-05-25", datatype=URIRef(XSD + "date"))),
    ("Première consultation du Ségur du numérique", "https://schema.org/endDate", Literal("2020-07-10", datatype=URIRef(XSD + "date"))),
    ("Annuaire national MSSanté", "https://schema.org/url", Literal("https://annuaire.sante.fr/", datatype=URIRef(XSD + "anyURI"))),
]


def _property(name: str) -> URIRef:
    return URIRef(name if name.startswith("http") else SEGUR + name)


@pytest.mark.parametrize(("subject", "relation", "obj"), RELATIONS)
def test_seed_relation_is_in_the_graph(graph: Graph, subject: str, relation: str, obj: str) -> None:
    relation = relation.replace("http://schema.org/", "https://schema.org/")
    assert (the(graph, subject), _property(relation), the(graph, obj)) in graph


@pytest.mark.parametrize("name", NAMES)
def test_seed_name_names_one_resource(graph: Graph, name: str) -> None:
    the(graph, name)


@pytest.mark.parametrize(("subject", "prop", "value"), LITERALS)
def test_seed_dated_fact_is_typed(graph: Graph, subject: str, prop: str, value: Literal) -> None:
    assert value in set(graph.objects(the(graph, subject), URIRef(prop)))


def test_the_nine_corridors_of_the_seed_are_the_only_corridors(graph: Graph) -> None:
    corridors = set(graph.subjects(RDF.type, URIRef(SEGUR + "Corridor")))
    assert len(corridors) == 9


def test_the_six_core_services_of_the_seed_are_the_only_core_services(graph: Graph) -> None:
    kinds = (URIRef(SEGUR + "CoreService"), URIRef(SEGUR + "Referential"))
    services = {s for kind in kinds for s in graph.subjects(RDF.type, kind)}
    expected = {the(graph, n) for n in ("INS", "PSC", "MSSanté", "MES", "ApCV", "Ordonnance numérique")}
    assert services == expected


def test_the_three_platforms_of_the_seed_are_the_only_platforms(graph: Graph) -> None:
    platforms = set(graph.subjects(RDF.type, URIRef(SEGUR + "Platform")))
    assert platforms == {the(graph, n) for n in ("MES", "Bouquet de service pro", "PDS")}


def test_ins_has_exactly_the_five_traits_of_the_seed(graph: Graph) -> None:
    traits = set(graph.objects(the(graph, "INS"), URIRef(SEGUR + "hasIdentityTrait")))
    assert len(traits) == 5
