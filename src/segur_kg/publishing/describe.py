"""A VoID + DCAT description of the dataset: what it is, how big, what it links to, where to get it.

The counts (void:triples, void:classes, …) are those of the graph the description is computed
from: the vocabulary, the data and the NOS schemes, without the description itself, so they
equal what `segur-kg stats` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from segur_kg.common.errors import SegurKgError, printable
from segur_kg.publishing.counts import DATASET_IRI, VOID, count_graph
from segur_kg.rdf.namespaces import ID, ONTOLOGY_IRI

if TYPE_CHECKING:
    from rdflib import Graph

# The publisher is the project, an organisation (org:Organization, hence a foaf:Agent as DCAT
# asks) that is not one of the programme's actors (segur:Actor): the questions about who does
# what in the programme never meet it.
PUBLISHER_IRI = f"{ID}organization/segur-kg"
PUBLISHER_NAME = "segur-kg"
PUBLISHER_LABEL = {"fr": "Projet segur-kg", "en": "The segur-kg project"}
# An example of the programme's resources (void:exampleResource); stated by the descriptions
# published on their own only (see describe()).
EXAMPLE_RESOURCE = f"{ID}actor/ans"
# DCAT names a language by an IRI of the Library of Congress ISO 639-1 list.
LANGUAGE_BASE = "http://id.loc.gov/vocabulary/iso639-1/"
# The named graphs of the quad exports (TriG, N-Quads): the graph, and its description apart.
DESCRIPTION_GRAPH = "https://w3id.org/segur/graph/description"
# Where releases are meant to be published; a distribution's download URL is this base, the
# version and the file's path inside the release folder.
RELEASE_BASE = "https://w3id.org/segur/release/"
DESCRIBE_FORMATS = ("ttl", "jsonld", "nt")

SPDX = "http://spdx.org/rdf/terms#"
IANA = "https://www.iana.org/assignments/media-types/"

# Media type and file name of each export format; a test checks every export format is here.
MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "xml": "application/rdf+xml",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "csv": "text/csv",
}
FORMAT_NAMES: dict[str, tuple[str, str]] = {  # (fr, en)
    "ttl": ("Turtle", "Turtle"),
    "nt": ("N-Triples", "N-Triples"),
    "jsonld": ("JSON-LD", "JSON-LD"),
    "xml": ("RDF/XML", "RDF/XML"),
    "trig": ("TriG", "TriG"),
    "nq": ("N-Quads", "N-Quads"),
    "csv": ("Tableau CSV", "CSV table"),
}
EXTENSIONS: dict[str, str] = {"xml": "rdf"}  # RDF/XML files conventionally end in .rdf

TITLE = {
    "fr": "Graphe de connaissances du Ségur du numérique en santé",
    "en": "Knowledge graph of the Ségur digital health programme",
}
DESCRIPTION = {
    "fr": "Le programme Ségur du numérique en santé en données liées : son vocabulaire OWL, "
    "ses acteurs, plateformes, services socles, couloirs, vagues, catégories de logiciels et "
    "financements, chaque fait citant sa source, reliés aux nomenclatures NOS de l'ANS.",
    "en": "France's Ségur digital health programme as linked data: its OWL vocabulary, actors, "
    "platforms, core services, corridors, waves, software categories and funding, each fact "
    "citing its source, linked to the NOS terminologies of the ANS.",
}
COUNT_NOTE = {
    "fr": "Les effectifs (void:triples, void:classes, void:properties, "
    "void:distinctSubjects et partitions) portent sur le vocabulaire, les données et les "
    "nomenclatures NOS, sans cette description.",
    "en": "The counts (void:triples, void:classes, void:properties, void:distinctSubjects and "
    "partitions) are those of the vocabulary, the data and the NOS terminologies, without "
    "this description.",
}


@dataclass(frozen=True)
class Distribution:
    """One downloadable file: the whole graph in an RDF format, a framed JSON-LD document
    (`frame`) or a CSV table in one language (`table`, `lang`)."""

    fmt: str
    path: str  # inside the release folder, with / separators
    table: str | None = None
    lang: str | None = None
    frame: str | None = None

    @property
    def slug(self) -> str:
        if self.frame is not None:
            return f"{self.fmt}-frame-{self.frame}"
        if self.table is not None:
            return f"{self.fmt}-{self.table}-{self.lang}"
        return self.fmt


@dataclass(frozen=True)
class FileFacts:
    """Size and SHA-256 of a distribution's file, known only inside a release."""

    size: int
    sha256: str


def graph_file(fmt: str) -> str:
    """The release file holding the whole graph in `fmt`."""
    return f"segur-kg.{EXTENSIONS.get(fmt, fmt)}"


def distributions() -> list[Distribution]:
    """Every export the command offers: each RDF format of formats.FORMATS, each JSON-LD
    frame, each CSV table in each language; in that order, each group sorted."""
    from segur_kg.publishing import formats
    from segur_kg.publishing.tables import table_names
    from segur_kg.rdf.jsonld import frame_names

    found = [Distribution(fmt, graph_file(fmt)) for fmt in formats.FORMATS]
    if "jsonld" in formats.FORMATS:
        found += [Distribution("jsonld", f"frames/{name}.jsonld", frame=name)
                  for name in frame_names()]
    table_format = formats.TABLE_FORMAT
    found += [Distribution(table_format, f"tables/{name}.{lang}.{table_format}", name, lang)
              for name in table_names() for lang in formats.TABLE_LANGS]
    return found


def check_base_url(base_url: str | None) -> None:
    """Refuse a --base-url that is not an absolute http(s) URL: every download link of the
    description starts with it."""
    from urllib.parse import urlsplit

    if base_url is None:
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(
            char.isspace() or char in '<>"{}|^`\\' for char in base_url):
        raise SegurKgError(f"--base-url '{printable(base_url)}' is not an http(s) URL; give "
                           "where the releases are published, e.g. https://example.org/segur/")


def describe(
    graph: Graph | None,
    files: dict[str, FileFacts] | None = None,
    base_url: str | None = None,
    standalone: bool = False,
    counts: Graph | None = None,
) -> Graph:
    """The description of `graph`, or of the graph whose VoID counts (counts.count_graph,
    counts.count_store) are `counts`. `files` maps a distribution's release path to its size and
    checksum; they are stated only for the files given.

    By default this is the copy an export carries next to the data. In Turtle, N-Triples,
    RDF/XML and JSON-LD a file has one graph, and whoever loads it gets the description in the
    same graph as the programme: a statement of the description whose object is one of the
    programme's resources would then show among that resource's relations (a question "what
    points to the ANS?" would find the dataset). So that copy says nothing about the
    programme's resources: no void:exampleResource, and a publisher outside the programme; it
    names only vocabulary terms (partitions), the ontology and the NOS schemes (link sets). The
    quad exports also keep it in a named graph of its own (DESCRIPTION_GRAPH), which a store
    keeps apart when it loads the file as a dataset. `standalone` is for a description
    published on its own (`segur-kg describe`, the release's description.ttl, the server's
    VoID), which also gives an example resource."""
    from rdflib import OWL, RDF, RDFS, XSD, Literal, Namespace, URIRef
    from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG

    from segur_kg.common.metadata import metadata
    from segur_kg.rdf.canonical import canonical
    from segur_kg.rdf.namespaces import new_graph

    void = Namespace(VOID)
    spdx = Namespace(SPDX)
    dcat = Namespace(str(DCAT))  # rdflib's closed DCAT namespace predates dcat:version
    meta = metadata()
    files = files or {}
    base = (base_url or RELEASE_BASE).rstrip("/") + "/"
    release_url = f"{base}{meta.version}/"

    out = new_graph()
    out.bind("void", void)
    out.bind("spdx", spdx)
    dataset = URIRef(DATASET_IRI)
    publisher = URIRef(PUBLISHER_IRI)

    out.add((dataset, RDF.type, void.Dataset))
    out.add((dataset, RDF.type, DCAT.Dataset))
    for lang in ("fr", "en"):
        out.add((dataset, DCTERMS.title, Literal(TITLE[lang], lang=lang)))
        out.add((dataset, RDFS.label, Literal(TITLE[lang], lang=lang)))
        out.add((dataset, DCTERMS.description, Literal(DESCRIPTION[lang], lang=lang)))
        out.add((dataset, RDFS.comment, Literal(COUNT_NOTE[lang], lang=lang)))
    for code in ("fr", "en"):
        out.add((dataset, DCTERMS.language, URIRef(LANGUAGE_BASE + code)))
    out.add((dataset, DCTERMS.license, URIRef(meta.license_iri)))
    out.add((dataset, OWL.versionInfo, Literal(meta.version)))
    out.add((dataset, dcat.version, Literal(meta.version)))
    out.add((dataset, DCTERMS.publisher, publisher))
    out.add((dataset, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    out.add((dataset, void.uriSpace, Literal(ID)))
    if standalone:
        out.add((dataset, void.exampleResource, URIRef(EXAMPLE_RESOURCE)))
    out.add((dataset, DCAT.landingPage, URIRef("https://esante.gouv.fr/segur")))
    out.add((publisher, RDF.type, ORG.Organization))
    out.add((publisher, RDF.type, FOAF.Agent))
    out.add((publisher, FOAF.name, Literal(PUBLISHER_NAME)))
    for lang, text in PUBLISHER_LABEL.items():
        out.add((publisher, RDFS.label, Literal(text, lang=lang)))

    out += counts if counts is not None else count_graph(graph)

    for dist in distributions():
        node = URIRef(f"{DATASET_IRI}/distribution/{dist.slug}")
        url = URIRef(release_url + dist.path)
        out.add((dataset, DCAT.distribution, node))
        out.add((node, RDF.type, DCAT.Distribution))
        for lang, title in _titles(dist).items():
            out.add((node, DCTERMS.title, Literal(title, lang=lang)))
        out.add((node, DCAT.mediaType, URIRef(IANA + MEDIA_TYPES[dist.fmt])))
        out.add((node, DCAT.downloadURL, url))
        out.add((node, DCAT.accessURL, URIRef(release_url)))
        out.add((node, DCTERMS.license, URIRef(meta.license_iri)))
        if dist.table is None and dist.frame is None:
            out.add((dataset, void.dataDump, url))
        if dist.lang is not None:
            out.add((node, DCTERMS.language, URIRef(LANGUAGE_BASE + dist.lang)))
        facts = files.get(dist.path)
        if facts is not None:
            out.add((node, DCAT.byteSize, Literal(facts.size, datatype=XSD.nonNegativeInteger)))
            checksum = URIRef(f"{node}/sha256")
            out.add((node, spdx.checksum, checksum))
            out.add((checksum, RDF.type, spdx.Checksum))
            out.add((checksum, spdx.algorithm, spdx.checksumAlgorithm_sha256))
            out.add((checksum, spdx.checksumValue, Literal(facts.sha256, datatype=XSD.hexBinary)))
    copy = canonical(out)
    copy.bind("void", void)
    copy.bind("spdx", spdx)
    return copy


def _titles(dist: Distribution) -> dict[str, str]:
    fr, en = FORMAT_NAMES.get(dist.fmt, (dist.fmt, dist.fmt))
    if dist.frame is not None:
        return {"fr": f"{TITLE['fr']} ({fr}, cadre « {dist.frame} »)",
                "en": f"{TITLE['en']} ({en}, frame '{dist.frame}')"}
    if dist.table is not None:
        return {"fr": f"{TITLE['fr']} ({fr} « {dist.table} », {dist.lang})",
                "en": f"{TITLE['en']} ({en} '{dist.table}', {dist.lang})"}
    return {"fr": f"{TITLE['fr']} ({fr})", "en": f"{TITLE['en']} ({en})"}


def render(description: Graph, fmt: str) -> bytes:
    """The description alone, in one of DESCRIBE_FORMATS."""
    from segur_kg.rdf.serialize import serialize

    return serialize(description, fmt)


def with_description(graph: Graph, base_url: str | None = None) -> Graph:
    """The graph and its description together in one graph, as the RDF exports publish it
    (the quad formats put them in two named graphs, see export.serialize_described)."""
    return merge(graph, describe(graph, base_url=base_url))


def merge(graph: Graph, description: Graph) -> Graph:
    """One graph holding both, with the description's prefixes too."""
    from segur_kg.rdf.namespaces import new_graph

    merged = new_graph()
    merged += graph
    merged += description
    for prefix, namespace in description.namespaces():
        merged.bind(prefix, namespace, override=False)
    return merged
