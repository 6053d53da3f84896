"""A SPARQL 1.1 endpoint (`--store sparql:URL`): queries go to it by the SPARQL Protocol.

Only the given URLs are contacted, and redirects are not followed (they could lead anywhere).
`--infer` asks for the closure graph as the default graph (`default-graph-uri`). Loading and
inference write through the SPARQL 1.1 Graph Store Protocol at the URL given by --graph-store
(Oxigraph: http://HOST:PORT/store); a remote write is not atomic, so a failed load says so.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from segur_kg.common import progress
from segur_kg.common.errors import SegurKgError
from segur_kg.stores import loading
from segur_kg.stores.base import CLOSURE_GRAPH, LoadSummary, Store

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier

    from segur_kg.querying.sparql import QueryResult

_RESULTS = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_DEFAULT_TIMEOUT = 300.0
# What `load` and `infer` wait for each count they keep: the endpoint counts distinct terms
# over the whole store, minutes at ten million triples.
_COUNTING_TIMEOUT = 3600.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        raise SegurKgError(f"{req.full_url} answered with a redirect to {newurl} (HTTP {code}); "
                           "give the final URL with --store sparql:URL")


_OPENER = urllib.request.build_opener(_NoRedirect)


class RemoteStore(Store):
    def __init__(self, url: str, graph_store: str | None = None) -> None:
        self.name = f"sparql:{url}"
        self.url = _checked_url(url, "--store sparql:URL")
        self.graph_store = _checked_url(graph_store, "--graph-store") if graph_store else None

    # --- reading --------------------------------------------------------------------------

    def query(self, text: str, prepared: Query, bindings: dict[str, Identifier],
              infer: bool = False, timeout: float | None = None) -> QueryResult:
        from segur_kg.querying import sparql

        if infer:
            self._require_closure()
        full = _with_prefixes(sparql.bound_text(text, bindings))
        with sparql.time_limit(timeout):
            content_type, body = self._post_query(full, infer, timeout)
            return _decode(content_type, body, prepared)

    def _post_query(self, text: str, infer: bool, timeout: float | None,
                    into: BinaryIO | None = None) -> tuple[str, bytes]:
        """(content type, body) of the answer; with `into`, the body is copied there as it
        arrives and b"" is returned."""
        fields = [("query", text)]
        if infer:
            fields.append(("default-graph-uri", CLOSURE_GRAPH))
        request = urllib.request.Request(
            self.url, data=urllib.parse.urlencode(fields).encode("utf-8"), method="POST",
            headers={"Accept": f"{_RESULTS}, {_NTRIPLES};q=0.9",
                     "Content-Type": "application/x-www-form-urlencoded"})
        return _send(request, self.url, timeout, into)

    def _require_closure(self) -> None:
        text = (f"ASK {{ GRAPH <{loading.STATUS_GRAPH}> {{ <{CLOSURE_GRAPH}> "
                f"<{loading.HAS_VERSION}> ?key }} }}")
        content_type, body = self._post_query(text, False, _DEFAULT_TIMEOUT)
        if not json.loads(body).get("boolean"):
            raise SegurKgError(
                f"{self.url}: the endpoint holds no closure graph <{CLOSURE_GRAPH}>; compute "
                f"it with `segur-kg infer --store sparql:{self.url} --graph-store URL`")

    def dump_ntriples(self, output: BinaryIO, infer: bool = False) -> None:
        if infer:
            self._require_closure()
        content_type, _ = self._post_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", infer,
                                           _DEFAULT_TIMEOUT, into=output)
        if not content_type.startswith(_NTRIPLES):
            raise SegurKgError(f"{self.url}: answered a CONSTRUCT with '{content_type}' "
                               f"instead of {_NTRIPLES}; use an endpoint that can send it")

    def graph(self, infer: bool = False) -> Graph:
        from pyoxigraph import RdfFormat, parse

        from segur_kg.rdf.namespaces import bind_prefixes, new_graph
        from segur_kg.rdf.terms import to_rdflib

        graph = new_graph()
        for triple in parse(self.ntriples(infer), format=RdfFormat.N_TRIPLES):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate),
                       to_rdflib(triple.object)))
        bind_prefixes(graph)
        return graph

    def engine(self, infer: bool = False) -> Any:
        if infer:
            self._require_closure()
        return _ServedEndpoint(self, infer)

    def count(self, infer: bool = False) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", infer)
        return int(rows[0][0])  # type: ignore[arg-type]

    # --- writing (SPARQL 1.1 Graph Store Protocol) ----------------------------------------

    def _writer(self) -> str:
        if not self.graph_store:
            raise SegurKgError(
                f"writing to {self.url} needs its Graph Store Protocol URL; give "
                "--graph-store URL (for Oxigraph: http://HOST:PORT/store)")
        return self.graph_store

    def _put(self, graph: str | None, data: bytes, replace: bool) -> None:
        target = self._writer() + ("?default" if graph is None
                                   else "?" + urllib.parse.urlencode({"graph": graph}))
        request = urllib.request.Request(target, data=data, method="PUT" if replace else "POST",
                                         headers={"Content-Type": _NTRIPLES})
        _send(request, self._writer(), _DEFAULT_TIMEOUT)

    def load(self, files: list[Path], infer: bool = False) -> LoadSummary:
        started = time.perf_counter()  # the files' check counts as loading
        loading.check_files(files)
        self._writer()
        dataset = loading.dataset_ntriples()
        try:
            with progress.bar("load", len(dataset) + loading.total_bytes(files),
                              unit="B") as bar:
                self._put(loading.STATUS_GRAPH, b"", replace=True)  # no closure until rebuilt
                self._put(None, dataset, replace=True)
                bar.update(len(dataset))
                for chunk in loading.chunks(files):
                    if chunk.fmt != "nt":  # Turtle is sent whole: prefixes cannot be cut
                        chunk = loading.Chunk(loading.as_ntriples(chunk), "nt", chunk.source, 1)
                    self._put(None, chunk.data, replace=False)
                    bar.update(len(chunk.data))
        except SegurKgError as exc:
            raise SegurKgError(f"{exc.message} (the endpoint may now hold part of the data; "
                               "load again)", exc.exit_code) from None
        asserted = self._keep_counts()
        loaded = time.perf_counter() - started
        closure = self.infer() if infer else None
        return LoadSummary(asserted, loaded, closure,
                           time.perf_counter() - started - loaded if infer else 0.0)

    def infer(self) -> int:
        import tempfile

        from segur_kg.reasoning.inference import cache_key

        self._writer()
        # the asserted triples on disk ($TMPDIR), not in memory
        with tempfile.NamedTemporaryFile(prefix="segur-kg-asserted-", suffix=".nt") as kept:
            self.dump_ntriples(kept)
            kept.flush()
            self._put(loading.STATUS_GRAPH, b"", replace=True)
            with progress.bar("infer", None) as bar:
                pieces = loading.closure_ntriples(Path(kept.name))
                for number, piece in enumerate(pieces):
                    self._put(CLOSURE_GRAPH, piece, replace=number == 0)
                    bar.update(piece.count(b"\n"))
        self._put(loading.STATUS_GRAPH, loading.closure_marker(cache_key()), replace=True)
        return self._keep_counts(infer=True)

    def _keep_counts(self, infer: bool = False) -> int:
        """Count once, on the endpoint, and keep the counts there (see publishing.counts);
        two queries at a time, which an endpoint evaluates in parallel. Returns the number of
        triples."""
        from segur_kg.publishing.counts import count_store, statistics_graph, total
        from segur_kg.rdf.canonical import ntriples

        counts = count_store(lambda text: self.select(text, infer, _COUNTING_TIMEOUT),
                             workers=2)
        self._put(statistics_graph(infer), ntriples(counts), replace=True)
        return total(counts)


class _ServedEndpoint:
    """For the server's workers: each query is sent on to the endpoint, and its answer read
    back as pyoxigraph results, which the server writes in the format its client asked for."""

    def __init__(self, store: RemoteStore, infer: bool) -> None:
        self.store = store
        self.infer = infer

    def query(self, text: str, prefixes: dict[str, str] | None = None, **_: Any) -> Any:
        from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

        declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        content_type, body = self.store._post_query(declared + text, self.infer, None)
        if content_type.startswith(_NTRIPLES):
            return parse(body, format=RdfFormat.N_TRIPLES)
        return parse_query_results(body, format=QueryResultsFormat.JSON)


def _checked_url(url: str, option: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SegurKgError(f"{option}: '{url}' is not an http(s) URL; give e.g. "
                           "http://127.0.0.1:7878/query")
    return url


def _with_prefixes(text: str) -> str:
    """Declare the prefixes segur-kg knows, as the other stores do; the query's own
    declarations come after and win."""
    from segur_kg.rdf.namespaces import QUERY_PREFIXES

    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in QUERY_PREFIXES.items()) + text


def _send(request: urllib.request.Request, url: str, timeout: float | None,
          into: BinaryIO | None = None) -> tuple[str, bytes]:
    try:
        with _OPENER.open(request, timeout=timeout or _DEFAULT_TIMEOUT) as response:
            content_type = response.headers.get("Content-Type", "")
            if into is None:
                return content_type, response.read()
            if content_type.startswith(_NTRIPLES):
                shutil.copyfileobj(response, into, 1 << 20)
            return content_type, b""
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read(500).decode("utf-8", "replace").split())
        raise SegurKgError(f"{url} answered HTTP {exc.code} ({detail[:300]}); check the query "
                           "and the endpoint") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if "timed out" in str(reason):
            from segur_kg.querying.sparql import QueryTimeout

            raise QueryTimeout(timeout or _DEFAULT_TIMEOUT) from None
        raise SegurKgError(f"cannot reach {url} ({reason}); check that the endpoint runs and "
                           "the URL is right") from None


def _decode(content_type: str, body: bytes, prepared: Query) -> QueryResult:
    from segur_kg.querying import sparql

    if content_type.startswith(_NTRIPLES):
        from pyoxigraph import RdfFormat, parse

        from segur_kg.rdf.namespaces import new_graph
        from segur_kg.rdf.terms import to_rdflib

        graph = new_graph()
        for t in parse(body, format=RdfFormat.N_TRIPLES):
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return sparql.QueryResult(sparql.kind(prepared), graph=graph)
    try:
        document = json.loads(body)
    except ValueError:
        raise SegurKgError(f"the endpoint answered '{content_type}', not SPARQL results JSON; "
                           "check the URL points at a SPARQL endpoint") from None
    if "boolean" in document:
        return sparql.QueryResult("ASK", boolean=bool(document["boolean"]))
    found = document.get("head", {}).get("vars", [])
    names = sparql.projected(prepared, found)
    rows = [tuple(_term(binding.get(name)) for name in names)
            for binding in document.get("results", {}).get("bindings", [])]
    return sparql.QueryResult("SELECT", variables=names, rows=rows)


def _term(value: dict[str, str] | None) -> Any:
    from rdflib import BNode, Literal, URIRef

    from segur_kg.rdf.terms import XSD_STRING

    if value is None:
        return None
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    language = value.get("xml:lang")
    datatype = value.get("datatype")
    if language:
        return Literal(value["value"], lang=language)
    return Literal(value["value"],
                   datatype=URIRef(datatype) if datatype and datatype != XSD_STRING else None)
