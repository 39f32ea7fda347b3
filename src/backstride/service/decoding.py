"""Decoding files in worker processes: bytes go in, activities (or the reason why not) come out.

:class:`DecodePool` runs ``jobs`` worker processes that each call
:func:`backstride.ingest.read_activities` on one file's bytes at a time. The importing process
keeps the store to itself (one writer, one transaction per activity); only bytes travel to a
worker and only a file's decoded :class:`~backstride.model.Activity` objects (dataclasses of
NumPy arrays, pickled once) travel back, with their streams already compressed as the store
keeps them (zstd was the writer's largest cost, see BENCHMARKS.md). Memory stays bounded
because the caller submits a few files ahead of the one it is storing (``service.importing``
keeps a small window), and a worker holds one file at a time.

Failures are results, as everywhere in an import: a :class:`~backstride.errors.BackstrideError`
raised while decoding is rebuilt in the importing process with its message and hint; any
other exception keeps its type name and message; a worker that dies (killed, out of memory)
fails the file it held and is replaced.

Shutdown: workers ignore Ctrl-C (the importing process handles it and closes the pool), and
each worker holds only its own end of its pipe, so when the importing process dies, even by
SIGKILL, every worker reads end-of-file and exits instead of lingering.
"""

from __future__ import annotations

import builtins
import multiprocessing
import os
import pickle
import signal
import sys
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from backstride.errors import BackstrideError, ConfigError
from backstride.ingest import read_activities
from backstride.model import Activity
from backstride.store.streams import encode_streams

# fork starts a worker in milliseconds with everything already imported; the worker only
# decodes and talks to its own pipe, so nothing of the parent (database connections, the
# progress bar's thread) is touched in it. Elsewhere (macOS, Windows) fork is unsafe.
_START_METHOD = "fork" if sys.platform == "linux" else "spawn"
_WORKER_NICENESS = 4


class DecodingCrashError(Exception):
    """A decoder failed in a way that is not a :class:`BackstrideError` (a bug, or a worker
    that died); ``kind`` names what happened, as ``type(e).__name__`` would."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Decoded:
    """What decoding one file gave: its activities, or what went wrong."""

    activities: list[Activity] | None = None
    blobs: list[bytes | None] | None = None
    """Each activity's streams as the store keeps them (``store.streams.encode_streams``),
    compressed in the worker so that the writer does not have to."""
    error_type: type[BaseException] | None = None
    error_kind: str = ""
    message: str = ""
    hint: str | None = None

    def unwrap(self) -> list[Activity]:
        """The activities, or the decoding error raised again in this process."""
        if self.activities is not None:
            return self.activities
        if self.error_type is not None and issubclass(self.error_type, BackstrideError):
            raise self.error_type(self.message, hint=self.hint)
        if self.error_type is not None:
            raise self.error_type(self.message)
        raise DecodingCrashError(self.error_kind, self.message)


def _failure(error: BaseException) -> Decoded:
    if isinstance(error, BackstrideError):
        return Decoded(error_type=type(error), message=error.message, hint=error.hint)
    kind = type(error).__name__
    if getattr(builtins, kind, None) is type(error):
        # Rebuilt from its argument: str(KeyError("x")) is "'x'", and KeyError("'x'") is not.
        args = error.args
        message = args[0] if len(args) == 1 and isinstance(args[0], str) else str(error)
        return Decoded(error_type=type(error), message=message)
    return Decoded(error_kind=kind, message=str(error))


def decode(data: bytes) -> Decoded:
    """Decode one file's bytes and compress its streams; what a worker runs for each file."""
    try:
        activities = read_activities(data)
        blobs = [encode_streams(a.streams) if len(a.streams) else None for a in activities]
        return Decoded(activities=activities, blobs=blobs)
    except Exception as e:  # per-file boundary: the failure goes back as a result
        return _failure(e)


def _encode(result: Decoded) -> bytes:
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:  # an activity that cannot cross processes fails its file only
        return pickle.dumps(
            Decoded(error_kind=type(e).__name__, message=f"cannot send the decoded file: {e}")
        )


def _worker_main(conn: Connection, parent_ends: list[Connection]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        # The writer is the import's critical path, and so is a PostgreSQL server answering
        # it: workers get less CPU than they do when all compete (on 2 busy cores, PostgreSQL
        # imports were slower with workers than without at equal priority, issue 8). Mild, so
        # that other programs on the machine do not starve the workers either.
        os.nice(_WORKER_NICENESS)
    for end in parent_ends:
        # Forked: drop the copies of the parent's pipe ends, so that the parent's death (or
        # its closing a pipe) reads as end-of-file in the worker that pipe belongs to.
        end.close()
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        payload = _encode(decode(data))
        try:
            conn.send_bytes(payload)
        except OSError:
            return


@dataclass
class _Worker:
    process: Any
    conn: Connection
    ticket: int | None = None


class DecodePool:
    """``jobs`` decoding worker processes, started on the first :meth:`submit`.

    :meth:`submit` queues a file's bytes and returns a ticket; :meth:`result` blocks until that
    file is decoded (collecting others meanwhile); :meth:`poll` hands queued files to idle
    workers without blocking; :meth:`forget` drops a result nobody will ask for. Use as a
    context manager, or call :meth:`close`.
    """

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"a decoding pool needs at least one worker; got {jobs}")
        self.jobs = jobs
        self._context: Any = multiprocessing.get_context(_START_METHOD)
        self._workers: list[_Worker] = []
        self._queue: deque[tuple[int, bytes]] = deque()
        self._results: dict[int, Decoded] = {}
        self._forgotten: set[int] = set()
        self._next_ticket = 0

    def __enter__(self) -> DecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, data: bytes) -> int:
        ticket = self._next_ticket
        self._next_ticket += 1
        self._queue.append((ticket, data))
        self._dispatch()
        return ticket

    def poll(self) -> None:
        """Collect finished results and give queued files to idle workers; never blocks."""
        self._collect(timeout=0)
        self._dispatch()

    def result(self, ticket: int) -> Decoded:
        """The decoded file of ``ticket`` (blocks until a worker has it)."""
        while ticket not in self._results:
            self._dispatch()
            if not any(w.ticket is not None for w in self._workers):
                raise KeyError(f"ticket {ticket} was never submitted or already taken")
            self._collect(timeout=None)
        return self._results.pop(ticket)

    def forget(self, ticket: int) -> None:
        if self._results.pop(ticket, None) is None:
            self._forgotten.add(ticket)

    def close(self) -> None:
        """Stop every worker: their pipes close, so idle ones exit at once; busy ones are
        terminated after a short grace."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.conn.close()
        for worker in workers:
            worker.process.join(timeout=0.5 if worker.ticket is None else 0.1)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=2)
        self._queue.clear()

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        inherited = [parent_end, *(w.conn for w in self._workers)]
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, inherited if _START_METHOD == "fork" else []),
            name="backstride-decoder",
            daemon=True,
        )
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def _dispatch(self) -> None:
        while self._queue:
            idle = next((w for w in self._workers if w.ticket is None), None)
            if idle is None:
                if len(self._workers) >= self.jobs:
                    return
                idle = self._start_worker()
            ticket, data = self._queue.popleft()
            try:
                idle.conn.send_bytes(data)
            except OSError:
                self._replace(idle, ticket)
                continue
            idle.ticket = ticket

    def _collect(self, timeout: float | None) -> None:
        busy = {w.conn: w for w in self._workers if w.ticket is not None}
        if not busy:
            return
        for conn in wait(list(busy), timeout=timeout):
            worker = busy[conn]  # type: ignore[index]
            ticket = worker.ticket
            assert ticket is not None
            try:
                result: Decoded = pickle.loads(worker.conn.recv_bytes())
            except (EOFError, OSError):
                self._replace(worker, ticket)
                continue
            worker.ticket = None
            self._store(ticket, result)

    def _store(self, ticket: int, result: Decoded) -> None:
        if ticket in self._forgotten:
            self._forgotten.discard(ticket)
        else:
            self._results[ticket] = result

    def _replace(self, worker: _Worker, ticket: int) -> None:
        """A worker died holding ``ticket``: that file fails, a new worker takes its place
        when there is work for it."""
        worker.process.join(timeout=2)
        code = worker.process.exitcode
        worker.conn.close()
        self._workers.remove(worker)
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        self._store(
            ticket,
            Decoded(
                error_kind="DecoderDied",
                message=f"the decoding process stopped while reading this file ({how})",
            ),
        )


def resolve_jobs(value: int | str | None) -> int:
    """The number of decoding processes from a flag or ``BACKSTRIDE_JOBS`` (None: one per CPU).

    Raises :class:`~backstride.errors.ConfigError` for anything but a whole number >= 1.
    """
    if value is None:
        return default_jobs()
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise ConfigError(
            f"the number of decoding processes must be a whole number of at least 1; got {value!r}",
            hint="set --jobs or BACKSTRIDE_JOBS to 1 (decode in the importing process) or more",
        )
    return jobs


def default_jobs() -> int:
    """One decoding process per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
