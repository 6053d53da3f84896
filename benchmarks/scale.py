"""Scale benchmark of the stores, side by side with the bare engine (a script, not a test).

For each size (the base graph alone, then the base graph plus a synthetic extension of about
100k, 1M, 10M… triples made by `segur-kg synth`) and each store (memory = rdflib, oxigraph =
embedded Oxigraph, sparql = a real `oxigraph serve` on loopback), it measures:

- the `segur-kg` commands a user runs, each as a subprocess with its wall time and the peak RSS
  of its process tree: `load`, `export --format nt` and `--format ttl`, `validate`, and `serve`
  (time from spawn to the first 200 answer of `GET /sparql?query=ASK{}`, and the summed RSS of
  the server and its workers right after it);
- in one child process per size and store: the closure (`infer`), every competency question
  (median of --repeat runs, through the Store API), once more on the closure, and the queries of
  benchmarks/queries/. The memory store, which no command can fill, also keeps its in-process
  load, validation and export there;
- the bare engine on the same triples (once per size; the sparql store is compared with the same
  figures): a subprocess `pyoxigraph.Store.bulk_load` of the base graph's N-Triples export plus
  the extension, `Store.dump` in N-Triples and Turtle, `pyshacl_turbo.validate` of the store
  against the project's shapes, `oxigraph serve-read-only`; and, in the same child as the
  competency questions, `Store.read_only(…).query` of the same bound text.

Each figure is shown next to the engine's, with the ratio (segur-kg / engine), and the targets
(load ≤ 1.3× bulk_load, validate ≤ 1.3× pyshacl-turbo alone, export at 1M ≤ 2× the dump and
≤ 500 MB, serve start and RSS at 1M ≤ 1.5× those at 100k) are marked met or missed. A command
that fails is reported as its error. Prints Markdown tables, and writes them and the raw figures
(JSON) with --output.

    .venv/bin/python benchmarks/scale.py --sizes base,100k,1M --stores memory,oxigraph,sparql
        [--repeat 3] [--seed 1] [--skip memory@10M] [--no-validate 10M] [--no-serve 10M]
        [--memory-up-to 1M] [--output benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SEGUR_KG = BIN / "segur-kg"
OXIGRAPH_SERVER = BIN / "oxigraph"
COLD_QUERY = "who-oversees-what"
ASK = "ASK%7B%7D"  # ASK{}, URL-encoded
EXPORT_FORMATS = ("nt", "ttl")
# The targets, as (limit) ratios or megabytes.
LOAD_TARGET = VALIDATE_TARGET = 1.3
EXPORT_TARGET, EXPORT_MB_TARGET, EXPORT_TARGET_SIZE = 2.0, 500, "1M"
SERVE_GROWTH_TARGET, SERVE_FROM, SERVE_TO = 1.5, "100k", "1M"

Figure = dict[str, Any]  # {"s": seconds, "rss_mb": …, …} or {"error": "…"}
# Every request goes to a server the script started on loopback: never through a proxy.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="base,100k,1M")
    parser.add_argument("--stores", default="memory,oxigraph,sparql")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each query (the median is kept); commands run once")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", default="", help="size@store pairs not to run, e.g. memory@10M")
    parser.add_argument("--memory-up-to", default="1M",
                        help="largest size the memory store runs at (default 1M)")
    parser.add_argument("--no-validate", default="",
                        help="sizes at which validation is not run, e.g. 10M, or all")
    parser.add_argument("--no-serve", default="",
                        help="sizes at which serving is not measured, e.g. 10M, or all")
    parser.add_argument("--query-timeout", type=float, default=300.0)
    parser.add_argument("--command-timeout", type=float, default=4 * 3600.0,
                        help="seconds after which a measured command is stopped")
    parser.add_argument("--serve-timeout", type=float, default=1800.0,
                        help="seconds a server may take to give its first answer")
    parser.add_argument("--output", type=Path,
                        help="folder for results.md, targets.md and results.json")
    parser.add_argument("--render", type=Path, metavar="RESULTS.json",
                        help="write results.md and targets.md again from the figures of an "
                             "earlier run (next to it, or in --output), measuring nothing")
    parser.add_argument("--engine-from", type=Path, metavar="RESULTS.json",
                        help="take the engine's dump, validate, serve and endpoint figures from "
                             "an earlier run on the same data (same sizes and --seed) instead "
                             "of measuring them again; its store is still bulk-loaded (and "
                             "timed), for the questions")
    parser.add_argument("--child", metavar="JSON", help=argparse.SUPPRESS)
    parser.add_argument("--engine", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        return engine_command(*args.engine)
    if args.child:
        return child(args, json.loads(args.child))
    if args.render:
        results = json.loads(args.render.read_text(encoding="utf-8"))
        publish(results, args.output or args.render.parent)
        return 0

    unknown = set(args.stores.split(",")) - {"memory", "oxigraph", "sparql"}
    if unknown:
        parser.error(f"unknown store kinds: {', '.join(sorted(unknown))} "
                     "(use memory, oxigraph, sparql)")
    for size in (*args.sizes.split(","), args.memory_up_to):
        scale(size)  # a size that is not one stops here, before anything runs
    workdir = Path(tempfile.mkdtemp(prefix="segur-bench-"))
    env = dict(os.environ, SEGUR_KG_CACHE_DIR=str(workdir / "cache"))
    skip = {tuple(pair.split("@")) for pair in args.skip.split(",") if pair}
    results: dict[str, Any] = {"machine": machine(), "cold": cold_start(env), "engine": {},
                               "runs": [], "sizes": [], "stores": args.stores.split(",")}
    earlier: dict[str, Any] = {}
    if args.engine_from:
        earlier = json.loads(args.engine_from.read_text(encoding="utf-8"))
        if earlier.get("seed", args.seed) != args.seed:
            parser.error(f"{args.engine_from} was measured with --seed {earlier['seed']}")
        results["engine_from"] = str(args.engine_from)
    results["seed"] = args.seed
    if "error" in results["cold"]:
        print(f"cold start: {results['cold']['error']}", file=sys.stderr)
    else:
        print(f"cold start of `segur-kg query {COLD_QUERY}`: median "
              f"{results['cold']['median_s']:.3f} s", file=sys.stderr)
    try:
        base = reference_files(workdir, env, args.command_timeout)
        results["reference"] = {key: value for key, value in base.items() if key == "error"}
        for size in args.sizes.split(","):
            stores = [store for store in args.stores.split(",")
                      if (store, size) not in skip and (
                          store != "memory" or scale(size) <= scale(args.memory_up_to))]
            if not stores:
                continue
            results["sizes"].append(size)
            print(f"-- {size}", file=sys.stderr)
            try:
                extension = make_extension(size, args.seed, workdir, env, args.command_timeout)
            except RuntimeError as exc:
                for store in stores:
                    results["runs"].append({"size": size, "store": store, "error": str(exc)})
                continue
            files = [extension] if extension else []
            engine_dir = workdir / "engine-store"
            shutil.rmtree(engine_dir, ignore_errors=True)
            print(f"-- {size} / bare engine", file=sys.stderr)
            results["engine"][size] = measure_engine(args, size, base, files, engine_dir,
                                                     workdir, env, stores,
                                                     earlier.get("engine", {}).get(size))
            for store in stores:
                print(f"-- {size} / {store}", file=sys.stderr)
                results["runs"].append(run_store(args, size, store, files, engine_dir, workdir,
                                                 env))
            shutil.rmtree(engine_dir, ignore_errors=True)
            if extension:
                extension.unlink(missing_ok=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    publish(results, args.output)
    return 0


def publish(results: dict[str, Any], output: Path | None) -> None:
    """Print the report; with --output, write it, the targets alone (which the README
    shows) and the raw figures there."""
    report = render(results)
    print(report)
    if output:
        output.mkdir(parents=True, exist_ok=True)
        (output / "results.md").write_text(report, encoding="utf-8")
        (output / "targets.md").write_text(render_targets(results), encoding="utf-8")
        (output / "results.json").write_text(
            json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def scale(size: str) -> float:
    """'base' → 0, '100k' → 100000, '1M' → 1000000, '2.5M', '20000'…"""
    if size == "base":
        return 0
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)", size.strip())
    if not match:
        raise SystemExit(f"size '{size}' is not base or a number of triples like 100k or 1M")
    return float(match[1]) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[match[2].lower()]


def listed(size: str, sizes: str) -> bool:
    chosen = sizes.split(",")
    return "all" in chosen or size in chosen


# --- the parent: sizes, stores, the engine, the report -------------------------------------


def machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        memory_kb = int(info.readline().split()[1])
    versions = {}
    for package in ("rdflib", "pyoxigraph", "pyshacl", "pyshacl-turbo"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "absent"
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 2**20),
            "python": platform.python_version(), **versions}


def cold_start(env: dict[str, str], runs: int = 10) -> dict[str, Any]:
    command = [str(SEGUR_KG), "query", COLD_QUERY]
    times = []
    for _ in range(runs + 1):  # the first run fills the cache
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return {"error": failure(done.returncode, done.stderr)}
        times.append(time.perf_counter() - started)
    times = times[1:]
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": runs}


def reference_files(workdir: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """What the engine side reads: the base graph as N-Triples (the memory store's export) and
    the project's shapes as one Turtle file."""
    base = workdir / "base.nt"
    shapes = workdir / "shapes.ttl"
    written = timed([str(SEGUR_KG), "export", "--format", "nt", "-o", str(base)], env, timeout)
    if "error" in written:
        return {"error": f"`segur-kg export --format nt` of the base graph: {written['error']}"}
    try:
        from segur_kg.checking.shapes import load_shapes

        load_shapes().serialize(destination=str(shapes), format="turtle")
    except Exception as exc:  # the engine's validation then reports it
        print(f"shapes: {exc}", file=sys.stderr)
    return {"base": str(base), "shapes": str(shapes)}


def make_extension(size: str, seed: int, workdir: Path, env: dict[str, str],
                   timeout: float) -> Path | None:
    if size == "base":
        return None
    target = workdir / f"synth-{size}.nt"
    made = timed([str(SEGUR_KG), "synth", "--scale", size, "--seed", str(seed), "-o",
                  str(target)], env, timeout)
    if "error" in made:
        raise RuntimeError(f"`segur-kg synth --scale {size}`: {made['error']}")
    return target


def measure_engine(args: argparse.Namespace, size: str, base: dict[str, Any],
                   files: list[Path], engine_dir: Path, workdir: Path,
                   env: dict[str, str], stores: list[str],
                   earlier: dict[str, Figure] | None = None) -> dict[str, Figure]:
    """The bare engine on the same triples: one subprocess per operation, on a store of its
    own (`engine_dir`), which the children then query for the sparql and memory stores."""
    if "error" in base:
        return {"error": base["error"]}
    me = [sys.executable, __file__, "--engine"]
    figures: dict[str, Figure] = {}
    figures["load"] = timed([*me, "load", str(engine_dir), base["base"], *map(str, files)],
                            env, args.command_timeout)
    progress("engine load", figures["load"])
    if "error" in figures["load"]:
        return figures
    if earlier:  # the rest as measured by the earlier run (--engine-from)
        figures.update({key: figure for key, figure in earlier.items() if key != "load"})
        return figures
    if "sparql" in stores:
        try:
            figures["endpoint_load"] = endpoint_load(args, base, files, workdir, env)
        except (OSError, RuntimeError) as exc:
            figures["endpoint_load"] = {"error": f"oxigraph serve: {exc}"}
        progress("endpoint load (POST)", figures["endpoint_load"])
    for fmt in EXPORT_FORMATS:
        output = workdir / f"engine-dump.{fmt}"
        figures[f"export_{fmt}"] = timed([*me, "dump", str(engine_dir), str(output), fmt],
                                         env, args.command_timeout)
        figures[f"export_{fmt}"].update(output_figures(output, fmt))
        output.unlink(missing_ok=True)
        progress(f"engine dump {fmt}", figures[f"export_{fmt}"])
    if not listed(size, args.no_validate):
        figures["validate"] = checked = timed(
            [*me, "validate", str(engine_dir), base["shapes"]], env, args.command_timeout,
            keep_stdout=True)
        if "stdout" in checked:
            try:
                checked.update(json.loads(checked.pop("stdout").strip().splitlines()[-1]))
            except (ValueError, IndexError):
                checked["results"] = "?"
        progress("engine validate", checked)
    if not listed(size, args.no_serve):
        port = free_port()
        figures["serve"] = measure_serve(
            [str(OXIGRAPH_SERVER), "serve-read-only", "--location", str(engine_dir),
             "--bind", f"127.0.0.1:{port}"],
            f"http://127.0.0.1:{port}/query?query={ASK}", env, args.serve_timeout)
        progress("engine serve", figures["serve"])
    return figures


def run_store(args: argparse.Namespace, size: str, kind: str, files: list[Path],
              engine_dir: Path, workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    """One store at one size: the commands as subprocesses, and the child's in-process
    figures (queries, closure) between the load and the other commands, which need the
    closure the child computes (`serve` serves it)."""
    run: dict[str, Any] = {"size": size, "store": kind}
    spec: dict[str, Any] = {"size": size, "kind": kind, "files": [str(f) for f in files],
                            "validate": not listed(size, args.no_validate)}
    if kind == "memory":
        spec["engine"] = str(engine_dir)
        run["child"] = run_child(args, spec, env)
        progress("in-process load, queries, validate, export", run["child"])
        return run
    if kind not in ("oxigraph", "sparql"):
        run["error"] = f"unknown store kind '{kind}'"
        return run
    store_dir = workdir / f"store-{kind}"
    shutil.rmtree(store_dir, ignore_errors=True)
    backing = None
    try:
        if kind == "oxigraph":
            spec["store"] = f"oxigraph:{store_dir}"
            spec["engine"] = str(store_dir)  # the very store segur-kg filled
            load = ["load", "--store", spec["store"]]
        else:
            try:
                backing, url = start_backing_server(store_dir)
            except (OSError, RuntimeError) as exc:
                run["error"] = f"oxigraph serve: {exc}"
                return run
            spec["store"] = f"sparql:{url}/query"
            spec["graph_store"] = f"{url}/store"
            spec["engine"] = str(engine_dir)  # the backing server holds its own folder
            load = ["load", "--store", spec["store"], "--graph-store", spec["graph_store"]]
        cli: dict[str, Figure] = {}
        run["cli"] = cli
        cli["load"] = timed([str(SEGUR_KG), *load, *map(str, files)], env,
                            args.command_timeout)
        progress("segur-kg load", cli["load"])
        if "error" in cli["load"]:
            run["child"] = {"error": "not run: the load failed"}
            return run
        run["child"] = run_child(args, spec, env)
        progress("queries", run["child"])
        for fmt in EXPORT_FORMATS:
            output = workdir / f"segur-export.{fmt}"
            cli[f"export_{fmt}"] = timed(
                [str(SEGUR_KG), "export", "--format", fmt, "--store", spec["store"],
                 "-o", str(output)], env, args.command_timeout)
            cli[f"export_{fmt}"].update(output_figures(output, fmt))
            output.unlink(missing_ok=True)
            progress(f"segur-kg export {fmt}", cli[f"export_{fmt}"])
        if spec["validate"]:
            # exit 1 only says that the data has violations: the run itself went through
            cli["validate"] = timed([str(SEGUR_KG), "validate", "--store", spec["store"]],
                                    env, args.command_timeout, accepted=(0, 1))
            progress("segur-kg validate", cli["validate"])
        if not listed(size, args.no_serve):
            if backing is not None:
                cli["endpoint_first_answer"] = first_answer(f"{url}/query?query={ASK}")
            port = free_port()
            cli["serve"] = measure_serve(
                [str(SEGUR_KG), "serve", "--store", spec["store"], "--host", "127.0.0.1",
                 "--port", str(port)],
                f"http://127.0.0.1:{port}/sparql?query={ASK}", env, args.serve_timeout)
            progress("segur-kg serve", cli["serve"])
    finally:
        if backing is not None:
            run["server_peak_rss_mb"] = server_peak_mb(backing)
            stop(backing)
        shutil.rmtree(store_dir, ignore_errors=True)
    return run


def run_child(args: argparse.Namespace, spec: dict[str, Any],
              env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--repeat", str(args.repeat),
               "--query-timeout", str(args.query_timeout), "--child", json.dumps(spec)]
    figure = timed(command, env, args.command_timeout, keep_stdout=True)
    if "error" in figure:
        return {"error": figure["error"]}
    try:
        run = json.loads(figure["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"no figures in the child's output: {figure['stdout'][-200:]!r}"}
    run["peak_rss_mb"] = figure["rss_mb"]
    return run


def endpoint_load(args: argparse.Namespace, base: dict[str, Any], files: list[Path],
                  workdir: Path, env: dict[str, str]) -> Figure:
    """The endpoint's own load, for the sparql store's: the engine's N-Triples (base export +
    extension) POSTed to the default graph of a fresh `oxigraph serve`, one request per file,
    by a subprocess timed from its start to its end (as the commands are)."""
    folder = workdir / "endpoint-load"
    shutil.rmtree(folder, ignore_errors=True)
    server, url = start_backing_server(folder)
    try:
        return timed([sys.executable, __file__, "--engine", "post", f"{url}/store?default",
                      base["base"], *map(str, files)], env, args.command_timeout)
    finally:
        stop(server)
        shutil.rmtree(folder, ignore_errors=True)


def start_backing_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([str(OXIGRAPH_SERVER), "serve", "--location", str(folder),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop(server)
                raise RuntimeError(f"did not listen on 127.0.0.1:{port}") from None
            time.sleep(0.1)


def server_peak_mb(server: subprocess.Popen) -> int:
    try:
        with open(f"/proc/{server.pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return 0


def progress(step: str, figure: dict[str, Any]) -> None:
    if "error" in figure:
        shown = f"error: {figure['error']}"
    elif "s" in figure:
        shown = f"{figure['s']:.2f} s, peak RSS {figure.get('rss_mb', '?')} MB"
    else:
        shown = f"peak RSS {figure.get('peak_rss_mb', '?')} MB"
    print(f"   {step}: {shown}", file=sys.stderr)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def output_figures(path: Path, fmt: str) -> dict[str, Any]:
    """Size of an export, and for N-Triples its number of triples (one per line)."""
    if not path.exists():
        return {}
    figures: dict[str, Any] = {"output_mb": round(path.stat().st_size / 2**20, 1)}
    if fmt == "nt":
        lines = 0
        with path.open("rb") as data:
            while chunk := data.read(1 << 24):
                lines += chunk.count(b"\n")
        figures["triples"] = lines
    return figures


# --- measuring a process tree --------------------------------------------------------------


def descendants(root: int) -> list[int]:
    """`root` and every process under it, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8") as stat:
                text = stat.read()
        except OSError:
            continue
        parent = int(text[text.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, index = [root], 0
    while index < len(tree):
        tree.extend(children.get(tree[index], []))
        index += 1
    return tree


def tree_memory(root: int, proportional: bool = False) -> dict[str, int]:
    """Summed VmRSS (KiB) of the tree, its number of processes and, when asked, its summed
    PSS (shared pages counted once across the forked workers)."""
    rss = pss = count = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                        count += 1
                        break
            if proportional:
                with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as rollup:
                    for line in rollup:
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1])
                            break
        except OSError:
            continue
    return {"rss_kib": rss, "pss_kib": pss, "processes": count}


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process tree, for the children that run at the same time
    as their parent (wait4 gives the peak of the largest single process of the tree)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            self.peak_kib = max(self.peak_kib, tree_memory(self.pid)["rss_kib"])
            if self.done.wait(self.interval):
                return

    def finish(self) -> int:
        self.done.set()
        self.join()
        return self.peak_kib


def timed(command: list[str], env: dict[str, str], timeout: float,
          accepted: tuple[int, ...] = (0,), keep_stdout: bool = False) -> Figure:
    """Run a command: wall time, peak RSS of its process tree (the larger of wait4's
    ru_maxrss and the sampled sum), exit status (and its output when asked); an error when
    it fails or overruns."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        try:
            process = subprocess.Popen(command, stdout=out, stderr=err, env=env,
                                       start_new_session=True)
        except OSError as exc:
            return {"error": f"cannot start {command[0]}: {exc}"}
        sampler = TreeSampler(process.pid)
        sampler.start()
        overran = threading.Event()

        def overrun() -> None:
            overran.set()
            signal_group(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, overrun)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # interrupted: leave no measured process behind
            signal_group(process.pid, signal.SIGKILL)
            process.wait()
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        sampled = sampler.finish()
        code = process.returncode = os.waitstatus_to_exitcode(status)
        signal_group(process.pid, signal.SIGKILL)  # a worker it left running
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    figure: Figure = {"s": seconds, "rss_mb": round(max(usage.ru_maxrss, sampled) / 1024),
                      "exit": code}
    if keep_stdout:
        figure["stdout"] = stdout
    if overran.is_set():
        return {"error": f"stopped after {timeout:g} s", "s": seconds}
    if code not in accepted:
        return {"error": failure(code, stderr), "s": seconds}
    return figure


def first_answer(url: str) -> Figure:
    """The time an endpoint takes to answer `url` once: after the heavy commands before it, an
    `oxigraph serve` takes up to a second to answer its next query, however small; the sparql
    store's server start is measured after it."""
    started = time.perf_counter()
    try:
        with LOOPBACK.open(url, timeout=60) as answer:
            answer.read()
    except OSError as exc:
        return {"error": str(exc)}
    return {"s": time.perf_counter() - started}


def measure_serve(command: list[str], url: str, env: dict[str, str], timeout: float) -> Figure:
    """Time from spawn to the first 200 answer of `url`, and the memory of the server's
    process tree right after it."""
    opener = LOOPBACK
    last = "no answer"
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        try:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env,
                                       start_new_session=True)
        except OSError as exc:
            return {"error": f"cannot start {command[0]}: {exc}"}
        try:
            while True:
                code = process.poll()
                if code is not None:
                    err.seek(0)
                    return {"error": "exited before answering: " + failure(
                        code, err.read().decode("utf-8", "replace"))}
                try:
                    with opener.open(url, timeout=10) as answer:
                        answer.read()
                        if answer.status == 200:
                            break
                        last = f"HTTP {answer.status}"
                except urllib.error.HTTPError as exc:  # e.g. 503 while it starts
                    last = f"HTTP {exc.code}"
                except (urllib.error.URLError, OSError) as exc:
                    last = str(getattr(exc, "reason", exc))
                if time.perf_counter() - started > timeout:
                    return {"error": f"no 200 answer within {timeout:g} s (last: {last})"}
                time.sleep(0.02)
            seconds = time.perf_counter() - started
            memory = tree_memory(process.pid, proportional=True)
        finally:
            stop(process)
    return {"s": seconds, "rss_mb": round(memory["rss_kib"] / 1024),
            "pss_mb": round(memory["pss_kib"] / 1024), "processes": memory["processes"]}


def signal_group(pid: int, signum: int) -> None:
    """Signal the process group of a process this script started in a session of its own."""
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop(process: subprocess.Popen) -> None:
    signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        signal_group(process.pid, signal.SIGKILL)
        process.wait()
    signal_group(process.pid, signal.SIGKILL)  # workers that outlived their server


def failure(code: int, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    why = lines[-1][:300] if lines else "no message"
    if code < 0:
        return f"killed by signal {-code}: {why}"
    return f"exit status {code}: {why}"


# --- the bare engine (subprocesses of this script) -----------------------------------------


def engine_command(operation: str, *operands: str) -> int:
    if operation == "post":  # URL FILE.nt…: no engine in this process
        url, *files = operands
        for path in files:
            with open(path, "rb") as body:
                request = urllib.request.Request(
                    url, data=body, method="POST",
                    headers={"Content-Type": "application/n-triples",
                             "Content-Length": str(Path(path).stat().st_size)})
                with LOOPBACK.open(request) as answer:
                    answer.read()
        return 0
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    if operation == "load":  # FOLDER FILE.nt…
        folder, *files = operands
        store = Store(folder)
        for path in files:
            store.bulk_load(path=path, format=RdfFormat.N_TRIPLES)
        del store  # flushed and closed
        return 0
    if operation == "dump":  # FOLDER OUTPUT nt|ttl
        folder, output, fmt = operands
        chosen = {"nt": RdfFormat.N_TRIPLES, "ttl": RdfFormat.TURTLE}[fmt]
        Store.read_only(folder).dump(output=output, format=chosen, from_graph=DefaultGraph())
        return 0
    if operation == "validate":  # FOLDER SHAPES.ttl
        import pyshacl_turbo
        from rdflib import RDF, SH, Graph

        folder, shapes_file = operands
        shapes = Graph().parse(shapes_file, format="turtle")
        # the options `segur-kg validate` gives the same engine
        conforms, report, _text = pyshacl_turbo.validate(
            Store.read_only(folder), shacl_graph=shapes, inference="none", advanced=False,
            allow_warnings=True, abort_on_first=False)
        results = set(report.subjects(RDF.type, SH.ValidationResult))
        print(json.dumps({"conforms": bool(conforms), "results": len(results)}))
        return 0
    raise SystemExit(f"unknown engine operation '{operation}'")


def drain(answer: Any) -> int:
    """Read a pyoxigraph answer to its end, each solution's terms included: its row count."""
    from pyoxigraph import QueryBoolean

    if isinstance(answer, QueryBoolean):
        return int(bool(answer))
    rows = 0
    for row in answer:
        tuple(row)
        rows += 1
    return rows


# --- a child: one size, one store ----------------------------------------------------------


def child(args: argparse.Namespace, spec: dict[str, Any]) -> int:
    """One size and store, in process: the closure, the queries on both sides, and for the
    memory store its load, validation and export. A step that fails is recorded, not fatal."""
    from segur_kg.querying.catalog import list_queries, parse_header
    from segur_kg.stores import open_store

    kind = spec["kind"]
    files = [Path(path) for path in spec["files"]]
    run: dict[str, Any] = {}
    if kind == "memory":
        store = open_store("memory", extra_files=files)
        started = time.perf_counter()
        store.graph()  # rdflib parses the files: that is its load
        run["load_s"] = time.perf_counter() - started
    else:  # filled by `segur-kg load` before this child
        store = open_store(spec["store"], graph_store=spec.get("graph_store"))
    run["triples"] = store.count()
    if "load_s" in run:
        run["load_rate"] = run["triples"] / run["load_s"]
    started = time.perf_counter()
    try:
        if kind == "memory":
            store.graph(infer=True)
        else:
            store.infer()
        run["infer_s"] = time.perf_counter() - started
        run["closure_triples"] = store.count(infer=True)
    except Exception as exc:  # the queries still run, without their closure variant
        run["infer_error"] = short(exc)

    engine, engine_error = open_engine(spec.get("engine"))  # after `infer` swapped the folder
    if engine_error:
        run["engine_error"] = engine_error
    questions = [(q.name, q.text, q.source, q.examples[0] if q.examples else {}, q)
                 for q in list_queries()]
    extension = [(path.stem, path.read_text(encoding="utf-8"), str(path), {},
                  parse_header(path.read_text(encoding="utf-8"), str(path), None))
                 for path in sorted((ROOT / "benchmarks" / "queries").glob("*.rq"))]
    for section, queries in (("questions", questions), ("extension", extension)):
        run[section] = {}
        for name, text, source, given, named in queries:
            try:
                figures = measure_query(args, store, text, source, given, named,
                                        "infer_error" not in run)
            except Exception as exc:
                figures = {"error": short(exc)}
            if figures.pop("timeout", False):
                run.setdefault("timeouts", []).append(f"{section}/{name}")
            if engine is not None and "bound" in figures:
                figures.update(engine_query(engine, figures["bound"], args.repeat))
            figures.pop("bound", None)
            run[section][name] = figures

    if kind == "memory":  # no command fills it: validated and exported here
        if spec["validate"]:
            try:
                run.update(measure_validation(store))
            except Exception as exc:
                run["validate_error"] = short(exc)
        try:
            from segur_kg.publishing.export import export

            started = time.perf_counter()
            data = export("nt", store=store)
            run["export_s"] = time.perf_counter() - started
            run["export_mb"] = round(len(data) / 2**20, 1)
        except Exception as exc:
            run["export_error"] = short(exc)
    print(json.dumps(run))
    return 0


def measure_query(args: argparse.Namespace, store: Any, text: str, source: str,
                  given: dict[str, str], named: Any, closure: bool) -> dict[str, Any]:
    """A query through the Store API: median of --repeat runs, then once on the closure; and
    the bound text the engine side runs."""
    from segur_kg.querying import sparql

    prepared = sparql.prepare(text, source)
    bindings = sparql.bind_params(named, given)
    figures: dict[str, Any] = {"bound": sparql.bound_text(text, bindings)}
    times = []
    rows = 0
    for _ in range(args.repeat):
        began = time.perf_counter()
        try:
            result = store.query(text, prepared, bindings, False, args.query_timeout)
        except sparql.QueryTimeout:  # counted as the limit, and flagged
            times = [args.query_timeout]
            figures["timeout"] = True
            break
        times.append(time.perf_counter() - began)
        rows = len(result.rows)
    figures.update(median_s=statistics.median(times), rows=rows)
    if closure:
        began = time.perf_counter()
        try:
            store.query(text, prepared, bindings, True, args.query_timeout)
            figures["inferred_s"] = time.perf_counter() - began
        except sparql.QueryTimeout:
            figures["inferred_s"] = args.query_timeout
    return figures


def short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]


def open_engine(folder: str | None) -> tuple[Any, str | None]:
    if not folder:
        return None, "no engine store"
    try:
        from pyoxigraph import Store

        return Store.read_only(folder), None
    except (OSError, ValueError) as exc:
        return None, f"cannot open {folder}: {' '.join(str(exc).split())}"


def engine_query(engine: Any, text: str, repeat: int) -> dict[str, Any]:
    """The same bound text on the bare engine, with the prefixes segur-kg declares, every
    solution read: median of `repeat` runs."""
    from segur_kg.rdf.namespaces import QUERY_PREFIXES

    times = []
    rows = 0
    try:
        for _ in range(repeat):
            began = time.perf_counter()
            rows = drain(engine.query(text, prefixes=QUERY_PREFIXES))
            times.append(time.perf_counter() - began)
    except (SyntaxError, OSError, RuntimeError, ValueError) as exc:
        return {"engine_error": short(exc)}
    return {"engine_median_s": statistics.median(times), "engine_rows": rows}


def measure_validation(store: Any) -> dict[str, Any]:
    from segur_kg.checking import validate

    started = time.perf_counter()
    # as a user would: the files with the dataset
    report = validate.validate_files(store.extra_files, "en", with_dataset=True)
    return {"validate_s": time.perf_counter() - started,
            "violations": report.count("Violation"), "warnings": report.count("Warning")}


# --- the report ----------------------------------------------------------------------------


def ok(figure: Figure | None) -> bool:
    return isinstance(figure, dict) and "error" not in figure and "s" in figure


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def show_s(figure: Figure | None) -> str:
    if figure is None:
        return "not run"
    if "error" in figure:
        return f"error: {cell(figure['error'])}"
    return f"{figure['s']:.2f}"


def show_mb(figure: Figure | None, key: str = "rss_mb") -> str:
    return f"{figure[key]:,}" if ok(figure) and key in figure else "—"


def ratio(ours: Figure | None, theirs: Figure | None, key: str = "s") -> float | None:
    if ok(ours) and ok(theirs) and theirs[key] > 0:
        return ours[key] / theirs[key]
    return None


def show_ratio(value: float | None) -> str:
    return "—" if value is None else f"×{value:.2f}"


def verdict(met: bool | None) -> str:
    return "—" if met is None else ("target met" if met else "target missed")


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    cold = results["cold"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python "
             f"{m['python']}, rdflib {m['rdflib']}, pyoxigraph {m['pyoxigraph']}, "
             f"pyshacl {m['pyshacl']}, pyshacl-turbo {m['pyshacl-turbo']}.", ""]
    if "error" in cold:
        lines.append(f"Cold start of `segur-kg query {COLD_QUERY}`: error: {cell(cold['error'])}")
    else:
        lines.append(f"Cold start of `segur-kg query {COLD_QUERY}` (memory store, cache warm): "
                     f"median {cold['median_s']:.2f} s over {cold['runs']} runs.")
    if results.get("reference", {}).get("error"):
        lines += ["", f"Engine side not measured: {cell(results['reference']['error'])}"]
    lines += [""]
    lines += overview(results)
    lines += side_by_side(results)
    lines += targets(results)
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def render_targets(results: dict[str, Any]) -> str:
    """The machine and the targets, without the tables."""
    machine = render(results).split("\n", 1)[0]
    return "\n".join([machine, "", *targets(results)[2:]]).strip("\n") + "\n"


def overview(results: dict[str, Any]) -> list[str]:
    lines = ["## Overview", "",
             "Load, validate and export: the `segur-kg` commands (subprocesses) for the oxigraph "
             "and sparql stores, in-process for the memory store. Peak RSS: the child that "
             "answers the queries (+ the `oxigraph serve` behind the sparql store).", "",
             "| size | store | triples | load s | load triples/s | infer s | CQ median ms | "
             "CQ max ms | CQ inferred median ms | extension median ms | validate s | "
             "export s | peak RSS MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    notes: list[str] = []
    for run in results["runs"]:
        size, store = run["size"], run["store"]
        child = run.get("child", {})
        error = run.get("error") or child.get("error")
        if error:
            lines.append(f"| {size} | {store} | error: {cell(error)} |")
            continue
        cli = run.get("cli", {})
        if store == "memory":
            load = f"{child['load_s']:.2f}"
            rate = f"{child['load_rate']:,.0f}"
            validated = in_process(child, "validate", "not run")
            exported = in_process(child, "export", "—")
        else:
            load = show_s(cli.get("load"))
            rate = (f"{child['triples'] / cli['load']['s']:,.0f}" if ok(cli.get("load"))
                    else "—")
            validated = show_s(cli.get("validate"))
            exported = show_s(cli.get("export_nt"))
        for section in ("questions", "extension"):
            failed = [f"{name} ({q['error']})" for name, q in child[section].items()
                      if "error" in q]
            if failed:
                notes.append(f"{size} / {store}: {section} that failed: {'; '.join(failed)}")
        if child.get("infer_error"):
            notes.append(f"{size} / {store}: infer failed: {child['infer_error']}")
        if child.get("timeouts"):
            notes.append(f"{size} / {store}: stopped at the time limit "
                         f"(counted as the limit): {', '.join(child['timeouts'])}")
        questions = milliseconds(child["questions"], "median_s")
        peak = f"{child['peak_rss_mb']:,}"
        if "server_peak_rss_mb" in run:
            peak += f" + server {run['server_peak_rss_mb']:,}"
        infer = f"{child['infer_s']:.2f}" if "infer_s" in child else "error"
        lines.append(
            f"| {size} | {store} | {child['triples']:,} | {load} | {rate} | {infer} | "
            f"{questions[0]} | {questions[1]} | "
            f"{milliseconds(child['questions'], 'inferred_s')[0]} | "
            f"{milliseconds(child['extension'], 'median_s')[0]} | {validated} | {exported} | "
            f"{peak} |")
    lines += [""] + [f"- {note}" for note in notes] + ([""] if notes else [])
    return lines


def milliseconds(queries: dict[str, dict[str, Any]], key: str) -> tuple[str, str]:
    """Median and maximum of one figure over the queries that have it, in ms."""
    values = [q[key] for q in queries.values() if key in q]
    if not values:
        return "—", "—"
    return f"{1000 * statistics.median(values):.1f}", f"{1000 * max(values):.1f}"


def in_process(child: dict[str, Any], step: str, missing: str) -> str:
    if f"{step}_error" in child:
        return f"error: {cell(child[step + '_error'])}"
    return f"{child[step + '_s']:.1f}" if f"{step}_s" in child else missing


def side_by_side(results: dict[str, Any]) -> list[str]:
    engine_of = results["engine"]
    runs = [run for run in results["runs"] if run["store"] != "memory"]
    lines = ["## segur-kg and the bare engine, side by side", "",
             "Engine: pyoxigraph on its own store, bulk-loaded with the same triples (the base "
             "graph's N-Triples export, which adds the dataset's own VoID/DCAT description, + "
             "the extension); the sparql store is compared with the same engine figures. "
             "Ratio = segur-kg / engine. Peak RSS: the whole process tree of the command (for "
             "the sparql store, without the `oxigraph serve` behind it: see the overview). "
             "Commands run once; queries --repeat times (median).", ""]
    if results.get("engine_from"):
        lines[-2] += (f" The engine's load and queries were measured in this run; its other "
                      f"figures (dump, validate, serve, endpoint load) are those of an earlier "
                      f"run on the same data, `{results['engine_from']}`.")
    posted = any("endpoint_load" in figures for figures in engine_of.values())

    def engine(run: dict[str, Any], key: str) -> Figure | None:
        figures = engine_of.get(run["size"], {})
        if "error" in figures:
            return {"error": figures["error"]}
        return figures.get(key)

    lines += ["### Load: `segur-kg load` vs `Store.bulk_load`", ""]
    if posted:
        lines += ["For the sparql store, also the endpoint's own load: the same N-Triples "
                  "POSTed to the default graph of a fresh `oxigraph serve` (Graph Store "
                  "Protocol, one request per file, from a Python subprocess). `segur-kg load` "
                  "checks the files, sends the same triples in pieces of 32 MB, then counts "
                  "the graph on the endpoint and keeps the counts there.", ""]
    lines += ["| size | store | triples segur-kg / engine | segur-kg s | engine s | ratio | "
              f"segur-kg peak RSS MB | engine peak RSS MB | ≤ {LOAD_TARGET}× |"
              + (" endpoint POST s | ratio to POST |" if posted else ""),
              "|---|---|---:|---:|---:|---:|---:|---:|---|" + ("---:|---:|" if posted else "")]
    for run in runs:
        ours, theirs = run.get("cli", {}).get("load"), engine(run, "load")
        if "error" in run:
            ours = {"error": run["error"]}
        value = ratio(ours, theirs)
        engine_triples = (engine(run, "export_nt") or {}).get("triples", "—")
        line = (f"| {run['size']} | {run['store']} | "
                f"{count(run.get('child', {}).get('triples'))} / {count(engine_triples)} | "
                f"{show_s(ours)} | {show_s(theirs)} | {show_ratio(value)} | {show_mb(ours)} | "
                f"{show_mb(theirs)} | {verdict(None if value is None else value <= LOAD_TARGET)} |")
        if posted:
            post = engine(run, "endpoint_load") if run["store"] == "sparql" else None
            line += (f" {show_s(post)} | {show_ratio(ratio(ours, post))} |" if post
                     else " — | — |")
        lines.append(line)

    lines += ["", "### Competency questions: Store API vs `Store.read_only(…).query`", "",
              "In the same child process, with the same bound text; per question the median of "
              "--repeat runs, then the median over the questions. The oxigraph store's engine "
              "side reads the store segur-kg filled; the other stores' the engine's own store.",
              "", "| size | store | questions | segur-kg median ms | engine median ms | "
              "median ratio | max ratio | child peak RSS MB (both sides) |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for run in results["runs"]:
        child = run.get("child", {})
        if "error" in run or "error" in child or not child:
            why = run.get("error") or child.get("error") or "not run"
            lines.append(f"| {run['size']} | {run['store']} | error: {cell(why)} |")
            continue
        asked = child["questions"]
        paired = {name: q for name, q in asked.items() if "engine_median_s" in q}
        failed = [f"{name} ({q['engine_error']})" for name, q in asked.items()
                  if "engine_error" in q]
        if child.get("engine_error"):
            failed.append(child["engine_error"])
        if failed:
            notes.append(f"{run['size']} / {run['store']}: engine failed: {'; '.join(failed)}")
        differ = [f"{name} ({q['rows']} vs {q['engine_rows']} rows)"
                  for name, q in paired.items() if q["rows"] != q["engine_rows"]]
        if differ:
            notes.append(f"{run['size']} / {run['store']}: answers of different length: "
                         f"{', '.join(differ)}")
        # both sides over the questions both answered
        ratios = {name: q["median_s"] / q["engine_median_s"] for name, q in paired.items()
                  if "median_s" in q and q["engine_median_s"] > 0}
        if ratios:
            ours = statistics.median(paired[name]["median_s"] for name in ratios)
            theirs = statistics.median(paired[name]["engine_median_s"] for name in ratios)
            worst = max(ratios, key=ratios.__getitem__)
            shown = (f"{1000 * ours:.1f} | {1000 * theirs:.1f} | "
                     f"{show_ratio(statistics.median(ratios.values()))} | "
                     f"{show_ratio(ratios[worst])} ({worst})")
        else:
            shown = f"{milliseconds(asked, 'median_s')[0]} | — | — | —"
        lines.append(f"| {run['size']} | {run['store']} | {len(ratios)} of {len(asked)} | "
                     f"{shown} | {child['peak_rss_mb']:,} |")
    lines += [""] + [f"- {note}" for note in notes] + ([""] if notes else [])

    for fmt, name in (("nt", "N-Triples"), ("ttl", "Turtle")):
        lines += ["", f"### Export ({name}): `segur-kg export --format {fmt}` vs "
                  "`Store.dump`", "",
                  "| size | store | segur-kg s | engine s | ratio | segur-kg peak RSS MB | "
                  "engine peak RSS MB | output MB segur-kg / engine | "
                  f"at {EXPORT_TARGET_SIZE}: ≤ {EXPORT_TARGET:g}× and ≤ {EXPORT_MB_TARGET} MB |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for run in runs:
            ours = run.get("cli", {}).get(f"export_{fmt}")
            theirs = engine(run, f"export_{fmt}")
            if "error" in run:
                ours = {"error": run["error"]}
            value = ratio(ours, theirs)
            target = (export_met(ours, theirs) if run["size"] == EXPORT_TARGET_SIZE else None)
            lines.append(
                f"| {run['size']} | {run['store']} | {show_s(ours)} | {show_s(theirs)} | "
                f"{show_ratio(value)} | {show_mb(ours)} | {show_mb(theirs)} | "
                f"{show_mb(ours, 'output_mb')} / {show_mb(theirs, 'output_mb')} | "
                f"{verdict(target)} |")

    lines += ["", "### Validate: `segur-kg validate` vs `pyshacl_turbo.validate` of the store",
              "", "| size | store | segur-kg s | engine s | ratio | segur-kg peak RSS MB | "
              f"engine peak RSS MB | segur-kg exit / engine results | ≤ {VALIDATE_TARGET}× |",
              "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for run in runs:
        ours, theirs = run.get("cli", {}).get("validate"), engine(run, "validate")
        if "error" in run:
            ours = {"error": run["error"]}
        value = ratio(ours, theirs)
        found = engine_results(theirs)
        lines.append(
            f"| {run['size']} | {run['store']} | {show_s(ours)} | {show_s(theirs)} | "
            f"{show_ratio(value)} | {show_mb(ours)} | {show_mb(theirs)} | "
            f"{ours['exit'] if ok(ours) else '—'} / {found} | "
            f"{verdict(None if value is None else value <= VALIDATE_TARGET)} |")

    lines += ["", "### Serve: `segur-kg serve` vs `oxigraph serve-read-only`", "",
              "Start: from spawn to the first 200 answer of `GET /sparql?query=ASK{}` "
              "(`/query` for Oxigraph). RSS: summed VmRSS of the server and every process under "
              "it right after that answer (PSS, shared pages counted once, in brackets). For the "
              "sparql store, the `oxigraph serve` behind it is not counted."]
    asked = any("endpoint_first_answer" in run.get("cli", {}) for run in runs)
    if asked:
        lines[-1] += (" Before the sparql store's server starts, the endpoint behind it is asked "
                      "`ASK {}` once: after the commands run before, its first answer, however "
                      "small the query, can take most of a second, which is the endpoint's time, "
                      "not the server's (last column).")
    lines += ["", "| size | store | segur-kg start s | engine start s | ratio | segur-kg RSS MB "
              "(PSS) | processes | engine RSS MB | RSS ratio |"
              + (" endpoint's first answer s |" if asked else ""),
              "|---|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if asked else "")]
    for run in runs:
        ours, theirs = run.get("cli", {}).get("serve"), engine(run, "serve")
        if "error" in run:
            ours = {"error": run["error"]}
        shown = (f"{ours['rss_mb']:,} ({ours['pss_mb']:,})" if ok(ours)
                 else "—")
        line = (f"| {run['size']} | {run['store']} | {show_s(ours)} | {show_s(theirs)} | "
                f"{show_ratio(ratio(ours, theirs))} | {shown} | "
                f"{ours['processes'] if ok(ours) else '—'} | {show_mb(theirs)} | "
                f"{show_ratio(ratio(ours, theirs, 'rss_mb'))} |")
        if asked:
            first = run.get("cli", {}).get("endpoint_first_answer")
            line += f" {show_s(first) if first else '—'} |"
        lines.append(line)
    return lines + [""]


def count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"


def engine_results(figure: Figure | None) -> str:
    return f"{figure.get('results', '?')} results" if ok(figure) else "—"


def export_met(ours: Figure | None, theirs: Figure | None) -> bool | None:
    value = ratio(ours, theirs)
    if value is None:
        return None
    return value <= EXPORT_TARGET and ours["rss_mb"] <= EXPORT_MB_TARGET


def targets(results: dict[str, Any]) -> list[str]:
    """The four targets at a glance, one line per store. Load and validate are judged at the
    largest size measured (at the base graph, interpreter start-up dominates both sides)."""
    runs = {(run["size"], run["store"]): run for run in results["runs"]
            if run["store"] != "memory" and "error" not in run}
    stores = [store for store in results["stores"] if store in ("oxigraph", "sparql")]
    sizes = results["sizes"]
    lines = ["## Targets", ""]

    def ours(size: str, store: str, key: str) -> Figure | None:
        return runs.get((size, store), {}).get("cli", {}).get(key)

    def engine(size: str, key: str) -> Figure | None:
        return results["engine"].get(size, {}).get(key)

    def missing(*needed: str) -> str:
        absent = [size for size in needed if size not in sizes]
        return f"not measured ({' and '.join(absent)} not in --sizes)" if absent else \
            "not measured (see the tables)"

    for key, name, limit in (("load", "`segur-kg load` ≤ 1.3× `bulk_load`", LOAD_TARGET),
                             ("validate", "`segur-kg validate` ≤ 1.3× pyshacl-turbo alone",
                              VALIDATE_TARGET)):
        lines.append(f"- {name}:")
        for store in stores:
            measured = [size for size in sizes
                        if ratio(ours(size, store, key), engine(size, key)) is not None]
            if not measured:
                lines.append(f"  - {store}: not measured (see the tables)")
                continue
            size = max(measured, key=scale)
            value = ratio(ours(size, store, key), engine(size, key))
            posted = ratio(ours(size, store, key), engine(size, "endpoint_load"))
            also = ("" if key != "load" or store != "sparql" or posted is None else
                    f" (×{posted:.2f} the endpoint's own load of the same files)")
            lines.append(f"  - {store}: ×{value:.2f} at {size}{also} — "
                         f"{verdict(value <= limit)}")

    lines.append(f"- export at {EXPORT_TARGET_SIZE} ≤ {EXPORT_TARGET:g}× the engine's dump and "
                 f"≤ {EXPORT_MB_TARGET} MB:")
    for store in stores:
        for fmt in EXPORT_FORMATS:
            mine = ours(EXPORT_TARGET_SIZE, store, f"export_{fmt}")
            theirs = engine(EXPORT_TARGET_SIZE, f"export_{fmt}")
            met = export_met(mine, theirs)
            if met is None:
                lines.append(f"  - {store}, {fmt}: {missing(EXPORT_TARGET_SIZE)}")
                continue
            lines.append(f"  - {store}, {fmt}: ×{ratio(mine, theirs):.2f}, "
                         f"{mine['rss_mb']:,} MB — {verdict(met)}")

    lines.append(f"- serve start time and RSS at {SERVE_TO} ≤ {SERVE_GROWTH_TARGET:g}× those "
                 f"at {SERVE_FROM}:")
    for store in stores:
        small, large = ours(SERVE_FROM, store, "serve"), ours(SERVE_TO, store, "serve")
        start, memory = ratio(large, small), ratio(large, small, "rss_mb")
        if start is None or memory is None:
            lines.append(f"  - {store}: {missing(SERVE_FROM, SERVE_TO)}")
            continue
        met = start <= SERVE_GROWTH_TARGET and memory <= SERVE_GROWTH_TARGET
        bare_small, bare_large = engine(SERVE_FROM, "serve"), engine(SERVE_TO, "serve")
        bare = ""
        if ratio(bare_large, bare_small) is not None:
            bare = (f" (engine: start {show_ratio(ratio(bare_large, bare_small))}, RSS "
                    f"{show_ratio(ratio(bare_large, bare_small, 'rss_mb'))})")
        warmed = runs.get((SERVE_TO, store), {}).get("cli", {}).get("endpoint_first_answer")
        if ok(warmed):
            bare += (f"; the server started after the endpoint's first answer, which took "
                     f"{warmed['s']:.2f} s at {SERVE_TO}")
        lines.append(f"  - {store}: start ×{start:.2f}, RSS ×{memory:.2f}{bare} — "
                     f"{verdict(met)}")
    return lines + [""]


if __name__ == "__main__":
    sys.exit(main())
