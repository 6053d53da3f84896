"""What an import read, wrote and skipped: the summary printed at the end and kept, as counts,
in the import's provenance."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from segur_kg.common.errors import SegurKgError

SHOWN_PROBLEMS = 10  # malformed lines listed by number; the others are counted


@dataclass
class ImportReport:
    registry: str
    strict: bool = False
    lines_read: int = 0
    resources: Counter[str] = field(default_factory=Counter)  # written, by kind
    skipped: Counter[str] = field(default_factory=Counter)  # lines not imported, by reason
    unknown_codes: Counter[str] = field(default_factory=Counter)  # by column
    unknown_examples: dict[str, str] = field(default_factory=dict)  # column → first code seen
    problems: list[str] = field(default_factory=list)  # "file:line: what", the first ones
    notes: Counter[str] = field(default_factory=Counter)  # what was read but not imported, why
    triples: int = 0
    extract_date: str | None = None  # of the newest file read (its comment line or its name)

    def malformed(self, where: str, line: int, what: str) -> None:
        """A line that cannot be read: stop under --strict, else count it and go on."""
        message = f"{where}:{line}: {what}"
        if self.strict:
            raise SegurKgError(f"{message} (--strict stops at the first malformed line; "
                               "drop --strict to skip such lines and count them)")
        self.skipped["malformed"] += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(message)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def unknown(self, column: str, code: str) -> None:
        self.unknown_codes[column] += 1
        self.unknown_examples.setdefault(column, code)

    def summary(self) -> str:
        lines = [f"{self.registry}: {self.lines_read:,} lines read, "
                 f"{sum(self.skipped.values()):,} skipped, {self.triples:,} triples written"]
        where = ("the extract's comment line gives it" if self.registry == "finess" else
                 "the file's name as downloaded gives it: ..._YYYYMMDDhhmm.txt")
        lines.append(f"  extract date: {self.extract_date or f'unknown ({where})'}")
        if self.resources:
            lines.append("  written: " + ", ".join(
                f"{count:,} {kind}" for kind, count in sorted(self.resources.items())))
        if self.skipped:
            lines.append("  skipped: " + ", ".join(
                f"{count:,} {reason}" for reason, count in sorted(self.skipped.items())))
        for column, count in sorted(self.unknown_codes.items()):
            lines.append(f"  unknown codes in {column!r}: {count:,} "
                         f"(e.g. {self.unknown_examples[column]!r})")
        for what, count in sorted(self.notes.items()):
            lines.append(f"  {what}: {count:,}")
        if self.problems:
            more = self.skipped["malformed"] - len(self.problems)
            lines.append("  malformed lines" + (f" (first {len(self.problems)})" if more else "")
                         + ":")
            lines.extend(f"    {problem}" for problem in self.problems)
        return "\n".join(lines)
