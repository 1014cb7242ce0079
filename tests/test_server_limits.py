"""Time, memory, size and capacity limits, worker crashes, and clean shutdown.

A runaway query (ORDER BY over a three-way cross product of 2,000 triples: 8e9 rows) must be
answered with an error at the time limit, and the CPU must be idle right after: pyoxigraph cannot
cancel a query, so the server has to kill the worker process that runs it.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from tests.conftest_server import (
    ServerProcess,
    alive,
    build_store,
    children,
    cpu_growth,
    cpu_seconds,
    numbered_quads,
    tree_cpu,
)

TIMEOUT = 2.0
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
# As slow, but streaming: it needs next to no memory.
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("limits") / "store", quads=numbered_quads(2000))


@pytest.fixture(scope="module")
def server(store):
    env = {"VRLKG_QUERY_TIMEOUT": str(TIMEOUT), "VRLKG_QUERY_WORKERS": "2"}
    with ServerProcess(store=store, env=env) as running:
        yield running


def post(server: ServerProcess, query: str) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    response = server.client.post("/sparql", data={"query": query})
    return response, time.monotonic() - start


def wait_for_workers(server: ServerProcess, count: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = server.workers()
        if len(workers) == count:
            return workers
        time.sleep(0.05)
    raise AssertionError(f"expected {count} workers, have {server.workers()}")


def assert_goes_idle(server: ServerProcess, seconds: float = 2.0, budget: float = 0.3) -> None:
    before = tree_cpu(server.pid)
    time.sleep(seconds)
    used = cpu_growth(before, tree_cpu(server.pid))
    assert used <= budget, f"server tree used {used:.2f} s CPU in {seconds} s after the limit"


def assert_small_query_works(server: ServerProcess) -> None:
    deadline = time.monotonic() + 5
    response, elapsed = post(server, SMALL)
    # A server without a wait queue answers 503 until the replacement worker is ready.
    while response.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.05)
        response, elapsed = post(server, SMALL)
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == 3
    assert elapsed < 1.5


def test_runaway_query_is_stopped_at_the_limit(server: ServerProcess) -> None:
    workers_before = wait_for_workers(server, 2)
    response, elapsed = post(server, RUNAWAY)
    assert response.status_code == 504, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "query exceeded the time limit of 2 s" in response.text
    assert TIMEOUT - 0.1 <= elapsed <= TIMEOUT + 2.0
    # The worker that ran it is gone (killed), not still grinding in the background.
    assert_goes_idle(server)
    workers_after = wait_for_workers(server, 2)
    assert len(set(workers_before) - set(workers_after)) == 1
    assert_small_query_works(server)


def test_waiting_for_a_busy_pool_is_bounded_by_the_same_limit(server: ServerProcess) -> None:
    wait_for_workers(server, 2)
    results: list[tuple[httpx.Response, float]] = []

    def one() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            start = time.monotonic()
            response = client.post("/sparql", data={"query": RUNAWAY})
            results.append((response, time.monotonic() - start))

    threads = [threading.Thread(target=one) for _ in range(3)]  # one more than the workers
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 3
    for response, elapsed in results:
        assert response.status_code == 504, response.text
        assert "query exceeded the time limit of 2 s" in response.text
        assert elapsed <= TIMEOUT + 2.0
    assert_goes_idle(server)
    wait_for_workers(server, 2)
    assert_small_query_works(server)


def test_a_worker_that_dies_mid_query_gives_a_5xx(server: ServerProcess) -> None:
    workers = wait_for_workers(server, 2)
    outcome: list[tuple[httpx.Response, float]] = []
    thread = threading.Thread(target=lambda: outcome.append(post(server, RUNAWAY)))
    thread.start()
    busy = None
    deadline = time.monotonic() + TIMEOUT / 2
    while busy is None and time.monotonic() < deadline:
        busy = next((pid for pid in workers if cpu_seconds(pid) > 0.2), None)
        time.sleep(0.02)
    assert busy is not None, "no worker picked up the query"
    killed_at = time.monotonic()
    os.kill(busy, signal.SIGKILL)
    thread.join(30)
    ((response, _),) = outcome
    assert 500 <= response.status_code < 600, response.text
    assert response.status_code != 504
    assert "stopped unexpectedly" in response.text
    assert time.monotonic() - killed_at < 1.0
    assert not alive(busy)
    wait_for_workers(server, 2)
    assert_small_query_works(server)


# ---- a deliberately tight server: one worker, no waiting, small memory and result caps ---------


@pytest.fixture(scope="module")
def tight(store):
    env = {
        "VRLKG_QUERY_TIMEOUT": "3",
        "VRLKG_QUERY_WORKERS": "1",
        "VRLKG_MAX_WAITING": "0",
        "VRLKG_QUERY_MEMORY_MB": "300",
        "VRLKG_MAX_RESULT_MB": "0.01",
    }
    with ServerProcess(store=store, env=env) as running:
        yield running


def test_result_over_the_size_limit_is_an_error_not_a_truncation(tight: ServerProcess) -> None:
    response, _ = post(tight, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 507, response.text
    assert "larger than the limit of 0.01 MiB" in response.text
    assert_small_query_works(tight)


def test_query_over_the_memory_limit_is_stopped(tight: ServerProcess) -> None:
    wait_for_workers(tight, 1)
    response, elapsed = post(tight, RUNAWAY)
    assert response.status_code == 507, response.text
    assert "memory limit of 300 MiB" in response.text
    assert elapsed < 2.5  # well before the 3 s time limit
    assert_goes_idle(tight, seconds=1.0)
    wait_for_workers(tight, 1)
    assert_small_query_works(tight)


def test_over_capacity_gets_503_with_retry_after(tight: ServerProcess) -> None:
    wait_for_workers(tight, 1)
    slow: list[tuple[httpx.Response, float]] = []
    thread = threading.Thread(target=lambda: slow.append(post(tight, SLOW_COUNT)))
    thread.start()
    (worker,) = tight.workers()
    deadline = time.monotonic() + 1.5
    while cpu_seconds(worker) < 0.1 and time.monotonic() < deadline:
        time.sleep(0.02)
    with httpx.Client(base_url=tight.url, timeout=30) as other:
        start = time.monotonic()
        # A query not answered before: a cached result would need no worker.
        response = other.get("/sparql", params={"query": SMALL + " # not cached"})
        assert time.monotonic() - start < 1.0
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    thread.join(30)
    assert slow[0][0].status_code == 504
    wait_for_workers(tight, 1)
    assert_small_query_works(tight)


# ---- shutdown ----------------------------------------------------------------------------------


def test_sigterm_stops_the_workers_too(store) -> None:
    env = {"VRLKG_QUERY_TIMEOUT": str(TIMEOUT), "VRLKG_QUERY_WORKERS": "2"}
    server = ServerProcess(store=store, env=env)
    workers = wait_for_workers(server, 2)
    answers: list[int] = []

    def in_flight_query() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            answers.append(client.post("/sparql", data={"query": RUNAWAY}).status_code)

    in_flight = threading.Thread(target=in_flight_query)
    in_flight.start()
    time.sleep(0.3)
    server.stop(signal.SIGTERM)
    in_flight.join(30)
    # The running query was still answered (at its time limit) before the server stopped.
    assert answers == [504]
    assert server.proc.returncode is not None
    assert not [pid for pid in workers if alive(pid)]
    assert children(server.pid) == []


def test_workers_die_with_a_killed_server(store) -> None:
    server = ServerProcess(store=store, env={"VRLKG_QUERY_WORKERS": "2"})
    workers = wait_for_workers(server, 2)
    server.stop(signal.SIGKILL)
    deadline = time.monotonic() + 3
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)], "orphaned query workers"


# ---- query length, request body, result rows: each setting crossed -----------------------------


@pytest.fixture(scope="module")
def capped(store):
    env = {
        "VRLKG_MAX_QUERY_LENGTH": "1000",
        "VRLKG_MAX_REQUEST_KB": "4",
        "VRLKG_MAX_RESULT_ROWS": "100",
        "VRLKG_CACHE_MB": "0",
    }
    with ServerProcess(store=store, env=env) as running:
        yield running


def padded(query: str, length: int) -> str:
    """`query` followed by a comment, `length` characters in all."""
    return query + "\n#" + "x" * (length - len(query) - 2)


def test_query_over_the_length_limit_gets_413(capped: ServerProcess) -> None:
    at_limit = padded(SMALL, 1000)
    assert capped.client.post("/sparql", data={"query": at_limit}).status_code == 200
    over = padded(SMALL, 1001)
    by_route = [
        capped.client.post("/sparql", data={"query": over}),
        capped.client.get("/sparql", params={"query": over}),
        capped.client.post(
            "/sparql", content=over, headers={"Content-Type": "application/sparql-query"}
        ),
    ]
    for response in by_route:
        assert response.status_code == 413, response.text
        assert "longer than the limit of 1000 characters" in response.text
        assert response.headers["content-type"].startswith("text/plain")


def test_body_over_the_request_limit_gets_413(capped: ServerProcess) -> None:
    body = padded(SMALL, 5000)  # 4 KiB limit; the query limit would also refuse it
    response = capped.client.post(
        "/sparql", content=body, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413, response.text
    assert "larger than the limit of 4096 bytes" in response.text


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_result_over_the_row_limit_is_an_error_not_a_truncation(
    capped: ServerProcess, accept: str
) -> None:
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s LIMIT %d"
    headers = {"Accept": accept}
    at_limit = capped.client.post("/sparql", data={"query": query % 100}, headers=headers)
    assert at_limit.status_code == 200, at_limit.text
    over = capped.client.post("/sparql", data={"query": query % 101}, headers=headers)
    assert over.status_code == 507, over.text
    assert "more than 100 rows" in over.text
    assert over.headers["content-type"].startswith("text/plain")
    # Rows whose values hold the characters the cheap counts look for are still counted right.
    tricky = (
        'SELECT ?s ?o WHERE { ?s ?p ?x BIND(CONCAT("a\\n},{\\r\\n<result>", ?x) AS ?o) } '
        "ORDER BY ?s LIMIT %d"
    )
    at_limit = capped.client.post("/sparql", data={"query": tricky % 100}, headers=headers)
    assert at_limit.status_code == 200, at_limit.text
    over = capped.client.post("/sparql", data={"query": tricky % 101}, headers=headers)
    assert over.status_code == 507, over.text
