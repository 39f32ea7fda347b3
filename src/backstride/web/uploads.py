"""Uploaded files into a temporary folder, imported by the service, with progress.

The import runs in a worker thread and reports through a queue; :func:`import_events`
yields its events (``{"total": n}``, ``{"done": label}``, finally ``{"summary": ...}`` or
``{"error": ...}``) as they come, so a page can stream them (one JSON object a line) and
nothing about the job is kept in the app between requests.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from starlette.datastructures import UploadFile

from backstride import service
from backstride.errors import BackstrideError, InputError
from backstride.views import import_report_view
from backstride.web.errors import UploadTooLarge

CHUNK = 1024 * 1024


def limit_text(limit: int) -> str:
    """The limit in words.

    >>> [limit_text(n) for n in (4 * 1024**3, 50 * 1024**2, 1000)]
    ['4 GB', '50 MB', '1000 bytes']
    """
    if limit >= 1024**3:
        return f"{limit / 1024**3:g} GB"
    return f"{limit / 1024**2:.0f} MB" if limit >= 1024**2 else f"{limit} bytes"


def check_length(header: str | None, limit: int) -> None:
    """Refuse before reading when the request says it is bigger than the limit."""
    if header is not None and header.isdigit() and int(header) > limit:
        raise UploadTooLarge(
            f"upload too large: {int(header) / 1024**2:.1f} MB, the limit is {limit_text(limit)}",
            hint="import big exports from the command line: backstride import FILE",
        )


def safe_name(filename: str | None, index: int) -> str:
    """The file's own name without any folder part (never a path the client chose)."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    name = "".join(c for c in name if c.isprintable() and c not in '/\\:*?"<>|')
    return name if name and name not in (".", "..") else f"upload-{index}"


@dataclass
class SavedUpload:
    folder: Path
    paths: list[Path]

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


async def save_uploads(files: Sequence[UploadFile], limit: int) -> SavedUpload:
    """Copy the uploads into a new temporary folder, each under its own name."""
    if not files:
        raise InputError("no files in the upload", hint="choose activity files or an export .zip")
    folder = Path(tempfile.mkdtemp(prefix="backstride-upload-"))
    saved = SavedUpload(folder, [])
    total = 0
    try:
        for i, upload in enumerate(files):
            name = safe_name(upload.filename, i)
            target = folder / name
            if target.exists():
                target = folder / f"{i}-{name}"
            with target.open("wb") as out:
                while chunk := await upload.read(CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise UploadTooLarge(
                            f"upload too large: more than {limit_text(limit)}",
                            hint="import big exports from the command line: backstride import FILE",
                        )
                    out.write(chunk)
            saved.paths.append(target)
    except BaseException:
        saved.cleanup()
        raise
    return saved


def summary_view(report: Any, folder: Path) -> dict[str, Any]:
    """``import --json``'s object, with paths shown relative to the upload."""
    view = import_report_view(report)

    def short(path: str) -> str:
        try:
            return str(Path(path).relative_to(folder))
        except ValueError:
            return path

    for item in view["failed"]:
        item["path"] = short(item["path"])
    for item in view["warnings"]:
        item["path"] = short(item["path"])
    return view


class _Queue:
    """The service's Progress, as events on a queue."""

    def __init__(self, events: queue.Queue[dict[str, Any] | None], folder: Path) -> None:
        self.events = events
        self.folder = folder

    def add_total(self, count: int) -> None:
        self.events.put({"total": count})

    def advance(self, label: str) -> None:
        self.events.put({"done": PurePath(label).name or label})


def import_events(store: service.Store, saved: SavedUpload, jobs: int) -> Iterator[dict[str, Any]]:
    """Run the import in a thread; yield its progress, then the summary (or the error)."""
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def work() -> None:
        try:
            report = service.import_paths(
                store, saved.paths, progress=_Queue(events, saved.folder), jobs=jobs
            )
            events.put({"summary": summary_view(report, saved.folder)})
        except BackstrideError as e:
            events.put({"error": e.message, "hint": e.hint})
        except Exception as e:  # reported as a line, never a broken stream
            events.put({"error": f"unexpected error: {type(e).__name__}", "hint": None})
        finally:
            saved.cleanup()
            events.put(None)

    thread = threading.Thread(target=work, name="backstride-import", daemon=True)
    thread.start()
    while (event := events.get()) is not None:
        yield event
    thread.join()


def run_import(store: service.Store, saved: SavedUpload, jobs: int) -> dict[str, Any]:
    """The whole import, waited for: the summary, or an InputError with the failure."""
    result: dict[str, Any] | None = None
    for event in import_events(store, saved, jobs):
        if "summary" in event:
            result = event["summary"]
        elif "error" in event:
            raise InputError(event["error"], hint=event.get("hint"))
    assert result is not None
    return result
