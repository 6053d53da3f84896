"""Convert NOS terminologies of the ANS, published as FHIR RDF CodeSystems, into
SKOS concept schemes.

Every NOS code system has the same shape: one `fhir:CodeSystem` with its canonical
URL, OID, version and dates, and its codes in an `rdf:List` under `fhir:concept`;
each code has a `display`, `designation`s (short and long labels) and `property`s
(`dateValid`, `dateFin`, `dateMaj`). Nothing here depends on a particular code system.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

FHIR = "http://hl7.org/fhir/"
ANS = "https://w3id.org/segur/id/actor/ans"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"

# How the NOS designations map onto SKOS: the short label is an alternative label,
# the adapted (long) label explains the code; any other kind is kept as a scope note.
DESIGNATION_PROPERTIES = {"LibelleCourt": "altLabel", "LibelleAdapte": "definition"}


@dataclass
class Concept:
    code: str
    display: str
    designations: list[tuple[str, str]] = field(default_factory=list)
    properties: dict[str, list[object]] = field(default_factory=dict)
    children: list[Concept] = field(default_factory=list)


@dataclass
class CodeSystem:
    canonical: str
    name: str
    title: str | None
    description: str | None
    oid: str | None
    version: str | None
    date: object | None
    status: str | None
    concepts: list[Concept]


def concept_iri(canonical: str, code: str) -> str:
    """Stable concept IRI: the code system's canonical URL, a slash, the code."""
    return f"{canonical.rstrip('/')}/{quote(code, safe='-._~')}"


def read_code_system(path: Path) -> CodeSystem:
    """Read a FHIR RDF CodeSystem file; a file of another kind is refused clearly."""
    from rdflib import RDF, URIRef

    from segur_kg.rdf.namespaces import new_graph
    from segur_kg.rdf.reading import parse_file

    graph = new_graph()
    parse_file(path, graph)
    systems = sorted(graph.subjects(RDF.type, URIRef(FHIR + "CodeSystem")), key=str)
    shown = paths.display(path)
    if not systems:
        raise SegurKgError(
            f"{shown}: not a FHIR CodeSystem (no resource typed fhir:CodeSystem); "
            "give a NOS code system published in FHIR RDF (Turtle)"
        )
    if len(systems) > 1:
        raise SegurKgError(f"{shown}: holds {len(systems)} FHIR CodeSystems; give one per file")
    system = systems[0]
    canonical = _value(graph, system, "url")
    if not canonical:
        raise SegurKgError(f"{shown}: the CodeSystem has no canonical url (fhir:url); it cannot be named")
    concepts = _concepts(graph, system, path, shown)
    return CodeSystem(
        canonical=str(canonical),
        name=str(_value(graph, system, "name") or _value(graph, system, "id") or canonical),
        title=_text(_value(graph, system, "title")),
        description=_text(_value(graph, system, "description")),
        oid=_oid(graph, system, shown),
        version=_text(_value(graph, system, "version")),
        date=_value(graph, system, "date"),
        status=_text(_value(graph, system, "status")),
        concepts=concepts,
    )


def _value(graph: Graph, node: Node, name: str) -> Node | None:
    """The `fhir:v` of a FHIR primitive (`node fhir:name [ fhir:v value ]`)."""
    from rdflib import URIRef

    holder = graph.value(node, URIRef(FHIR + name))
    return None if holder is None else graph.value(holder, URIRef(FHIR + "v"))


def _text(value: Node | None) -> str | None:
    return None if value is None else str(value)


def _list(graph: Graph, node: Node, name: str, shown: str) -> list[Node]:
    """Members of the rdf:List(s) under `fhir:name`, in list order."""
    from rdflib import RDF

    items: list[Node] = []
    for head in graph.objects(node, _fhir(name)):
        seen = set()
        while head is not None and head != RDF.nil:
            if head in seen:
                raise SegurKgError(f"{shown}: the list under fhir:{name} loops back on itself "
                                   "(rdf:rest); fix the code system file")
            seen.add(head)
            first = graph.value(head, RDF.first)
            if first is not None:
                items.append(first)
            head = graph.value(head, RDF.rest)
    return items


def _oid(graph: Graph, system: Node, shown: str) -> str | None:
    from rdflib import URIRef

    for identifier in _list(graph, system, "identifier", shown):
        value = _value(graph, identifier, "value")
        if value is not None and str(value).startswith("urn:oid:"):
            return str(value)
    # A single identifier may also be given without a list.
    for identifier in graph.objects(system, URIRef(FHIR + "identifier")):
        value = _value(graph, identifier, "value")
        if value is not None and str(value).startswith("urn:oid:"):
            return str(value)
    return None


def _concepts(graph: Graph, system: Node, path: Path, shown: str) -> list[Concept]:
    """The concept tree, walked with a stack (a deep hierarchy is no limit). A concept met twice,
    inside itself or under two parents, is refused: it would make the tree endless or huge."""
    top: list[Concept] = []
    parents: dict[Node, Node | None] = {}
    stack = [(node, None, top) for node in reversed(_list(graph, system, "concept", shown))]
    while stack:
        node, parent, siblings = stack.pop()
        concept = _concept(graph, node, path, shown)
        if node in parents:
            ancestor = parent
            while ancestor is not None and ancestor != node:
                ancestor = parents[ancestor]
            where = "inside itself" if ancestor == node else "more than once"
            raise SegurKgError(f"{shown}: code '{concept.code}' is nested {where} (fhir:concept); "
                               "fix the code system file")
        parents[node] = parent
        siblings.append(concept)
        children = _list(graph, node, "concept", shown)
        stack.extend((child, node, concept.children) for child in reversed(children))
    return top


def _concept(graph: Graph, node: Node, path: Path, shown: str) -> Concept:
    """One code, without its children."""
    from segur_kg.rdf.reading import line_of

    code = _value(graph, node, "code")
    if code is None:
        raise SegurKgError(f"{shown}: a concept has no code (fhir:code); fix the code system file")
    concept = Concept(code=str(code), display=str(_value(graph, node, "display") or code))
    for designation in _list(graph, node, "designation", shown):
        use = graph.value(designation, _fhir("use"))
        kind = _value(graph, use, "code") if use is not None else None
        value = _value(graph, designation, "value")
        if value is not None:
            concept.designations.append((str(kind) if kind is not None else "", str(value)))
    for prop in _list(graph, node, "property", shown):
        key = _value(graph, prop, "code")
        value = _value(graph, prop, "value")
        if key is not None and value is not None:
            if str(key) == "dateFin" and _date(value) is None:
                raise SegurKgError(
                    f"{shown}{line_of(path, str(value))}: code '{concept.code}' has dateFin "
                    f"'{value}', which is not a date (YYYY-MM-DD); fix the code system file")
            concept.properties.setdefault(str(key), []).append(value)
    return concept


def _fhir(name: str):  # noqa: ANN202 - rdflib is imported lazily
    from rdflib import URIRef

    return URIRef(FHIR + name)


def to_skos(system: CodeSystem, today: dt.date | None = None) -> Graph:
    """The SKOS concept scheme of a code system. A code whose `dateFin` is on or
    before `today` is closed: it is kept, marked `owl:deprecated`."""
    from rdflib import OWL, RDF, SKOS, Literal, URIRef
    from rdflib.namespace import DCTERMS

    from segur_kg.rdf.namespaces import new_graph

    today = today or dt.date.today()
    schema = "https://schema.org/"
    graph = new_graph()
    scheme = URIRef(system.canonical)
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    title = system.title or system.name
    graph.add((scheme, DCTERMS.title, Literal(title, lang="fr")))
    graph.add((scheme, SKOS.prefLabel, Literal(title, lang="fr")))
    graph.add((scheme, SKOS.notation, Literal(system.name)))
    if system.description:
        graph.add((scheme, DCTERMS.description, Literal(system.description, lang="fr")))
    if system.oid:
        graph.add((scheme, DCTERMS.identifier, Literal(system.oid)))
    if system.version:
        graph.add((scheme, OWL.versionInfo, Literal(system.version)))
    if system.date is not None:
        graph.add((scheme, DCTERMS.modified, system.date))
    graph.add((scheme, DCTERMS.publisher, URIRef(ANS)))
    graph.add((scheme, DCTERMS.license, URIRef(CC0)))
    # Every statement comes from the code system as the ANS publishes it, named by its
    # canonical URL: the source that data/sources.ttl declares (with its authority) for each
    # NOS terminology of the graph. The scheme is named by that URL too, so it cites itself.
    source = URIRef(system.canonical)
    graph.add((scheme, DCTERMS.source, source))

    def add(concept: Concept, parent: URIRef | None) -> URIRef:
        node = URIRef(concept_iri(system.canonical, concept.code))
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, scheme))
        graph.add((node, SKOS.notation, Literal(concept.code)))
        graph.add((node, SKOS.prefLabel, Literal(concept.display, lang="fr")))
        graph.add((node, DCTERMS.source, source))
        if parent is None:
            graph.add((node, SKOS.topConceptOf, scheme))
            graph.add((scheme, SKOS.hasTopConcept, node))
        else:
            graph.add((node, SKOS.broader, parent))
            graph.add((parent, SKOS.narrower, node))
        for kind, text in concept.designations:
            if text == concept.display:
                continue  # SKOS keeps preferred and alternative labels disjoint
            target = DESIGNATION_PROPERTIES.get(kind, "scopeNote")
            graph.add((node, SKOS[target], Literal(text, lang="fr")))
        for value in concept.properties.get("dateValid", []):
            graph.add((node, URIRef(schema + "validFrom"), value))
        for value in concept.properties.get("dateMaj", []):
            graph.add((node, DCTERMS.modified, value))
        for value in concept.properties.get("dateFin", []):
            graph.add((node, URIRef(schema + "validThrough"), value))
            if _date(value) is not None and _date(value) <= today:
                graph.add((node, OWL.deprecated, Literal(True)))
        return node

    stack: list[tuple[Concept, URIRef | None]] = [(c, None) for c in system.concepts]
    while stack:  # not recursion: a deep hierarchy is no limit
        concept, parent = stack.pop()
        node = add(concept, parent)
        stack.extend((child, node) for child in concept.children)
    return graph


def _date(value: Node) -> dt.date | None:
    """The day a date or date-time starts with; None when it is not one (2020-13-45)."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(value))
    try:
        return dt.date(*map(int, match.groups())) if match else None
    except ValueError:
        return None


def output_name(system: CodeSystem) -> str:
    """File name of a converted scheme: its NOS name, e.g. TRE_R30-RegionOM.ttl."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", system.name).strip("-") + ".ttl"


def import_files(files: list[Path], out_dir: Path) -> list[Path]:
    """Convert each file; nothing is written unless every file converts."""
    from segur_kg.common.atomic import write_atomic
    from segur_kg.rdf.serialize import serialize

    if not out_dir.is_dir():
        raise SegurKgError(f"{out_dir}: no such folder; create it or choose another -o folder")
    converted = []
    for path in files:
        system = read_code_system(path)
        converted.append((out_dir / output_name(system), serialize(to_skos(system), "ttl")))
    for target, data in converted:
        try:
            write_atomic(target, data)
        except OSError as exc:
            raise SegurKgError(
                f"{target}: cannot write the scheme ({exc.strerror}); check the -o folder"
            ) from None
    return [target for target, _ in converted]
