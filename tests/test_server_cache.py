"""The response cache and ETags: 304 for a current ETag, new ETags (and no stale body) after a new
build is swapped in, nothing cached or tagged for queries whose result may change between runs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest_server import ServerProcess, build_store
from tests.test_server_store_swap import MARKER, marker_quads, swap


@pytest.fixture
def served(tmp_path: Path):
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    swap(build_dir / "store", build_store(build_dir / "store-1", quads=marker_quads("one")))
    with ServerProcess(env={"VRLKG_BUILD_DIR": str(build_dir)}) as server:
        yield server, build_dir


def test_etag_and_304(served) -> None:
    server, _ = served
    first = server.client.get("/sparql", params={"query": MARKER})
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    again = server.client.get(
        "/sparql", params={"query": MARKER}, headers={"If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    # Another format is another representation, with its own tag.
    csv = server.client.get("/sparql", params={"query": MARKER}, headers={"Accept": "text/csv"})
    assert csv.headers["etag"] != tag
    stale = server.client.get(
        "/sparql", params={"query": MARKER}, headers={"If-None-Match": '"something-else"'}
    )
    assert stale.status_code == 200 and stale.json() == first.json()


def test_a_new_build_changes_tags_and_bodies(served) -> None:
    server, build_dir = served
    first = server.client.get("/sparql", params={"query": MARKER})  # now cached
    assert first.json()["results"]["bindings"][0]["v"]["value"] == "one"
    swap(build_dir / "store", build_store(build_dir / "store-2", quads=marker_quads("two")))
    after = server.client.get(
        "/sparql", params={"query": MARKER}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != first.headers["etag"]
    assert after.json()["results"]["bindings"][0]["v"]["value"] == "two"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (NOW() AS ?t) WHERE {}",
        "SELECT (RAND() AS ?r) WHERE {}",
        "SELECT (STRUUID() AS ?u) WHERE {}",
        'SELECT ("\\u0041" AS ?a) WHERE {}',  # escapes could hide NOW( from the check
    ],
)
def test_volatile_queries_are_neither_tagged_nor_cached(served, query: str) -> None:
    server, _ = served
    first = server.client.get("/sparql", params={"query": query})
    second = server.client.get("/sparql", params={"query": query})
    assert first.status_code == second.status_code == 200, first.text
    assert "etag" not in first.headers
    if "RAND" in query or "UUID" in query:
        assert first.content != second.content  # evaluated again, not replayed


def test_two_web_processes_serve_and_stop_cleanly(tmp_path: Path) -> None:
    from tests.conftest_server import alive, children

    store = build_store(tmp_path / "store", quads=marker_quads("one"))
    env = {"VRLKG_WEB_PROCESSES": "2", "VRLKG_QUERY_WORKERS": "1"}
    server = ServerProcess(store=store, env=env)
    try:
        for _ in range(4):
            response = server.client.get("/sparql", params={"query": MARKER})
            assert response.status_code == 200
        deadline = time.monotonic() + 15
        while True:  # each web process starts its own worker
            web = children(server.pid)
            workers = [w for p in web for w in children(p)]
            if len(workers) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(web) >= 2 and len(workers) >= 2
    finally:
        server.stop()
    deadline = time.monotonic() + 5  # a worker is killed by its web process, or as it dies
    while [pid for pid in web + workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in web + workers if alive(pid)]
    assert not left, [Path(f"/proc/{pid}/cmdline").read_bytes()[:200] for pid in left]
