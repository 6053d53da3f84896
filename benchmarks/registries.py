"""Benchmark of the national registry imports on synthetic files (a script, not a test).

On a synthetic set in the official formats (`segur-kg synth --format finess|rpps|mssante`, the
same seed so that the three files refer to each other; national size by default: 100,000
FINESS lines, 2,000,000 RPPS lines, 540,000 MSSanté lines), it measures:

- the writing of each file: seconds, MB, peak RSS;
- per registry, `segur-kg import X FILE -o OUT.nt` next to a bare pass of Python's csv module
  over the same file (read and split every line, nothing else), each as a subprocess with its
  wall time and the peak RSS of its process tree: ratio (target ≤ 3×) and RSS (target ≤ 1 GB);
- end to end into an Oxigraph store: `segur-kg load --store oxigraph:P` (the base graph), then
  `segur-kg import auto FINESS RPPS MSSANTE --store oxigraph:P` (the three files in one import):
  total seconds (target ≤ 6 minutes), peak RSS per step; beside it, the engine alone: pyoxigraph's
  bulk_load of the N-Triples the three imports wrote (-o) into their named graphs of a fresh
  store (lenient, as the import loads its own files), the floor that loading into named graphs
  puts under any import;
- every national question (queries/national/*.rq) on that store, through the Store API in one
  child process that opens the store once (its start and the opening are not counted): median of
  --repeat runs per question, then the median over the questions (target ≤ 1 s) and the
  maximum (target ≤ 10 s);
- `segur-kg validate --store oxigraph:P`: seconds and peak RSS (reported, no target), stopped
  after --validate-timeout seconds (it checks a store holding registry graphs in parts); and,
  to show how its cost grows, the same on stores of smaller sets of the same seed
  (--validate-shares of the set, each loaded and imported the same way), beside those stores
  checked at once (their data graphs in one file handed to the engine).

Prints Markdown tables, and writes them and the raw figures (JSON) with --output. The files and
the store live in a folder of their own (under --workdir, else the system's temporary folder),
removed at the end unless --keep.

    .venv/bin/python benchmarks/registries.py [--finess-rows 100k] [--rpps-rows 2M]
        [--mssante-rows 540k] [--seed 1] [--repeat 3] [--workdir DIR] [--keep]
        [--validate-timeout 1800] [--validate-shares 0.05,0.1] [--imports-only]
        [--output benchmarks/results/registries]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import scale
from scale import (
    Figure,
    cell,
    machine,
    ok,
    progress,
    ratio,
    short,
    show_mb,
    show_ratio,
    show_s,
    timed,
    verdict,
)

SEGUR_KG = scale.SEGUR_KG
REGISTRIES = ("finess", "rpps", "mssante")
NATIONAL_ROWS = {"finess": 100_000, "rpps": 2_000_000, "mssante": 540_000}
TITLES = {"finess": "FINESS", "rpps": "RPPS (Annuaire Santé)", "mssante": "MSSanté"}
# How the bare pass reads each file: the dialect and encoding the producers use.
DIALECTS: dict[str, dict[str, Any]] = {
    "finess": {"delimiter": ";", "quotechar": '"'},
    "rpps": {"delimiter": "|", "quoting": csv.QUOTE_NONE},
    "mssante": {"delimiter": "|", "quoting": csv.QUOTE_NONE},
}
ENCODINGS = {"finess": "iso-8859-1", "rpps": "utf-8", "mssante": "utf-8"}
# The targets.
IMPORT_RATIO_TARGET = 3.0  # import -o OUT.nt / bare csv pass
IMPORT_RSS_TARGET_MB = 1024  # 1 GB
END_TO_END_TARGET_S = 6 * 60.0
QUESTION_MEDIAN_TARGET_S, QUESTION_MAX_TARGET_S = 1.0, 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for kind in REGISTRIES:
        parser.add_argument(f"--{kind}-rows", default=str(NATIONAL_ROWS[kind]), metavar="N",
                            help=f"lines of the {TITLES[kind]} file (default "
                            f"{NATIONAL_ROWS[kind]:,}); 2000, 100k, 2M…")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each national question (the median is kept); commands "
                        "run once")
    parser.add_argument("--workdir", type=Path,
                        help="folder in which the run's own folder is made (default: the "
                        "system's temporary folder)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's folder (files, outputs, store) at the end")
    parser.add_argument("--query-timeout", type=float, default=300.0)
    parser.add_argument("--validate-timeout", type=float, default=1800.0,
                        help="seconds after which `segur-kg validate` is stopped")
    parser.add_argument("--validate-shares", default="0.05,0.1", metavar="F,F",
                        help="shares of the set whose store is validated too, to show how "
                        "validation grows (comma-separated; empty for none)")
    parser.add_argument("--command-timeout", type=float, default=4 * 3600.0,
                        help="seconds after which any other measured command is stopped")
    parser.add_argument("--imports-only", action="store_true",
                        help="measure the files, the imports and the store only: no national "
                        "questions, no validation")
    parser.add_argument("--import-runs", type=int, default=3,
                        help="runs of each bare pass and import -o (the median is kept)")
    parser.add_argument("--output", type=Path, help="folder for results.md and results.json")
    parser.add_argument("--csv-pass", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--child", metavar="JSON", help=argparse.SUPPRESS)
    parser.add_argument("--engine-load", nargs="+", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--count", metavar="STORE", help=argparse.SUPPRESS)
    parser.add_argument("--void-counts", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--validate-whole", metavar="STORE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.validate_whole:
        return validate_whole(args.validate_whole)
    if args.void_counts:
        return void_counts(args.void_counts)
    if args.count:
        from segur_kg.stores import open_store

        print(open_store(args.count).count())
        return 0
    if args.engine_load:
        return engine_load(args.engine_load[0], args.engine_load[1:])
    if args.csv_pass:
        return csv_pass(*args.csv_pass)
    if args.child:
        return child(args, json.loads(args.child))
    if args.repeat < 1 or args.import_runs < 1:
        parser.error("--repeat and --import-runs must be at least 1")
    rows = {kind: lines(parser, f"--{kind}-rows", getattr(args, f"{kind}_rows"))
            for kind in REGISTRIES}
    shares = read_shares(parser, args.validate_shares)

    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="segur-registries-", dir=args.workdir))
    env = dict(os.environ, SEGUR_KG_CACHE_DIR=str(workdir / "cache"))
    results: dict[str, Any] = {"machine": machine(), "rows": rows, "seed": args.seed,
                               "repeat": args.repeat, "import_runs": args.import_runs,
                               "generate": {}, "imports": {},
                               "store": {}, "questions": {}, "validate": None,
                               "validate_shares": []}
    print(f"-- working in {workdir}", file=sys.stderr)
    try:
        files = generate(args, rows, workdir, env, results["generate"])
        for kind, path in files.items():
            print(f"-- {kind}: bare csv pass and import -o OUT.nt", file=sys.stderr)
            results["imports"][kind] = measure_import(args, kind, path, workdir, env)
        print("-- end to end into an Oxigraph store", file=sys.stderr)
        store_dir = workdir / "store"
        if args.imports_only:
            end_to_end(args, files, store_dir, env, results["store"])
            results["questions"] = {"error": "not run (--imports-only)"}
        elif end_to_end(args, files, store_dir, env, results["store"]):
            print("-- national questions", file=sys.stderr)
            results["questions"] = run_child(args, store_dir, env)
            progress("questions", results["questions"])
            print("-- validate", file=sys.stderr)
            # exit 1 only says that the data has violations: the run itself went through
            results["validate"] = timed(
                [str(SEGUR_KG), "validate", "--store", f"oxigraph:{store_dir}"], env,
                args.validate_timeout, accepted=(0, 1))
            progress("segur-kg validate", results["validate"])
            for share in shares:
                print(f"-- validate, {share:g} of the set", file=sys.stderr)
                results["validate_shares"].append(
                    validate_share(args, share, rows, workdir, env))
        else:
            results["questions"] = {"error": "not run: the store was not filled"}
    finally:
        if args.keep:
            print(f"-- kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    publish(results, args.output)
    return 0


def lines(parser: argparse.ArgumentParser, option: str, text: str) -> int:
    """'2000', '100k', '2M' → a number of lines (at least 1)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    value = round(float(match[1]) * {"": 1, "k": 1e3, "m": 1e6}[match[2].lower()]) if match else 0
    if value < 1:
        parser.error(f"{option} {text!r} is not a number of lines like 2000, 100k or 2M")
    return value


def read_shares(parser: argparse.ArgumentParser, text: str) -> list[float]:
    try:
        shares = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        shares = [0.0]
    if any(not 0 < share < 1 for share in shares):
        parser.error(f"--validate-shares {text!r}: give shares between 0 and 1, like 0.05,0.1")
    return sorted(shares)


# --- the steps -----------------------------------------------------------------------------


def generate(args: argparse.Namespace, rows: dict[str, int], workdir: Path,
             env: dict[str, str], figures: dict[str, Figure]) -> dict[str, Path]:
    """The three files, with the producers' file names and the same seed; the files that
    could be written."""
    from segur_kg.sources.registries import synthetic

    files = {}
    for kind in REGISTRIES:
        path = workdir / synthetic.file_name(kind)
        command = [str(SEGUR_KG), "synth", "--format", kind, "--rows", str(rows[kind]),
                   "--seed", str(args.seed), "-o", str(path)]
        if kind in ("rpps", "mssante"):
            command += ["--finess-rows", str(rows["finess"])]
        if kind == "mssante":
            command += ["--rpps-rows", str(rows["rpps"])]
        figure = figures[kind] = timed(command, env, args.command_timeout)
        if ok(figure) and path.exists():
            figure["mb"] = round(path.stat().st_size / 2**20, 1)
            files[kind] = path
        progress(f"synth --format {kind}", figure)
    return files


def publish(results: dict[str, Any], output: Path | None) -> None:
    """Print the report; with --output, write it and the raw figures there."""
    report = render(results)
    print(report)
    if output:
        output.mkdir(parents=True, exist_ok=True)
        (output / "results.md").write_text(report, encoding="utf-8")
        (output / "results.json").write_text(
            json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def measure_import(args: argparse.Namespace, kind: str, path: Path, workdir: Path,
                   env: dict[str, str]) -> dict[str, Figure]:
    """The bare pass and the import, run alternately `--import-runs` times (this machine's
    timings vary from run to run): the run of median time of each, its peak RSS the largest."""
    output = workdir / f"{kind}.nt"
    bares: list[Figure] = []
    imports: list[Figure] = []
    for _ in range(args.import_runs):
        bare = timed([sys.executable, __file__, "--csv-pass", kind, str(path)], env,
                     args.command_timeout, keep_stdout=True)
        if "stdout" in bare:
            try:
                bare["records"] = int(bare.pop("stdout").strip().splitlines()[-1])
            except (ValueError, IndexError):
                bare["records"] = None
        progress("bare csv pass", bare)
        bares.append(bare)
        imported = timed([str(SEGUR_KG), "import", kind, str(path), "-o", str(output)], env,
                         args.command_timeout)
        imported.update(scale.output_figures(output, "nt"))
        progress(f"segur-kg import {kind} -o OUT.nt", imported)
        imports.append(imported)
        if not (ok(bare) and ok(imported)):
            break
    if not ok(imports[-1]):  # kept otherwise for the engine's own bulk load (end_to_end)
        output.unlink(missing_ok=True)
    return {"csv": _median_run(bares), "import": _median_run(imports)}


def _median_run(runs: list[Figure]) -> Figure:
    failed = [run for run in runs if not ok(run)]
    if failed:
        return failed[0]
    chosen = dict(sorted(runs, key=lambda run: run["s"])[len(runs) // 2])
    chosen["runs_s"] = [round(run["s"], 2) for run in runs]
    chosen["rss_mb"] = max(run["rss_mb"] for run in runs)
    return chosen


def end_to_end(args: argparse.Namespace, files: dict[str, Path], store_dir: Path,
               env: dict[str, str], steps: dict[str, Figure]) -> bool:
    """`load`, then `import auto` of the three files into the store (the two commands of the
    README); whether both went through (the second is not run after a failed first)."""
    store = f"oxigraph:{store_dir}"
    missing = [kind for kind in REGISTRIES if kind not in files]
    if missing:
        steps["import auto"] = {"error": f"no {', '.join(missing)} file: its generation failed"}
        return False
    commands = {"load": [str(SEGUR_KG), "load", "--store", store],
                "import auto": [str(SEGUR_KG), "import", "auto",
                                *(str(files[kind]) for kind in REGISTRIES), "--store", store]}
    for step, command in commands.items():
        steps[step] = timed(command, env, args.command_timeout)
        progress(f"segur-kg {step} --store", steps[step])
        if not ok(steps[step]):
            return False
    steps[COUNTS_STEP] = timed([sys.executable, __file__, "--void-counts", str(store_dir)],
                               env, args.command_timeout)
    progress("the VoID counts the import makes, again", steps[COUNTS_STEP])
    written = [store_dir.parent / f"{kind}.nt" for kind in REGISTRIES]
    if all(path.is_file() for path in written):
        engine = store_dir.parent / "engine-store"
        steps[ENGINE_STEP] = timed([sys.executable, __file__, "--engine-load", str(engine),
                                    *map(str, written)], env, args.command_timeout)
        progress("the engine alone: bulk_load into named graphs", steps[ENGINE_STEP])
        shutil.rmtree(engine, ignore_errors=True)
    for path in written:
        path.unlink(missing_ok=True)
    return True


def validate_share(args: argparse.Namespace, share: float, rows: dict[str, int],
                   workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    """The set cut to `share` of its lines (same seed), loaded and imported into a store of
    its own, then validated: seconds and peak RSS beside those of the whole set."""
    folder = workdir / f"share-{share:g}"
    folder.mkdir()
    smaller = {kind: max(1, round(rows[kind] * share)) for kind in REGISTRIES}
    found: dict[str, Any] = {"share": share, "rows": smaller}
    files = generate(args, smaller, folder, env, {})
    store_dir = folder / "store"
    steps: dict[str, Figure] = {}
    for step, command in {
            "load": [str(SEGUR_KG), "load", "--store", f"oxigraph:{store_dir}"],
            "import auto": [str(SEGUR_KG), "import", "auto",
                            *(str(files[kind]) for kind in REGISTRIES if kind in files),
                            "--store", f"oxigraph:{store_dir}"]}.items():
        steps[step] = timed(command, env, args.command_timeout)
        if not ok(steps[step]):
            found["validate"] = {"error": f"not run: {step} failed ({steps[step]['error']})"}
            return found
    counted = timed([sys.executable, __file__, "--count", f"oxigraph:{store_dir}"], env,
                    args.command_timeout, keep_stdout=True)
    found["triples"] = int(counted["stdout"].split()[-1]) if ok(counted) else None
    found["validate"] = timed([str(SEGUR_KG), "validate", "--store", f"oxigraph:{store_dir}"],
                              env, args.validate_timeout, accepted=(0, 1))
    progress(f"segur-kg validate, {share:g} of the set", found["validate"])
    found["whole"] = timed([sys.executable, __file__, "--validate-whole",
                            f"oxigraph:{store_dir}"], env, args.validate_timeout,
                           accepted=(0, 1))
    progress(f"the whole store at once, {share:g} of the set", found["whole"])
    shutil.rmtree(folder, ignore_errors=True)
    return found


def validate_whole(spec: str) -> int:
    """The store checked at once, without parts: its data graphs dumped to one file and handed
    to the engine, as `validate --store` does for a store without registry graphs."""
    from segur_kg.checking.validate import validate_files
    from segur_kg.stores import open_store

    with tempfile.TemporaryDirectory() as folder, open_store(spec) as store:
        dump = Path(folder) / "store.nt"
        with dump.open("wb") as stream:
            store.dump_ntriples(stream)
        report = validate_files([dump])
    return report.exit_code


def void_counts(folder: str) -> int:
    """The counts `import` makes of the whole store once the files are in (distinct
    subjects and objects, classes, properties, links), made again the same way on the
    imported store, read-only: how much of the import they take."""
    from pyoxigraph import Store

    from segur_kg.publishing.counts import count_store
    from segur_kg.rdf.namespaces import QUERY_PREFIXES
    from segur_kg.rdf.terms import to_rdflib
    from segur_kg.stores.oxigraph import data_graphs

    store = Store.read_only(folder)
    source = data_graphs(store, False)

    def select(text: str) -> list[tuple[Any, ...]]:
        return [tuple(to_rdflib(value) for value in solution)
                for solution in store.query(text, default_graph=source, prefixes=QUERY_PREFIXES)]

    count_store(select, workers=2)
    return 0


def engine_load(store: str, files: list[str]) -> int:
    """pyoxigraph alone: each N-Triples file into its named graph of a fresh store, with the
    option the import loads its own files with (lenient: no second check of each IRI)."""
    from pyoxigraph import NamedNode, RdfFormat, Store

    opened = Store(store)
    for path in files:
        opened.bulk_load(path=path, format=RdfFormat.N_TRIPLES,
                         to_graph=NamedNode(f"https://w3id.org/segur/graph/source/"
                                            f"{Path(path).stem}"), lenient=True)
    opened.flush()
    return 0


def run_child(args: argparse.Namespace, store_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--repeat", str(args.repeat),
               "--query-timeout", str(args.query_timeout),
               "--child", json.dumps({"store": f"oxigraph:{store_dir}"})]
    figure = timed(command, env, args.command_timeout, keep_stdout=True)
    if "error" in figure:
        return {"error": figure["error"]}
    try:
        run = json.loads(figure["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"no figures in the child's output: {figure['stdout'][-200:]!r}"}
    run["peak_rss_mb"] = figure["rss_mb"]
    return run


# --- subprocesses of this script -------------------------------------------------------------


def csv_pass(kind: str, path: str) -> int:
    """The bare pass: Python's csv module reads and splits every line, nothing else."""
    records = 0
    with open(path, encoding=ENCODINGS[kind], newline="") as text:
        for _ in csv.reader(text, **DIALECTS[kind]):
            records += 1
    print(records)
    return 0


def child(args: argparse.Namespace, spec: dict[str, Any]) -> int:
    """The national questions through the Store API, on the store opened once."""
    from segur_kg.common import paths
    from segur_kg.querying.catalog import load_file
    from segur_kg.stores import open_store

    folder = paths.queries_dir() / "national"
    store = open_store(spec["store"])
    run: dict[str, Any] = {"triples": store.count(), "folder": paths.display(folder),
                           "questions": {}}
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        try:
            named = load_file(path)
            figures = scale.measure_query(args, store, named.text, named.source,
                                          named.examples[0] if named.examples else {}, named,
                                          False)
            figures.pop("bound", None)
            if figures.pop("timeout", False):
                run.setdefault("timeouts", []).append(path.stem)
        except Exception as exc:  # recorded, not fatal
            figures = {"error": short(exc)}
        run["questions"][path.stem] = figures
    print(json.dumps(run))
    return 0


# --- the report ------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    rows = results["rows"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python "
             f"{m['python']}, rdflib {m['rdflib']}, pyoxigraph {m['pyoxigraph']}, "
             f"pyshacl {m['pyshacl']}, pyshacl-turbo {m['pyshacl-turbo']}.", "",
             "Synthetic set (`segur-kg synth --format`, seed "
             f"{results['seed']}): {rows['finess']:,} FINESS lines, {rows['rpps']:,} RPPS "
             f"lines, {rows['mssante']:,} MSSanté lines"
             + (" (national size)." if rows == NATIONAL_ROWS else "."),
             "Each command runs once, as a subprocess: wall time, and the peak RSS of its "
             "process tree (the larger of wait4's ru_maxrss and the sampled sum).", ""]
    lines += files_table(results) + imports_table(results) + store_table(results)
    lines += questions_table(results) + validate_table(results) + targets(results)
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def files_table(results: dict[str, Any]) -> list[str]:
    lines = ["## Files: `segur-kg synth --format …`", "",
             "| registry | lines | seconds | MB | peak RSS MB |", "|---|---:|---:|---:|---:|"]
    for kind in REGISTRIES:
        figure = results["generate"].get(kind)
        lines.append(f"| {TITLES[kind]} | {results['rows'][kind]:,} | {show_s(figure)} | "
                     f"{show_mb(figure, 'mb')} | {show_mb(figure)} |")
    return lines + [""]


def import_verdicts(figures: dict[str, Figure] | None) -> tuple[float | None, bool | None,
                                                              bool | None]:
    """The ratio import / bare pass, and whether each of the two targets is met."""
    if not figures:
        return None, None, None
    value = ratio(figures["import"], figures["csv"])
    memory = (figures["import"]["rss_mb"] <= IMPORT_RSS_TARGET_MB if ok(figures["import"])
              else None)
    return value, None if value is None else value <= IMPORT_RATIO_TARGET, memory


def imports_table(results: dict[str, Any]) -> list[str]:
    lines = ["## Import into N-Triples: `segur-kg import X FILE -o OUT.nt` vs a bare csv pass",
             "", "Bare pass: Python's csv module reads and splits every line of the same file "
             "(FINESS: `;` and quotes, ISO-8859-1; the others: `|`, UTF-8), nothing else. "
             "Ratio = import / bare pass. Both include their interpreter's start, which "
             "dominates small files. Each is run "
             f"{results.get('import_runs', 1)} time(s), alternately; the run of median time is "
             "shown (all runs' seconds in results.json).", "",
             "| registry | records read (bare) | bare s | bare peak RSS MB | import s | import "
             "peak RSS MB | triples | output MB | ratio | "
             f"≤ {IMPORT_RATIO_TARGET:g}× | ≤ 1 GB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for kind in REGISTRIES:
        figures = results["imports"].get(kind)
        if figures is None:
            lines.append(f"| {TITLES[kind]} | not run (no file) |")
            continue
        bare, imported = figures["csv"], figures["import"]
        value, fast, small = import_verdicts(figures)
        records = bare.get("records")
        lines.append(
            f"| {TITLES[kind]} | {f'{records:,}' if isinstance(records, int) else '—'} | "
            f"{show_s(bare)} | {show_mb(bare)} | {show_s(imported)} | {show_mb(imported)} | "
            f"{show_mb(imported, 'triples')} | {show_mb(imported, 'output_mb')} | "
            f"{show_ratio(value)} | {verdict(fast)} | {verdict(small)} |")
    return lines + [""]


ENGINE_STEP = "engine alone"
COUNTS_STEP = "counts again"  # part of the import, measured apart on its store


def end_to_end_total(steps: dict[str, Figure]) -> float | None:
    expected = ["load", "import auto"]
    if all(ok(steps.get(step)) for step in expected):
        return sum(steps[step]["s"] for step in expected)
    return None


def store_table(results: dict[str, Any]) -> list[str]:
    steps = results["store"]
    lines = ["## End to end into an Oxigraph store", "",
             "`segur-kg load --store oxigraph:P` (the base graph), then `segur-kg import auto "
             "FINESS RPPS MSSANTE --store oxigraph:P` (the three files in one import, each in "
             "its named graph).", "",
             "| step | seconds | peak RSS MB |", "|---|---:|---:|"]
    ours = {step: figure for step, figure in steps.items()
            if step not in (ENGINE_STEP, COUNTS_STEP)}
    for step, figure in ours.items():
        lines.append(f"| `{step}` | {show_s(figure)} | {show_mb(figure)} |")
    total = end_to_end_total(steps)
    shown = f"{total:.2f}" if total is not None else "—"
    peak = max((figure["rss_mb"] for figure in ours.values() if ok(figure)), default=None)
    lines.append(f"| **total** | **{shown}** | {f'{peak:,} (largest step)' if peak else '—'} |")
    counted = steps.get(COUNTS_STEP)
    if counted is not None:
        lines.append(f"| of the import: its VoID counts of the whole store (distinct subjects "
                     f"and objects, classes, properties), made again on the imported store | "
                     f"{show_s(counted)} | {show_mb(counted)} |")
    engine = steps.get(ENGINE_STEP)
    if engine is not None:
        lines.append(f"| the engine alone: `bulk_load` of the imports' N-Triples into their "
                     f"named graphs (lenient, as the import loads them) | {show_s(engine)} | "
                     f"{show_mb(engine)} |")
    lines += ["", f"Target: total ≤ {END_TO_END_TARGET_S / 60:g} minutes — "
              f"{verdict(None if total is None else total <= END_TO_END_TARGET_S)}"
              + (f"; ×{total / engine['s']:.2f} the engine alone"
                 if total is not None and ok(engine) else "") + ".", ""]
    return lines


def question_summary(asked: dict[str, dict[str, Any]]) -> tuple[float, float, str] | None:
    medians = {name: q["median_s"] for name, q in asked.items() if "median_s" in q}
    if not medians:
        return None
    worst = max(medians, key=medians.__getitem__)
    return statistics.median(medians.values()), medians[worst], worst


def questions_table(results: dict[str, Any]) -> list[str]:
    child = results["questions"]
    lines = ["## National questions on that store", ""]
    if "error" in child:
        return lines + [f"Not measured: {cell(child['error'])}", ""]
    asked = child["questions"]
    if not asked:
        return lines + [f"Not measured: no national question ({child['folder']}/*.rq) yet.", ""]
    lines += ["Through the Store API (`segur_kg.stores.open_store`, then `Store.query` with the "
              "query's first example bindings), in one child process that opens the store once: "
              "the interpreter's start and the opening of the store are not counted (a "
              "`segur-kg query` run would add them). Asserted triples, no closure. Per question "
              f"the median of {results['repeat']} run(s). Store: "
              f"{child['triples']:,} triples; child peak RSS {child['peak_rss_mb']:,} MB.", "",
              "| question | rows | median ms |", "|---|---:|---:|"]
    for name, q in asked.items():
        if "error" in q:
            lines.append(f"| {name} | error: {cell(q['error'])} | |")
        else:
            lines.append(f"| {name} | {q['rows']:,} | {1000 * q['median_s']:.1f} |")
    if child.get("timeouts"):
        lines += ["", "Stopped at the time limit (counted as the limit): "
                  f"{', '.join(child['timeouts'])}."]
    summary = question_summary(asked)
    if summary:
        median, worst, name = summary
        lines += ["", f"Median of the medians: {1000 * median:.1f} ms (target ≤ "
                  f"{QUESTION_MEDIAN_TARGET_S:g} s) — "
                  f"{verdict(median <= QUESTION_MEDIAN_TARGET_S)}; maximum: {1000 * worst:.1f} "
                  f"ms, {name} (target ≤ {QUESTION_MAX_TARGET_S:g} s) — "
                  f"{verdict(worst <= QUESTION_MAX_TARGET_S)}."]
    return lines + [""]


def validate_table(results: dict[str, Any]) -> list[str]:
    figure = results["validate"]
    lines = ["## Validate: `segur-kg validate --store oxigraph:P` (reported, no target)", ""]
    if figure is None:
        return lines + ["Not run: " + ("--imports-only." if "not run" in str(
            results["questions"].get("error", "")) else "the store was not filled."), ""]
    child = results["questions"]
    rows = [(f"{share['share']:g}", share.get("triples"), share["validate"], share.get("whole"))
            for share in results.get("validate_shares", [])]
    rows.append(("1 (the set above)", child.get("triples"), figure, None))
    lines += ["`segur-kg validate --store` checks a store holding registry graphs in parts "
              "(stores.parts); beside it, the same store checked at once (its data graphs "
              "dumped to one file and handed to the engine, as for a store without registry "
              "graphs), for smaller sets of the same seed (each share of its lines), to show "
              "how each grows.", "",
              "| share of the set | triples | in parts: seconds | peak RSS MB | exit | "
              "at once: seconds | peak RSS MB |",
              "|---|---:|---:|---:|---|---:|---:|"]
    for share, triples, found, whole in rows:
        count = f"{triples:,}" if triples else "–"
        if ok(found):
            said = "conforms" if found["exit"] == 0 else "violations found"
            cells = (f"{found['s']:.2f} | {found['rss_mb']:,} | {found['exit']} ({said})")
        else:
            cells = f"{cell(found['error'])} | – | –"
        if whole is None:
            at_once = "not run | –"
        elif ok(whole):
            at_once = f"{whole['s']:.2f} | {whole['rss_mb']:,}"
        else:
            at_once = f"{cell(whole['error'])} | –"
        lines.append(f"| {share} | {count} | {cells} | {at_once} |")
    return lines + [""]


def targets(results: dict[str, Any]) -> list[str]:
    lines = ["## Targets", ""]
    for kind in REGISTRIES:
        figures = results["imports"].get(kind)
        value, fast, small = import_verdicts(figures)
        if value is None:
            lines.append(f"- import {kind} ≤ {IMPORT_RATIO_TARGET:g}× the bare csv pass and "
                         "≤ 1 GB: not measured (see the tables)")
            continue
        lines.append(f"- import {kind} ≤ {IMPORT_RATIO_TARGET:g}× the bare csv pass: "
                     f"×{value:.2f} — {verdict(fast)}; ≤ 1 GB: "
                     f"{figures['import']['rss_mb']:,} MB — {verdict(small)}")
    total = end_to_end_total(results["store"])
    lines.append(f"- end to end into Oxigraph ≤ {END_TO_END_TARGET_S / 60:g} minutes: "
                 + ("not measured (see the tables)" if total is None else
                    f"{total:.1f} s — {verdict(total <= END_TO_END_TARGET_S)}"))
    child = results["questions"]
    asked = child.get("questions", {})
    summary = question_summary(asked) if "error" not in child else None
    if summary is None:
        lines.append("- national questions: not measured (see the tables)")
    else:
        median, worst, name = summary
        failed = sum("error" in q for q in asked.values())
        lines.append(f"- national questions ({len(asked) - failed} of {len(asked)} answered"
                     f"{'; the others failed, see the table' if failed else ''}), "
                     f"median of the medians ≤ "
                     f"{QUESTION_MEDIAN_TARGET_S:g} s: {1000 * median:.1f} ms — "
                     f"{verdict(median <= QUESTION_MEDIAN_TARGET_S)}; maximum ≤ "
                     f"{QUESTION_MAX_TARGET_S:g} s: {1000 * worst:.1f} ms ({name}) — "
                     f"{verdict(worst <= QUESTION_MAX_TARGET_S)}")
    return lines + [""]


if __name__ == "__main__":
    sys.exit(main())
