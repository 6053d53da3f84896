"""What every store offers the commands (see the package's docstring for the three kinds)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from segur_kg.common.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier, Node

    from segur_kg.querying.sparql import QueryResult
    from segur_kg.stores.parts import Hierarchy, Inverse, Part

CLOSURE_GRAPH = "https://w3id.org/segur/graph/closure"
# Each registry import is a named graph under this IRI (segur_kg.sources.registries.importing);
# queries, counts and exports read them with the default graph (or the closure).
SOURCE_GRAPHS = "https://w3id.org/segur/graph/source/"
# The reference tables the registries share (their NOS code systems, the corridor table), a
# named graph of its own that each import replaces.
REFERENCE_GRAPH = SOURCE_GRAPHS + "reference"
# Stores of earlier versions kept the default graph and every registry graph merged in this
# graph too; the next import or `infer` leaves it out. Since the national questions read the
# figures, the copy cost twice the loading and the disk for no question.
LEGACY_UNION_GRAPH = "https://w3id.org/segur/graph/union"
# The national figures the registry graphs give (segur_kg.sources.registries.figures), derived
# from them by each import; kept and merged with them.
FIGURES_GRAPH = "https://w3id.org/segur/graph/figures"
# Rows of a SELECT over the registry graphs, each value a string (None when unbound), streamed.
Select = Callable[[str], Iterator[tuple[str | None, ...]]]
# (select over the registry graphs a store keeps from earlier imports, their IRIs) → the
# N-Triples of FIGURES_GRAPH
Derive = Callable[[Select, list[str]], str]

@dataclass(frozen=True)
class LoadSummary:
    asserted: int  # triples in the default graph after loading
    seconds: float  # to load them
    closure: int | None = None  # triples in the closure graph, None when not computed
    infer_seconds: float = 0.0


class Store:
    """What every command needs from the place the graph lives."""

    name: str  # as the user gave it, for messages
    in_memory = False  # whether the graph is an rdflib graph in this process

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
        buffer = BytesIO()
        self.dump_ntriples(buffer, infer)
        return buffer.getvalue()

    def dump_ntriples(self, output: BinaryIO, infer: bool = False) -> None:
        """Write every triple of the default graph (or of the closure) to `output` as
        N-Triples; the stores with an engine stream it from there, in the engine's order."""
        from segur_kg.rdf.serialize import serialize

        output.write(serialize(self.graph(infer), "nt"))

    def counts(self, infer: bool = False) -> Graph:
        """The VoID counts of the default graph (or of the closure): those `load` or `infer`
        kept in the store, else counted now by the store's engine (publishing.counts)."""
        from segur_kg.publishing.counts import count_store, stored_counts

        kept = stored_counts(self.select, infer)
        return kept if kept is not None else count_store(lambda text: self.select(text, infer))

    def labels(self, nodes: list[Node], infer: bool = False) -> Graph:
        """The rdfs:label and skos:prefLabel triples of these nodes, for showing answers."""
        from rdflib import URIRef

        from segur_kg.querying.sparql import LABELS_BATCH, labels_query
        from segur_kg.rdf.namespaces import new_graph

        graph = new_graph()
        iris = sorted({f"<{n}>" for n in nodes if isinstance(n, URIRef)})
        for start in range(0, len(iris), LABELS_BATCH):
            for s, p, o in self.select(labels_query(iris[start:start + LABELS_BATCH]), infer):
                graph.add((s, p, o))
        return graph

    def select(self, text: str, infer: bool = False,
               timeout: float | None = None) -> list[tuple[Node | None, ...]]:
        """Rows of a trusted SELECT written by segur-kg itself (prefixes of rdf.namespaces known)."""
        from segur_kg.querying import sparql

        return self.query(text, sparql.prepare(text, "segur-kg"), {}, infer, timeout).rows

    def engine(self, infer: bool = False) -> Any:
        """For the server's worker processes: an object whose query(text, prefixes=...)
        answers like a pyoxigraph Store, opened only when first used (after the fork);
        None to query an in-memory copy of the graph."""
        return None

    def load(self, files: list[Path], infer: bool = False) -> LoadSummary:
        """Replace the content with the dataset plus `files`; with `infer`, the closure too."""
        raise SegurKgError(f"the {self.name} store cannot be loaded; {_LOADABLE}")

    def parts(self, size: int, inverse: Inverse,
              hierarchy: Hierarchy = ()) -> Iterator[Part] | None:
        """The store cut into parts a SHACL engine can check one at a time (stores.parts), when
        it holds registry graphs; None when it is validated whole. `hierarchy`: the
        (subclass, class) pairs the engine reads beside the store."""
        return None

    def replace_graphs(self, graphs: Iterable[tuple[str, Path]],
                       derive: Derive | None = None) -> None:
        """Put each N-Triples file in its named graph (under SOURCE_GRAPHS), replacing what
        that graph held and nothing else, all at once; with `derive`, FIGURES_GRAPH too.
        Each (graph, file) is taken from `graphs` when the store is ready for it: the file may
        be written then."""
        raise SegurKgError(f"the {self.name} store cannot take imports; import into an "
                           "oxigraph:PATH store, which also counts the national figures the "
                           "national questions read (a file written with -o FILE.nq and "
                           "loaded elsewhere has no figures: there, ask the questions of "
                           "queries/national/by-records/)")

    def infer(self) -> int:
        """Compute the closure graph from the asserted triples; returns its size."""
        raise SegurKgError(f"the {self.name} store keeps no closure; {_LOADABLE}")

    def in_use(self) -> AbstractContextManager[None]:
        """Held while a server reads the store, so that nothing replaces it meanwhile."""
        return nullcontext()

    def import_folder(self) -> AbstractContextManager[str]:
        """A folder for the files an import hands to replace_graphs, removed afterwards."""
        import tempfile

        return tempfile.TemporaryDirectory(prefix="segur-kg-import-")

    def close(self) -> None:
        pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_LOADABLE = ("load an oxigraph:PATH or sparql:URL store with `segur-kg load --store ...`; "
             "the memory store is rebuilt from the files at each run")
