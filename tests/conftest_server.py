"""Shared helpers for the endpoint tests: build stores, run the real server, watch processes.

Imported as tests.conftest_server by tests/test_server_*.py and tests/test_w3c_*.py.
Nothing of ours is mocked: every test talks HTTP to `python -m server` in a subprocess.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kg.store import merge_default_graph

REPO = Path(__file__).resolve().parent.parent
W3C_DIR = Path(os.environ.get("VRLKG_W3C_DIR", REPO.parent / "shared" / "w3c"))
PROTOCOL_DIR = W3C_DIR / "sparql11-protocol"
SD_DIR = W3C_DIR / "sparql11-service-description"

KASEI = "http://kasei.us/2009/09/sparql/data/"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def require_w3c() -> None:
    """The W3C suites are test data we must have: fail loudly rather than skip."""
    if not (PROTOCOL_DIR / "manifest.ttl").is_file():
        pytest.fail(f"W3C test data not found under {W3C_DIR} (set VRLKG_W3C_DIR)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def w3c_graph_iri(n: int) -> str:
    return f"{KASEI}data{n}.rdf"


def build_store(path: Path, files: dict[str, Path] | None = None, quads: Iterable = ()) -> Path:
    """An on-disk store: each file loaded into the named graph given as its key, plus `quads`.

    Closed before returning, so the server can open it read-only.
    """
    store = ox.Store(str(path))
    for graph, file in (files or {}).items():
        store.load(path=str(file), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    store.bulk_extend(list(quads))
    merge_default_graph(store)  # as a build does: the default graph is the merge (kg.store)
    store.flush()
    del store
    gc.collect()
    return path


def numbered_quads(count: int, graph: str = "http://example.org/g") -> list[ox.Quad]:
    p = ox.NamedNode("http://example.org/p")
    g = ox.NamedNode(graph)
    return [
        ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), p, ox.Literal(str(i)), g)
        for i in range(count)
    ]


def w3c_store(path: Path) -> Path:
    """data1..data3.nt, each in its named graph http://kasei.us/2009/09/sparql/data/dataN.rdf."""
    require_w3c()
    files = {w3c_graph_iri(n): PROTOCOL_DIR / f"data{n}.nt" for n in (1, 2, 3)}
    return build_store(path, files)


class ServerProcess:
    """`python -m server` on 127.0.0.1 and a free port, with settings passed by environment."""

    def __init__(self, store: Path | None = None, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = f"{self.url}/sparql"
        command = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(self.port)]
        if store is not None:
            command += ["--store", str(store)]
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - open for the server's life
        full_env = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=full_env, cwd=REPO
        )
        self.client = httpx.Client(base_url=self.url, timeout=30.0)
        self._wait_ready()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                response = self.client.get("/sparql", params={"query": "ASK {}"})
                if response.status_code in (200, 503):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log()}")

    def workers(self) -> list[int]:
        return children(self.pid)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---- processes, from /proc ----------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    return text[text.rindex(")") + 2 :].split()


def children(pid: int) -> list[int]:
    """Live (non-zombie) child processes of `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


def alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (not of its reaped children)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # Fields 14 and 15 of /proc/pid/stat; fields[0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of `pid` and each of its live children, by pid."""
    return {p: cpu_seconds(p) for p in [pid, *children(pid)]}


def cpu_growth(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two tree_cpu() samples; a process new in `after` counts in full."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


# ---- a listener that must never be contacted ----------------------------------------------------


class Listener:
    """A TCP server on a free loopback port that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(peer)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
