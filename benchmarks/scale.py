"""Scale benchmark of the stores (a script, not a test).

For each size (the base graph alone, then the base graph plus a synthetic extension of about
100k, 1M, 10M triples made by `segur-kg synth`) and each store (memory = rdflib, oxigraph =
embedded Oxigraph, sparql = a real `oxigraph serve` on loopback), one child process measures,
side by side: loading, the closure (`infer`), every competency question (median of --repeat
runs, asserted; once more on the closure), the extension's queries (benchmarks/queries/),
SHACL validation, the N-Triples export and its peak memory. The cold start of
`segur-kg query who-oversees-what` is measured first. Prints Markdown tables, and writes them
and the raw figures (JSON) with --output.

    .venv/bin/python benchmarks/scale.py --sizes base,100k,1M --stores memory,oxigraph,sparql
        [--repeat 3] [--seed 1] [--skip memory@10M] [--output benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OXIGRAPH_SERVER = Path(sys.executable).parent / "oxigraph"
COLD_QUERY = "who-oversees-what"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="base,100k,1M")
    parser.add_argument("--stores", default="memory,oxigraph,sparql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", default="", help="size@store pairs not to run, e.g. memory@10M")
    parser.add_argument("--no-validate", default="",
                        help="sizes at which validation is not run, e.g. 10M")
    parser.add_argument("--query-timeout", type=float, default=300.0)
    parser.add_argument("--output", type=Path, help="folder for results.md and results.json")
    parser.add_argument("--child", nargs=4, metavar=("SIZE", "STORE", "FILE", "WORKDIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args, *args.child)

    workdir = Path(tempfile.mkdtemp(prefix="segur-bench-"))
    env = dict(os.environ, SEGUR_KG_CACHE_DIR=str(workdir / "cache"))
    skip = {tuple(pair.split("@")) for pair in args.skip.split(",") if pair}
    results: dict[str, Any] = {"machine": machine(), "cold": cold_start(env), "runs": []}
    print(f"cold start of `segur-kg query {COLD_QUERY}`: median "
          f"{results['cold']['median_s']:.3f} s", file=sys.stderr)
    try:
        for size in args.sizes.split(","):
            extension = make_extension(size, args.seed, workdir, env)
            for store in args.stores.split(","):
                if (store, size) in skip:
                    continue
                print(f"-- {size} / {store}", file=sys.stderr)
                results["runs"].append(run_child(args, size, store, extension, workdir, env))
            if extension:
                extension.unlink()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = render(results)
    print(report)
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        (args.output / "results.md").write_text(report, encoding="utf-8")
        (args.output / "results.json").write_text(
            json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


# --- the parent: sizes, children, report --------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        memory_kb = int(info.readline().split()[1])
    from importlib.metadata import version

    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 2**20),
            "python": platform.python_version(), "rdflib": version("rdflib"),
            "pyoxigraph": version("pyoxigraph"), "pyshacl": version("pyshacl")}


def cold_start(env: dict[str, str], runs: int = 10) -> dict[str, Any]:
    command = [str(Path(sys.executable).parent / "segur-kg"), "query", COLD_QUERY]
    subprocess.run(command, env=env, check=True, capture_output=True)  # fills the cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": runs}


def make_extension(size: str, seed: int, workdir: Path, env: dict[str, str]) -> Path | None:
    if size == "base":
        return None
    target = workdir / f"synth-{size}.nt"
    subprocess.run([str(Path(sys.executable).parent / "segur-kg"), "synth", "--scale", size,
                    "--seed", str(seed), "-o", str(target)], env=env, check=True)
    return target


def run_child(args: argparse.Namespace, size: str, store: str, extension: Path | None,
              workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--repeat", str(args.repeat),
               "--no-validate", args.no_validate, "--query-timeout", str(args.query_timeout),
               "--child", size, store, str(extension or "-"), str(workdir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    output = process.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        return {"size": size, "store": store, "error": f"exit status {status}"}
    run = json.loads(output)
    run["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
    return run


# --- a child: one size, one store ----------------------------------------------------------


def child(args: argparse.Namespace, size: str, kind: str, file: str, workdir: str) -> int:
    from segur_kg.querying import sparql
    from segur_kg.querying.catalog import list_queries, parse_header

    files = [] if file == "-" else [Path(file)]
    run: dict[str, Any] = {"size": size, "store": kind}
    server = None
    try:
        store, server = open_fresh(kind, Path(workdir), files)
        started = time.perf_counter()
        if kind == "memory":
            store.graph()  # rdflib parses the files: that is its load
        else:
            store.load(files)
        run["load_s"] = time.perf_counter() - started
        run["triples"] = store.count()
        run["load_rate"] = run["triples"] / run["load_s"]
        started = time.perf_counter()
        if kind == "memory":
            store.graph(infer=True)
        else:
            store.infer()
        run["infer_s"] = time.perf_counter() - started
        run["closure_triples"] = store.count(infer=True)

        questions = [(q.name, q.text, q.source, q.examples[0] if q.examples else {}, q)
                     for q in list_queries()]
        extension = [(path.stem, path.read_text(encoding="utf-8"), str(path), {},
                      parse_header(path.read_text(encoding="utf-8"), str(path), None))
                     for path in sorted((ROOT / "benchmarks" / "queries").glob("*.rq"))]
        for section, queries in (("questions", questions), ("extension", extension)):
            run[section] = {}
            for name, text, source, given, named in queries:
                prepared = sparql.prepare(text, source)
                bindings = sparql.bind_params(named, given)
                times = []
                rows = 0
                for _ in range(args.repeat):
                    began = time.perf_counter()
                    try:
                        result = store.query(text, prepared, bindings, False,
                                             args.query_timeout)
                    except sparql.QueryTimeout:  # counted as the limit, and flagged
                        times = [args.query_timeout]
                        run.setdefault("timeouts", []).append(f"{section}/{name}")
                        break
                    times.append(time.perf_counter() - began)
                    rows = len(result.rows)
                began = time.perf_counter()
                try:
                    store.query(text, prepared, bindings, True, args.query_timeout)
                    inferred = time.perf_counter() - began
                except sparql.QueryTimeout:
                    inferred = args.query_timeout
                run[section][name] = {"median_s": statistics.median(times), "rows": rows,
                                      "inferred_s": inferred}

        if size not in args.no_validate.split(","):
            run.update(measure_validation(store))
        from segur_kg.publishing.export import export

        started = time.perf_counter()
        data = export("nt", store=store)
        run["export_s"] = time.perf_counter() - started
        run["export_mb"] = round(len(data) / 2**20, 1)
        if server is not None:
            run["server_peak_rss_mb"] = server_peak_mb(server)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
    print(json.dumps(run))
    return 0


def measure_validation(store: Any) -> dict[str, Any]:
    from segur_kg.checking import validate

    started = time.perf_counter()
    if store.name == "memory":  # as a user would: the files with the dataset
        report = validate.validate_files(store.extra_files, "en", with_dataset=True)
    else:
        report = validate.validate_store(store, "en")
    return {"validate_s": time.perf_counter() - started,
            "violations": report.count("Violation"), "warnings": report.count("Warning")}


def open_fresh(kind: str, workdir: Path, files: list[Path]) -> tuple[Any, Any]:
    from segur_kg.stores import open_store

    if kind == "memory":
        return open_store("memory", extra_files=files), None
    target = workdir / f"store-{kind}"
    shutil.rmtree(target, ignore_errors=True)
    if kind == "oxigraph":
        return open_store(f"oxigraph:{target}", create=True), None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(OXIGRAPH_SERVER), "serve", "--location", str(target),
                               "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    base = f"http://127.0.0.1:{port}"
    return open_store(f"sparql:{base}/query", graph_store=f"{base}/store"), server


def server_peak_mb(server: subprocess.Popen) -> int:
    with open(f"/proc/{server.pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return 0


# --- the report ----------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python "
             f"{m['python']}, rdflib {m['rdflib']}, pyoxigraph {m['pyoxigraph']}, "
             f"pyshacl {m['pyshacl']}.", "",
             f"Cold start of `segur-kg query {COLD_QUERY}` (memory store, cache warm): median "
             f"{results['cold']['median_s']:.2f} s over {results['cold']['runs']} runs.", "",
             "| size | store | triples | load s | load triples/s | infer s | CQ median ms | "
             "CQ max ms | CQ inferred median ms | extension median ms | validate s | "
             "export s | peak RSS MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    notes: list[str] = []
    for run in results["runs"]:
        if "error" in run:
            lines.append(f"| {run['size']} | {run['store']} | {run['error']} |")
            continue
        questions = [q["median_s"] for q in run["questions"].values()]
        inferred = [q["inferred_s"] for q in run["questions"].values()]
        extension = [q["median_s"] for q in run["extension"].values()]
        if run.get("timeouts"):
            notes.append(f"{run['size']} / {run['store']}: stopped at the time limit "
                         f"(counted as the limit): {', '.join(run['timeouts'])}")
        peak = f"{run['peak_rss_mb']}"
        if "server_peak_rss_mb" in run:
            peak += f" + server {run['server_peak_rss_mb']}"
        validated = f"{run['validate_s']:.1f}" if "validate_s" in run else "not run"
        lines.append(
            f"| {run['size']} | {run['store']} | {run['triples']:,} | {run['load_s']:.2f} | "
            f"{run['load_rate']:,.0f} | {run['infer_s']:.2f} | "
            f"{1000 * statistics.median(questions):.1f} | {1000 * max(questions):.1f} | "
            f"{1000 * statistics.median(inferred):.1f} | "
            f"{1000 * statistics.median(extension):.1f} | {validated} | "
            f"{run['export_s']:.1f} | {peak} |")
    lines += [""] + [f"- {note}" for note in notes]
    lines += ["", "Oxigraph (embedded) against memory, per size: median over the competency "
              "questions of (memory time / Oxigraph time).", ""]
    by_key = {(run["size"], run["store"]): run for run in results["runs"] if "error" not in run}
    for size in dict.fromkeys(run["size"] for run in results["runs"]):
        memory, oxigraph = by_key.get((size, "memory")), by_key.get((size, "oxigraph"))
        if not memory or not oxigraph:
            continue
        ratios = [memory["questions"][name]["median_s"] / oxigraph["questions"][name]["median_s"]
                  for name in memory["questions"]]
        extension = [memory["extension"][name]["median_s"]
                     / oxigraph["extension"][name]["median_s"] for name in memory["extension"]]
        lines.append(f"- {size}: competency questions ×{statistics.median(ratios):.1f} "
                     f"(min ×{min(ratios):.1f}, max ×{max(ratios):.1f}); extension queries "
                     f"×{statistics.median(extension):.1f}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
