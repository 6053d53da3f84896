"""Start `segur-kg serve` on a free loopback port for a benchmark script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def start_server(*options: str, log: Any = None, src: Path | None = None,
                 ) -> tuple[subprocess.Popen, str]:
    """The server process and its address, once it has said it serves. `log`: where its
    messages go (a file: a pipe nobody reads would fill up and stop the server); `src`: the
    package to run, by default this checkout's."""
    env = dict(os.environ, PYTHONPATH=str(src or ROOT / "src"))
    env.setdefault("SEGUR_KG_HOME", str(ROOT))  # the data of this checkout, whatever `src`
    process = subprocess.Popen(
        [sys.executable, "-m", "segur_kg", "serve", "--host", "127.0.0.1", "--port", "0",
         *options],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "serving" not in line:
        process.kill()
        sys.exit(f"the server did not start: {line}")
    return process, line.split(" at ", 1)[1].split()[0]
