"""`segur-kg examples -o FOLDER`: the files of the README's tour and the manual (examples/),
with the NOS code systems (sources/nos/) and the benchmark questions (benchmarks/queries/),
copied where the user wants them: from an installed package as well as from a checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError

# What is copied: examples/ lands in FOLDER itself, the others keep their relative path, so
# that the commands of the docs (`segur-kg nos import sources/nos/*.ttl`) run in FOLDER.
PARTS = (("examples", "."), ("sources/nos", "sources/nos"),
         ("benchmarks/queries", "benchmarks/queries"))


def copy_examples(folder: Path) -> list[Path]:
    """Copy every file; refuse before copying anything if one would replace a file."""
    planned: list[tuple[Path, Path]] = []
    for source, target in PARTS:
        base = paths.root() / source
        if not base.is_dir():
            raise SegurKgError(f"{base}: the examples are missing from this installation; "
                               "reinstall segur-kg")
        for path in sorted(p for p in base.rglob("*") if p.is_file() and _shipped(p)):
            planned.append((path, folder / target / path.relative_to(base)))
    existing = [target for _, target in planned if target.exists()]
    if existing:
        raise SegurKgError(f"{existing[0]}: already exists ({len(existing)} of the "
                           f"{len(planned)} files do); choose an empty folder")
    for source, target in planned:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    return [target for _, target in planned]


def _shipped(path: Path) -> bool:
    return "__pycache__" not in path.parts and not path.name.startswith(".")
