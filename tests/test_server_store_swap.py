"""The server follows the build's store symlink: a new build swapped in is served at once."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest_server import ServerProcess, build_store

MARKER = "SELECT ?v WHERE { <http://example.org/build> <http://example.org/version> ?v }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def marker_quads(version: str) -> list[ox.Quad]:
    return [
        ox.Quad(
            ox.NamedNode("http://example.org/build"),
            ox.NamedNode("http://example.org/version"),
            ox.Literal(version),
            ox.NamedNode(f"http://example.org/graph/{version}"),
        )
    ]


def swap(link: Path, target: Path) -> None:
    """What a build does: point a temporary link at the new store, then rename it over."""
    temporary = link.with_name(link.name + ".new")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    os.replace(temporary, link)


def version(server: ServerProcess) -> list[str]:
    response = server.client.get("/sparql", params={"query": MARKER})
    assert response.status_code == 200, response.text
    return [b["v"]["value"] for b in response.json()["results"]["bindings"]]


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    path = tmp_path / "build"
    path.mkdir()
    return path


def test_a_swapped_in_build_is_served(build_dir: Path) -> None:
    first = build_store(build_dir / "store-1", quads=marker_quads("one"))
    swap(build_dir / "store", first)
    with ServerProcess(env={"VRLKG_BUILD_DIR": str(build_dir)}) as server:
        assert version(server) == ["one"]
        assert "http://example.org/graph/one" in server.client.get("/sparql").text

        second = build_store(build_dir / "store-2", quads=marker_quads("two"))
        swap(build_dir / "store", second)
        # Picked up by the very next request, by every worker (each reopens the store).
        for _ in range(6):
            assert version(server) == ["two"]
        description = server.client.get("/sparql").text
        assert "http://example.org/graph/two" in description
        assert "http://example.org/graph/one" not in description

        swap(build_dir / "store", first)  # and back (a rollback)
        assert version(server) == ["one"]


def test_no_build_yet_is_503_until_one_appears(build_dir: Path) -> None:
    with ServerProcess(env={"VRLKG_BUILD_DIR": str(build_dir)}) as server:
        response = server.client.get("/sparql", params={"query": MARKER})
        assert response.status_code == 503, response.text
        assert "Retry-After" in response.headers
        assert "store" in response.text and str(build_dir) not in response.text
        # The service description still answers, with no named graphs.
        assert server.client.get("/sparql").status_code == 200

        swap(build_dir / "store", build_store(build_dir / "store-1", quads=marker_quads("one")))
        deadline = time.monotonic() + 2
        while server.client.get("/sparql", params={"query": MARKER}).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert version(server) == ["one"]
