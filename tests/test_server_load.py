"""A short run of the load and fault test (bench/load.py runs the 60 s version).

16 clients for 10 s send a mixed workload to the real server on loopback: lookups, searches,
aggregates, DESCRIBE and CONSTRUCT in every format, queries that run into the time limit or the
memory limit, oversized results, malformed queries and SERVICE calls. No 5xx other than the
documented limit answers (503, 504, 507), every body well-formed for its content type, nothing
slower than the time limit + 5 s, memory bounded, and the server still answers afterwards.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.load import RssSampler, drive, synthetic_store
from tests.conftest_server import ServerProcess

TIME_LIMIT = 2.0


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("load") / "store"
    papers = synthetic_store(folder, 20_000)
    env = {
        "VRLKG_QUERY_TIMEOUT": str(TIME_LIMIT),
        "VRLKG_QUERY_MEMORY_MB": "512",
        "VRLKG_MAX_RESULT_MB": "1",
    }
    with ServerProcess(store=folder, env=env) as server:
        yield server, papers


def test_mixed_load_with_runaway_queries(loaded) -> None:
    server, papers = loaded
    sampler = RssSampler(server.pid)
    outcome = asyncio.run(drive(server.endpoint, 10, 16, papers, TIME_LIMIT))
    peak = sampler.stop()
    print(outcome.summary())
    assert outcome.ok, outcome.summary()
    assert outcome.requests > 100
    # The runaway queries really ran into the limits (and were answered as documented).
    assert outcome.statuses[504] + outcome.statuses[507] > 0
    assert outcome.statuses[200] > outcome.requests / 2
    # Two workers of at most 512 MiB each (checked every 0.2 s), plus the web process.
    assert peak < 2048, f"peak RSS {peak:.0f} MiB"
    after = server.client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
    assert after.status_code == 200
