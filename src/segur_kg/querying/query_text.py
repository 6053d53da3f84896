"""Untrusted SPARQL text, made into the one text that is both checked and run.

Two parsers read every query: rdflib's (the safety check: no SERVICE, no FROM, no update) and
the engine's (Oxigraph). They must never read the same text differently. Where they are known
to differ, the text is made canonical first, and the canonical text is what the check reads
and what the engine runs:
- codepoint escapes: the SPARQL grammar expands `\\uXXXX` and `\\UXXXXXXXX` everywhere before
  parsing (rdflib does, and also takes `\\U` with four digits and `\\u` with eight), Oxigraph
  only inside strings and IRIs. They are expanded here, once, as the grammar says; a text that
  still holds anything rdflib would expand (an escape spelled by escapes, `\\U` with four
  digits) is refused, so neither parser expands anything after this;
- line ends: a comment ends at a line feed for rdflib, at a carriage return too for Oxigraph.
  Carriage returns become line feeds;
- prefixed names: rdflib reads `ex:a.b.c` as one name, as the grammar says; Oxigraph ends the
  name at its second group of dots (`ex:a.b`, then `.`, then `c…`), so text after it can be
  read as a clause the check never saw. A name with two groups of dots is refused.

Nesting is bounded too: an engine that recurses once per nested group, parenthesis or `!` runs
out of stack on a few kilobytes of brackets. The count below skips strings, comments and IRIs
as the grammar's terminals do; evaluation also runs on a large stack (segur_kg.querying.confinement), so
that no text within the server's size limit can reach the depth that would crash it even if
this count were fooled.
"""

from __future__ import annotations

import re

from segur_kg.common.errors import SegurKgError

MAX_NESTING = 200  # nested ( [ { levels, or a run of `!`, that a query may use

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# What rdflib's parser expands before reading (rdflib.plugins.sparql.parser): none may remain.
_RDFLIB_ESCAPE = re.compile(r"\\u[0-9a-f]{4}", re.IGNORECASE)
_TWO_DOT_GROUPS = re.compile(r"\.[^.]+\.")
# The grammar's terminals that may hold brackets without nesting anything.
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<long>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z))
    | (?P<string>'(?:[^'\\\n]|\\.)*(?:'|$)|"(?:[^"\\\n]|\\.)*(?:"|$))
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<bangs>!(?:\s*!)*)
    | (?P<name>[^\s{}()\[\]<>"'\#,;!=&|/^*+?]+)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)


def canonical(text: str, source: str = "query") -> str:
    """The query with its codepoint escapes expanded; SegurKgError if that cannot be done
    safely or if it nests deeper than MAX_NESTING."""
    expanded = _ESCAPE.sub(lambda match: _codepoint(match, source), text)
    residue = _RDFLIB_ESCAPE.search(expanded)
    if residue:
        raise SegurKgError(
            f"{source}: '{residue.group(0)}' is not a codepoint escape this query may hold (an "
            "escape spelled by escapes, or \\U with four digits instead of eight); write the "
            "character itself")
    expanded = expanded.replace("\r\n", "\n").replace("\r", "\n")
    check_nesting(expanded, source)
    _refuse_ambiguous_names(expanded, source)
    return expanded


def _codepoint(match: re.Match[str], source: str) -> str:
    value = int(match.group(1) or match.group(2), 16)
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF or value == 0:
        raise SegurKgError(
            f"{source}: {match.group(0)} is not a character that SPARQL text may hold "
            "(a surrogate, NUL or out of Unicode's range); remove it")
    return chr(value)


def nesting(text: str) -> int:
    """The deepest nesting of brackets, or the longest run of `!`, outside strings, comments
    and IRIs."""
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "bangs":
            deepest = max(deepest, depth + match.group(0).count("!"))
    return deepest


def _refuse_ambiguous_names(text: str, source: str) -> None:
    for match in _TOKEN.finditer(text):
        if match.lastgroup != "name" or ":" not in match.group(0):
            continue
        local = match.group(0).split(":", 1)[1].rstrip(".")  # a final dot ends the triple
        if _TWO_DOT_GROUPS.search(local):
            raise SegurKgError(
                f"{source}: the prefixed name '{match.group(0)}' has dots in two places, which "
                "SPARQL engines read differently; write the full IRI in <…> instead")


def check_nesting(text: str, source: str = "query") -> None:
    found = nesting(text)
    if found > MAX_NESTING:
        raise SegurKgError(
            f"{source}: the query nests {found} levels deep (brackets, groups, subqueries or "
            f"`!`), more than the {MAX_NESTING} allowed; flatten it")
