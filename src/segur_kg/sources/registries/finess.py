"""FINESS establishments from the etalab extract (DREES, Licence Ouverte 2.0).

The file has no header: a comment line `finess;etalab;<number>;<YYYY-MM-DD>`, then `structureet`
lines (32 fields, `;`, CSV quoting) and, in some variants, `geolocalisation` lines. Each
establishment (ET, a site) becomes a segur:HealthEstablishment with its FINESS number, names,
category (NOS TRE_R66), département (NOS TRE_G09), region (NOS TRE_R30, through INSEE's
geography) and legal entity (EJ, a segur:LegalEntity shared by its sites).
"""

from __future__ import annotations

import csv
import operator
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from segur_kg.sources.registries import geography
from segur_kg.sources.registries.codes import ID, RDF_TYPE, concepts, iri, term, text, triple, typed
from segur_kg.sources.registries.reading import Source
from segur_kg.sources.registries.report import ImportReport

if TYPE_CHECKING:
    from segur_kg.sources.registries.figures import Records

FIELDS = ("structureet", "nofinesset", "nofinessej", "rs", "rslongue", "complrs",
          "compldistrib", "numvoie", "typvoie", "voie", "compvoie", "lieuditbp", "commune",
          "departement", "libdepartement", "ligneacheminement", "telephone", "telecopie",
          "categetab", "libcategetab", "categagretab", "libcategagretab", "siret", "codeape",
          "codemft", "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai")
GEOLOCATION_FIELDS = 6
FINESS_NUMBER = re.compile(r"[0-9][0-9A-Z][0-9]{7}")  # the format's own pattern (etalab XSD)
SIRET = re.compile(r"[0-9]{14}")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
FRENCH_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")  # older extracts
COMMENT = re.compile(r"finess;etalab;[^;]*;(\d{4}-\d{2}-\d{2})")
# The fields an establishment line gives the graph, in the order _establishment reads them.
_PICK = operator.itemgetter(*(FIELDS.index(name) for name in (
    "nofinesset", "nofinessej", "rs", "rslongue", "categetab", "departement", "telephone",
    "siret", "dateouv")))

RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"
DCTERMS_SPATIAL = "<http://purl.org/dc/terms/spatial>"
DCTERMS_SOURCE = "<http://purl.org/dc/terms/source>"
SCHEMA_TELEPHONE = "<https://schema.org/telephone>"
DATASET = f"{ID}dataset/finess"


def establishment_iri(number: str) -> str:
    return f"{ID}finess/et/{number}"


def legal_entity_iri(number: str) -> str:
    return f"{ID}finess/ej/{number}"


def looks_like(first_line: str) -> bool:
    return first_line.startswith(("finess;", "structureet;"))


class FinessReader:
    """Reads one extract; `extract_date` is known once the comment line has been read."""

    def __init__(self, report: ImportReport, include_personal_data: bool = False) -> None:
        self.name = ""  # the file being read, for messages
        self.report = report
        self.extract_date: str | None = None
        self._legal_entities: set[str] = set()
        self._categories = concepts("category")
        self._departments = concepts("department")
        self._regions = concepts("region")
        self.records: Records | None = None  # where an import into a store notes each one

    def triples(self, source: Source) -> Iterator[str]:
        self.name = source.name
        numbered = iter(source.lines)
        current = [0]

        def texts() -> Iterator[str]:
            for number, line in numbered:
                current[0] = number
                yield line

        for fields in csv.reader(texts(), delimiter=";", quotechar='"', strict=False):
            self.report.lines_read += 1
            if not fields:
                self.report.skip("empty")
                continue
            kind = fields[0]
            if kind == "structureet":
                yield from self._establishment(current[0], fields)
            elif kind == "geolocalisation":
                if len(fields) != GEOLOCATION_FIELDS:
                    self._malformed(current[0], f"a geolocalisation line has {len(fields)} "
                                    f"fields, expected {GEOLOCATION_FIELDS}")
                else:
                    self.report.notes["geolocation lines (coordinates not imported)"] += 1
            elif kind == "finess" and current[0] == 1:
                match = COMMENT.match(";".join(fields))
                self.extract_date = match.group(1) if match else None
                self.report.notes["comment line"] += 1
            else:
                self._malformed(current[0], f"unknown line kind {kind[:40]!r} (expected "
                                "structureet or geolocalisation)")

    def finish(self) -> Iterator[str]:
        return iter(())

    def _malformed(self, line: int, what: str) -> None:
        self.report.malformed(self.name, line, what)

    def _establishment(self, line: int, fields: list[str]) -> Iterator[str]:
        if len(fields) != len(FIELDS):
            self._malformed(line, f"a structureet line has {len(fields)} fields, "
                            f"expected {len(FIELDS)}")
            return
        (number, entity, short_name, long_name, category, department, phone, siret,
         opening) = (field.strip() for field in _PICK(fields))
        if not FINESS_NUMBER.fullmatch(number):
            self._malformed(line, f"nofinesset {number[:20]!r} is not a FINESS number "
                            "(9 characters: two for the département, then seven digits)")
            return
        subject = iri(establishment_iri(number))
        out = [
            triple(subject, RDF_TYPE, term("HealthEstablishment")),
            triple(subject, term("finessNumber"), text(number)),
            triple(subject, DCTERMS_SOURCE, iri(DATASET)),
        ]
        if long_name or short_name:
            out.append(triple(subject, RDFS_LABEL, text(long_name or short_name, "fr")))
        if long_name and short_name and short_name != long_name:
            out.append(triple(subject, SKOS_ALT_LABEL, text(short_name, "fr")))
        if self.records is not None:
            department_concept, region_concept = self._where(department)
            self.records.add_establishment(
                establishment_iri(number), self._categories.get(category), region_concept,
                department_concept,
                legal_entity_iri(entity) if FINESS_NUMBER.fullmatch(entity) else None)
        if FINESS_NUMBER.fullmatch(entity):
            out.append(triple(subject, term("legalEntity"), iri(legal_entity_iri(entity))))
            if entity not in self._legal_entities:
                self._legal_entities.add(entity)
                ej = iri(legal_entity_iri(entity))
                out += [triple(ej, RDF_TYPE, term("LegalEntity")),
                        triple(ej, term("finessNumber"), text(entity)),
                        triple(ej, DCTERMS_SOURCE, iri(DATASET))]
                self.report.resources["legal entities"] += 1
        elif entity:
            self.report.unknown("nofinessej", entity)
        out += self._category(subject, category)
        out += self._place(subject, department)
        if phone:
            out.append(triple(subject, SCHEMA_TELEPHONE, text(phone)))
        if SIRET.fullmatch(siret):
            out.append(triple(subject, term("siret"), text(siret)))
        opened = _date(opening)
        if opened:
            out.append(triple(subject, term("openingDate"), typed(opened, "date")))
        elif opening:
            self.report.unknown("dateouv", opening)
        self.report.resources["establishments"] += 1
        yield "".join(out)

    def _category(self, subject: str, code: str) -> list[str]:
        concept = self._categories.get(code)
        if concept is None:
            self.report.unknown("categetab", code or "(empty)")
            return []
        return [triple(subject, term("establishmentCategory"), iri(concept))]

    def _where(self, raw: str) -> tuple[str | None, str | None]:
        """The concepts of the département and region of a FINESS département code."""
        department = geography.department(raw)
        concept = self._departments.get(department) if department else None
        if concept is None:
            return None, None
        region = geography.region(department)  # type: ignore[arg-type]
        return concept, self._regions.get(region) if region else None

    def _place(self, subject: str, raw: str) -> list[str]:
        concept, region_concept = self._where(raw)
        if concept is None:
            self.report.unknown("departement", raw or "(empty)")
            return []
        out = [triple(subject, term("inDepartment"), iri(concept))]
        if region_concept is None:
            self.report.notes[f"establishments outside the 18 regions (département {raw})"] += 1
        else:
            out.append(triple(subject, DCTERMS_SPATIAL, iri(region_concept)))
        return out


def _date(value: str) -> str | None:
    if ISO_DATE.fullmatch(value):
        return value
    match = FRENCH_DATE.fullmatch(value)
    if match:
        return f"{match.group(3)}-{match.group(2)}-{match.group(1)}"
    return None
