"""The SHACL engines behind `segur-kg validate`, each turning data into a W3C validation report.

- `pyshacl-turbo` (default): a Rust engine with pySHACL's API. Files in Turtle or N-Triples are
  checked by rdf.reading's reader (streamed), then parsed by rdflib-turbo's native parser into a
  native dataset that the engine reads in place, so a million-triple extension never becomes
  rdflib objects; other formats go through rdf.reading.
- `pyshacl`: the pure-Python reference, on rdflib graphs.

Both see the same triples (the dataset, or the ontology when files are checked alone, plus the
files), with no inference: sh:class and sh:targetClass follow rdfs:subClassOf in the data
itself. Both return the report and a small graph with the labels and prefixes used to print it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segur_kg.common.errors import SegurKgError, one_line

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

ENGINES = ("pyshacl-turbo", "pyshacl")
DEFAULT_ENGINE = "pyshacl-turbo"
# Parsed natively; every other format (RDF/XML, JSON-LD, TriG, N-Quads) goes through rdf.reading,
# whose parsers never open a file or the network and which flattens named graphs.
NATIVE_FORMATS = {".ttl": "turtle", ".nt": "nt"}
_BATCH = 500  # IRIs per VALUES block when fetching labels
_LABELS = ("<http://www.w3.org/2000/01/rdf-schema#label>",
           "<http://www.w3.org/2004/02/skos/core#prefLabel>")
_POSITION = re.compile(r"line (\d+)(?: between columns | column )(\d+)")


@dataclass
class Checked:
    report: Graph  # the W3C validation report
    labels: Graph  # labels of the focus nodes; its prefixes print paths and values


def check(engine: str, shapes: Graph, files: list[Path], mix: str = "dataset",
          graph: Graph | None = None, focus: list[Node] | None = None,
          read: bool = False) -> Checked:
    """Validate the files mixed with the dataset (`mix="dataset"`) or with the ontology alone
    (`mix="ontology"`, so class hierarchies are known); or, given `graph`, that whole graph.
    With `focus`, only those nodes are checked (by the shapes that target them); the rest of
    the data is only read. `read`: the files were checked by rdf.reading already (the parts
    of a store), so the native engine parses them without that first pass."""
    if engine == "pyshacl":
        return _pyshacl(shapes, files, mix, graph, focus)
    if engine == "pyshacl-turbo":
        return _turbo(shapes, files, mix, graph, focus, read)
    raise SegurKgError(f"unknown SHACL engine '{engine}'; use one of {', '.join(ENGINES)}")


# --- pySHACL -------------------------------------------------------------------------------


def _pyshacl(shapes: Graph, files: list[Path], mix: str, graph: Graph | None,
             focus: list[Node] | None) -> Checked:
    from pyshacl import validate

    from segur_kg.rdf.namespaces import new_graph
    from segur_kg.rdf.reading import load_dataset, load_ontology, parse_file

    ontology = None
    if graph is not None:
        data = graph
    elif mix == "dataset":
        data = load_dataset()
    else:
        data, ontology = new_graph(), load_ontology()
    for path in files:
        parse_file(path, data)
    _conforms, report, _text = validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=False,
        allow_warnings=True,
        abort_on_first=False,
        focus_nodes=focus,
    )
    return Checked(report, data if ontology is None else data + ontology)


# --- pyshacl-turbo -------------------------------------------------------------------------


def _turbo(shapes: Graph, files: list[Path], mix: str, graph: Graph | None,
           focus: list[Node] | None, read: bool) -> Checked:
    from rdflib import RDF
    from rdflib.namespace import SH

    from segur_kg.rdf.namespaces import new_graph
    from segur_kg.rdf.reading import load_dataset

    validate, native = _turbo_modules()
    # `names` plays the part of the pyshacl engine's data graph: the prefixes of the files are
    # bound to it the same way, and the labels of the files' focus nodes are added to it.
    text: bytes | None = None  # the base's N-Triples, when kept from an earlier call
    if graph is not None:
        base = names = graph
    elif mix == "dataset":
        base = names = load_dataset()
    else:
        (base, text), names = cached_ontology(), new_graph()
    data = native.Dataset()
    if text is None:
        text = base.serialize(format="nt", encoding="utf-8")
    data.parse(data=text, format="nt")
    for path in files:
        _load(path, data, names, read)
    try:
        _conforms, report, _text = validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            allow_warnings=True,
            abort_on_first=False,
            focus_nodes=focus,
        )
    except RuntimeError as exc:  # the engine's own failures; shape errors included
        raise SegurKgError(
            f"the pyshacl-turbo engine failed ({one_line(exc)}); try --engine pyshacl"
        ) from None
    if graph is not None:
        return Checked(report, graph)  # it holds every label already
    focus = [report.value(node, SH.focusNode) for node in
             report.subjects(RDF.type, SH.ValidationResult)]
    if not focus:
        return Checked(report, names)  # nothing to print: no copy of the base
    labels = names if names is base else names + base
    for triple in _label_triples(data, focus):
        labels.add(triple)
    return Checked(report, labels)


def cached_ontology() -> tuple[Graph, bytes]:
    """load_ontology() and its N-Triples, read again only when the file changed: a store
    validated in parts mixes it into every part."""
    from segur_kg.common import paths
    from segur_kg.common.unchanged import while_unchanged
    from segur_kg.rdf.reading import load_ontology

    def build() -> tuple[Graph, bytes]:
        graph = load_ontology()
        return graph, graph.serialize(format="nt", encoding="utf-8")

    return while_unchanged("ontology", [paths.ontology_file()], build)


def _turbo_modules() -> tuple[Any, Any]:
    """pyshacl-turbo's validate and rdflib-turbo, checked to share one engine: the dataset is
    validated in place only when both packages were built from the same engine source."""
    try:
        import pyshacl_turbo
        import rdflib_turbo
        from pyshacl_turbo import _native as engine
        from rdflib_turbo import _native as shared
    except ImportError as exc:
        raise SegurKgError(
            f"the pyshacl-turbo engine is not installed ({one_line(exc)}); "
            "run scripts/install.sh or use --engine pyshacl"
        ) from None
    if getattr(shared, "SHACL_ENGINE_FINGERPRINT", None) != engine.SHACL_ENGINE_FINGERPRINT:
        raise SegurKgError(
            f"rdflib-turbo {_version('rdflib-turbo')} and pyshacl-turbo "
            f"{_version('pyshacl-turbo')} do not share a SHACL engine; install the versions "
            "the project pins (scripts/install.sh) or use --engine pyshacl"
        )
    return pyshacl_turbo.validate, rdflib_turbo


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _load(path: Path, data: Any, names: Graph, read: bool = False) -> None:
    """Add one file to the native dataset and its prefixes to `names`, bound as rdf.reading.parse_file
    binds them. Every file is first read by rdf.reading, the reader of every command, so validate
    accepts and refuses the same files as diff or load, with the same messages (unless `read`
    says it was already)."""
    from segur_kg.common import paths
    from segur_kg.rdf.namespaces import new_graph
    from segur_kg.rdf.reading import check_file, parse_file, read_bytes

    fmt = NATIVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        parsed = parse_file(path)  # its own checks and messages, unknown extensions included
        data.parse(data=parsed.serialize(format="nt", encoding="utf-8"), format="nt")
        _bind(names, parsed)
        return
    if not read:
        check_file(path)  # streamed: syntax, IRIs, literals
    shown = paths.display(path)
    text = read_bytes(path, shown).decode("utf-8")  # checked: valid UTF-8
    before = set(data.namespaces())
    try:
        data.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except ValueError as exc:  # the same parser as rdf.reading's: only if the file changed since
        raise SegurKgError(_syntax_error(exc, fmt, shown)) from None
    # The native dataset keeps the last binding of each prefix; rdflib's parser binds each
    # declaration in turn. Sorting makes the rare clash between two files deterministic.
    declared = new_graph()
    for prefix, namespace in sorted(set(data.namespaces()) - before):
        declared.bind(prefix, namespace)
    _bind(names, declared)


def _bind(names: Graph, parsed: Graph) -> None:
    for prefix, namespace in parsed.namespaces():
        names.bind(prefix, namespace, override=False)


def _syntax_error(exc: Exception, fmt: str, shown: str) -> str:
    # "Parser error at line 3 column 24: . is not a valid RDF object"
    from segur_kg.rdf.reading import syntax_error_message

    text = one_line(exc)
    position = _POSITION.search(text)
    if position is None:
        return (f"{shown}: cannot parse as {fmt} ({text}); "
                "check that the content matches the extension")
    why = text.split(": ", 1)[1] if ": " in text else text
    return syntax_error_message(shown, int(position.group(1)), int(position.group(2)), why)


def _label_triples(data: Any, nodes: list[Node | None]) -> list[tuple[Node, Node, Node]]:
    """The rdfs:label and skos:prefLabel triples of these nodes in the native dataset."""
    from rdflib import URIRef

    iris = sorted({node for node in nodes if isinstance(node, URIRef)})
    triples = []
    for start in range(0, len(iris), _BATCH):
        # (subject, predicate) pairs: two separate VALUES blocks are joined by a full scan.
        pairs = " ".join(f"({iri.n3()} {predicate})" for iri in iris[start:start + _BATCH]
                         for predicate in _LABELS)
        query = "SELECT ?s ?p ?o WHERE { VALUES (?s ?p) { " + pairs + " } ?s ?p ?o }"
        triples.extend(tuple(row) for row in data.query(query))
    return triples
