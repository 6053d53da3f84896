"""Named competency questions: queries/*.rq and their header comments.

The questions on the national registries (FINESS, Annuaire Santé, MSSanté directory) are in
queries/national/ and are named `national/NAME`: they answer on a store the registries were
imported into (`segur-kg import`), not on the base graph, so `list_queries()` gives them only when
asked (`national=True`); `resolve("national/NAME")` finds each of them.

Header lines at the top of a query file:

    # fr: question en français
    # en: the question in English
    # param NAME (iri|literal|date): description     (required; a date is YYYY-MM-DD)
    # param NAME (iri, optional): description        (left unbound when not given)
    # param NAME (literal, default=VALUE): description
    # example: NAME=VALUE [NAME=VALUE ...]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from segur_kg.common import paths
from segur_kg.common.errors import SegurKgError

PARAM_KINDS = ("iri", "literal", "date")
NATIONAL = "national"  # the sub-folder of queries/ and the prefix of the names of its questions
_PARAM = re.compile(r"^param\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*:?\s*(.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "iri", "literal" or "date"
    description: str = ""
    optional: bool = False
    default: str | None = None


@dataclass
class NamedQuery:
    name: str
    path: Path | None
    text: str
    questions: dict[str, str] = field(default_factory=dict)  # language → question
    params: list[Param] = field(default_factory=list)
    examples: list[dict[str, str]] = field(default_factory=list)

    @property
    def source(self) -> str:
        return paths.display(self.path) if self.path else self.name


def parse_header(text: str, name: str, path: Path | None) -> NamedQuery:
    """Read the leading comment lines; the first non-comment line ends the header."""
    query = NamedQuery(name=name, path=path, text=text)
    source = paths.display(path) if path else name
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        key, _, value = body.partition(":")
        key = key.strip().lower()
        if key in ("fr", "en"):
            query.questions[key] = value.strip()
        elif key == "example":
            query.examples.append(_parse_pairs(value, source, number))
        elif body.lower().startswith("param"):
            query.params.append(_parse_param(body, source, number))
    names = [param.name for param in query.params]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SegurKgError(
            f"{source}: parameter {', '.join(duplicates)} is declared twice; keep one param line"
        )
    return query


def _parse_param(body: str, source: str, number: int) -> Param:
    match = _PARAM.match(body)
    if not match:
        raise SegurKgError(
            f"{source}:{number}: cannot read the param line; write "
            "'# param NAME (iri|literal|date): description'"
        )
    name, spec, description = match.groups()
    options = [part.strip() for part in spec.split(",")]
    kind = options[0].lower()
    if kind not in PARAM_KINDS:
        raise SegurKgError(
            f"{source}:{number}: parameter '{name}' has unknown type '{options[0]}'; "
            "use iri, literal or date"
        )
    optional, default = False, None
    for option in options[1:]:
        if option.lower() == "optional":
            optional = True
        elif option.lower().startswith("default"):
            default = option[len("default"):].lstrip(" =").strip()
        else:
            raise SegurKgError(
                f"{source}:{number}: unknown option '{option}' for parameter '{name}'; "
                "use 'optional' or 'default=VALUE'"
            )
    return Param(name, kind, description.strip(), optional, default)


def _parse_pairs(value: str, source: str, number: int) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in value.split():
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise SegurKgError(
                f"{source}:{number}: example '{item}' is not KEY=VALUE; write example: KEY=VALUE"
            )
        pairs[key] = val
    return pairs


def query_files(national: bool = False) -> list[Path]:
    """The questions on the base graph (queries/*.rq); with `national`, those on the national
    registries (queries/national/*.rq) after them."""
    folder = paths.queries_dir()
    files = sorted(folder.glob("*.rq")) if folder.is_dir() else []
    if national:
        files += national_query_files()
    return files


def national_query_files() -> list[Path]:
    folder = paths.queries_dir() / NATIONAL
    return sorted(folder.glob("*.rq")) if folder.is_dir() else []


def list_queries(national: bool = False) -> list[NamedQuery]:
    """Every named query on the base graph, sorted by name; with `national`, the questions on
    the national registries (named national/NAME) too."""
    return sorted((load_file(path) for path in query_files(national)), key=lambda q: q.name)


def listing_json(queries: list[NamedQuery]) -> str:
    """The catalogue as JSON (`segur-kg query --list --format json`): name, file, questions,
    parameters and example bindings of each query."""
    import json

    listed = [{
        "name": query.name,
        "file": paths.display(query.path) if query.path else None,
        "questions": query.questions,
        "params": [{"name": param.name, "kind": param.kind, "optional": param.optional,
                    "default": param.default, "description": param.description}
                   for param in query.params],
        "examples": query.examples,
    } for query in queries]
    return json.dumps(listed, ensure_ascii=False, indent=2) + "\n"


def query_name(path: Path) -> str:
    """NAME for queries/NAME.rq and any other file, national/NAME for queries/national/NAME.rq."""
    try:
        national = path.resolve().parent == (paths.queries_dir() / NATIONAL).resolve()
    except OSError:
        national = False
    return f"{NATIONAL}/{path.stem}" if national else path.stem


def load_file(path: Path) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SegurKgError(
            f"{paths.display(path)}: cannot read the query ({exc.strerror}); check the path"
        ) from None
    except UnicodeDecodeError:
        raise SegurKgError(
            f"{paths.display(path)}: the query is not valid UTF-8; save it as UTF-8"
        ) from None
    return parse_header(text, query_name(path), path)


def resolve(name_or_file: str) -> NamedQuery:
    """A name from queries/, or a path to a .rq file."""
    candidate = Path(name_or_file)
    if name_or_file.endswith(".rq") or candidate.is_file():
        if candidate.is_file():
            return load_file(candidate)
        named = paths.queries_dir() / candidate  # NAME.rq or national/NAME.rq
        if candidate.parent in (Path("."), Path(NATIONAL)) and named.is_file():
            return load_file(named)
        raise SegurKgError(f"{name_or_file}: no such query file; check the path")
    path = paths.queries_dir() / f"{name_or_file}.rq"  # national/NAME too
    if path.is_file():
        return load_file(path)
    names = [query_name(p) for p in query_files(national=True)]
    close = difflib.get_close_matches(name_or_file, names, n=3, cutoff=0.5)
    if close:
        hint = f"did you mean: {', '.join(close)}?"
    else:
        hint = "run 'segur-kg query --list' to see the available queries"
    raise SegurKgError(f"unknown query '{name_or_file}'; {hint}")
