"""A synthetic national-scale extension of the graph, for tests and benchmarks at scale.

`segur-kg synth --scale N [--seed S] -o FILE` writes about N triples of made-up but realistic
data attached to the real graph: software vendors and the products they have referenced per
Ségur software category and wave, health establishments per NOS region using those products,
health professionals per NOS profession practising in them, and MSSanté mailboxes of the three
kinds held by professionals, establishments and products. Categories, waves, regions,
professions and mailbox kinds are read from the loaded dataset, never listed here.

The output is N-Triples (also valid Turtle), written line by line into an atomic stream, so
10M triples never sit in memory; an error, Ctrl-C or SIGTERM removes the temporary file, and
the next run removes those a SIGKILL left (see segur_kg.common.atomic). Every resource IRI says it is
synthetic (https://w3id.org/segur/id/{kind}/synthetic-{n}) and cites, as its source, the
description of the extension (a void:Dataset) that says how it was made. The same seed, scale
and dataset give the same bytes: the only randomness is random.Random(seed), and everything read
from the graph is sorted before use.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from segur_kg.common import paths, progress
from segur_kg.common.errors import SegurKgError
from segur_kg.rdf.namespaces import DEF, ID

if TYPE_CHECKING:
    from rdflib import Graph

MIN_SCALE = 10_000
MAX_SCALE = 100_000_000
DEFAULT_SEED = 0
SUFFIXES = (".nt", ".ttl")  # N-Triples is a subset of Turtle: the same bytes serve both

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
VOID = "http://rdfs.org/ns/void#"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
SOURCE = f"<{DCTERMS}source>"
BASE_DATASET = f"{ID}dataset/segur-kg"

# The three mailbox kinds of data/messaging.ttl and the holder each admits (shape R-38).
PERSONAL = f"{ID}mailbox-kind/personnelle"
ORGANISATIONAL = f"{ID}mailbox-kind/organisationnelle"
APPLICATION = f"{ID}mailbox-kind/applicative"

# Calibration, not a list: the regions and professions themselves come from the graph; these
# figures only weight them. Population of each region in thousands (INSEE, 1 January 2021),
# by its NOS TRE_R30 code.
REGION_POPULATION = {
    "01": 384, "02": 361, "03": 286, "04": 868, "06": 299, "11": 12_317, "24": 2_573,
    "27": 2_800, "28": 3_325, "32": 5_995, "44": 5_562, "52": 3_833, "53": 3_372, "75": 6_033,
    "76": 5_973, "84": 8_078, "93": 5_098, "94": 344,
}
# Approximate headcount of each profession in France, in hundreds (DREES, RPPS and ADELI,
# 2021-2023), by its NOS TRE_G15 code. A code missing here gets DEFAULT_HEADCOUNT.
PROFESSION_HEADCOUNT = {
    "10": 2_300, "21": 730, "26": 45, "28": 400, "31": 250, "32": 9, "35": 4_000, "36": 600,
    "37": 600, "38": 100, "39": 600, "40": 450, "50": 240, "60": 6_400, "69": 10, "70": 1_000,
    "80": 150, "81": 10, "82": 3, "83": 20, "84": 1, "85": 1, "86": 350, "91": 270, "92": 60,
    "94": 150, "95": 130, "96": 140, "98": 380,
}
DEFAULT_HEADCOUNT = 50
# Shares that shape the extension (see plan() for the sizes).
PERSONAL_MAILBOX_SERVED = 0.6  # professions a Ségur software category serves: mostly equipped
PERSONAL_MAILBOX_OTHER = 0.15  # the others (care assistants, ambulance staff…) seldom are
APPLICATION_MAILBOX_SHARE = 0.3  # of the products an establishment uses
INSTITUTION_FIRST_WAVE = 0.8  # chance an establishment uses a product of such a category…
INSTITUTION_LATER_WAVE = 0.4  # …when the category came in a later wave
PROFESSION_LEVEL_CATEGORY = 0.1  # a practice-level category (LGC…) inside an establishment
SERVICES = ("accueil", "secretariat", "urgences", "consultations", "imagerie", "laboratoire",
            "pharmacie", "direction", "maternite", "bloc")


# --- what the dataset gives ----------------------------------------------------------------


@dataclass(frozen=True)
class Wave:
    iri: str
    position: int
    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class Category:
    iri: str
    acronym: str
    wave: Wave
    professions: tuple[str, ...]  # NOS TRE_G15 concepts it serves


@dataclass(frozen=True)
class Region:
    concept: str  # the NOS TRE_R30 concept, which establishments point to
    code: str
    label_fr: str
    label_en: str


@dataclass(frozen=True)
class Profession:
    concept: str
    code: str
    label_fr: str
    served: bool  # a Ségur software category serves it


@dataclass(frozen=True)
class MailboxKind:
    iri: str
    label_fr: str
    label_en: str


@dataclass(frozen=True)
class Model:
    categories: tuple[Category, ...]
    regions: tuple[Region, ...]
    professions: tuple[Profession, ...]
    kinds: dict[str, MailboxKind]  # PERSONAL, ORGANISATIONAL, APPLICATION → kind


def read_model(graph: Graph) -> Model:
    """The programme's resources the extension attaches to, each list sorted."""
    categories = _categories(graph)
    served = {p for category in categories for p in category.professions}
    return Model(categories, _regions(graph), _professions(graph, served), _kinds(graph))


def _categories(graph: Graph) -> tuple[Category, ...]:
    from rdflib import RDF, URIRef

    segur = _segur_terms()
    waves = _waves(graph)
    found = []
    for category in graph.subjects(RDF.type, segur["SoftwareCategory"]):
        wave = _one(graph, category, segur["inWave"])
        if wave not in waves:
            continue  # the shapes report it; the extension needs a wave
        found.append(Category(
            iri=str(category),
            acronym=_one(graph, category, segur["acronym"]) or str(category).rsplit("/", 1)[-1],
            wave=waves[wave],
            professions=tuple(sorted(str(p) for p in graph.objects(
                category, URIRef(DEF + "servesProfession")))),
        ))
    if not found:
        raise SegurKgError(
            "the dataset has no software category with a wave (segur:inWave); "
            "restore data/software.ttl"
        )
    return tuple(sorted(found, key=lambda c: (c.wave.position, c.acronym, c.iri)))


def _waves(graph: Graph) -> dict[str, Wave]:
    """Each wave with the period its products are referenced in.

    The data gives wave 1 a launch month (2021-07) and wave 2 a year it was announced for
    (2023) and deployment years (2024-2025). A wave starts at the earliest of those dates; it
    ends with its deployment when the data gives it, otherwise the day before the next wave
    starts, otherwise two years after its start. So wave 1 runs 2021-07-01 to 2022-12-31 and
    wave 2 2023-01-01 to 2025-12-31."""
    from rdflib import RDF, URIRef

    segur = _segur_terms()
    found: list[tuple[int, str, datetime.date, datetime.date | None]] = []
    for wave in graph.subjects(RDF.type, segur["Wave"]):
        position = _one(graph, wave, URIRef(SCHEMA + "position"))
        starts = [_first_day(value) for prop in ("launchDate", "announcedFor", "deploymentStart")
                  for value in graph.objects(wave, segur[prop])]
        starts = [day for day in starts if day is not None]
        if position is None or not starts:
            continue
        ends = [_last_day(value) for value in graph.objects(wave, segur["deploymentEnd"])]
        ends = [day for day in ends if day is not None]
        found.append((int(position), str(wave), min(starts), max(ends) if ends else None))
    found.sort()
    waves = {}
    for index, (position, iri, start, end) in enumerate(found):
        if end is None:
            later = [s for p, _, s, _ in found[index + 1:] if p > position and s > start]
            end = (min(later) - datetime.timedelta(days=1)) if later else _years_later(start, 2)
        waves[iri] = Wave(iri, position, start, max(start, end))
    return waves


def _first_day(value: object) -> datetime.date | None:
    text = str(value)
    for pattern, build in ((r"^(\d{4})-(\d{2})-(\d{2})", lambda m: (m[1], m[2], m[3])),
                           (r"^(\d{4})-(\d{2})$", lambda m: (m[1], m[2], "1")),
                           (r"^(\d{4})$", lambda m: (m[1], "1", "1"))):
        match = re.match(pattern, text)
        if match:
            year, month, day = (int(part) for part in build(match))
            return datetime.date(year, month, day)
    return None


def _last_day(value: object) -> datetime.date | None:
    text = str(value)
    first = _first_day(text)
    if first is None or re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return first
    if re.match(r"^\d{4}$", text) or first.month == 12:
        return datetime.date(first.year, 12, 31)
    return datetime.date(first.year, first.month + 1, 1) - datetime.timedelta(days=1)


def _years_later(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def _regions(graph: Graph) -> tuple[Region, ...]:
    """The current regions: each segur:Region and the NOS TRE_R30 concept it matches."""
    from rdflib import RDF, URIRef

    found = []
    for region in graph.subjects(RDF.type, _segur_terms()["Region"]):
        concept = _one(graph, region, URIRef(SKOS + "exactMatch"))
        code = _one(graph, region, URIRef(SKOS + "notation"))
        labels = _labels(graph, region)
        if concept is None or code is None or not {"fr", "en"} <= labels.keys():
            continue
        found.append(Region(concept, code, labels["fr"], labels["en"]))
    if not found:
        raise SegurKgError("the dataset has no region matched to the NOS (skos:exactMatch); "
                           "restore data/regions.ttl")
    return tuple(sorted(found, key=lambda r: (r.code, r.concept)))


def _professions(graph: Graph, served: set[str]) -> tuple[Profession, ...]:
    """Every current concept of the NOS scheme(s) the programme's profession links point into
    (TRE_G15): the professions a professional can have."""
    from rdflib import Literal, URIRef

    in_scheme = URIRef(SKOS + "inScheme")
    linked = {o for o in graph.objects(None, URIRef(DEF + "servesProfession"))}
    schemes = {s for concept in linked for s in graph.objects(concept, in_scheme)}
    found = []
    for scheme in schemes:
        for concept in graph.subjects(in_scheme, scheme):
            if graph.value(concept, URIRef(OWL_DEPRECATED)) == Literal(True):
                continue  # an ended code (Psychologue, 93) is no one's profession today
            code = _one(graph, concept, URIRef(SKOS + "notation"))
            label = _labels(graph, concept, URIRef(SKOS + "prefLabel")).get("fr")
            if code is None or label is None:
                continue
            found.append(Profession(str(concept), code, label, str(concept) in served))
    if not found:
        raise SegurKgError("the dataset has no NOS profession linked by segur:servesProfession; "
                           "restore data/nos-links.ttl and data/nos/")
    return tuple(sorted(found, key=lambda p: (p.code, p.concept)))


def _kinds(graph: Graph) -> dict[str, MailboxKind]:
    from rdflib import RDF

    kinds = {}
    for kind in graph.subjects(RDF.type, _segur_terms()["MailboxKind"]):
        labels = _labels(graph, kind)
        if {"fr", "en"} <= labels.keys():
            kinds[str(kind)] = MailboxKind(str(kind), labels["fr"], labels["en"])
    missing = [iri for iri in (PERSONAL, ORGANISATIONAL, APPLICATION) if iri not in kinds]
    if missing:
        raise SegurKgError(
            f"the dataset lacks the mailbox kind(s) {', '.join(missing)} (segur:MailboxKind "
            "with French and English labels); restore data/messaging.ttl"
        )
    return {iri: kinds[iri] for iri in (PERSONAL, ORGANISATIONAL, APPLICATION)}


def _segur_terms() -> dict[str, object]:
    from rdflib import URIRef

    names = ("SoftwareCategory", "Wave", "Region", "MailboxKind", "inWave", "acronym",
             "launchDate", "announcedFor", "deploymentStart", "deploymentEnd")
    return {name: URIRef(DEF + name) for name in names}


def _one(graph: Graph, subject: object, predicate: object) -> str | None:
    """One value as text; the smallest when there are several, so the choice never depends
    on the order the store returns them in."""
    values = sorted(str(value) for value in graph.objects(subject, predicate))
    return values[0] if values else None


def _labels(graph: Graph, subject: object, predicate: object = None) -> dict[str, str]:
    """The smallest label of each language (rdfs:label unless told)."""
    from rdflib import RDFS, Literal

    labels: dict[str, str] = {}
    for value in graph.objects(subject, predicate or RDFS.label):
        if isinstance(value, Literal) and value.language:
            labels[value.language] = min(labels.get(value.language, str(value)), str(value))
    return labels


# --- options ---------------------------------------------------------------------------------


def parse_scale(text: str | None) -> int:
    """'100k', '1M', '2.5M' or '20000' → a number of triples."""
    if text is None:
        raise SegurKgError("synth needs --scale N, the number of triples to generate "
                           "(e.g. --scale 1M)")
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise SegurKgError(f"--scale '{text}' is not a number of triples; "
                           "write it like 20000, 100k, 1M or 10M")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()]
    value = float(match[1]) * factor
    if value != int(value):
        raise SegurKgError(f"--scale '{text}' is not a whole number of triples; "
                           "write it like 20000, 100k, 1M or 10M")
    if not MIN_SCALE <= value <= MAX_SCALE:
        raise SegurKgError(f"--scale '{text}' is out of range; give between "
                           f"{MIN_SCALE // 1000}k and {MAX_SCALE // 1_000_000}M triples")
    return int(value)


def parse_seed(text: str | None) -> int:
    if text is None:
        return DEFAULT_SEED
    if not re.fullmatch(r"\s*\d{1,18}\s*", text):
        raise SegurKgError(f"--seed '{text}' is not a whole number; "
                           "give a number from 0 to 999999999999999999")
    return int(text)


def check_output(path: Path | None) -> Path:
    if path is None:
        raise SegurKgError("synth needs -o FILE.nt, the file to write the extension to")
    if path.suffix.lower() not in SUFFIXES:
        raise SegurKgError(f"{path}: synth writes N-Triples; name the file .nt (or .ttl, which "
                           "reads the same lines as Turtle)")
    if not path.parent.is_dir():
        raise SegurKgError(f"{path}: the folder {path.parent} does not exist; create it or "
                           "choose another -o path")
    if path.is_dir():
        raise SegurKgError(f"{path}: is a folder; give a file name to -o")
    return path


# --- the sizes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    scale: int
    vendors: int
    products: int
    establishments: int


def plan(scale: int, model: Model) -> Plan:
    """Sizes of the fixed parts; professionals and their mailboxes fill the rest of the
    budget. About 400 triples per establishment (its ~40 professionals, half of them with a
    personal mailbox, and its own organisational and application mailboxes), one product per
    5,000 triples and four products per vendor: 10M triples give 25,000 establishments, about
    a million professionals and half a million mailboxes, 2,000 products and 500 vendors.
    Every category, region and profession is used at least once whatever the scale."""
    products = max(3 * len(model.categories), round(scale / 5_000))
    return Plan(
        scale=scale,
        vendors=max(5, products // 4),
        products=products,
        establishments=max(2 * len(model.regions), round(scale / 400)),
    )


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    path: Path
    triples: int
    seed: int
    scale: int
    counts: dict[str, int]


def generate(scale: int, seed: int, output: Path, graph: Graph | None = None) -> Summary:
    """Write the extension to `output` atomically and say what was written."""
    from segur_kg.common.atomic import open_atomic
    from segur_kg.common.metadata import metadata
    from segur_kg.rdf.reading import load_dataset

    check_output(output)
    model = read_model(graph if graph is not None else load_dataset())
    sizes = plan(scale, model)
    meta = metadata()
    try:
        with progress.bar("synth", total=scale) as shown, open_atomic(output) as stream:
            writer = _Writer(stream, shown.update)
            counts = _Generator(model, sizes, seed, writer, meta.version, meta.license_iri).run()
            writer.flush()
    except OSError as exc:
        raise SegurKgError(f"{paths.display(output)}: cannot write the extension "
                           f"({exc.strerror}); check the path, its permissions and free space"
                           ) from None
    return Summary(output, writer.count, seed, scale, counts)


class _Writer:
    """Buffers N-Triples lines and counts them; the progress bar moves by whole buffers."""

    def __init__(self, stream: TextIO, advance: Callable[[int], object]) -> None:
        self._stream = stream
        self._advance = advance
        self._lines: list[str] = []
        self.count = 0

    def line(self, subject: str, predicate: str, obj: str) -> None:
        self._lines.append(f"{subject} {predicate} {obj} .\n")
        if len(self._lines) >= 20_000:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self._stream.write("".join(self._lines))
            self.count += len(self._lines)
            self._advance(len(self._lines))
            self._lines = []

    @property
    def written(self) -> int:
        return self.count + len(self._lines)


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def text(value: str, lang: str | None = None) -> str:
    """An N-Triples literal: a plain string, or a language-tagged one."""
    quoted = f'"{value.translate(_ESCAPES)}"'
    return f"{quoted}@{lang}" if lang else quoted


def typed(value: str, datatype: str) -> str:
    return f'"{value.translate(_ESCAPES)}"^^<{datatype}>'


def iri(value: str) -> str:
    return f"<{value}>"


class _Cumulative:
    """Weighted choice by bisection on running totals: O(log n) per draw and, unlike
    random.choices, the same draws for the same random() values in every Python version."""

    def __init__(self, weights: Sequence[float]) -> None:
        self._totals = list(itertools.accumulate(weights))

    def pick(self, rng_random: Callable[[], float]) -> int:
        index = bisect.bisect_right(self._totals, rng_random() * self._totals[-1])
        return min(index, len(self._totals) - 1)


# Predicates, written once.
P_PUBLISHED_BY = iri(DEF + "publishedBy")
P_CATEGORY = iri(DEF + "inSoftwareCategory")
P_WAVE = iri(DEF + "referencedInWave")
P_DATE = iri(DEF + "referencingDate")
P_USES = iri(DEF + "usesProduct")
P_REGION = iri(DCTERMS + "spatial")
P_ADDRESS = iri(DEF + "mailboxAddress")
P_KIND = iri(DEF + "hasMailboxKind")
P_HOLDER = iri(DEF + "mailboxHolder")
P_PROFESSION = iri(DEF + "hasProfession")
P_PRACTISES_AT = iri(DEF + "practisesAt")
XSD_DATE = XSD + "date"


@dataclass(frozen=True)
class _Product:
    subject: str
    number: int
    category: Category


class _Generator:
    def __init__(self, model: Model, sizes: Plan, seed: int, writer: _Writer, version: str,
                 license_iri: str) -> None:
        self.model = model
        self.sizes = sizes
        self.seed = seed
        self.out = writer
        self.version = version
        self.license_iri = license_iri
        self.random = random.Random(seed).random
        self.dataset = iri(f"{ID}dataset/synthetic-seed-{seed}-scale-{sizes.scale}")
        self.counts = {"vendors": 0, "products": 0, "establishments": 0, "professionals": 0,
                       "mailboxes": 0}
        self.mailboxes = itertools.count(1)

    def run(self) -> dict[str, int]:
        catalogue = self.vendors_and_products()
        sites = self.establishments(catalogue)
        # The description closes the file, so it can count every line before it.
        self.professionals(sites, budget=self.sizes.scale - _DESCRIPTION_TRIPLES)
        self.description()
        return self.counts

    def resource(self, kind: str, number: int, cls: str, label_fr: str, label_en: str) -> str:
        """The four triples every resource has (R-01 to R-05); returns its IRI."""
        subject = iri(f"{ID}{kind}/synthetic-{number}")
        line = self.out.line
        line(subject, RDF_TYPE, iri(DEF + cls))
        line(subject, RDFS_LABEL, text(label_fr, "fr"))
        line(subject, RDFS_LABEL, text(label_en, "en"))
        line(subject, SOURCE, self.dataset)
        return subject

    def vendors_and_products(self) -> list[list[_Product]]:
        """Vendors, then products: one per category first, then more in the categories of
        earlier waves (open longer). Each vendor gets one product, then a few large vendors
        get most of the rest (Zipf). Returns the products of each category, in the order of
        model.categories, the market leader first."""
        sizes, categories, line = self.sizes, self.model.categories, self.out.line
        vendors = [self.resource("vendor", number, "SoftwareVendor",
                                 f"Éditeur synthétique n° {number}",
                                 f"Synthetic software vendor {number}")
                   for number in range(1, sizes.vendors + 1)]
        last_wave = max(c.wave.position for c in categories)
        by_category = _Cumulative([last_wave - c.wave.position + 1 for c in categories])
        by_vendor = _Cumulative([1 / rank for rank in range(1, sizes.vendors + 1)])
        catalogue: list[list[_Product]] = [[] for _ in categories]
        for index in range(sizes.products):
            number = index + 1
            slot = index if index < len(categories) else by_category.pick(self.random)
            category = categories[slot]
            vendor = vendors[index if index < sizes.vendors else by_vendor.pick(self.random)]
            subject = self.resource("software-product", number, "SoftwareProduct",
                                    f"Solution {category.acronym} synthétique n° {number}",
                                    f"Synthetic {category.acronym} product {number}")
            line(subject, P_PUBLISHED_BY, vendor)
            line(subject, P_CATEGORY, iri(category.iri))
            line(subject, P_WAVE, iri(category.wave.iri))
            day = self.day_between(category.wave.start, category.wave.end)
            line(subject, P_DATE, typed(day.isoformat(), XSD_DATE))
            catalogue[slot].append(_Product(subject, number, category))
        self.counts["vendors"] = sizes.vendors
        self.counts["products"] = sizes.products
        return catalogue

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        span = (end - start).days + 1
        return start + datetime.timedelta(days=min(int(self.random() * span), span - 1))

    def establishments(self, catalogue: list[list[_Product]]) -> _Sites:
        """Establishments: one per region first, then by population. Each uses a product of
        most categories that serve no single profession (the establishment-wide DPI, PFI…),
        more rarely one of a practice-level category, and has organisational mailboxes and,
        for some of its products, an application mailbox."""
        categories, regions, line = self.model.categories, self.model.regions, self.out.line
        kinds = self.model.kinds
        by_region = _Cumulative([REGION_POPULATION.get(r.code, _median(REGION_POPULATION))
                                 for r in regions])
        institution = [not c.professions for c in categories]
        if not any(institution):  # no establishment-wide category: any may be the one used
            institution = [True] * len(categories)
        first_wave = min(c.wave.position for c in categories)
        shares = [
            (INSTITUTION_FIRST_WAVE if c.wave.position == first_wave else INSTITUTION_LATER_WAVE)
            if institution[slot] else PROFESSION_LEVEL_CATEGORY
            for slot, c in enumerate(categories)
        ]
        fallbacks = [slot for slot, flag in enumerate(institution) if flag]
        leaders = [_Cumulative([1 / rank for rank in range(1, len(products) + 1)])
                   for products in catalogue]
        sites = _Sites()
        for index in range(self.sizes.establishments):
            number = index + 1
            region = regions[index if index < len(regions) else by_region.pick(self.random)]
            subject = self.resource(
                "establishment", number, "HealthEstablishment",
                f"Établissement de santé synthétique n° {number} ({region.label_fr})",
                f"Synthetic health establishment {number} ({region.label_en})")
            line(subject, P_REGION, iri(region.concept))
            used = [slot for slot, share in enumerate(shares) if self.random() < share]
            if not used:  # every establishment uses at least one product
                used = [fallbacks[int(self.random() * len(fallbacks))]]
            products = [catalogue[slot][leaders[slot].pick(self.random)] for slot in used]
            for product in products:
                line(subject, P_USES, product.subject)
            domain = f"etablissement-{number}.synthetic.mssante.fr"
            for service in self.services():
                self.mailbox(kinds[ORGANISATIONAL], subject, f"{service}@{domain}")
            for position, product in enumerate(products):
                # The first establishment always has one, so that kind is never missing.
                if (index == 0 and position == 0) or self.random() < APPLICATION_MAILBOX_SHARE:
                    local = f"{_slug(product.category.acronym)}.{product.number}"
                    self.mailbox(kinds[APPLICATION], product.subject, f"{local}@{domain}")
            sites.add(subject, domain, self.random)
        self.counts["establishments"] = self.sizes.establishments
        return sites

    def services(self) -> list[str]:
        """One to six distinct services with a mailbox, most establishments one to three."""
        wanted = 1 + min(5, int(-2.0 * math.log(1.0 - self.random())))
        pool = list(SERVICES)
        return [pool.pop(int(self.random() * len(pool))) for _ in range(wanted)]

    def mailbox(self, kind: MailboxKind, holder: str, address: str) -> None:
        number = next(self.mailboxes)
        subject = self.resource("mailbox", number, "MssanteMailbox",
                                f"{kind.label_fr} synthétique n° {number}",
                                f"Synthetic {_lower_first(kind.label_en)} {number}")
        line = self.out.line
        line(subject, P_ADDRESS, text(address))
        line(subject, P_KIND, iri(kind.iri))
        line(subject, P_HOLDER, holder)
        self.counts["mailboxes"] += 1

    def professionals(self, sites: _Sites, budget: int) -> None:
        """Professionals until the budget is spent: one per profession first, then by national
        headcount, each in an establishment chosen by its size; a personal mailbox for most of
        those whose profession a Ségur software category serves, fewer of the others."""
        professions = self.model.professions
        by_profession = _Cumulative([PROFESSION_HEADCOUNT.get(p.code, DEFAULT_HEADCOUNT)
                                     for p in professions])
        by_site = sites.chooser()
        personal = self.model.kinds[PERSONAL]
        line, out = self.out.line, self.out
        number = 0
        while budget - out.written >= _PROFESSIONAL_TRIPLES:
            number += 1
            index = number - 1
            profession = professions[index if index < len(professions)
                                     else by_profession.pick(self.random)]
            site, domain = sites.at(by_site.pick(self.random))
            share = PERSONAL_MAILBOX_SERVED if profession.served else PERSONAL_MAILBOX_OTHER
            room = budget - out.written >= _PROFESSIONAL_TRIPLES + _MAILBOX_TRIPLES
            has_mailbox = room and (number == 1 or self.random() < share)
            subject = self.resource("professional", number, "HealthProfessional",
                                    f"{profession.label_fr} synthétique n° {number}",
                                    f"Synthetic health professional {number}")
            line(subject, P_PROFESSION, iri(profession.concept))
            line(subject, P_PRACTISES_AT, site)
            if has_mailbox:
                self.mailbox(personal, subject, f"professionnel.{number}@{domain}")
        self.counts["professionals"] = number

    def description(self) -> None:
        """What the file is, said in the file: a void:Dataset, closing it."""
        subject, line = self.dataset, self.out.line
        scale, seed, version = self.sizes.scale, self.seed, self.version
        command = f"segur-kg synth --scale {scale} --seed {seed}"
        line(subject, RDF_TYPE, iri(VOID + "Dataset"))
        line(subject, iri(DCTERMS + "title"), text(
            f"Extension synthétique du graphe Ségur (graine {seed}, {scale} triplets)", "fr"))
        line(subject, iri(DCTERMS + "title"), text(
            f"Synthetic extension of the Ségur graph (seed {seed}, {scale} triples)", "en"))
        line(subject, iri(DCTERMS + "description"), text(
            "Données synthétiques, inventées pour éprouver le graphe à l'échelle nationale : aucun "
            "des éditeurs, solutions, établissements, professionnels et boîtes aux lettres décrits "
            f"ici n'existe. Générées par segur-kg {version} ({command}) à partir des catégories de "
            "logiciels, vagues, régions, professions et types de boîte aux lettres du graphe.",
            "fr"))
        line(subject, iri(DCTERMS + "description"), text(
            "Synthetic data, made up to test the graph at national scale: none of the vendors, "
            "products, establishments, professionals and mailboxes described here exists. "
            f"Generated by segur-kg {version} ({command}) from the software categories, waves, "
            "regions, professions and mailbox kinds of the graph.", "en"))
        line(subject, iri(DCTERMS + "license"), iri(self.license_iri))
        line(subject, iri("http://www.w3.org/ns/prov#wasDerivedFrom"), iri(BASE_DATASET))
        line(subject, iri(VOID + "vocabulary"), iri(DEF))
        line(subject, iri(VOID + "entities"),
             typed(str(sum(self.counts.values())), XSD + "integer"))
        # This line is the file's last: the count includes it.
        line(subject, iri(VOID + "triples"), typed(str(self.out.written + 1), XSD + "integer"))


_PROFESSIONAL_TRIPLES = 6
_MAILBOX_TRIPLES = 7
_DESCRIPTION_TRIPLES = 10


class _Sites:
    """The establishments professionals can practise in, each with a size drawn once."""

    def __init__(self) -> None:
        self._subjects: list[str] = []
        self._domains: list[str] = []
        self._sizes: list[float] = []

    def add(self, subject: str, domain: str, rng_random: Callable[[], float]) -> None:
        self._subjects.append(subject)
        self._domains.append(domain)
        # Log-normal sizes: many small facilities, a few large hospitals.
        self._sizes.append(math.exp(_normal(rng_random)))

    def chooser(self) -> _Cumulative:
        return _Cumulative(self._sizes)

    def at(self, index: int) -> tuple[str, str]:
        return self._subjects[index], self._domains[index]


def _normal(rng_random: Callable[[], float]) -> float:
    # Box-Muller from two uniform draws, so the sequence only depends on random().
    u1, u2 = 1.0 - rng_random(), rng_random()
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _median(table: dict[str, int]) -> int:
    values = sorted(table.values())
    return values[len(values) // 2]


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "app"


def _lower_first(value: str) -> str:
    return value[:1].lower() + value[1:]


