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

from pathlib import Path

from segur_kg.common.errors import SegurKgError
from segur_kg.stores.base import CLOSURE_GRAPH, LoadSummary, Store

__all__ = ["CLOSURE_GRAPH", "STORE_HELP", "LoadSummary", "Store", "is_remote", "open_store"]

STORE_HELP = ("memory (default: built from the files at each run), oxigraph:PATH (an embedded "
              "store in the folder PATH) or sparql:URL (a SPARQL 1.1 endpoint)")


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
