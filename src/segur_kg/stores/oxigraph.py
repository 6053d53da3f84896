"""An embedded, persistent Oxigraph store in a folder (`--store oxigraph:PATH`).

Loading (and `infer`) writes a new store in `.NAME.loading-PID` next to PATH and swaps it in at
the end, so an interrupted or failed load leaves the previous store as it was. PATH stays a plain
Oxigraph folder, which `oxigraph serve --location PATH` serves, and existing stores need no
migration; a pointer to store generations would have to be a symbolic link for that.

The swap is one step where the system allows: Linux renameat2(RENAME_EXCHANGE) exchanges the new
folder and PATH, then the old store, now under the loading name, is removed. Elsewhere (other
systems, file systems without the exchange) it takes two renames, PATH to `.NAME.old-PID` and
the new folder to PATH, and a kill between them leaves no PATH. So every open, to read or to
write, first recovers: it puts back an `.old-` folder when PATH is missing, then removes the
`.loading-` and `.old-` folders left by killed loads, and the `.files-` folders of the files an
import was loading. Only folders whose PID no longer runs are touched: a load in progress is
never disturbed.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from segur_kg.common import progress
from segur_kg.common.atomic import cleanup_on_sigterm, exchange, stale
from segur_kg.common.errors import SegurKgError, one_line
from segur_kg.querying.confinement import NETWORK_REFUSED
from segur_kg.rdf.terms import to_rdflib
from segur_kg.stores import loading
from segur_kg.stores.base import (
    CLOSURE_GRAPH,
    FIGURES_GRAPH,
    LEGACY_UNION_GRAPH,
    REFERENCE_GRAPH,
    SOURCE_GRAPHS,
    Derive,
    LoadSummary,
    Store,
)

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier

    from segur_kg.querying.sparql import QueryResult
    from segur_kg.stores.parts import Hierarchy, Inverse, Part

_FORMATS = {"nt": "N_TRIPLES", "ttl": "TURTLE"}
T = TypeVar("T")


class OxigraphStore(Store):
    def __init__(self, path: Path, create: bool = False) -> None:
        self.name = f"oxigraph:{path}"
        self.path = path
        self._store: Any = None
        _recover(path)
        if not create and not _is_store(path):
            raise SegurKgError(
                f"{path}: no Oxigraph store there; fill one with "
                f"`segur-kg load --store oxigraph:{path}`")

    def in_use(self):  # noqa: ANN201
        """Held by `serve` while it runs: a load, import or infer of the same store is
        refused meanwhile rather than swapping the store from under the server."""
        return _locked(self.path, exclusive=False)

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
        from segur_kg.querying import sparql

        store = self._reader()
        if infer:
            self._require_closure(store)
        with sparql.time_limit(timeout):
            try:
                answer = self._run(store, sparql.bound_text(text, bindings), infer)
                return _collect(answer, prepared)
            except PermissionError:  # a confined process (segur_kg.querying.confinement) has no network
                raise SegurKgError(NETWORK_REFUSED) from None
            except (RuntimeError, ValueError) as exc:  # what the engine cannot evaluate
                raise SegurKgError(f"the engine cannot evaluate the query ({one_line(exc)}); "
                                   "fix the query") from None

    def _run(self, store: Any, text: str, infer: bool) -> Any:

        from segur_kg.rdf.namespaces import QUERY_PREFIXES

        try:
            return store.query(text, prefixes=QUERY_PREFIXES,
                               default_graph=data_graphs(store, infer))
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

        from segur_kg.rdf.namespaces import bind_prefixes, new_graph

        store = self._reader()
        if infer:
            self._require_closure(store)
        graph = new_graph()
        for which in _graph_list(data_graphs(store, infer)):
            for quad in store.quads_for_pattern(None, None, None, which):
                graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                           to_rdflib(quad.object)))
        bind_prefixes(graph)
        return graph

    def count(self, infer: bool = False) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", infer)
        return int(rows[0][0])  # type: ignore[arg-type]

    def dump_ntriples(self, output: BinaryIO, infer: bool = False) -> None:
        from pyoxigraph import RdfFormat

        store = self._reader()
        if infer:
            self._require_closure(store)
        for which in _graph_list(data_graphs(store, infer)):
            store.dump(output=output, format=RdfFormat.N_TRIPLES, from_graph=which)

    def parts(self, size: int, inverse: Inverse,
              hierarchy: Hierarchy = ()) -> Iterator[Part] | None:
        from segur_kg.stores.parts import cut

        store = self._reader()
        if not _source_graphs(store):
            return None
        return cut(store, _graph_list(data_graphs(store)), {REFERENCE_GRAPH}, size, inverse,
                   hierarchy)

    def engine(self, infer: bool = False) -> Any:
        if infer:
            self._require_closure(self._reader())
        return _ServedStore(self.path, infer)

    def close(self) -> None:
        self._store = None
        gc.collect()  # pyoxigraph releases the folder when the Store object goes away

    # --- writing --------------------------------------------------------------------------

    def load(self, files: list[Path], infer: bool = False) -> LoadSummary:
        started = time.perf_counter()  # the files' check counts as loading
        if self.path.exists() and (not self.path.is_dir() or (
                not _is_store(self.path) and any(self.path.iterdir()))):
            raise SegurKgError(f"{self.path}: exists and is not an Oxigraph store; "
                               "choose an empty or new folder")
        self.close()
        dataset = loading.dataset_ntriples()

        def fill(store: Any, kept: BinaryIO | None) -> tuple[int, float, int | None]:
            checking = loading.Checking(files)
            try:
                with progress.bar("load", len(dataset) + loading.total_bytes(files),
                                  unit="B") as bar:
                    _bulk_load(store, loading.Chunk(dataset, "nt", "dataset", 1))
                    if kept is not None:
                        kept.write(dataset)
                    bar.update(len(dataset))
                    for chunk in loading.chunks(files):
                        _bulk_load(store, chunk)
                        if kept is not None:
                            kept.write(chunk.data if chunk.fmt == "nt"
                                       else loading.as_ntriples(chunk))
                        bar.update(len(chunk.data))
            except Exception as exc:  # noqa: BLE001 - handed to result(), which raises
                checking.result(exc)
            checking.result()
            asserted, loaded = _keep_counts(store), time.perf_counter() - started
            if kept is None:
                return asserted, loaded, None
            kept.flush()
            return asserted, loaded, _fill_closure(store, Path(kept.name))

        # the asserted N-Triples, for the closure: on disk next to the store, not in memory
        with self._scratch() if infer else contextlib.nullcontext() as kept:
            asserted, loaded, closure = self._rebuild(lambda store: fill(store, kept))
        return LoadSummary(asserted, loaded, closure,
                           time.perf_counter() - started - loaded if infer else 0.0)

    def infer(self) -> int:
        """A new store with the same asserted triples and their closure, swapped in: cheaper
        than deleting an old closure triple by triple, and atomic."""
        from pyoxigraph import DefaultGraph, RdfFormat

        with self._scratch() as kept:
            # the engine writes the asserted triples to disk itself, not into memory
            self._reader().dump(output=kept.name, format=RdfFormat.N_TRIPLES,
                                from_graph=DefaultGraph())
            self.close()
            asserted = Path(kept.name)

            def fill(store: Any) -> int:
                store.bulk_load(path=str(asserted), format=RdfFormat.N_TRIPLES)
                self._copy_sources(store)
                _keep_counts(store)
                return _fill_closure(store, asserted)

            return self._rebuild(fill)

    def _scratch(self) -> Any:
        """A temporary N-Triples file next to the store (where there is room for it)."""
        import tempfile

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return tempfile.NamedTemporaryFile(dir=self.path.parent,
                                               prefix=".segur-kg-asserted-", suffix=".nt")
        except OSError as exc:
            raise self._unwritable(exc) from None

    def _unwritable(self, exc: OSError) -> SegurKgError:
        return SegurKgError(f"{self.path}: cannot create the store "
                            f"({' '.join(str(exc).split())}); choose a writable folder")

    def replace_graphs(self, graphs: Iterable[tuple[str, Path]],
                       derive: Derive | None = None) -> None:
        """A new store with everything but `graphs`, then each file in its graph, swapped in
        (bulk loads into a fresh store: faster than deleting a large graph triple by triple,
        and atomic); with `derive`, the figures of the registry graphs then. The closure and
        its counts are kept: they cover the default graph only.

        Each file is loaded by a thread of its own while the next one is taken from `graphs`:
        an import writes its next file meanwhile (the engine does not hold the interpreter
        while it loads)."""
        from pyoxigraph import DefaultGraph, NamedNode
        from pyoxigraph import Store as Oxigraph

        from segur_kg.publishing.counts import STATISTICS_GRAPH

        self.close()
        # Not carried over: the counts, computed again; the figures, when derived again; the
        # merged copy of every graph that stores of earlier versions kept.
        dropped = {STATISTICS_GRAPH, LEGACY_UNION_GRAPH,
                   *((FIGURES_GRAPH,) if derive is not None else ())}

        def fill(store: Any) -> None:
            new = _Loader(store)
            old = Oxigraph.read_only(str(self.path))
            try:
                figures = None
                try:
                    for name, path in graphs:
                        new.load(name, path)
                    if derive is not None and not _kept_sources(old, new.names):
                        # Nothing to read back from the store: the figures come from what
                        # the import noted, worked out while the engine loads the last file.
                        figures = _derive_figures(store, derive, [])
                    new.wait()
                except BaseException:
                    new.wait(raising=False)  # what stopped the files is the error to show
                    raise
                dropped.update(new.names)
                kept = [DefaultGraph(), *(graph for graph in old.named_graphs()
                                          if graph.value not in dropped)]
                for graph in kept:
                    _copy_graph(old, store, graph, self.path.parent)
            finally:
                del old
                gc.collect()
            if derive is not None:
                if figures is None:
                    # The figures read the registry graphs kept from earlier imports only.
                    figures = _derive_figures(store, derive, _kept_sources(store, new.names))
                _bulk_load(store, loading.Chunk(figures, "nt", "figures", 1),
                           NamedNode(FIGURES_GRAPH))
            _keep_counts(store)

        self._rebuild(fill)

    @contextmanager
    def import_folder(self) -> Iterator[str]:
        """Next to the store and named for this process: when Ctrl-C ends the command before
        the engine's load is over (it cannot be stopped), the store's next opening removes
        the folder with the other leftovers of killed loads."""
        folder = self.path.with_name(f".{self.path.name}.files-{os.getpid()}")
        try:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            yield str(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _copy_sources(self, store: Any) -> None:
        """Copy the registry graphs of the current store (if any), and their figures, into
        `store`."""
        from pyoxigraph import Store as Oxigraph

        if not _is_store(self.path):
            return
        old = Oxigraph.read_only(str(self.path))
        try:
            for graph in _source_graphs(old):
                _copy_graph(old, store, graph, self.path.parent)
        finally:
            del old
            gc.collect()

    def _rebuild(self, fill: Callable[[Any], T]) -> T:
        """A new store next to PATH, filled by `fill` and put in PATH's place; removed if
        anything fails (SIGTERM included; after a SIGKILL, by the next open).

        The store is closed before its folder is renamed or removed, so `fill` must not keep
        it: RocksDB writes its last files by path as it closes, and after the swap they would
        land in the other folder."""
        from pyoxigraph import Store as Oxigraph

        fresh = self.path.with_name(f".{self.path.name}.loading-{os.getpid()}")
        shutil.rmtree(fresh, ignore_errors=True)
        with _locked(self.path, exclusive=True), cleanup_on_sigterm():
            try:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    store = Oxigraph(str(fresh))
                except OSError as exc:
                    raise self._unwritable(exc) from None
                try:
                    result = fill(store)
                    store.flush()
                finally:
                    del store  # the last reference: dropping it closes the store
                    gc.collect()
                _swap(fresh, self.path)
                return result
            except BaseException as exc:
                traceback.clear_frames(exc.__traceback__)  # the frames of fill hold the store
                gc.collect()
                shutil.rmtree(fresh, ignore_errors=True)
                raise


class _Loader:
    """N-Triples files bulk-loaded into their named graphs of `store`, one at a time, each by a
    thread of its own, so that the caller prepares the next file meanwhile."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.names: set[str] = set()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def load(self, name: str, path: Path) -> None:
        """Start loading `path` into the graph `name`, once the previous file is in."""
        self.wait()
        self.names.add(name)
        self.thread = threading.Thread(target=self._run, args=(name, path),
                                       name="segur-kg-load", daemon=True)
        self.thread.start()

    def wait(self, raising: bool = True) -> None:
        """Wait for the file being loaded; raise what stopped it. Not raising, wait through
        interruptions too: the engine cannot stop a load, and the store may be removed only
        once the load is over."""
        while self.thread is not None:
            try:
                self.thread.join()
            except BaseException:
                if raising:
                    raise
                continue
            self.thread = None
        error, self.error = self.error, None
        if error is not None and raising:
            raise error

    def _run(self, name: str, path: Path) -> None:
        from pyoxigraph import NamedNode, RdfFormat

        try:
            # Lenient: the files are the import's own, whose IRIs it builds from checked codes
            # and percent-encoded addresses; the engine then skips checking each IRI again.
            self.store.bulk_load(path=str(path), format=RdfFormat.N_TRIPLES,
                                 to_graph=NamedNode(name), lenient=True)
        except SyntaxError as exc:
            self.error = SegurKgError(f"{name}: the import wrote triples Oxigraph cannot "
                                      f"read ({one_line(exc)})")
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by wait()
            self.error = exc


def _copy_graph(old: Any, new: Any, graph: Any, folder: Path) -> None:
    """One graph of `old` into `new`, through a temporary N-Triples file next to the store."""
    import tempfile

    from pyoxigraph import RdfFormat

    with tempfile.NamedTemporaryFile(dir=folder, prefix=".segur-kg-copy-", suffix=".nt") as tmp:
        old.dump(output=tmp.name, format=RdfFormat.N_TRIPLES, from_graph=graph)
        # Lenient: the engine wrote the file itself.
        new.bulk_load(path=tmp.name, format=RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)


def _bulk_load(store: Any, chunk: loading.Chunk, graph: Any = None) -> None:
    from pyoxigraph import RdfFormat

    try:
        store.bulk_load(chunk.data, format=getattr(RdfFormat, _FORMATS[chunk.fmt]),
                        to_graph=graph)
    except SyntaxError as exc:
        raise loading.syntax_error(chunk, str(exc)) from None


def _fill_closure(store: Any, asserted: Path) -> int:
    """Closure graph = cached base closure ∪ asserted ∪ what the asserted triples entail,
    in a store that has none yet."""
    from pyoxigraph import NamedNode

    from segur_kg.reasoning.inference import cache_key

    graph = NamedNode(CLOSURE_GRAPH)
    with progress.bar("infer", None) as bar:
        for piece in loading.closure_ntriples(asserted):
            _bulk_load(store, loading.Chunk(piece, "nt", "closure", 1), graph)
            bar.update(piece.count(b"\n"))
    closure = _keep_counts(store, infer=True)
    _bulk_load(store, loading.Chunk(loading.closure_marker(cache_key()), "nt", "closure", 1),
               NamedNode(loading.STATUS_GRAPH))
    return closure


def _derive_figures(store: Any, derive: Derive, sources: list[Any]) -> bytes:
    """The N-Triples of FIGURES_GRAPH, given the registry graphs `sources` of `store` kept from
    earlier imports to read from."""

    def select(text: str) -> Iterator[tuple[str | None, ...]]:
        for solution in store.query(text, default_graph=sources):
            yield tuple(None if value is None else value.value for value in solution)

    return derive(select, [graph.value for graph in sources]).encode("utf-8")


def _kept_sources(store: Any, replaced: set[str]) -> list[Any]:
    """The registry graphs of `store` that an import replacing `replaced` keeps."""
    return [graph for graph in _source_graphs(store)
            if graph.value not in replaced and graph.value != FIGURES_GRAPH]


def _source_graphs(store: Any) -> list[Any]:
    return sorted(filter(_is_source, store.named_graphs()), key=lambda graph: graph.value)


def _is_source(graph: Any) -> bool:
    """Whether `graph` (a graph or its IRI) is the named graph of a registry import, or the
    figures derived from them."""
    from pyoxigraph import NamedNode

    if isinstance(graph, NamedNode):
        graph = graph.value
    return isinstance(graph, str) and (graph.startswith(SOURCE_GRAPHS)
                                       or graph == FIGURES_GRAPH)


def data_graphs(store: Any, infer: bool = False) -> Any:
    """What queries read as the graph: the default graph (or the closure), with the named
    graphs of the registry imports and their figures when the store holds some (without
    inference)."""
    from pyoxigraph import DefaultGraph, NamedNode

    main = NamedNode(CLOSURE_GRAPH) if infer else DefaultGraph()
    sources = _source_graphs(store)
    return [main, *sources] if sources else main


def _graph_list(graphs: Any) -> list[Any]:
    return graphs if isinstance(graphs, list) else [graphs]


def _keep_counts(store: Any, infer: bool = False) -> int:
    """Count the default graph (or the closure) once, with the engine, and keep the counts in
    their named graph: the server, `describe` and `export` read them there. Returns the number
    of triples."""
    from pyoxigraph import NamedNode

    from segur_kg.publishing.counts import count_store, statistics_graph, total
    from segur_kg.rdf.canonical import ntriples
    from segur_kg.rdf.namespaces import QUERY_PREFIXES

    source = data_graphs(store, infer)

    def select(text: str) -> list[tuple[Any, ...]]:
        return [tuple(to_rdflib(value) for value in solution)
                for solution in store.query(text, default_graph=source, prefixes=QUERY_PREFIXES)]

    counts = count_store(select, workers=2)  # two at a time: the engine leaves the GIL
    _bulk_load(store, loading.Chunk(ntriples(counts), "nt", "counts", 1),
               NamedNode(statistics_graph(infer)))
    return total(counts)


class _ServedStore:
    """The folder opened read-only by each server worker, on its first query (a store
    handle must not cross a fork)."""

    def __init__(self, path: Path, infer: bool) -> None:
        self.path = path
        self.infer = infer
        self._store: Any = None
        self._graphs: Any = None

    def query(self, text: str, **options: Any) -> Any:
        from pyoxigraph import Store as Oxigraph

        if self._store is None:
            self._store = Oxigraph.read_only(str(self.path))
            self._graphs = data_graphs(self._store, self.infer)
        return self._store.query(text, default_graph=self._graphs, **options)


def _collect(answer: Any, prepared: Query) -> QueryResult:
    """A pyoxigraph answer as the QueryResult every store returns (rdflib terms)."""
    from pyoxigraph import QueryBoolean, QuerySolutions

    from segur_kg.querying import sparql
    from segur_kg.rdf.namespaces import new_graph

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


@contextmanager
def _locked(path: Path, exclusive: bool) -> Iterator[None]:
    """A lock on the store's folder as it is now: shared by servers, exclusive for a load (a
    load swaps in a new folder, which the next lock then takes). Nothing to lock before the
    first load; best effort where the system has no flock."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # no store yet
        yield
        return
    try:
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            doing = "a segur-kg serve, or another load, import or infer, is using it" \
                if exclusive else "a segur-kg load, import or infer is writing it"
            raise SegurKgError(f"{path}: the store is busy ({doing}); wait for it to end, or "
                               "stop the server first") from None
        yield
    finally:
        os.close(handle)


def _is_store(path: Path) -> bool:
    return (path / "CURRENT").is_file()


def _swap(fresh: Path, target: Path) -> None:
    """Put the new store in place, in one step where the system can, then remove the old one."""
    if not os.path.lexists(target):
        os.rename(fresh, target)
        return
    if not exchange(fresh, target):
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)  # a kill right after this leaves no PATH: _recover puts it back
        try:
            os.replace(fresh, target)
        except BaseException:
            os.replace(old, target)
            raise
        fresh = old
    _remove(fresh)  # it holds the old store now


def _recover(path: Path) -> None:
    """Undo what killed loads left next to PATH (see the module's docstring). Best effort: in
    a folder this process cannot write, everything stays as it is."""
    name = re.escape(path.name)
    if not os.path.lexists(path):
        # Killed between the two renames of a swap: the previous store is the one to keep.
        for old in stale(path.parent, re.compile(rf"\.{name}\.old-(\d+)")):
            with suppress(OSError):
                os.rename(old, path)
                break
    for leftover in stale(path.parent, re.compile(rf"\.{name}\.(?:loading|old|files)-(\d+)")):
        _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_symlink():  # PATH may be a link, which a swap moves like a folder
        with suppress(OSError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)
