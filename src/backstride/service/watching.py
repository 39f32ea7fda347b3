"""`backstride watch`: import activity files as they appear in folders.

A Garmin watch mounted over USB (``GARMIN/Activity``), a Syncthing, Dropbox or Gadgetbridge
folder: files appear there, often while they are still being written, in bursts, and the
whole folder may vanish (the watch unplugged) and come back. This module only imports; what
the files say is judged by ``status`` like any other import.

Two parts, so the first can be tested with an injected clock:

- :class:`FolderWatch`, the core: which folders are present (by identity, so a folder removed
  and re-created is noticed), which files are candidates (an initial scan of each folder
  when it appears, then the paths a change source reports), and when a candidate is ready:
  its size and modification time unchanged for ``settle_s`` (a file still being copied is
  never read), and a FIT file no shorter than its header declares (a writer's pause longer
  than ``settle_s`` in the middle of a FIT file is waited out, up to ``short_wait_s``).
  Ready files go to an importer in one batch per :meth:`FolderWatch.tick` (a burst of
  files becomes one import, decoded in parallel); each result is one :class:`WatchEvent`.
- :func:`run_watch`, the loop: the ``watchfiles`` library reports changes (inotify, FSEvents,
  ReadDirectoryChangesW; polling on request) and wakes the core every ``tick_s`` even
  without changes; when the present folders change it watches the new set.

The importer (:class:`StoreImporter`) goes through the one import path
(``service.pipeline.run_pipeline``), so dedupe is the import's: a file whose bytes are
stored is skipped by its SHA-256 without decoding, the same activity from another file is a
twin, and re-running ``watch`` over a folder stores nothing twice. It reads each file once
and checks that its size and modification time are still the ones found stable: a file that
changed while read is not stored and waits again.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from backstride.errors import BackstrideError
from backstride.ingest.files import declared_fit_size, is_activity_name, read_activity_file
from backstride.model import ImportMatch, ImportReport
from backstride.service.archives import import_archive
from backstride.service.pipeline import FileWork, athlete_id_for, run_pipeline
from backstride.service.storing import SAME_FILE, Source
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import DEFAULT_ATHLETE

#: How long a file's size and modification time must stay the same before it is read.
DEFAULT_SETTLE_S = 2.0
#: How often the loop looks at the folders and the waiting files when nothing happens.
DEFAULT_TICK_S = 0.5
#: How long a FIT file shorter than its header says waits for the rest before it is read
#: anyway (a cut file: the reader keeps what precedes the cut, with a warning).
DEFAULT_SHORT_WAIT_S = 60.0

EventKind = Literal[
    "watching", "missing", "gone", "back", "scanned", "imported", "duplicate", "failed",
    "empty", "stopped",
]  # fmt: skip

#: The size and modification time (ns) of a file: unchanged means not being written.
Signature = tuple[int, int]


@dataclass(frozen=True)
class WatchEvent:
    """One line of the watch log: a folder came or went, a scan ended, a file was imported."""

    at: datetime
    kind: EventKind
    path: str
    message: str
    activity_ids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "at": self.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "event": self.kind,
            "path": self.path,
            "message": self.message,
            "activity_ids": list(self.activity_ids),
        }


@dataclass(frozen=True)
class Candidate:
    """A file found stable: its path and the signature it was stable with."""

    path: Path
    signature: Signature


@dataclass(frozen=True)
class FileResult:
    """What importing one file did."""

    kind: Literal["imported", "duplicate", "failed", "empty"] | Literal["changed"]
    message: str
    activity_ids: tuple[int, ...] = ()


Importer = Callable[[Sequence[Candidate]], list[FileResult]]


def is_watched_name(path: Path) -> bool:
    """An activity file (``.fit``, ``.gpx``, ``.tcx``, gzipped) or an export archive
    (``.zip``), not hidden."""
    if path.name.startswith("."):
        return False
    return is_activity_name(path) or path.name.lower().endswith(".zip")


def signature_of(path: Path) -> Signature | None:
    """The file's size and modification time, or None when it is not a regular file."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return st.st_size, st.st_mtime_ns


def _short_fit(path: Path, size: int) -> bool:
    """A FIT file (by its content) shorter than its header declares: still being written."""
    try:
        with path.open("rb") as file:
            head = file.read(14)
    except OSError:
        return False
    declared = declared_fit_size(head)
    return declared is not None and size < declared


def _folder_id(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_dir():
        return None
    return st.st_dev, st.st_ino


def _walk(folder: Path) -> list[Path]:
    """Watched files under ``folder``, hidden folders left out, links to folders not followed."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in sorted(files) if is_watched_name(Path(root) / f))
    return found


@dataclass
class _Waiting:
    signature: Signature
    since: float
    scan: Path | None
    """The folder whose scan found it (its duplicates are counted, not logged)."""


@dataclass
class _Scan:
    left: set[Path] = field(default_factory=set)
    files: int = 0
    imported: int = 0
    stored: int = 0
    failed: int = 0


class FolderWatch:
    """The core of ``watch``: folders present, files waiting to settle, a batch to import.

    ``clock`` is a monotonic clock in seconds and ``now`` the wall clock for the log; both
    are injectable, as is the ``importer``. Nothing here blocks: :meth:`tick` does one round
    and returns.
    """

    def __init__(
        self,
        folders: Sequence[Path],
        importer: Importer,
        emit: Callable[[WatchEvent], None],
        *,
        settle_s: float = DEFAULT_SETTLE_S,
        short_wait_s: float = DEFAULT_SHORT_WAIT_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.folders = [Path(f) for f in folders]
        self._importer = importer
        self._emit = emit
        self.settle_s = settle_s
        self.short_wait_s = short_wait_s
        self._clock = clock
        self._now = now
        self._ids: dict[Path, tuple[int, int] | None] = {}
        self._waiting: dict[Path, _Waiting] = {}
        self._handled: dict[Path, Signature] = {}
        self._scans: dict[Path, _Scan] = {}
        self._appeared: set[Path] = set()
        self.generation = 0
        """Bumped whenever the set of present folders (or one's identity) changes."""

    # -- what the loop asks --------------------------------------------------------------

    def present(self) -> list[Path]:
        """The folders present now (as of the last tick)."""
        return [f for f in self.folders if self._ids.get(f) is not None]

    @property
    def waiting(self) -> int:
        """Files waiting to settle or to be imported."""
        return len(self._waiting)

    def tick(self, changed: Iterable[Path] = ()) -> None:
        """One round: folders checked, changed paths noted, settled files imported."""
        self._check_folders()
        now = self._clock()
        for path in changed:
            self._note(Path(path), now, scan=None)
        self._import_ready(now)

    # -- folders -------------------------------------------------------------------------

    def _say(
        self, kind: EventKind, path: Path | str, message: str, ids: Sequence[int] = ()
    ) -> None:
        self._emit(WatchEvent(self._now(), kind, str(path), message, tuple(ids)))

    def _check_folders(self) -> None:
        first = not self._ids
        for folder in self.folders:
            known = folder in self._ids
            before = self._ids.get(folder)
            now_id = _folder_id(folder)
            self._ids[folder] = now_id
            if now_id == before and known:
                continue
            self.generation += 1
            if now_id is None:
                self._forget_under(folder)
                if known:
                    self._say("gone", folder, "folder gone (unplugged?): waiting for it to return")
                else:
                    self._say("missing", folder, "folder not there: waiting for it to appear")
                continue
            if not known and first:
                self._say("watching", folder, "watching")
            elif before is None and folder not in self._appeared:
                self._say("back", folder, "folder appeared: scanning it")
            elif before is None:
                self._say("back", folder, "folder is back: scanning it again")
            else:  # removed and re-created between two looks
                self._forget_under(folder)
                self._say("back", folder, "folder was replaced: scanning it again")
            self._appeared.add(folder)
            self._scan(folder)

    def _forget_under(self, folder: Path) -> None:
        for path in [p for p in self._waiting if p.is_relative_to(folder)]:
            del self._waiting[path]
        for path in [p for p in self._handled if p.is_relative_to(folder)]:
            del self._handled[path]
        self._scans.pop(folder, None)

    def _scan(self, folder: Path) -> None:
        now = self._clock()
        scan = self._scans[folder] = _Scan()
        for path in _walk(folder):
            if self._note(path, now, scan=folder):
                scan.left.add(path)
                scan.files += 1
        self._end_scan(folder)

    def _end_scan(self, folder: Path) -> None:
        scan = self._scans.get(folder)
        if scan is None or scan.left:
            return
        del self._scans[folder]
        self._say(
            "scanned",
            folder,
            f"scanned {scan.files} files: {scan.imported} imported, {scan.stored} already "
            f"stored, {scan.failed} failed",
        )

    # -- files ---------------------------------------------------------------------------

    def _note(self, path: Path, now: float, *, scan: Path | None) -> bool:
        """Start (or restart) waiting for a path; True when it is a file to wait for."""
        if path.is_dir():
            # A folder moved in whole reports no events for the files inside it.
            if any(path.is_relative_to(f) for f in self.present()):
                for inner in _walk(path):
                    self._note(inner, now, scan=scan)
            return False
        folder = next((f for f in self.present() if path.is_relative_to(f)), None)
        if folder is None or not is_watched_name(path):
            return False
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            return False  # hidden, as the import's folder walk skips them
        signature = signature_of(path)
        if signature is None:
            self._waiting.pop(path, None)
            return False
        waiting = self._waiting.get(path)
        if waiting is None:
            self._waiting[path] = _Waiting(signature, now, scan)
        else:
            if waiting.signature != signature:
                waiting.signature, waiting.since = signature, now
            waiting.scan = waiting.scan or scan
        return True

    def _import_ready(self, now: float) -> None:
        ready: list[Candidate] = []
        for path, waiting in list(self._waiting.items()):
            signature = signature_of(path)
            if signature is None:  # deleted (or the folder went) before it settled
                self._done_waiting(path, waiting, None)
                continue
            if signature != waiting.signature:
                waiting.signature, waiting.since = signature, now
                continue
            if now - waiting.since < self.settle_s:
                continue
            if now - waiting.since < self.short_wait_s and _short_fit(path, signature[0]):
                continue  # a pause in the middle of a FIT file: wait for the rest
            if self._handled.get(path) == signature:  # an event for a file already read
                self._done_waiting(path, waiting, None)
                continue
            ready.append(Candidate(path, signature))
        if not ready:
            return
        results = self._importer(ready)
        for candidate, result in zip(ready, results, strict=True):
            waiting = self._waiting[candidate.path]
            if result.kind == "changed":  # written to while read: wait again
                waiting.signature = signature_of(candidate.path) or candidate.signature
                waiting.since = self._clock()
                continue
            self._handled[candidate.path] = candidate.signature
            self._done_waiting(candidate.path, waiting, result)

    def _done_waiting(self, path: Path, waiting: _Waiting, result: FileResult | None) -> None:
        del self._waiting[path]
        scan = self._scans.get(waiting.scan) if waiting.scan is not None else None
        if scan is not None:
            scan.left.discard(path)
        if result is not None:
            if scan is not None:
                if result.kind == "imported":
                    scan.imported += 1
                elif result.kind == "failed":
                    scan.failed += 1
                else:
                    scan.stored += 1
            if (scan is None or result.kind in ("imported", "failed")) and result.kind != "changed":
                self._say(result.kind, path, result.message, result.activity_ids)
        if waiting.scan is not None:
            self._end_scan(waiting.scan)


class FileChangedError(BackstrideError):
    """A file's size or modification time changed while it was read."""


class StoreImporter:
    """The watcher's importer: the candidates through the one import path, one result each.

    Loose files go through :func:`run_pipeline` together (decoded in ``jobs`` processes when
    there are enough of them); an export archive (``.zip``) through the archive import.
    """

    def __init__(self, store: Store, *, athlete: str = DEFAULT_ATHLETE, jobs: int = 1) -> None:
        self._store = store
        self._athlete = athlete
        self._jobs = jobs

    def __call__(self, candidates: Sequence[Candidate]) -> list[FileResult]:
        results: dict[Path, FileResult] = {}
        loose = [c for c in candidates if not c.path.name.lower().endswith(".zip")]
        for candidate in candidates:
            if candidate not in loose:
                results[candidate.path] = self._archive(candidate)
        if loose:
            results.update(self._files(loose))
        return [results[c.path] for c in candidates]

    def _archive(self, candidate: Candidate) -> FileResult:
        report = ImportReport()
        import_archive(
            self._store, candidate.path, athlete=self._athlete, progress=None, report=report,
            jobs=self._jobs,
        )  # fmt: skip
        if signature_of(candidate.path) != candidate.signature:
            return FileResult("changed", "changed while read")
        return _result_of(report, candidate.path)

    def _stored(
        self, athlete_id: int, loose: Sequence[Candidate]
    ) -> tuple[dict[Path, FileResult], list[Candidate]]:
        """The candidates whose bytes are stored complete (the import's first check, made
        for the whole batch in one read-only transaction instead of one write transaction
        each), and the others, for the pipeline. A rescan of a full folder costs a read and
        a hash per file."""
        known: dict[Path, FileResult] = {}
        hashes: dict[Path, str] = {}
        rest: list[Candidate] = []
        for candidate in loose:
            try:
                data = read_activity_file(candidate.path)
            except (OSError, BackstrideError):
                rest.append(candidate)  # the pipeline reads it again and says why it failed
                continue
            if signature_of(candidate.path) != candidate.signature:
                known[candidate.path] = FileResult("changed", "changed while read")
                continue
            hashes[candidate.path] = hashlib.sha256(data).hexdigest()
        with transaction(self._store) as conn:
            for candidate in loose:
                sha256 = hashes.get(candidate.path)
                if sha256 is None:
                    continue
                count = activity_rows.get_source_file(conn, athlete_id, sha256)
                if count is None:
                    rest.append(candidate)
                    continue
                display = str(candidate.path)
                ids = activity_rows.list_source_activities(conn, athlete_id, sha256)
                report = ImportReport(
                    duplicates=count, matches=[ImportMatch(display, i, SAME_FILE) for i in ids]
                )
                known[candidate.path] = _result_of(report, candidate.path)
        order = {c.path: i for i, c in enumerate(loose)}
        rest.sort(key=lambda c: order[c.path])
        return known, rest

    def _files(self, loose: Sequence[Candidate]) -> dict[Path, FileResult]:
        athlete_id = athlete_id_for(self._store, self._athlete)
        out, loose = self._stored(athlete_id, loose)
        if not loose:
            return out
        changed: set[Path] = set()

        def reader(candidate: Candidate) -> Callable[[], bytes]:
            def read() -> bytes:
                data = read_activity_file(candidate.path)
                if signature_of(candidate.path) != candidate.signature:
                    changed.add(candidate.path)
                    raise FileChangedError("changed while read")
                return data

            return read

        report = ImportReport()
        marks = _Marks(report)
        work = [
            FileWork(
                source=Source(display=str(c.path), file_name=c.path.name),
                read=reader(c),
                label=str(c.path),
            )
            for c in loose
        ]
        run_pipeline(self._store, athlete_id, work, report=report, progress=marks, jobs=self._jobs)
        for candidate, part in zip(loose, marks.parts, strict=True):
            if candidate.path in changed:
                out[candidate.path] = FileResult("changed", "changed while read")
            else:
                out[candidate.path] = _result_of(part, candidate.path)
        return out


class _Marks:
    """Splits one import's report into one report per unit: the pipeline calls
    :meth:`advance` after each unit, in order, so what the report gained since is that
    unit's."""

    def __init__(self, report: ImportReport) -> None:
        self._report = report
        self._seen = (0, 0, 0, 0, 0, 0)
        self.parts: list[ImportReport] = []

    def add_total(self, count: int) -> None:
        pass

    def advance(self, label: str) -> None:
        r = self._report
        now = (
            r.imported, r.duplicates, r.skipped, len(r.failed), len(r.activity_ids),
            len(r.matches),
        )  # fmt: skip
        was = self._seen
        self.parts.append(
            ImportReport(
                imported=now[0] - was[0],
                duplicates=now[1] - was[1],
                skipped=now[2] - was[2],
                failed=r.failed[was[3] : now[3]],
                activity_ids=r.activity_ids[was[4] : now[4]],
                matches=r.matches[was[5] : now[5]],
            )
        )
        self._seen = now


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _result_of(report: ImportReport, path: Path) -> FileResult:
    """One file's report in one line."""
    del path
    if report.failed:
        reason = report.failed[0].error
        if report.imported:
            return FileResult(
                "imported",
                f"{_plural(report.imported, 'activity')} imported, a part failed: {reason}",
                tuple(report.activity_ids),
            )
        return FileResult("failed", reason)
    if report.imported:
        listed = ", ".join(str(i) for i in report.activity_ids)
        extra = f", {report.duplicates} already stored" if report.duplicates else ""
        return FileResult(
            "imported",
            f"{_plural(report.imported, 'activity')} imported (id {listed}){extra}",
            tuple(report.activity_ids),
        )
    if report.duplicates:
        ids = tuple(dict.fromkeys(m.activity_id for m in report.matches))
        reasons = sorted({m.reason for m in report.matches})
        return FileResult(
            "duplicate",
            f"already stored (id {', '.join(map(str, ids))}: {'; '.join(reasons)})",
            ids,
        )
    return FileResult("empty", "no activity in it")


def run_watch(
    watch: FolderWatch,
    *,
    stop: threading.Event,
    tick_s: float = DEFAULT_TICK_S,
    debounce_ms: int = 500,
    force_polling: bool = False,
) -> None:
    """Watch until ``stop`` is set: ``watchfiles`` reports the changes under the present
    folders, and the core looks at everything every ``tick_s`` (folders vanishing and
    returning are found by looking, since no watcher survives its folder's removal)."""
    import watchfiles  # only the watch command needs it

    watch.tick()
    while not stop.is_set():
        roots = watch.present()
        if not roots:
            stop.wait(tick_s)
            watch.tick()
            continue
        generation = watch.generation
        changes = watchfiles.watch(
            *roots,
            watch_filter=None,
            debounce=debounce_ms,
            step=50,
            stop_event=stop,
            rust_timeout=max(1, int(tick_s * 1000)),
            yield_on_timeout=True,
            force_polling=force_polling,
            poll_delay_ms=max(50, int(tick_s * 1000)),
            ignore_permission_denied=True,
        )
        try:
            for batch in changes:
                watch.tick(Path(p) for kind, p in batch if kind != watchfiles.Change.deleted)
                if watch.generation != generation or stop.is_set():
                    break
        except FileNotFoundError:  # a folder went between the look and the watch
            watch.tick()
        finally:
            changes.close()
