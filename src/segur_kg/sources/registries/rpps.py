"""Health professionals from the Annuaire Santé extract PS_LibreAcces_Personne_activite (ANS,
Licence Ouverte 2.0): one line per activity, `|`-separated, a header, columns read by name.

Each person becomes a segur:HealthProfessional known by the national identifier (type digit +
RPPS or ADELI number), with profession (NOS TRE_G15) and professional category (TRE_R09); each
activity a segur:ProfessionalActivity with its mode of exercise (TRE_R23), sector (TRE_R02),
département and region, and its site when the site has a FINESS number (then the professional
also segur:practisesAt the establishment). An activity is named by a digest of the columns that
tell it apart; a line repeating one is skipped (counted), so that no triple is written twice.

Privacy by default: names, civilities, phone numbers, e-mail addresses and street addresses are
never written; names only with `include_personal_data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from hashlib import sha1
from typing import TYPE_CHECKING

from segur_kg.sources.registries import codes, geography, reading
from segur_kg.sources.registries.codes import ID, RDF_TYPE, concepts, iri, term, text, triple
from segur_kg.sources.registries.finess import ESTABLISHMENT, FINESS_NUMBER
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
CORSICA = re.compile(r"20[0-9]{3}")  # the postal codes of both Corsican départements
FRANCE = {"", "99100"}  # the INSEE country code of France, or nothing
DATASET = f"{ID}dataset/rpps"
DCTERMS_SPATIAL = "<http://purl.org/dc/terms/spatial>"
DCTERMS_SOURCE = "<http://purl.org/dc/terms/source>"
FOAF_FAMILY_NAME = "<http://xmlns.com/foaf/0.1/familyName>"
FOAF_GIVEN_NAME = "<http://xmlns.com/foaf/0.1/givenName>"


def professional_iri(national_id: str) -> str:
    return PROFESSIONAL + national_id


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
PROFESSIONAL = f"{ID}professional/"
# Triple endings that do not depend on the line.
IS_PROFESSIONAL = f" {P_TYPE} {C_PROFESSIONAL} .\n"
IS_ACTIVITY = f" {P_TYPE} {C_ACTIVITY} .\n"
FROM_SOURCE = f" {P_SOURCE} {SOURCE} .\n"


class RppsReader:
    """Reads activity lines; written for speed (millions of lines): the columns it needs are
    picked once from the header, NOS lookups give ready-made triple endings (predicate, object,
    full stop) so that each line's triples are one string, places are looked up once each, and
    the counts are kept in plain integers until the file is read."""

    def __init__(self, report: ImportReport, include_personal_data: bool = False) -> None:
        self.name = ""  # the file being read, for messages
        self.report = report
        self.personal = include_personal_data
        self._professions = concepts("profession")
        self._profession_ends = codes.ends(P_PROFESSION, self._professions)
        self._category_ends = codes.ends(P_CATEGORY, concepts("professional_category"))
        self._mode_ends = codes.ends(P_MODE, concepts("exercise_mode"))
        self._sector_ends = codes.ends(P_SECTOR, concepts("sector"))
        self._id_type_ends = codes.ends(P_ID_TYPE, concepts("person_id_type"))
        self._departments = concepts("department")
        self._regions = concepts("region")
        # (country, département, postal code) → its place, and the mark that tells it apart
        self._places: dict[tuple[str, str, str], tuple[codes.Place, str]] = {}
        self._marks: dict[codes.Place, str] = {}  # each distinct place → "@" and a number
        self._marked: dict[str, codes.Place] = {}  # and back
        # National id → what is written of that person, as " TOKEN TOKEN … ": profession codes
        # (two characters), FINESS sites practised at (nine), and each activity's digest
        # (twelve) followed by its place's mark, once per place it was read at. The lengths
        # tell the tokens apart, so `f" {token} " in state` finds one, and a line that repeats
        # an activity, a site or a profession writes no triple twice.
        self._seen: dict[str, str] = {}
        self.written = 0  # triples
        self.records: Records | None = None  # where an import into a store notes each activity
        self._activities = self._professionals = self._at_sites = 0

    def triples(self, source: Source) -> Iterator[str]:
        self.name = source.name
        return reading.columns_by_name(source, self.report, required=REQUIRED, used=USED,
                                       expected="PS_LibreAcces_Personne_activite",
                                       handle=self._handler(), done=self._count)

    def finish(self) -> Iterator[str]:
        return iter(())

    def _count(self) -> None:
        """The counts kept while reading, added to the report."""
        report = self.report
        for key, count in (("professionals", self._professionals),
                           ("activities", self._activities)):
            if count:
                report.resources[key] += count
        if self._at_sites:
            report.notes["activities at a FINESS site"] += self._at_sites
        self._activities = self._professionals = self._at_sites = 0

    def _handler(self) -> Callable[..., str]:
        """The function that makes one line's triples. Millions of lines go through it: what it
        uses is bound to local names, the lookups are inlined, and the counts are plain
        integers until the file is read (_count)."""
        report, records, personal = self.report, self.records, self.personal
        unknown, notes, skip = report.unknown, report.notes, report.skip
        seen, places, place_of = self._seen, self._places, self._place_of
        professions = self._professions
        id_type_ends, category_ends = self._id_type_ends, self._category_ends
        profession_ends, mode_ends = self._profession_ends, self._mode_ends
        sector_ends = self._sector_ends
        is_national, is_finess = NATIONAL_ID_FORM.fullmatch, FINESS_NUMBER.fullmatch
        subject = codes.SUBJECT

        def activity_triples(number: int, kind: str, id_pp: str, national: str,
                             profession: str, category: str, mode: str, site: str,
                             department: str, postal_code: str, sector: str, family_name: str,
                             given_name: str, country: str, siret: str, structure: str,
                             skill: str) -> str:
            national = national or (kind + id_pp)
            if not is_national(national):
                report.malformed(self.name, number,
                                 f"national identifier {national[:20]!r} is not a type digit "
                                 "followed by an RPPS or ADELI number")
                return ""
            person_iri = PROFESSIONAL + national
            person = f"<{person_iri}>"
            state = seen.get(national)
            digest = sha1(f"{site}|{siret}|{structure}|{mode}|{sector}|{profession}|{skill}"
                          .encode()).hexdigest()[:12]
            # An activity's place: looked up once per distinct value, counted each time.
            key = (country, department, "" if department else postal_code)
            found = places.get(key)
            if found is None:
                found = places[key] = place_of(key)
            place, mark = found
            if state is not None and f" {digest}" in state:
                # An activity already read: a line that differs only by its place adds the
                # place; one that repeats it is skipped, as nothing of it is new.
                if f" {digest}{mark} " in state:
                    skip("activity already read on an earlier line")
                    return ""
                seen[national] = f"{state}{digest}{mark} "
                return self._placed(person_iri, digest, place, state,
                                    professions.get(profession))
            count = 3  # triples written: the activity's type, link and source, then the rest
            # A line's triples are made in pieces and joined once, at the end: its output is
            # then copied once, not once per triple.
            if state is None:
                id_type_end = id_type_ends.get(kind)
                if id_type_end is not None:
                    id_type_end = person + id_type_end
                    count += 1
                else:
                    if kind:
                        unknown(TYPE, kind)
                    id_type_end = ""
                category_end = category_ends.get(category)
                if category_end is not None:
                    category_end = person + category_end
                    count += 1
                else:
                    if category:
                        unknown(CATEGORY, category)
                    category_end = ""
                names = ""
                if personal:
                    if family_name:
                        names = triple(person, FOAF_FAMILY_NAME, text(family_name))
                        count += 1
                    if given_name:
                        names += triple(person, FOAF_GIVEN_NAME, text(given_name))
                        count += 1
                out = (f"{person}{IS_PROFESSIONAL}{person} {P_ID} \"{national}\" .\n"
                       f"{person}{FROM_SOURCE}{id_type_end}{category_end}{names}")
                count += 3
                self._professionals += 1
                state = " "
            else:
                out = ""
            profession_end = profession_ends.get(profession)
            if profession_end is None:
                if profession:
                    unknown(PROFESSION, profession)
                profession_end = ""
            elif f" {profession} " in state:
                profession_end = ""
            else:
                profession_end = person + profession_end
                count += 1
                state += profession + " "
            state += f"{digest}{mark} "
            activity = f"<{person_iri}/activity/{digest}>"
            mode_end = mode_ends.get(mode)
            if mode_end is not None:
                mode_end = activity + mode_end
                count += 1
            else:
                if mode:
                    unknown(MODE, mode)
                mode_end = ""
            sector_end = sector_ends.get(sector)
            if sector_end is not None:
                sector_end = activity + sector_end
                count += 1
            else:
                if sector:
                    unknown(SECTOR, sector)
                sector_end = ""
            at_site = ""
            if site:
                if is_finess(site):
                    at_site = f"{activity} {P_SITE} <{ESTABLISHMENT}{site}> .\n"
                    count += 1
                    if f" {site} " not in state:
                        at_site += f"{person} {P_PRACTISES} <{ESTABLISHMENT}{site}> .\n"
                        count += 1
                        state += site + " "
                    self._at_sites += 1
                else:
                    unknown(FINESS_SITE, site)
            seen[national] = state
            placed = place.ends
            if placed:
                placed = placed.replace(subject, activity)
                count += place.triples
            if place.note:
                notes[place.note] += 1
            if place.unknown:
                unknown(DEPARTMENT, place.unknown)
            self._activities += 1
            self.written += count
            if records is not None:
                records.add_activity(person_iri, professions.get(profession), digest,
                                     place.region, place.department)
            return (f"{out}{profession_end}{activity}{IS_ACTIVITY}{person} {P_ACTIVITY} {activity} .\n"
                    f"{activity}{FROM_SOURCE}{mode_end}{sector_end}{at_site}{placed}")

        return activity_triples

    def _place_of(self, key: tuple[str, str, str]) -> tuple[codes.Place, str]:
        """The place of an activity's (country, département, postal code), and its mark."""
        place = self._locate(*key)
        mark = self._marks.get(place)
        if mark is None:
            mark = self._marks[place] = f"@{len(self._marks)}"
            self._marked[mark] = place
        return place, mark

    def _placed(self, person_iri: str, digest: str, place: codes.Place, state: str,
                profession: str | None) -> str:
        """An activity already written, read again at another place: the place's triples
        that the activity's earlier places did not give (another département of the same
        region gives no second region triple). Rare, so worked out from `state`."""
        report = self.report
        report.notes["lines giving an activity already read another place"] += 1
        if place.note:
            report.notes[place.note] += 1
        if place.unknown:
            report.unknown(DEPARTMENT, place.unknown)
        if self.records is not None:
            self.records.add_activity(person_iri, profession, digest, place.region,
                                      place.department)
        given = {end for token in state.split() if token.startswith(digest)
                 for end in self._marked[token[len(digest):]].ends.splitlines(keepends=True)}
        new = [end for end in place.ends.splitlines(keepends=True) if end not in given]
        self.written += len(new)
        activity = f"<{person_iri}/activity/{digest}>"
        return "".join(new).replace(codes.SUBJECT, activity)

    def _locate(self, country: str, raw: str, postal_code: str) -> codes.Place:
        if country not in FRANCE:
            return codes.Place(note="activities abroad (no département)")
        department = geography.department(raw) if raw else _from_postal_code(postal_code)
        concept = self._departments.get(department) if department else None
        if concept is None and not raw and CORSICA.fullmatch(postal_code):
            return codes.Place(note="activities without a département whose Corsican postal "
                                    "code (20xxx) does not tell 2A from 2B")
        if concept is None:
            if raw or postal_code:
                return codes.Place(unknown=raw or f"(postal code {postal_code})")
            return codes.Place(note="activities without a place")
        ends = f"{codes.SUBJECT} {P_DEPARTMENT} <{concept}> .\n"
        region = geography.region(department)  # type: ignore[arg-type]
        if region and region in self._regions:
            note = "" if raw else "départements read from the postal code"
            ends += f"{codes.SUBJECT} {P_SPATIAL} <{self._regions[region]}> .\n"
            return codes.Place(ends, note, department=concept, region=self._regions[region])
        return codes.Place(ends, f"activities outside the 18 regions (département {department})",
                     department=concept)


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
