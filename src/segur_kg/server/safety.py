"""Decide, before any evaluation, whether a query text may run, and what text runs: queries
only, no SERVICE, no FROM / FROM NAMED, bounded nesting.

The engine (pyoxigraph) parses the query grammar only, so updates and LOAD cannot run through it;
but it does call remote endpoints for SERVICE, so SERVICE and dataset clauses must be refused
first. The text is first made canonical (segur_kg.querying.query_text: codepoint escapes expanded once,
as the grammar says), and the canonical text is both checked and run, so the check and the
engine read the same characters. A SERVICE or FROM clause then needs the letters of its keyword
in the text, so a text without "service" or "from" in any case can hold neither: it goes
straight to the engine. Every other text gets the full check of segur_kg.querying.sparql (rdflib's
parser and algebra), whose verdict is cached per text because the same texts come back again
and again. The worker processes cannot open a network connection at all (see
segur_kg.querying.confinement): this check gives the readable refusal, not the only protection.
"""

from __future__ import annotations

import re
from functools import lru_cache

from segur_kg.common.errors import SegurKgError
from segur_kg.querying.query_text import canonical

_SUSPECT = re.compile(r"service|from", re.IGNORECASE)
_STAR = re.compile(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00B7-\uFFFF]+)")


def check(text: str) -> str:
    """The text the engine must run; SegurKgError (one readable sentence) when it may not."""
    text = canonical(text)
    if _SUSPECT.search(text) is None:
        return text
    message = _verdict(text)
    if message is not None:
        raise SegurKgError(message)
    return text


def explain_syntax_error(text: str, engine_message: str) -> SegurKgError:
    """A readable error for a text the engine could not parse: rdflib's, which names updates
    and the position, or the engine's own when rdflib accepted the text."""
    message = _verdict(text)
    if message is None:
        message = f"query: invalid SPARQL ({' '.join(engine_message.split())[:200]}); fix the query"
    return SegurKgError(message)


@lru_cache(maxsize=1024)
def _verdict(text: str) -> str | None:
    from segur_kg.querying.sparql import prepare

    try:
        prepare(text, "query")
    except SegurKgError as exc:
        return exc.message
    return None


def star_order(text: str, variables: list[str]) -> list[str]:
    """For SELECT *, the variables in the order they first appear in the text (the engine lists
    them alphabetically; the command line lists them in query order)."""
    if not _STAR.search(text):
        return variables
    positions: dict[str, int] = {}
    for match in _VARIABLE.finditer(text):
        positions.setdefault(match.group(1), match.start())
    return sorted(variables, key=lambda name: (positions.get(name, len(text)), name))
