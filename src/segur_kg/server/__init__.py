"""`segur-kg serve`: a read-only linked-data server over the knowledge graph.

app.py holds the routes, protocol.py content negotiation and result formats, workers.py the
processes that run queries under a time limit, pages.py and templates/ the HTML pages.
"""

from __future__ import annotations

import logging
import socket
from contextlib import ExitStack
from typing import Any

from segur_kg.common.errors import SegurKgError
from segur_kg.server.app import MAX_TARGET_BYTES, GuardedH11Protocol, Server, Settings, build_app

__all__ = ["Settings", "serve"]


def check(settings: Settings) -> None:
    """Refuse unusable options before the slow start-up."""
    if not 0 <= settings.port <= 65535:
        raise SegurKgError(f"--port {settings.port} is not a port number; give 0 to 65535")
    if not settings.timeout > 0:
        raise SegurKgError(f"--timeout {settings.timeout:g} must be more than 0 seconds: "
                           "a server always stops long queries")
    if settings.max_rows < 1:
        raise SegurKgError(f"--max-rows {settings.max_rows} must be at least 1")
    if settings.workers < 1:
        raise SegurKgError(f"--workers {settings.workers} must be at least 1")
    base = settings.base_iri
    if base is not None and (not base.startswith(("http://", "https://"))
                             or any(c in base for c in ' <>"{}|\\^`?#')
                             or any(c < "!" or c == "\x7f" for c in base)
                             or "@" in base.split("/", 3)[2]):
        raise SegurKgError(f"--base-iri {base!r} is not an http(s) IRI without spaces, control "
                           "characters, user name, query or fragment; give e.g. "
                           "https://w3id.org/segur/")


def listen(host: str, port: int) -> socket.socket:
    """Bind first, so the printed address is the real one (also with --port 0)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(512)
    except OSError as exc:
        raise SegurKgError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                           "choose another --host or --port") from None
    sock.set_inheritable(True)
    return sock


def _named(counts: Any) -> list[Any]:
    """The IRIs the dataset's description names (classes, properties, schemes, pages…)."""
    from rdflib import URIRef

    from segur_kg.publishing.describe import describe

    description = describe(None, counts=counts, standalone=True)
    return sorted({term for triple in description for term in triple
                   if isinstance(term, URIRef)}, key=str)


def serve(settings: Settings) -> None:
    import uvicorn

    check(settings)
    sock = listen(settings.host, settings.port)
    logging.basicConfig(level=logging.WARNING, format="segur-kg: %(levelname)s: %(message)s")
    from segur_kg.stores import open_store

    # The memory store's pages are drawn from its graph. A store is never copied: the server
    # keeps its counts and the labels of the terms they name, and reads each page from it.
    graph = counts = labels = None
    holding = ExitStack()
    with open_store(settings.store) as store:
        holding.enter_context(store.in_use())
        if store.in_memory:
            graph = store.graph(settings.infer)
        else:
            counts = store.counts(settings.infer)
            labels = store.labels(_named(counts), settings.infer)
        engine = store.engine(settings.infer)
    port = sock.getsockname()[1]
    server = Server(settings, graph, settings.base(port), settings.local(port), engine,
                    counts, labels)
    config = uvicorn.Config(
        build_app(server), log_level="warning", access_log=False, server_header=False,
        # h11 even when httptools is installed: it caps the request head (httptools does not);
        # ours adds a deadline per request and caps slow connections (see app.py).
        http=GuardedH11Protocol, h11_max_incomplete_event_size=2 * MAX_TARGET_BYTES,
        timeout_graceful_shutdown=2,
        # No limit_concurrency: it counts connections still sending their request, so slow
        # clients could starve real requests; the app caps requests being answered instead.
    )
    with holding:
        uvicorn.Server(config).run(sockets=[sock])
