"""Where the graph lives: one interface, three kinds of store.

- `memory` (default): rdflib, built from the repository's files at each command.
- `oxigraph:PATH`: an embedded, persistent Oxigraph store in the folder PATH.
- `sparql:URL`: a SPARQL 1.1 endpoint; queries are sent to it, never evaluated here.

Every store keeps the asserted triples in its default graph, so that any SPARQL client sees
them without configuration, and (once `segur-kg infer` or `load --infer` has run) the
entailment closure (asserted + entailed triples) in the named graph CLOSURE_GRAPH: a query
`--infer` reads that graph as its default graph. The commands only talk to `Store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segur_kg.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier, Node

    from segur_kg.sparql import QueryResult

CLOSURE_GRAPH = "https://w3id.org/segur/graph/closure"
STORE_HELP = ("memory (default: built from the files at each run), oxigraph:PATH (an embedded "
              "store in the folder PATH) or sparql:URL (a SPARQL 1.1 endpoint)")


@dataclass(frozen=True)
class LoadSummary:
    asserted: int  # triples in the default graph after loading
    seconds: float  # to load them
    closure: int | None = None  # triples in the closure graph, None when not computed
    infer_seconds: float = 0.0


class Store:
    """What every command needs from the place the graph lives."""

    name: str  # as the user gave it, for messages

    def query(self, text: str, prepared: Query, bindings: dict[str, Identifier],
              infer: bool = False, timeout: float | None = None) -> QueryResult:
        """Run one query (already checked by sparql.prepare) and materialise its answer."""
        raise NotImplementedError

    def graph(self, infer: bool = False) -> Graph:
        """Every triple of the default graph (or of the closure) as an rdflib graph."""
        raise NotImplementedError

    def count(self, infer: bool = False) -> int:
        raise NotImplementedError

    def ntriples(self, infer: bool = False) -> bytes:
        """Every triple of the default graph (or of the closure) as N-Triples."""
        from segur_kg.serialize import serialize

        return serialize(self.graph(infer), "nt")

    def labels(self, nodes: list[Node], infer: bool = False) -> Graph:
        """The rdfs:label and skos:prefLabel triples of these nodes, for showing answers."""
        from rdflib import URIRef

        from segur_kg.rdf_io import new_graph

        graph = new_graph()
        iris = sorted({str(n) for n in nodes if isinstance(n, URIRef)})
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            text = ("SELECT ?s ?p ?o WHERE { VALUES ?s { "
                    + " ".join(f"<{iri}>" for iri in chunk)
                    + " } VALUES ?p { rdfs:label skos:prefLabel } ?s ?p ?o }")
            for s, p, o in self.select(text, infer):
                graph.add((s, p, o))
        return graph

    def select(self, text: str, infer: bool = False) -> list[tuple[Node | None, ...]]:
        """Rows of a trusted SELECT written by segur-kg itself (prefixes of rdf_io known)."""
        from segur_kg import sparql

        return self.query(text, sparql.prepare(text, "segur-kg"), {}, infer).rows

    def engine(self, infer: bool = False) -> Any:
        """For the server's worker processes: an object whose query(text, prefixes=...)
        answers like a pyoxigraph Store, opened only when first used (after the fork);
        None to query an in-memory copy of the graph."""
        return None

    def load(self, files: list[Path], infer: bool = False) -> LoadSummary:
        """Replace the content with the dataset plus `files`; with `infer`, the closure too."""
        raise SegurKgError(f"the {self.name} store cannot be loaded; {_LOADABLE}")

    def infer(self) -> int:
        """Compute the closure graph from the asserted triples; returns its size."""
        raise SegurKgError(f"the {self.name} store keeps no closure; {_LOADABLE}")

    def close(self) -> None:
        pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_LOADABLE = ("load an oxigraph:PATH or sparql:URL store with `segur-kg load --store ...`; "
             "the memory store is rebuilt from the files at each run")


def is_remote(spec: str | None) -> bool:
    """Whether the store named by a --store value evaluates queries elsewhere (an endpoint)."""
    return (spec or "memory").strip().startswith("sparql:")


def open_store(spec: str | None, *, create: bool = False, graph_store: str | None = None,
               extra_files: list[Path] | None = None) -> Store:
    """The store named by a --store value. `create` allows a new oxigraph folder (for load);
    `graph_store` is the Graph Store Protocol URL a remote store is written through."""
    spec = (spec or "memory").strip()
    kind, sep, where = spec.partition(":")
    if kind == "memory" and not sep:
        from segur_kg.stores.memory import MemoryStore

        return MemoryStore(extra_files or [])
    if kind == "oxigraph" and where:
        from segur_kg.stores.oxigraph import OxigraphStore

        return OxigraphStore(Path(where).expanduser(), create=create)
    if kind == "sparql" and where:
        from segur_kg.stores.remote import RemoteStore

        return RemoteStore(where, graph_store)
    raise SegurKgError(f"--store '{spec}' is not a store; give {STORE_HELP}")
