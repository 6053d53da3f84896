"""Build a release folder: every export, the shapes, the context, the NOS schemes, the
description, the changelog and a SHA256SUMS file.

The folder is assembled next to its final place and renamed into it, so a reader never sees a
half-built release; the same sources give the same bytes in every file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import Graph

    from segur_kg.publishing.describe import Distribution

CHECKSUMS = "SHA256SUMS"
DESCRIPTION_FILE = "description.ttl"
SHAPES_FILE = "shapes/segur-shapes.ttl"
CHANGELOG = "CHANGELOG.md"


def release_name(version: str) -> str:
    return f"segur-kg-{version}"


def build(out_dir: Path, force: bool = False, base_url: str | None = None) -> Path:
    """Write out_dir/segur-kg-{version}/ and return its path."""
    from segur_kg.common.metadata import metadata
    from segur_kg.publishing.describe import check_base_url

    check_base_url(base_url)
    target = out_dir / release_name(metadata().version)
    if target.exists() and not force:
        raise SegurKgError(
            f"{target}: the release already exists; pass --force to rebuild it"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise SegurKgError(f"{out_dir}: is not a folder; give a folder to -o")
    files = release_files(base_url)  # every file in memory first: a bad source writes nothing
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".{target.name}."))
    except OSError as exc:
        raise SegurKgError(
            f"{out_dir}: cannot create the release folder ({exc.strerror}); "
            "check the path and its permissions"
        ) from None
    try:
        for relative, data in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes the folder private
        _move_into_place(staging, target)
    except OSError as exc:
        raise SegurKgError(
            f"{target}: cannot write the release ({exc.strerror}); "
            "check the path and its permissions"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def release_files(base_url: str | None = None) -> dict[str, bytes]:
    """Relative path → bytes of every file of the release, SHA256SUMS last."""
    from segur_kg.checking.shapes import load_shapes
    from segur_kg.publishing import describe
    from segur_kg.rdf.reading import load_dataset
    from segur_kg.rdf.serialize import serialize

    graph = load_dataset()
    # The exports carry the description without sizes and checksums: a file cannot state its
    # own checksum. description.ttl then states them for every export.
    published = describe.describe(graph, base_url=base_url)
    files: dict[str, bytes] = {}
    for dist in describe.distributions():
        files[dist.path] = _export_bytes(dist, published, graph)
    facts = {
        path: describe.FileFacts(len(data), hashlib.sha256(data).hexdigest())
        for path, data in files.items()
    }
    files[DESCRIPTION_FILE] = serialize(
        describe.describe(graph, facts, base_url, standalone=True), "ttl")
    files[SHAPES_FILE] = serialize(load_shapes(), "ttl")
    context = paths.root() / "ontology" / "context.jsonld"
    if context.is_file():
        files["context.jsonld"] = _read(context)
    nos = paths.data_dir() / "nos"
    for scheme in sorted(nos.glob("*.ttl")) if nos.is_dir() else []:
        files[f"nos/{scheme.name}"] = _read(scheme)
    files[CHANGELOG] = _read(changelog_file())
    files[CHECKSUMS] = checksums(files)
    return files


def checksums(files: dict[str, bytes]) -> bytes:
    """`sha256sum` output for the files, sorted by path, so `sha256sum -c` checks them."""
    lines = [f"{hashlib.sha256(data).hexdigest()}  {path}\n"
             for path, data in sorted(files.items()) if path != CHECKSUMS]
    return "".join(lines).encode("utf-8")


def changelog_file() -> Path:
    for base in (paths.root(), paths.REPO_ROOT):
        candidate = base / CHANGELOG
        if candidate.is_file():
            return candidate
    raise SegurKgError(
        f"{paths.root() / CHANGELOG}: the changelog is missing; restore CHANGELOG.md"
    )


def _export_bytes(dist: Distribution, description: Graph, graph: Graph) -> bytes:
    """A distribution's bytes, as `segur-kg export` makes them. The RDF formats carry the
    description; frames and tables are views of the data and are made from the data alone."""
    from segur_kg.publishing.export import serialize_described
    from segur_kg.publishing.tables import to_csv
    from segur_kg.rdf.jsonld import framed

    if dist.frame is not None:
        return framed(graph, dist.frame)
    if dist.table is not None:
        return to_csv(graph, dist.table, dist.lang or "fr")
    return serialize_described(graph, description, dist.fmt)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SegurKgError(
            f"{paths.display(path)}: cannot read the file ({exc.strerror}); restore it"
        ) from None


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the finished folder into place; an older release is swapped out, then removed."""
    if not target.exists():
        os.rename(staging, target)
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old."))
    os.rename(target, old / target.name)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(old / target.name, target)  # put the previous release back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
