"""FINESS establishments from the etalab extract (DREES, Licence Ouverte 2.0).

The file has no header: a comment line `finess;etalab;<number>;<YYYY-MM-DD>`, then `structureet`
lines (32 fields, `;`, CSV quoting) and, in some variants, `geolocalisation` lines. Each
establishment (ET, a site) becomes a segur:HealthEstablishment with its FINESS number, names,
category (NOS TRE_R66), département (NOS TRE_G09), region (NOS TRE_R30, through INSEE's
geography) and legal entity (EJ, a segur:LegalEntity shared by its sites).
"""

from __future__ import annotations

import csv
import itertools
import operator
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from segur_kg.sources.registries import codes, geography
from segur_kg.sources.registries.codes import ID, RDF_TYPE, concepts, term, typed
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
        self.written = 0  # triples
        self._legal_entities: set[str] = set()
        self._categories = concepts("category")
        self._category_ends = codes.ends(P_CATEGORY, self._categories)
        self._places: dict[str, codes.Place] = {}
        self._numbers: set[str] = set()  # the establishments written (FINESS ET numbers)
        self._establishments = self._entities = self._geolocations = 0
        self._departments = concepts("department")
        self._regions = concepts("region")
        self.records: Records | None = None  # where an import into a store notes each one
        self._end = 0  # the last line of the record being read

    def triples(self, source: Source) -> Iterator[str]:
        self.name = source.name
        lines = source.lines
        establishment = self._handler()
        geolocations = 0
        read = 0  # records: a quoted line break makes one record of several lines
        try:
            for number, line in lines:
                read += 1
                self._end = number
                if line and '"' not in line and "\r" not in line and "\0" not in line:
                    # Without quotes (most lines), a CSV record is the line split.
                    if line.startswith("geolocalisation;") and line.count(";") == (
                            GEOLOCATION_FIELDS - 1):
                        geolocations += 1
                        continue
                    fields = line.split(";")
                else:
                    fields = self._record(number, line, lines)
                    if fields is None:
                        continue
                if fields and fields[0] == "structureet":
                    out = establishment(number, fields)
                    if out:
                        yield out
                else:
                    self._other(number, fields)
        finally:
            self._geolocations += geolocations
            self.report.lines_read += read
            self._count()

    def _record(self, number: int, line: str, lines: Iterator[tuple[int, str]]
                ) -> list[str] | None:
        """The CSV record starting with `line`, read by the csv module: it takes the next lines
        too while a quote is open. None for a record it cannot read (reported)."""
        reader = csv.reader(itertools.chain([line], map(operator.itemgetter(1), lines)),
                            delimiter=";", quotechar='"', strict=False)
        try:
            fields = next(reader)
        except csv.Error as exc:
            self._end = number + reader.line_num - 1
            self._malformed(number, f"unreadable CSV ({exc}); a line break or a quote "
                            "inside a field must be within quotes")
            return None
        self._end = number + reader.line_num - 1
        return fields

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
        """The record starting at `line` (and ending at self._end), malformed."""
        end = self._end
        if end != line:
            what += f" (its quoted text runs to line {end})"
        self.report.malformed(self.name, line, what)

    def _handler(self) -> Callable[[int, list[str]], str]:
        """The function that makes one establishment's triples: what it uses is bound to
        local names, the lookups inlined, and each distinct date and place read once."""
        unknown, notes, malformed = self.report.unknown, self.report.notes, self._malformed
        skip, numbers = self.report.skip, self._numbers
        records, entities = self.records, self._legal_entities
        places, locate = self._places, self._locate
        categories, category_ends = self._categories, self._category_ends
        is_finess, is_siret = FINESS_NUMBER.fullmatch, SIRET.fullmatch
        opening_ends: dict[str, str] = {}  # a FINESS date → its triple's end ("" if none)
        width, strip, subject_mark = len(FIELDS), str.strip, codes.SUBJECT
        escaped = codes.escaped

        def establishment(line: int, fields: list[str]) -> str:
            if len(fields) != width:
                malformed(line, f"a structureet line has {len(fields)} fields, expected {width}")
                return ""
            (number, entity, short_name, long_name, category, department, phone, siret,
             opening) = map(strip, _PICK(fields))
            if not is_finess(number):
                malformed(line, f"nofinesset {number[:20]!r} is not a FINESS number "
                          "(9 characters: two for the département, then seven digits)")
                return ""
            if number in numbers:  # two extracts given together: the first one's line is kept
                skip("establishment already read on an earlier line")
                return ""
            numbers.add(number)
            subject = f"<{ESTABLISHMENT}{number}>"
            # The triples are made in pieces and joined once, at the end: the record's output
            # is then copied once, not once per triple.
            count = 3  # triples written: the type, number and source, then the rest
            labels = ""
            if long_name or short_name:
                labels = f"{subject} {RDFS_LABEL} \"{escaped(long_name or short_name)}\"@fr .\n"
                count += 1
                if long_name and short_name and short_name != long_name:
                    labels += f"{subject} {SKOS_ALT_LABEL} \"{escaped(short_name)}\"@fr .\n"
                    count += 1
            # The place: looked up once per distinct code, counted each time.
            place = places.get(department)
            if place is None:
                place = places[department] = locate(department)
            if place.note:
                notes[place.note] += 1
            if place.unknown:
                unknown("departement", place.unknown)
            has_entity = is_finess(entity) is not None
            if records is not None:
                records.add_establishment(
                    ESTABLISHMENT + number, categories.get(category), place.region,
                    place.department, LEGAL_ENTITY + entity if has_entity else None)
            of_entity = ""
            if has_entity:
                of_entity = f"{subject} {P_LEGAL_ENTITY} <{LEGAL_ENTITY}{entity}> .\n"
                count += 1
                if entity not in entities:
                    entities.add(entity)
                    ej = f"<{LEGAL_ENTITY}{entity}>"
                    of_entity += (f"{ej}{IS_LEGAL_ENTITY}{ej} {P_NUMBER} \"{entity}\" .\n"
                                  f"{ej}{FROM_SOURCE}")
                    count += 3
                    self._entities += 1
            elif entity:
                unknown("nofinessej", entity)
            of_category = category_ends.get(category)
            if of_category is None:
                unknown("categetab", category or "(empty)")
                of_category = ""
            else:
                of_category = subject + of_category
                count += 1
            placed = place.ends
            if placed:
                placed = placed.replace(subject_mark, subject)
                count += place.triples
            details = ""
            if phone:
                details = f"{subject} {SCHEMA_TELEPHONE} \"{escaped(phone)}\" .\n"
                count += 1
            if is_siret(siret):
                details += f"{subject} {P_SIRET} \"{siret}\" .\n"
                count += 1
            opened = opening_ends.get(opening)
            if opened is None:
                day = _date(opening)
                opened = opening_ends[opening] = (f" {P_OPENING} {typed(day, 'date')} .\n"
                                                  if day else "")
            if opened:
                details += subject + opened
                count += 1
            elif opening:
                unknown("dateouv", opening)
            self._establishments += 1
            self.written += count
            return (f"{subject}{IS_ESTABLISHMENT}{subject} {P_NUMBER} \"{number}\" .\n"
                    f"{subject}{FROM_SOURCE}{labels}{of_entity}{of_category}{placed}{details}")

        return establishment

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
