"""The pool of query worker processes, seen from the web process.

pyoxigraph cannot cancel a query, so each query runs in a worker process that can be killed.
A request takes an idle worker (waiting for one if all are busy, within its deadline), sends the
job over a socket and waits, without blocking the event loop, for the reply. Past the deadline
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
import subprocess
import sys
import weakref
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection

from server.jobs import Reply

log = logging.getLogger("server.workers")

# How often a running query's worker is checked against the memory limit.
MEMORY_POLL_SECONDS = 0.2

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


@dataclass(eq=False)
class Worker:
    proc: subprocess.Popen
    conn: Connection

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None and not self.conn.closed

    def resident_bytes(self) -> int:
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        if not self.conn.closed:
            self.conn.close()


async def _readable(conn: Connection, timeout: float) -> bool:
    """Wait until `conn` has data (or EOF) for at most `timeout` seconds."""
    if conn.poll(0):
        return True
    if timeout <= 0:
        return False
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await asyncio.wait_for(ready, timeout)
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)


class WorkerPool:
    def __init__(
        self,
        size: int,
        service_allowlist: tuple[str, ...],
        max_waiting: int = 64,
        memory_limit: int = 0,
        start_timeout: float = 30.0,
    ):
        if size < 1:
            raise ValueError("the pool needs at least one worker")
        self.size = size
        self.service_allowlist = service_allowlist
        self.max_waiting = max_waiting
        self.memory_limit = memory_limit
        self.start_timeout = start_timeout
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
        parent_end, child_end = Pipe(duplex=True)
        config = {"parent_pid": os.getpid(), "service_allowlist": list(self.service_allowlist)}
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
        finally:
            child_end.close()
        _live_processes.add(proc)
        worker = Worker(proc, parent_end)
        self._workers.add(worker)
        try:
            if not await _readable(parent_end, self.start_timeout):
                raise WorkerDied("worker did not start in time")
            hello = await asyncio.to_thread(parent_end.recv)
            if not (isinstance(hello, tuple) and hello[0] == "ready"):
                raise WorkerDied("worker sent an unexpected greeting")
        except (WorkerDied, EOFError, OSError) as error:
            self._discard(worker)
            raise WorkerDied(f"query worker failed to start: {error}") from error
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
                try:
                    await asyncio.wait({waiter}, timeout=max(0.0, deadline - loop.time()))
                except asyncio.CancelledError:
                    self._abandon(waiter)
                    raise
                if not waiter.done():
                    self._abandon(waiter)
                    raise QueryTimedOut(waited_for_worker=True)
                worker = waiter.result()
            if worker.alive():
                return worker
            self._replace(worker)

    def _abandon(self, waiter: asyncio.Future[Worker]) -> None:
        if waiter.done():
            if not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())
            return
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
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
        try:
            try:
                worker.conn.send(job)
            except OSError as error:
                raise WorkerDied() from error
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise QueryTimedOut(waited_for_worker=False)
                step = min(remaining, MEMORY_POLL_SECONDS) if self.memory_limit else remaining
                if await _readable(worker.conn, step):
                    break
                if self.memory_limit and worker.resident_bytes() > self.memory_limit:
                    raise MemoryExceeded()
            try:
                reply = await asyncio.to_thread(worker.conn.recv)
            except (EOFError, OSError) as error:
                raise WorkerDied() from error
        except BaseException:
            # Timed out, died, over memory, or the request was cancelled: the worker may still be
            # evaluating, and killing it is the only way to stop that.
            self._replace(worker)
            if worker.proc.poll() is None:
                await asyncio.to_thread(_reap, worker.proc)
            raise
        if not isinstance(reply, Reply):
            self._replace(worker)
            raise WorkerDied()
        return reply


def _reap(proc: subprocess.Popen) -> None:
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log.error("query worker %s did not exit after SIGKILL", proc.pid)
