"""How long segur-kg takes to say where the error of a bad N-Triples or N-Quads file is (a script,
not a test: tests/test_rdf_reader_verdicts.py checks the line and column it reports).

Writes, in a temporary folder, files whose only error is at the end of one long line (1 MB, 10 MB
and 20 MB; the 20 MB term is longer than the parser reads, which is the error then) or on the last
of 80,001 lines, and times the reader alone (rdf.reading.check_file, N-Triples and N-Quads) and the
`diff` and `validate` commands on the N-Triples file (wall time, Python start-up included).

    .venv/bin/python benchmarks/error_location.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from segur_kg.common.errors import SegurKgError  # noqa: E402
from segur_kg.rdf.reading import check_file  # noqa: E402

HEAD = '<https://example.org/a> <https://example.org/p> "'
GOOD = HEAD + 'x" .\n'
MB = 1024 * 1024


def cases(folder: Path) -> dict[str, Path]:
    """The N-Triples file of each case; an N-Quads twin is written next to it."""
    files = {}
    for size in (1, 10, 20):
        files[f"{size} MB bad line"] = folder / f"line-{size}mb.nt"
        files[f"{size} MB bad line"].write_bytes(
            (GOOD + HEAD + "x" * (size * MB) + '\\q" .\n').encode())
    files["80,001 lines"] = folder / "lines-80001.nt"
    files["80,001 lines"].write_bytes(
        "".join(f'{HEAD}{i}" .\n' for i in range(80_000)).encode() + (HEAD + 'open .\n').encode())
    for path in files.values():
        path.with_suffix(".nq").write_bytes(path.read_bytes())
    return files


def reader(path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        check_file(path)
        message = "no error found"
    except SegurKgError as exc:
        message = exc.message
    return time.perf_counter() - started, message


def command(args: list[str]) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "segur_kg", *args], capture_output=True,
                            text=True, env=env, cwd=ROOT, check=False)
    return time.perf_counter() - started, result.stderr.strip()


def short(message: str, shown: Path) -> str:
    text = message.replace("segur-kg: error: ", "").replace(str(shown), shown.name)
    return text if len(text) <= 110 else text[:107] + "..."


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="segur-kg-errors-") as name:
        folder = Path(name)
        good = folder / "good.nt"
        good.write_text(GOOD, encoding="utf-8")
        print(f"{'case':<16} {'what':<18} {'seconds':>8}  message")
        for case, path in cases(folder).items():
            runs = {
                "reader, N-Triples": lambda p=path: reader(p),
                "reader, N-Quads": lambda p=path: reader(p.with_suffix(".nq")),
                "diff": lambda p=path: command(["diff", str(good), str(p)]),
                "validate": lambda p=path: command(["validate", str(p)]),
            }
            for what, run in runs.items():
                seconds, message = run()
                shown = path.with_suffix(".nq") if "N-Quads" in what else path
                print(f"{case:<16} {what:<18} {seconds:>8.2f}  {short(message, shown)}")


if __name__ == "__main__":
    main()
