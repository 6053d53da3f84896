"""Human-readable names for graph nodes, in the language the user asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

LANGUAGES = ("fr", "en")


def label(graph: Graph, node: Node, lang: str = "fr") -> str:
    """rdfs:label in `lang`, else in the other language, else any plain label, else the
    IRI in its prefixed form (`dcterms:source`) when a prefix is bound, else the IRI."""
    from rdflib import RDFS, SKOS, Literal, URIRef

    if not isinstance(node, URIRef):
        return str(node) if isinstance(node, Literal) else blank_text(node)
    by_lang: dict[str | None, list[str]] = {}
    for value in graph.objects(node, RDFS.label):
        if isinstance(value, Literal):
            by_lang.setdefault(value.language, []).append(str(value))
    if not by_lang:
        # NOS concepts are named by skos:prefLabel only.
        for value in graph.objects(node, SKOS.prefLabel):
            if isinstance(value, Literal):
                by_lang.setdefault(value.language, []).append(str(value))
    other = [code for code in LANGUAGES if code != lang]
    for code in [lang, *other, None]:
        if by_lang.get(code):
            return min(by_lang[code])  # several labels: pick one the same way every time
    try:
        return graph.namespace_manager.curie(str(node), generate=False)
    except (KeyError, ValueError):
        return str(node)


def blank_text(node: Node) -> str:
    # Blank-node labels are random; printing them would make outputs differ between runs.
    return "[]"


def pick_language(values: list[Node], lang: str) -> str:
    """The literal in `lang`, else in the other language, else any; '' when there is none."""
    from rdflib import Literal

    literals = [value for value in values if isinstance(value, Literal)]
    other = [code for code in LANGUAGES if code != lang]
    for code in [lang, *other]:
        matching = sorted(str(value) for value in literals if value.language == code)
        if matching:
            return matching[0]
    return min((str(value) for value in literals), default="")
