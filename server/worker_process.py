"""A query worker: a separate process that owns a read-only store and evaluates queries.

Run as `python -m server.worker_process FD CONFIG_JSON` by server.workers, which talks to it
over the connected socket FD with pickled jobs.jobs objects. The worker checks the SERVICE guard,
evaluates the query and serializes the result to bytes, so the web process only copies bytes.
It stays single-threaded and uninterruptible on purpose: stopping a query means killing the
process, which is the only way to stop pyoxigraph.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import os
import signal
import socket
import sys

import pyoxigraph as ox

from server.errors import scrub
from server.guard import service_refusal, shape_of
from server.jobs import GraphsJob, QueryJob, Reply, frame, recv_message
from server.negotiation import GRAPH_BY_KEY, RESULT_BY_KEY

# The N-Quads snapshot a store directory may carry (kg.store.SNAPSHOT; not imported from kg.store
# to keep the worker's start light).
SNAPSHOT = "dataset.nq"


class ResultTooLarge(Exception):
    pass


class CappedBuffer:
    """A binary sink for pyoxigraph's serializers that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        if len(self.data) + len(chunk) > self.limit:
            raise ResultTooLarge
        self.data += chunk
        return len(chunk)

    def flush(self) -> None:
        pass


class QueryWorker:
    def __init__(self, service_allowlist: tuple[str, ...], memory_store_bytes: int = 0):
        self.service_allowlist = service_allowlist
        self.memory_store_bytes = memory_store_bytes
        self._store: ox.Store | None = None
        self._store_path: str | None = None

    def handle(self, job: object) -> Reply:
        try:
            if isinstance(job, QueryJob):
                return self.query(job)
            if isinstance(job, GraphsJob):
                return self.graphs(job)
            return Reply.text(500, "internal error: unknown job")
        except StoreUnavailable:
            return Reply.text(503, "The store could not be opened; try again shortly.")
        except Exception as error:
            print(f"query worker: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            return Reply.text(500, f"Query evaluation failed: {scrub(str(error))}")

    def store(self, path: str) -> ox.Store:
        """The read-only store at `path`, reopened when a new build has been swapped in."""
        if path != self._store_path:
            self._store = None
            self._store_path = None
            gc.collect()
            try:
                self._store = self._open(path)
            except (OSError, SyntaxError, ValueError) as error:
                print(f"query worker: cannot open store: {error}", file=sys.stderr, flush=True)
                raise StoreUnavailable from error
            self._store_path = path
        assert self._store is not None
        return self._store

    def _open(self, path: str) -> ox.Store:
        """The store in memory from its snapshot when allowed and small enough, else read-only."""
        snapshot = os.path.join(path, SNAPSHOT)
        try:
            size = os.path.getsize(snapshot)
        except OSError:
            size = -1
        if 0 <= size <= self.memory_store_bytes:
            store = ox.Store()
            store.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
            return store
        return ox.Store.read_only(path)

    def query(self, job: QueryJob) -> Reply:
        shape = shape_of(job.query, job.base_iri)
        refusal = service_refusal(shape, self.service_allowlist)
        if refusal:
            return Reply.text(400, refusal)
        store = self.store(job.store)
        try:
            result = store.query(job.query, base_iri=job.base_iri, **_dataset(job))
        except SyntaxError as error:
            return Reply.text(400, f"Query syntax error: {error}")
        if isinstance(result, ox.QueryTriples):
            if job.graph_format is None:
                return Reply(406, kind="graph")
            fmt = GRAPH_BY_KEY[job.graph_format]
            ox_format = getattr(ox.RdfFormat, fmt.oxigraph)
        else:
            if job.results_format is None:
                return Reply(406, kind="results")
            fmt = RESULT_BY_KEY[job.results_format]
            ox_format = getattr(ox.QueryResultsFormat, fmt.oxigraph)
        sink = CappedBuffer(job.max_result_bytes)
        try:
            result.serialize(sink, format=ox_format)
        except ResultTooLarge:
            mib = job.max_result_bytes / (1 << 20)
            return Reply.text(
                507,
                f"The result is larger than the limit of {mib:.3g} MiB; "
                "narrow the query or add LIMIT.",
            )
        body = bytes(sink.data)
        limit = job.max_result_rows
        if limit and isinstance(result, ox.QuerySolutions):  # noqa: SIM102
            if count_rows(body, fmt.key, limit) > limit:
                return Reply.text(
                    507,
                    f"The result has more than {job.max_result_rows} rows (the limit); "
                    "narrow the query or add LIMIT.",
                )
        return Reply(200, fmt.content_type, body)

    def graphs(self, job: GraphsJob) -> Reply:
        store = self.store(job.store)
        names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        return Reply(200, graphs=tuple(names))


class StoreUnavailable(Exception):
    pass


# Fewest bytes a row takes in each serialization ("{}," in JSON, an empty line in TSV), so that a
# result too short to hold more than the limit is not counted at all.
_MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 2, "tsv": 1}


def count_rows(body: bytes, fmt: str, limit: int) -> int:
    """The number of solutions in a serialized SELECT result, or any number <= limit when it
    cannot exceed it. Cheap upper bounds first (byte counts in C); exact parse only past them."""
    if len(body) <= limit * _MIN_ROW_BYTES[fmt]:
        return 0
    if fmt == "tsv":  # one line per row after the header; TSV escapes newlines in terms
        return max(0, body.count(b"\n") - 1)
    if fmt == "xml":  # '<' in text is escaped, so every <result> is an element
        return body.count(b"<result>")
    if fmt == "json":  # consecutive rows are joined by "},{": an upper bound
        if body.count(b"},{") + 1 <= limit:
            return 0
        return len(json.loads(body)["results"]["bindings"])
    # CSV: one line per row unless a quoted value holds a line break: an upper bound
    if body.count(b"\n") - 1 <= limit:
        return 0
    return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1


def _dataset(job: QueryJob) -> dict[str, object]:
    """The dataset arguments of Store.query.

    A dataset given by the protocol replaces the query's own; without one, the query's FROM /
    FROM NAMED apply, and without those the store's default graph: the merge of the named graphs.
    """
    if job.default_graphs is None and job.named_graphs is None:
        # The query's own FROM / FROM NAMED, or else the store's default graph, which holds the
        # merge of the named graphs (kg.store).
        return {}
    return {
        "default_graph": [ox.NamedNode(g) for g in job.default_graphs or ()],
        "named_graphs": [ox.NamedNode(g) for g in job.named_graphs or ()],
    }


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when the web process dies, so no worker is orphaned."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(0)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    fd = int(args[0])
    config = json.loads(args[1])
    _die_with_parent(int(config["parent_pid"]))
    # Ctrl-C in a terminal reaches the whole process group; the web process stops us itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    worker = QueryWorker(
        tuple(config["service_allowlist"]), int(config.get("memory_store_bytes") or 0)
    )
    if config.get("store"):
        # Open the current store now, so that the first query does not pay for it.
        with contextlib.suppress(StoreUnavailable):
            worker.store(config["store"])
    try:
        sock.sendall(frame(("ready", os.getpid())))
    except OSError:
        return
    while True:
        try:
            job = recv_message(sock)
        except (EOFError, OSError):
            break
        if job is None:
            break
        try:
            sock.sendall(frame(worker.handle(job)))
        except OSError:
            break


if __name__ == "__main__":
    main()
