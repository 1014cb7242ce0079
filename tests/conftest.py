"""Shared fixtures: the real graph built once per session into a temporary folder, and the real
server started on loopback over it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.build import BuildResult, build
from kg.settings import DEFAULT_BASE_IRI, Settings
from tests.conftest_server import Listener

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """A loopback listener that records every connection: what must never be contacted."""
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings().with_(base_iri=DEFAULT_BASE_IRI, build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built(settings: Settings) -> BuildResult:
    return build(settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def graph_server(settings: Settings, built: BuildResult) -> Iterator[str]:
    """`vrlkg serve` over the built graph, as a user would start it."""
    port = free_port()
    env = {**os.environ, "VRLKG_BUILD_DIR": str(settings.build_dir), "VRLKG_QUERY_TIMEOUT": "10"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--no-build", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}"
            )
        try:
            if httpx.get(f"{url}/sparql", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("server did not start within 60 s")
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
