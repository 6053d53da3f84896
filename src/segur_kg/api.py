"""The Python API, for notebooks and scripts: the same functions the command line calls.

>>> import segur_kg
>>> with segur_kg.open() as kg:
...     answer = kg.query("who-oversees-what", lang="en")
...     print(answer.columns[:3], answer.labels[0][:2])
['actor', 'role', 'what'] ('Agency for Services and Payment', 'disburses')

`open()` reads the repository's files into memory; `open("oxigraph:PATH")` a store filled by
`segur-kg load`; `open("sparql:URL")` any SPARQL 1.1 endpoint. Queries run in this process:
the API trusts its caller, as any library does. The server and the command line, which take
text from others, evaluate it in a confined process (see querying.confinement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segur_kg.common.errors import SegurKgError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Identifier, Node

    from segur_kg.checking.validate import Report
    from segur_kg.querying.catalog import NamedQuery
    from segur_kg.querying.sparql import QueryResult
    from segur_kg.stores import Store

__all__ = ["Answer", "KnowledgeGraph", "open"]


def open(store: str = "memory", *, infer: bool = False) -> KnowledgeGraph:  # noqa: A001
    """The graph in `store` ("memory", "oxigraph:PATH" or "sparql:URL"). With `infer`, queries,
    exports and descriptions read the OWL 2 RL closure (in a store, once `segur-kg infer` has
    computed it)."""
    from segur_kg.stores import open_store

    return KnowledgeGraph(open_store(store), infer)


@dataclass
class Answer:
    """The answer to one query. A SELECT has `columns` and `rows`; an ASK a `boolean`; a
    CONSTRUCT or DESCRIBE a `graph` (rdflib). `rows` hold Python values (str for an IRI or a
    blank node, int, float, Decimal, bool, date… for a literal, None when unbound); `terms`
    the same cells as rdflib terms."""

    kind: str
    columns: list[str] = field(default_factory=list)
    terms: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    # The rows with each IRI shown by its label in the query's language, as the command's
    # tables show them (an IRI without a label by its short form).
    labels: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [tuple(_python(term) for term in row) for row in self.terms]

    def to_dicts(self, labels: bool = False) -> list[dict[str, Any]]:
        """One dict per row, column name → Python value (unbound cells as None); with `labels`,
        IRIs are given by their labels."""
        rows = self.labels if labels else self.rows
        return [dict(zip(self.columns, row, strict=True)) for row in rows]

    def to_dataframe(self, labels: bool = False) -> Any:
        """The rows (with `labels`, as labels) as a pandas DataFrame; needs pandas
        (pip install 'segur-kg[pandas]')."""
        try:
            import pandas
        except ImportError:
            raise SegurKgError("to_dataframe needs pandas; install it with "
                               "pip install 'segur-kg[pandas]'") from None
        return pandas.DataFrame(self.labels if labels else self.rows, columns=self.columns)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self):  # noqa: ANN204
        return iter(self.rows)


class KnowledgeGraph:
    """One open store; close it (or use `with`) to free an Oxigraph folder for others."""

    def __init__(self, store: Store, infer: bool = False) -> None:
        self.store = store
        self.infer = infer

    def query(self, query: str, *, lang: str = "fr", timeout: float | None = 30.0,
              **params: str) -> Answer:
        """A named query (`"who-oversees-what"`, `"national/ehpad-per-ars"`), a .rq file or
        SPARQL text, with the parameters its header declares as keyword arguments
        (`region="Bretagne"`). `lang` ("fr" or "en") is the language of the labels in
        `Answer.labels`; `timeout` is in seconds (None: no limit)."""
        from segur_kg.querying import sparql

        _check_lang(lang)
        named = named_query(query)
        given = {key: str(value) for key, value in params.items()}
        bindings = sparql.bind_params(named, given, lang)
        result = self.evaluate(named, bindings, timeout)
        answer = Answer(result.kind, list(result.variables), list(result.rows),
                        result.boolean, result.graph)
        if result.rows:
            from segur_kg.querying.formatting import shown_label

            graph = self.store.labels([t for row in result.rows for t in row], self.infer)
            answer.labels = [tuple(shown_label(graph, term, lang) if _is_iri(term)
                                   else _python(term) for term in row) for row in result.rows]
        return answer

    def evaluate(self, named: NamedQuery, bindings: dict[str, Identifier],
                 timeout: float | None = 30.0) -> QueryResult:
        """Run a catalogued or given query with its parameters bound (querying.sparql), after
        checking that each IRI given as a parameter is in the graph: a misspelt one would
        otherwise give an empty answer that looks like a real one."""
        from segur_kg.querying import sparql
        from segur_kg.querying.query_text import canonical

        for name, term in sorted(bindings.items()):
            if _is_iri(term):
                self._check_known(name, str(term))
        text = canonical(named.text, named.source)
        return self.store.query(text, sparql.prepare(text, named.source), bindings,
                                self.infer, timeout)

    def _check_known(self, param: str, iri: str) -> None:
        from segur_kg.querying import sparql

        text = f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"
        if self.store.query(text, sparql.prepare(text, "segur-kg"), {}, self.infer).boolean:
            return
        hint = ""
        if self.store.in_memory:  # a short list to suggest from, without scanning a big store
            import difflib

            kind = iri.rsplit("/", 1)[0] + "/"
            known = sorted({str(s)[len(kind):] for s in self.store.graph(self.infer).subjects()
                            if str(s).startswith(kind)})
            close = difflib.get_close_matches(iri[len(kind):], known, n=3, cutoff=0.6)
            if close:
                hint = " did you mean " + ", ".join(sparql.short_iri(kind + c)
                                                   for c in close) + "?"
        raise SegurKgError(f"parameter '{param}': {sparql.short_iri(iri)} is not in the graph, "
                           f"so the answer would be empty;{hint or ' check the IRI'}")

    def validate(self, files: list[str | Path] | None = None, *, with_dataset: bool = False,
                 lang: str = "fr", engine: str | None = None) -> Report:
        """Check the graph (or these RDF files, with the dataset when `with_dataset`) against
        the SHACL shapes. The report has `.conforms` (no violation), `.results` and
        `.count("Violation")`. `engine` is "pyshacl-turbo" (native, the default) or "pyshacl"."""
        from segur_kg.checking import validate

        _check_lang(lang)
        engine = engine or validate.DEFAULT_ENGINE
        if files:
            if not self.store.in_memory:
                raise SegurKgError("validate(files) checks files, not a store; load them into "
                                   "the store first, or open the memory graph")
            return validate.validate_files([Path(f) for f in files], lang, with_dataset,
                                           engine=engine)
        if self.store.in_memory:
            return validate.validate_dataset(lang, engine=engine)
        return validate.validate_store(self.store, lang, engine=engine)

    def export(self, format: str = "ttl", path: str | Path | None = None, *,  # noqa: A002
               frame: str | None = None, table: str | None = None,
               lang: str | None = None) -> bytes | Path:
        """The whole graph in `format` (ttl, nt, nq, trig, xml, jsonld, csv…): written to
        `path` atomically and the path returned, or returned as bytes when no path is given."""
        from segur_kg.publishing.export import check_output, export_to, output_file

        options = {"frame": frame, "table": table, "lang": lang, "store": self.store}
        if path is None:
            from io import BytesIO

            buffer = BytesIO()
            export_to(buffer, format, self.infer, **options)
            return buffer.getvalue()
        path = Path(path)
        check_output(path)
        with output_file(path) as stream:
            export_to(stream, format, self.infer, **options)
        return path

    def describe(self, iri: str | None = None, *, base_url: str | None = None) -> Graph:
        """Without `iri`: the dataset's VoID + DCAT description (`segur-kg describe`). With an
        IRI (full, or short as "actor/ans"): the triples whose subject it is."""
        if iri is None:
            from segur_kg.publishing.describe import check_base_url, describe

            check_base_url(base_url)
            return describe(None, counts=self.store.counts(self.infer), base_url=base_url,
                            standalone=True)
        from segur_kg.querying import sparql

        subject = sparql.resource_iri(iri, "describe")
        text = f"CONSTRUCT {{ <{subject}> ?p ?o }} WHERE {{ <{subject}> ?p ?o }}"
        return self.store.query(text, sparql.prepare(text, "describe"), {}, self.infer).graph

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def named_query(query: str) -> NamedQuery:
    """A query name, a .rq file or SPARQL text (recognised by its braces)."""
    from segur_kg.querying import catalog

    if "{" in query:
        return catalog.parse_header(query, "sparql", None)
    return catalog.resolve(query)


def _check_lang(lang: str) -> None:
    from segur_kg.common.labels import LANGUAGES

    if lang not in LANGUAGES:
        raise SegurKgError(f"lang '{lang}' is not a language of the graph; give "
                           + " or ".join(f"'{code}'" for code in LANGUAGES))


def _is_iri(term: Node | None) -> bool:
    from rdflib import URIRef

    return isinstance(term, URIRef)


def _python(term: Node | None) -> Any:
    from rdflib import Literal

    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        # A literal rdflib cannot convert (an ill-typed value) stays a Literal: give its text.
        return str(term) if isinstance(value, Literal) else value
    return str(term)
