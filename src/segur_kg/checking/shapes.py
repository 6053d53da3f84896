"""SHACL shapes, with messages and severities stamped from the requirements table.

Shape files carry only a requirement number (dcterms:identifier "R-07"); the French and English
texts and the severity live once, in ontology/shapes/REQUIREMENTS.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError
from segur_kg.rdf.namespaces import bind_prefixes, new_graph
from segur_kg.rdf.reading import parse_file

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

SEVERITIES = ("Violation", "Warning", "Info")
_ROW = re.compile(r"^\s*\|\s*(R-\d\d)\s*\|")


@dataclass(frozen=True)
class Requirement:
    identifier: str
    severity: str  # Violation, Warning or Info
    fr: str
    en: str


def read_requirements(path: Path | None = None) -> dict[str, Requirement]:
    """Rows `| R-07 | Violation | texte | text |` of the requirements table."""
    path = path or paths.requirements_file()
    shown = paths.display(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SegurKgError(
            f"{shown}: cannot read the requirements table ({exc.strerror}); restore the file"
        ) from None
    table: dict[str, Requirement] = {}
    for number, line in enumerate(lines, start=1):
        if not _ROW.match(line):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4:
            raise SegurKgError(
                f"{shown}:{number}: the row has {len(cells)} cells instead of 4; "
                "write | R-NN | severity | texte français | English text |"
            )
        identifier, severity, fr, en = cells[:4]
        if severity not in SEVERITIES:
            raise SegurKgError(
                f"{shown}:{number}: unknown severity '{severity}' for {identifier}; "
                f"use one of {', '.join(SEVERITIES)}"
            )
        if identifier in table:
            raise SegurKgError(
                f"{shown}:{number}: requirement {identifier} is listed twice; keep one row"
            )
        if not fr or not en:
            raise SegurKgError(
                f"{shown}:{number}: requirement {identifier} lacks its French or English text; "
                "fill both cells"
            )
        table[identifier] = Requirement(identifier, severity, fr, en)
    return table


def shape_files() -> list[Path]:
    folder = paths.shapes_dir()
    return sorted(folder.glob("*.ttl")) if folder.is_dir() else []


def load_shapes() -> Graph:
    """All shape files merged, each shape stamped with sh:message (fr, en) and sh:severity."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, SH

    requirements = read_requirements()
    req_file = paths.display(paths.requirements_file())
    graph = new_graph()
    used: set[str] = set()
    for path in shape_files():
        part = parse_file(path)
        for shape in sorted(_top_shapes(part), key=lambda node: node.n3()):
            identifier = part.value(shape, DCTERMS.identifier)
            if identifier is None:
                raise SegurKgError(
                    f"{paths.display(path)}: shape {shape.n3()} has no dcterms:identifier; "
                    f"give it the number of its requirement from {req_file}"
                )
        for shape, identifier in _identified(part):
            if identifier not in requirements:
                raise SegurKgError(
                    f"{paths.display(path)}: shape {shape.n3()} has identifier '{identifier}' "
                    f"which is not in {req_file}; add a row for it or fix the identifier"
                )
            used.add(identifier)
        graph += part
        for prefix, namespace in part.namespaces():
            graph.bind(prefix, namespace, override=False)
    unused = sorted(set(requirements) - used)
    if unused:
        raise SegurKgError(
            f"{req_file}: requirement(s) {', '.join(unused)} are used by no shape; "
            "write the shape or remove the row"
        )
    _inherit_identifiers(graph)
    for shape, identifier in _identified(graph):
        requirement = requirements[identifier]
        graph.remove((shape, SH.message, None))
        graph.add((shape, SH.message, Literal(requirement.fr, lang="fr")))
        graph.add((shape, SH.message, Literal(requirement.en, lang="en")))
        graph.set((shape, SH.severity, URIRef(str(SH) + requirement.severity)))
    bind_prefixes(graph)
    return graph


def _identified(graph: Graph) -> list[tuple[Node, str]]:
    from rdflib.namespace import DCTERMS

    return sorted(
        ((shape, str(value)) for shape, value in graph.subject_objects(DCTERMS.identifier)
         if _is_shape(graph, shape)),
        key=lambda pair: (pair[1], pair[0].n3()),
    )


def _is_shape(graph: Graph, node: Node) -> bool:
    from rdflib import RDF
    from rdflib.namespace import SH

    types = set(graph.objects(node, RDF.type))
    return bool(types & {SH.NodeShape, SH.PropertyShape}) or (None, SH.property, node) in graph


def _top_shapes(graph: Graph) -> set[Node]:
    """Shapes with a target: these produce results, so each must name its requirement."""
    from rdflib.namespace import SH

    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    return {s for target in targets for s in graph.subjects(target, None)}


def _inherit_identifiers(graph: Graph) -> None:
    # A property shape reports its own results; without this it would have no message.
    from rdflib.namespace import DCTERMS, SH

    changed = True
    while changed:
        changed = False
        for parent, child in list(graph.subject_objects(SH.property)):
            identifier = graph.value(parent, DCTERMS.identifier)
            if identifier is not None and graph.value(child, DCTERMS.identifier) is None:
                graph.add((child, DCTERMS.identifier, identifier))
                changed = True
