"""A short seeded run of the query fuzzer (benchmarks/query_fuzz.py, which also runs 10,000
queries as a script): mutated and structural queries against a real server on loopback."""

from __future__ import annotations

import sys

import pytest
from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
import query_fuzz  # noqa: E402

MIB = 1024 * 1024


def test_the_generator_is_seeded_and_covers_the_attacks():
    first = query_fuzz.queries(300, 7, "http://127.0.0.1:9/x")
    assert first == query_fuzz.queries(300, 7, "http://127.0.0.1:9/x")
    assert first != query_fuzz.queries(300, 8, "http://127.0.0.1:9/x")
    joined = "\n".join(first)
    for needle in ("SERVICE", "\\u", "OPTIONAL { ?s0", "CONCAT(", "_:b", "javascript:"):
        assert needle in joined


@pytest.mark.parametrize("seed", [11])
def test_fuzzed_queries_get_no_500_no_connection_no_hang_and_stay_under_the_ceiling(seed):
    outcome = query_fuzz.run(count=250, seed=seed, clients=2, timeout=3.0, max_memory="256M",
                             workers=2)
    statuses = outcome["statuses"]
    assert sum(statuses.values()) == 250
    assert set(statuses) <= {200, 400, 403, 413, 503}, statuses
    assert statuses[400] > 0 and statuses[200] > 0
    assert outcome["connections"] == 0
    assert outcome["hangs"] == []
    assert outcome["tracebacks"] == 0, outcome["log"][-3000:]
    assert outcome["peak_worker_bytes"] <= outcome["idle_worker_bytes"] + 256 * MIB + 64 * MIB
