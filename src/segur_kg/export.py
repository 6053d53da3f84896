"""Export the whole graph (vocabulary + data), optionally closed under inference."""

from __future__ import annotations

from pathlib import Path

from segur_kg import paths
from segur_kg.atomic import write_atomic
from segur_kg.errors import SegurKgError

# Kept here rather than imported from serialize, so the command line starts without rdflib.
FORMATS = ("ttl", "nt", "jsonld", "xml", "trig")


def export(fmt: str, infer: bool = False) -> bytes:
    """The graph in `fmt`; the same sources always give the same bytes."""
    from segur_kg.serialize import serialize

    if infer:
        from segur_kg.inference import inferred_dataset

        graph = inferred_dataset()
    else:
        from segur_kg.rdf_io import load_dataset

        graph = load_dataset()
    return serialize(graph, fmt)


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
