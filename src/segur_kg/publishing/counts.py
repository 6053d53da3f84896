"""The VoID counts of a graph: triples, classes, properties, distinct subjects and objects, a
partition per class and per property, and the link sets to the NOS schemes.

Counted two ways that give the same triples: over an rdflib graph in Python (the memory store),
or by SPARQL aggregates that the store's engine evaluates (Oxigraph, an endpoint), which never
bring the graph into this process. `load` and `infer` count once and keep the counts in the
store, in STATISTICS_GRAPH (asserted) and CLOSURE_STATISTICS_GRAPH (closure), where the
server, `describe` and `export` read them.

Partitions are named from the prefixes every graph binds (rdf.namespaces), never from those a
source file happens to bind, so a store and the files give the same names.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from segur_kg.common import paths
from segur_kg.rdf.namespaces import DEF, ID, ONTOLOGY_IRI

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

VOID = "http://rdfs.org/ns/void#"
DATASET_IRI = f"{ID}dataset/segur-kg"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
STATISTICS_GRAPH = "https://w3id.org/segur/graph/statistics"
CLOSURE_STATISTICS_GRAPH = "https://w3id.org/segur/graph/statistics-closure"

# Rows of a SELECT, as rdflib terms, for a query text the caller trusts.
Select = Callable[[str], Sequence[Sequence[Any]]]


def nos_schemes() -> list[URIRef]:
    """The concept schemes declared in data/nos/*.ttl, sorted."""
    from rdflib import RDF, URIRef
    from rdflib.namespace import SKOS

    from segur_kg.rdf.reading import parse_file

    folder = paths.data_dir() / "nos"
    schemes: set[URIRef] = set()
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        part = parse_file(path)
        schemes.update(s for s in part.subjects(RDF.type, SKOS.ConceptScheme)
                       if isinstance(s, URIRef))
    return sorted(schemes, key=str)


def link_counts(graph: Graph, schemes: list[URIRef]) -> dict[tuple[URIRef, URIRef], int]:
    """(scheme, predicate) → how many statements point from the programme to a concept of the
    scheme. Statements made by the schemes themselves (concept to concept) are not links."""
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    member_of: dict[URIRef, list[URIRef]] = defaultdict(list)
    for scheme in schemes:
        for concept in graph.subjects(SKOS.inScheme, scheme):
            if isinstance(concept, URIRef):
                member_of[concept].append(scheme)
    inside = set(member_of) | set(schemes)
    counts: Counter[tuple[URIRef, URIRef]] = Counter()
    for subject, predicate, obj in graph:
        if obj in member_of and subject not in inside and isinstance(predicate, URIRef):
            for scheme in member_of[obj]:  # type: ignore[index]
                counts[(scheme, predicate)] += 1
    return dict(counts)


def count_graph(graph: Graph) -> Graph:
    """The counts of an rdflib graph, in Python."""
    from rdflib import RDF, URIRef

    classes: dict[URIRef, set] = defaultdict(set)
    for subject, klass in graph.subject_objects(RDF.type):
        if isinstance(klass, URIRef):
            classes[klass].add(subject)
    properties: Counter[URIRef] = Counter(p for _, p, _ in graph)  # type: ignore[misc]
    return _as_void(
        triples=len(graph), subjects=len(set(graph.subjects())),
        objects=len(set(graph.objects())),
        classes={klass: len(members) for klass, members in classes.items()},
        properties=dict(properties), links=link_counts(graph, nos_schemes()))


def count_store(select: Select, workers: int = 1) -> Graph:
    """The counts of a store's graph, by aggregates its engine evaluates; `workers` of them at
    a time, for an engine that evaluates queries in parallel (Oxigraph leaves the interpreter
    while it evaluates)."""
    from rdflib import URIRef

    size, objects = ("SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects)",
                     "(COUNT(DISTINCT ?o) AS ?objects)")
    # The largest first: each reads every statement and keeps a set of terms; in parallel,
    # the distinct subjects and objects are counted apart.
    texts = {"size": f"{size} {objects} WHERE {{ ?s ?p ?o }}"} if workers <= 1 else {
        "size": f"{size} WHERE {{ ?s ?p ?o }}",
        "objects": f"SELECT {objects} WHERE {{ ?s ?p ?o }}"}
    texts |= {
        "properties": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
        "classes": "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) "
                   "WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c",
        # The registries imported into the store (segur-kg import), each a subset of the
        # dataset with its producer, files, extract date and counts.
        "sources": f"SELECT ?d ?p ?o WHERE {{ <{DATASET_IRI}> <{VOID}subset> ?d . "
                   f"?d a <{DCAT_DATASET}> ; ?p ?o }}",
    }
    schemes = nos_schemes()
    if schemes:
        texts.update(_link_queries(schemes))
    answers = _answers(select, texts, workers)
    [(triples, subjects, *rest)] = answers["size"]
    [(distinct_objects,)] = [rest] if rest else answers["objects"]
    counted = _as_void(
        triples=int(triples), subjects=int(subjects), objects=int(distinct_objects),
        classes={klass: int(n) for klass, n in answers["classes"]},
        properties={prop: int(n) for prop, n in answers["properties"]},
        links=_links(answers) if schemes else {})
    for subset, predicate, value in answers["sources"]:
        counted.add((URIRef(DATASET_IRI), URIRef(VOID + "subset"), subset))
        counted.add((subset, predicate, value))
    return counted


def _answers(select: Select, texts: dict[str, str], workers: int) -> dict[str, list[Any]]:
    """Each query's rows, by name; `workers` queries at a time."""
    if workers <= 1:
        return {name: list(select(text)) for name, text in texts.items()}
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(workers, thread_name_prefix="segur-kg-count")
    try:
        pending = {name: pool.submit(lambda text: list(select(text)), text)
                   for name, text in texts.items()}
        return {name: future.result() for name, future in pending.items()}
    finally:
        # After a failure, the counts not started are dropped: on an endpoint each may take
        # up to an hour, and the error is what the user waits for.
        pool.shutdown(wait=True, cancel_futures=True)


def _link_queries(schemes: list[URIRef]) -> dict[str, str]:
    """link_counts by the engine: every statement pointing to a concept of a scheme
    ("links-every"), less those made by a scheme or one of its concepts ("links-inside"). Two
    cheap joins: filtering each of the millions of statements pointing to a concept with NOT
    EXISTS costs ten times more."""
    from rdflib.namespace import SKOS

    listed = " ".join(f"<{scheme}>" for scheme in schemes)
    pointing = f"VALUES ?scheme {{ {listed} }} ?c <{SKOS.inScheme}> ?scheme FILTER(isIRI(?c))"
    return {
        "links-every": f"SELECT ?scheme ?p (COUNT(*) AS ?n) WHERE {{ {pointing} ?s ?p ?c }} "
                       "GROUP BY ?scheme ?p",
        "links-inside": "SELECT ?scheme ?p (COUNT(*) AS ?n) WHERE { "
                        f"{{ SELECT DISTINCT ?s WHERE {{ {{ VALUES ?s {{ {listed} }} }} UNION "
                        f"{{ VALUES ?other {{ {listed} }} ?s <{SKOS.inScheme}> ?other }} }} }} "
                        f"?s ?p ?c . {pointing} }} GROUP BY ?scheme ?p",
    }


def _links(answers: dict[str, list[Any]]) -> dict[tuple[Any, Any], int]:
    links: Counter[tuple[Any, Any]] = Counter()
    for scheme, predicate, n in answers["links-every"]:
        links[(scheme, predicate)] += int(n)
    for scheme, predicate, n in answers["links-inside"]:
        links[(scheme, predicate)] -= int(n)
    return {key: n for key, n in links.items() if n > 0}


def _as_void(*, triples: int, subjects: int, objects: int, classes: dict[Any, int],
             properties: dict[Any, int], links: dict[tuple[Any, Any], int]) -> Graph:
    from rdflib import RDF, RDFS, Literal, Namespace, URIRef

    from segur_kg.rdf.namespaces import new_graph

    void = Namespace(VOID)
    out = new_graph()
    out.bind("void", void)
    names = new_graph().namespace_manager
    dataset = URIRef(DATASET_IRI)
    out.add((dataset, void.triples, _integer(triples)))
    out.add((dataset, void.classes, _integer(len(classes))))
    out.add((dataset, void.properties, _integer(len(properties))))
    out.add((dataset, void.distinctSubjects, _integer(subjects)))
    out.add((dataset, void.distinctObjects, _integer(objects)))
    for klass in sorted(classes, key=str):
        node = URIRef(f"{DATASET_IRI}/class/{_slug(names, klass)}")
        out.add((dataset, void.classPartition, node))
        out.add((node, void["class"], klass))
        out.add((node, void.entities, _integer(classes[klass])))
    for prop in sorted(properties, key=str):
        node = URIRef(f"{DATASET_IRI}/property/{_slug(names, prop)}")
        out.add((dataset, void.propertyPartition, node))
        out.add((node, void.property, prop))
        out.add((node, void.triples, _integer(properties[prop])))
    for vocabulary in _vocabularies(names, set(classes) | set(properties)):
        out.add((dataset, void.vocabulary, URIRef(vocabulary)))
    for (scheme, predicate), count in sorted(links.items(),
                                             key=lambda item: (str(item[0][0]), str(item[0][1]))):
        name = str(scheme).rstrip("/").rsplit("/", 1)[-1]
        node = URIRef(f"{DATASET_IRI}/linkset/{_clean(name)}/{_slug(names, predicate)}")
        out.add((node, RDF.type, void.Linkset))
        out.add((dataset, void.subset, node))
        out.add((node, void.subjectsTarget, dataset))
        out.add((node, void.objectsTarget, scheme))
        out.add((node, void.target, dataset))
        out.add((node, void.target, scheme))
        out.add((node, void.linkPredicate, predicate))
        out.add((node, void.triples, _integer(count)))
        out.add((node, RDFS.label, Literal(f"{name} ({_curie(names, predicate)})")))
    return out


def statistics_graph(infer: bool = False) -> str:
    """The named graph where a store keeps the counts of its default graph (or closure)."""
    return CLOSURE_STATISTICS_GRAPH if infer else STATISTICS_GRAPH


def total(counts: Graph) -> int:
    """The number of triples the counts give."""
    from rdflib import URIRef

    return int(counts.value(URIRef(DATASET_IRI), URIRef(VOID + "triples")))


def class_sizes(counts: Graph) -> dict[Any, int]:
    """Each class of the class partitions → its number of resources."""
    from rdflib import URIRef

    return {counts.value(node, URIRef(VOID + "class")):
            int(counts.value(node, URIRef(VOID + "entities")))
            for node in counts.objects(URIRef(DATASET_IRI), URIRef(VOID + "classPartition"))}


def stored_counts(select: Select, infer: bool = False) -> Graph | None:
    """The counts `load` or `infer` kept in the store, or None when it kept none."""
    from rdflib import Namespace

    from segur_kg.rdf.namespaces import new_graph

    rows = select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{statistics_graph(infer)}> {{ ?s ?p ?o }} }}")
    if not rows:
        return None
    out = new_graph()
    out.bind("void", Namespace(VOID))
    for triple in rows:
        out.add(tuple(triple))  # type: ignore[arg-type]
    return out


def _vocabularies(names: Any, terms: set) -> list[str]:
    """The namespaces, among the bound prefixes, that the used terms come from."""
    namespaces = sorted((str(ns) for _, ns in names.namespaces()), key=len, reverse=True)
    found: set[str] = set()
    for term in terms:
        text = str(term)
        for namespace in namespaces:
            if text.startswith(namespace) and len(text) > len(namespace):
                found.add(namespace)
                break
    # The vocabulary of this dataset is named by its ontology IRI.
    if DEF in found:
        found.discard(DEF)
        found.add(ONTOLOGY_IRI)
    return sorted(found)


def _curie(names: Any, term: URIRef) -> str:
    try:
        return names.curie(str(term), generate=False)
    except (KeyError, ValueError):
        return str(term)


def _slug(names: Any, term: URIRef) -> str:
    """A readable, stable IRI segment for a term: prefix-name, or a hash when unprefixed."""
    curie = _curie(names, term)
    if curie != str(term):
        return _clean(curie.replace(":", "-"))
    return "iri-" + hashlib.sha256(str(term).encode("utf-8")).hexdigest()[:16]


def _clean(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _integer(value: int):  # noqa: ANN202 - rdflib is imported lazily
    from rdflib import XSD, Literal

    return Literal(value, datatype=XSD.integer)
