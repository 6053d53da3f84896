"""SPARQL 1.1 Protocol details: content negotiation and the four query-result formats.

Everything here is pure (no I/O), so the worker processes and the web layer share it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

if TYPE_CHECKING:
    from collections.abc import Sequence

    Term = NamedNode | BlankNode | Literal | Triple

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# key → media type, in the server's order of preference (first = default for */*).
RESULT_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "xml": "application/rdf+xml",
}
# Other names clients use for the same formats; answered with the name they asked for.
RESULT_ALIASES = [("application/json", "json"), ("application/xml", "xml"), ("text/xml", "xml")]
GRAPH_ALIASES = [("application/x-turtle", "ttl"), ("application/json", "jsonld"),
                 ("text/plain", "nt"), ("application/xml", "xml"), ("text/xml", "xml")]
# Names accepted by the `format` parameter (also `output`, as some clients send).
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {  # name → (results key, graph key)
    "json": ("json", "jsonld"), "srj": ("json", None),
    "xml": ("xml", "xml"), "srx": ("xml", None),
    "csv": ("csv", None), "tsv": ("tsv", None),
    "ttl": (None, "ttl"), "turtle": (None, "ttl"),
    "nt": (None, "nt"), "ntriples": (None, "nt"), "n-triples": (None, "nt"),
    "jsonld": (None, "jsonld"), "json-ld": (None, "jsonld"),
    "rdf": (None, "xml"), "rdfxml": (None, "xml"), "rdf/xml": (None, "xml"),
}
# Types a dereferenced IRI is offered in; HTML pages come from the web layer.
DOCUMENT_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "html": "text/html",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
DOCUMENT_ALIASES = [("application/xhtml+xml", "html"), ("application/x-turtle", "ttl"),
                    ("application/json", "jsonld"), ("text/plain", "nt")]
# Document extension → serialize() format name.
SERIALIZE_NAME = {"ttl": "ttl", "jsonld": "jsonld", "nt": "nt", "rdf": "xml", "xml": "xml"}


class NotAcceptable(Exception):
    """No offered format matches what the client accepts."""


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> int:
        """Specificity of the match (3 exact, 2 type/*, 1 */*), 0 when it does not match."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == main and self.subtype == "*":
            return 2
        if self.type == main and self.subtype == sub:
            return 3
        return 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; an absent or empty header accepts anything."""
    ranges = []
    for part in (header or "").split(","):
        fields = [item.strip() for item in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        ranges.append(MediaRange(main, sub, q))
    return ranges or [MediaRange("*", "*", 1.0)]


def negotiate(header: str | None, offers: list[tuple[str, str]]) -> tuple[str, str]:
    """Pick (media type, key) among `offers`, listed in the server's order of preference.

    Each offer gets the q of the most specific range matching it; the highest q wins and ties
    go to the earlier offer. Raises NotAcceptable when every offer has q = 0."""
    ranges = parse_accept(header)
    best: tuple[float, int] | None = None
    chosen: tuple[str, str] | None = None
    for index, (media_type, key) in enumerate(offers):
        specificity, q = 0, 0.0
        for media_range in ranges:
            level = media_range.matches(media_type)
            if level > specificity:
                specificity, q = level, media_range.q
        if specificity and q > 0 and (best is None or q > best[0]):
            best, chosen = (q, index), (media_type, key)
    if chosen is None:
        raise NotAcceptable(", ".join(media for media, _ in offers))
    return chosen


def result_offers(kind: str) -> list[tuple[str, str]]:
    if kind in ("CONSTRUCT", "DESCRIBE"):
        return [(media, key) for key, media in GRAPH_TYPES.items()] + GRAPH_ALIASES
    offers = [(media, key) for key, media in RESULT_TYPES.items()] + RESULT_ALIASES
    if kind == "ASK":  # CSV and TSV have no form for a boolean
        offers = [(media, key) for media, key in offers if key in ("json", "xml")]
    return offers


def choose_format(kind: str, accept: str | None, fmt: str | None) -> tuple[str, str]:
    """(media type, key) for a query answer, from `format` when given, else from Accept."""
    offers = result_offers(kind)
    if fmt:
        name = fmt.strip().lower()
        for media, key in offers:  # a full media type is accepted too
            if media == name:
                return media, key
        results_key, graph_key = FORMAT_NAMES.get(name, (None, None))
        key = graph_key if kind in ("CONSTRUCT", "DESCRIBE") else results_key
        for media, offered in offers:
            if offered == key:
                return media, key
        raise NotAcceptable(", ".join(sorted({k for _, k in offers})))
    return negotiate(accept, offers)


def encode_results(key: str, variables: Sequence[str], rows: Sequence[Sequence[Term | None]],
                   boolean: bool | None = None) -> bytes:
    """SELECT rows or an ASK boolean in one of RESULT_TYPES; terms are pyoxigraph terms."""
    if key == "json":
        return _json(variables, rows, boolean)
    if key == "xml":
        return _xml(variables, rows, boolean)
    if key == "csv":
        return _csv(variables, rows)
    return _tsv(variables, rows)


def _parts(term: Term) -> tuple[str, str, str, str]:
    """(kind, value, language, datatype): kind is uri, bnode, literal or triple; the datatype
    is left out for plain and language-tagged strings, as RDF 1.1 makes them implicit."""
    kind = type(term)
    if kind is NamedNode:
        return "uri", term.value, "", ""
    if kind is BlankNode:
        return "bnode", term.value, "", ""
    if kind is Literal:
        if term.language:
            return "literal", term.value, term.language, ""
        datatype = term.datatype.value
        return "literal", term.value, "", "" if datatype == XSD_STRING else datatype
    return "triple", str(term), "", ""  # an RDF 1.2 triple term, written in N-Triples


def _json(variables: Sequence[str], rows: Sequence[Sequence[Term | None]],
          boolean: bool | None) -> bytes:
    if boolean is not None:
        document: dict = {"head": {}, "boolean": boolean}
    else:
        bindings = [
            {name: _json_term(term) for name, term in zip(variables, row, strict=True)
             if term is not None}
            for row in rows
        ]
        document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _json_term(term: Term) -> dict[str, str]:
    kind, value, language, datatype = _parts(term)
    out = {"type": "literal" if kind == "triple" else kind, "value": value}
    if language:
        out["xml:lang"] = language
    elif datatype:
        out["datatype"] = datatype
    return out


def _xml(variables: Sequence[str], rows: Sequence[Sequence[Term | None]],
         boolean: bool | None) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f"<variable name={quoteattr(name)}/>" for name in variables]
    out.append("</head>\n")
    if boolean is not None:
        out.append(f"<boolean>{'true' if boolean else 'false'}</boolean>\n")
    else:
        out.append("<results>\n")
        for row in rows:
            out.append("<result>")
            for name, term in zip(variables, row, strict=True):
                if term is None:
                    continue
                kind, text, language, datatype = _parts(term)
                if kind in ("uri", "bnode"):
                    value = f"<{kind}>{escape(text)}</{kind}>"
                else:
                    attribute = ""
                    if language:
                        attribute = f" xml:lang={quoteattr(language)}"
                    elif datatype:
                        attribute = f" datatype={quoteattr(datatype)}"
                    value = f"<literal{attribute}>{escape(text)}</literal>"
                out.append(f"<binding name={quoteattr(name)}>{value}</binding>")
            out.append("</result>\n")
        out.append("</results>\n")
    out.append("</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv(variables: Sequence[str], rows: Sequence[Sequence[Term | None]]) -> bytes:
    # SPARQL 1.1 CSV: plain values (no datatype or language), CRLF line ends.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        cells = []
        for term in row:
            if term is None:
                cells.append("")
                continue
            kind, value, _, _ = _parts(term)
            cells.append(f"_:{value}" if kind == "bnode" else value)
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _tsv(variables: Sequence[str], rows: Sequence[Sequence[Term | None]]) -> bytes:
    # SPARQL 1.1 TSV: terms in SPARQL syntax; a tab inside a literal must be escaped.
    lines = ["\t".join(f"?{name}" for name in variables)]
    for row in rows:
        lines.append("\t".join(
            "" if term is None else _tsv_term(term) for term in row
        ))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_term(term: Term) -> str:
    kind, text, language, datatype = _parts(term)
    if kind == "bnode":
        return f"_:{text}"
    if kind == "uri":
        return f"<{text}>"
    if kind == "triple":
        return text
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"),
                         ("\t", "\\t")):
        text = text.replace(raw, escaped)
    if language:
        return f'"{text}"@{language}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'
