"""The national figures: what the national questions count, computed once per import into a
store and kept there as RDF Data Cube observations (graph FIGURES_GRAPH).

Counting millions of activities and mailboxes by SPARQL joins takes the engine minutes per
question, and reading them back from the store takes it minutes too; so the importers note each
record as they read the files (Records), and Python counts them. A registry kept from an
earlier import is read back from its graph (Records.read_graphs). Each question then reads a
few hundred observations (queries/national/). The figures are the graph's own reading of the
registries, not a source's: their dataset says so and names the imports they come from.

Each observation belongs to one qb:DataSet, one per kind of count, and carries its dimensions
(segur:refRegion, segur:refProfession, ...) and its counts (segur:establishmentCount, ...). A
dimension an observation lacks means what its dataset says: "all" (the total over that
dimension) or "none" (the records that have no value there, such as establishments in no
region). The counts follow the SPARQL definitions kept in queries/national/by-records/, which
a test runs against the figures on the fixtures and on a synthetic set.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from segur_kg.sources.registries import codes
from segur_kg.sources.registries.codes import ID, SEGUR
from segur_kg.stores.base import Select

FIGURES = f"{ID}figures/"
DATASET = f"{ID}dataset/figures"
QB = "http://purl.org/linked-data/cube#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS = "http://purl.org/dc/terms/"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
VOID = "http://rdfs.org/ns/void#"
PERSONAL = f"{ID}mailbox-kind/personnelle"
ORGANISATIONAL = f"{ID}mailbox-kind/organisationnelle"
READING = f"{ID}source/lecture-du-graphe"
OVERSEAS = ("97", "98")  # INSEE codes of the overseas départements and collectivities


def _s(name: str) -> str:
    return SEGUR + name


# The datasets: key → (French label, English label). Their observations' absent dimensions:
DATASETS = {
    # refCategory, refRegion (absent: the establishment lies in no region)
    "establishments": ("Établissements par catégorie et par région",
                       "Establishments by category and region"),
    # refCategory, refRegion (absent: all regions, and establishments in none)
    "organisational-mailboxes": ("Établissements et boîtes organisationnelles par catégorie",
                                 "Establishments and organisational mailboxes by category"),
    # refLegalEntity; and a dataset per region, legal-entities-in-{NOS code}, with refRegion
    # too (a question about one region then reads a few thousand observations, not all)
    "legal-entities": ("Établissements de chaque entité juridique",
                       "Establishments of each legal entity"),
    # refProfession, refRegion
    "professionals": ("Professionnels par profession et par région",
                      "Professionals by profession and region"),
    # refOperatorDomain, refMailboxKind, refProfession (absent: all professions and holders)
    "mailboxes": ("Boîtes aux lettres par domaine d'opérateur et par type",
                  "Mailboxes by operator domain and kind"),
    # refRecordClass, refDepartment (absent: no known département)
    "outside-regions": ("Enregistrements situés hors des 18 régions",
                        "Records outside the 18 regions"),
    # refDepartment, refRegion (absent: none), refProfession (absent: all professions)
    "overseas": ("Établissements, professionnels et boîtes aux lettres outre-mer",
                 "Establishments, professionals and mailboxes overseas"),
}


@dataclass
class Observation:
    dataset: str
    dimensions: dict[str, str | None]  # property local name → IRI (or literal for a domain)
    counts: dict[str, int]

    def ntriples(self) -> str:
        dims = sorted((key, value) for key, value in self.dimensions.items() if value is not None)
        key = "|".join(f"{name}={value}" for name, value in dims)
        subject = f"<{FIGURES}{self.dataset}/{hashlib.sha1(key.encode()).hexdigest()[:16]}>"
        out = [f"{subject} <{RDF_TYPE}> <{QB}Observation> .\n",
               f"{subject} <{QB}dataSet> <{FIGURES}{self.dataset}> .\n"]
        for name, value in dims:
            obj = codes.text(value) if name == "refOperatorDomain" else f"<{value}>"
            out.append(f"{subject} <{SEGUR}{name}> {obj} .\n")
        for name, count in sorted(self.counts.items()):
            out.append(f"{subject} <{SEGUR}{name}> {codes.typed(str(count), 'integer')} .\n")
        return "".join(out)


class Establishment:
    """What the figures need of one establishment; tuples (each value once) rather than
    sets, which take four times the memory for the one value most hold."""

    __slots__ = ("categories", "regions", "departments", "entities")

    def __init__(self) -> None:
        self.categories: tuple[str, ...] = ()
        self.regions: tuple[str, ...] = ()
        self.departments: tuple[str, ...] = ()
        self.entities: tuple[str, ...] = ()


class Person:
    """What the figures need of one professional (or mailbox holder): a million of them, so
    tuples rather than sets and dicts."""

    __slots__ = ("professions", "typed", "regions", "departments", "overseas", "lines")

    def __init__(self) -> None:
        self.professions: tuple[str, ...] = ()
        self.typed = False  # a segur:HealthProfessional
        self.regions: tuple[tuple[str, int], ...] = ()  # (region, their activities there)
        self.departments: tuple[str, ...] = ()  # of any of their activities
        self.overseas: tuple[tuple[str, str | None], ...] = ()  # (département, region)
        # (activity, region, département) of each activity line read, until Records.settle
        self.lines: list[tuple[str, str | None, str | None]] | None = None


class Mailbox:
    """What the figures need of one mailbox (half a million of them): tuples, as above."""

    __slots__ = ("kinds", "domains", "holders")

    def __init__(self) -> None:
        self.kinds: tuple[str, ...] = ()
        self.domains: tuple[str, ...] = ()
        self.holders: tuple[str, ...] = ()


def _with(values: tuple[str, ...], value: str | None) -> tuple[str, ...]:
    """`values` and `value`, each once (None adds nothing)."""
    return values if value is None or value in values else (*values, value)


@dataclass
class Records:
    """What the figures need of the registries: noted by the importers as they read the files
    (add_establishment, add_activity, add_mailbox, then settle), or read from the registry
    graphs of a store (read_graphs) for a registry the import did not read."""

    establishments: dict[str, Establishment] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    # département (None: none known) → activities in no region
    activities_outside: Counter[str | None] = field(default_factory=Counter)

    def person(self, iri: str) -> Person:
        found = self.persons.get(iri)
        if found is None:
            found = self.persons[iri] = Person()
        return found

    def add_establishment(self, iri: str, category: str | None, region: str | None,
                          department: str | None, entity: str | None) -> None:
        record = self.establishments.get(iri)
        if record is None:
            record = self.establishments[iri] = Establishment()
        record.categories = _with(record.categories, category)
        record.regions = _with(record.regions, region)
        record.departments = _with(record.departments, department)
        record.entities = _with(record.entities, entity)

    def add_activity(self, person: str, profession: str | None, activity: str,
                     region: str | None, department: str | None) -> None:
        """An activity line of the Annuaire Santé: its professional (a HealthProfessional),
        their profession when known, the activity's IRI (lines may repeat one) and place."""
        record = self.person(person)
        record.typed = True
        if profession is not None and profession not in record.professions:
            record.professions = (*record.professions, profession)
        if record.lines is None:
            record.lines = []
        record.lines.append((activity, region, department))

    def add_mailbox(self, iri: str, kind: str, domain: str, holder: str | None) -> None:
        record = self.mailboxes.get(iri)
        if record is None:
            record = self.mailboxes[iri] = Mailbox()
        record.kinds = _with(record.kinds, kind)
        record.domains = _with(record.domains, sys.intern(domain))  # a few hundred domains
        record.holders = _with(record.holders, holder)

    def settle(self) -> None:
        """Each person's activity lines, merged by activity as the graph merges them, turned
        into their places."""
        overseas = _overseas_departments()
        for person in self.persons.values():
            if person.lines is None:
                continue
            activities: dict[str, tuple[set[str], set[str]]] = {}
            for activity, region, department in person.lines:
                regions, departments = activities.setdefault(activity, (set(), set()))
                if region is not None:
                    regions.add(region)
                if department is not None:
                    departments.add(department)
            person.lines = None
            self._place(person, activities.values(), overseas)

    def _place(self, person: Person, activities: Iterable[tuple[set[str], set[str]]],
               overseas: set[str]) -> None:
        count: Counter[str] = Counter()
        departments: set[str] = set()
        abroad: set[tuple[str, str | None]] = set()
        for regions, where in activities:
            count.update(regions)
            departments.update(where)
            if not regions:
                for department in where or {None}:
                    self.activities_outside[department] += 1
            for department in where & overseas:
                abroad.update((department, region) for region in regions or {None})
        person.regions = tuple(sorted(count.items()))
        person.departments = tuple(sorted(departments))
        person.overseas = tuple(sorted(abroad, key=str))

    def read_graphs(self, registry: str, select: Select) -> None:
        """The records of `registry` (finess, rpps or mssante), from its graph in a store: the
        engine follows each activity to its place (slower than reading the file)."""
        if registry == "finess":
            for e, category, region, department, entity in select(ESTABLISHMENTS):
                self.add_establishment(e, category, region, department, entity)  # type: ignore[arg-type]
        elif registry == "rpps":
            for (person,) in select(PROFESSIONALS):
                self.person(person).typed = True  # type: ignore[arg-type]
            for person, profession in select(PROFESSIONS):
                record = self.person(person)  # type: ignore[arg-type]
                record.professions = (*record.professions, profession)  # type: ignore[arg-type]
            activities: dict[str, dict[str, tuple[set[str], set[str]]]] = defaultdict(dict)
            for person, activity, region, department in select(ACTIVITIES):
                regions, departments = activities[person].setdefault(  # type: ignore[index]
                    activity, (set(), set()))  # type: ignore[arg-type]
                if region is not None:
                    regions.add(region)
                if department is not None:
                    departments.add(department)
            overseas = _overseas_departments()
            for person, places in activities.items():
                self._place(self.person(person), places.values(), overseas)
        elif registry == "mssante":
            for mailbox, kind, domain, holder in select(MAILBOXES):
                self.add_mailbox(mailbox, kind, domain, holder)  # type: ignore[arg-type]


def _overseas_departments() -> set[str]:
    return {iri for code, iri in codes.concepts("department").items()
            if code.startswith(OVERSEAS)}


_PREFIXES = """PREFIX segur: <https://w3id.org/segur/def/>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
ESTABLISHMENTS = _PREFIXES + """SELECT ?e ?category ?region ?department ?entity WHERE {
  ?e a segur:HealthEstablishment .
  OPTIONAL { ?e segur:establishmentCategory ?category }
  OPTIONAL { ?e dcterms:spatial ?region }
  OPTIONAL { ?e segur:inDepartment ?department }
  OPTIONAL { ?e segur:legalEntity ?entity }
}"""
PROFESSIONALS = _PREFIXES + "SELECT ?p WHERE { ?p a segur:HealthProfessional }"
PROFESSIONS = _PREFIXES + "SELECT ?p ?profession WHERE { ?p segur:hasProfession ?profession }"
ACTIVITIES = _PREFIXES + """SELECT ?p ?a ?region ?department WHERE {
  ?p segur:hasActivity ?a .
  OPTIONAL { ?a dcterms:spatial ?region }
  OPTIONAL { ?a segur:inDepartment ?department }
}"""
MAILBOXES = _PREFIXES + """SELECT ?m ?kind ?domain ?holder WHERE {
  ?m a segur:MssanteMailbox ; segur:hasMailboxKind ?kind ; segur:operatorDomain ?domain .
  OPTIONAL { ?m segur:mailboxHolder ?holder }
}"""


def compute(records: Records) -> list[Observation]:
    return [*establishments(records), *organisational_mailboxes(records),
            *legal_entities(records), *professionals(records), *mailboxes(records),
            *outside_regions(records), *overseas(records)]


def ntriples(records: Records, imported: Iterable[str]) -> str:
    """The figures of the (settled) records as sorted N-Triples, with their datasets and the
    provenance of the whole: derived from the registry datasets `imported` (finess, rpps,
    mssante) by the graph's own reading."""
    observations = compute(records)
    lines = [observation.ntriples() for observation in observations]
    lines.append(describe(imported, {observation.dataset for observation in observations}))
    return "".join(sorted(set("".join(lines).splitlines(keepends=True))))


def _labels(key: str) -> tuple[str, str]:
    if key in DATASETS:
        return DATASETS[key]
    french, english = DATASETS["legal-entities"]
    code = key.removeprefix("legal-entities-in-")
    return f"{french}, dans la région {code}", f"{english}, in region {code}"


def describe(imported: Iterable[str], keys: Iterable[str]) -> str:
    whole = f"<{DATASET}>"
    out = [f"{whole} <{RDF_TYPE}> <{VOID}Dataset> .\n",
           f"{whole} <{RDF_TYPE}> <http://www.w3.org/ns/dcat#Dataset> .\n",
           f"{whole} <{DCTERMS}title> {codes.text('Chiffres nationaux des registres', 'fr')} .\n",
           f"{whole} <{DCTERMS}title> {codes.text('National figures of the registries', 'en')} .\n",
           f"{whole} <{DCTERMS}source> <{READING}> .\n",
           f"<{ID}dataset/segur-kg> <{VOID}subset> {whole} .\n"]
    for registry in sorted(set(imported)):
        out.append(f"{whole} <{PROV_DERIVED}> <{ID}dataset/{registry}> .\n")
    for key in sorted({*DATASETS, *keys}):
        french, english = _labels(key)
        dataset = f"<{FIGURES}{key}>"
        out += [f"{dataset} <{RDF_TYPE}> <{QB}DataSet> .\n",
                f"{dataset} <{RDFS_LABEL}> {codes.text(french, 'fr')} .\n",
                f"{dataset} <{RDFS_LABEL}> {codes.text(english, 'en')} .\n",
                f"{dataset} <{DCTERMS}isPartOf> {whole} .\n"]
    return "".join(out)


# --- one function per dataset --------------------------------------------------------------


Cells = dict[tuple[str | None, ...], tuple[set[str], ...]]


def _cells(width: int) -> Cells:
    return defaultdict(lambda: tuple(set() for _ in range(width)))


def establishments(records: Records) -> Iterator[Observation]:
    """Establishments of a category, per region or in none (ehpad-per-ars,
    establishments-by-corridor-region)."""
    count: Counter[tuple[str, str | None]] = Counter()
    for record in records.establishments.values():
        for category in record.categories:
            for region in record.regions or {None}:
                count[category, region] += 1
    for (category, region), number in count.items():
        yield Observation("establishments", {"refCategory": category, "refRegion": region},
                          {"establishmentCount": number})


def _held(records: Records, kind: str) -> dict[str, set[str]]:
    """holder → their mailboxes of `kind`."""
    held: dict[str, set[str]] = defaultdict(set)
    for iri, mailbox in records.mailboxes.items():
        if kind in mailbox.kinds:
            for holder in mailbox.holders:
                held[holder].add(iri)
    return held


def organisational_mailboxes(records: Records) -> Iterator[Observation]:
    """Per category, in each region and in all: establishments, those holding an
    organisational mailbox, and those mailboxes (organisational-mailboxes-by-category)."""
    held = _held(records, ORGANISATIONAL)
    cells = _cells(3)
    for iri, record in records.establishments.items():
        for category in record.categories:
            for region in (None, *record.regions):
                found, equipped, boxes = cells[category, region]
                found.add(iri)
                if iri in held:
                    equipped.add(iri)
                    boxes.update(held[iri])
    for (category, region), (found, equipped, boxes) in cells.items():
        yield Observation("organisational-mailboxes",
                          {"refCategory": category, "refRegion": region},
                          {"establishmentCount": len(found),
                           "equippedEstablishmentCount": len(equipped),
                           "organisationalMailboxCount": len(boxes)})


def legal_entities(records: Records) -> Iterator[Observation]:
    """Per legal entity, in each region and in all: its establishments, their categories and
    their regions (legal-entities-most-sites)."""
    region_codes = {iri: code for code, iri in codes.concepts("region").items()}
    cells = _cells(3)
    for iri, record in records.establishments.items():
        for entity in record.entities:
            for region in (None, *record.regions):
                found, categories, regions = cells[entity, region]
                found.add(iri)
                categories.update(record.categories)
                regions.update(record.regions if region is None else (region,))
    for (entity, region), (found, categories, regions) in cells.items():
        yield Observation("legal-entities" if region is None
                          else f"legal-entities-in-{region_codes[region]}",
                          {"refLegalEntity": entity, "refRegion": region},
                          {"establishmentCount": len(found), "categoryCount": len(categories),
                           "regionCount": len(regions)})


def professionals(records: Records) -> Iterator[Observation]:
    """Per profession and region: professionals with an activity there, those activities,
    and those professionals holding a personal mailbox (professionals-by-profession-region,
    personal-mailbox-share)."""
    holders = _held(records, PERSONAL)
    people: Counter[tuple[str, str]] = Counter()
    equipped: Counter[tuple[str, str]] = Counter()
    activities: Counter[tuple[str, str]] = Counter()
    for iri, person in records.persons.items():
        if not person.typed:
            continue
        for profession in person.professions:
            for region, number in person.regions:
                people[profession, region] += 1
                activities[profession, region] += number
                if iri in holders:
                    equipped[profession, region] += 1
    for (profession, region), number in people.items():
        yield Observation("professionals", {"refProfession": profession, "refRegion": region},
                          {"professionalCount": number,
                           "activityCount": activities[profession, region],
                           "equippedProfessionalCount": equipped[profession, region]})


def mailboxes(records: Records) -> Iterator[Observation]:
    """Per operator domain and kind, for all holders and for the holders of each profession:
    mailboxes and their holders (mailboxes-by-operator-domain)."""
    cells = _cells(2)
    nobody = Person()
    for iri, mailbox in records.mailboxes.items():
        professions = {profession for holder in mailbox.holders
                       for profession in records.persons.get(holder, nobody).professions}
        for domain in mailbox.domains:
            for kind in mailbox.kinds:
                for profession in (None, *professions):
                    found, holding = cells[domain, kind, profession]
                    found.add(iri)
                    holding.update(mailbox.holders)
    for (domain, kind, profession), (found, holding) in cells.items():
        yield Observation("mailboxes", {"refOperatorDomain": domain, "refMailboxKind": kind,
                                        "refProfession": profession},
                          {"mailboxCount": len(found), "holderCount": len(holding)})


def outside_regions(records: Records) -> Iterator[Observation]:
    """Establishments, activities, professionals and mailboxes in no region, per département
    or with none (outside-regions)."""
    count: Counter[tuple[str, str | None]] = Counter()

    def add(kind: str, departments: Iterable[str]) -> None:
        for department in set(departments) or {None}:
            count[_s(kind), department] += 1

    for record in records.establishments.values():
        if not record.regions:
            add("HealthEstablishment", record.departments)
    for department, number in records.activities_outside.items():
        count[_s("ProfessionalActivity"), department] += number
    for person in records.persons.values():
        if person.typed and not person.regions:
            add("HealthProfessional", person.departments)
    nobody = Person()
    for mailbox in records.mailboxes.values():
        regions: set[str] = set()
        departments: set[str] = set()
        for holder in mailbox.holders:
            establishment = records.establishments.get(holder)
            if establishment is not None:
                regions.update(establishment.regions)
                departments.update(establishment.departments)
            person = records.persons.get(holder, nobody)
            regions.update(region for region, _ in person.regions)
            departments.update(person.departments)
        if not regions:
            add("MssanteMailbox", departments)
    for (kind, department), number in count.items():
        yield Observation("outside-regions",
                          {"refRecordClass": kind, "refDepartment": department},
                          {"recordCount": number})


def overseas(records: Records) -> Iterator[Observation]:
    """Per overseas département and its region (or none): establishments, professionals,
    personal and organisational mailboxes; and per profession, its professionals and their
    personal mailboxes (overseas-coverage)."""
    overseas_codes = _overseas_departments()

    def places(record: Establishment) -> Iterator[tuple[str, str | None]]:
        for department in overseas_codes.intersection(record.departments):
            for region in record.regions or {None}:
                yield department, region

    # (département, region, profession or None for all) → establishments, professionals,
    # personal mailboxes, organisational mailboxes
    cells = _cells(4)
    for iri, record in records.establishments.items():
        for department, region in places(record):
            cells[department, region, None][0].add(iri)
    for iri, mailbox in records.mailboxes.items():
        for holder in mailbox.holders:
            establishment = records.establishments.get(holder)
            if ORGANISATIONAL in mailbox.kinds and establishment is not None:
                for department, region in places(establishment):
                    cells[department, region, None][3].add(iri)
    personal = _held(records, PERSONAL)
    for iri, person in records.persons.items():
        for department, region in person.overseas:
            for profession in (None, *person.professions):
                _, people, boxes, _ = cells[department, region, profession]
                if person.typed:
                    people.add(iri)
                boxes.update(personal.get(iri, ()))
    for (department, region, profession), (found, people, boxes, organisational) in cells.items():
        counts = {"professionalCount": len(people), "personalMailboxCount": len(boxes)}
        if profession is None:
            counts |= {"establishmentCount": len(found),
                       "organisationalMailboxCount": len(organisational)}
        yield Observation("overseas", {"refDepartment": department, "refRegion": region,
                                       "refProfession": profession}, counts)
