"""Counts that show how big and how well labelled the graph is."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from segur_kg.rdf.namespaces import DEF, ID

if TYPE_CHECKING:
    from rdflib import Graph

    from segur_kg.stores import Store

STATS_FORMATS = ("table", "json")
LANGUAGES = ("fr", "en")


@dataclass
class Coverage:
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # "label@fr" → how many have it

    def percent(self, key: str) -> float:
        return round(100.0 * self.counts.get(key, 0) / self.total, 1) if self.total else 0.0


@dataclass
class Stats:
    triples: int
    classes: list[tuple[str, int]]  # (class, resources typed with it), sorted
    resources: Coverage
    terms: Coverage


def compute(graph: Graph) -> Stats:
    from rdflib import RDF, RDFS, Literal, URIRef
    from rdflib.namespace import SKOS

    manager = graph.namespace_manager
    per_class: dict[str, set[Any]] = {}
    for subject, klass in graph.subject_objects(RDF.type):
        per_class.setdefault(klass.n3(manager), set()).add(subject)
    # segur: classes first, then the other vocabularies, each alphabetically.
    classes = sorted(
        ((name, len(members)) for name, members in per_class.items()),
        key=lambda item: (not item[0].startswith("segur:"), item[0]),
    )

    def languages(node: URIRef, predicate: URIRef) -> set[str]:
        return {o.language for o in graph.objects(node, predicate)
                if isinstance(o, Literal) and o.language}

    subjects = {s for s in graph.subjects() if isinstance(s, URIRef)}
    resources = Coverage()
    terms = Coverage()
    for node in subjects:
        if str(node).startswith(ID):
            resources.total += 1
            for lang in languages(node, RDFS.label) & set(LANGUAGES):
                _bump(resources, f"label@{lang}")
        elif str(node).startswith(DEF) and str(node) != DEF:
            terms.total += 1
            for lang in languages(node, RDFS.label) & set(LANGUAGES):
                _bump(terms, f"label@{lang}")
            for lang in languages(node, SKOS.definition) & set(LANGUAGES):
                _bump(terms, f"definition@{lang}")
    return Stats(len(graph), classes, resources, terms)


def compute_store(store: Store) -> Stats:
    """The same counts, by queries that the store's engine evaluates (nothing copied)."""
    from segur_kg.publishing.counts import class_sizes, total
    from segur_kg.rdf.namespaces import new_graph

    counts = store.counts()
    manager = new_graph().namespace_manager
    classes = sorted(
        ((klass.n3(manager), size) for klass, size in class_sizes(counts).items()),
        key=lambda item: (not item[0].startswith("segur:"), item[0]),
    )
    triples = total(counts)
    resources, terms = Coverage(), Coverage()
    langs = ", ".join(f'"{lang}"' for lang in LANGUAGES)
    for coverage, kind, inside in (
            (resources, "label", f'STRSTARTS(STR(?s), "{ID}")'),
            (terms, "label", f'STRSTARTS(STR(?s), "{DEF}") && STR(?s) != "{DEF}"'),
            (terms, "definition", f'STRSTARTS(STR(?s), "{DEF}") && STR(?s) != "{DEF}"')):
        if not coverage.total:
            [(total,)] = store.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
                                      f"FILTER(isIRI(?s) && {inside}) }}")
            coverage.total = int(total)  # type: ignore[arg-type]
        predicate = "rdfs:label" if kind == "label" else "skos:definition"
        for lang, count in store.select(
                f"SELECT ?lang (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s {predicate} ?value "
                f"FILTER(isIRI(?s) && {inside}) BIND(LANG(?value) AS ?lang) "
                f"FILTER(?lang IN ({langs})) }} GROUP BY ?lang"):
            coverage.counts[f"{kind}@{lang}"] = int(count)  # type: ignore[arg-type]
    return Stats(triples, classes, resources, terms)


def _bump(coverage: Coverage, key: str) -> None:
    coverage.counts[key] = coverage.counts.get(key, 0) + 1


def _keys(kind: str) -> list[str]:
    keys = [f"label@{lang}" for lang in LANGUAGES]
    if kind == "terms":
        keys += [f"definition@{lang}" for lang in LANGUAGES]
    return keys


def render(stats: Stats, fmt: str) -> str:
    if fmt == "json":
        document = {
            "triples": stats.triples,
            "classes": {name: count for name, count in stats.classes},
            "coverage": {
                kind: {
                    "total": coverage.total,
                    **{key: {"count": coverage.counts.get(key, 0),
                             "percent": coverage.percent(key)} for key in _keys(kind)},
                }
                for kind, coverage in (("resources", stats.resources), ("terms", stats.terms))
            },
        }
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    lines = [f"triples: {stats.triples}", "resources per class:"]
    width = max((len(name) for name, _ in stats.classes), default=0)
    lines += [f"  {name.ljust(width)}  {count:>6}" for name, count in stats.classes]
    for kind, title, coverage in (
        ("resources", f"resources ({ID}…)", stats.resources),
        ("terms", f"vocabulary terms ({DEF}…)", stats.terms),
    ):
        lines.append(f"{title}: {coverage.total}")
        for key in _keys(kind):
            count = coverage.counts.get(key, 0)
            lines.append(f"  {key:<14} {count:>6}  {coverage.percent(key):5.1f}%")
    return "\n".join(lines) + "\n"
