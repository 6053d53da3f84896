"""Slowloris benchmark for `segur-kg serve` (a script, not a test).

Starts a server on a free loopback port, then opens N slow connections that each send a request
head one header line every INTERVAL seconds, from the loopback source addresses 127.0.0.2,
127.0.0.3, … (ADDRESSES of them); a slow connection the server closes is opened again after
INTERVAL seconds. Meanwhile one normal client, from 127.0.0.1, sends a simple SELECT on a fresh
connection, one after another. Everything stays on loopback and stops after DURATION seconds.
Prints the normal client's success rate and latency, and what became of the slow connections.

    .venv/bin/python benchmarks/slowloris.py --slow 1000 --interval 5 --duration 30
        [--addresses 20] [--src OTHER_CHECKOUT/src]

--src runs the server from another copy of the package (e.g. the code before a change).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from serving import start_server

ROOT = Path(__file__).resolve().parents[1]
SIMPLE = "SELECT ?s WHERE { ?s a segur:Wave } ORDER BY ?s"


def start(args: argparse.Namespace, log: Any) -> tuple[subprocess.Popen, str]:
    return start_server("--workers", "2", "--timeout", "5", "--no-infer", log=log,
                        src=args.src)


class Slow:
    """What became of the slow connections."""

    def __init__(self) -> None:
        self.opened = 0
        self.failed_to_open = 0
        self.closed_by_server: list[float] = []  # seconds each one stayed open
        self.answers: Counter[str] = Counter()  # status line the server sent before closing
        self.open_now = 0
        self.most_open = 0


async def slow_connection(host: str, port: int, source: str, args: argparse.Namespace,
                          slow: Slow, stop: float) -> None:
    while time.monotonic() < stop:
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
        except OSError:
            slow.failed_to_open += 1
            await asyncio.sleep(args.interval)
            continue
        slow.opened += 1
        slow.open_now += 1
        slow.most_open = max(slow.most_open, slow.open_now)
        opened = time.monotonic()
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            line = 0
            while time.monotonic() < stop:
                try:
                    data = await asyncio.wait_for(reader.read(4096), args.interval)
                except TimeoutError:
                    line += 1
                    writer.write(f"X-Slow-{line}: x\r\n".encode())
                    continue
                slow.closed_by_server.append(time.monotonic() - opened)
                status = data.split(b"\r\n", 1)[0].decode("latin-1") if data else "(no answer)"
                slow.answers[status] += 1
                break
        except OSError:
            slow.closed_by_server.append(time.monotonic() - opened)
            slow.answers["(reset)"] += 1
        finally:
            slow.open_now -= 1
            writer.close()
        if time.monotonic() < stop:
            await asyncio.sleep(args.interval)


def normal_client(url: str, stop: float, results: list[tuple[str, float]]) -> None:
    parts = urlsplit(url)
    target = "/sparql?" + urlencode({"query": SIMPLE})
    while time.monotonic() < stop:
        started = time.monotonic()
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.request("GET", target, headers={"Accept": "text/csv"})
            response = connection.getresponse()
            response.read()
            outcome = str(response.status)
        except (OSError, http.client.HTTPException) as exc:
            outcome = type(exc).__name__
        finally:
            connection.close()
        results.append((outcome, time.monotonic() - started))
        time.sleep(0.05)


async def attack(url: str, args: argparse.Namespace) -> tuple[Slow, list[tuple[str, float]]]:
    parts = urlsplit(url)
    stop = time.monotonic() + args.duration
    slow = Slow()
    sources = [f"127.0.0.{2 + i}" for i in range(args.addresses)]
    tasks = []
    for i in range(args.slow):
        tasks.append(asyncio.create_task(slow_connection(
            parts.hostname or "127.0.0.1", parts.port or 80, sources[i % len(sources)], args,
            slow, stop)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # let the server accept them in batches
    results: list[tuple[str, float]] = []
    client = threading.Thread(target=normal_client, args=(url, stop, results))
    client.start()
    await asyncio.gather(*tasks)
    await asyncio.to_thread(client.join)
    return slow, results


def report(slow: Slow, results: list[tuple[str, float]], args: argparse.Namespace) -> None:
    outcomes = Counter(outcome for outcome, _ in results)
    ok = [seconds for outcome, seconds in results if outcome == "200"]
    print(f"{args.slow} slow connections from {args.addresses} address(es), one header line "
          f"every {args.interval:g} s, for {args.duration:g} s")
    rate = 100 * len(ok) / len(results) if results else 0.0
    print(f"normal client: {len(results)} requests, {rate:.1f} % answered 200 "
          f"({dict(outcomes)})")
    if ok:
        ok.sort()
        print(f"  latency of the answered ones: p50 {1000 * statistics.median(ok):.1f} ms, "
              f"p99 {1000 * ok[min(len(ok) - 1, int(0.99 * len(ok)))]:.1f} ms")
    print(f"slow connections: {slow.opened} opened ({slow.failed_to_open} attempts failed), "
          f"at most {slow.most_open} open at once, {len(slow.closed_by_server)} closed by "
          "the server")
    for status, count in slow.answers.most_common():
        print(f"  {count} closed after: {status}")
    if slow.closed_by_server:
        lifetimes = sorted(slow.closed_by_server)
        print(f"  time they stayed open: min {lifetimes[0]:.1f} s, median "
              f"{statistics.median(lifetimes):.1f} s, max {lifetimes[-1]:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=1000, help="slow connections")
    parser.add_argument("--interval", type=float, default=5.0,
                        help="seconds between two header lines of a slow connection")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds the run lasts")
    parser.add_argument("--addresses", type=int, default=1,
                        help="loopback source addresses the slow connections come from")
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the folder holding the segur_kg package to run")
    args = parser.parse_args()
    if not 1 <= args.addresses <= 250 or args.slow < 0 or args.duration > 600:
        parser.error("give 1 to 250 addresses, and at most 600 s")
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process, url = start(args, log)
        try:
            slow, results = asyncio.run(attack(url, args))
        finally:
            process.terminate()
            process.wait(15)
        log.seek(0)
        lines = log.read().splitlines()
    report(slow, results, args)
    print(f"server log: {len(lines)} lines, {sum('Traceback' in line for line in lines)} "
          "tracebacks")


if __name__ == "__main__":
    main()
