"""Progress bars on standard error for the long jobs (load, synth, infer at scale).

The bar is drawn only when standard error is a terminal, so logs and tests stay clean;
SEGUR_KG_PROGRESS=1 forces it on (to see it in a log), SEGUR_KG_PROGRESS=0 turns it off.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def enabled() -> bool:
    forced = os.environ.get("SEGUR_KG_PROGRESS")
    if forced in ("0", "1"):
        return forced == "1"
    return sys.stderr.isatty()


@contextmanager
def bar(description: str, total: int | None = None, unit: str = "triples") -> Iterator[Any]:
    """A bar with .update(n); a silent stand-in when progress is not shown."""
    if not enabled():
        yield _Silent()
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=description, unit=f" {unit}", unit_scale=True,
              file=sys.stderr, dynamic_ncols=True, mininterval=0.5) as shown:
        yield shown


class _Silent:
    def update(self, _count: int = 1) -> None:
        pass
