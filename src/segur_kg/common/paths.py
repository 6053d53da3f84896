"""Where the sources of the graph live (ontology, shapes, data, queries)."""

from __future__ import annotations

import os
from pathlib import Path

from segur_kg.common.errors import SegurKgError

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # segur_kg/, above common/
# A wheel carries the sources here; an editable install reads them from the repository.
_RESOURCES = _PACKAGE_DIR / "_resources"
REPO_ROOT = _PACKAGE_DIR.parents[1]


def root() -> Path:
    """The folder holding ontology/, data/ and queries/."""
    home = os.environ.get("SEGUR_KG_HOME")
    if home:
        path = Path(home).expanduser()
        if not (path / "ontology").is_dir():
            raise SegurKgError(
                f"SEGUR_KG_HOME={home} has no ontology/ folder; "
                "point it at a copy of the repository or unset it"
            )
        return path
    if (_RESOURCES / "ontology").is_dir():
        return _RESOURCES
    return REPO_ROOT


def ontology_file() -> Path:
    return root() / "ontology" / "segur.ttl"


def shapes_dir() -> Path:
    return root() / "ontology" / "shapes"


def requirements_file() -> Path:
    return shapes_dir() / "REQUIREMENTS.md"


def data_dir() -> Path:
    return root() / "data"


def queries_dir() -> Path:
    return root() / "queries"


def data_files() -> list[Path]:
    """data/*.ttl, then the NOS concept schemes data/nos/*.ttl, each sorted so the
    loading order never changes."""
    folder = data_dir()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.ttl")) + sorted((folder / "nos").glob("*.ttl"))


def display(path: Path) -> str:
    """A short path for messages: relative to the root or to the working dir when possible."""
    for base in (root(), Path.cwd()):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)
