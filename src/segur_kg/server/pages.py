"""The HTML pages of the server, in French or English: home, resource and class pages, the
query form and its results. Pages need no script and no network: they work offline.

Only http(s) IRIs become links: an IRI from the data or from a query answer can be anything,
and a browser runs `javascript:`, `vbscript:` and `data:` links; other IRIs are shown as text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from segur_kg.common.labels import LANGUAGES, label, pick_language
from segur_kg.rdf.namespaces import DEF, ID, ONTOLOGY_IRI

if TYPE_CHECKING:
    from jinja2 import Environment
    from rdflib import Graph
    from rdflib.term import Node

    from segur_kg.querying.catalog import NamedQuery

# Where the IRIs the server answers for live; the base IRI of a running server replaces it.
ROOT = "https://w3id.org/segur/"
SKIPPED_CLASS_NAMESPACES = (
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
)
HTML_FORMATS = ("html", "json", "xml", "csv", "tsv", "ttl", "jsonld", "nt", "rdf")
# Browsers drop leading spaces and control characters and any tab or newline before reading a
# scheme, so the scheme must be the very first characters; ASCII only (re.IGNORECASE alone
# would let "ſ" match "s").
_LINKABLE = re.compile(r"https?://", re.ASCII | re.IGNORECASE)

UI: dict[str, dict[str, str]] = {
    "fr": {
        "site": "Graphe de connaissances du Ségur du numérique en santé",
        "intro": "Le programme Ségur du numérique en santé en données liées : qui pilote quoi, "
                 "quels services nationaux existent et qui les opère, quelles catégories de "
                 "logiciels sont dans quelle vague, comment le programme est financé. Chaque "
                 "fait cite sa source.",
        "home": "Accueil", "query": "Requête SPARQL", "void": "Description VoID",
        "dump": "Tout le graphe (Turtle)", "other_lang": "English", "triples": "triplets",
        "vocab_classes": "Classes du vocabulaire", "other_classes": "Autres classes",
        "labels": "Libellés", "definition": "Définition", "types": "Types",
        "outgoing": "Relations sortantes", "incoming": "Relations entrantes",
        "sources": "Sources", "instances": "Membres de la classe", "formats": "Autres formats",
        "shown_of": "{shown} affichés sur {total}",
        "examples": "Questions de compétence", "run": "Exécuter", "format": "Format",
        "results": "Résultats", "rows": "lignes", "truncated": "Résultat tronqué à",
        "edit": "Modifier la requête", "not_found": "Ressource inconnue",
        "not_found_text": "Aucune ressource de ce graphe n'a cette IRI.",
        "endpoint": "Point d'accès SPARQL", "true": "vrai", "false": "faux",
        "query_help": "Écrivez une requête SPARQL (SELECT, ASK, CONSTRUCT ou DESCRIBE) ou partez "
                      "d'une des questions ci-dessous. Les préfixes usuels (segur:, id:, rdfs:, "
                      "skos:, dcterms:…) sont déjà déclarés.",
        "error": "Erreur",
    },
    "en": {
        "site": "Ségur digital health knowledge graph",
        "intro": "France's Ségur digital health programme as linked data: who steers what, "
                 "which national services exist and who runs them, which software categories "
                 "are in which wave, how the programme is funded. Every fact cites its source.",
        "home": "Home", "query": "SPARQL query", "void": "VoID description",
        "dump": "The whole graph (Turtle)", "other_lang": "Français", "triples": "triples",
        "vocab_classes": "Vocabulary classes", "other_classes": "Other classes",
        "labels": "Labels", "definition": "Definition", "types": "Types",
        "outgoing": "Outgoing relations", "incoming": "Incoming relations",
        "sources": "Sources", "instances": "Members of the class", "formats": "Other formats",
        "shown_of": "{shown} shown of {total}",
        "examples": "Competency questions", "run": "Run", "format": "Format",
        "results": "Results", "rows": "rows", "truncated": "Answer truncated at",
        "edit": "Edit the query", "not_found": "Unknown resource",
        "not_found_text": "No resource of this graph has this IRI.",
        "endpoint": "SPARQL endpoint", "true": "true", "false": "false",
        "query_help": "Write a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE) or start from "
                      "one of the questions below. The usual prefixes (segur:, id:, rdfs:, "
                      "skos:, dcterms:…) are already declared.",
        "error": "Error",
    },
}


@dataclass(frozen=True)
class Link:
    href: str | None  # None: shown as text, not as a link
    text: str
    iri: str
    external: bool = False


@dataclass(frozen=True)
class Value:
    """An object or subject shown in a table: a link, or a literal with its language."""
    link: Link | None = None
    text: str = ""
    lang: str = ""


class Site:
    """Turns graph nodes into page links for one server (base IRI) and one language."""

    def __init__(self, graph: Graph, base: str, lang: str) -> None:
        self.graph = graph
        self.base = base
        self.lang = lang

    def href(self, iri: str) -> tuple[str | None, bool]:
        """(address, external): our IRIs map onto the base; other IRIs described in the graph
        get a page here; the rest link out when they are http(s), else get no address."""
        from rdflib import URIRef

        if iri == ONTOLOGY_IRI or iri.startswith((ID, DEF)):
            return self.base + iri[len(ROOT):], False
        if _has_subject(self.graph, URIRef(iri)):
            return f"{self.base}resource?iri={quote(iri, safe='')}", False
        return (iri if linkable(iri) else None), True

    def link(self, node: Node) -> Link:
        href, external = self.href(str(node))
        return Link(href, label(self.graph, node, self.lang), str(node), external)

    def value(self, node: Node) -> Value:
        from rdflib import Literal, URIRef

        if isinstance(node, URIRef):
            return Value(link=self.link(node))
        if isinstance(node, Literal):
            return Value(text=str(node), lang=node.language or "")
        return Value(text=label(self.graph, node, self.lang))


def linkable(iri: str) -> bool:
    return _LINKABLE.match(iri) is not None


def _has_subject(graph: Graph, node: Node) -> bool:
    return next(graph.triples((node, None, None)), None) is not None


def is_known(graph: Graph, node: Node) -> bool:
    """An IRI the graph says something about, or that something points to."""
    return _has_subject(graph, node) or next(graph.triples((None, None, node)), None) is not None


@cache
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("segur_kg.server", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def stylesheet() -> str:
    """The pages' CSS, inlined so that a page needs no other request."""
    from markupsafe import Markup

    loader = environment().loader
    assert loader is not None
    return Markup(loader.get_source(environment(), "style.css")[0])


def style_source() -> str:
    """The Content-Security-Policy source that allows the inline stylesheet (and nothing
    else inline)."""
    digest = hashlib.sha256(stylesheet().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def render(template: str, site: Site, path: str, **context: Any) -> str:
    other = "en" if site.lang == "fr" else "fr"
    # `path` comes from the request: percent-encoded and with a single leading slash, the
    # language switch stays on this site ("//host/…" would be a link to another one).
    path = "/" + quote(path, safe="/?=&%:@!$'()*+,;~").lstrip("/")
    separator = "&" if "?" in path else "?"
    return environment().get_template(template).render(
        lang=site.lang, ui=UI[site.lang], base=site.base, switch=f"{path}{separator}lang={other}",
        style=stylesheet(), **context,
    )


def _sorted_values(site: Site, nodes: list[Node]) -> list[Value]:
    values = [site.value(node) for node in nodes]
    return sorted(values, key=lambda v: ((v.link.text if v.link else v.text).casefold(),
                                         v.link.iri if v.link else v.lang))


def _grouped(site: Site, pairs: list[tuple[Node, Node]]) -> list[tuple[Link, list[Value]]]:
    """(predicate, node) pairs → one row per predicate, sorted by the predicate's label."""
    groups: dict[Node, list[Node]] = {}
    for predicate, node in pairs:
        groups.setdefault(predicate, []).append(node)
    rows = [(site.link(predicate), _sorted_values(site, nodes))
            for predicate, nodes in groups.items()]
    return sorted(rows, key=lambda row: (row[0].text.casefold(), row[0].iri))


def home_page(site: Site, path: str, classes: dict[Node, int], triples: int) -> str:
    """The home page: `classes` maps each class to its number of resources (the VoID class
    partitions), `triples` is the size of the graph; labels come from the site's graph."""
    from rdflib import URIRef

    entries = [(site.link(klass), count) for klass, count in classes.items()
               if isinstance(klass, URIRef) and not str(klass).startswith(SKIPPED_CLASS_NAMESPACES)]
    entries.sort(key=lambda entry: (entry[0].text.casefold(), entry[0].iri))
    vocabulary = [entry for entry in entries if entry[0].iri.startswith(DEF)]
    others = [entry for entry in entries if not entry[0].iri.startswith(DEF)]
    return render("home.html", site, path, triples=triples, vocabulary=vocabulary,
                  others=others, example=site.link(URIRef(f"{ID}actor/ans")))


def resource_page(site: Site, iri: str, path: str, formats: list[tuple[str, str]],
                  members: int | None = None) -> str:
    """The page of one IRI; its class index when it is a class. `formats`: (name, address);
    `members`: how many resources the class has, when the page shows only some of them."""
    from rdflib import OWL, RDF, RDFS, SKOS, Literal, URIRef
    from rdflib.namespace import DCTERMS

    graph = site.graph
    node = URIRef(iri)
    label_predicates = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, URIRef(DEF + "acronym"))
    definition_predicates = (SKOS.definition, RDFS.comment, DCTERMS.description)
    labels = sorted(
        {(label(graph, p, site.lang), str(o), o.language or "")
         for p in label_predicates for o in graph.objects(node, p) if isinstance(o, Literal)},
        key=lambda item: (item[0].casefold(), item[2], item[1]),
    )
    definition = ""
    for predicate in definition_predicates:
        definition = pick_language(list(graph.objects(node, predicate)), site.lang)
        if definition:
            break
    shown = {RDF.type, DCTERMS.source, *label_predicates, *definition_predicates}
    outgoing = [(p, o) for p, o in graph.predicate_objects(node)
                if p not in shown and not (p == OWL.sameAs and o == node)]
    incoming = [(p, s) for s, p in graph.subject_predicates(node)
                if p != RDF.type and not (p == OWL.sameAs and s == node)]
    instances = _sorted_values(site, list(set(graph.subjects(RDF.type, node))))
    return render(
        "resource.html", site, path,
        title=label(graph, node, site.lang), iri=iri, labels=labels, definition=definition,
        types=_sorted_values(site, list(set(graph.objects(node, RDF.type)))),
        outgoing=_grouped(site, outgoing), incoming=_grouped(site, incoming),
        sources=_sorted_values(site, list(set(graph.objects(node, DCTERMS.source)))),
        instances=instances, formats=formats, members=members,
    )


def not_found_page(site: Site, path: str, iri: str) -> str:
    return render("message.html", site, path, title=UI[site.lang]["not_found"],
                  message=UI[site.lang]["not_found_text"], detail=iri)


def error_page(site: Site, path: str, message: str) -> str:
    return render("message.html", site, path, title=UI[site.lang]["error"], message=message,
                  detail="")


def example_text(query: NamedQuery, lang: str = "fr") -> str:
    """The query text with its first example's parameters bound by a VALUES block at the start
    of the WHERE group, so that it runs as it is when pasted into the form."""
    from segur_kg.querying.sparql import bind_params, with_values

    if not query.params:
        return query.text
    given = query.examples[0] if query.examples else {}
    return with_values(query.text, bind_params(query, given, lang))


def query_page(site: Site, path: str, queries: list[NamedQuery], text: str,
               selected: str = "", fmt: str = "html") -> str:
    examples = [(query.name, query.questions.get(site.lang)
                 or query.questions.get("fr" if site.lang == "en" else "en", query.name))
                for query in queries]
    return render("query.html", site, path, examples=examples, text=text, selected=selected,
                  formats=HTML_FORMATS, format=fmt)


MAX_PAGE_ROWS = 1000  # rows of a results page; the other formats give up to --max-rows
MAX_PAGE_TEXT = 2000  # characters of a literal shown on a results page
# Characters of an answer a page shows: pages are drawn in the server's event loop.
MAX_PAGE_CHARACTERS = 2 * 1024 * 1024


def results_page(site: Site, path: str, text: str, kind: str, body: bytes,
                 truncated: str) -> str:
    """SELECT and ASK answers as a table (from SPARQL JSON), graphs as Turtle text."""
    from rdflib import BNode, Literal, URIRef

    variables: list[str] = []
    rows: list[list[Value | None]] = []
    boolean = None
    turtle = ""
    if kind in ("SELECT", "ASK"):
        document = json.loads(body)
        if "boolean" in document:
            boolean = UI[site.lang]["true" if document["boolean"] else "false"]
        else:
            variables = document["head"]["vars"]
            shown_so_far = 0
            for binding in document["results"]["bindings"]:
                shown_so_far += sum(len(term["value"]) for term in binding.values())
                if shown_so_far > MAX_PAGE_CHARACTERS:
                    truncated = str(len(rows))
                    break
                row: list[Value | None] = []
                for name in variables:
                    term = binding.get(name)
                    if term is None:
                        row.append(None)
                    elif term["type"] == "uri":
                        row.append(site.value(URIRef(term["value"])))
                    elif term["type"] == "bnode":
                        row.append(site.value(BNode(term["value"])))
                    else:
                        shown = term["value"]
                        if len(shown) > MAX_PAGE_TEXT:
                            shown = shown[:MAX_PAGE_TEXT] + "…"
                        row.append(site.value(Literal(shown, lang=term.get("xml:lang"))))
                rows.append(row)
    else:
        turtle = body.decode("utf-8")
        if len(turtle) > MAX_PAGE_CHARACTERS:
            turtle = turtle[:MAX_PAGE_CHARACTERS] + "\n…"
            truncated = truncated or f"{MAX_PAGE_CHARACTERS // (1024 * 1024)} MiB"
    return render("results.html", site, path, text=text, variables=variables, rows=rows,
                  boolean=boolean, turtle=turtle, truncated=truncated)


def choose_language(query_lang: str | None, cookie: str | None, accept_language: str | None,
                    ) -> str:
    """?lang= first, then the cookie it leaves, then Accept-Language; French by default."""
    for candidate in (query_lang, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    best, best_q = "fr", 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if code in LANGUAGES and q > best_q:
            best, best_q = code, q
    return best
