"""Version and licence, read from one place: pyproject.toml (or the installed metadata)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from segur_kg.common.paths import REPO_ROOT

DISTRIBUTION = "segur-kg"
DEF_NS = "https://w3id.org/segur/def/"


@dataclass(frozen=True)
class Metadata:
    version: str
    license: str  # SPDX identifier

    @property
    def version_iri(self) -> str:
        return f"{DEF_NS}{self.version}"

    @property
    def license_iri(self) -> str:
        return f"https://spdx.org/licenses/{self.license}"


@cache
def metadata() -> Metadata:
    # In a checkout pyproject.toml is the source of truth, even if the installed metadata is stale.
    pyproject = REPO_ROOT / "pyproject.toml"
    if pyproject.is_file():
        with pyproject.open("rb") as handle:
            project = tomllib.load(handle).get("project", {})
        if project.get("name") == DISTRIBUTION:
            return Metadata(str(project["version"]), _spdx(project.get("license")))
    from importlib import metadata as im

    meta = im.metadata(DISTRIBUTION)
    licence = meta.get("License-Expression") or meta.get("License") or "CC-BY-4.0"
    return Metadata(meta["Version"], licence)


def _spdx(value: object) -> str:
    # PEP 639 string, or the older table form {text = "..."}.
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return value["text"]
    return "CC-BY-4.0"
