"""SHACL validation of the dataset, of given files or of a whole graph, and the report in three
formats. The engine (checking.engines) only makes the W3C report; reading it is done here, the same
way for every engine."""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.checking.engines import DEFAULT_ENGINE, ENGINES
from segur_kg.common.errors import EXIT_OK, EXIT_VIOLATIONS, SegurKgError
from segur_kg.common.labels import blank_text, label, pick_language

__all__ = ["DEFAULT_ENGINE", "ENGINES", "REPORT_FORMATS", "Report", "Result", "render",
           "validate_dataset", "validate_files", "validate_graph", "validate_store"]

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rdflib import Graph
    from rdflib.term import Node

    from segur_kg.stores import Store
    from segur_kg.stores.parts import Part

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
    hint: str | None = None  # what the user may have meant to do, for standard error

    def count(self, severity: str) -> int:
        return sum(1 for result in self.results if result.severity == severity)

    @property
    def conforms(self) -> bool:
        """No violation (warnings and notes do not count, as for the exit code)."""
        return not self.count("Violation")

    @property
    def exit_code(self) -> int:
        return EXIT_VIOLATIONS if self.count("Violation") else EXIT_OK


def validate_dataset(lang: str = "fr", engine: str = DEFAULT_ENGINE) -> Report:
    """The loaded dataset (ontology + data) against all shapes."""
    return _run(engine, [], "dataset", None, lang)


def validate_files(files: list[Path], lang: str = "fr", with_dataset: bool = False,
                   engine: str = DEFAULT_ENGINE) -> Report:
    """These files as data; the ontology is mixed in so class hierarchies are known. With
    `with_dataset`, the files are checked together with the dataset, so that links to its
    resources (a wave, a group) count as links to resources of the right class."""
    report = _run(engine, files, "dataset" if with_dataset else "ontology", None, lang)
    if not with_dataset and report.count("Violation"):
        report.hint = _dataset_hint(report)
    return report


def _dataset_hint(report: Report) -> str | None:
    """Files that link to the dataset's resources (a wave, an actor) fail their class checks
    when checked alone: say so, and which flag checks them with the dataset."""
    from rdflib import URIRef

    from segur_kg.rdf.cache import dataset
    from segur_kg.rdf.namespaces import ID

    known = dataset()
    # The dataset's own resources and the NOS concepts it holds (a region a registry file
    # points to) alike.
    linked = [r for r in report.results if r.severity == "Violation" and r.value
              and (URIRef(r.value), None, None) in known]
    if not linked:
        return None
    example = linked[0].value.removeprefix(ID)
    return (f"{len(linked)} of the violations are links to resources of the dataset (such as "
            f"{example}), unknown to the files alone; add --with-dataset to check the files "
            "together with the dataset")


PART_STATEMENTS = 20_000  # statements per part of a store validated in parts: the engine checks
# parts of this size fastest (measured: 10,000 to 400,000)


def validate_store(store: Store, lang: str = "fr", engine: str = DEFAULT_ENGINE,
                   part_size: int = PART_STATEMENTS) -> Report:
    """What a store holds in its data graphs (the default graph, which holds the ontology too,
    and the registry graphs with their figures), streamed to files as N-Triples: the native
    engine parses that much faster than it converts an rdflib graph.

    A store without registry graphs is checked at once. One with them is checked in parts
    (stores.parts): the engine's cost grows faster than the data, and the national registries
    would not fit at once; the parts give the results of the whole.

    pyshacl-turbo also accepts an Oxigraph store as it is, but it then validates every graph
    of the store (the closure and the kept counts too) and dumps it whole internally."""
    import tempfile

    # held throughout: an import swapping the store meanwhile would mix two versions
    with store.in_use(), tempfile.TemporaryDirectory(prefix="segur-kg-") as folder:
        dump = Path(folder) / "store.nt"
        try:
            parts = store.parts(part_size, _inverse_predicates(), _ontology_hierarchy())
            if parts is None:
                with dump.open("wb") as stream:
                    store.dump_ntriples(stream)
                return validate_files([dump], lang, with_dataset=False, engine=engine)
            return _validate_parts(parts, dump, lang, engine)
        except SegurKgError as exc:
            raise _about_the_store(exc, store, dump) from None
        except OSError as exc:  # the engine reading the store, or a full temporary folder
            raise SegurKgError(f"{store.name}: cannot read the store to validate it "
                               f"({' '.join(str(exc).split())})") from None


def _about_the_store(exc: SegurKgError, store: Store, dump: Path) -> SegurKgError:
    """A store filled before the reader checked literals may hold what it refuses now: name
    the store, not the temporary dump and its line."""
    from segur_kg.common import paths

    shown = paths.display(dump)
    if not exc.message.startswith(shown):
        return exc
    why = exc.message[len(shown):].lstrip(":0123456789 ")
    return SegurKgError(f"{store.name}: the store holds data the reader refuses: {why}",
                        exc.exit_code)


def _inverse_predicates() -> dict[str, frozenset[str] | None]:
    """The predicates that shapes follow backwards (sh:inversePath), each with the classes of
    the resources they follow it back from, or None (every resource) when a shape follows it
    from elsewhere: a later step of a sequence path, a shape nested in another, a target other
    than a class."""
    from rdflib import URIRef
    from rdflib.namespace import SH

    shapes = _stamped_shapes()
    found: dict[str, frozenset[str] | None] = {}
    for step, predicate in shapes.subject_objects(SH.inversePath):
        if isinstance(predicate, URIRef):
            classes = _followed_from(shapes, step)
            known = found.get(str(predicate), frozenset())
            found[str(predicate)] = None if classes is None or known is None else known | classes
    return found


def _ontology_hierarchy() -> list[tuple[str, str]]:
    """The (subclass, class) pairs of the ontology the engine mixes into every part: the store
    may hold an older one."""
    from rdflib import RDFS, URIRef

    from segur_kg.checking.engines import cached_ontology

    graph, _text = cached_ontology()
    return sorted((str(lower), str(upper))
                  for lower, upper in graph.subject_objects(RDFS.subClassOf)
                  if isinstance(lower, URIRef) and isinstance(upper, URIRef))


def _followed_from(shapes: Graph, step: Node) -> frozenset[str] | None:
    """The classes targeted by the shapes whose property path begins with `step` (alone, or as
    one of alternatives); None when that cannot be said so simply."""
    from rdflib import OWL, RDF, RDFS
    from rdflib.namespace import SH

    if len(list(shapes.subject_predicates(step))) != 1:
        return None  # a path node shared by several paths
    path = step
    head = _list_head(shapes, step)
    if head is not None:  # one of alternatives, or a step of a sequence
        holders = list(shapes.subjects(SH.alternativePath, head))
        if len(holders) != 1:
            return None
        path = holders[0]
    owners = list(shapes.subjects(SH.path, path))
    if len(owners) != 1 or _referred(shapes, owners[0], SH.property):
        return None
    classes: set[str] = set()
    for shape in [owners[0], *shapes.subjects(SH.property, owners[0])]:
        if shape is not owners[0] and (_referred(shapes, shape, None)
                                       or shapes.value(shape, SH.path) is not None):
            # a node shape that other shapes use (its focus nodes are theirs too), or a
            # property shape (whose nested shapes check its values, not its focus nodes)
            return None
        if any(shapes.value(shape, target) is not None for target in
               (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)):
            return None
        classes.update(str(klass) for klass in shapes.objects(shape, SH.targetClass))
        if {RDFS.Class, OWL.Class} & set(shapes.objects(shape, RDF.type)):
            classes.add(str(shape))
    return frozenset(classes) if classes else None


def _list_head(graph: Graph, item: Node) -> Node | None:
    """The first cell of the RDF list holding `item`, or None (also for a list that loops)."""
    from rdflib import RDF

    cell, seen = next(iter(graph.subjects(RDF.first, item)), None), set()
    while cell is not None and cell not in seen:
        seen.add(cell)
        previous = next(iter(graph.subjects(RDF.rest, cell)), None)
        if previous is None:
            return cell
        cell = previous
    return None


def _referred(graph: Graph, node: Node, allowed: Node | None) -> bool:
    """Whether a statement of `graph` points to `node` by another predicate than `allowed`."""
    return any(predicate != allowed for predicate in graph.predicates(None, node))


def _validate_parts(parts: Iterator[Part], dump: Path, lang: str, engine: str) -> Report:
    """Each part checked on its own (with the ontology, as files are), keeping the results
    about its own subjects; one report of them all."""
    from rdflib import RDF, BNode, Literal
    from rdflib.namespace import SH

    from segur_kg.checking.engines import check
    from segur_kg.common import paths, progress
    from segur_kg.rdf.namespaces import new_graph

    shapes = _stamped_shapes()
    results: set[Result] = set()
    graph = new_graph()
    report = BNode()
    conforms = True
    with progress.bar("validate", None, unit="parts") as bar:
        for part in _ahead(parts, paths.display(dump)):
            dump.write_bytes(part.ntriples)
            try:
                checked = check(engine, shapes, [dump], "ontology",
                                focus=_focus(part.subjects, engine), read=True)
            except SegurKgError as exc:
                raise SegurKgError(f"{part.graph}: {exc.message}", exc.exit_code) from None
            kept = _about(checked.report, part.subjects)
            # A resource in two graphs is checked in the part of each: its results once.
            for node, result in zip(kept, _results(checked.report, shapes, checked.labels,
                                                   lang, kept), strict=True):
                if result in results:
                    continue
                results.add(result)
                # as the engines decide with allow_warnings: only violations break conformance
                conforms = conforms and result.severity != "Violation"
                graph += checked.report.cbd(node)
                graph.add((report, SH.result, node))
            bar.update(1)
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(conforms)))
    return Report(sorted(results, key=Result.sort_key), graph)


def _ahead(parts: Iterator[Part], shown: str) -> Iterator[Part]:
    """The parts, cut by a thread of their own while the engine checks the previous one
    (pyshacl-turbo and the store's dumps leave Python's lock while they work). The thread also
    reads each part's own statements as every file is read (rdf.reading: literals valid for
    their datatype), once: the context comes from statements read in their own part. Errors
    are named `shown`, as the store's whole dump would be."""
    import queue
    import threading

    from segur_kg.rdf.reading import check_ntriples

    ready: queue.Queue[tuple[Part | None, BaseException | None]] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def cut() -> None:
        try:
            for part in parts:
                if stop.is_set():
                    break
                check_ntriples(part.ntriples[:part.own], shown)
                ready.put((part, None))
            else:
                ready.put((None, None))
        except BaseException as exc:  # handed to the reader, raised there
            ready.put((None, exc))
        finally:
            parts.close()  # type: ignore[attr-defined]  # its temporary dump goes

    worker = threading.Thread(target=cut, name="segur-kg-parts", daemon=True)
    worker.start()
    try:
        while True:
            part, error = ready.get()
            if error is not None:
                raise error
            if part is None:
                return
            yield part
    finally:
        stop.set()
        with suppress(queue.Empty):  # a worker waiting to hand a part sees the stop
            ready.get_nowait()


def _focus(subjects: frozenset[str], engine: str) -> list[Node] | None:
    """The part's subjects as the engine's focus nodes: the other resources of the part are
    there to be read, and checking them would only give results to drop. None (check every
    node, then keep the results about the subjects) for pySHACL, which also filters the values
    its nested shapes check by them, and when blank nodes, which the engine renames, are
    among the subjects."""
    from rdflib import URIRef

    if engine != "pyshacl-turbo" or any(not s.startswith("<") for s in subjects):
        return None
    return [URIRef(subject[1:-1]) for subject in sorted(subjects)]


def _about(report: Graph, subjects: frozenset[str]) -> list[Node]:
    """The results of `report` whose focus node is one of `subjects`, or a blank node (only
    the part's own resources have them: the context is looked up by IRI)."""
    from rdflib import RDF, BNode
    from rdflib.namespace import SH

    return [node for node in report.subjects(RDF.type, SH.ValidationResult)
            if isinstance(focus := report.value(node, SH.focusNode), BNode)
            or (focus is not None and focus.n3() in subjects)]


def validate_graph(graph: Graph, lang: str = "fr", engine: str = DEFAULT_ENGINE) -> Report:
    """A whole graph (ontology and data, as a store holds them) against all shapes."""
    return _run(engine, [], "dataset", graph, lang)


def _run(engine: str, files: list[Path], mix: str, graph: Graph | None, lang: str) -> Report:
    from segur_kg.checking.engines import check

    shapes = _stamped_shapes()
    checked = check(engine, shapes, files, mix, graph)
    # A resource of a subclass meets a shared property shape once per class shape:
    # the same result twice says nothing more.
    results = set(_results(checked.report, shapes, checked.labels, lang))
    return Report(sorted(results, key=Result.sort_key), checked.report)


def _stamped_shapes() -> Graph:
    """load_shapes(), parsed again only when a shape file or the requirements table changed."""
    from segur_kg.checking.shapes import load_shapes, shape_files
    from segur_kg.common import paths
    from segur_kg.common.unchanged import while_unchanged

    return while_unchanged("shapes", [*shape_files(), paths.requirements_file()], load_shapes)


def _results(report: Graph, shapes: Graph, data: Graph, lang: str,
             nodes: list[Node] | None = None) -> list[Result]:
    """The results of `report` (or only its result `nodes`), read for people."""
    from rdflib import RDF
    from rdflib.namespace import DCTERMS, SH

    # One pass over the report instead of a lookup per field: a report of tens of thousands of
    # results (a systematic error in a large extension) is then read in seconds.
    fields: dict[Node, dict[Node, list[Node]]] = {}
    for predicate in (SH.focusNode, SH.resultSeverity, SH.sourceShape, SH.resultPath, SH.value,
                      SH.resultMessage):
        for subject, _predicate, value in report.triples((None, predicate, None)):
            fields.setdefault(subject, {}).setdefault(predicate, []).append(value)
    shape_names: dict[Node | None, tuple[str, str]] = {}
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult) if nodes is None else nodes:
        values = fields.get(node, {})
        focus, severity, shape = (_first(values, predicate) for predicate in
                                  (SH.focusNode, SH.resultSeverity, SH.sourceShape))
        if shape not in shape_names:
            requirement = shapes.value(shape, DCTERMS.identifier) if shape is not None else None
            shape_names[shape] = (str(requirement) if requirement is not None else "",
                                  _shape_name(shape, shapes))
        requirement, source_shape = shape_names[shape]
        results.append(
            Result(
                severity=_local_name(severity) if severity is not None else "Violation",
                requirement=requirement,
                focus=_term(focus, data),
                focus_label=label(data, focus, lang) if focus is not None else "",
                path=_path(report, _first(values, SH.resultPath), data),
                value=_term(_first(values, SH.value), data),
                message=pick_language(values.get(SH.resultMessage, []), lang),
                source_shape=source_shape,
            )
        )
    return results


def _first(values: dict[Node, list[Node]], predicate: Node) -> Node | None:
    found = values.get(predicate)
    return found[0] if found else None


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
        # A result without a value or path (a missing property) gives null, not "".
        rows = [{key: value if value != "" or key not in ("value", "path") else None
                 for key, value in asdict(result).items()} for result in report.results]
        return json.dumps(rows, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "turtle":
        from segur_kg.rdf.serialize import serialize

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
