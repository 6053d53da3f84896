"""`segur-kg import finess|rpps|mssante FILE… (-o OUT.nt|OUT.nq | --store STORE)`.

An import reads the files as published (ZIP or text), checks each is a file of the registry asked
for, and writes N-Triples: the registry's resources, then the import's provenance (producer, file
names, extract date, licence, counts). Into a store it goes as the named graph
https://w3id.org/segur/graph/source/{registry}, which it replaces as a whole (a newer extract of
FINESS replaces the FINESS graph and leaves the rest), together with the graph of reference
tables the registries share (the NOS code systems they use and the corridor table). Into a file,
the same triples, with the reference tables, so that the file stands on its own; `.nq` keeps
the graph names. Either way, nothing changes until the import has succeeded.
"""

from __future__ import annotations

import itertools
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from segur_kg.common import progress
from segur_kg.common.atomic import open_atomic_bytes
from segur_kg.common.errors import SegurKgError
from segur_kg.sources.registries import codes, figures, finess, mssante, reading, rpps
from segur_kg.sources.registries.codes import ID, RDF_TYPE, iri, text, triple, typed
from segur_kg.sources.registries.report import ImportReport
from segur_kg.stores.base import REFERENCE_GRAPH

if TYPE_CHECKING:
    from segur_kg.stores.base import Select, Store

SOURCE_GRAPH = "https://w3id.org/segur/graph/source/"
BASE_DATASET = f"{ID}dataset/segur-kg"
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
SUFFIXES = (".nt", ".nq")
_DATE_IN_NAME = re.compile(r"_([0-9]{4})([0-9]{2})([0-9]{2})[0-9]{4}\b")

DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
DCAT_DATASET = "<http://www.w3.org/ns/dcat#Dataset>"
BATCH = 2048  # lines' triples gathered before one write
WRITES_AHEAD = 4  # batches waiting for the writing thread (about 4 MB each for RPPS)
SYNC_EVERY = 32 << 20  # bytes of an output file written to disk while the import goes on


@dataclass(frozen=True)
class Kind:
    """How one registry is read and described."""

    registry: reading.Registry
    looks_like: Callable[[str], bool]
    reader: Callable[[ImportReport, bool], object]
    title_fr: str
    title_en: str
    publisher: str  # an actor of data/actors.ttl
    page: str  # where users download the file
    code_systems: tuple[str, ...]  # NOS code systems it needs (beyond the base graph's)


KINDS = {
    "finess": Kind(
        reading.FINESS, finess.looks_like, finess.FinessReader,
        "FINESS : extraction du fichier des établissements",
        "FINESS: extract of the register of health and social establishments",
        f"{ID}actor/ministere-solidarites-sante",  # the ministry's DREES produces FINESS
        "https://www.data.gouv.fr/fr/datasets/finess-extraction-du-fichier-des-etablissements/",
        ("category", "department")),
    "rpps": Kind(
        reading.RPPS, rpps.looks_like, rpps.RppsReader,
        "Annuaire Santé : professionnels et leurs activités (PS_LibreAcces)",
        "Annuaire Santé: health professionals and their activities (PS_LibreAcces)",
        f"{ID}actor/ans",
        "https://esante.gouv.fr/securite/annuaire-sante/faq-annuaire",
        ("department", "professional_category", "exercise_mode", "sector", "person_id_type")),
    "mssante": Kind(
        reading.MSSANTE, mssante.looks_like, mssante.MssanteReader,
        "Annuaire Santé : boîtes aux lettres MSSanté (Extraction_Correspondance_MSSante)",
        "Annuaire Santé: MSSanté mailboxes (Extraction_Correspondance_MSSante)",
        f"{ID}actor/ans",
        "https://www.data.gouv.fr/fr/datasets/annuaire-sante-extraction-des-bal-mssante/",
        ("structure_id_type",)),
}


def graph_iri(registry: str) -> str:
    return SOURCE_GRAPH + registry


def check_output(path: Path) -> Path:
    if path.suffix not in SUFFIXES:
        raise SegurKgError(f"{path}: write the import as N-Triples (.nt) or N-Quads (.nq, "
                           "which keeps the graph of each source)")
    if path.is_dir():
        raise SegurKgError(f"{path}: is a folder; give a file name ending in .nt or .nq")
    if not path.parent.is_dir():
        raise SegurKgError(f"{path}: the folder {path.parent} does not exist; create it or "
                           "choose another -o path")
    return path


def run(registry: str, files: list[Path], *, output: Path | None = None,
        store: Store | None = None, strict: bool = False,
        include_personal_data: bool = False) -> list[ImportReport]:
    """Import `files` of `registry` (or, for "auto", of the registry each file belongs to)
    into `output` or `store` (exactly one of them), in one go; a report per registry."""
    if registry != "auto" and registry not in KINDS:
        raise SegurKgError(f"unknown registry {registry!r}; use finess, rpps, mssante or auto")
    if not files:
        raise SegurKgError(f"give the {registry} file(s) to import")
    _refuse_repeats(files)
    if (output is None) == (store is None):
        raise SegurKgError("give either -o FILE.nt|FILE.nq or --store STORE")
    groups = recognise(files) if registry == "auto" else {registry: files}
    reports = {key: ImportReport(key, strict=strict) for key in groups}
    if output is not None:
        check_output(output)
        written_to = _identity(output)
        if written_to is not None and written_to in map(_identity, files):
            raise SegurKgError(f"{output}: is one of the files to import; write the import "
                               "to another file")
        try:
            with open_atomic_bytes(output) as stream:
                for key, group in groups.items():
                    _write(KINDS[key], group, reports[key], include_personal_data, stream,
                           quads=output.suffix == ".nq", durable=True)
                _write_reference(stream, reports[next(iter(groups))], output.suffix == ".nq")
        except OSError as exc:  # the output's: open_source reports the inputs' own
            raise SegurKgError(f"{output}: cannot write the import "
                               f"({exc.strerror or ' '.join(str(exc).split())}); check the "
                               "folder, its permissions and the free space") from None
        return list(reports.values())
    assert store is not None
    records = figures.Records()  # what the national figures count, noted while reading

    def derive(select: Select, held: list[str]) -> str:
        """The figures of the registries the store holds once this import is in: those read
        now, and those kept from earlier imports, read back from their graphs."""
        kept = [key for key in KINDS if graph_iri(key) in held and key not in groups]
        for key in kept:
            records.read_graphs(key, select)
        records.settle()
        return figures.ntriples(records, [*groups, *kept])

    def written(folder: Path) -> Iterator[tuple[str, Path]]:
        """Each graph's file, written when the store asks for it: it loads one file while
        the next is written. The smaller registries first: the engine takes ten times longer
        to load a file than the import to write it, so each file but the first is written
        while the one before it loads."""
        reference = folder / "reference.nt"
        reference.write_bytes(reference_ntriples().encode())
        yield REFERENCE_GRAPH, reference
        for key, group in sorted(groups.items(), key=lambda item: _size(item[1])):
            path = folder / f"{key}.nt"
            with path.open("wb") as stream:
                _write(KINDS[key], group, reports[key], include_personal_data, stream,
                       quads=False, records=records)
            yield graph_iri(key), path

    with store.import_folder() as folder:
        store.replace_graphs(written(Path(folder)), derive=derive)
    return list(reports.values())


def _identity(path: Path) -> tuple[int, int] | None:
    """The file `path` names, as its device and inode (two names or links of one file give the
    same); None when there is none to read (the import reports why)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _refuse_repeats(files: list[Path]) -> None:
    """A file given twice would be read twice: its records counted twice, its triples
    written twice."""
    seen: dict[tuple[int, int], Path] = {}
    for path in files:
        key = _identity(path)
        if key is None:
            continue
        if key in seen:
            raise SegurKgError(f"{path}: given twice (as {seen[key]} too); give each file once")
        seen[key] = path


def _size(files: list[Path]) -> int:
    """Bytes in `files`; one that cannot be read counts none (its import reports why)."""
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def recognise(files: list[Path]) -> dict[str, list[Path]]:
    """The files grouped by the registry their first line (or their ZIP member's) shows, in
    the order of KINDS; a file of no registry stops the import before anything is written."""
    groups: dict[str, list[Path]] = {}
    for path in files:
        if not path.is_file():
            raise SegurKgError(f"{path}: {reading.not_a_file(path)}; give the files you "
                               "downloaded")
        try:
            path.open("rb").close()
        except OSError as exc:
            raise SegurKgError(f"{path}: cannot read the file ({exc.strerror})") from None
        found = None
        for key, kind in KINDS.items():
            try:
                with reading.open_source(path, kind.registry) as source:
                    first = next(source.lines, None)
            except SegurKgError:
                if not path.is_file():
                    raise
                continue  # an archive without this registry's file
            if first is not None and kind.looks_like(first[1]):
                found = key
                break
        if found is None:
            raise SegurKgError(f"{path}: not a file of FINESS, the Annuaire Santé or the MSSanté "
                               "directory; give the files as downloaded, or name the registry "
                               "(`segur-kg import finess|rpps|mssante`)")
        groups.setdefault(found, []).append(path)
    return {key: groups[key] for key in KINDS if key in groups}


def _write(kind: Kind, files: list[Path], report: ImportReport, personal: bool,
           stream: BinaryIO, quads: bool, records: figures.Records | None = None,
           durable: bool = False) -> None:
    """The triples (or quads) of `files`, read by `kind`'s reader, written to `stream`; a
    `durable` stream (the user's output file, synced before it is renamed) is also written to
    disk as it goes."""
    reader = kind.reader(report, personal)
    reader.records = records  # type: ignore[attr-defined]
    names, dates = [], []
    graph = graph_iri(kind.registry.key)
    pending: list[str] = []  # written in batches: one write per line costs more than the line

    with progress.bar(f"import {kind.registry.key}", None, unit="lines") as bar, \
            _writing_behind(stream, durable) as write:

        def flush() -> None:
            data = "".join(pending)
            pending.clear()
            write(_encoded(data, graph if quads else None))

        for path in files:
            with reading.open_source(path, kind.registry) as source:
                lines = _checked(source, kind)
                names.append(source.name)
                for chunk in reader.triples(_with_lines(source, lines)):
                    pending.append(chunk)
                    if len(pending) == BATCH:
                        flush()
                        bar.update(BATCH)
                date = getattr(reader, "extract_date", None) or _date_in_name(source.name)
                if date:
                    dates.append(date)
        for batch in reader.finish():  # what a reader keeps until the end (MSSanté's PER),
            pending.append(batch)       # in batches of its own
            flush()
        if not report.resources:  # an empty graph would replace the registry's in a store
            first = f"; {report.problems[0]}" if report.problems else ""
            raise SegurKgError(
                f"{', '.join(names)}: no record could be imported ({report.lines_read:,} lines "
                f"read, {sum(report.skipped.values()):,} skipped{first}); nothing was written, "
                "check that the file is the whole extract as published")
        flush()
        report.triples += reader.written  # type: ignore[attr-defined]
        report.extract_date = max(dates) if dates else None
        # void:triples counts the graph's every triple, the provenance's own included: their
        # number does not depend on the count they state.
        own = provenance(kind, names, dates, report).count("\n")
        pending.append(provenance(kind, names, dates, report, own))
        flush()
        report.triples += own


@contextmanager
def _writing_behind(stream: BinaryIO, durable: bool = False
                    ) -> Iterator[Callable[[bytes], None]]:
    """A write function whose writes happen in a second thread: the kernel's copy of a large
    output (4 GB for the national RPPS file) then runs beside the reading instead of after
    it. For a `durable` stream the thread also syncs each SYNC_EVERY bytes, so that the
    final sync has little left to write. At most WRITES_AHEAD pieces wait; a failed write is
    raised at the next call, or at the end, as a SegurKgError; on leaving the block every
    piece has been written."""
    waiting: queue.Queue[bytes | None] = queue.Queue(maxsize=WRITES_AHEAD)
    failed: list[BaseException] = []

    def writer() -> None:
        unsynced = 0
        while (data := waiting.get()) is not None:
            if not failed:  # after a failure the pieces are only taken, so no put blocks
                try:
                    stream.write(data)
                    unsynced += len(data)
                    if durable and unsynced >= SYNC_EVERY:
                        stream.flush()
                        os.fdatasync(stream.fileno())
                        unsynced = 0
                except BaseException as exc:  # noqa: BLE001 - raised again in the caller
                    failed.append(exc)

    def stop() -> None:
        # Not an OSError: open_source would report it as the input file's.
        raise SegurKgError("cannot write the import's output "
                           f"({' '.join(str(failed[0]).split())})") from failed[0]

    def write(data: bytes) -> None:
        if failed:
            stop()
        waiting.put(data)

    thread = threading.Thread(target=writer, name="import-writer", daemon=True)
    thread.start()
    try:
        yield write
    finally:
        waiting.put(None)
        thread.join()
    if failed:
        stop()


def _write_reference(stream: BinaryIO, report: ImportReport, quads: bool) -> None:
    """The reference graph, once per output file; counted in the notes of `report`."""
    reference = reference_ntriples()
    report.notes["reference triples written too (NOS code systems, corridor table)"] = (
        reference.count(" .\n"))
    stream.write(_encoded(reference, REFERENCE_GRAPH if quads else None))


def _encoded(ntriples: str, graph: str | None) -> bytes:
    """N-Triples lines as they are, or as N-Quads lines of `graph`, in UTF-8."""
    if graph is not None:
        ntriples = ntriples.replace(" .\n", f" <{graph}> .\n")
    return ntriples.encode("utf-8")


def _with_lines(source: reading.Source, lines: Iterator[tuple[int, str]]) -> reading.Source:
    return reading.Source(source.path, source.name, source.encoding, lines)


def _checked(source: reading.Source, kind: Kind) -> Iterator[tuple[int, str]]:
    """The source's lines, once its first line shows it is a file of this registry."""
    first = next(source.lines, None)
    if first is None:
        raise SegurKgError(f"{source.path}: the file is empty; expected {kind.registry.title}")
    if not kind.looks_like(first[1]):
        other = next((key for key, candidate in KINDS.items()
                      if candidate is not kind and candidate.looks_like(first[1])), None)
        hint = (f"it looks like a file for `segur-kg import {other}`" if other
                else f"its first line starts {first[1][:60]!r}")
        raise SegurKgError(f"{source.path}:1: not {kind.registry.title}; {hint}")
    return itertools.chain([first], source.lines)


def _date_in_name(name: str) -> str | None:
    match = _DATE_IN_NAME.search(name)
    return codes.real_date(f"{match.group(1)}-{match.group(2)}-{match.group(3)}") if match \
        else None


def provenance(kind: Kind, names: list[str], dates: list[str], report: ImportReport,
               own: int = 0) -> str:
    """The dataset's description; `own`: the number of its triples, counted in void:triples
    with those written before."""
    dataset = iri(f"{ID}dataset/{kind.registry.key}")
    out = [
        triple(dataset, RDF_TYPE, iri(f"{VOID}Dataset")),
        triple(dataset, RDF_TYPE, DCAT_DATASET),
        triple(dataset, iri(f"{DCTERMS}title"), text(kind.title_fr, "fr")),
        triple(dataset, iri(f"{DCTERMS}title"), text(kind.title_en, "en")),
        triple(dataset, iri(f"{DCTERMS}publisher"), iri(kind.publisher)),
        triple(dataset, iri(f"{DCTERMS}source"), iri(kind.page)),
        triple(dataset, iri(f"{DCTERMS}license"), iri(LICENCE)),
        triple(dataset, codes.term("linesRead"), typed(str(report.lines_read), "integer")),
        triple(dataset, codes.term("linesSkipped"),
               typed(str(sum(report.skipped.values())), "integer")),
        triple(dataset, iri(f"{VOID}triples"), typed(str(report.triples + own), "integer")),
        triple(iri(BASE_DATASET), iri(f"{VOID}subset"), dataset),
    ]
    out += [triple(dataset, codes.term("fileName"), text(name)) for name in sorted(set(names))]
    if dates:
        out.append(triple(dataset, iri(f"{DCTERMS}issued"), typed(max(dates), "date")))
    return "".join(out)


def reference_ntriples() -> str:
    """The NOS code systems the registries use and the corridor table, as N-Triples."""
    from pyoxigraph import RdfFormat, parse, serialize

    from segur_kg.sources.registries import corridors

    systems = sorted({system for kind in KINDS.values() for system in kind.code_systems})
    chunks = []
    for system in systems:
        with codes.scheme_file(system).open("rb") as stream:
            chunks.append(serialize(parse(stream, format=RdfFormat.TURTLE),
                                    format=RdfFormat.N_TRIPLES).decode("utf-8"))
    chunks.append(corridors.ntriples(corridors.links()))
    return "".join(sorted(set("".join(chunks).splitlines(keepends=True))))
