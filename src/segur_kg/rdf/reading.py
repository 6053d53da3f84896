"""Read RDF files safely and build the dataset every command works on.

One reader, one verdict: every command that reads an RDF file (validate, diff, load, nos import)
reads it with `read_triples` or checks it with `check_file` first, so all of them accept and
refuse the same files with the same message. Oxigraph's parsers read the syntax (strictly: IRIs,
escapes, and the line and column of an error, in one linear pass); JSON-LD is read by PyLD; then
every literal is checked against its datatype.

Untrusted files must never make the parser open a local file or the network, so RDF/XML with a
DTD is refused before parsing, and JSON-LD is read with a document loader that resolves only the
shipped context (https://w3id.org/segur/context.jsonld) and refuses every other one.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError, position, printable
from segur_kg.rdf.namespaces import (
    ONTOLOGY_IRI,
    bind_prefixes,
    new_graph,
    short_iri,
)

# rdflib logs a traceback for each literal it cannot convert; the reader reports it as one error.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)

if TYPE_CHECKING:
    from rdflib import Graph

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
_OXIGRAPH_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nquads": "N_QUADS", "trig": "TRIG",
                     "xml": "RDF_XML"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# Oxigraph's parsers hold at most this much of one term (a literal, an IRI) in memory.
MAX_TERM_BYTES = 16 * 1024 * 1024
_PARSER_POSITION = re.compile(r"^Parser error (?:at|between) [^:]*: ")


def read_bytes(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise unreadable(path, shown, exc) from None


def unreadable(path: Path, shown: str, exc: OSError) -> SegurKgError:
    """The one message for a file that cannot be read, whichever code tried."""
    if path.is_dir():
        return SegurKgError(f"{shown}: is a folder, not a file; give an RDF file")
    # Oxigraph's OSError has no strerror, only "Is a directory (os error 21)".
    reason = exc.strerror or re.sub(r" \(os error \d+\)$", "", str(exc))
    return SegurKgError(f"{shown}: cannot read the file ({reason}); check the path")


def rdf_format(path: Path) -> str:
    """The format of a file, from its extension; an unknown extension is refused."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = " ".join(sorted(FORMATS))
        raise SegurKgError(
            f"{paths.display(path)}: unknown RDF file extension '{path.suffix}'; "
            f"use one of {known}"
        )
    return fmt


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one RDF file (format from its extension) into `into` or a new graph; named graphs
    are flattened. Nothing is added unless the whole file is valid."""
    from segur_kg.rdf.terms import to_rdflib

    graph = new_graph() if into is None else into
    prefixes: dict[str, str] = {}
    triples = list(read_triples(path, prefixes))  # all read and checked before any is added
    for s, p, o in triples:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=False)
    return graph


def check_file(path: Path) -> None:
    """Read a file only to check it, in constant memory: the verdict of `read_triples`, for the
    commands whose own engine then reads the file (load, validate)."""
    for _triple in read_triples(path):
        pass


def check_ntriples(data: bytes, shown: str) -> None:
    """N-Triples held in memory (a part of a store) checked as check_file checks a file, the
    errors named `shown`, without line numbers."""
    for _triple in _oxigraph_triples(None, "nt", shown, None, data):
        pass


def read_triples(path: Path,
                 prefixes: dict[str, str] | None = None) -> Iterator[tuple[Any, Any, Any]]:
    """The reader of every command: the file's triples as pyoxigraph terms (named graphs
    flattened), or a SegurKgError naming the file, the line and column when known, and what is
    wrong. The prefixes the file declares are put in `prefixes` once it is read."""
    shown = paths.display(path)
    fmt = rdf_format(path)
    if fmt == "json-ld":
        from segur_kg.rdf.jsonld import read_jsonld

        return _checked(read_jsonld(read_bytes(path, shown), shown, path.resolve().as_uri()),
                        path, shown)
    return _oxigraph_triples(path, fmt, shown, prefixes)


def _checked(triples: list[tuple[Any, Any, Any]], path: Path,
             shown: str) -> Iterator[tuple[Any, Any, Any]]:
    from pyoxigraph import BlankNode, NamedNode

    for triple in triples:
        if type(triple[2]) is not NamedNode and type(triple[2]) is not BlankNode:
            _check_object(triple[2], path, shown)
        yield triple


def _oxigraph_triples(path: Path | None, fmt: str, shown: str, prefixes: dict[str, str] | None,
                      data: bytes | None = None) -> Iterator[tuple[Any, Any, Any]]:
    """The triples of the file `path`, or of `data` when there is no file."""
    from pyoxigraph import BlankNode, NamedNode, RdfFormat, parse

    base_iri = path.resolve().as_uri() if path is not None else None
    if path is None:
        source: dict[str, Any] = {"input": data}
    elif fmt == "xml":
        raw = read_bytes(path, shown)
        _refuse_dtd(raw, shown)
        _check_xml(raw, shown)  # Oxigraph's RDF/XML errors have no position; expat's do
        source = {"input": raw}
    else:
        source = {"path": path}  # streamed: a large file is never held whole
    try:
        parser = parse(**source, format=getattr(RdfFormat, _OXIGRAPH_FORMATS[fmt]),
                       base_iri=base_iri, rename_blank_nodes=True)
        for quad in parser:  # the hot loop of a million-triple load: kept to the minimum
            obj = quad.object
            if type(obj) is not NamedNode and type(obj) is not BlankNode:
                _check_object(obj, path, shown)
            yield quad.subject, quad.predicate, obj
    except SyntaxError as exc:
        raise SegurKgError(_syntax_message(exc, shown, fmt)) from None
    except MemoryError as exc:
        if "buffer maximal size" not in str(exc):
            raise  # memory ran out: not the parser's limit on one term
        where = _first_long_line(path) if path is not None else ""
        raise SegurKgError(
            f"{shown}{where}: a term (literal or IRI) is longer than "
            f"{MAX_TERM_BYTES // (1024 * 1024)} MB, more than the parser reads; shorten it"
        ) from None
    except OSError as exc:
        if path is None:
            raise
        raise unreadable(path, shown, exc) from None
    if prefixes is not None:
        prefixes.update(parser.prefixes)


def _syntax_message(exc: SyntaxError, shown: str, fmt: str) -> str:
    why = _PARSER_POSITION.sub("", exc.msg)
    if exc.lineno is None:
        kind = "RDF/XML" if fmt == "xml" else fmt
        return f"{shown}: invalid {kind} ({printable(why)}); fix the file"
    if why.startswith("Invalid UTF-8"):
        return f"{shown}:{exc.lineno}:{exc.offset}: the file is not valid UTF-8; save it as UTF-8"
    return syntax_error_message(shown, exc.lineno, exc.offset or 1, why)


def syntax_error_message(shown: str, line: int, column: int, why: str) -> str:
    """'FILE:LINE:COL: what is wrong; where to fix it', the same for every command."""
    return (f"{shown}:{line}:{column}: {printable(why)}; "
            f"fix the syntax at line {line}, column {column}")


def _first_long_line(path: Path) -> str:
    """':LINE' of the first line too long for the parser, or '' (one pass, bounded memory)."""
    block_size = 1024 * 1024  # a line that ends inside a block is shorter than the limit
    number, length = 1, 0  # the current line and how much of it was read
    try:
        with path.open("rb") as stream:
            while block := stream.read(block_size):
                first = block.find(b"\n")
                if length + (len(block) if first < 0 else first) > MAX_TERM_BYTES:
                    return f":{number}"
                if first < 0:
                    length += len(block)
                else:
                    number += block.count(b"\n")
                    length = len(block) - block.rfind(b"\n") - 1
    except OSError:
        pass
    return ""


# --- literals ------------------------------------------------------------------------------


def _check_object(term: Any, path: Path | None, shown: str) -> None:
    """A literal valid for its datatype, in RDF 1.1: no triple term, no base direction."""
    from pyoxigraph import Literal

    if type(term) is not Literal:
        raise SegurKgError(f"{shown}: the file holds RDF 1.2 triple terms (<<( … )>> or "
                           "<< … >>), which segur-kg does not read; state plain triples")
    if term.language:
        if term.direction is not None:
            raise SegurKgError(
                f"{shown}{line_of(path, term.value)}: '{printable(term.value, 80)}' has a base "
                f"direction (--{term.direction}), which segur-kg does not read; remove it")
        return
    datatype = term.datatype.value
    if datatype != _XSD_STRING and _ill_typed(term.value, datatype):
        raise SegurKgError(
            f"{shown}{line_of(path, term.value)}: '{printable(term.value, 80)}' is not a "
            f"valid {short_iri(datatype)}; fix the value or its datatype")


@functools.lru_cache(maxsize=4096)
def _ill_typed(lexical: str, datatype: str) -> bool:
    """rdflib's verdict on a lexical form (the one SPARQL and SHACL work with), without its
    warnings on stderr and without normalising "yes" into "false" first."""
    from rdflib import Literal, URIRef

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(Literal(lexical, datatype=URIRef(datatype), normalize=False).ill_typed)


def line_of(path: Path | None, text: str) -> str:
    """':LINE' of the first line holding `text` between quotes, else as it is; '' when not
    found (escaped, or over several lines) or when there is no file. One pass over the file,
    line by line."""
    if path is None or not text or "\n" in text:
        return ""
    quoted = f'"{text}"'.encode("utf-8", errors="replace")
    bare = text.encode("utf-8", errors="replace")
    found = None
    try:
        with path.open("rb") as stream:
            for number, line in enumerate(stream, start=1):
                if quoted in line:
                    return f":{number}"
                if found is None and bare in line:
                    found = number
    except OSError:
        pass
    return f":{found}" if found else ""


# --- RDF/XML -------------------------------------------------------------------------------


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
            line, column = position(text, index)
            raise SegurKgError(
                f"{shown}:{line}:{column}: RDF/XML with {marker} is refused because entities "
                "can read local files or expand without limit; remove the DTD"
            )


def _check_xml(raw: bytes, shown: str) -> None:
    """Well-formed XML, namespaces declared: expat says where it is not (it never reads a DTD:
    there is none left)."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        why = f"invalid XML ({expat.ErrorString(exc.code)})"
        raise SegurKgError(syntax_error_message(shown, exc.lineno, exc.offset + 1, why)) from None


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

    from segur_kg.common.metadata import metadata

    meta = metadata()
    ontology = URIRef(ONTOLOGY_IRI)
    graph.add((ontology, RDF.type, OWL.Ontology))
    graph.set((ontology, OWL.versionIRI, URIRef(meta.version_iri)))
    graph.set((ontology, OWL.versionInfo, Literal(meta.version)))
    graph.set((ontology, DCTERMS.license, URIRef(meta.license_iri)))
