"""CSV tables for spreadsheets: one row per resource, labels in one language.

Each table is declared here as a class and a list of columns; a column follows a path of
properties (a leading "^" walks a property backwards) and shows what it reaches as labels,
plain text or IRIs. Several values share one cell, sorted and joined with " ; ".

The bytes are UTF-8 with a byte-order mark and CRLF line ends (RFC 4180): the mark is what
makes Excel read the file as UTF-8 instead of the system code page, and LibreOffice, pandas
(encoding="utf-8-sig") and Python's csv module accept it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from segur_kg.common.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

SEPARATOR = " ; "
DEF = "https://w3id.org/segur/def/"
_PREFIXES = {
    "segur": DEF,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
}


@dataclass(frozen=True)
class Column:
    fr: str
    en: str
    path: tuple[str, ...]  # prefixed names; "^p" follows p from object to subject
    show: str = "label"  # label | text | iri | concept (NOS label and code)


@dataclass(frozen=True)
class Table:
    classes: tuple[str, ...]  # rows: instances of these classes or of their subclasses
    columns: tuple[Column, ...]


def _c(fr: str, en: str, *path: str, show: str = "label") -> Column:
    return Column(fr, en, tuple(path), show)


_IRI = _c("IRI", "IRI", show="iri")
_LABEL = _c("libellé", "label", "rdfs:label", show="text")
_ACRONYM = _c("sigle", "acronym", "segur:acronym", show="text")
_KIND = _c("type", "type", "rdf:type")
_DESCRIPTION = _c("description", "description", "dcterms:description", show="text")
_WAVE = _c("vague", "wave", "segur:inWave")
_AUDIENCES = _c("publics", "audiences", "segur:targetAudience")
_PROFESSIONS = _c("professions (code NOS)", "professions (NOS code)", "segur:servesProfession",
                  show="concept")
_SOURCES = _c("sources", "sources", "dcterms:source", show="iri")

TABLES: dict[str, Table] = {
    "actors": Table(("segur:Actor",), (
        _IRI, _LABEL, _ACRONYM, _KIND,
        _c("forme juridique", "legal form", "segur:legalForm"),
        _c("membre de", "member of", "org:memberOf"),
        _c("pilote", "steers", "segur:steers"),
        _c("opère", "operates", "segur:operates"),
        _c("développe", "develops", "segur:develops"),
        _c("maintient", "maintains", "segur:maintains"),
        _c("définit le financement de", "defines the funding of", "segur:definesFunding"),
        _c("finance", "finances", "segur:finances"),
        _c("verse les fonds de", "disburses", "segur:disburses"),
        _c("met en œuvre en région", "implements regionally", "segur:implementsRegionally"),
        _c("propose", "offers", "segur:offers"),
        _c("missions", "missions", "segur:hasMission"),
        _c("remplacé par", "replaced by", "dcterms:isReplacedBy"),
        _SOURCES,
    )),
    "services": Table(("segur:DigitalService",), (
        _IRI, _LABEL, _ACRONYM, _KIND,
        _c("développé par", "developed by", "^segur:develops"),
        _c("maintenu par", "maintained by", "^segur:maintains"),
        _c("opéré par", "operated by", "^segur:operates"),
        _c("proposé par", "offered by", "^segur:offers"),
        _AUDIENCES,
        _c("modules", "modules", "segur:hasModule"),
        _c("module de", "module of", "^segur:hasModule"),
        _DESCRIPTION, _SOURCES,
    )),
    "software-categories": Table(("segur:SoftwareCategory",), (
        _IRI, _LABEL, _ACRONYM, _WAVE, _AUDIENCES, _PROFESSIONS,
        _c("couloir", "corridor", "segur:concernsCorridor"),
        _DESCRIPTION, _SOURCES,
    )),
    "corridors": Table(("segur:Corridor",), (
        _IRI, _LABEL, _c("rang", "position", "schema:position", show="text"), _WAVE,
        _PROFESSIONS,
        _c("catégories de logiciels", "software categories", "^segur:concernsCorridor"),
        _SOURCES,
    )),
    "platforms": Table(("segur:Platform",), (
        _IRI, _LABEL, _ACRONYM, _KIND, _AUDIENCES,
        _c("opérée par", "operated by", "^segur:operates"),
        _c("modules", "modules", "segur:hasModule"),
        _c("date de lancement", "launch date", "segur:launchDate", show="text"),
        _DESCRIPTION, _SOURCES,
    )),
    "regions": Table(("segur:Region",), (
        _IRI, _LABEL,
        _c("code NOS", "NOS code", "skos:notation", show="text"),
        _c("concept NOS", "NOS concept", "skos:exactMatch", show="iri"),
        _c("ARS", "regional health agency", "^segur:coversRegion"),
        _c("IRI de l'ARS", "agency IRI", "^segur:coversRegion", show="iri"),
        _SOURCES,
    )),
    "funding": Table(("segur:FundingMechanism",), (
        _IRI, _LABEL, _ACRONYM, _WAVE,
        _c("financement défini par", "funding defined by", "^segur:definesFunding"),
        _c("piloté par", "steered by", "^segur:steers"),
        _c("mis en œuvre en région par", "implemented regionally by",
           "^segur:implementsRegionally"),
        _c("fonds versés par", "disbursed by", "^segur:disburses"),
        _c("référencement par", "referenced by", "segur:referencedBy"),
        _AUDIENCES, _DESCRIPTION, _SOURCES,
    )),
}


def table_names() -> list[str]:
    return sorted(TABLES)


def check_table(name: str) -> Table:
    if name not in TABLES:
        raise SegurKgError(
            f"unknown table '{name}'; available tables: {', '.join(table_names())}"
        )
    return TABLES[name]


def rows(graph: Graph, name: str, lang: str) -> list[list[str]]:
    """Header, then one row per resource, sorted by label in `lang` then IRI."""
    from segur_kg.common.labels import label

    table = check_table(name)
    subjects = _instances(graph, table.classes)
    subjects.sort(key=lambda node: (label(graph, node, lang).casefold(), str(node)))
    header = [getattr(column, lang) for column in table.columns]
    return [header, *([_cell(graph, node, column, lang) for column in table.columns]
                      for node in subjects)]


def to_csv(graph: Graph, name: str, lang: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows(graph, name, lang))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _iri(name: str) -> str:
    prefix, _, local = name.partition(":")
    return _PREFIXES[prefix] + local


def _instances(graph: Graph, classes: tuple[str, ...]) -> list[Node]:
    from rdflib import RDF, RDFS, URIRef

    # Subclasses are followed in the vocabulary itself, so no inference is needed.
    found: set[Node] = set()
    for name in classes:
        for cls in graph.transitive_subjects(RDFS.subClassOf, URIRef(_iri(name))):
            found.update(graph.subjects(RDF.type, cls))
    return list(found)


def _cell(graph: Graph, node: Node, column: Column, lang: str) -> str:
    from rdflib import Literal, URIRef

    from segur_kg.common.labels import label

    reached = {node}
    for step in column.path:
        if step.startswith("^"):
            predicate = URIRef(_iri(step[1:]))
            reached = {s for value in reached for s in graph.subjects(predicate, value)}
        else:
            predicate = URIRef(_iri(step))
            reached = {o for value in reached for o in graph.objects(value, predicate)}
    if column.show == "iri":
        values = {str(value) for value in reached}
    elif column.show == "concept":
        values = {_concept(graph, value, lang) for value in reached if isinstance(value, URIRef)}
    elif column.show == "text":
        values = _texts([value for value in reached if isinstance(value, Literal)], lang)
    else:
        values = {label(graph, value, lang) for value in reached if isinstance(value, URIRef)}
    return SEPARATOR.join(sorted(values, key=lambda text: (text.casefold(), text)))


def _texts(literals: list, lang: str) -> set[str]:
    """Literals in `lang` if there are any, else those in the other language, else all."""
    for wanted in (lang, "en" if lang == "fr" else "fr"):
        matching = {str(value) for value in literals if value.language == wanted}
        if matching:
            return matching
    return {str(value) for value in literals}


def _concept(graph: Graph, node: Node, lang: str) -> str:
    """A terminology concept as "label (code)": NOS concepts carry skos:prefLabel and notation."""
    from rdflib import Literal
    from rdflib.namespace import SKOS

    from segur_kg.common.labels import label

    names = _texts([v for v in graph.objects(node, SKOS.prefLabel) if isinstance(v, Literal)], lang)
    name = min(names) if names else label(graph, node, lang)
    codes = sorted(str(code) for code in graph.objects(node, SKOS.notation))
    return f"{name} ({', '.join(codes)})" if codes else name
