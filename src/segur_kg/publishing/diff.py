"""A semantic diff of two graphs, grouped by resource, with labels.

Each side is an RDF file or a folder (every RDF file in it and its sub-folders, merged).
Blank nodes are compared by their content (what they state, recursively), so renaming one is
no change; a statement whose object is a blank node shows that node's content inline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.common.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

DIFF_FORMATS = ("text", "md")
KINDS = ("changed", "removed", "added")
_KIND_WORDS = {
    "fr": {"changed": "modifié", "removed": "retiré", "added": "ajouté"},
    "en": {"changed": "changed", "removed": "removed", "added": "added"},
}
_MAX_DEPTH = 4  # nested blank nodes shown inline up to this depth


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    predicate: Node
    old: tuple[Node, ...] = ()
    new: tuple[Node, ...] = ()


@dataclass
class ResourceDiff:
    subject: Node
    changes: list[Change] = field(default_factory=list)


@dataclass
class GraphDiff:
    old_size: int
    new_size: int
    resources: list[ResourceDiff]
    old: Graph
    new: Graph

    def count(self, kind: str) -> int:
        return sum(1 for r in self.resources for c in r.changes if c.kind == kind)


def side_files(path: Path) -> list[Path]:
    """One file, or every RDF file under a folder (hidden entries skipped), in order."""
    from segur_kg.rdf.reading import FORMATS

    if not path.exists():
        raise SegurKgError(f"{path}: no such file or folder; give an RDF file or a folder")
    if path.is_file():
        return [path]
    files = sorted(
        item for item in path.rglob("*")
        if item.is_file() and item.suffix.lower() in FORMATS
        and not any(part.startswith(".") for part in item.relative_to(path).parts)
    )
    if not files:
        known = " ".join(sorted(FORMATS))
        raise SegurKgError(f"{path}: the folder holds no RDF file ({known}); check the path")
    return files


def compare(old: Graph, new: Graph) -> GraphDiff:
    """Statements only in `old` or only in `new`, grouped by subject and predicate."""
    from rdflib import BNode, Literal

    old_c, new_c = content_labelled(old), content_labelled(new)
    removed = set(old_c) - set(new_c)
    added = set(new_c) - set(old_c)
    grouped: dict[tuple[Node, Node, str | None], dict[str, list[Node]]] = {}

    def inline(graph: Graph, subject: Node) -> bool:
        # A blank node some statement points to is shown inside that statement.
        return isinstance(subject, BNode) and (None, None, subject) in graph

    for kind, triples, context in (("removed", removed, old_c), ("added", added, new_c)):
        for s, p, o in triples:
            if inline(context, s):
                continue
            language = o.language if isinstance(o, Literal) else None
            grouped.setdefault((s, p, language), {"removed": [], "added": []})[kind].append(o)

    by_subject: dict[Node, ResourceDiff] = {}
    for (s, p, _), sides in grouped.items():
        old_values = tuple(sorted(sides["removed"], key=_key))
        new_values = tuple(sorted(sides["added"], key=_key))
        resource = by_subject.setdefault(s, ResourceDiff(s))
        if old_values and new_values:
            resource.changes.append(Change("changed", p, old_values, new_values))
        elif old_values:
            resource.changes.extend(Change("removed", p, (value,), ()) for value in old_values)
        else:
            resource.changes.extend(Change("added", p, (), (value,)) for value in new_values)
    resources = sorted(by_subject.values(), key=lambda r: (isinstance(r.subject, BNode),
                                                           _key(r.subject)))
    for resource in resources:
        resource.changes.sort(key=lambda c: (_key(c.predicate), KINDS.index(c.kind),
                                             [_key(v) for v in c.old + c.new]))
    return GraphDiff(len(old), len(new), resources, old_c, new_c)


def content_labelled(graph: Graph) -> Graph:
    """A copy where each blank node is named after what it says, recursively.

    rdflib's canonical labels (graph_diff) are only unique within one graph: a blank node
    whose content changed can keep its label, which would hide the change. Naming a blank
    node after its content makes the same node equal, and a changed one different, across
    both graphs.
    """
    import hashlib

    from rdflib import BNode

    from segur_kg.rdf.namespaces import new_graph

    names: dict[Node, str] = {}

    def name(start: Node) -> str:
        # Depth first with a stack, not recursion: a list of thousands of items is a chain of
        # blank nodes that deep. A node is named once all the blank nodes it points to are.
        stack, on_path = [(start, False)], set()
        while stack:
            node, children_named = stack.pop()
            if node in names:
                continue
            objects = list(graph.predicate_objects(node))
            if not children_named:
                on_path.add(node)
                stack.append((node, True))
                stack.extend((o, False) for _, o in objects
                             if isinstance(o, BNode) and o not in names and o not in on_path)
                continue
            on_path.discard(node)
            # A blank node still unnamed is on the path: a loop, the rest is already counted.
            parts = sorted(f"{p.n3()} {names.get(o, 'cycle') if isinstance(o, BNode) else o.n3()}"
                           for p, o in objects)
            digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:24]
            names[node] = f"c{digest}"
        return names[start]

    def fixed(node: Node) -> Node:
        return BNode(name(node)) if isinstance(node, BNode) else node

    out = new_graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=False)
    for s, p, o in graph:
        out.add((fixed(s), p, fixed(o)))
    return out


def _key(node: Node) -> str:
    return node.n3()


class _Namer:
    """Labels from the new graph, else the old one, else the ontology; prefixed names else."""

    def __init__(self, diff: GraphDiff, lang: str) -> None:
        from segur_kg.rdf.namespaces import new_graph
        from segur_kg.rdf.reading import load_ontology

        try:
            ontology = load_ontology()
        except SegurKgError:
            ontology = new_graph()
        self.graphs = [diff.new, diff.old, ontology]
        self.prefixes = new_graph()
        for graph in (diff.old, diff.new):
            for prefix, namespace in graph.namespaces():
                self.prefixes.bind(prefix, namespace, override=False)
        self.lang = lang

    def label(self, node: Node) -> str | None:
        from rdflib import RDFS
        from rdflib.namespace import SKOS

        from segur_kg.common.labels import pick_language

        for predicate in (RDFS.label, SKOS.prefLabel):
            for graph in self.graphs:
                text = pick_language(list(graph.objects(node, predicate)), self.lang)
                if text:
                    return text
        return None

    def short(self, node: Node) -> str:
        try:
            return self.prefixes.namespace_manager.curie(str(node), generate=False)
        except (KeyError, ValueError):
            return f"<{node}>"

    def term(self, node: Node) -> str:
        """`label (prefix:name)` for an IRI, the literal's N3 form for a literal."""
        from rdflib import BNode, Literal

        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, BNode):
            return "[]"
        name = self.label(node)
        return f"{name} ({self.short(node)})" if name else self.short(node)

    def literal(self, node: Node) -> str:
        from rdflib import XSD

        text = '"' + str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype and node.datatype != XSD.string:
            return f"{text}^^{self.short(node.datatype)}"
        return text

    def value(self, graph: Graph, node: Node, depth: int = 0, seen: frozenset = frozenset()) -> str:
        """A term, with a blank node's statements written out as `[ p o ; … ]`."""
        from rdflib import RDF, BNode

        if not isinstance(node, BNode):
            return self.term(node)
        if depth >= _MAX_DEPTH or node in seen:
            return "[…]"
        seen = seen | {node}
        items = _list_items(graph, node)
        if items is not None:
            return "( " + " ".join(self.value(graph, i, depth + 1, seen) for i in items) + " )"
        parts = sorted(
            f"{self.short(p) if p == RDF.type else self.term(p)} "
            f"{self.value(graph, o, depth + 1, seen)}"
            for p, o in graph.predicate_objects(node)
        )
        return "[ " + " ; ".join(parts) + " ]" if parts else "[]"


def _list_items(graph: Graph, node: Node) -> list[Node] | None:
    from rdflib import RDF

    items: list[Node] = []
    seen = set()
    while node != RDF.nil:
        first = graph.value(node, RDF.first)
        if first is None or node in seen:
            return None
        seen.add(node)
        items.append(first)
        node = graph.value(node, RDF.rest)
        if node is None:
            return None
    return items


def render(diff: GraphDiff, fmt: str, lang: str, old_name: str, new_name: str) -> str:
    namer = _Namer(diff, lang)
    words = _KIND_WORDS[lang]
    if fmt == "md":
        return _render_md(diff, namer, words, lang, old_name, new_name)
    return _render_text(diff, namer, words, lang, old_name, new_name)


def _summary(diff: GraphDiff, words: dict[str, str], lang: str) -> str:
    counts = ", ".join(f"{diff.count(kind)} {words[kind]}" for kind in KINDS)
    if lang == "fr":
        return f"{len(diff.resources)} ressource(s) ; énoncés : {counts}"
    return f"{len(diff.resources)} resource(s); statements: {counts}"


def _heading(namer: _Namer, subject: Node) -> tuple[str, str]:
    from rdflib import BNode

    if isinstance(subject, BNode):
        return "[]", ""
    return namer.label(subject) or namer.short(subject), f"<{subject}>"


def _values(namer: _Namer, graph: Graph, values: tuple[Node, ...]) -> str:
    return ", ".join(namer.value(graph, value) for value in values)


def _render_text(diff: GraphDiff, namer: _Namer, words: dict[str, str], lang: str,
                 old_name: str, new_name: str) -> str:
    triples = "triplets" if lang == "fr" else "triples"
    lines = [f"--- {old_name} ({diff.old_size} {triples})",
             f"+++ {new_name} ({diff.new_size} {triples})"]
    if not diff.resources:
        lines.append("aucune différence" if lang == "fr" else "no differences")
        return "\n".join(lines) + "\n"
    lines.append(_summary(diff, words, lang))
    width = max(len(word) for word in words.values())
    for resource in diff.resources:
        title, iri = _heading(namer, resource.subject)
        lines.extend(["", f"{title}  {iri}".rstrip()])
        for change in resource.changes:
            mark = {"changed": "~", "removed": "-", "added": "+"}[change.kind]
            head = f"  {mark} {words[change.kind]:<{width}}  {namer.term(change.predicate)}: "
            if change.kind == "changed":
                body = (f"{_values(namer, diff.old, change.old)} → "
                        f"{_values(namer, diff.new, change.new)}")
            elif change.kind == "removed":
                body = _values(namer, diff.old, change.old)
            else:
                body = _values(namer, diff.new, change.new)
            lines.append(head + body)
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Escape Markdown's inline syntax in free text."""
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


def _render_md(diff: GraphDiff, namer: _Namer, words: dict[str, str], lang: str,
               old_name: str, new_name: str) -> str:
    title = "Différences" if lang == "fr" else "Differences"
    triples = "triplets" if lang == "fr" else "triples"
    lines = [f"# {title}", "",
             f"- old: `{old_name}` ({diff.old_size} {triples})",
             f"- new: `{new_name}` ({diff.new_size} {triples})"]
    if not diff.resources:
        lines += ["", "Aucune différence." if lang == "fr" else "No differences."]
        return "\n".join(lines) + "\n"
    lines += ["", _md(_summary(diff, words, lang))]
    for resource in diff.resources:
        heading, iri = _heading(namer, resource.subject)
        lines += ["", f"## {_md(heading)}"]
        if iri:
            lines += ["", iri]  # an autolink
        lines.append("")
        for change in resource.changes:
            old = _md(_values(namer, diff.old, change.old))
            new = _md(_values(namer, diff.new, change.new))
            body = {"changed": f"{old} → {new}", "removed": old, "added": new}[change.kind]
            lines.append(f"- **{words[change.kind]}** {_md(namer.term(change.predicate))}: {body}")
    return "\n".join(lines) + "\n"


def run(old: Path, new: Path, fmt: str, lang: str) -> tuple[str, bool]:
    """The rendered diff of two paths, and whether they differ."""
    result = compare_sides(old, new)
    text = render(result, fmt, lang, str(old), str(new))
    return text, bool(result.resources)


# --- two sides of any size -------------------------------------------------------------------
#
# Each side is read once, written as N-Triples and sorted in bounded memory (the external sort of
# publishing.streaming); a walk through both sorted files finds the statements only one side
# has. Only those, the statements about blank nodes (compared by content, as above) and the
# labels of the IRIs they name become rdflib graphs, so memory follows the change, not the
# sides.

_LABEL_PREDICATES = (b"<http://www.w3.org/2000/01/rdf-schema#label>",
                     b"<http://www.w3.org/2004/02/skos/core#prefLabel>")


@dataclass
class _Side:
    lines: Path  # the sorted N-Triples lines without blank nodes, each once
    blank: list[bytes]  # the lines with a blank node
    prefixes: dict[str, str]  # those the files declare, for showing names
    size: int = 0  # statements


def compare_sides(old: Path, new: Path) -> GraphDiff:
    """compare() of two paths, in memory that follows the change."""
    import tempfile

    from segur_kg.rdf.namespaces import new_graph

    with tempfile.TemporaryDirectory(prefix="segur-kg-diff-") as folder:
        work = Path(folder)
        sides = [_sorted_side(path, work / name) for path, name in ((old, "old"), (new, "new"))]
        only = _differing(sides[0].lines, sides[1].lines)
        named: set[bytes] = set()
        for lines in (*only, sides[0].blank, sides[1].blank):
            for line in lines:
                named.update(_iris(line))
        graphs = []
        for side, differing in zip(sides, only, strict=True):
            graph = new_graph()
            text = b"".join([*differing, *side.blank, *_labels(side.lines, named)])
            graph.parse(data=text.decode("utf-8"), format="nt")
            for prefix, namespace in side.prefixes.items():
                graph.bind(prefix, namespace, override=False)
            graphs.append(graph)
    result = compare(graphs[0], graphs[1])
    result.old_size, result.new_size = sides[0].size, sides[1].size
    return result


def _sorted_side(path: Path, work: Path) -> _Side:
    from pyoxigraph import RdfFormat, Triple, serialize

    from segur_kg.publishing.streaming import merge_sorted, sorted_runs
    from segur_kg.rdf.reading import read_triples

    work.mkdir()
    dump = work / "side.nt"
    prefixes: dict[str, str] = {}
    with dump.open("wb") as stream:
        for item in side_files(path):  # each file has blank nodes of its own, as in rdflib
            declared: dict[str, str] = {}
            serialize((Triple(*triple) for triple in read_triples(item, declared)),
                      output=stream, format=RdfFormat.N_TRIPLES)
            for prefix, namespace in declared.items():
                prefixes.setdefault(prefix, namespace)
    runs, blank = sorted_runs(dump, work)
    dump.unlink()
    side = _Side(work / "sorted.nt", sorted(set(blank)), prefixes)
    with side.lines.open("wb", buffering=1 << 20) as stream:
        for line in merge_sorted(runs):
            stream.write(line)
            side.size += 1
    side.size += len(side.blank)
    return side


def _differing(old: Path, new: Path) -> tuple[list[bytes], list[bytes]]:
    """The lines only `old` has and those only `new` has, from two sorted files."""
    removed: list[bytes] = []
    added: list[bytes] = []
    with old.open("rb") as left, new.open("rb") as right:
        a, b = left.readline(), right.readline()
        while a or b:
            if a and (not b or a < b):
                removed.append(a)
                a = left.readline()
            elif b and (not a or b < a):
                added.append(b)
                b = right.readline()
            else:
                a, b = left.readline(), right.readline()
    return removed, added


def _iris(line: bytes) -> list[bytes]:
    """The IRIs (as written, <…>) of an N-Triples line's subject, predicate and object."""
    parts = line.split(b" ", 2)
    found = [part for part in parts[:2] if part.startswith(b"<")]
    if parts[2].startswith(b"<"):
        found.append(parts[2][:parts[2].index(b">") + 1])
    return found


def _labels(lines: Path, named: set[bytes]) -> list[bytes]:
    """The label lines, in a sorted file, of the IRIs in `named`."""
    found = []
    with lines.open("rb") as stream:
        for line in stream:
            subject, _, rest = line.partition(b" ")
            if subject in named and rest.startswith(_LABEL_PREDICATES):
                found.append(line)
    return found
