"""Version, read from one place: pyproject.toml (or the installed metadata); and the licence of
the data (the vocabulary and the facts), which the package's licence expression
("MIT AND CC-BY-4.0": code under MIT, data under CC BY 4.0) names second."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from segur_kg.common.paths import REPO_ROOT

DISTRIBUTION = "segur-kg"
DEF_NS = "https://w3id.org/segur/def/"
DATA_LICENSE = "CC-BY-4.0"  # LICENSE-DATA


@dataclass(frozen=True)
class Metadata:
    version: str
    license: str  # SPDX identifier of the data's licence

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
            return Metadata(str(project["version"]), DATA_LICENSE)
    from importlib import metadata as im

    return Metadata(im.metadata(DISTRIBUTION)["Version"], DATA_LICENSE)
