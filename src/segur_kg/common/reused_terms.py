"""Names of the terms the graph reuses from other vocabularies (DCMI, W3C ORG, SKOS, RDF,
schema.org), for showing answers: the graph does not restate other vocabularies' terms, so a
relation such as dcterms:publisher has no label of its own in it. English names follow each
vocabulary's own labels; the French ones are this project's translations."""

from __future__ import annotations

DCTERMS = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"

# IRI → (French, English)
NAMES: dict[str, tuple[str, str]] = {
    DCTERMS + "bibliographicCitation": ("référence bibliographique", "bibliographic citation"),
    DCTERMS + "date": ("date", "date"),
    DCTERMS + "description": ("description", "description"),
    DCTERMS + "identifier": ("identifiant", "identifier"),
    DCTERMS + "isReplacedBy": ("est remplacé par", "is replaced by"),
    DCTERMS + "language": ("langue", "language"),
    DCTERMS + "publisher": ("éditeur", "publisher"),
    DCTERMS + "source": ("source", "source"),
    DCTERMS + "spatial": ("couverture spatiale", "spatial coverage"),
    DCTERMS + "subject": ("sujet", "subject"),
    DCTERMS + "title": ("titre", "title"),
    ORG + "memberOf": ("membre de", "member of"),
    ORG + "originalOrganization": ("organisation d'origine", "original organization"),
    ORG + "resultingOrganization": ("organisation résultante", "resulting organization"),
    SKOS + "altLabel": ("autre libellé", "alternative label"),
    SKOS + "definition": ("définition", "definition"),
    SKOS + "exactMatch": ("correspondance exacte", "exact match"),
    SKOS + "narrower": ("plus spécifique", "narrower"),
    SKOS + "notation": ("notation", "notation"),
    SKOS + "note": ("note", "note"),
    RDF + "type": ("type", "type"),
    RDFS + "label": ("libellé", "label"),
    SCHEMA + "endDate": ("date de fin", "end date"),
    SCHEMA + "startDate": ("date de début", "start date"),
    SCHEMA + "location": ("lieu", "location"),
    SCHEMA + "url": ("adresse web", "URL"),
}


def name(iri: str, lang: str) -> str | None:
    names = NAMES.get(iri)
    return None if names is None else names[0 if lang == "fr" else 1]
