"""JSON-LD with the shipped context: compacted and framed exports, and safe parsing.

Every JSON-LD operation goes through `document_loader`, which serves the shipped context for
its published IRI and refuses every other address, so neither an export nor a file being read
can make PyLD open the network or the disk.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError, printable

if TYPE_CHECKING:
    from rdflib import Graph

CONTEXT_IRI = "https://w3id.org/segur/context.jsonld"
# Keys written first in every node, so a reader sees what a node is before its details.
_LEADING_KEYS = ("@context", "id", "@id", "@value", "type", "@type", "@language")


class RefusedDocument(SegurKgError):
    """A JSON-LD document named something to fetch other than the shipped context."""


def context_file() -> Path:
    return paths.root() / "ontology" / "context.jsonld"


def frames_dir() -> Path:
    return paths.root() / "ontology" / "frames"


def load_context() -> dict[str, Any]:
    """The shipped context document, `{"@context": {...}}`."""
    path = context_file()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SegurKgError(
            f"{paths.display(path)}: cannot read the JSON-LD context ({exc.strerror}); "
            "restore ontology/context.jsonld"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SegurKgError(
            f"{paths.display(path)}: the JSON-LD context is not valid JSON ({exc}); fix the file"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("@context"), dict):
        raise SegurKgError(
            f"{paths.display(path)}: the file must be an object with an \"@context\" object; "
            "fix the file"
        )
    return document


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader: the shipped context for its IRI, a refusal for anything else."""
    if url == CONTEXT_IRI:
        return {"contextUrl": None, "documentUrl": url, "document": load_context(),
                "contentType": "application/ld+json"}
    raise RefusedDocument(
        f"JSON-LD @context or @import {json.dumps(url)} is refused because it would be read "
        f"from the network or the disk; use {CONTEXT_IRI} or inline the context as a JSON object"
    )


def _options(**extra: Any) -> dict[str, Any]:
    # Always pass the loader: PyLD's default one would fetch anything over HTTP.
    return {"documentLoader": document_loader, "processingMode": "json-ld-1.1", **extra}


def _run(operation: Any, *args: Any) -> Any:
    """Call a PyLD function, turning a refusal buried in its error chain back into ours."""
    from pyld.jsonld import JsonLdError

    try:
        return operation(*args)
    except JsonLdError as exc:
        refused = _find_refusal(exc)
        if refused is not None:
            raise refused from None
        raise


def _find_refusal(exc: BaseException | None) -> RefusedDocument | None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, RefusedDocument):
            return exc
        seen.add(id(exc))
        exc = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
    return None


# --- writing -------------------------------------------------------------------------------


def _expanded(graph: Graph) -> list[dict[str, Any]]:
    """The graph as expanded JSON-LD, built from sorted N-Triples so the input order is fixed."""
    from pyld import jsonld

    from segur_kg.rdf.canonical import ntriples

    dataset = _rdf_dataset(ntriples(graph))
    # Native numbers and booleans are what a web developer expects; they read back unchanged
    # because PyLD converts only canonical lexical forms.
    return _run(jsonld.from_rdf, dataset, _options(useNativeTypes=True))


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _rdf_dataset(ntriples: bytes) -> dict[str, list[dict[str, Any]]]:
    """N-Triples as PyLD's RDF dataset, in the document's order. PyLD's own N-Quads reader
    checks every triple against all the previous ones (quadratic: half a minute at 10,000
    triples); a graph has no duplicates, so Oxigraph's reader, which keeps the blank node
    labels, builds the same dataset directly."""
    from pyoxigraph import BlankNode, Literal, RdfFormat, parse

    def term(node: Any) -> dict[str, str]:
        if isinstance(node, BlankNode):
            return {"type": "blank node", "value": f"_:{node.value}"}
        if isinstance(node, Literal):
            value = {"type": "literal", "value": node.value, "datatype": node.datatype.value}
            if node.language:
                value["datatype"] = _RDF_LANGSTRING
                value["language"] = node.language
            return value
        return {"type": "IRI", "value": node.value}

    triples = [{"subject": term(t.subject), "predicate": term(t.predicate),
                "object": term(t.object)} for t in parse(ntriples, format=RdfFormat.N_TRIPLES)]
    return {"@default": triples}


def compacted(graph: Graph) -> bytes:
    """The whole graph compacted with the shipped context, which is embedded."""
    from pyld import jsonld

    context = load_context()
    document = _run(jsonld.compact, _expanded(graph), context, _options(compactArrays=True))
    nodes = document.get("@graph", [] if set(document) == {"@context"} else [document])
    body = {"@context": context["@context"],
            "@graph": [_without_context(node) for node in nodes]}
    return _dump(body)


def frame_names() -> list[str]:
    return sorted(path.stem for path in frames_dir().glob("*.json"))


def framed(graph: Graph, name: str) -> bytes:
    """The graph shaped by the frame ontology/frames/NAME.json, with the context embedded."""
    from pyld import jsonld

    frame = _load_frame(name)
    document = _run(jsonld.frame, _expanded(graph), frame,
                    _options(omitGraph=False, omitDefault=True,
                             pruneBlankNodeIdentifiers=True))
    document["@context"] = _embed_context(frame.get("@context"))
    return _dump(document)


def _load_frame(name: str) -> dict[str, Any]:
    names = frame_names()
    if name not in names:
        listed = ", ".join(names) or "none"
        raise SegurKgError(f"unknown frame '{name}'; available frames: {listed}")
    path = frames_dir() / f"{name}.json"
    try:
        frame = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SegurKgError(f"{paths.display(path)}: invalid JSON ({exc}); fix the frame") from None
    if not isinstance(frame, dict):
        raise SegurKgError(f"{paths.display(path)}: a frame must be a JSON object; fix the frame")
    return frame


def _embed_context(context: Any) -> Any:
    """The frame's context with the shipped IRI replaced by the context itself."""
    if context == CONTEXT_IRI:
        return load_context()["@context"]
    if isinstance(context, list):
        return [_embed_context(item) for item in context]
    return context


def _without_context(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key != "@context"}


def _dump(document: dict[str, Any]) -> bytes:
    """Indented JSON; the context is written one term per line, as in the shipped file."""
    placeholder = "\u0000context\u0000"
    body = _ordered({**document, "@context": placeholder})
    text = json.dumps(body, ensure_ascii=False, indent=2)
    marker = json.dumps(placeholder)
    context = _context_text(document["@context"], "  ")
    return (text.replace(marker, context, 1) + "\n").encode("utf-8")


def _context_text(context: Any, indent: str) -> str:
    if isinstance(context, list):
        inner = indent + "  "
        items = [inner + _context_text(item, inner) for item in context]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    if isinstance(context, dict):
        inner = indent + "  "
        items = [f"{inner}{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                 for key, value in context.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    return json.dumps(context, ensure_ascii=False)


def _ordered(node: Any, key: str | None = None) -> Any:
    """Keys sorted (id and type first), arrays sorted by content; @list order is kept.

    The context is written exactly as shipped: its order is the one people read.
    """
    if key == "@context":
        return node
    if isinstance(node, dict):
        keys = sorted(node, key=lambda k: (k not in _LEADING_KEYS,
                                           _LEADING_KEYS.index(k) if k in _LEADING_KEYS else 0, k))
        return {k: _ordered(node[k], k) for k in keys}
    if isinstance(node, list):
        items = [_ordered(item) for item in node]
        if key == "@list":
            return items
        return sorted(items, key=_sort_key)
    return node


def _sort_key(item: Any) -> tuple[str, str]:
    text = json.dumps(item, sort_keys=True, ensure_ascii=False)
    if isinstance(item, dict):
        node_id = item.get("id", item.get("@id"))
        if isinstance(node_id, str):
            return (node_id, text)
    return ("", text)


# --- reading -------------------------------------------------------------------------------

# A lone surrogate escape (\ud800 not in a pair) decodes to no Unicode character; escaped
# backslashes are matched first so that "\\ud800" is not taken for one.
_LONE_SURROGATE = re.compile(r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                             r"|(\\u[dD][89a-fA-F][0-9a-fA-F]{2})")
_NEWLINE = b"\n"
_JSON_STRING = r'"(?:[^"\\]|\\.)*"'


class _NotJson(ValueError):
    """A number JSON does not have (NaN, Infinity) or that no float can hold (1e400)."""


def read_jsonld(raw: bytes, shown: str, base: str) -> list[tuple[Any, Any, Any]]:
    """The triples (pyoxigraph terms) of a JSON-LD file, named graphs merged; only the shipped
    context is resolved. What PyLD would drop without a word (a node whose @id is not an IRI)
    is refused instead, naming the file and the IRI."""
    from pyld import jsonld
    from pyld.jsonld import JsonLdError

    document = _parse_json(raw, shown)
    try:
        expanded = _run(jsonld.expand, document, _options(base=base))
        _check_iris(expanded, raw, shown, base)
        return _triples(_run(jsonld.to_rdf, expanded, _options(base=base)), shown)
    except RefusedDocument as exc:
        raise SegurKgError(f"{shown}: {exc.message}") from None
    except RecursionError:
        raise SegurKgError(f"{shown}: the JSON-LD document is nested too deeply to be read; "
                           "flatten it (use @graph and @id references)") from None
    except JsonLdError as exc:
        what = " ".join(str(exc.args[0] if exc.args else exc.code).split())[:200]
        code = f"{exc.code}: " if exc.code else ""
        raise SegurKgError(f"{shown}: invalid JSON-LD ({code}{what}); fix the document") from None


def _parse_json(raw: bytes, shown: str) -> Any:
    from segur_kg.common.errors import position

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = position(raw[: exc.start].decode("utf-8"), exc.start)
        raise SegurKgError(
            f"{shown}:{line}:{column}: the file is not valid UTF-8; save it as UTF-8") from None
    for match in _LONE_SURROGATE.finditer(text):
        if match.group(1):
            line, column = position(text, match.start())
            raise SegurKgError(
                f"{shown}:{line}:{column}: {match.group(1)} is half of a surrogate pair, not a "
                "character; fix the escape (write the character, or both halves of the pair)")

    def refuse(token: str) -> float:
        raise _NotJson(token)

    def number(token: str) -> float:
        value = float(token)
        return refuse(token) if value in (float("inf"), float("-inf")) else value

    try:
        return json.loads(text, parse_constant=refuse, parse_float=number)
    except json.JSONDecodeError as exc:
        raise SegurKgError(
            f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); fix the JSON syntax"
        ) from None
    except _NotJson as exc:
        token = str(exc)
        found = re.compile(f"{_JSON_STRING}|(?<![\\w.+-])({re.escape(token)})(?![\\w.])")
        index = next((m.start(1) for m in found.finditer(text) if m.group(1)), None)
        where = ":{}:{}".format(*position(text, index)) if index is not None else ""
        raise SegurKgError(f"{shown}{where}: {token} is not a JSON number RDF can hold; "
                           "write a finite number, or a string with its datatype") from None
    except RecursionError:
        raise SegurKgError(
            f"{shown}: the JSON is nested too deeply to be read; flatten it") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise SegurKgError(f"{shown}: invalid JSON ({exc}); fix the document") from None


def _check_iris(expanded: Any, raw: bytes, shown: str, base: str) -> None:
    """Every @id, @type and property of the expanded document is an IRI or a blank node: PyLD
    drops what is not, with its statements. Walked with a stack: nesting depth is not a limit."""
    from pyoxigraph import Literal, NamedNode

    def check(value: str, what: str) -> None:
        if value.startswith("_:") and what != "property":
            return
        try:
            NamedNode(value)
        except ValueError as exc:
            where = _where(raw, value, base)
            raise SegurKgError(f"{shown}{where}: {what} '{printable(value)}' is not a valid IRI "
                               f"({printable(str(exc))}); fix the IRI") from None

    stack = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if key == "@value":
                continue  # data, even an @json object
            if key == "@id" and isinstance(value, str):
                check(value, "@id")
            elif key == "@type":
                for name in value if isinstance(value, list) else [value]:
                    if isinstance(name, str) and not name.startswith("@"):
                        check(name, "@type")
            elif key == "@language" and isinstance(value, str):
                try:
                    Literal("", language=value)
                except ValueError:
                    raise SegurKgError(f"{shown}{_where(raw, value, base)}: '{printable(value)}' "
                                       "is not a valid language tag; fix the tag") from None
            elif not key.startswith("@"):
                check(key, "property")
            stack.append(value)


def _where(raw: bytes, iri: str, base: str) -> str:
    """':LINE' of the IRI as written in the file: whole, or relative to the file's folder."""
    folder = base.rsplit("/", 1)[0] + "/"
    for text in (iri, iri[len(folder):] if iri.startswith(folder) else ""):
        index = raw.find(text.encode("utf-8", errors="replace")) if text else -1
        if index >= 0:
            return f":{raw.count(_NEWLINE, 0, index) + 1}"
    return ""


def _triples(dataset: dict[str, list[dict[str, Any]]], shown: str) -> list[tuple[Any, Any, Any]]:
    """PyLD's quads as pyoxigraph triples; blank nodes are fresh for each file."""
    from pyoxigraph import BlankNode, Literal, NamedNode

    blanks: dict[str, BlankNode] = {}

    def term(item: dict[str, Any]) -> Any:
        value = item["value"]
        if item["type"] == "IRI":
            return NamedNode(value)
        if item["type"] == "blank node":
            return blanks.setdefault(value, BlankNode())
        if item.get("language"):
            return Literal(value, language=item["language"])
        datatype = item.get("datatype")
        return Literal(value, datatype=NamedNode(datatype) if datatype else None)

    triples = []
    for name in sorted(dataset):
        for quad in dataset[name]:
            try:
                triples.append((term(quad["subject"]), term(quad["predicate"]),
                                term(quad["object"])))
            except ValueError as exc:
                raise SegurKgError(f"{shown}: a statement cannot be read ({printable(str(exc))}); "
                                   "fix the document") from None
    return triples
