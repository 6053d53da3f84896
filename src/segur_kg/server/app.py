"""The web application: SPARQL 1.1 Protocol, Graph Store (read-only), VoID, dereferenceable
IRIs and HTML pages, over one graph loaded at start-up.

Dereferencing follows "Cool URIs for the Semantic Web" with 303 redirects: a GET on a thing's
IRI (/id/…, /def/…) answers 303 See Other (Vary: Accept) to a document about it, chosen by
content negotiation: IRI.html, IRI.ttl, IRI.jsonld, IRI.nt or IRI.rdf. Each document has a
fixed type, so caches and links never mix the thing with a description of it.

Every response carries a Content-Security-Policy (no script, no frame, only the pages' own
inline stylesheet), X-Content-Type-Options: nosniff, X-Frame-Options: DENY and
Referrer-Policy: no-referrer.

Connections (uvicorn's h11 protocol has no time limit on reading a request, so a client could
hold a connection forever by sending its head one line at a time):
- a client has REQUEST_TIMEOUT (10 s) to send a whole request, head and body, counted from the
  moment the connection opens or the previous answer ends; then it gets 408 and the connection
  is closed;
- one address may have at most MAX_OPENING_PER_ADDRESS (256) connections that have not sent
  their whole first request yet (head and body); more are answered 503 and closed at once;
- at most MAX_REQUESTS (1000) requests are answered at once; more get 503. Connections still
  sending their request head do not count (uvicorn's limit_concurrency counts them, so slow
  ones could starve real requests); one still sending its body does, for at most 10 s;
- an answer that its client reads none of for WRITE_TIMEOUT (20 s) is dropped with its
  connection, so a client that stops reading holds no memory;
- a request with both Transfer-Encoding and Content-Length gets 400 and its connection is
  closed (a proxy that reads one of them could be led to see two requests where we see one).
A client that goes away while its query runs has the query stopped (its worker is replaced), and
leaves one line in the log, not a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, unquote, urlencode, urlsplit

import h11
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from segur_kg.server import pages, protocol
from segur_kg.server.workers import Busy, Overrun, Pool, Reply, error
from segur_kg.stores import is_remote

if TYPE_CHECKING:
    from rdflib import Graph

log = logging.getLogger("segur_kg.server")

MAX_BODY_BYTES = 64 * 1024  # a request body larger than this gets 413
MAX_TARGET_BYTES = 16 * 1024  # a path + query string longer than this gets 414
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
GENERIC_ERROR = "internal server error; the problem was logged on the server\n"
VARY = "Accept, Accept-Language, Cookie"
REQUEST_TIMEOUT = 10.0  # seconds to send a request's head and body
# A browser opens about 6 connections per site; the cap leaves room for bursts from many
# clients behind one address.
MAX_OPENING_PER_ADDRESS = 256
MAX_REQUESTS = 1000  # requests answered at once
WRITE_TIMEOUT = 20.0  # seconds an answer may wait for a client that reads none of it
# Keys in the ASGI scope: the task answering the request, set when its client has gone.
TASK, GONE = "segur.task", "segur.client_gone"
# For the answers the connection layer writes itself (never pages).
STRICT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
OTHER_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                          "Referrer-Policy": "no-referrer"}


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    timeout: float = 30.0
    max_rows: int = 10_000
    workers: int = 2
    base_iri: str | None = None
    infer: bool = True
    store: str = "memory"
    max_memory: int | None = None  # bytes a query may add to its worker; None: the default

    def local(self, port: int) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}/"

    def base(self, port: int) -> str:
        if self.base_iri:
            return self.base_iri if self.base_iri.endswith("/") else self.base_iri + "/"
        return self.local(port)


class Server:
    """What the routes share: the graph, the worker pool and cached documents.

    With the memory store, `graph` is the graph itself. With a store (Oxigraph, an endpoint)
    the server holds no copy: `graph` is None, each page reads what it shows from the store
    through a worker (workers.PAGE_STATEMENTS), and the home page, VoID and service
    description come from the counts the store keeps (`counts`) and the labels of the terms
    they name (`labels`); start-up time and memory do not grow with the store."""

    def __init__(self, settings: Settings, graph: Graph | None, base: str, local: str,
                 engine: Any = None, counts: Graph | None = None,
                 labels: Graph | None = None) -> None:
        from segur_kg.publishing.counts import class_sizes, count_graph, total
        from segur_kg.querying.catalog import list_queries

        self.settings = settings
        self.graph = graph
        self.base = base
        self.local = local  # where it listens; `base` is where links point
        self.pool = Pool(graph, settings.workers, engine, settings.max_memory,
                         network=is_remote(settings.store))
        self.queries = list_queries()
        if counts is None:
            counts = count_graph(graph)
        self.triples = total(counts)
        self.classes = class_sizes(counts)
        self.void = _void(counts, base)
        # The description's own resources (the dataset, its distributions, partitions, link
        # sets, publisher) are minted under /id/dataset/… and /id/organization/…, so they
        # dereference like the graph's. They are looked up here, never in `graph`: the SPARQL
        # endpoint answers over the programme's graph alone.
        self.catalogue = _catalogue(graph if graph is not None else labels, self.void)
        self.service = _service_description(self.triples, base)
        self.dumps: dict[str, Reply] = {}
        self.dump_locks: dict[str, asyncio.Lock] = {}
        self.dump_folder: Path | None = None  # the store's graph, written once per format
        # Bounded: a crawler walking a national graph must not fill the server's memory.
        self.documents: dict[tuple[str, str], bytes] = _Recent(CACHED_DOCUMENTS)
        self.pages: dict[tuple[str, ...], str] = _Recent(CACHED_DOCUMENTS)
        # What the store says about an IRI (None: nothing), read once for the 303, the page and
        # each format of a document; fewer kept, as each may hold 2,000 statements.
        self.page_graphs: dict[str, Graph | None] = _Recent(CACHED_PAGE_GRAPHS)

    # -- helpers ------------------------------------------------------------------------------

    def site(self, request: Request, graph: Graph | None = None) -> tuple[pages.Site, str | None]:
        """The page context (over `graph`, by default the served graph) and, when ?lang= was
        given, the language to remember."""
        asked = request.query_params.get("lang")
        lang = pages.choose_language(asked, request.cookies.get("lang"),
                                     request.headers.get("accept-language"))
        shown = graph if graph is not None else (
            self.graph if self.graph is not None else self.catalogue)
        return (pages.Site(shown, self.base, lang), (lang if asked == lang else None))

    def html(self, request: Request, render: Any, status: int = 200,
             key: tuple[str, ...] | None = None, graph: Graph | None = None) -> HTMLResponse:
        """A page; with a `key`, rendered once per language and address, then reused (the
        graph never changes while the server runs; keys only name what the graph holds)."""
        site, remember = self.site(request, graph)
        path = request.url.path
        if key is None:
            text = render(site, path)
        else:
            cache_key = (*key, site.lang, path)
            text = self.pages.get(cache_key)
            if text is None:
                text = self.pages[cache_key] = render(site, path)
        response = HTMLResponse(text, status_code=status, headers={"Vary": VARY})
        if remember:
            response.set_cookie("lang", remember, max_age=365 * 24 * 3600, samesite="lax")
        return response

    def serialized(self, name: str, graph: Any, key: str) -> Response:
        """`graph` (or the graph it returns when called) in format `key`, serialized once per
        name and format."""
        from segur_kg.rdf.serialize import serialize

        cached = self.documents.get((name, key))
        if cached is None:
            chosen = graph() if callable(graph) else graph
            cached = self.documents[(name, key)] = serialize(
                chosen, protocol.SERIALIZE_NAME[key])
        media = protocol.GRAPH_TYPES[protocol.SERIALIZE_NAME[key]]
        return Response(cached, media_type=media)

    async def run(self, job: dict[str, Any], timeout: float) -> Reply:
        try:
            return await self.pool.run(job, timeout)
        except Busy:
            return error(503, f"every query worker stayed busy for {timeout:g} s; "
                              "try again shortly")
        except Overrun:
            return error(503, f"the query was not answered within {timeout:g} s (time waiting "
                              "for a free worker included) and was stopped; simplify it, add "
                              "a LIMIT, or try again when the server is less busy")

    async def graph_of(self, node: Any) -> Graph | None:
        """The graph that describes `node`: the served graph (or, with a store, what the
        store says about it), else the dataset's description (with the labels of the terms it
        names); None when neither knows it."""
        if self.graph is not None:
            if pages.is_known(self.graph, node):
                return self.graph
        else:
            found = await self.page_graph(str(node))
            if found is not None:
                return found
        if pages.is_known(self.void, node):
            return self.catalogue
        return None

    def members(self, iri: str) -> int | None:
        """How many resources the class `iri` has, for a page that may show only some of them
        (a store-backed server); None with the memory store, whose pages show them all."""
        from rdflib import URIRef

        return None if self.graph is not None else self.classes.get(URIRef(iri))

    async def page_graph(self, iri: str = "", labels: list[str] | None = None) -> Graph | None:
        """With a store: what it says about `iri` (see workers._page), with the labels of the
        IRIs named there and in `labels`, and a mark on those the store describes (so that
        pages link to them); None when the store says nothing about `iri`. The graph never
        changes while the server runs: the answer for an IRI alone is kept."""
        if iri and not labels and iri in self.page_graphs:
            return self.page_graphs[iri]
        found = await self._read_page_graph(iri, labels)
        if iri and not labels and found is not _UNREAD:
            self.page_graphs[iri] = found
        return None if found is _UNREAD else found

    async def _read_page_graph(self, iri: str, labels: list[str] | None) -> Any:
        """page_graph's answer from a worker, or _UNREAD when the worker could not give it
        (busy, timed out, the store unreadable): not an answer to keep."""
        import json

        from rdflib import Literal, URIRef

        from segur_kg.rdf.namespaces import new_graph

        reply = await self.run({"op": "page", "iri": iri, "labels": labels or []},
                               self.settings.timeout)
        if reply.status != 200:
            if reply.status >= 500:
                log.warning("a page could not be read from the store: %s",
                            reply.body.decode("utf-8", "replace").strip())
                return _UNREAD
            return None  # 400: not an IRI the store can hold
        found = json.loads(reply.body)
        graph = new_graph()
        graph.parse(data=found["description"], format="nt")
        if iri and not pages.is_known(graph, URIRef(iri)):
            return None
        graph.parse(data=found["labels"], format="nt")
        for described in found["described"]:
            graph.add((URIRef(described), URIRef(DESCRIBED), Literal(True)))
        return graph

    # -- routes -------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return self.html(request, lambda site, path: pages.home_page(
            site, path, self.classes, self.triples), key=("home",))

    async def query_page(self, request: Request) -> Response:
        name = request.query_params.get("example", "")
        chosen = next((q for q in self.queries if q.name == name), None)
        selected = chosen.name if chosen else ""
        shown = f"?example={quote(selected, safe='')}" if selected else ""

        def page(site: pages.Site, path: str) -> str:
            # The example orders its rows by labels of the page's language (a `lang` param).
            text = pages.example_text(chosen, site.lang) if chosen else (
                "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n")
            return pages.query_page(site, path + shown, self.queries, text, selected)

        return self.html(request, page, key=("query", selected))

    async def sparql(self, request: Request) -> Response:
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        if request.method == "POST":
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media == "application/sparql-update":
                return _refuse_update()
            if media == "application/sparql-query":
                try:
                    params.setdefault("query", []).append((await request.body()).decode("utf-8"))
                except UnicodeDecodeError:
                    return _text(400, "the query is not valid UTF-8; send it as UTF-8")
            elif media == "application/x-www-form-urlencoded":
                form = await request.form(max_files=0, max_fields=100)
                for key, value in form.multi_items():
                    params.setdefault(key, []).append(str(value))
            else:
                return _text(415, "send the query as application/sparql-query or as an "
                                  "application/x-www-form-urlencoded form")
        if "update" in params:
            return _refuse_update()
        given = [name for name in DATASET_PARAMETERS if name in params]
        if given:
            return _text(400, f"{given[0]} is refused: this endpoint answers over its own graph "
                              "only and never reads other graphs; remove the parameter")
        queries = params.get("query", [])
        if len(queries) > 1:
            return _text(400, "more than one query parameter; send exactly one query")
        fmt = (params.get("format") or params.get("output") or [None])[0]
        if not queries:
            return self.describe_service(request, fmt)
        text = queries[0]
        if fmt == "html":
            return await self.results_page(request, text)
        reply = await self.run({"op": "query", "text": text, "format": fmt,
                                "accept": request.headers.get("accept"),
                                "max_rows": self.settings.max_rows}, self.settings.timeout)
        headers = {**reply.headers, "Vary": "Accept"}
        return Response(reply.body, reply.status, headers, media_type=reply.content_type)

    def describe_service(self, request: Request, fmt: str | None) -> Response:
        if fmt is None:
            # Browsers ask for text/html by name and get the query form; */* gets Turtle.
            offers = protocol.result_offers("CONSTRUCT")[:1] + [("text/html", "html")]
            try:
                _, key = protocol.negotiate(request.headers.get("accept"), offers)
            except protocol.NotAcceptable:
                key = "ttl"
            if key == "html":
                return RedirectResponse(self.base + "query", 303, headers={"Vary": VARY})
        try:
            _, key = protocol.choose_format("CONSTRUCT", request.headers.get("accept"), fmt)
        except protocol.NotAcceptable:
            return _not_acceptable(protocol.GRAPH_TYPES.values())
        response = self.serialized(" service", self.service, key)
        response.headers["Vary"] = "Accept"
        return response

    async def results_page(self, request: Request, text: str) -> Response:
        # A page is drawn in the server's own process: it shows a bounded number of rows.
        reply = await self.run({"op": "query", "text": text, "format": "html", "accept": None,
                                "max_rows": min(self.settings.max_rows, pages.MAX_PAGE_ROWS)},
                               self.settings.timeout)
        # The language switch asks the same question again (a form's POST becomes a GET).
        again = f"?{urlencode({'query': text, 'format': 'html'})}"
        if reply.status != 200:
            message = reply.body.decode("utf-8").strip()
            return self.html(request, lambda site, path: pages.error_page(
                site, path + again, message), reply.status)
        truncated = reply.headers.get("X-Segur-Truncated", "").removeprefix("max-rows=")
        named = None
        if self.graph is None and reply.kind == "SELECT":  # the labels of what it shows
            named = await self.page_graph(labels=_result_iris(reply.body))
        return self.html(request, lambda site, path: pages.results_page(
            site, path + again, text, reply.kind, reply.body, truncated), graph=named)

    async def graph_store(self, request: Request) -> Response:
        params = request.query_params
        if "graph" in params:
            return _text(404, "this store has only the default graph; ask for "
                              "/rdf-graph-store?default")
        if "default" not in params:
            return _text(400, "say which graph: /rdf-graph-store?default")
        try:
            _, key = protocol.negotiate(request.headers.get("accept"),
                                        protocol.result_offers("CONSTRUCT"))
        except protocol.NotAcceptable:
            return _not_acceptable(protocol.GRAPH_TYPES.values())
        if self.graph is None:
            return await self.store_dump(key)
        reply = self.dumps.get(key)
        if reply is None:
            # Serializing the whole graph takes a moment: a worker does it, once per format.
            reply = await self.run({"op": "dump", "format": key},
                                   max(self.settings.timeout, 120.0))
            if reply.status == 200:
                self.dumps[key] = reply
        return Response(reply.body, reply.status, {"Vary": "Accept"},
                        media_type=reply.content_type)

    async def store_dump(self, key: str) -> Response:
        """The store's default graph in format `key`, written once per format by a process of
        its own that streams it from the store (see dump.py), then sent from the file."""
        from starlette.responses import FileResponse

        from segur_kg.server import dump

        fmt = protocol.SERIALIZE_NAME[key]
        media = protocol.GRAPH_TYPES[fmt]
        lock = self.dump_locks.setdefault(fmt, asyncio.Lock())
        async with lock:
            path = self.dumps_folder() / f"graph.{fmt}"
            if not path.exists():
                process = await asyncio.create_subprocess_exec(
                    *dump.command(self.settings.store, self.settings.infer, fmt, path),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                _, errors = await process.communicate()
                if process.returncode != 0:
                    log.warning("the graph could not be written from the store: %s",
                                errors.decode("utf-8", "replace").strip()[-500:])
                    return _text(503, "the graph could not be read from the store; try again "
                                      "later")
        return FileResponse(path, media_type=media, headers={"Vary": "Accept"})

    def dumps_folder(self) -> Path:
        if self.dump_folder is None:
            self.dump_folder = Path(tempfile.mkdtemp(prefix="segur-kg-serve-"))
        return self.dump_folder

    async def void_description(self, request: Request) -> Response:
        try:
            _, key = protocol.negotiate(request.headers.get("accept"),
                                        protocol.result_offers("CONSTRUCT"))
        except protocol.NotAcceptable:
            return _not_acceptable(protocol.GRAPH_TYPES.values())
        response = self.serialized(" void", self.void, key)
        response.headers["Vary"] = "Accept"
        return response

    async def dereference(self, request: Request) -> Response:
        """/id/…, /def/… and /def: 303 from a thing to a document, or the document."""
        from rdflib import URIRef

        relative = request.scope.get("raw_path", b"").decode("latin-1").lstrip("/")
        relative = relative.split("?", 1)[0]
        candidates = [relative, unquote(relative)]
        for name in candidates:
            if await self.graph_of(URIRef(pages.ROOT + name)) is not None:
                return self.negotiate_document(request, name)
        for name in candidates:
            stem, dot, extension = name.rpartition(".")
            if not (dot and extension in protocol.DOCUMENT_TYPES):
                continue
            graph = await self.graph_of(URIRef(pages.ROOT + stem))
            if graph is not None:
                return self.document(request, pages.ROOT + stem, extension,
                                     self.base + stem, graph)
        iri = pages.ROOT + unquote(relative)
        if _prefers_html(request):
            return self.html(request, lambda site, path: pages.not_found_page(site, path, iri),
                             404)
        return _text(404, f"no resource of this graph has the IRI <{iri}>", negotiated=True)

    def negotiate_document(self, request: Request, name: str) -> Response:
        offers = [(media, key) for key, media in protocol.DOCUMENT_TYPES.items()]
        offers += protocol.DOCUMENT_ALIASES
        try:
            _, key = protocol.negotiate(request.headers.get("accept"), offers)
        except protocol.NotAcceptable:
            return _not_acceptable(protocol.DOCUMENT_TYPES.values())
        return RedirectResponse(f"{self.base}{name}.{key}", 303, headers={"Vary": "Accept"})

    def document(self, request: Request, iri: str, extension: str, stem_url: str,
                 graph: Graph) -> Response:
        formats = [(key, f"{stem_url}.{key}") for key in protocol.DOCUMENT_TYPES
                   if key != "html"]
        if extension == "html":
            return self.html(request, lambda site, path: pages.resource_page(
                site, iri, path, formats, self.members(iri)), key=("document", iri), graph=graph)
        return self.serialized(iri, lambda: _description(graph, iri), extension)

    async def resource(self, request: Request) -> Response:
        """The page of an IRI outside our namespace that the graph describes (NOS concepts,
        source documents, classes of other vocabularies)."""
        from rdflib import URIRef

        iri = request.query_params.get("iri", "")
        graph = None
        if iri and self.graph is not None:
            graph = self.graph if pages.is_known(self.graph, URIRef(iri)) else None
        elif iri:
            graph = await self.page_graph(iri)
        if graph is None:
            return self.html(request, lambda site, path: pages.not_found_page(site, path, iri),
                             404)
        return self.html(request, lambda site, path: pages.resource_page(
            site, iri, f"{path}?iri={quote(iri, safe='')}", [], self.members(iri)),
            key=("resource", iri), graph=graph)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        if _prefers_html(request):
            return self.html(request, lambda site, path: pages.not_found_page(
                site, path, str(request.url.path)), 404)
        return _text(404, "nothing here; see / for what this server offers", negotiated=True)

    async def client_gone(self, request: Request, exc: Exception) -> Response:
        """The client closed the connection before its request was in (one line, no trace:
        this is the client's doing, not a fault of the server)."""
        log.info("the client went away while sending %s %s", request.method, request.url.path)
        return Response(status_code=400)  # nobody reads it

    async def internal_error(self, request: Request, exc: Exception) -> Response:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return PlainTextResponse(GENERIC_ERROR, 500)


# Pages and documents kept ready, the most recently made ones.
CACHED_DOCUMENTS = 2048
CACHED_PAGE_GRAPHS = 256
_UNREAD = object()  # a page graph the workers could not read
# The mark page_graph puts on the IRIs the store describes; only the pages see it.
DESCRIBED = "urn:segur-kg:page:described"


class _Recent(dict):
    """A dict that keeps only its `size` most recently added entries."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        while len(self) > self.size:
            del self[next(iter(self))]


def _result_iris(body: bytes) -> list[str]:
    """The IRIs of a SELECT answer (SPARQL JSON) that a page shows."""
    import json

    document = json.loads(body)
    iris: set[str] = set()
    for binding in document.get("results", {}).get("bindings", [])[:pages.MAX_PAGE_ROWS]:
        iris.update(term["value"] for term in binding.values() if term.get("type") == "uri")
    return sorted(iris)


def _text(status: int, message: str, negotiated: bool = False) -> Response:
    """A plain-text answer; `negotiated` when a browser would have got a page instead."""
    return PlainTextResponse(message + "\n", status,
                             headers={"Vary": VARY} if negotiated else None)


def _refuse_update() -> Response:
    return PlainTextResponse("this endpoint is read-only: SPARQL Update is not accepted; "
                             "send a query (SELECT, ASK, CONSTRUCT, DESCRIBE)\n", 403)


def _not_acceptable(types: Any) -> Response:
    return PlainTextResponse(
        f"none of the offered types is acceptable; ask for one of: {', '.join(types)}\n", 406,
        headers={"Vary": "Accept"})


def _prefers_html(request: Request) -> bool:
    try:
        _, key = protocol.negotiate(request.headers.get("accept"),
                                    [("text/plain", "text"), ("text/html", "html")])
    except protocol.NotAcceptable:
        return False
    return key == "html"


def _description(graph: Graph, iri: str) -> Graph:
    """What the graph says about `iri` (with the blank nodes it points to) and what points
    to it."""
    from rdflib import BNode, URIRef

    from segur_kg.rdf.namespaces import new_graph

    node = URIRef(iri)
    out = new_graph()
    for prefix, namespace in graph.namespaces():  # void:, spdx: of the description
        out.bind(prefix, namespace, override=False)
    pending: list[Any] = [node]
    seen: set[Any] = set()
    while pending:
        subject = pending.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for triple in graph.triples((subject, None, None)):
            out.add(triple)
            if isinstance(triple[2], BNode):
                pending.append(triple[2])
    for triple in graph.triples((None, None, node)):
        out.add(triple)
    return out


def _void(counts: Graph, base: str) -> Graph:
    from rdflib import URIRef

    from segur_kg.publishing.describe import DATASET_IRI, VOID, describe

    description = describe(None, counts=counts, standalone=True)
    dataset = URIRef(DATASET_IRI)
    description.add((dataset, URIRef(VOID + "sparqlEndpoint"), URIRef(base + "sparql")))
    description.add((dataset, URIRef(VOID + "dataDump"),
                     URIRef(base + "rdf-graph-store?default")))
    description.add((dataset, URIRef(VOID + "rootResource"), URIRef(f"{base}id/actor/ans")))
    return description


def _catalogue(graph: Graph, void: Graph) -> Graph:
    """The description, with the labels the served graph gives the terms it names (classes,
    properties, schemes), so that its pages show names rather than addresses."""
    from rdflib import RDFS, SKOS, URIRef

    from segur_kg.rdf.namespaces import new_graph

    out = new_graph()
    for prefix, namespace in void.namespaces():
        out.bind(prefix, namespace, override=False)
    out += void
    named = {term for triple in void for term in triple if isinstance(term, URIRef)}
    for term in named:
        for predicate in (RDFS.label, SKOS.prefLabel):
            for value in graph.objects(term, predicate):
                out.add((term, predicate, value))
    return out


def _service_description(triples: int, base: str) -> Graph:
    from rdflib import RDF, XSD, BNode, Literal, Namespace, URIRef

    from segur_kg.publishing.describe import DATASET_IRI, VOID
    from segur_kg.rdf.namespaces import new_graph

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    out = new_graph()
    out.bind("sd", sd)
    out.bind("void", VOID)
    service = URIRef(base + "sparql")
    out.add((service, RDF.type, sd.Service))
    out.add((service, sd.endpoint, service))
    out.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        out.add((service, sd.resultFormat, formats[name]))
    dataset, default = BNode("dataset"), BNode("default")
    out.add((service, sd.defaultDataset, dataset))
    out.add((dataset, RDF.type, sd.Dataset))
    out.add((dataset, sd.defaultGraph, default))
    out.add((default, RDF.type, sd.Graph))
    out.add((default, URIRef(VOID + "triples"), Literal(triples, datatype=XSD.integer)))
    out.add((default, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
             URIRef(DATASET_IRI)))
    return out


class LimitRequestSize:
    """413 for a body over MAX_BODY_BYTES (declared or streamed), 414 for an over-long target."""

    def __init__(self, app: Any, max_body: int = MAX_BODY_BYTES,
                 max_target: int = MAX_TARGET_BYTES) -> None:
        self.app = app
        self.max_body = max_body
        self.max_target = max_target

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        if target > self.max_target:
            await PlainTextResponse(f"the request address is longer than {self.max_target} "
                                    "bytes; send the query with POST\n", 414)(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit()
                                              or int(value) > self.max_body):
                await _too_large(self.max_body)(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def watched_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if started:
                raise
            await _too_large(self.max_body)(scope, receive, send)


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> Response:
    return PlainTextResponse(f"the request body is larger than {limit} bytes; "
                             "send a shorter query\n", 413)


def security_headers(base: str) -> list[tuple[bytes, bytes]]:
    """The headers every answer gets. Pages use no script and no other resource, only their
    inline stylesheet (allowed by its hash); forms go to `base`, which may be another origin
    (--base-iri)."""
    parts = urlsplit(base)
    policy = (f"default-src 'none'; style-src {pages.style_source()}; img-src 'self'; "
              f"frame-ancestors 'none'; base-uri 'none'; "
              f"form-action 'self' {parts.scheme}://{parts.netloc}")
    headers = {"Content-Security-Policy": policy, **OTHER_SECURITY_HEADERS}
    return [(name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()]


class Guard:
    """The outermost layer: security headers on every answer (also the 500s that Starlette
    writes itself), a cap on requests answered at once, and one log line rather than a trace
    for a request that is cancelled: by the connection when its client goes away (see
    GuardedH11Protocol), or by uvicorn when it stops."""

    def __init__(self, app: Any, headers: list[tuple[bytes, bytes]],
                 max_requests: int = MAX_REQUESTS) -> None:
        self.app = app
        self.headers = headers
        self.max_requests = max_requests
        self.active = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def secured_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        names = {name.lower() for name, _ in scope.get("headers", [])}
        if b"transfer-encoding" in names and b"content-length" in names:
            response = _text(400, "a request may not have both Transfer-Encoding and "
                                  "Content-Length; send one of them")
            response.headers["Connection"] = "close"
            await response(scope, receive, secured_send)
            return
        if self.active >= self.max_requests:
            await _text(503, "the server is answering too many requests; try again shortly")(
                scope, receive, secured_send)
            return
        self.active += 1
        scope[TASK] = asyncio.current_task()  # the connection cancels it if the client goes
        try:
            await self.app(scope, receive, secured_send)
        except asyncio.CancelledError:
            if scope.get(GONE):  # the connection has logged it
                return
            log.warning("%s %s was cancelled before its answer (the server is stopping)",
                        scope["method"], scope["path"])
            if not started:
                await _text(503, "the server is stopping; try again shortly")(
                    scope, receive, secured_send)
        finally:
            self.active -= 1


def _raw_response(status: int, message: str) -> bytes:
    """An answer written straight to the connection, which is then closed."""
    body = (message + "\n").encode("utf-8")
    headers = {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body)),
               "Connection": "close", "Content-Security-Policy": STRICT_POLICY,
               **OTHER_SECURITY_HEADERS}
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the limits it lacks on clients that send slowly: a deadline
    for each request, and a cap per address on connections that have not sent their first
    request yet (see the module's docstring)."""

    opening: ClassVar[Counter[str]] = Counter()  # such connections, by client address

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline: asyncio.TimerHandle | None = None
        self.stalled: asyncio.TimerHandle | None = None  # the answer waits for the client
        self.counted: str | None = None  # the address this connection counts in `opening` for

    @property
    def address(self) -> str:
        return self.client[0] if self.client else ""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        address = self.address
        if self.opening[address] >= MAX_OPENING_PER_ADDRESS:
            log.info("refused a connection from %s: %d of its connections have not sent a "
                     "request yet", address, self.opening[address])
            self.close_with(503, "too many connections from your address have not sent their "
                                 "request yet; try again shortly")
            return
        self.opening[address] += 1
        self.counted = address
        self.watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.watch()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.stalled is None:
            self.stalled = self.loop.call_later(WRITE_TIMEOUT, self.abandon)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.stalled is not None:
            self.stalled.cancel()
            self.stalled = None

    def abandon(self) -> None:
        self.stalled = None
        log.info("dropped a connection from %s: it read none of its answer for %g s",
                 self.address or "?", WRITE_TIMEOUT)
        self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_counting()
        for timer in (self.deadline, self.stalled):
            if timer is not None:
                timer.cancel()
        self.deadline = self.stalled = None
        self.stop_request()
        super().connection_lost(exc)

    def stop_request(self) -> None:
        """The client is gone: stop the request it was waiting for, rather than keep a query
        worker busy for nobody (the pool kills a worker whose job is cancelled)."""
        cycle = self.cycle
        task = cycle.scope.get(TASK) if cycle is not None else None
        if task is None or task.done() or cycle.response_complete:
            return
        cycle.scope[GONE] = True
        what = f"{cycle.scope['method']} {cycle.scope['path']}"
        if cycle.more_body:  # also when the deadline cut it off: no warning for each
            log.info("the client went away while sending %s", what)
        else:
            log.warning("the client went away before the answer to %s; it was stopped", what)
        task.cancel()

    def send_400_response(self, msg: str) -> None:
        # uvicorn's own answer to a malformed request, with the security headers.
        self.close_with(400, msg)

    def watch(self) -> None:
        """Run the clock while the client owes a request (its head or its body), from the
        moment it started to owe it; stop it otherwise."""
        owes = self.conn.their_state in (h11.IDLE, h11.SEND_BODY)
        if not owes:
            self.stop_counting()
        owed = owes and not self.transport.is_closing()
        if owed and self.deadline is None:
            self.deadline = self.loop.call_later(REQUEST_TIMEOUT, self.expire)
        elif not owed and self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def expire(self) -> None:
        self.deadline = None
        log.info("closed a connection from %s: its request took more than %g s",
                 self.address or "?", REQUEST_TIMEOUT)
        # An application still reading the body sees the client go away.
        self.close_with(408, f"the request took more than {REQUEST_TIMEOUT:g} s to arrive")

    def close_with(self, status: int, message: str) -> None:
        """Answer `status`, unless an answer to this request is already under way, and close."""
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.write(_raw_response(status, message))
        self.transport.close()

    def stop_counting(self) -> None:
        """It no longer counts as opening: its first request is in, or it is gone."""
        if self.counted is not None:
            self.opening[self.counted] -= 1
            if not self.opening[self.counted]:
                del self.opening[self.counted]
            self.counted = None


def build_app(server: Server) -> Guard:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # noqa: ANN202
        server.pool.start()
        links = f"; links point to {server.base}" if server.base != server.local else ""
        print(f"segur-kg: serving {server.triples} triples at {server.local} "
              f"(SPARQL endpoint {server.local}sparql{links}); press Ctrl-C to stop",
              flush=True)
        try:
            yield
        finally:
            server.pool.stop()
            if server.dump_folder is not None:
                shutil.rmtree(server.dump_folder, ignore_errors=True)

    routes = [
        Route("/", server.home),
        Route("/query", server.query_page),
        Route("/sparql", server.sparql, methods=["GET", "POST"]),
        Route("/rdf-graph-store", server.graph_store),
        Route("/.well-known/void", server.void_description),
        Route("/resource", server.resource),
        Route("/def", server.dereference),
        Route("/def.{extension}", server.dereference),
        Route("/def/{rest:path}", server.dereference),
        Route("/id/{rest:path}", server.dereference),
    ]
    middleware = [
        Middleware(LimitRequestSize),
        Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                   allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                   allow_headers=["Accept", "Accept-Language", "Content-Type"],
                   expose_headers=["X-Segur-Truncated", "Location", "Vary"], max_age=3600),
    ]
    app = Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan,
        exception_handlers={404: server.not_found, ClientDisconnect: server.client_gone,
                            500: server.internal_error, Exception: server.internal_error},
    )
    app.router.redirect_slashes = False  # its redirect would echo the Host header
    return Guard(app, security_headers(server.base))
