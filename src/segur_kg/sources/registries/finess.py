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
from typing import TYPE_CHECKING, Any

from segur_kg.sources.registries import codes, geography
from segur_kg.sources.registries.codes import ID, RDF_TYPE, concepts, term, text, typed
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
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
FRENCH_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")  # older extracts
COMMENT = re.compile(r"finess;etalab;[^;]*;([0-9]{4}-[0-9]{2}-[0-9]{2})")
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
ESTABLISHMENT, LEGAL_ENTITY = f"{ID}finess/et/", f"{ID}finess/ej/"
P_NUMBER, P_LEGAL_ENTITY, P_CATEGORY = (term("finessNumber"), term("legalEntity"),
                                        term("establishmentCategory"))
P_DEPARTMENT, P_SIRET, P_OPENING = term("inDepartment"), term("siret"), term("openingDate")
# Triple endings that do not depend on the line.
IS_ESTABLISHMENT = f" {RDF_TYPE} {term('HealthEstablishment')} .\n"
IS_LEGAL_ENTITY = f" {RDF_TYPE} {term('LegalEntity')} .\n"
FROM_SOURCE = f" {DCTERMS_SOURCE} <{DATASET}> .\n"


def establishment_iri(number: str) -> str:
    return ESTABLISHMENT + number


def legal_entity_iri(number: str) -> str:
    return LEGAL_ENTITY + number


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
        self._category_ends = codes.ends(P_CATEGORY, self._categories)
        self._places: dict[str, codes.Place] = {}
        self._establishments = self._entities = self._geolocations = 0
        self._departments = concepts("department")
        self._regions = concepts("region")
        self.records: Records | None = None  # where an import into a store notes each one
        self._reader: Any = None  # the csv reader of the file being read: where a record ends

    def triples(self, source: Source) -> Iterator[str]:
        self.name = source.name
        # The reader counts the lines it takes (a quoted field may hold a line break), and
        # the source's lines start at line 1: its count is the number of the record's last line.
        reader = csv.reader(map(operator.itemgetter(1), source.lines), delimiter=";",
                            quotechar='"', strict=False)
        self._reader = reader
        # A record is reported at its first line; one that runs over several lines (a quote
        # left open) says where it ends (_malformed).
        read = last = 0
        try:
            while True:
                try:
                    for fields in reader:
                        read += 1
                        line, last = last + 1, reader.line_num
                        if fields and fields[0] == "structureet":
                            out = self._establishment(line, fields)
                            if out:
                                yield out
                        else:
                            self._other(line, fields)
                    break
                except csv.Error as exc:  # the reader goes on with the next line
                    read += 1
                    line, last = last + 1, reader.line_num
                    self._malformed(line, f"unreadable CSV ({exc}); a line break or a quote "
                                    "inside a field must be within quotes")
        finally:
            self.report.lines_read += read
            self._count()

    def _other(self, line: int, fields: list[str]) -> None:
        """A record that is not an establishment: counted, noted or reported."""
        kind = fields[0] if fields else ""
        if kind == "geolocalisation":
            if len(fields) != GEOLOCATION_FIELDS:
                self._malformed(line, f"a geolocalisation line has {len(fields)} fields, "
                                f"expected {GEOLOCATION_FIELDS}")
            else:
                self._geolocations += 1
        elif not fields:
            self.report.skip("empty")
        elif kind == "finess" and line == 1:
            match = COMMENT.match(";".join(fields))
            self.extract_date = codes.real_date(match.group(1)) if match else None
            self.report.notes["comment line"] += 1
        else:
            self._malformed(line, f"unknown line kind {kind[:40]!r} "
                            "(expected structureet or geolocalisation)")

    def finish(self) -> Iterator[str]:
        return iter(())

    def _count(self) -> None:
        """The counts kept while reading, added to the report."""
        report = self.report
        for key, count in (("establishments", self._establishments),
                           ("legal entities", self._entities)):
            if count:
                report.resources[key] += count
        if self._geolocations:
            report.notes["geolocation lines (coordinates not imported)"] += self._geolocations
        self._establishments = self._entities = self._geolocations = 0

    def _malformed(self, line: int, what: str) -> None:
        """The record starting at `line`, malformed; the reader stands at its last line."""
        end = self._reader.line_num if self._reader is not None else line
        if end != line:
            what += f" (its quoted text runs to line {end})"
        self.report.malformed(self.name, line, what)

    def _establishment(self, line: int, fields: list[str]) -> str:
        if len(fields) != len(FIELDS):
            self._malformed(line, f"a structureet line has {len(fields)} fields, "
                            f"expected {len(FIELDS)}")
            return ""
        (number, entity, short_name, long_name, category, department, phone, siret,
         opening) = map(str.strip, _PICK(fields))
        if not FINESS_NUMBER.fullmatch(number):
            self._malformed(line, f"nofinesset {number[:20]!r} is not a FINESS number "
                            "(9 characters: two for the département, then seven digits)")
            return ""
        subject = f"<{ESTABLISHMENT}{number}>"
        out = (f"{subject}{IS_ESTABLISHMENT}{subject} {P_NUMBER} \"{number}\" .\n"
               f"{subject}{FROM_SOURCE}")
        if long_name or short_name:
            out += f"{subject} {RDFS_LABEL} {text(long_name or short_name, 'fr')} .\n"
        if long_name and short_name and short_name != long_name:
            out += f"{subject} {SKOS_ALT_LABEL} {text(short_name, 'fr')} .\n"
        place = self._place(department)
        has_entity = FINESS_NUMBER.fullmatch(entity) is not None
        if self.records is not None:
            self.records.add_establishment(
                ESTABLISHMENT + number, self._categories.get(category), place.region,
                place.department, LEGAL_ENTITY + entity if has_entity else None)
        if has_entity:
            out += f"{subject} {P_LEGAL_ENTITY} <{LEGAL_ENTITY}{entity}> .\n"
            if entity not in self._legal_entities:
                self._legal_entities.add(entity)
                ej = f"<{LEGAL_ENTITY}{entity}>"
                out += f"{ej}{IS_LEGAL_ENTITY}{ej} {P_NUMBER} \"{entity}\" .\n{ej}{FROM_SOURCE}"
                self._entities += 1
        elif entity:
            self.report.unknown("nofinessej", entity)
        end = self._category_ends.get(category)
        if end is None:
            self.report.unknown("categetab", category or "(empty)")
        else:
            out += subject + end
        if place.ends:
            out += place.ends.replace(codes.SUBJECT, subject)
        if phone:
            out += f"{subject} {SCHEMA_TELEPHONE} {text(phone)} .\n"
        if SIRET.fullmatch(siret):
            out += f"{subject} {P_SIRET} \"{siret}\" .\n"
        opened = _date(opening)
        if opened:
            out += f"{subject} {P_OPENING} {typed(opened, 'date')} .\n"
        elif opening:
            self.report.unknown("dateouv", opening)
        self._establishments += 1
        return out

    def _place(self, raw: str) -> codes.Place:
        """An establishment's place from its FINESS département code; what it could not place
        is counted each time, the lookups are done once per distinct code."""
        place = self._places.get(raw)
        if place is None:
            place = self._places[raw] = self._locate(raw)
        if place.note:
            self.report.notes[place.note] += 1
        if place.unknown:
            self.report.unknown("departement", place.unknown)
        return place

    def _locate(self, raw: str) -> codes.Place:
        department = geography.department(raw)
        concept = self._departments.get(department) if department else None
        if concept is None:
            return codes.Place(unknown=raw or "(empty)")
        ends = f"{codes.SUBJECT} {P_DEPARTMENT} <{concept}> .\n"
        region = geography.region(department)  # type: ignore[arg-type]
        region_concept = self._regions.get(region) if region else None
        if region_concept is None:
            return codes.Place(ends, f"establishments outside the 18 regions (département {raw})",
                         department=concept)
        ends += f"{codes.SUBJECT} {DCTERMS_SPATIAL} <{region_concept}> .\n"
        return codes.Place(ends, department=concept, region=region_concept)


def _date(value: str) -> str | None:
    """The ISO date of a FINESS date, or None for one that is no day of the calendar."""
    if ISO_DATE.fullmatch(value):
        return codes.real_date(value)
    match = FRENCH_DATE.fullmatch(value)
    if match:
        return codes.real_date(f"{match.group(3)}-{match.group(2)}-{match.group(1)}")
    return None
