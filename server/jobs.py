"""What the web process sends to a query worker and what comes back, and how it is framed.

Each message is pickled and sent over a Unix socket pair as a 4-byte big-endian length and the
pickle. The web process reads replies with an asyncio protocol (server.workers); the worker
reads jobs with blocking calls (server.worker_process).
"""

from __future__ import annotations

import pickle
import socket
import struct
from dataclasses import dataclass, field

HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class QueryJob:
    store: str
    query: str
    base_iri: str
    # None: no dataset given by the protocol. Then the query's own FROM / FROM NAMED apply, and
    # without those the default graph is the union of all named graphs.
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    # Keys in negotiation.RESULT_BY_KEY / GRAPH_BY_KEY; None if the client accepts no such format.
    results_format: str | None
    graph_format: str | None
    max_result_bytes: int
    # Most SELECT solutions; 0: no limit.
    max_result_rows: int = 0


@dataclass(frozen=True)
class GraphsJob:
    """List the IRIs of the named graphs of a store (for the service description)."""

    store: str


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str = "text/plain; charset=utf-8"
    body: bytes = b""
    # For a 406: which kind of result the query produced ("results" or "graph").
    kind: str = ""
    # For GraphsJob: the graph IRIs.
    graphs: tuple[str, ...] = field(default=())

    @classmethod
    def text(cls, status: int, message: str, kind: str = "") -> Reply:
        return cls(status, body=(message.rstrip("\n") + "\n").encode("utf-8"), kind=kind)


def frame(message: object) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError
        got += n
    return bytes(data)


def recv_message(sock: socket.socket) -> object:
    """Blocking read of one framed message (the worker's side); EOFError when the peer is gone."""
    (size,) = HEADER.unpack(_recv_exactly(sock, HEADER.size))
    return pickle.loads(_recv_exactly(sock, size))
