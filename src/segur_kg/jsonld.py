"""JSON-LD with the shipped context: compacted and framed exports, and safe parsing.

Every JSON-LD operation goes through `document_loader`, which serves the shipped context for
its published IRI and refuses every other address, so neither an export nor a file being read
can make PyLD open the network or the disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segur_kg import paths
from segur_kg.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import BNode, Graph
    from rdflib.term import Node

CONTEXT_IRI = "https://w3id.org/segur/context.jsonld"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
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

    from segur_kg.serialize import serialize

    nquads = serialize(graph, "nt").decode("utf-8")
    # Native numbers and booleans are what a web developer expects; they read back unchanged
    # because PyLD converts only canonical lexical forms.
    return _run(jsonld.from_rdf, nquads,
                _options(format="application/n-quads", useNativeTypes=True))


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


def to_triples(document: Any, base: str) -> list[tuple[Node, Node, Node]]:
    """The RDF of a parsed JSON-LD document, named graphs merged; only the shipped context
    is resolved. Blank nodes are fresh for each call, so two files never share one."""
    from pyld import jsonld

    dataset = _run(jsonld.to_rdf, document, _options(base=base))
    blanks: dict[str, BNode] = {}
    triples = []
    for name in sorted(dataset):
        for quad in dataset[name]:
            triples.append((_term(quad["subject"], blanks), _term(quad["predicate"], blanks),
                            _term(quad["object"], blanks)))
    return triples


def _term(term: dict[str, Any], blanks: dict[str, BNode]) -> Node:
    from rdflib import BNode, Literal, URIRef

    value = term["value"]
    if term["type"] == "IRI":
        return URIRef(value)
    if term["type"] == "blank node":
        return blanks.setdefault(value, BNode())
    if term.get("language"):
        return Literal(value, lang=term["language"])
    datatype = term.get("datatype")
    # RDF 1.1 makes a plain literal an xsd:string; rdflib keeps them apart, Turtle writes plain.
    if not datatype or datatype == _XSD_STRING:
        return Literal(value)
    return Literal(value, datatype=URIRef(datatype))
