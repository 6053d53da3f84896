"""Names of the terms the graph reuses from other vocabularies (DCMI, W3C ORG, SKOS, RDF,
schema.org), for showing answers: the graph does not restate other vocabularies' terms, so a
relation such as dcterms:publisher has no label of its own in it. English names follow each
vocabulary's own labels; the French ones are this project's translations."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SDO, SKOS

# IRI → (French, English)
NAMES = {
    DCTERMS.bibliographicCitation: ("référence bibliographique", "bibliographic citation"),
    DCTERMS.date: ("date", "date"),
    DCTERMS.description: ("description", "description"),
    DCTERMS.identifier: ("identifiant", "identifier"),
    DCTERMS.isReplacedBy: ("est remplacé par", "is replaced by"),
    DCTERMS.language: ("langue", "language"),
    DCTERMS.publisher: ("éditeur", "publisher"),
    DCTERMS.source: ("source", "source"),
    DCTERMS.spatial: ("couverture spatiale", "spatial coverage"),
    DCTERMS.subject: ("sujet", "subject"),
    DCTERMS.title: ("titre", "title"),
    ORG.memberOf: ("membre de", "member of"),
    ORG.originalOrganization: ("organisation d'origine", "original organization"),
    ORG.resultingOrganization: ("organisation résultante", "resulting organization"),
    SKOS.altLabel: ("autre libellé", "alternative label"),
    SKOS.definition: ("définition", "definition"),
    SKOS.exactMatch: ("correspondance exacte", "exact match"),
    SKOS.narrower: ("plus spécifique", "narrower"),
    SKOS.notation: ("notation", "notation"),
    SKOS.note: ("note", "note"),
    RDF.type: ("type", "type"),
    RDFS.label: ("libellé", "label"),
    SDO.endDate: ("date de fin", "end date"),
    SDO.startDate: ("date de début", "start date"),
    SDO.location: ("lieu", "location"),
    SDO.url: ("adresse web", "URL"),
}


def name(iri: URIRef, lang: str) -> str | None:
    names = NAMES.get(iri)
    return None if names is None else names[0 if lang == "fr" else 1]
