"""An Oxigraph store cut into parts that a SHACL engine checks one at a time, for the results it
would give on the whole: the national registries are too large to validate at once, the engine's
cost growing faster than the store.

The first part is the default graph with the named graphs to keep `whole` (the reference tables
the registries share, which SPARQL-based shapes read as a whole), checked at once, with what
its resources read in the registry graphs. Every other
data graph (a registry import, the national figures) is dumped by the engine in its index order,
subject first, so that each subject's statements come together, and cut at subject boundaries
into parts of about `size` statements. A part holds its subjects' statements in every data graph
and what their shapes read beyond them: the classes of the resources they point to, and the
statements of the predicates shapes follow backwards (sh:inversePath) that point to the subjects
or to what they point to (each predicate only to the resources of the classes whose shapes
follow it back, when the shapes say so), with the classes of those statements' subjects, and the
store's class hierarchy. Only the results about a part's own subjects count: the other resources in it are
there to be read, not checked.

What the shapes read is known from them: one step along a statement, or back, and classes. A
shape that reads further from a registry resource (a SPARQL constraint, a value's own values)
would need more context here; the registries' shapes (R-52 to R-61, and the general ones their
classes meet) read no further.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# predicate followed backwards by shapes → the classes of the resources they follow it back
# from, or None for every resource (checking.validate reads them from the shapes)
Inverse = Mapping[str, frozenset[str] | None]
# (subclass, class) IRIs the engine reads beside the store (the ontology it mixes in)
Hierarchy = Iterable[tuple[str, str]]
SUB_CLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
CACHED = 200_000  # resources whose context is kept from one part to the next


@dataclass(frozen=True)
class Part:
    graph: str  # what the part comes from, for messages
    subjects: frozenset[str]  # IRIs and blank nodes in N-Triples form: the resources checked
    ntriples: bytes  # the part's own statements, then their context
    own: int  # how many bytes of `ntriples` are its own statements (of the graphs it cuts)


def cut(store: Any, graphs: list[Any], whole: set[str], size: int,
        inverse: Inverse, hierarchy: Hierarchy = ()) -> Iterator[Part]:
    """The parts of the data graphs `graphs` (pyoxigraph graph names, the default graph first)
    of the pyoxigraph `store`; each graph's dump waits in a temporary file while it is cut."""
    from pyoxigraph import DefaultGraph, RdfFormat

    first = BytesIO()
    together, rest = [], []
    for graph in graphs:
        if isinstance(graph, DefaultGraph) or graph.value in whole:
            store.dump(output=first, format=RdfFormat.N_TRIPLES, from_graph=graph)
            together.append(graph)
        else:
            rest.append(graph)
    context = _Context(store, graphs, inverse, hierarchy)
    own = first.getvalue()
    statements = own.splitlines(keepends=True)
    subjects = list(dict.fromkeys(_subject(line).decode("utf-8") for line in statements))
    yield Part("default graph", frozenset(subjects), own + context.of(
        together, [subject for subject in subjects if subject.startswith("<")], statements),
        len(own))
    # The class hierarchy the store holds (the ontology, and any extension's), for sh:class.
    hierarchy = context.hierarchy()
    for graph in rest:
        with tempfile.NamedTemporaryFile(prefix="segur-kg-part-", suffix=".nt") as dump:
            store.dump(output=dump.name, format=RdfFormat.N_TRIPLES, from_graph=graph)
            with open(dump.name, "rb") as lines:
                for subjects, statements in _by_subjects(lines, size):
                    _no_blank_nodes(graph.value, statements)
                    own = b"".join(statements)
                    yield Part(graph.value, frozenset(subjects), b"".join(
                        [own, context.of([graph], subjects, statements), hierarchy]), len(own))


def _subject(line: bytes) -> bytes:
    return line[:line.index(b" ")]  # an IRI or a blank node label holds no space


def _object(line: bytes) -> str:
    """The object of an N-Triples line, in N-Triples form."""
    return line.split(b" ", 2)[2][:-3].decode("utf-8")


def _no_blank_nodes(graph: str, statements: list[bytes]) -> None:
    """The importers write no blank node; one in a registry graph cannot be followed from part
    to part (its label is the engine's), so the store cannot be checked in parts."""
    from segur_kg.common.errors import SegurKgError

    for line in statements:
        if line.startswith(b"_:") or line.split(b" ", 2)[2].startswith(b"_:"):
            raise SegurKgError(
                f"{graph}: holds blank nodes, which no import writes ({line.decode()[:80]!r}); "
                "import the registry again (segur-kg import) to replace the graph")


def _by_subjects(lines: Iterable[bytes], size: int) -> Iterator[tuple[list[str], list[bytes]]]:
    """Lines of N-Triples grouped by subject, in groups of `size` lines or a little more, never
    splitting a subject (the engine dumps a graph subject first, each subject's statements
    together; a subject met again would only be checked twice, with all its statements)."""
    subjects: list[str] = []
    statements: list[bytes] = []
    last = b""
    for line in lines:
        subject = _subject(line)
        if subject != last:
            if len(statements) >= size:
                yield subjects, statements
                subjects, statements = [], []
            subjects.append(subject.decode("utf-8"))
            last = subject
        statements.append(line)
    if statements:
        yield subjects, statements


class _Context:
    """What the shapes of a part's subjects read beyond the part, looked up in the store's data
    graphs resource by resource (index lookups: a SPARQL join over tens of thousands of values
    costs far more). A subject's statements are looked up one other graph at a time (its own,
    the most, would come too from all graphs at once), its classes in all graphs at once."""

    def __init__(self, store: Any, graphs: list[Any], inverse: Inverse,
                 hierarchy: Hierarchy) -> None:
        from pyoxigraph import NamedNode

        self.store = store
        self.graphs = graphs
        self.data = set(graphs)
        self.rdf_type = NamedNode(RDF_TYPE)
        sub_class_of = NamedNode(SUB_CLASS_OF)
        # the store's class hierarchy, read once: every registry part carries it
        self.sub_class_of = [quad for graph in graphs
                             for quad in store.quads_for_pattern(None, sub_class_of, None, graph)]
        subclasses = self._subclasses(hierarchy)
        # each predicate followed backwards, with the data graphs that hold it and the classes
        # (N-Triples, with their subclasses) of the resources it is followed back from
        self.inverse = [
            (NamedNode(predicate),
             [graph for graph in graphs if next(store.quads_for_pattern(
                 None, NamedNode(predicate), None, graph), None) is not None],
             None if classes is None else frozenset().union(
                 *(subclasses.get(f"<{klass}>", {f"<{klass}>"}) for klass in classes)))
            for predicate, classes in sorted(inverse.items())]
        self.around: dict[str, bytes] = {}  # resource → its classes and backward statements

    def of(self, own: list[Any], subjects: list[str], statements: list[bytes]) -> bytes:
        """The context of a part made of `statements` of the graphs `own`, about `subjects`
        (IRIs); a subject met again in a later part fetches its statements of `own` too."""
        mine = {str(graph) for graph in own}
        others = [graph for graph in self.graphs if str(graph) not in mine]
        found = list(statements)
        for subject in subjects:  # the subjects' statements in the other data graphs
            node = _node(subject)
            for other in others:
                found += map(_line, self.store.quads_for_pattern(node, None, None, other))
        out = found[len(statements):]
        classes: dict[str, set[str]] = {}
        typed = f" <{RDF_TYPE}> ".encode()
        for line in found:
            if typed in line:
                classes.setdefault(_subject(line).decode("utf-8"), set()).add(_object(line))
        for subject in subjects:
            out += self._backward(_node(subject), classes.get(subject, set()))
        pointed = {_object(line) for line in found}
        for target in sorted(pointed - set(subjects)):
            if target.startswith("<"):
                out.append(self._around(target))
        return b"".join(out)

    def hierarchy(self) -> bytes:
        return b"".join(map(_line, self.sub_class_of))

    def _subclasses(self, hierarchy: Hierarchy) -> dict[str, set[str]]:
        """Each class (N-Triples) → itself and its subclasses, at any depth, in the store's
        hierarchy and `hierarchy` together."""
        below: dict[str, set[str]] = {}
        for quad in self.sub_class_of:
            below.setdefault(str(quad.object), set()).add(str(quad.subject))
        for lower, upper in hierarchy:
            below.setdefault(f"<{upper}>", set()).add(f"<{lower}>")
        closed: dict[str, set[str]] = {}
        for klass in below:
            seen, todo = {klass}, [klass]
            while todo:
                for lower in below.get(todo.pop(), ()):
                    if lower not in seen:
                        seen.add(lower)
                        todo.append(lower)
            closed[klass] = seen
        return closed

    def _around(self, target: str) -> bytes:
        found = self.around.get(target)
        if found is None:
            node = _node(target)
            classes = self._classes(node)
            found = b"".join([*classes, *self._backward(node, set(map(_object, classes)))])
            if len(self.around) >= CACHED:
                self.around.clear()
            self.around[target] = found
        return found

    def _classes(self, node: Any) -> list[bytes]:
        return [_line(quad) for quad in self.store.quads_for_pattern(node, self.rdf_type, None)
                if quad.graph_name in self.data]

    def _backward(self, node: Any, classes: set[str]) -> list[bytes]:
        """The statements of the inverse predicates pointing to `node`, whose `classes` say
        which of them its shapes follow back, with the classes of their subjects."""
        out = []
        for predicate, graphs, followed_from in self.inverse:
            if followed_from is not None and followed_from.isdisjoint(classes):
                continue
            for graph in graphs:
                for quad in self.store.quads_for_pattern(None, predicate, node, graph):
                    out.append(_line(quad))
                    out += self._classes(quad.subject)
        return out


def _node(text: str) -> Any:
    from pyoxigraph import BlankNode, NamedNode

    return NamedNode(text[1:-1]) if text.startswith("<") else BlankNode(text[2:])


def _line(quad: Any) -> bytes:
    return f"{quad.subject} {quad.predicate} {quad.object} .\n".encode()
