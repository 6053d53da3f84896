"""Load benchmark for `segur-kg serve` (a script, not a test).

Starts a server on a free loopback port, then N client threads send, for a fixed duration, a mix
of simple SELECTs, named competency questions and IRI dereferencing (303 + document), and
optionally one client that keeps sending a query that hits the timeout (--heavy) or one whose
memory grows past the ceiling (--hungry). Prints throughput, p50/p99 latency and errors per kind
of request.

    .venv/bin/python benchmarks/load.py --clients 32 --duration 60 [--heavy] [--hungry]
        [--workers N] [--max-memory SIZE] [--simple-only]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
from serving import start_server

ROOT = Path(__file__).resolve().parents[1]
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HUNGRY = ("SELECT * WHERE { ?s1 ?p1 ?o1 OPTIONAL { ?s0 ?p0 ?o0 OPTIONAL { ?s ?p ?o } } } "
          "LIMIT 1")
RESOURCES = ["actor/ans", "actor/dns", "service/pro-sante-connect", "wave/vague-2",
             "software/lgc-sf", "region/bretagne", "actor/ars-bretagne", "platform/mon-espace-sante"]


def start(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    return start_server("--workers", str(args.workers), "--timeout", str(args.timeout),
                        "--max-memory", args.max_memory)


def named_queries() -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from segur_kg.querying.catalog import list_queries

    # The fast questions without parameters (the benchmark measures the server, not rdflib).
    wanted = {"who-oversees-what", "core-services", "corridors", "platforms-and-audiences",
              "software-categories-by-wave", "timeline", "legal-forms"}
    return [query.text for query in list_queries() if query.name in wanted]


class Http:
    """One keep-alive connection of the standard library: much lighter than httpx, so that
    the clients, which share the machine's cores with the server, leave them to the server."""

    def __init__(self, base: str, timeout: float) -> None:
        parts = urlsplit(base)
        self.base_path = parts.path
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def request(self, method: str, target: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server closed is reopened once
            try:
                self.connection.request(method, target, body=body, headers=headers or {})
                response = self.connection.getresponse()
                payload = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def client(base: str, stop: float, named: list[str], seed: int, simple_only: bool,
           samples: dict[str, list[float]], errors: dict[str, int], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    http_client = Http(base, 60)
    root = http_client.base_path
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    while time.monotonic() < stop:
        draw = 0.0 if simple_only else rng.random()
        started = time.perf_counter()
        try:
            if draw < 0.5:
                kind = "simple SELECT"
                iri = f"https://w3id.org/segur/id/{rng.choice(RESOURCES)}"
                query = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 50"
                status, _, body = http_client.request(
                    "GET", root + "sparql?" + urlencode({"query": query}),
                    headers={"Accept": "application/sparql-results+json"})
                ok = status == 200 and body.startswith(b'{"head"')
            elif draw < 0.75:
                kind = "named question"
                status, _, body = http_client.request(
                    "POST", root + "sparql", urlencode({"query": rng.choice(named)}).encode(),
                    form)
                ok = status == 200 and body.startswith(b'{"head"')
            else:
                kind = "dereference (303 + doc)"
                accept = {"Accept": rng.choice(["text/turtle", "text/html",
                                                "application/ld+json"])}
                status, headers, _ = http_client.request(
                    "GET", root + "id/" + rng.choice(RESOURCES), headers=accept)
                ok = status == 303
                if ok:
                    location = urlsplit(headers["location"]).path
                    status, _, body = http_client.request("GET", location, headers=accept)
                    ok = status == 200 and len(body) > 0
        except (OSError, http.client.HTTPException):
            ok = False
            http_client = Http(base, 60)
        elapsed = time.perf_counter() - started
        with lock:
            samples[kind].append(elapsed)
            if not ok:
                errors[kind] += 1


def heavy_client(base: str, stop: float, outcomes: list[tuple[int, float]],
                 query: str = HEAVY) -> None:
    with httpx.Client(timeout=120) as session:
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = session.get(base + "sparql", params={"query": query}).status_code
            outcomes.append((status, time.perf_counter() - started))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, metavar="S")
    parser.add_argument("--workers", type=int, default=2, help="server query workers")
    parser.add_argument("--timeout", type=float, default=5.0, help="server query timeout")
    parser.add_argument("--simple-only", action="store_true",
                        help="every client sends only simple SELECTs (no named questions, "
                             "no dereferencing)")
    parser.add_argument("--heavy", action="store_true",
                        help="one more client keeps sending a query that hits the timeout")
    parser.add_argument("--hungry", action="store_true",
                        help="one more client keeps sending a query whose memory grows past "
                             "the ceiling")
    parser.add_argument("--max-memory", default="512M", help="server memory ceiling per query")
    args = parser.parse_args()

    process, base = start(args)
    named = named_queries()
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    heavy: list[tuple[int, float]] = []
    hungry: list[tuple[int, float]] = []
    try:
        httpx.get(base + "sparql", params={"query": "ASK {}"})  # warm up
        stop = time.monotonic() + args.duration
        threads = [threading.Thread(target=client, args=(base, stop, named, seed, args.simple_only, samples,
                                                         errors, lock))
                   for seed in range(args.clients)]
        if args.heavy:
            threads.append(threading.Thread(target=heavy_client, args=(base, stop, heavy)))
        if args.hungry:
            threads.append(threading.Thread(target=heavy_client,
                                            args=(base, stop, hungry, HUNGRY)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        process.terminate()
        process.wait(15)

    print(f"{args.clients} clients, {args.duration:g} s, {args.workers} workers, "
          f"{os.cpu_count()} CPUs{', simple SELECTs only' if args.simple_only else ''}"
          f"{', plus 1 client running a query that times out' if args.heavy else ''}"
          f"{', plus 1 client running a query past the memory ceiling' if args.hungry else ''}"
          f"{f' (--max-memory {args.max_memory})' if args.hungry else ''}")
    header = f"| {'request':<24} | {'count':>6} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} |"
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    everything: list[float] = []
    for kind in sorted(samples):
        values = samples[kind]
        everything += values
        print(f"| {kind:<24} | {len(values):>6} | {len(values) / args.duration:>7.1f} | "
              f"{percentile(values, 0.5) * 1000:>7.1f} | {percentile(values, 0.99) * 1000:>7.1f} | "
              f"{errors[kind]:>6} |")
    print(f"| {'all':<24} | {len(everything):>6} | {len(everything) / args.duration:>7.1f} | "
          f"{percentile(everything, 0.5) * 1000:>7.1f} | {percentile(everything, 0.99) * 1000:>7.1f} | "
          f"{sum(errors.values()):>6} |")
    if args.heavy:
        statuses = sorted({status for status, _ in heavy})
        longest = max((seconds for _, seconds in heavy), default=0.0)
        print(f"timeout query: {len(heavy)} sent, statuses {statuses}, "
              f"each stopped after at most {longest:.2f} s (median "
              f"{statistics.median(s for _, s in heavy) if heavy else 0:.2f} s)")

    if args.hungry:
        statuses = sorted({status for status, _ in hungry})
        print(f"memory-hungry query: {len(hungry)} sent, statuses {statuses}, median answer "
              f"{statistics.median(s for _, s in hungry) if hungry else 0:.2f} s")


if __name__ == "__main__":
    main()
