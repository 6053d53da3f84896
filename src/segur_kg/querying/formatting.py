"""Render query answers as a table, CSV, TSV, Markdown or SPARQL JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from segur_kg.common.labels import label

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

    from segur_kg.querying.sparql import QueryResult

RESULT_FORMATS = ("table", "csv", "tsv", "json", "md")


def render(result: QueryResult, fmt: str, graph: Graph, lang: str = "fr",
           iris: bool = False) -> str:
    """Text for stdout. IRIs are shown by label unless `iris`; JSON always has raw terms."""
    if result.kind == "ASK":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}, indent=2) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        from segur_kg.rdf.serialize import serialize

        assert result.graph is not None
        return serialize(result.graph, "ttl").decode("utf-8")
    if fmt == "json":
        return _sparql_json(result)
    header = list(result.variables)
    cells = [[_cell(term, graph, lang, iris) for term in row] for row in result.rows]
    if fmt == "csv":
        return _delimited(header, cells, ",")
    if fmt == "tsv":
        return _delimited(header, cells, "\t")
    if fmt == "md":
        return _markdown(header, cells)
    return _table(header, cells)


def _cell(term: Node | None, graph: Graph, lang: str, iris: bool) -> str:
    from rdflib import BNode, URIRef

    if term is None:
        return ""
    if isinstance(term, URIRef):
        if iris:
            return str(term)
        return shown_label(graph, term, lang)
    if isinstance(term, BNode):
        return label(graph, term, lang)
    return str(term)  # a literal's lexical form


def shown_label(graph: Graph, iri: Node, lang: str) -> str:
    """How an answer shows an IRI: its label in `lang` (common.labels.label); a term reused
    from another vocabulary, which has no label in the graph, by its name."""
    shown = label(graph, iri, lang)
    if shown == _curie(graph, iri):
        from segur_kg.common import reused_terms  # imports rdflib: not at `segur-kg` start

        return reused_terms.name(iri, lang) or shown
    return shown


def _curie(graph: Graph, term: Node) -> str | None:
    try:
        return graph.namespace_manager.curie(str(term), generate=False)
    except (KeyError, ValueError):
        return None


def _delimited(header: list[str], cells: list[list[str]], delimiter: str) -> str:
    # '\n' line ends keep the expected-answer files diff-friendly.
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(cells)
    return out.getvalue()


def _markdown(header: list[str], cells: list[list[str]]) -> str:
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(escape(h) for h in header) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in cells]
    return "\n".join(lines) + "\n"


# The table is for reading in a terminal: a longer cell is cut with "…" (the CSV, TSV, JSON and
# Markdown formats keep every value whole).
CELL_WIDTH = 60


def _table(header: list[str], cells: list[list[str]]) -> str:
    whole = [[" ".join(c.split()) for c in row] for row in cells]  # one line per row
    cut = any(len(c) > CELL_WIDTH for row in whole for c in row)
    rows = [[_cut(c) for c in row] for row in whole]
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    if cut:
        out.append(f"(values over {CELL_WIDTH} characters are cut: --format csv shows them "
                   "whole)")
    return "\n".join(out) + "\n"


def _cut(text: str) -> str:
    return text if len(text) <= CELL_WIDTH else text[:CELL_WIDTH - 1] + "…"


def _sparql_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    bindings = []
    for row in result.rows:
        binding = {}
        for name, term in zip(result.variables, row, strict=True):
            if term is not None:
                binding[name] = _json_term(term)
        bindings.append(binding)
    document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _json_term(term: Node) -> dict[str, str]:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out
