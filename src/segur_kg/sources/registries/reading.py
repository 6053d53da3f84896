"""Open a registry file exactly as published: the text file, or the ZIP archive the producer
delivers with the text inside; detect its encoding; yield its lines with their numbers.

The archives come from outside: members are read as streams, never extracted to disk, and only
the member whose name fits the registry (or the only member) is read.
"""

from __future__ import annotations

import codecs
import io
import itertools
import operator
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from segur_kg.common.errors import SegurKgError
from segur_kg.sources.registries.report import ImportReport

SNIFF_BYTES = 1 << 20  # the encoding is decided on the first megabyte
LATIN_1_FALLBACK = "segur-kg-latin-1"  # the decoding error handler of _lines


def _as_latin_1(error: UnicodeError) -> tuple[str, int]:
    """A byte the file's encoding cannot read, read as its Latin-1 character."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error(LATIN_1_FALLBACK, _as_latin_1)
_WITHOUT_BREAK = operator.methodcaller("rstrip", "\r\n")


@dataclass(frozen=True)
class Registry:
    """What a registry's files look like, for opening and for recognising them."""

    key: str  # finess, rpps, mssante
    title: str  # what the user downloaded, for messages
    member: re.Pattern[str]  # the text file's name inside the producer's ZIP


FINESS = Registry("finess", "a FINESS etalab extract (etalab-cs1100507-stock-….csv)",
                  re.compile(r"(?i)etalab.*\.csv$|\.csv$"))
RPPS = Registry("rpps", "an Annuaire Santé PS_LibreAcces_Personne_activite_….txt file",
                re.compile(r"(?i)PS_LibreAcces_Personne_activite.*\.txt$"))
MSSANTE = Registry("mssante", "an Extraction_Correspondance_MSSante_….txt file",
                   re.compile(r"(?i)Extraction_Correspondance_MSSante.*\.txt$"))
REGISTRIES = {registry.key: registry for registry in (FINESS, RPPS, MSSANTE)}


@dataclass
class Source:
    """One opened file: the name it is known by (the ZIP member's, when archived), its encoding,
    and its lines (number, text without the line break)."""

    path: Path
    name: str
    encoding: str
    lines: Iterator[tuple[int, str]]


def not_a_file(path: Path) -> str:
    """What `path`, which is no regular file, is instead."""
    return ("is a folder" if path.is_dir() else "is not a regular file" if path.exists()
            else "no such file")


@contextmanager
def open_source(path: Path, registry: Registry) -> Iterator[Source]:
    if not path.is_file():
        raise SegurKgError(f"{path}: {not_a_file(path)}; give the {registry.key} file you "
                           "downloaded")
    try:
        # A buffer as large as the sniffing window: peek then sees all of it.
        with path.open("rb", buffering=SNIFF_BYTES) as raw:
            if zipfile.is_zipfile(raw):
                raw.seek(0)
                with _zip_member(path, raw, registry) as (name, stream):
                    yield _source(path, name, stream)
            else:
                raw.seek(0)
                yield _source(path, path.name, raw)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise SegurKgError(f"{path}: cannot read the file ({' '.join(str(exc).split())})") from None


@contextmanager
def _zip_member(path: Path, raw: BinaryIO, registry: Registry) -> Iterator[tuple[str, BinaryIO]]:
    with zipfile.ZipFile(raw) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        fitting = [info for info in members if registry.member.search(info.filename)]
        if len(fitting) != 1 and len(members) == 1:
            fitting = members  # one file in the archive: the content check says what it is
        if len(fitting) != 1:
            names = ", ".join(info.filename for info in members[:5]) or "nothing"
            raise SegurKgError(
                f"{path}: the archive holds {names}; expected {registry.title} in it "
                f"({'several fit' if fitting else 'none fits'}); give the text file itself")
        try:
            opened = archive.open(fitting[0])
        except (RuntimeError, NotImplementedError) as exc:  # encrypted; Deflate64, LZMA…
            raise SegurKgError(f"{path}: cannot open {fitting[0].filename} in the archive "
                               f"({' '.join(str(exc).split())}); unzip it with another tool "
                               "and give the text file") from None
        with opened as stream:
            yield Path(fitting[0].filename).name, stream  # type: ignore[misc]


def _source(path: Path, name: str, stream: BinaryIO) -> Source:
    buffered = io.BufferedReader(stream, buffer_size=1 << 20) if not isinstance(
        stream, io.BufferedReader) else stream
    head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    encoding = "utf-8" if _is_utf8(head) else "cp1252"
    if head.startswith(codecs.BOM_UTF8):
        buffered.read(len(codecs.BOM_UTF8))  # a byte order mark is no part of the first line
    return Source(path, name, encoding, _lines(buffered, encoding))


def _is_utf8(head: bytes) -> bool:
    """Whether the file is UTF-8: the start of it decodes so, but for stray bytes (read later
    as their Latin-1 characters) fewer than its well-formed accented characters. A file in
    Windows-1252 has next to none of those: its accents are lone bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(head, final=False)  # a character cut by the sniff window is fine
    stray = text.count("\ufffd")
    if not stray:
        return True
    well_formed = len(text.encode("utf-8")) - len(text) - 2 * stray  # extra bytes of the rest
    return well_formed > stray


def _lines(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, str]]:
    """Each line decoded, numbered, without its line break (only a line feed ends a line, as
    the producers write them); a byte the encoding cannot read is read as its Latin-1
    character (every byte is one), so one stray byte never stops an import. Built of C-level
    iterators: no Python step per line."""
    text = io.TextIOWrapper(stream, encoding=encoding,  # type: ignore[type-var]
                            errors=LATIN_1_FALLBACK, newline="\n")
    return zip(itertools.count(1), map(_WITHOUT_BREAK, text))



def columns_by_name(source: Source, report: ImportReport, *, required: tuple[str, ...],
                    used: tuple[str, ...], expected: str, handle: Callable[..., str],
                    done: Callable[[], None] | None = None) -> Iterator[str]:
    """What `handle` makes of each line of a `|`-separated file whose first line names the
    columns: it is called with the line's number and its `used` columns, stripped, in that
    order (an optional one the header lacks reads ""); it returns the line's triples, or "".
    A line of the wrong width is reported malformed, an empty line skipped; at the end, even
    an early one, the lines read are counted and `done` is called. One Python step per line:
    the millions of lines of the Annuaire Santé go through it."""
    lines = iter(source.lines)
    try:
        _, header_line = next(lines)
    except StopIteration:
        raise SegurKgError(f"{source.name}: the file is empty") from None
    if "\r" in header_line:  # the whole file read as one line
        raise SegurKgError(f"{source.name}:1: the lines end with a carriage return alone; "
                           "give the file as published, its lines ending with a line feed")
    header = header_line.split("|")
    missing = [name for name in required if name not in header]
    if missing:
        raise SegurKgError(f"{source.name}:1: the header lacks the column(s) "
                           f"{', '.join(repr(m) for m in missing)}; expected the header of "
                           f"{expected}")
    width = len(header)
    trailing = header[-1] == ""  # each line ends with a '|' too: one more, empty field
    # Only the columns up to the last one used are split apart (MSSanté uses the first seven
    # of 31), the rest of the line left in one piece whose separators are counted. An optional
    # column the header lacks is picked from a "" added after the pieces.
    found = [header.index(name) for name in used if name in header]
    cut = min(max(found) + 1, width - 1)  # separators split
    pieces, rest = cut + 1, width - 1 - cut  # rest: the separators left in the last piece
    pick = operator.itemgetter(*(header.index(name) if name in header else cut + 1
                                 for name in used))
    pad = len(found) < len(used)
    strip = str.strip
    number = 1  # the header's; lines are numbered from 1 without a gap
    try:
        for number, line in lines:
            fields = line.split("|", cut)
            if len(fields) != pieces or (rest and fields[cut].count("|") != rest):
                if not line.strip():
                    report.skip("empty")
                    continue
                given = line.count("|") + 1 - (trailing and line.endswith("|"))
                report.malformed(source.name, number,
                                 f"{given} columns, expected "
                                 f"{width - trailing} (fields separated by '|'"
                                 + (", each line ending with '|')" if trailing else ")"))
                continue
            if pad:
                fields.append("")
            out = handle(number, *map(strip, pick(fields)))
            if out:
                yield out
    finally:
        report.lines_read += number - 1
        if done is not None:
            done()
