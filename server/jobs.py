"""What the web process sends to a query worker and what comes back (pickled over a pipe)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
