"""The default store: rdflib graphs built from the repository's files at each run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from segur_kg.stores.base import Store

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier

    from segur_kg.querying.sparql import QueryResult


class MemoryStore(Store):
    """The dataset, plus `extra_files` when given (the benchmarks attach bulk data this way)."""

    in_memory = True

    def __init__(self, extra_files: list[Path] | None = None) -> None:
        self.name = "memory"
        self.extra_files = list(extra_files or [])
        self._graphs: dict[bool, Graph] = {}

    def graph(self, infer: bool = False) -> Graph:
        if infer not in self._graphs:
            self._graphs[infer] = self._closure() if infer else self._asserted()
        return self._graphs[infer]

    def _asserted(self) -> Graph:
        from segur_kg.rdf.cache import dataset
        from segur_kg.rdf.reading import parse_file

        graph = dataset()
        for path in self.extra_files:
            parse_file(path, graph)
        return graph

    def _closure(self) -> Graph:
        from segur_kg.reasoning.inference import inferred_dataset

        base = inferred_dataset()  # the exact OWL 2 RL closure, cached
        if not self.extra_files:
            return base
        from segur_kg.rdf.namespaces import new_graph
        from segur_kg.rdf.reading import parse_file
        from segur_kg.reasoning.entailment import closure_with

        extra = new_graph()
        for path in self.extra_files:
            parse_file(path, extra)
        return closure_with(base, extra)

    def counts(self, infer: bool = False) -> Graph:
        from segur_kg.publishing.counts import count_graph

        return count_graph(self.graph(infer))

    def infer(self) -> int:
        """Computes (or reads from the cache) the closure; nothing is stored but the cache."""
        return len(self.graph(True))

    def count(self, infer: bool = False) -> int:
        return len(self.graph(infer))

    def query(self, text: str, prepared: Query, bindings: dict[str, Identifier],
              infer: bool = False, timeout: float | None = None) -> QueryResult:
        from segur_kg.querying import sparql

        return sparql.run(self.graph(infer), prepared, bindings, timeout)

    def labels(self, nodes: list, infer: bool = False) -> Graph:
        return self.graph(infer)  # already in memory: look labels up in place
