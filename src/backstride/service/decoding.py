"""Decoding files in worker processes: bytes go in, activities (or the reason why not) come out.

:class:`DecodePool` runs ``jobs`` worker processes that each call
:func:`backstride.ingest.read_activities` on one file's bytes at a time, derive what the
views read (``service.deriving``: each run's form summary) and compress each activity's
streams into the store's blob (``store.streams.encode_streams``; zstd was the
writer's largest cost, BENCHMARKS.md). The importing process keeps the store to itself (one
writer; a transaction holds up to ``storing.FILES_PER_COMMIT`` files, a savepoint each:
``store.batch``). Only bytes travel to a worker, and only the decoded
:class:`~backstride.model.Activity` objects (pickled once) with their streams as that blob
travel back: a fifth of the bytes of the arrays, stored as they are by the writer (their
channel names and sample count travel with them) or restored exactly by
:meth:`Decoded.unwrap`.
Each worker has the file it decodes and the next one queued (a thread in the worker takes
them off its pipe), so it does not wait for the writer to hand it work. Memory stays bounded
because the caller submits only a few files ahead of the one it is storing
(``service.pipeline`` keeps a small window).

Failures are results, as everywhere in an import: a :class:`~backstride.errors.BackstrideError`
raised while decoding is rebuilt in the importing process with its message and hint; any
other exception keeps its type name and message; a worker that dies (killed, out of memory)
fails the file it was decoding, and a new worker takes the files queued behind it.

Shutdown: workers ignore Ctrl-C (the importing process handles it and closes the pool), and
each worker holds only its own end of its pipe, so when the importing process dies, even by
SIGKILL, every worker reads end-of-file and exits instead of lingering.
"""

from __future__ import annotations

import builtins
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from backstride.analysis.form import FormSummary
from backstride.errors import BackstrideError, ConfigError
from backstride.ingest import read_activities
from backstride.model import EMPTY_STREAMS, Activity
from backstride.service.deriving import derive_forms
from backstride.store.streams import decode_streams, encode_streams

# fork starts a worker in milliseconds with everything already imported; the worker only
# decodes and talks to its own pipe, so nothing of the parent (database connections, the
# progress bar's thread) is touched in it. Elsewhere (macOS, Windows) fork is unsafe.
_START_METHOD = "fork" if sys.platform == "linux" else "spawn"


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
    shapes: list[tuple[tuple[str, ...], int]] | None = None
    """Each activity's stream channel names and sample count (with ``blobs``): what the
    writer stores about the streams besides the blob, so it need not restore them."""
    forms: list[FormSummary | None] | None = None
    """Each activity's form summary (``service.deriving``), derived where it was decoded so
    that the writer stores it with the activity and no view has to compute it."""
    error_type: type[BaseException] | None = None
    error_kind: str = ""
    message: str = ""
    hint: str | None = None

    def unwrap(self) -> list[Activity]:
        """The activities, or the decoding error raised again in this process."""
        if self.activities is not None and self.blobs is not None:
            # Streams travel compressed only (a fifth of the bytes of the arrays): restored
            # here, exactly (the codec is lossless).
            return [
                replace(a, streams=decode_streams(blob)) if blob is not None else a
                for a, blob in zip(self.activities, self.blobs, strict=True)
            ]
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
    """Decode one file's bytes, derive what the views read (``service.deriving``) and
    compress its streams; what a worker runs for each file."""
    try:
        activities = read_activities(data)
        forms = derive_forms(activities)
        blobs = [encode_streams(a.streams) if len(a.streams) else None for a in activities]
        shapes = [(a.streams.channel_names, len(a.streams)) for a in activities]
        shipped = [replace(a, streams=EMPTY_STREAMS) for a in activities]
        return Decoded(activities=shipped, blobs=blobs, shapes=shapes, forms=forms)
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
    for end in parent_ends:
        # Forked: drop the copies of the parent's pipe ends, so that the parent's death (or
        # its closing a pipe) reads as end-of-file in the worker that pipe belongs to.
        end.close()
    # A thread takes files off the pipe as they come, so the parent can queue the next file
    # while this one decodes (the worker never waits for the writer to hand it work), and
    # its sending never waits on our sending a result back (no deadlock on a full pipe).
    files: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def take() -> None:
        while True:
            try:
                files.put(conn.recv_bytes())
            except (EOFError, OSError):
                files.put(None)
                return

    threading.Thread(target=take, name="backstride-decoder-input", daemon=True).start()
    while (data := files.get()) is not None:
        payload = _encode(decode(data))
        try:
            conn.send_bytes(payload)
        except OSError:
            return


#: Bytes a pipe end may hold unread: a whole file or result, so that neither the writer nor a
#: worker waits for the other to read (the default 208 kB made the writer wait for a worker
#: busy decoding; the kernel caps it at net.core.wmem_max).
_PIPE_BYTES = 4 << 20


def _widen(end: Connection) -> None:
    if _START_METHOD != "fork":
        return
    sock = socket.socket(fileno=end.fileno())
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _PIPE_BYTES)
    except OSError:
        pass  # a smaller buffer only costs waiting
    finally:
        sock.detach()


#: Files queued at one worker: the one it decodes and the next.
_PER_WORKER = 2


@dataclass
class _Worker:
    process: Any
    conn: Connection
    tickets: deque[int] = field(default_factory=deque)
    """Files sent to it, oldest first; it answers in that order."""


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
        self._sent: dict[int, bytes] = {}
        """Files at a worker, kept until answered: a dead worker's queue is sent again."""
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
            if not any(w.tickets for w in self._workers):
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
            worker.process.join(timeout=0.1 if worker.tickets else 0.5)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=2)
        self._queue.clear()
        self._sent.clear()

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        for end in (parent_end, child_end):
            _widen(end)
        inherited = [parent_end, *(w.conn for w in self._workers)]
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, inherited if _START_METHOD == "fork" else []),
            name="backstride-decoder",
            daemon=True,
        )
        # Objects the worker inherits are moved out of the collector's reach first, so its
        # collections do not write to (and so copy) every page it shares with this process.
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def _dispatch(self) -> None:
        while self._queue:
            if len(self._workers) < self.jobs and all(w.tickets for w in self._workers):
                self._start_worker()
            least = min(self._workers, key=lambda w: len(w.tickets))
            if len(least.tickets) >= _PER_WORKER:
                return
            ticket, data = self._queue.popleft()
            least.tickets.append(ticket)
            self._sent[ticket] = data
            try:
                least.conn.send_bytes(data)
            except OSError:
                self._replace(least)

    def _collect(self, timeout: float | None) -> None:
        busy = {w.conn: w for w in self._workers if w.tickets}
        if not busy:
            return
        for conn in wait(list(busy), timeout=timeout):
            worker = busy[conn]  # type: ignore[index]
            try:
                result: Decoded = pickle.loads(worker.conn.recv_bytes())
            except (EOFError, OSError):
                self._replace(worker)
                continue
            ticket = worker.tickets.popleft()
            self._sent.pop(ticket, None)
            self._store(ticket, result)

    def _store(self, ticket: int, result: Decoded) -> None:
        if ticket in self._forgotten:
            self._forgotten.discard(ticket)
        else:
            self._results[ticket] = result

    def _replace(self, worker: _Worker) -> None:
        """A worker died: the file it was decoding fails, the ones queued behind it go back
        to the queue, and a new worker takes its place when there is work for it."""
        worker.process.join(timeout=2)
        code = worker.process.exitcode
        worker.conn.close()
        self._workers.remove(worker)
        if not worker.tickets:
            return
        ticket = worker.tickets.popleft()
        self._queue.extendleft(reversed([(t, self._sent.pop(t)) for t in worker.tickets]))
        self._sent.pop(ticket, None)
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
