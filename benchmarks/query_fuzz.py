"""Fuzz `segur-kg serve` with mutated and structural queries (a script; the test suite runs a
short seeded run of the same generator in tests/test_query_fuzz.py).

Starts a server and a listener on loopback, then sends N queries built from the competency
questions: random mutations (escapes, quotes, brackets, comments, SERVICE and FROM clauses aimed
at the listener, case, deletions, duplications) and structural attacks (deep nesting, cartesian
products, memory bombs, CONCAT doubling, SERVICE hidden behind escapes, blank-node CONSTRUCTs).
Reports status codes, connections seen by the listener, peak worker memory, and hangs (answers
later than the server's timeout + 5 s). Every address used is 127.0.0.1.

    .venv/bin/python benchmarks/query_fuzz.py --count 10000 [--seed 0] [--clients 4]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from serving import start_server

ROOT = Path(__file__).resolve().parents[1]
HANG_MARGIN = 5.0

TOKENS = ["{", "}", "(", ")", "[", "]", "!", '"', "'", '"""', "'''", "#", "\n", "\\", "<", ">",
          "\\u0022", "\\U00000022", "\\u0027", "\\u005C", "\\u0023", "\\u000A", "\\uD800",
          "\\u0000", "\x00", "\ud7ff", "é", "OPTIONAL { ?a ?b ?c }", "?s ?p ?o .", "UNION",
          "FILTER(", "BIND(", "SELECT * WHERE", "LIMIT 1", "ORDER BY ?s", "GROUP BY ?s",
          "<javascript:alert(1)>", "<file:///etc/passwd>", "LOAD <http://127.0.0.1:9/>",
          "INSERT DATA { <a:b> <a:b> <a:b> }", "DESCRIBE ?s", "VALUES ?v { 1 2 }", "a"]


def service_attacks(url: str) -> list[str]:
    quotes = [('"', "\\u0022"), ('"', "\\U00000022"), ("'", "\\u0027"), ("'", "\\U00000027")]
    texts = [f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
             f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
             f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
             f"SELECT * WHERE {{ SERVIC\\u0045 <{url}> {{ ?s ?p ?o }} }}"]
    for quote, escape in quotes:
        texts.append(f"SELECT * WHERE {{ BIND({quote}{escape} AS ?x) }} #{quote} AS ?y) "
                     f"SERVICE <{url}> {{ ?s ?p ?o }} }}")
    return texts


def structural(rng: random.Random, url: str) -> str:
    depth = rng.choice([10, 150, 199, 201, 500, 2500, 5000])
    choices = [
        lambda: "SELECT * WHERE { BIND(" + "(" * depth + "1" + ")" * depth + " AS ?x) }",
        lambda: "SELECT * WHERE { BIND(" + "!" * depth + "true AS ?x) }",
        lambda: "SELECT * WHERE " + "{" * depth + "}" * depth,
        lambda: "SELECT * WHERE { " + "{ SELECT * WHERE " * depth + "{}" + " }" * depth + " }",
        lambda: "SELECT * WHERE { ?s1 ?p1 ?o1 OPTIONAL { ?s0 ?p0 ?o0 OPTIONAL { ?s ?p ?o } } }"
                " LIMIT 1",
        lambda: "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g LIMIT 1",
        lambda: "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        lambda: "SELECT ?x WHERE { BIND(\"ab\" AS ?x0) "
                + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(40))
                + " BIND(?x40 AS ?x) }",
        lambda: "CONSTRUCT { _:b <urn:p> ?o } WHERE { ?s ?p ?o } LIMIT " + str(rng.randint(1, 400)),
        lambda: rng.choice(service_attacks(url)),
        lambda: "SELECT ?x WHERE { BIND(IRI(\"" + rng.choice(
            ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:x", "data:text/html,x"])
                + "\") AS ?x) }",
    ]
    return rng.choice(choices)()


def mutate(rng: random.Random, text: str, url: str) -> str:
    for _ in range(rng.randint(1, 4)):
        where = rng.randint(0, len(text))
        action = rng.random()
        if action < 0.35:
            token = rng.choice(TOKENS + [f"SERVICE <{url}> {{ ?s ?p ?o }}", f"FROM <{url}>"])
            text = text[:where] + " " + token + " " + text[where:]
        elif action < 0.5 and text:
            index = rng.randrange(len(text))
            text = text[:index] + f"\\u{ord(text[index]) & 0xFFFF:04X}" + text[index + 1:]
        elif action < 0.65:
            end = min(len(text), where + rng.randint(1, 40))
            text = text[:where] + text[end:]
        elif action < 0.8:
            end = min(len(text), where + rng.randint(1, 200))
            text = text[:end] + text[where:end] * rng.randint(1, 5) + text[end:]
        elif action < 0.9:
            text = text.swapcase() if rng.random() < 0.2 else text.upper()
        else:
            text = text[:where] + chr(rng.randint(1, 0x2FF)) + text[where:]
    return text


def corpus() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted((ROOT / "queries").glob("*.rq"))]


def queries(count: int, seed: int, url: str) -> list[str]:
    rng = random.Random(seed)
    base = corpus()
    made = []
    for _ in range(count):
        if rng.random() < 0.35:
            made.append(structural(rng, url))
        else:
            made.append(mutate(rng, rng.choice(base), url))
    return made


class Listener:
    """Counts connections to a port on loopback: the goal is none."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.settimeout(0.2)
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.socket.close()


class MemoryWatch:
    """The peak resident memory of the server's worker processes, read from /proc."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.peak = 0
        self.idle = 0  # a worker's resident size before the first query
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopped.wait(0.02):
            try:
                children = Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children")
                pids = children.read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            size = int(line.split()[1]) * 1024
                            self.idle = self.idle or size
                            self.peak = max(self.peak, size)
                except OSError:
                    continue

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(2)


def send(base: str, texts: list[str], timeout: float, statuses: Counter, hangs: list[str],
         lock: threading.Lock) -> None:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout + 30)
    for text in texts:
        body = urlencode({"query": text}).encode("utf-8", "surrogatepass")
        started = time.monotonic()
        try:
            connection.request("POST", parts.path + "sparql", body=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as exc:
            status = f"no answer ({type(exc).__name__})"
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                    timeout=timeout + 30)
        elapsed = time.monotonic() - started
        with lock:
            statuses[status] += 1
            if elapsed > timeout + HANG_MARGIN:
                hangs.append(f"{elapsed:.1f} s: {text[:80]!r}")
    connection.close()


def run(count: int, seed: int, clients: int, timeout: float, max_memory: str,
        workers: int) -> dict:
    listener = Listener()
    log_file = tempfile.TemporaryFile("w+", encoding="utf-8")
    process, base = start_server("--timeout", str(timeout), "--max-memory", max_memory,
                                 "--workers", str(workers), log=log_file)
    watch = MemoryWatch(process.pid)
    statuses: Counter = Counter()
    hangs: list[str] = []
    lock = threading.Lock()
    texts = queries(count, seed, listener.url)
    started = time.monotonic()
    try:
        threads = [threading.Thread(target=send, args=(base, texts[i::clients], timeout,
                                                       statuses, hangs, lock))
                   for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        watch.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        listener.close()
        log_file.seek(0)
        log = log_file.read()
        log_file.close()
    return {"count": count, "seconds": time.monotonic() - started, "statuses": statuses,
            "connections": listener.connections, "peak_worker_bytes": watch.peak,
            "idle_worker_bytes": watch.idle,
            "hangs": hangs, "tracebacks": log.count("Traceback"), "log": log}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=5.0, help="server query timeout")
    parser.add_argument("--max-memory", default="512M", help="server memory ceiling per query")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    outcome = run(args.count, args.seed, args.clients, args.timeout, args.max_memory,
                  args.workers)
    print(f"{outcome['count']} queries (seed {args.seed}) in {outcome['seconds']:.0f} s, "
          f"{args.clients} clients, {args.workers} workers, timeout {args.timeout:g} s, "
          f"--max-memory {args.max_memory}, {os.cpu_count()} CPUs")
    print("| status | count |")
    print("|---|---|")
    for status, number in sorted(outcome["statuses"].items(), key=lambda item: str(item[0])):
        print(f"| {status} | {number} |")
    print(f"connections seen by the listener: {outcome['connections']}")
    print(f"peak resident memory of a worker: {outcome['peak_worker_bytes'] / 2**20:.0f} MiB "
          f"(idle: {outcome['idle_worker_bytes'] / 2**20:.0f} MiB, ceiling: idle + "
          f"{args.max_memory})")
    print(f"hangs beyond timeout + {HANG_MARGIN:g} s: {len(outcome['hangs'])}")
    for hang in outcome["hangs"][:10]:
        print(f"  {hang}")
    print(f"tracebacks in the server log: {outcome['tracebacks']}")
    if outcome["tracebacks"]:
        first = outcome["log"].index("Traceback")
        print(outcome["log"][max(0, first - 300):first + 3000])


if __name__ == "__main__":
    main()
