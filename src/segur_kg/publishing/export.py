"""Export the whole graph (vocabulary + data), optionally closed under inference: in an RDF
format, as a framed JSON-LD document, or as one CSV table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from segur_kg.common import paths
from segur_kg.common.atomic import write_atomic
from segur_kg.common.errors import SegurKgError
from segur_kg.publishing.formats import CHOICES, FORMATS, TABLE_FORMAT, TABLE_LANGS

if TYPE_CHECKING:
    from rdflib import Graph

    from segur_kg.stores import Store



def check_options(fmt: str, frame: str | None, table: str | None, lang: str | None) -> None:
    """Refuse an unknown format, and option combinations that would be silently ignored,
    before any loading."""
    if fmt not in CHOICES:
        raise SegurKgError(f"unknown export format '{fmt}'; give one of {', '.join(CHOICES)}")
    if fmt == TABLE_FORMAT:
        from segur_kg.publishing.tables import check_table, table_names

        if table is None:
            raise SegurKgError(
                f"--format csv needs --table NAME; tables: {', '.join(table_names())}"
            )
        check_table(table)
        if frame is not None:
            raise SegurKgError("--frame applies to --format jsonld, not csv; remove --frame")
        return
    if table is not None:
        raise SegurKgError(f"--table applies only to --format csv, not {fmt}; remove --table")
    if lang is not None:
        raise SegurKgError(
            f"--lang applies only to --format csv ({fmt} keeps every language); remove --lang"
        )
    if frame is not None:
        if fmt != "jsonld":
            raise SegurKgError(f"--frame applies only to --format jsonld, not {fmt}")
        from segur_kg.rdf.jsonld import frame_names

        if frame not in frame_names():
            raise SegurKgError(
                f"unknown frame '{frame}'; available frames: {', '.join(frame_names())}"
            )


def export(fmt: str, infer: bool = False, *, frame: str | None = None,
           table: str | None = None, lang: str | None = None, store: Store | None = None) -> bytes:
    """The graph in `fmt`, as bytes (see export_to)."""
    buffer = BytesIO()
    export_to(buffer, fmt, infer, frame=frame, table=table, lang=lang, store=store)
    return buffer.getvalue()


def export_to(output: BinaryIO, fmt: str, infer: bool = False, *, frame: str | None = None,
              table: str | None = None, lang: str | None = None,
              store: Store | None = None) -> None:
    """Write the graph in `fmt` to `output`; the same sources always give the same bytes.

    The RDF formats of a store (Oxigraph, an endpoint) are streamed from it (see streaming.py),
    with the description built from the counts the store keeps. The memory store, CSV tables
    and JSON-LD frames work on an rdflib graph in memory."""
    check_options(fmt, frame, table, lang)
    if store is None:
        from segur_kg.stores.memory import MemoryStore

        store = MemoryStore()
    if not store.in_memory and fmt in FORMATS and frame is None:
        from segur_kg.publishing.describe import describe
        from segur_kg.publishing.streaming import export_store

        description = describe(None, counts=store.counts(infer))
        export_store(store, fmt, infer, description, output)
        return
    graph = store.graph(infer)
    if fmt == TABLE_FORMAT:
        from segur_kg.publishing.tables import to_csv

        output.write(to_csv(graph, table or "", lang or TABLE_LANGS[0]))
        return
    if frame is not None:
        from segur_kg.rdf.jsonld import framed

        output.write(framed(graph, frame))
        return
    from segur_kg.publishing.describe import describe

    # The RDF exports carry the dataset's VoID + DCAT description (segur-kg describe), in the
    # form that stays out of the programme's answers (see describe.describe, `standalone`).
    output.write(serialize_described(graph, describe(graph), fmt))


def check_output(path: Path) -> None:
    if not path.parent.is_dir():
        raise SegurKgError(
            f"{path}: the folder {path.parent} does not exist; create it or choose another -o path"
        )
    if path.is_dir():
        raise SegurKgError(f"{path}: is a folder; give a file name to -o")


def write_output(path: Path, data: bytes) -> None:
    """Replace `path` atomically; on failure nothing is left behind."""
    check_output(path)
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise SegurKgError(
            f"{paths.display(path)}: cannot write the export ({exc.strerror}); "
            "check the path and its permissions"
        ) from None


@contextmanager
def output_file(path: Path) -> Iterator[BinaryIO]:
    """A binary stream that replaces `path` atomically when the block ends normally; on
    failure nothing is left behind."""
    from segur_kg.common.atomic import open_atomic_bytes

    check_output(path)
    try:
        with open_atomic_bytes(path) as stream:
            yield stream
    except OSError as exc:
        raise SegurKgError(
            f"{paths.display(path)}: cannot write the export ({exc.strerror}); "
            "check the path, its permissions and the free space"
        ) from None


def serialize_described(graph: Graph, description: Graph, fmt: str) -> bytes:
    """A graph and its description, as the RDF exports publish them: in a quad format each in
    its own named graph (NAMED_GRAPH, describe.DESCRIPTION_GRAPH), so that a store loading the
    file keeps the description apart from the data; otherwise merged into the one graph the
    format has."""
    from segur_kg.publishing.describe import DESCRIPTION_GRAPH, merge
    from segur_kg.rdf.serialize import NAMED_GRAPH, QUAD_FORMATS, serialize, serialize_quads

    if fmt in QUAD_FORMATS:
        return serialize_quads([(NAMED_GRAPH, graph), (DESCRIPTION_GRAPH, description)], fmt)
    return serialize(merge(graph, description), fmt)
