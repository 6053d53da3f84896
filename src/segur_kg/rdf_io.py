"""Read RDF files safely and build the dataset every command works on.

Untrusted files must never make the parser open a local file or the network, so RDF/XML with a
DTD is refused before parsing, and JSON-LD is read by PyLD with a document loader that resolves
only the shipped context (https://w3id.org/segur/context.jsonld) and refuses every other one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg import paths
from segur_kg.errors import SegurKgError, one_line

# rdflib logs a traceback for each literal it cannot convert and a warning for odd IRIs;
# parse_file reports both as one clear error instead.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)

if TYPE_CHECKING:
    from rdflib import Graph

DEF = "https://w3id.org/segur/def/"
ONTOLOGY_IRI = "https://w3id.org/segur/def"
ID = "https://w3id.org/segur/id/"

# Prefixes bound on every graph, so outputs never show ns1: or schema1:.
PREFIXES: dict[str, str] = {
    "segur": DEF,
    "id": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
}
# SPARQL text may use either name for resources; a graph can only bind one prefix per namespace.
QUERY_PREFIXES: dict[str, str] = {**PREFIXES, "segurid": ID}

FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}
_QUAD_FORMATS = {"nquads", "trig"}


def new_graph() -> Graph:
    from rdflib import Graph

    graph = Graph(bind_namespaces="core")
    bind_prefixes(graph)
    return graph


def bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def read_bytes(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SegurKgError(
            f"{shown}: cannot read the file ({exc.strerror}); check the path"
        ) from None


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one RDF file (format from its extension) into `into` or a new graph."""
    graph = new_graph() if into is None else into
    shown = paths.display(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = " ".join(sorted(FORMATS))
        raise SegurKgError(
            f"{shown}: unknown RDF file extension '{path.suffix}'; use one of {known}"
        )
    raw = read_bytes(path, shown)
    if fmt == "xml":
        _refuse_dtd(raw, shown)
    if fmt in ("turtle", "trig", "nt", "nquads"):
        _check_utf8(raw, shown)
    parsed = new_graph()
    try:
        _parse_bytes(parsed, raw, fmt, path)
    except SegurKgError:
        raise
    except Exception as exc:  # every parser has its own error type; all become one sentence
        raise SegurKgError(_describe_parse_error(exc, raw, fmt, shown)) from None
    _refuse_ill_formed_terms(parsed, raw, shown)
    graph += parsed
    for prefix, namespace in parsed.namespaces():
        graph.bind(prefix, namespace, override=False)
    return graph


def _refuse_ill_formed_terms(graph: Graph, raw: bytes, shown: str) -> None:
    """A literal that is not valid for its datatype ("2010-13-45"^^xsd:date) or an IRI with
    spaces or brackets parses, but would break queries and exports later: say so now."""
    from rdflib import Literal, URIRef
    from rdflib.term import _is_valid_uri

    for triple in graph:
        for term in triple:
            if isinstance(term, Literal) and term.ill_typed:
                where = _line_of(raw, str(term))
                raise SegurKgError(
                    f"{shown}{where}: '{term}' is not a valid "
                    f"{graph.namespace_manager.normalizeUri(term.datatype)}; fix the value or its datatype"
                )
            if isinstance(term, URIRef) and not _is_valid_uri(term):
                where = _line_of(raw, str(term))
                raise SegurKgError(
                    f"{shown}{where}: '{term}' is not a valid IRI (spaces, quotes or brackets); "
                    "fix the IRI"
                )


def _line_of(raw: bytes, text: str) -> str:
    """':LINE' of the first occurrence of `text` in the file, or '' when not found as is."""
    index = raw.find(text.encode("utf-8"))
    if index < 0:
        return ""
    line = raw.count(b"\n", 0, index) + 1
    return f":{line}"


def _parse_bytes(graph: Graph, raw: bytes, fmt: str, path: Path) -> None:
    public_id = path.resolve().as_uri()
    if fmt == "json-ld":
        # PyLD reads JSON-LD: its document loader is the only way out, and ours refuses it.
        for triple in _jsonld_triples(raw, paths.display(path), public_id):
            graph.add(triple)
        return
    if fmt in _QUAD_FORMATS:
        from rdflib import Dataset

        # Named graphs are flattened: the knowledge graph is one graph.
        dataset = Dataset()
        dataset.parse(data=raw, format=fmt, publicID=public_id)
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        for prefix, namespace in dataset.namespaces():
            graph.bind(prefix, namespace, override=False)
        return
    graph.parse(data=raw, format=fmt, publicID=public_id)


def _check_utf8(raw: bytes, shown: str) -> None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8")  # valid up to the first bad byte
        line, column = _position(before, len(before))
        raise SegurKgError(
            f"{shown}:{line}:{column}: the file is not valid UTF-8; save it as UTF-8"
        ) from None


def _xml_text(raw: bytes) -> str:
    # Decode the way an XML parser would, so a UTF-16 file cannot hide a DTD from the check.
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4]:
        for codec in ("utf-16", "utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be"):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                continue
    return raw.decode("utf-8", errors="replace")


def _refuse_dtd(raw: bytes, shown: str) -> None:
    text = _xml_text(raw)
    upper = text.upper()
    for marker in ("<!DOCTYPE", "<!ENTITY"):
        index = upper.find(marker)
        if index >= 0:
            line, column = _position(text, index)
            raise SegurKgError(
                f"{shown}:{line}:{column}: RDF/XML with {marker} is refused because entities "
                "can read local files or expand without limit; remove the DTD"
            )


def _jsonld_triples(raw: bytes, shown: str, base: str) -> list:
    from pyld.jsonld import JsonLdError

    from segur_kg.jsonld import to_triples

    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SegurKgError(f"{shown}: the file is not valid UTF-8; save it as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise SegurKgError(
            f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); fix the JSON syntax"
        ) from None
    try:
        return to_triples(document, base)
    except SegurKgError as exc:
        raise SegurKgError(f"{shown}: {exc.message}") from None
    except JsonLdError as exc:
        what = " ".join(str(exc.args[0] if exc.args else exc.code).split())[:200]
        code = f"{exc.code}: " if exc.code else ""
        raise SegurKgError(f"{shown}: invalid JSON-LD ({code}{what}); fix the document") from None


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _describe_parse_error(exc: Exception, raw: bytes, fmt: str, shown: str) -> str:
    from xml.sax import SAXParseException

    from rdflib.plugins.parsers.notation3 import BadSyntax

    hint = "fix the syntax at that position"
    if isinstance(exc, BadSyntax):
        # rdflib's own line counter drifts on some inputs; count from the offset instead.
        text = exc._str.decode("utf-8", errors="replace")
        line, column = _position(text, min(exc._i, len(text)))
        return f"{shown}:{line}:{column}: {exc._why}; {hint}"
    if isinstance(exc, SAXParseException):
        line, column = exc.getLineNumber(), exc.getColumnNumber() + 1
        return f"{shown}:{line}:{column}: invalid XML ({exc.getMessage()}); {hint}"
    if isinstance(exc, json.JSONDecodeError):
        return f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); {hint}"
    if fmt in ("nt", "nquads"):
        line = _first_bad_line(raw, fmt)
        if line:
            return f"{shown}:{line}:1: {one_line(exc)}; {hint}"
    return (
        f"{shown}: cannot parse as {fmt} ({one_line(exc)}); "
        "check that the content matches the extension"
    )


def _first_bad_line(raw: bytes, fmt: str) -> int | None:
    # The line-based parsers do not report where they failed; find the line ourselves.
    from rdflib import Dataset

    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            Dataset().parse(data=line, format=fmt)
        except Exception:
            return number
    return None


# --- the dataset ---------------------------------------------------------------------------


def source_files() -> list[Path]:
    """Every file the dataset is built from, in loading order."""
    ontology = paths.ontology_file()
    if not ontology.is_file():
        raise SegurKgError(
            f"{ontology}: the ontology file is missing; "
            "restore ontology/segur.ttl or set SEGUR_KG_HOME"
        )
    return [ontology, *paths.data_files()]


def load_dataset() -> Graph:
    """Ontology + data/*.ttl, prefixes bound, ontology header stamped from the package metadata."""
    graph = new_graph()
    for path in source_files():
        parse_file(path, graph)
    bind_prefixes(graph)  # files may rebind a prefix; the canonical names win
    stamp_header(graph)
    return graph


def load_ontology() -> Graph:
    graph = parse_file(paths.ontology_file())
    bind_prefixes(graph)
    stamp_header(graph)
    return graph


def stamp_header(graph: Graph) -> None:
    """Version and licence come from pyproject.toml, never from hand-typed triples."""
    from rdflib import OWL, RDF, Literal, URIRef
    from rdflib.namespace import DCTERMS

    from segur_kg.metadata import metadata

    meta = metadata()
    ontology = URIRef(ONTOLOGY_IRI)
    graph.add((ontology, RDF.type, OWL.Ontology))
    graph.set((ontology, OWL.versionIRI, URIRef(meta.version_iri)))
    graph.set((ontology, OWL.versionInfo, Literal(meta.version)))
    graph.set((ontology, DCTERMS.license, URIRef(meta.license_iri)))
