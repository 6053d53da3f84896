"""SHACL validation of the dataset or of given files, and the report in three formats."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.errors import EXIT_OK, EXIT_VIOLATIONS
from segur_kg.labels import blank_text, label, pick_language

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

REPORT_FORMATS = ("text", "turtle", "json")
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Result:
    severity: str
    requirement: str
    focus: str
    focus_label: str
    path: str
    value: str
    message: str
    source_shape: str

    def sort_key(self) -> tuple[int, str, str, str, str, str, str]:
        return (
            _SEVERITY_ORDER.get(self.severity, 9),
            self.requirement,
            self.focus,
            self.path,
            self.value,
            self.message,
            self.source_shape,
        )


@dataclass
class Report:
    results: list[Result]
    graph: Graph

    def count(self, severity: str) -> int:
        return sum(1 for result in self.results if result.severity == severity)

    @property
    def exit_code(self) -> int:
        return EXIT_VIOLATIONS if self.count("Violation") else EXIT_OK


def validate_dataset(lang: str = "fr") -> Report:
    """The loaded dataset (ontology + data) against all shapes."""
    from segur_kg.rdf_io import load_dataset

    data = load_dataset()
    return _run(data, None, lang)


def validate_files(files: list[Path], lang: str = "fr", with_dataset: bool = False) -> Report:
    """These files as data; the ontology is mixed in so class hierarchies are known. With
    `with_dataset`, the files are checked together with the dataset, so that links to its
    resources (a wave, a group) count as links to resources of the right class."""
    from segur_kg.rdf_io import load_dataset, load_ontology, new_graph, parse_file

    data = load_dataset() if with_dataset else new_graph()
    for path in files:
        parse_file(path, data)
    return _run(data, None if with_dataset else load_ontology(), lang)


def _run(data: Graph, ontology: Graph | None, lang: str) -> Report:
    from pyshacl import validate

    from segur_kg.shapes import load_shapes

    shapes = load_shapes()
    _conforms, report_graph, _text = validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=False,
        allow_warnings=True,
        abort_on_first=False,
    )
    # Labels come from the data and, when validating files, the ontology.
    labelled = data if ontology is None else data + ontology
    # A resource of a subclass meets a shared property shape once per class shape:
    # the same result twice says nothing more.
    results = set(_results(report_graph, shapes, labelled, lang))
    return Report(sorted(results, key=Result.sort_key), report_graph)


def _results(report: Graph, shapes: Graph, data: Graph, lang: str) -> list[Result]:
    from rdflib import RDF
    from rdflib.namespace import DCTERMS, SH

    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        shape = report.value(node, SH.sourceShape)
        requirement = shapes.value(shape, DCTERMS.identifier) if shape is not None else None
        results.append(
            Result(
                severity=_local_name(severity) if severity is not None else "Violation",
                requirement=str(requirement) if requirement is not None else "",
                focus=_term(focus, data),
                focus_label=label(data, focus, lang) if focus is not None else "",
                path=_path(report, report.value(node, SH.resultPath), data),
                value=_term(report.value(node, SH.value), data),
                message=pick_language(list(report.objects(node, SH.resultMessage)), lang),
                source_shape=_shape_name(shape, shapes),
            )
        )
    return results


def _shape_name(shape: Node | None, shapes: Graph) -> str:
    """The shape's IRI; for an anonymous property shape, the IRI of the shape holding it."""
    from rdflib import BNode
    from rdflib.namespace import SH

    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = next(iter(shapes.subjects(SH.property, shape)), None)
        if parent is None:
            break
        shape = parent
    return _term(shape, shapes)


def _local_name(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _term(node: Node | None, graph: Graph) -> str:
    from rdflib import BNode, URIRef

    if node is None:
        return ""
    if isinstance(node, BNode):
        return blank_text(node)
    if isinstance(node, URIRef):
        return str(node)
    return node.n3(graph.namespace_manager)


def _path(report: Graph, path: Node | None, graph: Graph) -> str:
    """A SHACL property path written the SPARQL way (^p, p/q, p|q, p*)."""
    from rdflib import RDF, BNode, URIRef
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    if path is None:
        return ""
    if isinstance(path, URIRef):
        return path.n3(graph.namespace_manager)
    if not isinstance(path, BNode):
        return str(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path(report, inverse, graph)
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        choices = Collection(report, alternatives)
        return "(" + "|".join(_path(report, p, graph) for p in choices) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                              (SH.zeroOrOnePath, "?")):
        inner = report.value(path, predicate)
        if inner is not None:
            return _path(report, inner, graph) + suffix
    if report.value(path, RDF.first) is not None:  # a sequence path is an RDF list
        return "/".join(_path(report, p, graph) for p in Collection(report, path))
    return blank_text(path)


# --- rendering ---------------------------------------------------------------------------


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        rows = [asdict(result) for result in report.results]
        return json.dumps(rows, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "turtle":
        from segur_kg.serialize import serialize

        return serialize(report.graph, "ttl").decode("utf-8")
    return _text(report)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _text(report: Report) -> str:
    lines = []
    for r in report.results:
        focus = r.focus if r.focus_label in ("", r.focus) else f"{r.focus_label} <{r.focus}>"
        where = ", ".join(
            part for part in (f"path {r.path}" if r.path else "",
                              f"value {r.value}" if r.value else "") if part
        )
        head = f"{r.severity} {r.requirement or '-'}: {focus}"
        lines.append(f"{head} ({where}): {r.message}" if where else f"{head}: {r.message}")
    summary = f"{_plural(report.count('Violation'), 'violation')}, "
    summary += _plural(report.count("Warning"), "warning")
    if report.count("Info"):
        summary += ", " + _plural(report.count("Info"), "info")
    lines.append(summary)
    return "\n".join(lines) + "\n"
