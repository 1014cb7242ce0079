"""The pool of query worker processes, seen from the web process.

pyoxigraph cannot cancel a query, so each query runs in a worker process that can be killed.
A request takes an idle worker (waiting for one if all are busy, within its deadline), sends the
job over a Unix socket and waits, without blocking the event loop, for the reply
(an asyncio protocol reads it; no thread hop). Past the deadline
the worker gets SIGKILL, a replacement is started in the background, and the request fails with
QueryTimedOut. A worker that dies or grows past the memory limit is handled the same way.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import json
import logging
import os
import pickle
import socket
import subprocess
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from server.jobs import HEADER, Reply, frame

log = logging.getLogger("server.workers")

# How often a running query's worker is checked against the memory limit.
MEMORY_POLL_SECONDS = 0.2
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

_live_processes: weakref.WeakSet[subprocess.Popen] = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    """Last resort if the pool was not closed (the app never shut down cleanly)."""
    for proc in list(_live_processes):
        if proc.poll() is None:
            proc.kill()


class PoolError(Exception):
    pass


class QueryTimedOut(PoolError):
    def __init__(self, waited_for_worker: bool):
        super().__init__("time limit")
        self.waited_for_worker = waited_for_worker


class PoolBusy(PoolError):
    pass


class WorkerDied(PoolError):
    pass


class MemoryExceeded(PoolError):
    pass


class PoolClosed(PoolError):
    pass


class _Channel(asyncio.Protocol):
    """The web process's end of one worker's socket: splits the byte stream into messages."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.pending: collections.deque[object] = collections.deque()
        self.waiter: asyncio.Future | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while len(buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer)
            end = HEADER.size + size
            if len(buffer) < end:
                return
            message = pickle.loads(memoryview(buffer)[HEADER.size : end])
            del buffer[:end]
            waiter = self.waiter
            if waiter is not None and not waiter.done():
                self.waiter = None
                waiter.set_result(message)
            else:
                self.pending.append(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(WorkerDied())

    def expect(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        """A future for the next message."""
        waiter = loop.create_future()
        if self.pending:
            waiter.set_result(self.pending.popleft())
        elif self.lost:
            waiter.set_exception(WorkerDied())
        else:
            self.waiter = waiter
        return waiter


@dataclass(eq=False)
class Worker:
    proc: subprocess.Popen
    channel: _Channel

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return not self.channel.lost

    def send(self, message: object) -> None:
        assert self.channel.transport is not None
        self.channel.transport.write(frame(message))

    def resident_bytes(self) -> int:
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * PAGE_SIZE
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        if self.channel.transport is not None:
            self.channel.transport.close()


def _fail(waiter: asyncio.Future, error: BaseException) -> None:
    if not waiter.done():
        waiter.set_exception(error)


class WorkerPool:
    def __init__(
        self,
        size: int,
        service_allowlist: tuple[str, ...],
        max_waiting: int = 64,
        memory_limit: int = 0,
        start_timeout: float = 30.0,
        memory_store_bytes: int = 0,
        store_hint: Callable[[], str | None] | None = None,
    ):
        if size < 1:
            raise ValueError("the pool needs at least one worker")
        self.size = size
        self.service_allowlist = service_allowlist
        self.max_waiting = max_waiting
        self.memory_limit = memory_limit
        self.start_timeout = start_timeout
        self.memory_store_bytes = memory_store_bytes
        # The store a new worker opens before it says it is ready (so its first query is fast).
        self.store_hint = store_hint
        self._idle: collections.deque[Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[Worker]] = collections.deque()
        self._workers: set[Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False

    # ---- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for worker in workers:
            self._release(worker)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed())
        workers = list(self._workers)
        self._workers.clear()
        self._idle.clear()
        for worker in workers:
            worker.kill()
        for worker in workers:
            await asyncio.to_thread(_reap, worker.proc)

    def pids(self) -> list[int]:
        return sorted(w.pid for w in self._workers)

    async def _spawn(self) -> Worker:
        """Start one worker process and wait for it to say it is ready.

        Popen runs on the event loop's thread on purpose: the worker asks Linux to kill it when
        the thread that started it ends, and this thread lives as long as the server.
        """
        loop = asyncio.get_running_loop()
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        config = {
            "parent_pid": os.getpid(),
            "service_allowlist": list(self.service_allowlist),
            "memory_store_bytes": self.memory_store_bytes,
            "store": self.store_hint() if self.store_hint else None,
        }
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server.worker_process",
                    str(child_end.fileno()),
                    json.dumps(config),
                ],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        _live_processes.add(proc)
        parent_end.setblocking(False)
        _, channel = await loop.create_unix_connection(_Channel, sock=parent_end)
        worker = Worker(proc, channel)
        self._workers.add(worker)
        try:
            hello = await asyncio.wait_for(channel.expect(loop), self.start_timeout)
            if not (isinstance(hello, tuple) and hello[0] == "ready"):
                raise WorkerDied("worker sent an unexpected greeting")
        except (WorkerDied, TimeoutError, OSError) as error:
            self._discard(worker)
            raise WorkerDied(f"query worker failed to start: {error!r}") from error
        except BaseException:
            self._discard(worker)
            raise
        return worker

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        self._workers.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)

    def _replace(self, worker: Worker) -> None:
        """Kill `worker` now and start a replacement in the background."""
        self._discard(worker)
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._replacement(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replacement(self, dead: Worker) -> None:
        await asyncio.to_thread(_reap, dead.proc)
        delay = 0.5
        while not self._closed:
            try:
                worker = await self._spawn()
            except WorkerDied as error:
                log.error("%s; retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            if self._closed:
                self._discard(worker)
                return
            self._release(worker)
            return

    # ---- running jobs -----------------------------------------------------------------------

    def busy(self) -> bool:
        """True if a new request would have to wait for a worker."""
        return not self._idle

    async def run(self, job: object, deadline: float) -> Reply:
        """Evaluate `job` on a worker; `deadline` is in event-loop time (loop.time())."""
        if self._closed:
            raise PoolClosed()
        worker = await self._acquire(deadline)
        reply = await self._exchange(worker, job, deadline)
        self._release(worker)
        return reply

    async def _acquire(self, deadline: float) -> Worker:
        loop = asyncio.get_running_loop()
        while True:
            if self._idle:
                worker = self._idle.popleft()
            else:
                if len(self._waiters) >= self.max_waiting:
                    raise PoolBusy()
                waiter: asyncio.Future[Worker] = loop.create_future()
                self._waiters.append(waiter)
                timer = loop.call_at(deadline, _fail, waiter, QueryTimedOut(True))
                try:
                    worker = await waiter
                except QueryTimedOut:
                    self._abandon(waiter)
                    raise
                except asyncio.CancelledError:
                    self._abandon(waiter)
                    raise
                finally:
                    timer.cancel()
            if worker.alive():
                return worker
            self._replace(worker)

    def _abandon(self, waiter: asyncio.Future[Worker]) -> None:
        if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
            self._release(waiter.result())
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
        if not waiter.done():
            waiter.cancel()

    def _release(self, worker: Worker) -> None:
        if self._closed:
            self._discard(worker)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    async def _exchange(self, worker: Worker, job: object, deadline: float) -> Reply:
        loop = asyncio.get_running_loop()
        if deadline <= loop.time():
            self._release(worker)
            raise QueryTimedOut(waited_for_worker=True)
        waiter = worker.channel.expect(loop)
        timer = loop.call_at(deadline, _fail, waiter, QueryTimedOut(False))
        poll: list[asyncio.TimerHandle] = []
        if self.memory_limit:

            def check_memory() -> None:
                if waiter.done():
                    return
                if worker.resident_bytes() > self.memory_limit:
                    _fail(waiter, MemoryExceeded())
                else:
                    poll[0] = loop.call_later(MEMORY_POLL_SECONDS, check_memory)

            poll.append(loop.call_later(MEMORY_POLL_SECONDS, check_memory))
        try:
            try:
                worker.send(job)
            except (OSError, AssertionError) as error:
                raise WorkerDied() from error
            reply = await waiter
        except BaseException:
            # Timed out, died, over memory, or the request was cancelled: the worker may still be
            # evaluating, and killing it is the only way to stop that.
            worker.channel.waiter = None
            self._replace(worker)
            if worker.proc.poll() is None:
                await asyncio.to_thread(_reap, worker.proc)
            raise
        finally:
            timer.cancel()
            if poll:
                poll[0].cancel()
        if not isinstance(reply, Reply):
            self._replace(worker)
            raise WorkerDied()
        return reply


def _reap(proc: subprocess.Popen) -> None:
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log.error("query worker %s did not exit after SIGKILL", proc.pid)
