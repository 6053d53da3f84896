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
import operator
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from segur_kg.common.errors import SegurKgError
from segur_kg.sources.registries import geography
from segur_kg.sources.registries.codes import ID, RDF_TYPE, concepts, iri, term, text, triple
from segur_kg.sources.registries.finess import FINESS_NUMBER, establishment_iri
from segur_kg.sources.registries.reading import Source
from segur_kg.sources.registries.report import ImportReport

if TYPE_CHECKING:
    from segur_kg.sources.registries.figures import Records

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


OPTIONAL = (COUNTRY, SIRET_SITE, STRUCTURE_ID, SKILL)  # read when the header has them
USED = (*REQUIRED, *OPTIONAL)
P_TYPE, P_SOURCE, P_SPATIAL = RDF_TYPE, DCTERMS_SOURCE, DCTERMS_SPATIAL
C_PROFESSIONAL, C_ACTIVITY = term("HealthProfessional"), term("ProfessionalActivity")
P_ID, P_ID_TYPE = term("nationalIdentifier"), term("identifierType")
P_PROFESSION, P_CATEGORY = term("hasProfession"), term("professionalCategory")
P_ACTIVITY, P_MODE, P_SECTOR = term("hasActivity"), term("exerciseMode"), term("activitySector")
P_SITE, P_PRACTISES, P_DEPARTMENT = term("atSite"), term("practisesAt"), term("inDepartment")
SOURCE = iri(DATASET)


class RppsReader:
    """Reads activity lines; written for speed (millions of lines): the columns it needs are
    picked once from the header, NOS lookups give ready-made IRIs, places are cached."""

    def __init__(self, report: ImportReport, include_personal_data: bool = False) -> None:
        self.name = ""  # the file being read, for messages
        self.report = report
        self.personal = include_personal_data
        self._professions = _wrapped(concepts("profession"))
        self._categories = _wrapped(concepts("professional_category"))
        self._modes = _wrapped(concepts("exercise_mode"))
        self._sectors = _wrapped(concepts("sector"))
        self._id_types = _wrapped(concepts("person_id_type"))
        self._departments = concepts("department")
        self._regions = concepts("region")
        self._places: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._seen: dict[str, str] = {}  # national id → profession code written
        self.records: Records | None = None  # where an import into a store notes each activity
        self._bare: dict[str, str] = {}  # "<IRI>" → "IRI", one string each

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
        # An optional column the header lacks reads the empty field appended to each line.
        pick = operator.itemgetter(*(header.index(name) if name in header else width
                                     for name in USED))
        for number, line in lines:
            self.report.lines_read += 1
            fields = line.split("|")
            if len(fields) != width:
                if not line.strip():
                    self.report.skip("empty")
                    continue
                self.report.malformed(self.name, number,
                                      f"{len(fields) - 1} columns, expected {width - 1} "
                                      "(fields separated by '|', each line ending with '|')")
                continue
            fields.append("")
            yield self._activity(number, [value.strip() for value in pick(fields)])

    def finish(self) -> Iterator[str]:
        return iter(())

    def _activity(self, number: int, row: list[str]) -> str:
        (kind, id_pp, national, profession, category, mode, site, department, postal_code,
         sector, family_name, given_name, country, siret, structure, skill) = row
        national = national or (kind + id_pp)
        if not NATIONAL_ID_FORM.fullmatch(national):
            self.report.malformed(self.name, number,
                                  f"national identifier {national[:20]!r} is not a type digit "
                                  "followed by an RPPS or ADELI number")
            return ""
        report = self.report
        person_iri = professional_iri(national)
        person = f"<{person_iri}>"
        out: list[str] = []
        written = self._seen.get(national)
        if written is None:
            out.append(f"{person} {P_TYPE} {C_PROFESSIONAL} .\n"
                       f"{person} {P_ID} {text(national)} .\n"
                       f"{person} {P_SOURCE} {SOURCE} .\n")
            self._coded(out, person, P_ID_TYPE, self._id_types, kind, TYPE)
            self._coded(out, person, P_CATEGORY, self._categories, category, CATEGORY)
            if self.personal:
                if family_name:
                    out.append(triple(person, FOAF_FAMILY_NAME, text(family_name)))
                if given_name:
                    out.append(triple(person, FOAF_GIVEN_NAME, text(given_name)))
            report.resources["professionals"] += 1
        if written != profession:
            self._coded(out, person, P_PROFESSION, self._professions, profession, PROFESSION)
            self._seen[national] = profession
        key = "|".join((site, siret, structure, mode, sector, profession, skill))
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        activity = f"<{person_iri}/activity/{digest}>"
        out.append(f"{activity} {P_TYPE} {C_ACTIVITY} .\n"
                   f"{person} {P_ACTIVITY} {activity} .\n"
                   f"{activity} {P_SOURCE} {SOURCE} .\n")
        self._coded(out, activity, P_MODE, self._modes, mode, MODE)
        self._coded(out, activity, P_SECTOR, self._sectors, sector, SECTOR)
        if site:
            if FINESS_NUMBER.fullmatch(site):
                establishment = f"<{establishment_iri(site)}>"
                out.append(f"{activity} {P_SITE} {establishment} .\n"
                           f"{person} {P_PRACTISES} {establishment} .\n")
                report.notes["activities at a FINESS site"] += 1
            else:
                report.unknown(FINESS_SITE, site)
        place = self._place(country, department, postal_code)
        for predicate, concept in place:
            out.append(f"{activity} {predicate} {concept} .\n")
        report.resources["activities"] += 1
        if self.records is not None:
            self._note(person_iri, profession, digest, place)
        return "".join(out)

    def _note(self, person: str, profession: str, activity: str,
              place: tuple[tuple[str, str], ...]) -> None:
        """The activity in the records the national figures are counted from."""
        assert self.records is not None
        found = dict(place)
        self.records.add_activity(person, self._iri(self._professions.get(profession)),
                                  activity, self._iri(found.get(P_SPATIAL)),
                                  self._iri(found.get(P_DEPARTMENT)))

    def _iri(self, written: str | None) -> str | None:
        if written is None:
            return None
        bare = self._bare.get(written)
        if bare is None:
            bare = self._bare[written] = written[1:-1]
        return bare

    def _coded(self, out: list[str], subject: str, predicate: str, known: dict[str, str],
               code: str, column: str) -> None:
        if code:
            concept = known.get(code)
            if concept is None:
                self.report.unknown(column, code)
            else:
                out.append(f"{subject} {predicate} {concept} .\n")

    def _place(self, country: str, raw: str, postal_code: str) -> tuple[tuple[str, str], ...]:
        """(predicate, concept) pairs of an activity's place; what it could not place is
        counted each time, the lookups are done once per distinct value."""
        key = (country, raw, "" if raw else postal_code)
        found = self._places.get(key)
        if found is None:
            found = self._places[key] = self._locate(*key)
        pairs, note, unknown = found  # type: ignore[misc]
        if note:
            self.report.notes[note] += 1
        if unknown:
            self.report.unknown(DEPARTMENT, unknown)
        return pairs

    def _locate(self, country: str, raw: str, postal_code: str) -> tuple:  # type: ignore[type-arg]
        if country not in FRANCE:
            return (), "activities abroad (no département)", ""
        department = geography.department(raw) if raw else _from_postal_code(postal_code)
        concept = self._departments.get(department) if department else None
        if concept is None:
            if raw or postal_code:
                return (), "", raw or f"(postal code {postal_code})"
            return (), "activities without a place", ""
        pairs: tuple[tuple[str, str], ...] = ((P_DEPARTMENT, f"<{concept}>"),)
        region = geography.region(department)  # type: ignore[arg-type]
        note = "" if raw else "départements read from the postal code"
        if region and region in self._regions:
            pairs += ((P_SPATIAL, f"<{self._regions[region]}>"),)
        else:
            note = f"activities outside the 18 regions (département {department})"
        return pairs, note, ""


def _wrapped(found: dict[str, str]) -> dict[str, str]:
    """code → concept IRI in N-Triples form."""
    return {code: f"<{concept}>" for code, concept in found.items()}


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
