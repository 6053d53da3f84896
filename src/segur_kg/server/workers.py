"""Run untrusted queries in worker processes, and kill the ones that run too long.

Queries are checked (segur_kg.server.safety) and then evaluated by pyoxigraph on an in-memory
copy of the graph: its parser and evaluator are compiled code, tens of times faster than
rdflib's. Neither engine can be interrupted from outside its thread, and a SIGALRM inside the
process can be swallowed by a bare `except` or wait on compiled code, so the only reliable time
limit is the end of the process. The workers are forked from the server after the graph and the
store are loaded (copy-on-write: no reload). The server gives each job to an idle worker, and
the event loop tells it when the answer is on the pipe, so it never blocks waiting. A worker
that overruns the timeout (or whose client gave up) is killed with SIGKILL and a fresh one
forked in its place, so the other workers keep answering meanwhile.

Each worker confines itself as soon as it starts (segur_kg.querying.confinement): it holds none of the
server's sockets, cannot open a network connection, evaluates on a large stack, and has a memory
ceiling. A query past the ceiling makes its worker fail an allocation: the client gets 503 and
the worker is replaced.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import os
import re
import signal
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from segur_kg.common.errors import SegurKgError, one_line
from segur_kg.querying import confinement
from segur_kg.server import protocol, safety

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from rdflib import Graph

log = logging.getLogger("segur_kg.server")
_CONTEXT = multiprocessing.get_context("fork")
_DESCRIBE = re.compile(r"\bDESCRIBE\b", re.IGNORECASE)


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # SELECT, ASK, CONSTRUCT, DESCRIBE when a query ran


class Busy(Exception):
    """No worker became free in time."""


class Overrun(Exception):
    """The job ran past the timeout and its worker was killed."""


def error(status: int, message: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def load_store(graph: Graph) -> Any:
    """An in-memory pyoxigraph store holding the triples of `graph` (in its default graph).

    Built in the server before the workers fork, so each worker starts with it at no cost;
    adding triples one by one spawns no thread, which keeps the fork safe."""
    from pyoxigraph import Quad, Store

    from segur_kg.rdf.terms import to_oxigraph as term

    store = Store()
    store.extend([Quad(term(s), term(p), term(o)) for s, p, o in graph])
    return store


MAX_ANSWER_BYTES = 32 * 1024 * 1024  # an answer held for a client that may read it slowly


def memory_error(ceiling: int) -> Reply:
    reply = error(503, confinement.MemoryCeiling(ceiling).message)
    reply.kind = "memory"  # its worker is replaced
    return reply


def execute(graph: Graph, store: Any, job: dict[str, Any],
            ceiling: int = confinement.DEFAULT_MAX_MEMORY) -> Reply:
    """Do one job; never raises (an unexpected error is logged and answered with a 500)."""
    try:
        if job["op"] == "query":
            return _query(store, job)
        if job["op"] == "page":
            return _page(store, job)
        if job["op"] == "dump":
            from segur_kg.rdf.serialize import serialize

            fmt = job["format"]
            return Reply(200, protocol.GRAPH_TYPES[fmt], serialize(graph, fmt))
        return error(400, f"unknown operation {job['op']!r}")
    except SegurKgError as exc:
        return error(400, exc.message)
    except protocol.NotAcceptable as exc:
        return error(406, f"none of the formats this answer can take is acceptable: {exc}; "
                          "change the Accept header or the format parameter")
    except MemoryError:
        return memory_error(ceiling)
    except PermissionError:  # the engine tried the network, which a worker cannot reach
        return error(403, confinement.NETWORK_REFUSED)
    except (RuntimeError, ValueError) as exc:  # the engine's word on what it cannot evaluate
        return error(400, f"query: the engine cannot evaluate it ({one_line(exc)}); "
                          "fix the query")
    except SyntaxError as exc:  # raised while reading the rows of a remote endpoint
        log.warning("the endpoint's answer could not be read: %s", one_line(exc))
        return error(502, "the SPARQL endpoint behind this server sent an answer that could not "
                          "be read; the problem was logged on the server")
    except OSError as exc:  # reading the store failed
        log.warning("the store could not be read: %s", one_line(exc))
        return error(503, "the store could not be read; try again later")
    except BaseException:  # also a Rust panic, which pyo3 raises as a BaseException
        log.exception("internal error while running %s", job.get("op"))
        return error(500, "internal server error; the problem was logged on the server")


def _query(store: Any, job: dict[str, Any]) -> Reply:
    from pyoxigraph import QueryBoolean, QuerySolutions

    from segur_kg.rdf.namespaces import QUERY_PREFIXES

    # Before any evaluation; the engine runs the very text that was checked.
    text = safety.check(job["text"])
    try:
        result = store.query(text, prefixes=QUERY_PREFIXES)
    except SyntaxError as exc:
        raise safety.explain_syntax_error(text, str(exc)) from None
    if isinstance(result, QueryBoolean):
        kind = "ASK"
    elif isinstance(result, QuerySolutions):
        kind = "SELECT"
    else:
        kind = "DESCRIBE" if _DESCRIBE.search(text) else "CONSTRUCT"
    fmt = job.get("format")
    if fmt == "html":  # the web layer draws the page from these
        fmt = "ttl" if kind in ("CONSTRUCT", "DESCRIBE") else "json"
    media_type, key = protocol.choose_format(kind, job.get("accept"), fmt)
    max_rows: int = job["max_rows"]
    headers: dict[str, str] = {}
    if kind == "ASK":
        body = protocol.encode_results(key, [], [], boolean=bool(result))
    elif kind == "SELECT":
        names = safety.star_order(text, [v.value for v in result.variables])
        # Solutions are produced lazily, so stopping at the cap also stops the work.
        rows = [tuple(solution[name] for name in names)
                for solution in itertools.islice(result, max_rows + 1)]
        if len(rows) > max_rows:
            rows = rows[:max_rows]
            headers["X-Segur-Truncated"] = f"max-rows={max_rows}"
        body = protocol.encode_results(key, names, rows)
    else:
        triples = _canonical_triples(result)
        if len(triples) > max_rows:
            # The same triples whatever the engine's order: the first ones in N-Triples order.
            triples = triples[:max_rows]
            headers["X-Segur-Truncated"] = f"max-rows={max_rows}"
        body = _serialize_triples(triples, key)
    if len(body) > MAX_ANSWER_BYTES:
        return error(400, f"query: the answer would be larger than "
                          f"{MAX_ANSWER_BYTES // (1024 * 1024)} MiB; ask for fewer rows "
                          "(LIMIT) or shorter values")
    if "charset" not in media_type and media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Reply(200, media_type, body, headers, kind)


# Statements shown on one page of a store-backed server, in each direction: a class of a
# national graph has millions of instances.
PAGE_STATEMENTS = 1000


def _page(store: Any, job: dict[str, Any]) -> Reply:
    """What a page or a document about one IRI needs, read from the store (a server that
    holds no copy of the graph): what the store says about the IRI (its statements, those of
    the blank nodes it points to, two levels down, and the statements pointing to it, at most
    PAGE_STATEMENTS each way), the labels of the IRIs these name (job "labels" adds more), and
    which of those IRIs the store describes. A JSON document of N-Triples texts and IRIs."""
    import json

    from pyoxigraph import NamedNode, RdfFormat, Triple, serialize

    from segur_kg.querying.sparql import LABELS_BATCH, labels_query

    limit = int(job.get("limit", PAGE_STATEMENTS))
    description: list[Any] = []
    named: set[str] = set(job.get("labels", []))
    if job.get("iri"):
        node = str(NamedNode(job["iri"]))  # a valid IRI, written as SPARQL reads it
        blank = "FILTER(isBlank(?s))"
        description = list(store.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ "
            f"{{ {{ SELECT ?p ?o WHERE {{ {node} ?p ?o }} LIMIT {limit} }} BIND({node} AS ?s) }} "
            f"UNION {{ {node} ?p1 ?s {blank} ?s ?p ?o }} "
            f"UNION {{ {node} ?p1 ?b1 FILTER(isBlank(?b1)) ?b1 ?p2 ?s {blank} ?s ?p ?o }} "
            f"UNION {{ {{ SELECT ?s ?p WHERE {{ ?s ?p {node} }} LIMIT {limit} }} "
            f"BIND({node} AS ?o) }} }}"))
        for triple in description:
            named.update(term.value for term in triple if isinstance(term, NamedNode))
        named.discard(job["iri"])
    labels: list[Any] = []
    described: list[str] = []
    iris = sorted(named)
    for start in range(0, len(iris), LABELS_BATCH):
        written = [str(NamedNode(iri)) for iri in iris[start:start + LABELS_BATCH]]
        labels += [Triple(*solution) for solution in store.query(labels_query(written))]
        described += [solution[0].value for solution in store.query(
            f"SELECT ?s WHERE {{ VALUES ?s {{ {' '.join(written)} }} "
            "FILTER EXISTS { ?s ?p ?o } }")]
    body = json.dumps({
        "description": serialize(description, format=RdfFormat.N_TRIPLES).decode("utf-8"),
        "labels": serialize(labels, format=RdfFormat.N_TRIPLES).decode("utf-8"),
        "described": sorted(described),
    }).encode("utf-8")
    return Reply(200, "application/json", body)


def _canonical_triples(answer: Any) -> list[Any]:
    """A CONSTRUCT or DESCRIBE answer with its blank nodes labelled by RDFC-1.0, sorted: the
    engine labels them afresh on every run."""
    from pyoxigraph import CanonicalizationAlgorithm, Dataset, DefaultGraph, Quad

    dataset = Dataset(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in answer)
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((quad.triple for quad in dataset), key=str)


def _serialize_triples(triples: list[Any], key: str) -> bytes:
    """A CONSTRUCT or DESCRIBE answer, through the project's byte-stable serializer."""
    from segur_kg.rdf.namespaces import new_graph
    from segur_kg.rdf.serialize import serialize
    from segur_kg.rdf.terms import to_rdflib as node

    graph = new_graph()
    for triple in triples:
        graph.add((node(triple.subject), node(triple.predicate), node(triple.object)))
    return serialize(graph, key)


def _worker_main(conn: Connection, graph: Graph, store: Any, ceiling: int,
                 network: bool) -> None:
    # Forked from a running event loop: forget its signal plumbing, so a signal sent to this
    # process never wakes (or stops) the server, and let the server alone handle Ctrl-C.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    reason = confinement.enter({conn.fileno()}, network)
    confinement.quiet_native_errors()
    if reason is not None:
        log.warning("query worker (pid %s) keeps network access: %s; SERVICE is refused by "
                    "the query check alone", os.getpid(), reason)
    confinement.on_large_stack(_serve_jobs, conn, graph, store, ceiling, max_memory=ceiling)


def _serve_jobs(conn: Connection, graph: Graph, store: Any, ceiling: int) -> None:
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the server went away
        conn.send(execute(graph, store, job, ceiling))


@dataclass(eq=False)  # kept in a set, by identity
class Worker:
    process: Any
    conn: Connection
    job: Job | None = None  # the job it is running


@dataclass(eq=False)
class Job:
    payload: dict[str, Any]
    future: asyncio.Future[Reply]
    timeout: float
    deadline: float  # loop time by which it must be answered, waiting for a worker included
    timer: asyncio.TimerHandle | None = None  # waiting for a worker, then running
    worker: Worker | None = None


class Pool:
    """A fixed number of worker processes, each running one job at a time.

    Jobs wait in one first-come, first-served line. The hand-over happens in the event loop's
    callback that reads a worker's answer: the worker gets the next job at once, without
    waiting for the requests' coroutines to be scheduled, and no newcomer can pass a job that
    was already waiting (a long tail of latency under load otherwise)."""

    def __init__(self, graph: Graph, size: int, engine: Any = None,
                 max_memory: int | None = None, network: bool = False) -> None:
        """`engine` answers queries like a pyoxigraph Store (the store given with --store);
        by default the workers query an in-memory copy of `graph`. `max_memory`: the bytes a
        query may add to its worker; `network`: whether workers keep network access (only to
        forward queries to a remote endpoint)."""
        self.graph = graph
        self.store = engine if engine is not None else load_store(graph)
        self.size = size
        self.max_memory = max_memory or confinement.DEFAULT_MAX_MEMORY
        self.network = network
        self.killed = 0
        self._idle: deque[Worker] = deque()
        self._waiting: deque[Job] = deque()
        self._all: set[Worker] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for _ in range(self.size):
            self._idle.append(self._spawn())

    def _spawn(self) -> Worker:
        assert self._loop is not None
        parent, child = _CONTEXT.Pipe(duplex=True)
        process = _CONTEXT.Process(
            target=_worker_main, daemon=True,
            args=(child, self.graph, self.store, self.max_memory, self.network))
        process.start()
        child.close()
        worker = Worker(process, parent)
        self._all.add(worker)
        self._loop.add_reader(parent.fileno(), self._answered, worker)
        # uvloop makes a watched descriptor non-blocking; an answer larger than the pipe's
        # buffer must still be read whole once it starts arriving.
        os.set_blocking(parent.fileno(), True)
        return worker

    def _replace(self, worker: Worker) -> None:
        """Kill `worker` (it may be busy) and put a fresh one in its place."""
        self.killed += 1
        self._discard(worker)
        self._add_worker()

    def _add_worker(self) -> None:
        """Fork a worker; if the system refuses (no memory, too many processes), try again in
        a second rather than serve with one worker fewer for good."""
        assert self._loop is not None
        if self._stopped:
            return
        try:
            self._idle.append(self._spawn())
        except OSError as exc:
            log.error("cannot start a query worker (%s); trying again in 1 s", exc)
            self._loop.call_later(1.0, self._add_worker)
            return
        self._dispatch()

    def _discard(self, worker: Worker) -> None:
        assert self._loop is not None
        self._all.discard(worker)
        worker.job = None
        self._loop.remove_reader(worker.conn.fileno())
        if worker.process.is_alive():
            os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(1)
        worker.conn.close()

    def stop(self) -> None:
        self._stopped = True
        for worker in list(self._all):
            self._discard(worker)
        while self._waiting:
            job = self._waiting.popleft()
            _settle(job, exception=Busy())

    async def run(self, payload: dict[str, Any], timeout: float) -> Reply:
        """The worker's reply; Busy if none is free within `timeout`, Overrun if the answer is
        not ready `timeout` seconds after the job arrived (its worker is then killed and
        replaced): a client never waits much longer than `timeout`."""
        loop = asyncio.get_running_loop()
        job = Job(payload, loop.create_future(), timeout, loop.time() + timeout)
        job.timer = loop.call_later(timeout, self._expire, job)
        self._waiting.append(job)
        self._dispatch()
        try:
            return await job.future
        except asyncio.CancelledError:
            # The client went away: forget the job, and kill its worker if it is running it
            # (it cannot be reused while it may still be busy).
            if job.timer is not None:
                job.timer.cancel()
            if job.worker is not None and job.worker.job is job:
                self._replace(job.worker)
            elif job in self._waiting:
                self._waiting.remove(job)
            raise

    def _dispatch(self) -> None:
        """Give waiting jobs to idle workers, oldest job first."""
        assert self._loop is not None
        while self._idle and self._waiting:
            job = self._waiting.popleft()
            worker = self._idle.popleft()
            if job.timer is not None:
                job.timer.cancel()
            try:
                worker.conn.send(job.payload)
            except OSError:
                log.error("worker (pid %s) died while idle", worker.process.pid)
                self._waiting.appendleft(job)
                job.timer = self._loop.call_later(self._left(job), self._expire, job)
                self._replace(worker)
                return
            worker.job, job.worker = job, worker
            job.timer = self._loop.call_later(self._left(job), self._overrun, job)

    def _left(self, job: Job) -> float:
        assert self._loop is not None
        return max(job.deadline - self._loop.time(), 0.0)

    def _answered(self, worker: Worker) -> None:
        """The worker's pipe is readable: its answer, or the end of a dead worker."""
        job, worker.job = worker.job, None
        try:
            reply = worker.conn.recv()
        except (EOFError, OSError):
            if job is not None:
                worker.process.join(1)
                if worker.process.exitcode == -signal.SIGABRT:
                    # Compiled code aborts when an allocation fails at the memory ceiling.
                    log.warning("a query reached the memory ceiling; its worker (pid %s) "
                                "was replaced", worker.process.pid)
                    _settle(job, reply=memory_error(self.max_memory))
                else:
                    log.error("worker (pid %s) died while running a job (exit code %s)",
                              worker.process.pid, worker.process.exitcode)
                    _settle(job, reply=error(500, "internal server error; the problem was "
                                                  "logged on the server"))
            else:  # e.g. a SIGTERM sent to the whole process group, the server's too
                log.info("worker (pid %s) exited while idle", worker.process.pid)
            self._replace(worker)
            return
        if job is not None:
            _settle(job, reply=reply)
        if reply.kind == "memory":  # past its memory ceiling: a fresh worker, a clean heap
            self._replace(worker)
            return
        self._idle.append(worker)
        self._dispatch()

    def _expire(self, job: Job) -> None:
        """No worker became free in time."""
        if job in self._waiting:
            self._waiting.remove(job)
        _settle(job, exception=Busy())

    def _overrun(self, job: Job) -> None:
        worker = job.worker
        if worker is None or worker.job is not job:
            return
        log.warning("a job was not done %g s after it arrived; its worker (pid %s) was killed",
                    job.timeout, worker.process.pid)
        _settle(job, exception=Overrun())
        self._replace(worker)


def _settle(job: Job, reply: Reply | None = None, exception: Exception | None = None) -> None:
    if job.timer is not None:
        job.timer.cancel()
    if job.future.done():
        return
    if exception is not None:
        job.future.set_exception(exception)
    else:
        job.future.set_result(reply)
