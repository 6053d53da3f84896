"""The `segur-kg` command: a thin layer over the library modules.

Exit codes: 0 success (validation may have warnings), 1 validation found violations,
2 unusable input (bad file, query, parameter or option), 3 query timeout, 130 interrupted,
141 output pipe closed early (as if killed by SIGPIPE).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from segur_kg.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, SegurKgError

EXIT_BROKEN_PIPE = 141
LANGS = ("fr", "en")


def build_parser() -> argparse.ArgumentParser:
    from segur_kg.export import FORMATS as EXPORT_FORMATS
    from segur_kg.formatting import RESULT_FORMATS
    from segur_kg.stats import STATS_FORMATS
    from segur_kg.validate import REPORT_FORMATS

    parser = argparse.ArgumentParser(
        prog="segur-kg",
        description="Query, validate and export the Ségur du numérique knowledge graph.",
        epilog="Exit codes: 0 ok, 1 violations found, 2 unusable input, 3 query timeout, "
        "130 interrupted.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    query = commands.add_parser("query", help="run a named query, a .rq file or SPARQL text")
    query.add_argument("target", nargs="?", metavar="NAME|FILE.rq",
                       help="a query name from queries/ or a path to a .rq file")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--sparql", metavar="TEXT", help="SPARQL query text")
    query.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="bind a parameter declared in the query header (repeatable)")
    query.add_argument("--format", choices=RESULT_FORMATS, default="table")
    query.add_argument("--lang", choices=LANGS, default="fr", help="language of labels")
    query.add_argument("--infer", action="store_true", help="query the OWL 2 RL closure")
    query.add_argument("--iris", action="store_true", help="show IRIs instead of labels")
    query.add_argument("--timeout", type=float, default=30.0, metavar="S",
                       help="stop the query after S seconds (exit 3); 0 means no limit")

    validate = commands.add_parser("validate", help="check the dataset or files with SHACL")
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE",
                          help="validate these files instead of the dataset")
    validate.add_argument("--lang", choices=LANGS, default="fr", help="language of messages")
    validate.add_argument("--format", choices=REPORT_FORMATS, default="text")

    export = commands.add_parser("export", help="write the whole graph in one RDF format")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="ttl")
    export.add_argument("--infer", action="store_true", help="export the OWL 2 RL closure")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (atomically) instead of standard output")

    stats = commands.add_parser("stats", help="count triples, resources and labels")
    stats.add_argument("--format", choices=STATS_FORMATS, default="table")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _dispatch(argv)
    except SegurKgError as exc:
        print(f"segur-kg: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("segur-kg: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (e.g. `head`) went away; say nothing and stop writing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _dispatch(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from segur_kg.metadata import metadata

        _write(f"segur-kg {metadata().version}\n")
        return EXIT_OK
    if args.command == "query":
        return _query(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "export":
        return _export(args)
    if args.command == "stats":
        return _stats(args)
    parser.print_help(sys.stderr)
    return EXIT_INPUT


def _query(args: argparse.Namespace) -> int:
    from segur_kg import catalog

    if args.list:
        _write(_list_queries(catalog.list_queries(), args.lang))
        return EXIT_OK
    if args.sparql is not None and args.target:
        raise SegurKgError("give either a query name/file or --sparql TEXT, not both")
    if args.sparql is not None:
        named = catalog.parse_header(args.sparql, "--sparql", None)
    elif args.target:
        named = catalog.resolve(args.target)
    else:
        raise SegurKgError(
            "no query given; pass a query name, a .rq file, --sparql TEXT or --list"
        )
    if args.timeout < 0:
        raise SegurKgError(f"--timeout {args.timeout:g} is negative; give seconds, 0 for no limit")

    from segur_kg import formatting, sparql

    bindings = sparql.bind_params(named, _pairs(args.param))
    prepared = sparql.prepare(named.text, named.source)
    graph = _graph(args.infer)
    result = sparql.run(graph, prepared, bindings, args.timeout or None)
    _write(formatting.render(result, args.format, graph, args.lang, args.iris))
    return EXIT_OK


def _pairs(items: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SegurKgError(f"--param '{item}' is not KEY=VALUE; write --param name=value")
        if key.strip() in pairs:
            raise SegurKgError(f"--param {key.strip()} is given twice; give it once")
        pairs[key.strip()] = value
    return pairs


def _graph(infer: bool):  # noqa: ANN202 - rdflib is imported lazily
    if infer:
        from segur_kg.inference import inferred_dataset

        return inferred_dataset()
    from segur_kg.rdf_io import load_dataset

    return load_dataset()


def _list_queries(queries: list, lang: str) -> str:
    other = "en" if lang == "fr" else "fr"
    lines = []
    for query in queries:
        question = query.questions.get(lang) or query.questions.get(other, "")
        lines.append(f"{query.name}  {question}".rstrip())
        if query.params:
            described = []
            for param in query.params:
                extra = ", optional" if param.optional else ""
                extra += f", default={param.default}" if param.default is not None else ""
                described.append(f"{param.name} ({param.kind}{extra})")
            lines.append("    params: " + ", ".join(described))
    return "\n".join(lines) + ("\n" if lines else "")


def _validate(args: argparse.Namespace) -> int:
    from segur_kg import validate

    if args.files:
        report = validate.validate_files(args.files, args.lang)
    else:
        report = validate.validate_dataset(args.lang)
    _write(validate.render(report, args.format))
    return report.exit_code


def _export(args: argparse.Namespace) -> int:
    from segur_kg.export import check_output, export, write_output

    if args.output is not None:
        check_output(args.output)  # fail before the slow part
    data = export(args.format, args.infer)
    if args.output is None:
        _write_bytes(data)
    else:
        write_output(args.output, data)
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    from segur_kg import stats
    from segur_kg.rdf_io import load_dataset

    _write(stats.render(stats.compute(load_dataset()), args.format))
    return EXIT_OK


def _write(text: str) -> None:
    _write_bytes(text.encode("utf-8"))


def _write_bytes(data: bytes) -> None:
    # Always UTF-8, whatever the locale says. A write into a pipe the reader has closed can
    # report a short count instead of failing; writing the rest then raises BrokenPipeError.
    sys.stdout.flush()
    view = memoryview(data)
    while view:
        written = sys.stdout.buffer.write(view)
        view = view[written:]
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    sys.exit(main())
