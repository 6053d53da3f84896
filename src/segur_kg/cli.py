"""The `segur-kg` command: a thin layer over the library modules.

Exit codes: 0 success (validation may have warnings), 1 validation found violations or diff
found differences, 2 unusable input (bad file, query, parameter or option), 3 query stopped
(time limit or memory ceiling, or its process crashed), 130 interrupted, 141 output pipe closed
early (as if killed by SIGPIPE), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from segur_kg.common.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, SegurKgError

EXIT_BROKEN_PIPE = 141
LANGS = ("fr", "en")


def build_parser() -> argparse.ArgumentParser:
    from segur_kg.checking.validate import DEFAULT_ENGINE, ENGINES, REPORT_FORMATS
    from segur_kg.publishing.formats import CHOICES as EXPORT_FORMATS
    from segur_kg.publishing.formats import TABLE_LANGS
    from segur_kg.publishing.stats import STATS_FORMATS
    from segur_kg.querying.confinement import DEFAULT_MAX_MEMORY, format_size
    from segur_kg.querying.formatting import RESULT_FORMATS

    parser = _Parser(
        prog="segur-kg",
        description="Query, validate and export the Ségur du numérique knowledge graph.",
        epilog="Exit codes: 0 ok, 1 violations found (validate) or differences found (diff), "
        "2 unusable input, 3 query stopped (time limit, memory ceiling), 130 interrupted, "
        "141 output closed early (e.g. by head).",
    )
    parser.add_argument("-V", "--version", action="store_true",
                        help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # Every command that reads the graph can read it from any store.
    from segur_kg.stores import STORE_HELP

    with_store = _Parser(add_help=False)
    with_store.add_argument("--store", default="memory", metavar="STORE", help=STORE_HELP)

    query = commands.add_parser("query", parents=[with_store],
                                help="run a named query, a .rq file or SPARQL text")
    query.add_argument("target", nargs="?", metavar="NAME|FILE.rq",
                       help="a query name from queries/ or a path to a .rq file")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--sparql", metavar="TEXT", help="SPARQL query text")
    query.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="bind a parameter declared in the query header (repeatable)")
    query.add_argument("--format", choices=RESULT_FORMATS, default="table",
                       help="of the answer; with --list: table or json")
    query.add_argument("--lang", choices=LANGS, default="fr", help="language of labels")
    query.add_argument("--infer", action="store_true", help="query the OWL 2 RL closure")
    query.add_argument("--iris", action="store_true", help="show IRIs instead of labels")
    query.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                       help="stop the query after S seconds (exit 3); 0 means no limit")
    query.add_argument("--max-memory", type=_memory, default=DEFAULT_MAX_MEMORY, metavar="SIZE",
                       help="stop the query when it needs more memory than SIZE (exit 3), "
                       f"e.g. 512M or 4G (default {format_size(DEFAULT_MAX_MEMORY)})")

    validate = commands.add_parser("validate", parents=[with_store],
                                   help="check the dataset or files with SHACL")
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE",
                          help="validate these files instead of the dataset")
    validate.add_argument("--lang", choices=LANGS, default="fr", help="language of messages")
    validate.add_argument("--format", choices=REPORT_FORMATS, default="text")
    validate.add_argument("--with-dataset", action="store_true",
                          help="check the files together with the dataset, so links to its "
                          "resources are known")
    validate.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                          help="SHACL engine (default %(default)s, native; pyshacl is the "
                          "pure-Python reference)")

    export = commands.add_parser(
        "export", parents=[with_store],
        help="write the whole graph in one RDF format, a JSON-LD frame or a CSV table")
    export.add_argument("--format", choices=EXPORT_FORMATS,
                        help="default: the one -o's extension names, else ttl")
    export.add_argument("--infer", action="store_true", help="export the OWL 2 RL closure")
    export.add_argument("--frame", metavar="NAME",
                        help="with --format jsonld: shape the output by ontology/frames/NAME.json")
    export.add_argument("--table", metavar="NAME",
                        help="with --format csv (required): the table to write, e.g. actors")
    export.add_argument("--lang", choices=TABLE_LANGS,
                        help="with --format csv: language of labels and headers (default fr)")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (atomically) instead of standard output")

    nos = commands.add_parser("nos", help="convert NOS terminologies (FHIR RDF) to SKOS")
    nos_commands = nos.add_subparsers(dest="nos_command", metavar="ACTION", required=True)
    nos_import = nos_commands.add_parser(
        "import", help="write one SKOS concept scheme (Turtle) per FHIR CodeSystem file")
    nos_import.add_argument("files", nargs="+", type=Path, metavar="FILE",
                            help="NOS code systems in FHIR RDF (Turtle)")
    nos_import.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                            help="folder to write the schemes to")

    describe = commands.add_parser("describe", parents=[with_store],
                                   help="print the VoID + DCAT description")
    describe.add_argument("--format", choices=("ttl", "jsonld", "nt"), default="ttl")
    describe.add_argument("--base-url", metavar="URL",
                          help="where releases are published (download URLs start with it)")
    describe.add_argument("-o", "--output", type=Path, metavar="FILE",
                          help="write to FILE (atomically) instead of standard output")

    release = commands.add_parser("release", help="build dist/segur-kg-VERSION/ with checksums")
    release.add_argument("-o", "--output", type=Path, default=Path("dist"), metavar="DIR",
                         help="folder to build the release in (default: dist)")
    release.add_argument("--force", action="store_true", help="replace an existing release")
    release.add_argument("--base-url", metavar="URL",
                         help="where releases are published (download URLs start with it)")

    diff = commands.add_parser("diff", help="semantic diff of two RDF files or folders",
                               epilog="Exit codes: 0 no difference, 1 differences found, 2 "
                               "unusable input.")
    diff.add_argument("old", type=Path, metavar="OLD", help="an RDF file or a folder")
    diff.add_argument("new", type=Path, metavar="NEW", help="an RDF file or a folder")
    diff.add_argument("--format", choices=("text", "md"), default="text")
    diff.add_argument("--lang", choices=LANGS, default="fr", help="language of labels")

    docs = commands.add_parser("docs", help="generate the documentation site (static HTML)")
    docs.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                      help="folder of the site; a site made earlier there is replaced")
    docs.add_argument("--lang", choices=LANGS, default="fr", help="language of the pages")

    stats = commands.add_parser("stats", parents=[with_store],
                                help="count triples, resources and labels")
    stats.add_argument("--format", choices=STATS_FORMATS, default="table")

    serve = commands.add_parser(
        "serve", parents=[with_store],
        help="serve the graph over HTTP: SPARQL endpoint, IRIs, HTML pages")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    serve.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                       help="kill a query after S seconds (default 30)")
    serve.add_argument("--max-rows", type=int, default=10_000, metavar="N",
                       help="return at most N rows or triples per query (default 10000)")
    serve.add_argument("--workers", type=int, default=2, metavar="N",
                       help="query worker processes (default 2)")
    serve.add_argument("--max-memory", type=_memory, default=DEFAULT_MAX_MEMORY, metavar="SIZE",
                       help="memory each query may use in its worker, e.g. 512M or 4G; a query "
                       f"that needs more gets 503 (default {format_size(DEFAULT_MAX_MEMORY)})")
    serve.add_argument("--base-iri", metavar="IRI",
                       help="address the links point to, e.g. https://w3id.org/segur/ "
                            "(default: http://HOST:PORT/)")
    serve.add_argument("--no-infer", action="store_true",
                       help="serve the asserted triples only, without the OWL 2 RL closure")

    load = commands.add_parser(
        "load", parents=[with_store],
        help="fill a store with the dataset and extra files (replaces what it held)")
    load.add_argument("files", nargs="*", type=Path, metavar="FILE",
                      help="extra RDF files to load with the dataset (.ttl, .nt, .nq, .trig, "
                      ".rdf, .jsonld; named graphs are merged into the default graph)")
    load.add_argument("--infer", action="store_true",
                      help="also compute the closure graph that --infer queries read")
    load.add_argument("--graph-store", metavar="URL",
                      help="with --store sparql:URL: the Graph Store Protocol URL to write to")

    infer = commands.add_parser(
        "infer", parents=[with_store],
        help="compute the entailment closure of a store's triples (for --infer)")
    infer.add_argument("--graph-store", metavar="URL",
                       help="with --store sparql:URL: the Graph Store Protocol URL to write to")

    registries = ("finess", "rpps", "mssante")
    importing = commands.add_parser(
        "import", help="import a national registry file (FINESS, Annuaire Santé, MSSanté)",
        description="Import the official open-data file of a national registry, as published "
        "(the text file or the ZIP archive it comes in): finess = the FINESS etalab extract, "
        "rpps = the Annuaire Santé PS_LibreAcces_Personne_activite file, mssante = the "
        "Extraction_Correspondance_MSSante file; auto = each file's registry is recognised "
        "from its first line, and all are imported in one go. Into a store, each registry is a "
        "named graph that a newer import replaces; into a file, N-Triples (.nt) or N-Quads "
        "(.nq).")
    importing.add_argument("registry", choices=(*registries, "auto"), type=str.lower)
    importing.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importing.add_argument("-o", "--output", type=Path, metavar="OUT.nt|OUT.nq",
                           help="write the triples to this file (atomically)")
    importing.add_argument("--store", metavar="STORE",
                           help="oxigraph:PATH, a store filled by `segur-kg load`")
    importing.add_argument("--strict", action="store_true",
                           help="stop at the first malformed line (default: skip and count)")
    importing.add_argument(
        "--include-personal-data", action="store_true",
        help="also keep professionals' names and personal mailbox addresses; by default the "
        "graph keeps public identifiers and professional attributes only. Use it when you "
        "need to find a named person's entry and may lawfully process that data")

    synth = commands.add_parser(
        "synth", help="write a synthetic national-scale extension of the graph (N-Triples), "
        "or a synthetic registry file in its official format (--format)")
    synth.add_argument("--scale", metavar="N",
                       help="about how many triples to write: 20000, 100k, 1M, 10M…")
    synth.add_argument("--seed", metavar="S", help="random seed (default 0); same seed, same bytes")
    synth.add_argument("-o", "--output", type=Path, metavar="FILE.nt",
                       help="the file to write (atomically)")
    synth.add_argument("--format", choices=registries, dest="registry", type=str.lower,
                       help="write a file in this registry's official format instead, with "
                       "fictional people; the same --seed cross-references the three files")
    synth.add_argument("--rows", metavar="N",
                       help="with --format: records to write (FINESS: establishments, each "
                       "with its geolocation line; RPPS: activity lines; MSSanté: mailbox "
                       "lines)")
    synth.add_argument("--finess-rows", metavar="N",
                       help="with --format rpps or mssante: establishments of the FINESS file "
                       "to point to (default: the national ratio)")
    synth.add_argument("--rpps-rows", metavar="N",
                       help="with --format mssante: activity lines of the RPPS file to point "
                       "to (default: the national ratio)")
    examples = commands.add_parser(
        "examples", help="copy the example files of the README's tour into a folder")
    examples.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                          help="folder to copy them to (made if needed; no file is replaced)")

    completion = commands.add_parser(
        "completion", help="print a shell completion script",
        description="Print a completion script for bash (zsh: run `autoload bashcompinit && "
        "bashcompinit` first). Install it with: segur-kg completion bash > "
        "~/.local/share/bash-completion/completions/segur-kg")
    completion.add_argument("shell", choices=("bash",))
    return parser


class _Parser(argparse.ArgumentParser):
    """Argument errors on one line, with a suggestion for a misspelt choice."""

    def error(self, message: str) -> None:  # type: ignore[override]
        import difflib
        import re

        found = re.search(r"invalid choice: '(.*?)' \(choose from (.*)\)$", message)
        if found:
            choices = re.findall(r"'([^']*)'", found[2])
            close = difflib.get_close_matches(found[1], choices, n=1, cutoff=0.5)
            message = message[:found.start()] + f"'{found[1]}' is not one of " + \
                ", ".join(choices) + (f"; did you mean '{close[0]}'?" if close else "")
        see = " See" if message.endswith("?") else "; see"
        command = self.prog.removeprefix("segur-kg").strip()
        where = f"{command}: " if command else ""
        print(f"segur-kg: error: {where}{message}{see} '{self.prog} --help'", file=sys.stderr)
        sys.exit(EXIT_INPUT)


def main(argv: list[str] | None = None) -> int:
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, _interrupted)
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
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _interrupted(_signum: int, _frame: object) -> None:
    """Ctrl-C: stop with exit 130. Some of rdflib's code catches every exception, so if the
    interruption is swallowed there, a timer ends the command two seconds later."""
    import threading

    def stop() -> None:
        print("segur-kg: interrupted", file=sys.stderr, flush=True)
        os._exit(EXIT_INTERRUPTED)

    timer = threading.Timer(2.0, stop)
    timer.daemon = True
    timer.start()
    raise KeyboardInterrupt


def _dispatch(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from segur_kg.common.metadata import metadata

        _write(f"segur-kg {metadata().version}\n")
        return EXIT_OK
    if args.command == "query":
        return _query(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "export":
        return _export(args)
    if args.command == "nos":
        return _nos_import(args)
    if args.command in ("describe", "release", "diff"):
        return _publishing(args)
    if args.command == "docs":
        return _docs(args)
    if args.command == "stats":
        return _stats(args)
    if args.command == "serve":
        return _serve(args)
    if args.command in ("load", "infer"):
        return _fill_store(args)
    if args.command == "synth":
        return _synth(args)
    if args.command == "import":
        return _import(args)
    if args.command == "examples":
        from segur_kg.publishing.examples import copy_examples

        copied = copy_examples(args.output)
        print(f"copied {len(copied)} files to {args.output}", file=sys.stderr)
        return EXIT_OK
    if args.command == "completion":
        from segur_kg.common.completion import bash_script

        _write(bash_script(parser))
        return EXIT_OK
    parser.print_help(sys.stderr)
    return EXIT_INPUT


def _query(args: argparse.Namespace) -> int:
    from segur_kg.querying import catalog

    if args.list:
        if args.format not in ("table", "json"):
            raise SegurKgError(f"query --list writes a table or JSON, not {args.format}; "
                               "give --format table or --format json")
        queries = catalog.list_queries(national=True)
        if args.format == "json":
            _write(catalog.listing_json(queries))
        else:
            _write(_list_queries(queries, args.lang))
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

    from segur_kg.querying import confinement, formatting, sparql
    from segur_kg.stores import is_remote

    given = _pairs(args.param)
    bindings = sparql.bind_params(named, given, args.lang)

    def answer() -> bytes:
        # Checked in the confined process too: the check itself reads untrusted text. The text
        # rdflib checks is the text the engine runs (see query_text).
        with _open_graph(args) as kg:
            store = kg.store
            result = kg.evaluate(named, bindings, args.timeout or None)
            shown = [term for row in result.rows for term in row]
            labels = store.labels(shown, args.infer) if not args.iris \
                and args.format != "json" else None
            text = formatting.render(result, args.format, labels, args.lang, args.iris)
            if args.format == "table" and result.kind == "SELECT" and not result.rows:
                text += _why_empty(kg, named.name, {key: term for key, term in bindings.items()
                                                    if key in given})
        return text.encode()

    # Evaluated in a child process with no network, a memory ceiling and a time limit; only a
    # remote endpoint needs the network, to receive the query.
    _write_bytes(confinement.run(answer, timeout=args.timeout or None,
                                 max_memory=args.max_memory, network=is_remote(args.store)))
    return EXIT_OK


def _why_empty(kg, name: str, given: dict) -> str:  # noqa: ANN001
    """A line under an empty table when its likely cause can be told: a national question on a
    store without the figures an import counts, or a name the user gave as a parameter
    (matched letter for letter, accents included)."""
    from rdflib import Literal

    from segur_kg.querying import sparql
    from segur_kg.stores.base import FIGURES_GRAPH

    if name.startswith("national/") and not name.startswith("national/by-records/"):
        ask = f"ASK {{ GRAPH <{FIGURES_GRAPH}> {{ ?s ?p ?o }} }}"
        if kg.store.in_memory or not kg.store.query(ask, sparql.prepare(ask, "segur-kg"), {},
                                                    False).boolean:  # the files hold none
            return ("(no national figures here: an import into a store counts them, "
                    "`segur-kg import auto FILE… --store oxigraph:PATH`, and the questions "
                    "read them there with --store; see docs/national-data.md)\n")
    names = [f"{key}={str(term)!r}" for key, term in sorted(given.items())
             if isinstance(term, Literal) and any(c.isalpha() for c in str(term))]
    if names:
        return (f"(nothing for {', '.join(names)}: check the value; a name is matched as "
                "the graph writes it, accents included)\n")
    return ""


def _open_store(args: argparse.Namespace, create: bool = False):  # noqa: ANN202
    from segur_kg.stores import open_store

    return open_store(args.store, create=create, graph_store=getattr(args, "graph_store", None))


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


def _list_queries(queries: list, lang: str) -> str:
    import shlex

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
            for example in query.examples:
                shown = " ".join("--param " + shlex.quote(f"{key}={value}")
                                 for key, value in example.items())
                lines.append(f"    e.g. segur-kg query {query.name} {shown}")
    return "\n".join(lines) + ("\n" if lines else "")


def _validate(args: argparse.Namespace) -> int:
    from segur_kg.checking import validate

    if args.store != "memory" and (args.files or args.with_dataset):
        raise SegurKgError("validate --store checks what the store holds; load the files "
                           "into it (segur-kg load) instead of naming them")
    with _open_graph(args) as kg:
        report = kg.validate(args.files, with_dataset=args.with_dataset, lang=args.lang,
                             engine=args.engine)
    _write(validate.render(report, args.format))
    if report.hint:
        print(f"segur-kg: hint: {report.hint}", file=sys.stderr)
    return report.exit_code


def _export(args: argparse.Namespace) -> int:
    from segur_kg.publishing.export import check_options, check_output, export_to

    fmt = _export_format(args.format, args.output)
    check_options(fmt, args.frame, args.table, args.lang)
    if args.output is not None:
        check_output(args.output)  # fail before the slow part
    with _open_graph(args) as kg:
        if args.output is not None:
            kg.export(fmt, args.output, frame=args.frame, table=args.table, lang=args.lang)
            return EXIT_OK
        sys.stdout.flush()
        with _writing_stdout():
            export_to(_Stdout(), fmt, args.infer, frame=args.frame, table=args.table,
                      lang=args.lang, store=kg.store)
            sys.stdout.buffer.flush()
    return EXIT_OK


def _export_format(given: str | None, output: Path | None) -> str:
    """--format, else the one -o's extension names; Turtle when neither says (said on stderr)."""
    from segur_kg.publishing.formats import format_of

    if given is not None:
        return given
    if output is not None:
        found = format_of(output)
        if found is None:
            raise SegurKgError(f"{output}: cannot tell the format from the extension; "
                               "give --format (ttl, nt, nq, trig, xml, jsonld, csv)")
        return found
    print("segur-kg: writing Turtle (give --format to choose another format)", file=sys.stderr)
    return "ttl"


def _open_graph(args: argparse.Namespace):  # noqa: ANN202
    from segur_kg.api import KnowledgeGraph

    return KnowledgeGraph(_open_store(args), getattr(args, "infer", False))


def _stats(args: argparse.Namespace) -> int:
    from segur_kg.publishing import stats

    with _open_store(args) as store:
        measured = stats.compute(store.graph()) if store.in_memory else stats.compute_store(store)
        _write(stats.render(measured, args.format))
    return EXIT_OK


def _seconds(text: str) -> float:
    """A time limit in seconds: finite, from 0 (no limit) to one day."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not math.isfinite(value) or not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(
            f"'{text}' is out of range; give seconds between 0 (no limit) and 86400")
    return value


def _memory(text: str) -> int:
    from segur_kg.querying.confinement import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _write(text: str) -> None:
    _write_bytes(text.encode("utf-8"))


class _Stdout:
    """Standard output as a binary stream whose write() writes everything or raises: a write
    into a pipe the reader has closed can report a short count instead of failing; writing the
    rest then raises BrokenPipeError."""

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            written = sys.stdout.buffer.write(view)
            view = view[written:]
        return len(data)

    def writelines(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        sys.stdout.buffer.flush()


def _write_bytes(data: bytes) -> None:
    # Always UTF-8, whatever the locale says.
    sys.stdout.flush()
    with _writing_stdout():
        _Stdout().write(data)
        sys.stdout.buffer.flush()


@contextmanager
def _writing_stdout() -> Iterator[None]:
    """A failed write to standard output as one clear error; a closed pipe is left to main()."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise SegurKgError(
            f"cannot write to standard output ({exc.strerror}); free space or redirect with -o"
        ) from None


def _nos_import(args: argparse.Namespace) -> int:
    from segur_kg.common.paths import display
    from segur_kg.sources.nos import import_files

    for written in import_files(args.files, args.output):
        print(f"wrote {display(written)}", file=sys.stderr)
    return EXIT_OK


def _publishing(args: argparse.Namespace) -> int:
    """describe, release and diff."""
    if args.command == "describe":
        from segur_kg.publishing.describe import check_base_url, render
        from segur_kg.publishing.export import check_output, write_output

        check_base_url(args.base_url)
        if args.output is not None:
            check_output(args.output)
        with _open_graph(args) as kg:
            data = render(kg.describe(base_url=args.base_url), args.format)
        if args.output is None:
            _write_bytes(data)
        else:
            write_output(args.output, data)
        return EXIT_OK
    if args.command == "release":
        from segur_kg.publishing.release import CHECKSUMS, build

        target = build(args.output, args.force, args.base_url)
        _write((target / CHECKSUMS).read_text(encoding="utf-8"))
        print(f"wrote {target}", file=sys.stderr)
        return EXIT_OK
    from segur_kg.publishing.diff import run

    text, differs = run(args.old, args.new, args.format, args.lang)
    _write(text)
    return 1 if differs else EXIT_OK


def _docs(args: argparse.Namespace) -> int:
    from segur_kg.publishing.docs import build_site

    summary = build_site(args.output, args.lang)
    _write(f"wrote {summary.pages} pages ({summary.resources} resources, {summary.classes} "
           f"classes) and {summary.diagrams} diagrams to {args.output}\n")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from segur_kg.server import Settings, serve

    serve(Settings(host=args.host, port=args.port, timeout=args.timeout, max_rows=args.max_rows,
                   workers=args.workers, base_iri=args.base_iri, infer=not args.no_infer,
                   store=args.store, max_memory=args.max_memory))
    return EXIT_OK


def _fill_store(args: argparse.Namespace) -> int:
    """load and infer."""
    with _open_store(args, create=args.command == "load") as store:
        if args.command == "infer":
            size = store.infer()
            _write(f"{store.name}: closure graph of {size:,} triples\n")
            return EXIT_OK
        summary = store.load(args.files, args.infer)
    rate = summary.asserted / summary.seconds if summary.seconds else 0.0
    closure = (f"; closure graph of {summary.closure:,} triples in "
               f"{summary.infer_seconds:.1f} s" if summary.closure else "")
    _write(f"{store.name}: {summary.asserted:,} triples in {summary.seconds:.1f} s "
           f"({rate:,.0f} triples/s){closure}\n")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from segur_kg.sources.registries import importing

    if args.store is not None and args.output is not None:
        raise SegurKgError("give either -o FILE or --store STORE, not both")
    if args.store is None and args.output is None:
        raise SegurKgError("give -o OUT.nt (or .nq) or --store oxigraph:PATH")
    options = {"strict": args.strict, "include_personal_data": args.include_personal_data}
    if args.output is not None:
        reports = importing.run(args.registry, args.files,
                                output=importing.check_output(args.output), **options)
    else:
        with _open_store(args) as store:
            reports = importing.run(args.registry, args.files, store=store, **options)
    for report in reports:
        print(report.summary(), file=sys.stderr)
    return EXIT_OK


def _synth(args: argparse.Namespace) -> int:
    from segur_kg.common.paths import display
    from segur_kg.sources import synth

    if args.registry is not None:
        return _synth_registry(args)
    if args.rows is not None:
        raise SegurKgError("--rows goes with --format finess|rpps|mssante")
    scale, seed = synth.parse_scale(args.scale), synth.parse_seed(args.seed)
    summary = synth.generate(scale, seed, synth.check_output(args.output))
    print(f"wrote {summary.triples:,} triples to {display(summary.path)} (seed {seed})",
          file=sys.stderr)
    return EXIT_OK


def _synth_registry(args: argparse.Namespace) -> int:
    from segur_kg.common.paths import display
    from segur_kg.sources import synth
    from segur_kg.sources.registries import synthetic

    if args.scale is not None:
        raise SegurKgError("--scale is for the graph extension; with --format give --rows N")
    if args.output is None:
        raise SegurKgError(f"give the file to write with -o, e.g. -o {args.registry}.txt")
    if args.finess_rows is not None and args.registry == "finess":
        raise SegurKgError("--finess-rows goes with --format rpps or mssante, whose files point "
                           "to a FINESS file")
    if args.rpps_rows is not None and args.registry != "mssante":
        raise SegurKgError("--rpps-rows goes with --format mssante, whose file points to an "
                           "RPPS file")
    counts = {name: _line_count(option, value, synthetic.MAX_ROWS[kind])
              if value is not None else None
              for name, option, value, kind in (
                  ("rows", "--rows", args.rows, args.registry),
                  ("finess_rows", "--finess-rows", args.finess_rows, "finess"),
                  ("rpps_rows", "--rpps-rows", args.rpps_rows, "rpps"))}
    if counts["rows"] is None:
        raise SegurKgError("give the number of lines with --rows N")
    seed = synth.parse_seed(args.seed)
    summary = synthetic.write(args.registry, counts["rows"], seed, args.output,
                              finess_rows=counts["finess_rows"], rpps_rows=counts["rpps_rows"])
    settings = ("seed", "rows", "finess_rows", "rpps_rows")  # the command's own arguments
    shown = ", ".join(synthetic.counted(key, value) for key, value in summary.items()
                      if isinstance(value, int) and key not in settings)
    print(f"wrote {display(args.output)} ({shown}; seed {seed})", file=sys.stderr)
    return EXIT_OK


def _line_count(option: str, text: str, high: int) -> int:
    """'2000', '100k' or '2M' → a number of lines, from 1 to `high`."""
    import re

    match = re.fullmatch(r"\s*([0-9]+)\s*([kKmM]?)\s*", text)
    value = int(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()] if match else 0
    if not 1 <= value <= high:
        raise SegurKgError(f"{option} {text!r} is not a number between 1 and {high:,}; "
                           "write it like 2000, 100k or 2M")
    return value


if __name__ == "__main__":
    sys.exit(main())
