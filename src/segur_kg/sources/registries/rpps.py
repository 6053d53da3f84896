"""Health professionals from the Annuaire Santé extract PS_LibreAcces_Personne_activite (ANS,
Licence Ouverte 2.0): one line per activity, `|`-separated, a header, columns read by name.

Each person becomes a segur:HealthProfessional known by the national identifier (type digit +
RPPS or ADELI number), with profession (NOS TRE_G15) and professional category (TRE_R09); each
line a segur:ProfessionalActivity with its mode of exercise (TRE_R23), sector (TRE_R02),
département and region, and its site when the site has a FINESS number (then the professional
also segur:practisesAt the establishment).

Privacy by default: names, civilities, phone numbers, e-mail addresses and street addresses are
never written; names only with `include_personal_data`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from segur_kg.common.errors import SegurKgError
from segur_kg.sources.registries import geography
from segur_kg.sources.registries.codes import ID, RDF_TYPE, concepts, iri, term, text, triple
from segur_kg.sources.registries.finess import FINESS_NUMBER, establishment_iri
from segur_kg.sources.registries.reading import Source
from segur_kg.sources.registries.report import ImportReport

TYPE = "Type d'identifiant PP"
ID_PP = "Identifiant PP"
NATIONAL_ID = "Identification nationale PP"
PROFESSION = "Code profession"
CATEGORY = "Code catégorie professionnelle"
MODE = "Code mode exercice"
FINESS_SITE = "Numéro FINESS site"
DEPARTMENT = "Code Département (structure)"
POSTAL_CODE = "Code postal (coord. structure)"
COUNTRY = "Code pays (coord. structure)"
SECTOR = "Code secteur d'activité"
FAMILY_NAME = "Nom d'exercice"
GIVEN_NAME = "Prénom d'exercice"
SIRET_SITE = "Numéro SIRET site"
STRUCTURE_ID = "Identifiant technique de la structure"
SKILL = "Code savoir-faire"
REQUIRED = (TYPE, ID_PP, NATIONAL_ID, PROFESSION, CATEGORY, MODE, FINESS_SITE, DEPARTMENT,
            POSTAL_CODE, SECTOR, FAMILY_NAME, GIVEN_NAME)
NATIONAL_ID_FORM = re.compile(r"[0-9][0-9A-Z]{8,11}")
FRANCE = {"", "99100"}  # the INSEE country code of France, or nothing
DATASET = f"{ID}dataset/rpps"
DCTERMS_SPATIAL = "<http://purl.org/dc/terms/spatial>"
DCTERMS_SOURCE = "<http://purl.org/dc/terms/source>"
FOAF_FAMILY_NAME = "<http://xmlns.com/foaf/0.1/familyName>"
FOAF_GIVEN_NAME = "<http://xmlns.com/foaf/0.1/givenName>"


def professional_iri(national_id: str) -> str:
    return f"{ID}professional/{national_id}"


def looks_like(header: str) -> bool:
    return TYPE in header.split("|") and PROFESSION in header.split("|")


class RppsReader:
    def __init__(self, report: ImportReport, include_personal_data: bool = False) -> None:
        self.name = ""  # the file being read, for messages
        self.report = report
        self.personal = include_personal_data
        self._professions = concepts("profession")
        self._categories = concepts("professional_category")
        self._modes = concepts("exercise_mode")
        self._sectors = concepts("sector")
        self._departments = concepts("department")
        self._regions = concepts("region")
        self._id_types = concepts("person_id_type")
        self._seen: dict[str, str] = {}  # national id → profession code written

    def triples(self, source: Source) -> Iterator[str]:
        self.name = source.name
        lines = iter(source.lines)
        try:
            _, header_line = next(lines)
        except StopIteration:
            raise SegurKgError(f"{self.name}: the file is empty") from None
        header = header_line.split("|")
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise SegurKgError(f"{self.name}:1: the header lacks the column(s) "
                               f"{', '.join(repr(m) for m in missing)}; expected the header of "
                               "PS_LibreAcces_Personne_activite")
        width = len(header)
        position = {name: index for index, name in enumerate(header) if name}
        for number, line in lines:
            self.report.lines_read += 1
            if not line.strip():
                self.report.skip("empty")
                continue
            fields = line.split("|")
            if len(fields) != width:
                self.report.malformed(self.name, number,
                                      f"{len(fields) - 1} columns, expected {width - 1} "
                                      "(fields separated by '|', each line ending with '|')")
                continue
            row = {name: fields[index].strip() for name, index in position.items()}
            yield from self._activity(number, row)

    def finish(self) -> Iterator[str]:
        return iter(())

    def _activity(self, number: int, row: dict[str, str]) -> Iterator[str]:
        national = row[NATIONAL_ID] or (row[TYPE] + row[ID_PP])
        if not NATIONAL_ID_FORM.fullmatch(national):
            self.report.malformed(self.name, number,
                                  f"national identifier {national[:20]!r} is not a type digit "
                                  "followed by an RPPS or ADELI number")
            return
        person = iri(professional_iri(national))
        out: list[str] = []
        profession = row[PROFESSION]
        written = self._seen.get(national)
        if written is None:
            out += [triple(person, RDF_TYPE, term("HealthProfessional")),
                    triple(person, term("nationalIdentifier"), text(national)),
                    triple(person, DCTERMS_SOURCE, iri(DATASET))]
            out += self._coded(person, "identifierType", self._id_types, row[TYPE], TYPE)
            out += self._coded(person, "professionalCategory", self._categories, row[CATEGORY],
                               CATEGORY)
            if self.personal:
                if row[FAMILY_NAME]:
                    out.append(triple(person, FOAF_FAMILY_NAME, text(row[FAMILY_NAME])))
                if row[GIVEN_NAME]:
                    out.append(triple(person, FOAF_GIVEN_NAME, text(row[GIVEN_NAME])))
            self.report.resources["professionals"] += 1
        if written != profession:
            out += self._coded(person, "hasProfession", self._professions, profession,
                               PROFESSION)
            self._seen[national] = profession
        site = row[FINESS_SITE]
        key = "|".join((site, row.get(SIRET_SITE, ""), row.get(STRUCTURE_ID, ""), row[MODE],
                        row[SECTOR], profession, row.get(SKILL, "")))
        activity = iri(f"{professional_iri(national)}/activity/"
                       f"{hashlib.sha1(key.encode()).hexdigest()[:12]}")
        out += [triple(activity, RDF_TYPE, term("ProfessionalActivity")),
                triple(person, term("hasActivity"), activity),
                triple(activity, DCTERMS_SOURCE, iri(DATASET))]
        out += self._coded(activity, "exerciseMode", self._modes, row[MODE], MODE)
        out += self._coded(activity, "activitySector", self._sectors, row[SECTOR], SECTOR)
        if FINESS_NUMBER.fullmatch(site):
            establishment = iri(establishment_iri(site))
            out += [triple(activity, term("atSite"), establishment),
                    triple(person, term("practisesAt"), establishment)]
            self.report.notes["activities at a FINESS site"] += 1
        elif site:
            self.report.unknown(FINESS_SITE, site)
        out += self._place(activity, row)
        self.report.resources["activities"] += 1
        yield "".join(out)

    def _coded(self, subject: str, prop: str, known: dict[str, str], code: str,
               column: str) -> list[str]:
        if not code:
            return []
        concept = known.get(code)
        if concept is None:
            self.report.unknown(column, code)
            return []
        return [triple(subject, term(prop), iri(concept))]

    def _place(self, activity: str, row: dict[str, str]) -> list[str]:
        if row.get(COUNTRY, "") not in FRANCE:
            self.report.notes["activities abroad (no département)"] += 1
            return []
        raw = row[DEPARTMENT]
        department = geography.department(raw) if raw else _from_postal_code(row[POSTAL_CODE])
        if not raw and department:
            self.report.notes["départements read from the postal code"] += 1
        concept = self._departments.get(department) if department else None
        if concept is None:
            if raw or row[POSTAL_CODE]:
                self.report.unknown(DEPARTMENT, raw or f"(postal code {row[POSTAL_CODE]})")
            else:
                self.report.notes["activities without a place"] += 1
            return []
        out = [triple(activity, term("inDepartment"), iri(concept))]
        region = geography.region(department)
        if region and region in self._regions:
            out.append(triple(activity, DCTERMS_SPATIAL, iri(self._regions[region])))
        else:
            self.report.notes[f"activities outside the 18 regions (département {department})"] += 1
        return out


def _from_postal_code(postal_code: str) -> str | None:
    """The graph's reading when the département is empty: a French postal code starts with its
    département (three digits overseas); Corsica's 20xxx is either 2A or 2B, so it gives none."""
    if not re.fullmatch(r"[0-9]{5}", postal_code):
        return None
    if postal_code.startswith("97"):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return None
    return postal_code[:2]
