"""An embedded, persistent Oxigraph store in a folder (`--store oxigraph:PATH`).

Loading writes a new store next to PATH and swaps it in at the end, so an interrupted or failed
load leaves the previous store as it was. `oxigraph serve --location PATH` serves the same folder.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segur_kg import progress
from segur_kg.errors import SegurKgError
from segur_kg.stores import CLOSURE_GRAPH, LoadSummary, Store, loading
from segur_kg.stores.oxterms import to_rdflib

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier

    from segur_kg.sparql import QueryResult

_FORMATS = {"nt": "N_TRIPLES", "ttl": "TURTLE"}


class OxigraphStore(Store):
    def __init__(self, path: Path, create: bool = False) -> None:
        self.name = f"oxigraph:{path}"
        self.path = path
        self._store: Any = None
        if not create and not _is_store(path):
            raise SegurKgError(
                f"{path}: no Oxigraph store there; fill one with "
                f"`segur-kg load --store oxigraph:{path}`")

    # --- reading --------------------------------------------------------------------------

    def _reader(self) -> Any:
        if self._store is None:
            from pyoxigraph import Store as Oxigraph

            try:
                self._store = Oxigraph.read_only(str(self.path))
            except OSError as exc:
                raise SegurKgError(f"{self.path}: cannot open the Oxigraph store "
                                   f"({' '.join(str(exc).split())})") from None
        return self._store

    def query(self, text: str, prepared: Query, bindings: dict[str, Identifier],
              infer: bool = False, timeout: float | None = None) -> QueryResult:
        from segur_kg import sparql

        store = self._reader()
        if infer:
            self._require_closure(store)
        with sparql.time_limit(timeout):
            answer = self._run(store, sparql.with_values(text, bindings), infer)
            return _collect(answer, prepared)

    def _run(self, store: Any, text: str, infer: bool) -> Any:
        from pyoxigraph import DefaultGraph, NamedNode

        from segur_kg.rdf_io import QUERY_PREFIXES

        graph = NamedNode(CLOSURE_GRAPH) if infer else DefaultGraph()
        try:
            return store.query(text, prefixes=QUERY_PREFIXES, default_graph=graph)
        except SyntaxError as exc:
            raise SegurKgError(f"invalid SPARQL for Oxigraph ({' '.join(str(exc).split())}); "
                               "fix the query") from None

    def _require_closure(self, store: Any) -> None:
        from pyoxigraph import NamedNode

        if not any(True for _ in store.quads_for_pattern(
                NamedNode(CLOSURE_GRAPH), None, None, NamedNode(loading.STATUS_GRAPH))):
            raise SegurKgError(
                f"{self.path}: the store holds no inferred closure; compute it with "
                f"`segur-kg infer --store oxigraph:{self.path}` (or load with --infer)")

    def graph(self, infer: bool = False) -> Graph:
        from pyoxigraph import DefaultGraph, NamedNode

        from segur_kg.rdf_io import bind_prefixes, new_graph

        store = self._reader()
        if infer:
            self._require_closure(store)
        which = NamedNode(CLOSURE_GRAPH) if infer else DefaultGraph()
        graph = new_graph()
        for quad in store.quads_for_pattern(None, None, None, which):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                       to_rdflib(quad.object)))
        bind_prefixes(graph)
        return graph

    def count(self, infer: bool = False) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", infer)
        return int(rows[0][0])  # type: ignore[arg-type]

    def ntriples(self, infer: bool = False) -> bytes:
        """The default graph (or the closure) as N-Triples, in the store's order."""
        from pyoxigraph import DefaultGraph, NamedNode, RdfFormat

        store = self._reader()
        if infer:
            self._require_closure(store)
        which = NamedNode(CLOSURE_GRAPH) if infer else DefaultGraph()
        return store.dump(format=RdfFormat.N_TRIPLES, from_graph=which)

    def engine(self, infer: bool = False) -> Any:
        if infer:
            self._require_closure(self._reader())
        return _ServedStore(self.path, infer)

    def close(self) -> None:
        self._store = None
        gc.collect()  # pyoxigraph releases the folder when the Store object goes away

    # --- writing --------------------------------------------------------------------------

    def load(self, files: list[Path], infer: bool = False) -> LoadSummary:
        from pyoxigraph import RdfFormat
        from pyoxigraph import Store as Oxigraph

        loading.check_files(files)
        if self.path.exists() and (not self.path.is_dir() or (
                not _is_store(self.path) and any(self.path.iterdir()))):
            raise SegurKgError(f"{self.path}: exists and is not an Oxigraph store; "
                               "choose an empty or new folder")
        self.close()
        started = time.perf_counter()
        dataset = loading.dataset_ntriples()
        fresh = self.path.with_name(f".{self.path.name}.loading-{os.getpid()}")
        shutil.rmtree(fresh, ignore_errors=True)
        try:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                store = Oxigraph(str(fresh))
            except OSError as exc:
                raise SegurKgError(f"{self.path}: cannot create the store "
                                   f"({' '.join(str(exc).split())}); choose a writable folder"
                                   ) from None
            total = len(dataset) + loading.total_bytes(files)
            with progress.bar("load", total, unit="B") as bar:
                store.bulk_load(dataset, format=RdfFormat.N_TRIPLES)
                bar.update(len(dataset))
                for chunk in loading.chunks(files):
                    try:
                        store.bulk_load(chunk.data, format=getattr(RdfFormat,
                                                                   _FORMATS[chunk.fmt]))
                    except SyntaxError as exc:
                        raise loading.syntax_error(chunk, str(exc)) from None
                    bar.update(len(chunk.data))
            asserted = int(next(iter(store.query(
                "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value)
            loaded = time.perf_counter() - started
            closure = _fill_closure(store) if infer else None
            store.flush()
            del store
            gc.collect()
            _swap(fresh, self.path)
        except BaseException:
            gc.collect()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        return LoadSummary(asserted, loaded, closure,
                           time.perf_counter() - started - loaded if infer else 0.0)

    def infer(self) -> int:
        from pyoxigraph import Store as Oxigraph

        self.close()
        try:
            store = Oxigraph(str(self.path))
        except OSError as exc:
            raise SegurKgError(f"{self.path}: cannot open the Oxigraph store for writing "
                               f"({' '.join(str(exc).split())}); stop the programs using it"
                               ) from None
        try:
            return _fill_closure(store)
        finally:
            store.flush()
            del store
            gc.collect()


def _fill_closure(store: Any) -> int:
    """Closure graph = cached base closure ∪ asserted ∪ what the asserted triples entail."""
    from pyoxigraph import DefaultGraph, NamedNode, RdfFormat

    from segur_kg.inference import cache_key

    graph = NamedNode(CLOSURE_GRAPH)
    status = NamedNode(loading.STATUS_GRAPH)
    store.remove_graph(status) if store.contains_named_graph(status) else None
    store.remove_graph(graph) if store.contains_named_graph(graph) else None
    base = loading.base_closure_ntriples()
    store.bulk_load(base, format=RdfFormat.N_TRIPLES, to_graph=graph)
    store.update(f"ADD DEFAULT TO <{CLOSURE_GRAPH}>")
    asserted = (q.triple for q in store.quads_for_pattern(None, None, None, DefaultGraph()))
    # Computed before writing, so the store is never read and bulk-written at the same time.
    batches = list(loading.entailed_ntriples(asserted))
    with progress.bar("infer", sum(len(b) for b in batches), unit="B") as bar:
        for batch in batches:
            store.bulk_load(batch, format=RdfFormat.N_TRIPLES, to_graph=graph)
            bar.update(len(batch))
    store.bulk_load(loading.closure_marker(cache_key()), format=RdfFormat.N_TRIPLES,
                    to_graph=status)
    found = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CLOSURE_GRAPH}> "
                        "{ ?s ?p ?o } }")
    return int(next(iter(found))[0].value)


class _ServedStore:
    """The folder opened read-only by each server worker, on its first query (a store
    handle must not cross a fork)."""

    def __init__(self, path: Path, infer: bool) -> None:
        self.path = path
        self.infer = infer
        self._store: Any = None

    def query(self, text: str, **options: Any) -> Any:
        from pyoxigraph import DefaultGraph, NamedNode
        from pyoxigraph import Store as Oxigraph

        if self._store is None:
            self._store = Oxigraph.read_only(str(self.path))
        graph = NamedNode(CLOSURE_GRAPH) if self.infer else DefaultGraph()
        return self._store.query(text, default_graph=graph, **options)


def _collect(answer: Any, prepared: Query) -> QueryResult:
    """A pyoxigraph answer as the QueryResult every store returns (rdflib terms)."""
    from pyoxigraph import QueryBoolean, QuerySolutions

    from segur_kg import sparql
    from segur_kg.rdf_io import new_graph

    if isinstance(answer, QueryBoolean):
        return sparql.QueryResult("ASK", boolean=bool(answer))
    if isinstance(answer, QuerySolutions):
        names = sparql.projected(prepared, [v.value for v in answer.variables])
        rows = [tuple(to_rdflib(solution[name]) for name in names) for solution in answer]
        return sparql.QueryResult("SELECT", variables=names, rows=rows)
    graph = new_graph()
    for triple in answer:
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate),
                   to_rdflib(triple.object)))
    return sparql.QueryResult(sparql.kind(prepared), graph=graph)


def _is_store(path: Path) -> bool:
    return (path / "CURRENT").is_file()


def _swap(fresh: Path, target: Path) -> None:
    """Put the new store in place; the old one is removed only once the new one is there."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
