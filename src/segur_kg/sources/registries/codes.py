"""The NOS code systems the registries use, read from the SKOS concept schemes the project ships
(data/nos/ for those in the base graph, data/registries/nos/ for the others), and the few
N-Triples writing helpers the importers share."""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError

SEGUR = "https://w3id.org/segur/def/"
ID = "https://w3id.org/segur/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"

# Code system → its file name (without .ttl), in data/nos/ or data/registries/nos/.
CODE_SYSTEMS = {
    "category": "TRE_R66-CategorieEtablissement",
    "department": "TRE_G09-DepartementOM",
    "region": "TRE_R30-RegionOM",
    "profession": "TRE_G15-ProfessionSante",
    "professional_category": "TRE_R09-CategorieProfessionnelle",
    "exercise_mode": "TRE_R23-ModeExercice",
    "sector": "TRE_R02-SecteurActivite",
    "person_id_type": "TRE_G08-TypeIdentifiantPersonne",
    "structure_id_type": "TRE_G07-TypeIdentifiantStructure",
}
_NOTATION = re.compile(r'^<([^>]+)> a skos:Concept ;|^\s+skos:notation "([^"]*)"')


def registry_nos_dir() -> Path:
    return paths.data_dir() / "registries" / "nos"


def scheme_file(system: str) -> Path:
    name = CODE_SYSTEMS[system] + ".ttl"
    for folder in (paths.data_dir() / "nos", registry_nos_dir()):
        if (folder / name).is_file():
            return folder / name
    raise SegurKgError(f"{name}: the NOS code system is missing from data/nos/ and "
                       "data/registries/nos/; restore it from the repository")


@functools.cache
def concepts(system: str) -> dict[str, str]:
    """code → concept IRI. The schemes are written by `segur-kg nos import`, one concept per
    block with its notation, so a line scan reads them without an RDF parser."""
    found: dict[str, str] = {}
    subject = None
    for line in scheme_file(system).read_text(encoding="utf-8").splitlines():
        match = _NOTATION.match(line)
        if not match:
            continue
        if match.group(1):
            subject = match.group(1)
        elif subject is not None:
            found[match.group(2)] = subject
            subject = None
    if not found:
        raise SegurKgError(f"{scheme_file(system)}: no concept with a skos:notation; "
                           "restore the file from the repository")
    return found


def real_date(iso: str) -> str | None:
    """`iso` (YYYY-MM-DD, ASCII digits) when it is a day of the calendar (not 2020-02-30)."""
    try:
        datetime.date.fromisoformat(iso)
    except ValueError:
        return None
    return iso


def iri(value: str) -> str:
    return f"<{value}>"


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def escaped(value: str) -> str:
    """The text of an N-Triples literal: its quotes, backslashes and line breaks escaped."""
    # Most values need no escape: four scans cost less than a translation.
    if '"' in value or "\\" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def text(value: str, lang: str | None = None) -> str:
    literal = '"' + escaped(value) + '"'
    return f"{literal}@{lang}" if lang else literal


def typed(value: str, datatype: str) -> str:
    return f'"{escaped(value)}"^^<{XSD}{datatype}>'


def triple(subject: str, predicate: str, obj: str) -> str:
    return f"{subject} {predicate} {obj} .\n"


def term(name: str) -> str:
    """A term of the segur: vocabulary, as an N-Triples IRI."""
    return f"<{SEGUR}{name}>"


def ends(predicate: str, found: dict[str, str]) -> dict[str, str]:
    """code → the end of its triple (predicate, concept, full stop): a line's triples are then
    its subject joined to ready-made endings."""
    return {code: f" {predicate} <{concept}> .\n" for code, concept in found.items()}


SUBJECT = "\0"  # stands for the subject in a Place's triples (no IRI holds it)


@dataclass(frozen=True)
class Place:
    """Where a record is (an establishment, an activity): its triples with SUBJECT standing for
    the record, what to note or count as unknown for each record placed there, and the
    concepts for the figures. Looked up once per distinct code."""

    ends: str = ""
    note: str = ""
    unknown: str = ""
    department: str | None = None
    region: str | None = None
    triples: int = field(init=False)  # in ends

    def __post_init__(self) -> None:
        object.__setattr__(self, "triples", self.ends.count("\n"))
