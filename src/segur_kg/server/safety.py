"""Decide, before any evaluation, whether a query text may run: queries only, no SERVICE, no
FROM / FROM NAMED.

The engine (pyoxigraph) parses the query grammar only, so updates and LOAD cannot run through it;
but it does call remote endpoints for SERVICE, so SERVICE and dataset clauses must be refused
first. A SERVICE or FROM clause needs the letters of its keyword in the text (pyoxigraph does not
expand \\u escapes outside strings, and texts with \\u are checked anyway), so a text without
"service", "from" or "\\u" in any case can hold neither: it goes straight to the engine. Every
other text gets the full check of segur_kg.sparql (rdflib's parser and algebra), whose verdict
is cached per text because the same texts come back again and again.
"""

from __future__ import annotations

import re
from functools import lru_cache

from segur_kg.errors import SegurKgError

_SUSPECT = re.compile(r"service|from|\\u", re.IGNORECASE)
_STAR = re.compile(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00B7-\uFFFF]+)")


def check(text: str) -> None:
    """Raise SegurKgError (one readable sentence) when the text may not run."""
    if _SUSPECT.search(text) is None:
        return
    message = _verdict(text)
    if message is not None:
        raise SegurKgError(message)


def explain_syntax_error(text: str, engine_message: str) -> SegurKgError:
    """A readable error for a text the engine could not parse: rdflib's, which names updates
    and the position, or the engine's own when rdflib accepted the text."""
    message = _verdict(text)
    if message is None:
        message = f"query: invalid SPARQL ({' '.join(engine_message.split())[:200]}); fix the query"
    return SegurKgError(message)


@lru_cache(maxsize=1024)
def _verdict(text: str) -> str | None:
    from segur_kg.sparql import prepare

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
