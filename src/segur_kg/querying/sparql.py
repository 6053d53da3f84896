"""Run one SPARQL query safely against a graph.

Query text may come from anyone, so: only the query grammar is accepted (no UPDATE, no LOAD),
SERVICE and FROM / FROM NAMED are refused before evaluation, graphs are never loaded from IRIs,
parameters are bound as RDF terms (never pasted into the text), and evaluation has a time limit.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import rdflib.plugins.sparql

from segur_kg.common.errors import EXIT_TIMEOUT, SegurKgError, one_line, printable
from segur_kg.querying.catalog import NamedQuery, Param
from segur_kg.rdf.namespaces import ID, QUERY_PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Identifier, Node

# Second lock: even a FROM that slipped through would not fetch anything.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

DEFAULT_TIMEOUT = 30.0
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|^`\\]')
_SHORT_IRI = re.compile(r"^[A-Za-z0-9_-]+/[^/\s]+(?:/[^/\s]+)*$")


@dataclass
class QueryResult:
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


class QueryTimeout(SegurKgError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the query ran longer than {seconds:g} s and was stopped; "
            "simplify it or raise --timeout",
            EXIT_TIMEOUT,
        )


# rdflib's SPARQL grammar (pyparsing) sets itself up on the first parse and is not safe to use
# from two threads at once: one query at a time, for the counts `load` runs two at a time.
_PARSING = threading.Lock()


def prepare(text: str, source: str = "--sparql") -> Query:
    """Parse a query, refusing updates, SERVICE and dataset clauses."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        with _PARSING:
            parsed = parseQuery(text)
            query = translateQuery(parsed, None, QUERY_PREFIXES)
    except ParseException as exc:
        if _is_update(text):
            raise SegurKgError(
                f"{source}: only queries are accepted (SELECT, ASK, CONSTRUCT, DESCRIBE), "
                "not updates; remove the update operation"
            ) from None
        raise SegurKgError(_syntax_error(source, exc.line, exc.lineno, exc.col,
                                         str(exc.msg))) from None
    except RecursionError:
        raise SegurKgError(f"{source}: the query is nested too deeply to be checked (long "
                           "chains of UNION, OPTIONAL or groups); simplify it") from None
    except Exception as exc:  # e.g. an undeclared prefix, reported by the algebra translator
        raise SegurKgError(f"{source}: invalid SPARQL ({one_line(exc)}); fix the query") from None
    _refuse_outside_access(query, parsed, source)
    _order_star_projection(query, text)
    return query


def _syntax_error(source: str, line: str, number: int, column: int, expected: str) -> str:
    """Where the parser stopped, the line with a caret under that column, and what it wanted
    there in words rather than in the grammar's rule names."""
    if expected.startswith("Expected {SelectQuery"):
        wanted = "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE (after its PREFIX lines)"
    elif expected == "Expected end of text":
        wanted = ("the query should end before this point: a misspelt keyword (LIMIT, ORDER BY, "
                  "GROUP BY…) or text after the last closing brace")
    else:
        wanted = ("the query stops parsing from here: check that each triple has a subject, a "
                  "predicate and an object, that brackets, braces and quotes are closed, and "
                  "that each expression in SELECT is written (EXPRESSION AS ?name)")
    start = max(0, column - 50)
    shown = line[start:start + 100].expandtabs(1)
    caret = " " * (column - 1 - start) + "^"
    return (f"{source}:{number}:{column}: invalid SPARQL: "
            f"{wanted}\n    {printable(shown, 100)}\n    {caret}")


def _order_star_projection(query: Query, text: str) -> None:
    """For SELECT *, list the variables in the order they first appear in the text:
    rdflib collects them in a set, whose order changes from one run to the next."""
    import re

    algebra = query.algebra
    if algebra.name != "SelectQuery" or not re.search(
            r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", text, re.IGNORECASE):
        return
    positions = {}
    for match in re.finditer(r"[?$]([A-Za-z0-9_\u00B7-\uFFFF]+)", text):
        positions.setdefault(match.group(1), match.start())
    algebra["PV"] = sorted(algebra["PV"], key=lambda v: (positions.get(str(v), len(text)), str(v)))


def _is_update(text: str) -> bool:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        with _PARSING:
            parseUpdate(text)
        return True
    except Exception:
        pass
    without_comments = "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    )
    prologue = r"(?:\s*(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>))*"
    keywords = r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b"
    return re.match(prologue + r"\s*" + keywords, without_comments, re.IGNORECASE) is not None


def _refuse_outside_access(query: Query, parsed: Any, source: str) -> None:
    """Looks at the parse tree as well as the algebra: the algebra drops parts the engine still
    evaluates (a DESCRIBE without WHERE loses its ORDER BY, GROUP BY and HAVING)."""
    algebra = query.algebra
    if algebra.get("datasetClause") or _contains(parsed, "DatasetClause"):
        raise SegurKgError(
            f"{source}: FROM and FROM NAMED are refused because they would read other graphs; "
            "remove the dataset clause, the query runs on the knowledge graph"
        )
    if _contains(algebra, "ServiceGraphPattern") or _contains(parsed, "ServiceGraphPattern"):
        raise SegurKgError(
            f"{source}: SERVICE is refused because it would send the query over the network; "
            "remove the SERVICE block"
        )


def _contains(node: Any, name: str) -> bool:
    """Whether the algebra holds a part called `name`; a loop, as the algebra may be deep."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    pending = [node]
    while pending:
        node = pending.pop()
        if isinstance(node, CompValue) and node.name == name:
            return True
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, (list, tuple, set, ParseResults)):
            pending.extend(node)
    return False


def bind_params(query: NamedQuery, given: dict[str, str],
                lang: str | None = None) -> dict[str, Identifier]:
    """Turn KEY=VALUE strings into RDF terms for the parameters the query declares. A query
    that declares a `lang` parameter orders its rows by labels in that language: unless given
    explicitly, it is `lang`, the language the answer is shown in."""
    declared = {param.name: param for param in query.params}
    listing = ", ".join(f"{p.name} ({p.kind})" for p in query.params) or "none"
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise SegurKgError(
            f"{query.source}: unknown parameter {', '.join(unknown)}; "
            f"this query takes: {listing}"
        )
    if lang is not None and "lang" in declared and "lang" not in given:
        given = {**given, "lang": lang}
    bindings: dict[str, Identifier] = {}
    missing = []
    for param in query.params:
        value = given.get(param.name, param.default)
        if value is None:
            if not param.optional:
                missing.append(param.name)
            continue
        bindings[param.name] = _term(param, value)
    if missing:
        raise SegurKgError(
            f"{query.source}: missing parameter {', '.join(missing)}; "
            f"give it with --param NAME=VALUE (this query takes: {listing})"
        )
    return bindings


def _term(param: Param, value: str) -> Identifier:
    from rdflib import Literal, URIRef

    if param.kind == "literal":
        return Literal(value)
    if param.kind == "date":
        # Bound as the text the query compares, once it is known to be a real day.
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise SegurKgError(
                f"parameter '{param.name}' needs a date as YYYY-MM-DD, such as 2025-01-01, "
                f"but got '{value}'"
            )
        try:
            date.fromisoformat(value)
        except ValueError:
            raise SegurKgError(
                f"parameter '{param.name}': '{value}' is not a day of the calendar; "
                "give a real date as YYYY-MM-DD"
            ) from None
        return Literal(value)
    return URIRef(resource_iri(value, f"parameter '{param.name}'"))


def resource_iri(value: str, what: str) -> str:
    """A full IRI, or a short one (kind/slug such as actor/ans) under the graph's base; `what`
    names the value in the error message."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        iri = value
    elif _SHORT_IRI.match(value):
        iri = ID + value
    else:
        raise SegurKgError(
            f"{what} needs an IRI but got '{value}'; "
            "give a full IRI (https://...) or a short form kind/slug such as actor/ans"
        )
    if _IRI_FORBIDDEN.search(iri):
        raise SegurKgError(
            f"{what} is not a valid IRI: '{value}' contains a space or one of "
            '<>"{}|^`\\; remove those characters'
        )
    return iri


def short_iri(iri: str) -> str:
    """actor/ans for an IRI of the graph's resources, the IRI itself otherwise."""
    return iri[len(ID):] if iri.startswith(ID) else iri


def run(graph: Graph, query: Query, bindings: dict[str, Identifier],
        timeout: float | None = DEFAULT_TIMEOUT) -> QueryResult:
    """Evaluate and fully materialise the answer within the time limit."""
    from rdflib import Variable

    init = {Variable(name): term for name, term in bindings.items()}
    with time_limit(timeout):
        result = graph.query(query, initBindings=init)
        if result.type == "ASK":
            return QueryResult("ASK", boolean=bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult(result.type, graph=result.graph)
        variables = [str(v) for v in (result.vars or [])]
        rows = [tuple(row) for row in result]  # type: ignore[arg-type]
        return QueryResult("SELECT", variables=variables, rows=rows)


def kind(prepared: Query) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    return str(prepared.algebra.name).removesuffix("Query").upper()


def projected(prepared: Query, found: list[str]) -> list[str]:
    """The answer's columns in the order rdflib gives them (for SELECT *, the order of first
    appearance in the text), so every store prints the same columns."""
    order = [str(v) for v in prepared.algebra.get("PV") or []]
    return order if sorted(order) == sorted(found) else found


def with_values(text: str, bindings: dict[str, Identifier]) -> str:
    """The query with each parameter bound by a VALUES block at the start of its WHERE group,
    for engines that take text only (Oxigraph, remote endpoints). Joining there, before any
    aggregation, gives the answers rdflib gives with initBindings."""
    if not bindings:
        return text
    block = " ".join(f"VALUES ?{name} {{ {term.n3()} }}" for name, term in bindings.items())
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    bound, found = re.subn(r"\bWHERE\s*\{", lambda m: m.group(0) + f"\n  {block}",
                           body.strip(), count=1, flags=re.IGNORECASE)
    if not found:
        raise SegurKgError("a query with parameters needs a WHERE keyword before its pattern; "
                           "write SELECT ... WHERE { ... }")
    return bound + "\n"


LABELS_BATCH = 500  # IRIs per labels_query


def labels_query(iris: list[str]) -> str:
    """A SELECT ?s ?p ?o of the rdfs:label and skos:prefLabel of these IRIs (each written as
    SPARQL reads it, <…>; at most LABELS_BATCH), needing no prefix. One pattern per
    predicate, so that the engine looks each IRI up: a VALUES on ?p makes Oxigraph scan every
    label of the store."""
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    pref_label = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    return (f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {' '.join(iris)} }} "
            f"{{ ?s {label} ?o BIND({label} AS ?p) }} UNION "
            f"{{ ?s {pref_label} ?o BIND({pref_label} AS ?p) }} }}")


def bound_text(text: str, bindings: dict[str, Identifier]) -> str:
    """The text an engine that takes text only runs: parameters bound by `with_values`, then
    checked again as a whole, since binding rewrote the text that was checked."""
    from segur_kg.querying.query_text import canonical

    if not bindings:
        return text
    bound = canonical(with_values(text, bindings), "query")
    prepare(bound, "query")
    return bound


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Wall-clock limit with SIGALRM; only the main thread of a POSIX process can use it.

    Compiled engines (Oxigraph) hold on to the main thread while they evaluate, so the alarm
    waits until they return: the command line runs queries in a child process that it kills at
    the limit instead (segur_kg.querying.confinement)."""
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise QueryTimeout(seconds)  # type: ignore[arg-type]

    previous = signal.signal(signal.SIGALRM, expired)
    # rdflib has a few bare `except:` blocks that could swallow the first alarm, so it repeats.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
