"""Diagrams of the graph, laid out by Graphviz `dot`: the class model, the programme overview,
the waves, the programme's calendar and its funding tree.

Each diagram is first written as DOT text (sorted, so the same graph gives the same bytes),
then rendered by the `dot` program. Nodes can carry links, given by the caller, so that a
diagram embedded in the documentation site opens the page of what was clicked.

`python -m segur_kg.publishing.diagrams NAME -o FILE [--lang en]` renders one diagram to a file
(SVG or PNG from the extension) without links; it makes the pictures of docs/images/.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.common.errors import SegurKgError
from segur_kg.common.labels import label
from segur_kg.rdf.namespaces import DEF

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

DIAGRAMS = ("class-model", "programme-overview", "waves-timeline", "programme-calendar",
            "funding-tree")
RENDER_TIMEOUT = 60.0
# The layout is computed with this font; SVG viewers fall back to the next ones.
FONT = "DejaVu Sans"

# A link for a node, relative to where the diagram is shown; None means no link.
Linker = Callable[["URIRef"], "str | None"]

TITLES = {
    "class-model": {"fr": "Modèle des classes", "en": "Class model"},
    "programme-overview": {"fr": "Vue d'ensemble du programme", "en": "Programme overview"},
    "waves-timeline": {"fr": "Les vagues et leurs catégories de logiciels",
                       "en": "The waves and their software categories"},
    "programme-calendar": {"fr": "Le calendrier du programme",
                           "en": "The programme's calendar"},
    "funding-tree": {"fr": "L'arbre des financements", "en": "The funding tree"},
}

# Actor relations drawn on the programme overview, each with its own colour.
ACTOR_RELATIONS = {
    "steers": "#1f4e9c",
    "definesFunding": "#b35900",
    "finances": "#b35900",
    "disburses": "#b35900",
    "develops": "#2e7d32",
    "maintains": "#558b2f",
    "operates": "#00796b",
    "offers": "#6a1b9a",
    "implementsRegionally": "#c62828",
}

_TEXT = {
    "actors": {"fr": "Acteurs", "en": "Actors"},
    "what": {"fr": "Programme, services et financements",
             "en": "Programme, services and funding"},
    "platforms": {"fr": "Plateformes", "en": "Platforms"},
    "audiences": {"fr": "Publics", "en": "Audiences"},
    "for": {"fr": "destinée à", "en": "for"},
    "thing": {"fr": "toute ressource", "en": "any resource"},
    "launched": {"fr": "lancée en {}", "en": "launched in {}"},
    "announced": {"fr": "annoncée pour {}", "en": "announced for {}"},
    "deployment": {"fr": "déploiement {}–{}", "en": "deployment {}–{}"},
    "extends": {"fr": "enrichit", "en": "builds on"},
    "subclass": {"fr": "sous-classe de", "en": "subclass of"},
    "parts-sum": {"fr": "somme des parts : {}", "en": "parts add up to {}"},
    "reading": {"fr": "lecture du graphe", "en": "this graph's reading"},
    "launch": {"fr": "Lancement", "en": "Launch"},
    "paris-time": {"fr": "{} (heure de Paris)", "en": "{} (Paris time)"},
}

_MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}


def text(key: str, lang: str) -> str:
    return _TEXT[key][lang]


def format_date(value: str, lang: str) -> str:
    """2021-07 → "juillet 2021" / "July 2021"; full dates and years are kept readable."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value)
    if not match:
        return value
    year, month, day = match.groups()
    name = _MONTHS[lang][int(month) - 1]
    if day is None:
        return f"{name} {year}"
    return f"{int(day)} {name} {year}"


# --- DOT text -------------------------------------------------------------------------------


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _html(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def _wrap(value: str, width: int = 26) -> str:
    return "\n".join(textwrap.wrap(value, width)) or value


def _attrs(**attributes: str | None) -> str:
    parts = [f"{key}={_quote(value)}" for key, value in attributes.items() if value is not None]
    return "[" + ", ".join(parts) + "]"


def _node_id(iri: URIRef) -> str:
    return _quote(str(iri))


def _header(name: str, lang: str, rankdir: str) -> list[str]:
    return [
        f"digraph {_quote(name)} {{",
        f"  graph {_attrs(rankdir=rankdir, fontname=FONT, fontsize='20', labelloc='t', label=TITLES[name][lang], pad='0.3', nodesep='0.25', ranksep='0.6', newrank='true')};",  # noqa: E501
        f"  node {_attrs(fontname=FONT, fontsize='13', shape='box', style='rounded,filled', fillcolor='#ffffff', color='#555555', margin='0.15,0.07')};",  # noqa: E501
        f"  edge {_attrs(fontname=FONT, fontsize='11', color='#555555', fontcolor='#333333', arrowsize='0.8')};",  # noqa: E501
    ]


def _acronym(graph: Graph, node: URIRef) -> str:
    return _first(graph, node, "acronym") or ""


def _first(graph: Graph, node: URIRef, name: str) -> str | None:
    """The first value (in sorted order, so always the same) of a segur: property, or None."""
    from rdflib import URIRef as _URIRef

    values = sorted(str(v) for v in graph.objects(node, _URIRef(DEF + name)))
    return values[0] if values else None


def _name(graph: Graph, node: URIRef, lang: str, width: int = 26) -> str:
    name = label(graph, node, lang)
    acronym = _acronym(graph, node)
    wrapped = _wrap(name, width)
    return f"{wrapped}\n({acronym})" if acronym and acronym != name else wrapped


def _link(links: Linker | None, node: URIRef) -> str | None:
    return links(node) if links is not None else None


def class_model(graph: Graph, lang: str, links: Linker | None = None) -> str:
    """Segur classes, their subclass edges, and object properties from domain to range.

    Properties between the same two classes are drawn as one edge with one line per property,
    and classes of other vocabularies that segur classes build on are shown in grey."""
    from rdflib import OWL, RDF, RDFS, URIRef

    classes = sorted(c for c in graph.subjects(RDF.type, OWL.Class)
                     if isinstance(c, URIRef) and str(c).startswith(DEF))
    known = set(classes)
    grouped: dict[tuple[URIRef, URIRef], list[str]] = {}
    used: set[URIRef] = set()  # classes of other vocabularies that are a domain or a range
    for prop in graph.subjects(RDF.type, OWL.ObjectProperty):
        if not str(prop).startswith(DEF):
            continue
        for domain in graph.objects(prop, RDFS.domain):
            for range_ in graph.objects(prop, RDFS.range):
                if not (isinstance(domain, URIRef) and isinstance(range_, URIRef)):
                    continue
                if domain == range_ == OWL.Thing:
                    continue  # says nothing about classes
                if domain not in known and range_ not in known:
                    continue
                used.update(end for end in (domain, range_) if end not in known)
                grouped.setdefault((domain, range_), []).append(label(graph, prop, lang))
    # A superclass from another vocabulary gets its own node only when properties use it;
    # otherwise it is written under the class name, which saves long crossing edges.
    subclass_edges: list[tuple[URIRef, URIRef]] = []
    noted: dict[URIRef, list[str]] = {}
    for cls in classes:
        for parent in graph.objects(cls, RDFS.subClassOf):
            if parent in known or parent in used:
                subclass_edges.append((cls, parent))
            elif isinstance(parent, URIRef):
                noted.setdefault(cls, []).append(_curie(graph, parent))

    lines = _header("class-model", lang, "TB")
    lines.append("  graph [ranksep=\"0.7\", nodesep=\"0.35\"];")
    lines.append(f"  node {_attrs(fillcolor='#e8f0fb', color='#1f4e9c')};")
    for cls in classes:
        name = "<BR/>".join(_html(part) for part in _wrap(label(graph, cls, lang), 22).split("\n"))
        extra = "".join(f'<BR/><FONT POINT-SIZE="10" COLOR="#666666">⊂ {_html(parent)}</FONT>'
                        for parent in sorted(noted.get(cls, [])))
        attributes = _attrs(URL=_link(links, cls), tooltip=str(cls))[1:-1]
        lines.append(f"  {_node_id(cls)} [label=<<B>{name}</B>{extra}>, {attributes}];")
    for other in sorted(used):
        name = text("thing", lang) if other == OWL.Thing else _curie(graph, other)
        lines.append(f"  {_node_id(other)} {_attrs(label=name, shape='ellipse', style='dashed', fillcolor='#ffffff', color='#888888', fontcolor='#555555', tooltip=str(other))};")  # noqa: E501
    for child, parent in sorted(subclass_edges):
        lines.append(f"  {_node_id(child)} -> {_node_id(parent)} {_attrs(arrowhead='onormal', style='dashed', color='#1f4e9c', tooltip=text('subclass', lang))};")  # noqa: E501
    for (domain, range_), names in sorted(grouped.items()):
        lines.append(f"  {_node_id(domain)} -> {_node_id(range_)} {_attrs(label=chr(10).join(sorted(names)))};")  # noqa: E501
    lines.append("}")
    return "\n".join(lines) + "\n"


def _curie(graph: Graph, iri: URIRef) -> str:
    try:
        return graph.namespace_manager.curie(str(iri), generate=False)
    except (KeyError, ValueError):
        return str(iri)


def programme_overview(graph: Graph, lang: str, links: Linker | None = None) -> str:
    """Actors → what they steer, operate, develop, maintain or fund; platforms → audiences."""
    from rdflib import RDF, URIRef

    segur = DEF
    actor_edges: list[tuple[URIRef, str, URIRef]] = []
    for name in sorted(ACTOR_RELATIONS):
        prop = URIRef(segur + name)
        for actor, target in graph.subject_objects(prop):
            if (actor, RDF.type, URIRef(segur + "Actor")) in graph and isinstance(target, URIRef):
                actor_edges.append((actor, name, target))
    actor_edges.sort()
    platforms = sorted(graph.subjects(RDF.type, URIRef(segur + "Platform")))
    audience_edges = sorted(
        (platform, audience) for platform in platforms
        for audience in graph.objects(platform, URIRef(segur + "targetAudience"))
    )
    actors = sorted({actor for actor, _, _ in actor_edges} - set(platforms))
    audiences = sorted({audience for _, audience in audience_edges})
    targets = sorted({target for _, _, target in actor_edges} - set(platforms) - set(actors)
                     - set(audiences))

    lines = _header("programme-overview", lang, "LR")
    lines.append("  graph [ranksep=\"1.1\", nodesep=\"0.22\"];")

    def cluster(key: str, nodes: Iterable[URIRef], fill: str, border: str, shape: str) -> None:
        lines.append(f"  subgraph {_quote('cluster_' + key)} {{")
        lines.append(f"    graph {_attrs(label=text(key, lang), fontsize='16', style='rounded,filled', fillcolor='#fafafa', color='#bbbbbb')};")  # noqa: E501
        for node in nodes:
            lines.append(f"    {_node_id(node)} {_attrs(label=_name(graph, node, lang), shape=shape, fillcolor=fill, color=border, URL=_link(links, node), tooltip=str(node))};")  # noqa: E501
        lines.append("  }")

    cluster("actors", actors, "#e8f0fb", "#1f4e9c", "box")
    cluster("what", targets, "#e9f5ea", "#2e7d32", "box")
    cluster("platforms", platforms, "#fff3e0", "#b35900", "box")
    cluster("audiences", audiences, "#fffde7", "#9e8c00", "ellipse")
    for actor, name, target in actor_edges:
        colour = ACTOR_RELATIONS[name]
        lines.append(f"  {_node_id(actor)} -> {_node_id(target)} {_attrs(label=label(graph, URIRef(segur + name), lang), color=colour, fontcolor=colour, penwidth='1.4')};")  # noqa: E501
    for platform, audience in audience_edges:
        lines.append(f"  {_node_id(platform)} -> {_node_id(audience)} {_attrs(label=text('for', lang), color='#9e8c00', fontcolor='#6d6100', penwidth='1.4')};")  # noqa: E501
    lines.append("}")
    return "\n".join(lines) + "\n"


def _wave_dates(graph: Graph, wave: URIRef, lang: str) -> list[str]:
    def value(name: str) -> str | None:
        return _first(graph, wave, name)

    dates = []
    if value("launchDate"):
        dates.append(text("launched", lang).format(format_date(value("launchDate"), lang)))
    if value("announcedFor"):
        dates.append(text("announced", lang).format(format_date(value("announcedFor"), lang)))
    start, end = value("deploymentStart"), value("deploymentEnd")
    if start and end:
        dates.append(text("deployment", lang).format(start, end))
    return dates


def waves_timeline(graph: Graph, lang: str, links: Linker | None = None) -> str:
    """Each wave as a card with its dates and software categories, in time order."""
    from rdflib import RDF, URIRef
    from rdflib.namespace import SDO

    waves = sorted(graph.subjects(RDF.type, URIRef(DEF + "Wave")),
                   key=lambda w: (str(min(graph.objects(w, SDO.position), default="")), str(w)))
    lines = _header("waves-timeline", lang, "LR")
    lines.append("  graph [ranksep=\"0.8\"];")
    colours = ["#1f4e9c", "#00796b", "#6a1b9a", "#b35900"]
    for index, wave in enumerate(waves):
        colour = colours[index % len(colours)]
        categories = sorted(
            graph.subjects(URIRef(DEF + "inWave"), wave),
            key=lambda c: (_acronym(graph, c) or label(graph, c, lang), str(c)),
        )
        categories = [c for c in categories
                      if (c, RDF.type, URIRef(DEF + "SoftwareCategory")) in graph]
        rows = [
            f'<TR><TD BGCOLOR="{colour}" COLSPAN="2" CELLPADDING="8"{_href(links, wave)}>'
            f'<FONT COLOR="#ffffff" POINT-SIZE="18"><B>{_html(label(graph, wave, lang))}</B>'
            "</FONT></TD></TR>"
        ]
        for date in _wave_dates(graph, wave, lang):
            rows.append(f'<TR><TD COLSPAN="2" BGCOLOR="#f3f3f3"><I>{_html(date)}</I></TD></TR>')
        for category in categories:
            name = "<BR/>".join(_html(part) for part in _wrap(label(graph, category, lang), 34)
                                .split("\n"))
            rows.append(
                f'<TR><TD ALIGN="LEFT" VALIGN="TOP"{_href(links, category)}>'
                f'<B>{_html(_acronym(graph, category))}</B></TD>'
                f'<TD ALIGN="LEFT" BALIGN="LEFT"{_href(links, category)}>{name}</TD></TR>'
            )
        table = ('<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="6" '
                 f'COLOR="{colour}">' + "".join(rows) + "</TABLE>")
        lines.append(f"  {_node_id(wave)} [shape=plain, style=\"\", label=<{table}>];")
    for earlier, later in zip(waves, waves[1:], strict=False):
        relation = text("extends", lang) if (later, URIRef(DEF + "extends"), earlier) in graph \
            else ""
        lines.append(f"  {_node_id(earlier)} -> {_node_id(later)} {_attrs(label=relation, penwidth='3', arrowsize='1.4', color='#777777', fontsize='14')};")  # noqa: E501
    lines.append("}")
    return "\n".join(lines) + "\n"


def _href(links: Linker | None, node: URIRef) -> str:
    target = _link(links, node)
    return f' HREF="{_html(target)}" TITLE="{_html(str(node))}"' if target else ""


# --- the programme's calendar ---------------------------------------------------------------

# One colour per kind of milestone (the slug of its IRI); other kinds are grey.
MILESTONE_COLOURS = {
    "opening": "#2e7d32",
    "deadline": "#c62828",
    "launch": "#1f4e9c",
    "publication": "#6a1b9a",
    "signature": "#b35900",
    "meeting": "#00796b",
    "target-date": "#9e8c00",
}


def _when(value: str, lang: str) -> str:
    """A milestone's date for people: a time of day is Paris time, as the sources give it."""
    day, _, time = value.partition("T")
    shown = format_date(day, lang)
    return text("paris-time", lang).format(f"{shown}, {time[:5]}") if time else shown


def calendar_entries(graph: Graph, lang: str) -> list[tuple[str, URIRef, str, str]]:
    """(date, resource, kind slug, kind label) for every milestone and every launch date,
    sorted by date then IRI so the same graph gives the same picture."""
    from rdflib import RDF, URIRef

    entries = []
    for milestone in graph.subjects(RDF.type, URIRef(DEF + "Milestone")):
        date = _first(graph, milestone, "onDate")
        kind = _first(graph, milestone, "milestoneKind")
        if date is None or not isinstance(milestone, URIRef):
            continue
        slug = kind.rsplit("/", 1)[-1] if kind else ""
        entries.append((date, milestone, slug,
                        label(graph, URIRef(kind), lang) if kind else ""))
    for thing, value in graph.subject_objects(URIRef(DEF + "launchDate")):
        if isinstance(thing, URIRef):
            entries.append((str(value), thing, "launch", text("launch", lang)))
    return sorted(set(entries), key=lambda e: (e[0], str(e[1])))


def programme_calendar(graph: Graph, lang: str, links: Linker | None = None) -> str:
    """One card per year, top to bottom, listing the year's milestones in date order with
    their kind in colour: windows opening and closing, deadlines, launches, publications."""
    by_year: dict[str, list[tuple[str, URIRef, str, str]]] = {}
    for entry in calendar_entries(graph, lang):
        by_year.setdefault(entry[0][:4], []).append(entry)
    lines = _header("programme-calendar", lang, "TB")
    lines.append("  graph [ranksep=\"0.35\"];")
    years = sorted(by_year)
    for year in years:
        rows = [f'<TR><TD COLSPAN="3" BGCOLOR="#1f4e9c" CELLPADDING="6"><FONT COLOR="#ffffff" '
                f'POINT-SIZE="18"><B>{year}</B></FONT></TD></TR>']
        for date, node, slug, kind in by_year[year]:
            colour = MILESTONE_COLOURS.get(slug, "#555555")
            name = "<BR/>".join(_html(part) for part in _wrap(label(graph, node, lang), 62)
                                .split("\n"))
            rows.append(
                f'<TR><TD ALIGN="LEFT" VALIGN="TOP">{_html(_when(date, lang))}</TD>'
                f'<TD ALIGN="LEFT" VALIGN="TOP"><FONT COLOR="{colour}"><B>{_html(kind)}</B>'
                f'</FONT></TD><TD ALIGN="LEFT" BALIGN="LEFT"{_href(links, node)}>{name}</TD></TR>'
            )
        table = ('<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" '
                 'COLOR="#1f4e9c">' + "".join(rows) + "</TABLE>")
        lines.append(f"  {_quote('year-' + year)} [shape=plain, style=\"\", label=<{table}>];")
    for earlier, later in zip(years, years[1:], strict=False):
        lines.append(f"  {_quote('year-' + earlier)} -> {_quote('year-' + later)} "
                     f"{_attrs(penwidth='2', color='#777777')};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- the funding tree -----------------------------------------------------------------------


def format_amount(value: Decimal, lang: str, currency: str = "EUR") -> str:
    """1400000000 → "1,4 Md€" / "€1.4bn"; 465000000 → "465 M€" / "€465m"; smaller sums in full."""
    symbol = "€" if currency == "EUR" else f" {currency}"
    for size, fr, en in ((Decimal(10) ** 9, "Md", "bn"), (Decimal(10) ** 6, "M", "m")):
        number = (value / size).normalize()
        if abs(value) >= size and -number.as_tuple().exponent <= 2:
            shown = f"{number:f}"
            if lang == "fr":
                return f"{shown.replace('.', ',')} {fr}{symbol}"
            return f"{symbol}{shown}{en}" if symbol == "€" else f"{shown}{en}{symbol}"
    whole = f"{value.normalize():,f}"
    if lang == "fr":
        return whole.replace(",", "\u202f").replace(".", ",") + f" {symbol.strip()}"
    return f"{symbol}{whole}" if symbol == "€" else f"{whole}{symbol}"


def funding_tree(graph: Graph, lang: str, links: Linker | None = None) -> str:
    """Envelopes from the whole to its parts, with amount and period. A parent whose parts do
    not add up to it says what they add up to; a regional share (a part whose scope is a
    region) cuts its parent by region, so it is dotted and left out of the sum; a link that is
    the graph's own reading rather than a source's is dashed. Envelopes that are part of no
    tree (prices per client, one-off sums) are listed by the funding-tree question instead."""
    from rdflib import RDF, URIRef

    envelope_class = URIRef(DEF + "Envelope")
    part_of = URIRef(DEF + "partOfEnvelope")
    envelopes = sorted(e for e in graph.subjects(RDF.type, envelope_class)
                       if isinstance(e, URIRef))
    edges = sorted((child, parent) for child in envelopes
                   for parent in graph.objects(child, part_of) if isinstance(parent, URIRef))
    in_tree = {node for edge in edges for node in edge}
    envelopes = [node for node in envelopes if node in in_tree]
    regional = {node for node in envelopes
                for scope in graph.objects(node, URIRef(DEF + "scope"))
                if (scope, RDF.type, URIRef(DEF + "Region")) in graph}
    read = {(s, o) for reading in graph.subjects(RDF.type, URIRef(DEF + "Reading"))
            for s in graph.objects(reading, RDF.subject)
            for p in graph.objects(reading, RDF.predicate) if p == part_of
            for o in graph.objects(reading, RDF.object)}

    def amount(node: URIRef) -> Decimal | None:
        value = _first(graph, node, "amount")
        try:
            return Decimal(value) if value is not None else None
        except ArithmeticError:
            return None

    lines = _header("funding-tree", lang, "LR")
    lines.append("  graph [ranksep=\"0.9\", nodesep=\"0.18\"];")
    for node in envelopes:
        value = amount(node)
        start, end = _first(graph, node, "periodStart"), _first(graph, node, "periodEnd")
        rows = [f"<B>{_html(format_amount(value, lang))}</B>" if value is not None else ""]
        rows += [_html(part) for part in _wrap(label(graph, node, lang), 34).split("\n")]
        if start or end:
            period = "–".join(dict.fromkeys(v for v in (start, end) if v))
            rows.append(f'<FONT POINT-SIZE="10" COLOR="#555555">{_html(period)}</FONT>')
        parts = [amount(child) for child, parent in edges
                 if parent == node and child not in regional]
        if parts and value is not None and None not in parts and sum(parts) != value:
            rows.append(f'<FONT POINT-SIZE="10" COLOR="#c62828">'
                        f'{_html(text("parts-sum", lang).format(format_amount(sum(parts), lang)))}'
                        "</FONT>")
        attributes = _attrs(URL=_link(links, node), tooltip=str(node))[1:-1]
        body = "<BR/>".join(row for row in rows if row)
        lines.append(f"  {_node_id(node)} [label=<{body}>, fillcolor=\"#fff3e0\", "
                     f"color=\"#b35900\", {attributes}];")
    for child, parent in edges:
        dashed = (child, parent) in read
        style = "dotted" if child in regional else "dashed" if dashed else None
        lines.append(f"  {_node_id(parent)} -> {_node_id(child)} "
                     f"{_attrs(style=style, tooltip=text('reading', lang) if dashed else None)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


BUILDERS = {
    "class-model": class_model,
    "programme-overview": programme_overview,
    "waves-timeline": waves_timeline,
    "programme-calendar": programme_calendar,
    "funding-tree": funding_tree,
}


def dot_source(graph: Graph, name: str, lang: str, links: Linker | None = None) -> str:
    if name not in BUILDERS:
        raise SegurKgError(f"unknown diagram '{name}'; use one of {', '.join(DIAGRAMS)}")
    return BUILDERS[name](graph, lang, links)


# --- rendering ------------------------------------------------------------------------------


def dot_program() -> str:
    found = shutil.which("dot")
    if found is None:
        raise SegurKgError(
            "the Graphviz program 'dot' is not installed; install the Debian package graphviz"
        )
    return found


def render(source: str, fmt: str = "svg", timeout: float = RENDER_TIMEOUT) -> bytes:
    """Lay out DOT text with Graphviz and return the picture."""
    try:
        result = subprocess.run(
            [dot_program(), f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
            timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        raise SegurKgError(
            f"Graphviz took more than {timeout:g} s to lay out a diagram; try again"
        ) from None
    if result.returncode != 0:
        message = " ".join(result.stderr.decode("utf-8", "replace").split())[:300]
        raise SegurKgError(f"Graphviz could not lay out a diagram ({message})")
    return result.stdout


def svg_for_page(svg: bytes) -> str:
    """The SVG element alone, ready to be placed inside an HTML page."""
    text_ = svg.decode("utf-8")
    start = text_.find("<svg")
    if start < 0:
        raise SegurKgError("Graphviz returned no SVG picture")
    return text_[start:].strip()


def main(argv: list[str] | None = None) -> int:
    from segur_kg.common.atomic import write_atomic
    from segur_kg.rdf.reading import load_dataset

    parser = argparse.ArgumentParser(prog="python -m segur_kg.publishing.diagrams",
                                     description="Render one diagram to an SVG or PNG file.")
    parser.add_argument("name", choices=DIAGRAMS)
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="FILE.svg or FILE.png")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr")
    args = parser.parse_args(argv)
    fmt = args.output.suffix.lower().lstrip(".")
    try:
        if fmt not in ("svg", "png"):
            raise SegurKgError(f"{args.output}: use a .svg or .png file name")
        picture = render(dot_source(load_dataset(), args.name, args.lang), fmt)
        write_atomic(args.output, picture)
    except SegurKgError as exc:
        print(f"segur-kg: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())

