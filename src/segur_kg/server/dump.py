"""The Graph Store Protocol's GET of a store-backed server (`/rdf-graph-store?default`): the
store's graph, streamed from the store into a file by a process of its own, so that the server
never holds the graph and opens no store handle that its forked workers would share.

    python -m segur_kg.server.dump STORE (asserted|closure) FORMAT FILE
"""

from __future__ import annotations

import sys
from pathlib import Path


def command(store: str, infer: bool, fmt: str, path: Path) -> list[str]:
    return [sys.executable, "-m", "segur_kg.server.dump", store,
            "closure" if infer else "asserted", fmt, str(path)]


def main(argv: list[str]) -> int:
    from rdflib import Graph

    from segur_kg.common.atomic import open_atomic_bytes
    from segur_kg.common.errors import SegurKgError
    from segur_kg.publishing.streaming import export_store
    from segur_kg.stores import open_store

    spec, which, fmt, target = argv
    try:
        with open_store(spec) as store, open_atomic_bytes(Path(target)) as output:
            # The default graph alone, as the protocol asks: no description added.
            export_store(store, fmt, which == "closure", Graph(), output)
    except SegurKgError as exc:
        print(f"segur-kg: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
