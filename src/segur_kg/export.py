"""Export the whole graph (vocabulary + data), optionally closed under inference: in an RDF
format, as a framed JSON-LD document, or as one CSV table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg import paths
from segur_kg.atomic import write_atomic
from segur_kg.errors import SegurKgError

if TYPE_CHECKING:
    from segur_kg.stores import Store

# Kept here rather than imported from serialize, so the command line starts without rdflib.
FORMATS = ("ttl", "nt", "jsonld", "xml", "trig", "nq")
TABLE_FORMAT = "csv"
CHOICES = (*FORMATS, TABLE_FORMAT)
TABLE_LANGS = ("fr", "en")


def check_options(fmt: str, frame: str | None, table: str | None, lang: str | None) -> None:
    """Refuse option combinations that would be silently ignored, before any loading."""
    if fmt == TABLE_FORMAT:
        from segur_kg.tables import check_table, table_names

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
        from segur_kg.jsonld import frame_names

        if frame not in frame_names():
            raise SegurKgError(
                f"unknown frame '{frame}'; available frames: {', '.join(frame_names())}"
            )


def export(fmt: str, infer: bool = False, *, frame: str | None = None,
           table: str | None = None, lang: str | None = None, store: Store | None = None) -> bytes:
    """The graph in `fmt`; the same sources always give the same bytes."""
    check_options(fmt, frame, table, lang)
    if store is None:
        from segur_kg.stores.memory import MemoryStore

        store = MemoryStore()
    graph = store.graph(infer)
    if fmt == TABLE_FORMAT:
        from segur_kg.tables import to_csv

        return to_csv(graph, table or "", lang or TABLE_LANGS[0])
    if frame is not None:
        from segur_kg.jsonld import framed

        return framed(graph, frame)
    from segur_kg.describe import describe
    from segur_kg.serialize import serialize_described

    # The RDF exports carry the dataset's VoID + DCAT description (segur-kg describe), in the
    # form that stays out of the programme's answers (see describe.describe, `standalone`).
    return serialize_described(graph, describe(graph), fmt)


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
