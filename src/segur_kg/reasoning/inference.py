"""OWL 2 RL closure of the dataset, computed once per set of sources and kept in the cache
(segur_kg.rdf.cache)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.rdf import cache
from segur_kg.rdf.namespaces import bind_prefixes, new_graph

if TYPE_CHECKING:
    from rdflib import Graph

# Bumped whenever closure() changes what it keeps, so older cached closures are not reused.
_CLOSURE_VERSION = "2"


def cache_key() -> str:
    return cache.sources_key(f"closure {_CLOSURE_VERSION}")


def cache_file() -> Path:
    return cache.cache_dir() / f"closure-{cache_key()}.nt"


def inferred_dataset() -> Graph:
    """The dataset closed under OWL 2 RL, from the cache when it is there and intact."""
    return cache.cached_graph(cache_file(), lambda: closure(cache.dataset()))


def inferred_ntriples() -> bytes:
    """inferred_dataset() as sorted N-Triples, read from the cache as bytes when possible."""
    return cache.cached_ntriples(cache_file(), lambda: closure(cache.dataset()))


def closure(graph: Graph) -> Graph:
    """OWL 2 RL closure of a copy of `graph` (the input is left untouched)."""
    from owlrl import DeductiveClosure, OWLRL_Semantics
    from rdflib import OWL, Literal

    closed = new_graph()
    for triple in graph:
        closed.add(triple)
    DeductiveClosure(OWLRL_Semantics).expand(closed)
    # owlrl asserts facts about literals (literal subjects); RDF serializations cannot say them.
    # It also says that every resource is owl:sameAs itself, which only adds noise to answers
    # (an actor "related to itself") and is left out of the inference at scale too.
    for triple in [t for t in closed if isinstance(t[0], Literal)
                   or (t[1] == OWL.sameAs and t[0] == t[2])]:
        closed.remove(triple)
    bind_prefixes(closed)
    return closed
