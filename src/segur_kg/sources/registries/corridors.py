"""Which corridor of the programme an establishment category (NOS TRE_R66) or a health profession
(NOS TRE_G15) comes under, from the table data/registries/corridors.csv.

Each row links one code to one corridor of data/corridors.ttl and says on what basis: the address
of a page that states the link, or `reading` when no page does and the link is this graph's own
reading; a note (English, then French) says why. `links()` reads and checks the table;
`ntriples()` writes each link as `<concept> segur:concernsCorridor <corridor>`, restated by a
statement that carries its provenance, as the graph does elsewhere (data/envelopes.ttl): a
segur:Reading citing the graph's own reading (src:lecture-du-graphe) with its method in
segur:readingNote, or an rdf:Statement citing the page, with the note as skos:editorialNote.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError

SEGUR = "https://w3id.org/segur/def/"
ID = "https://w3id.org/segur/id/"
CORRIDOR = f"{ID}corridor/"
READING_SOURCE = f"{ID}source/lecture-du-graphe"
CONCERNS_CORRIDOR = f"{SEGUR}concernsCorridor"
COLUMNS = ("kind", "code", "label", "corridor", "basis", "note", "note_fr")
READING = "reading"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
SKOS_EDITORIAL_NOTE = "http://www.w3.org/2004/02/skos/core#editorialNote"


@dataclass(frozen=True)
class CodeSystem:
    """A NOS code system a row may name: where its SKOS file is and how the graph names it."""

    name: str  # TRE_R66
    file: str  # path below data/
    canonical: str  # the code system's canonical URL; a concept is canonical + "/" + code
    what_fr: str
    what_en: str


KINDS = {
    "category": CodeSystem(
        "TRE_R66", "registries/nos/TRE_R66-CategorieEtablissement.ttl",
        "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/"
        "TRE-R66-CategorieEtablissement",
        "la catégorie d'établissement", "the establishment category"),
    "profession": CodeSystem(
        "TRE_G15", "nos/TRE_G15-ProfessionSante.ttl",
        "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante",
        "la profession", "the profession"),
}


@dataclass(frozen=True)
class CorridorLink:
    """One row of the table."""

    kind: str  # category or profession
    code: str  # the NOS code
    label: str  # the NOS label of the code, for people reading the table
    corridor: str  # the last segment of the corridor's IRI
    basis: str  # the address of the page that states the link, or "reading"
    note: str  # why, in English
    note_fr: str  # why, in French

    @property
    def is_reading(self) -> bool:
        return self.basis == READING

    @property
    def concept(self) -> str:
        return f"{KINDS[self.kind].canonical}/{self.code}"

    @property
    def corridor_iri(self) -> str:
        return CORRIDOR + self.corridor

    @property
    def statement(self) -> str:
        """The IRI of the statement that restates the link with its provenance."""
        kind = "reading" if self.is_reading else "statement"
        system = KINDS[self.kind].name.removeprefix("TRE_").lower()
        code = re.sub(r"[^a-z0-9]+", "-", self.code.lower()).strip("-")
        return f"{ID}{kind}/{system}-{code}-couloir-{self.corridor}"


def table_file() -> Path:
    return paths.data_dir() / "registries" / "corridors.csv"


def links(path: Path | None = None) -> list[CorridorLink]:
    """The rows of the table, each checked: a known kind, a code of its NOS code system, a
    corridor of data/corridors.ttl, a basis that is `reading` or an https address, two notes."""
    path = path or table_file()
    shown = paths.display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SegurKgError(f"{shown}: cannot read the corridor table ({exc.strerror}); "
                           "restore it from the repository") from None
    except UnicodeDecodeError:
        raise SegurKgError(f"{shown}: the corridor table is not UTF-8 text; "
                           "save it as UTF-8") from None
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if header is None or tuple(header) != COLUMNS:
        raise SegurKgError(f"{shown}:1: the header must be {','.join(COLUMNS)}")
    corridors = _corridors()
    found: list[CorridorLink] = []
    seen: set[tuple[str, str, str]] = set()
    for number, cells in enumerate(rows, start=2):
        if not cells:
            continue
        if len(cells) != len(COLUMNS):
            raise SegurKgError(f"{shown}:{number}: the row has {len(cells)} cells instead of "
                               f"{len(COLUMNS)}; quote a cell that holds a comma")
        link = CorridorLink(*(cell.strip() for cell in cells))
        where = f"{shown}:{number}"
        if link.kind not in KINDS:
            raise SegurKgError(f"{where}: unknown kind '{link.kind}'; write "
                               f"{' or '.join(KINDS)}")
        system = KINDS[link.kind]
        if link.code not in _codes(link.kind):
            raise SegurKgError(f"{where}: '{link.code}' is no code of {system.name} "
                               f"(data/{system.file}); use one of its skos:notation values")
        if link.corridor not in corridors:
            raise SegurKgError(f"{where}: '{link.corridor}' is no corridor of "
                               f"data/corridors.ttl; use one of {', '.join(sorted(corridors))}")
        if link.basis != READING and not re.fullmatch(r"https://[^\s\"<>{}|\\^`]+", link.basis):
            raise SegurKgError(f"{where}: the basis must be the https address of the page that "
                               f"states the link, or '{READING}' when none does")
        if not link.label or not link.note or not link.note_fr:
            raise SegurKgError(f"{where}: the label and both notes (note, note_fr) must be "
                               "filled; say why the code comes under the corridor")
        key = (link.kind, link.code, link.corridor)
        if key in seen:
            raise SegurKgError(f"{where}: {link.kind} {link.code} is linked to "
                               f"{link.corridor} twice; keep one row")
        seen.add(key)
        found.append(link)
    return found


def ntriples(rows: list[CorridorLink]) -> str:
    """The links and their provenance as N-Triples, sorted, so the same table gives the same
    bytes."""
    corridors = _corridors()
    lines: set[str] = set()
    for link in rows:
        system = KINDS[link.kind]
        statement = _iri(link.statement)
        lines.add(_triple(_iri(link.concept), _iri(CONCERNS_CORRIDOR), _iri(link.corridor_iri)))
        lines.add(_triple(statement, _iri(RDF + "type"),
                          _iri(SEGUR + "Reading" if link.is_reading else RDF + "Statement")))
        lines.add(_triple(statement, _iri(RDF + "subject"), _iri(link.concept)))
        lines.add(_triple(statement, _iri(RDF + "predicate"), _iri(CONCERNS_CORRIDOR)))
        lines.add(_triple(statement, _iri(RDF + "object"), _iri(link.corridor_iri)))
        name_fr, name_en = corridors[link.corridor]
        said_fr = (f"{system.what_fr} « {link.label} » ({system.name}, code {link.code}) relève "
                   f"du couloir {name_fr}")
        said_en = (f"{system.what_en} “{link.label}” ({system.name}, code {link.code}) comes "
                   f"under the {_lower_first(name_en)} corridor")
        if link.is_reading:
            label_fr = f"Lecture du graphe : {said_fr}"
            label_en = f"Reading of this graph: {said_en}"
            note, source = SEGUR + "readingNote", READING_SOURCE
        else:
            label_fr, label_en = _upper_first(said_fr), _upper_first(said_en)
            note, source = SKOS_EDITORIAL_NOTE, link.basis
        lines.add(_triple(statement, _iri(RDFS_LABEL), _text(label_fr, "fr")))
        lines.add(_triple(statement, _iri(RDFS_LABEL), _text(label_en, "en")))
        lines.add(_triple(statement, _iri(note), _text(link.note_fr, "fr")))
        lines.add(_triple(statement, _iri(note), _text(link.note, "en")))
        lines.add(_triple(statement, _iri(DCTERMS_SOURCE), _iri(source)))
    return "".join(sorted(lines))


@functools.cache
def _codes(kind: str) -> frozenset[str]:
    from segur_kg.sources.registries import codes

    return frozenset(codes.concepts(kind))


@functools.cache
def _corridors() -> dict[str, tuple[str, str]]:
    """Last segment of each corridor IRI → its French and English labels (read with the
    engine's parser: an import needs no rdflib)."""
    from pyoxigraph import RdfFormat, parse

    path = paths.data_dir() / "corridors.ttl"
    try:
        with path.open("rb") as stream:
            triples = list(parse(stream, format=RdfFormat.TURTLE))
    except (OSError, SyntaxError, ValueError) as exc:
        raise SegurKgError(f"{paths.display(path)}: cannot read the corridors "
                           f"({type(exc).__name__}); restore it from the repository") from None
    kinds = {t.subject.value for t in triples
             if t.predicate.value == f"{RDF}type" and t.object.value == SEGUR + "Corridor"}
    found: dict[str, dict[str, str]] = {name[len(CORRIDOR):]: {} for name in kinds
                                        if name.startswith(CORRIDOR)}
    for t in triples:
        name = t.subject.value
        if name in kinds and name.startswith(CORRIDOR) and t.predicate.value == RDFS_LABEL:
            found[name[len(CORRIDOR):]][getattr(t.object, "language", None) or ""] = (
                t.object.value)
    return {key: (names.get("fr", ""), names.get("en", ""))
            for key, names in found.items()}


def _lower_first(text: str) -> str:
    """"Hospital" → "hospital", but "MSSanté operators" stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _iri(value: str) -> str:
    return f"<{value}>"


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _text(value: str, lang: str) -> str:
    return '"' + value.translate(_ESCAPES) + f'"@{lang}'


def _triple(subject: str, predicate: str, obj: str) -> str:
    return f"{subject} {predicate} {obj} .\n"
