"""Uploaded files into a temporary folder, imported by the service, with progress.

The multipart body is parsed here, as it arrives: each file is written once, straight to its
own file in a new temporary folder (no spooled copy first, so an upload takes its size in
temporary space once). Every file gets a unique name there (``000-a.fit``, ``001-a.fit``:
two uploads called ``a.fit`` are both imported) and keeps its own name, cleaned, for the
report. A write that is not the dashboard's own (no form token, no ``X-Backstride`` header)
is refused before any file is written; a full temporary folder is a one-line error (507)
and nothing is kept.

At most ``max_imports`` imports run at once (:class:`ImportSlots`); one more is refused
with one line (429) before its body is read, so a burst of uploads cannot hold every worker
thread and the pages and static files are still served. The import runs in a thread of
its own and reports through the event loop; :func:`import_events` yields its events
(``{"total": n}``, ``{"done": label}``, finally ``{"summary": ...}`` or ``{"error": ...}``)
as they come, so a page can stream them (one JSON object a line) and nothing about the job
is kept in the app between requests.
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect, Request

from backstride import service
from backstride.errors import BackstrideError, InputError
from backstride.views import import_report_view
from backstride.web.errors import ImportsBusy, NoSpaceForUpload, Refused, UploadTooLarge
from backstride.web.guard import has_proof_header, token_ok

CHUNK = 1024 * 1024
#: Most files in one upload, text fields beside them, and bytes of one text field.
MAX_FILES = 1000
MAX_FIELDS = 20
MAX_FIELD_BYTES = 4096
#: Longest file name kept for the report, in UTF-8 bytes (a file system allows 255).
MAX_NAME_BYTES = 150
#: The form field holding the dashboard's token (``web/guard.py``).
TOKEN_FIELD = "csrf_token"
#: Errors of a full disk or quota while the upload is written.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
TOO_LARGE_HINT = "import big exports from the command line: backstride import FILE"


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
            hint=TOO_LARGE_HINT,
        )


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    return text.encode()[:limit].decode(errors="ignore")


def safe_name(filename: str | None, index: int) -> str:
    """The file's own name without any folder part (never a path the client chose), without
    control characters (NUL ...), at most :data:`MAX_NAME_BYTES` bytes with its extension kept.

    >>> safe_name("../../etc/passwd", 0), safe_name("C:\\\\Users\\\\me\\\\run.fit", 1)
    ('passwd', 'run.fit')
    >>> safe_name("a\\x00b.fit", 2), safe_name("..", 3), safe_name(None, 4)
    ('ab.fit', 'upload-3', 'upload-4')
    >>> name = safe_name("é" * 300 + ".fit.gz", 5)
    >>> len(name.encode()) <= MAX_NAME_BYTES, name.endswith("é.fit.gz")
    (True, True)
    """
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = "".join(
        c
        for c in unicodedata.normalize("NFC", name)
        if c.isprintable() and c not in '/\\:*?"<>|' and unicodedata.category(c)[0] != "C"
    ).strip()
    if len(name.encode()) > MAX_NAME_BYTES:
        suffixes = "".join(PurePosixPath(name).suffixes[-2:])
        suffixes = suffixes if len(suffixes.encode()) <= 20 else ""
        stem = name[: len(name) - len(suffixes)] if suffixes else name
        name = _cut(stem, MAX_NAME_BYTES - len(suffixes.encode())) + suffixes
    return name if name.strip(".") else f"upload-{index}"


@dataclass(frozen=True)
class Upload:
    """One uploaded file: where it was written (a unique name), and its own name."""

    path: Path
    name: str


@dataclass
class SavedUpload:
    folder: Path
    files: list[Upload] = field(default_factory=list)
    slot: Slot | None = None
    """The import slot taken for it (:func:`receive_for_import`), until handed on."""

    def take_slot(self) -> Slot:
        """The slot, handed to whoever releases it when the import ends."""
        slot, self.slot = self.slot, None
        if slot is None:
            raise RuntimeError("the upload holds no import slot")
        return slot

    def release(self) -> None:
        """Free the slot now (the clinic server: the files are in the job)."""
        if self.slot is not None:
            self.take_slot().release()

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    def label(self, text: str) -> str:
        """A path the service reported, told with the upload's own name (no temp folder)."""
        for upload in self.files:
            own = str(upload.path)
            if text == own or text.startswith((own + "/", own + ":", own + "!")):
                return upload.name + text[len(own) :]
        try:
            return str(Path(text).relative_to(self.folder))
        except ValueError:
            return PurePosixPath(text).name or text

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class ImportSlots:
    """At most ``size`` imports at once; taking a slot never waits (:class:`ImportsBusy`)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    def take(self) -> Slot:
        if not self._free.acquire(blocking=False):
            raise ImportsBusy(
                f"{self.size} imports are already running, the most this dashboard runs at once",
                hint="wait for one to finish, then upload again",
            )
        return Slot(self._free)


class Slot:
    """A taken import slot; :meth:`release` is safe to call more than once."""

    def __init__(self, semaphore: threading.BoundedSemaphore) -> None:
        self._semaphore: threading.BoundedSemaphore | None = semaphore
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self._semaphore is not None:
                self._semaphore.release()
                self._semaphore = None


def create_file(path: Path) -> IO[bytes]:
    """A new file for one upload (never an existing one)."""
    return path.open("xb")


def _no_space(error: OSError, folder: Path) -> NoSpaceForUpload:
    return NoSpaceForUpload(
        f"no space left for the upload in the temporary folder {folder.parent} "
        f"({errno.errorcode.get(error.errno or 0, 'full')}); nothing was imported",
        hint="free some disk space, or import from the command line: backstride import FILE",
    )


class _Receiver:
    """python-multipart's callbacks: text fields kept (small), files written as they come."""

    def __init__(
        self, saved: SavedUpload, limit: int, trusted: bool, token_ok: Callable[[str], bool]
    ) -> None:
        self.saved = saved
        self.limit = limit
        self.trusted = trusted  # the request carries the dashboard's header
        self.token_ok = token_ok
        self.total = 0
        self.fields = 0
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.field_name = ""
        self.field_data = bytearray()
        self.out: IO[bytes] | None = None
        self.skip = False  # a part that is neither a file of "files" nor a text field
        self.error: BaseException | None = None

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.part_begin,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value_,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
        }

    def part_begin(self) -> None:
        self.headers = {}
        self.field_data = bytearray()
        self.out = None
        self.skip = False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def header_value_(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]
        if len(self.header_value) > MAX_FIELD_BYTES:
            raise InputError("a part header of the upload is too long")

    def header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = self.header_value = b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.field_name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self.fields += 1
            if self.fields > MAX_FIELDS:
                raise InputError(f"too many form fields in the upload (at most {MAX_FIELDS})")
            return
        filename = options[b"filename"].decode("utf-8", "replace")
        if self.field_name != "files" or not filename:
            self.skip = True  # another field, or the empty part of "no file chosen"
            return
        if not self.trusted:
            raise Refused(
                "upload refused: the form's token must come before the files",
                hint="reload the Import page and upload again",
            )
        index = len(self.saved.files)
        if index >= MAX_FILES:
            raise InputError(f"too many files in one upload (at most {MAX_FILES})")
        name = safe_name(filename, index)
        path = self.saved.folder / f"{index:03d}-{name}"
        try:
            self.out = create_file(path)
        except OSError as e:
            raise self._os_error(e) from e
        self.saved.files.append(Upload(path, name))

    def part_data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        self.total += size
        if self.total > self.limit:
            raise UploadTooLarge(
                f"upload too large: more than {limit_text(self.limit)}", hint=TOO_LARGE_HINT
            )
        if self.out is not None:
            try:
                self.out.write(data[start:end])
            except OSError as e:
                raise self._os_error(e) from e
        elif not self.skip:
            if len(self.field_data) + size > MAX_FIELD_BYTES:
                raise InputError(f"the form field {self.field_name[:40]!r} is too long")
            self.field_data.extend(data[start:end])

    def part_end(self) -> None:
        if self.out is not None:
            try:
                self.out.close()
            except OSError as e:
                raise self._os_error(e) from e
            self.out = None
        elif not self.skip and self.field_name == TOKEN_FIELD:
            self.trusted = self.trusted or self.token_ok(self.field_data.decode("utf-8", "replace"))

    def close(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None

    def _os_error(self, error: OSError) -> BackstrideError:
        if error.errno in NO_SPACE:
            return _no_space(error, self.saved.folder)
        if error.errno == errno.ENAMETOOLONG:
            return InputError("a file name in the upload is too long")
        raise error


async def receive_uploads(
    request: Request, limit: int, *, trusted: bool, token_ok: Callable[[str], bool]
) -> SavedUpload:
    """Parse the multipart body as it arrives, each file of the field ``files`` written once
    to its own new file. ``trusted``: the request carries the dashboard's header; otherwise a
    ``csrf_token`` field accepted by ``token_ok`` must come before the first file."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InputError(
            "no files in the upload (it must be a multipart form with the field 'files')",
            hint="choose activity files or an export .zip",
        )
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        codecs.lookup(charset)
    except LookupError:
        raise InputError(f"unknown charset {charset[:20]!r} in the upload") from None
    try:
        folder = Path(tempfile.mkdtemp(prefix="backstride-upload-"))
    except OSError as e:
        if e.errno in NO_SPACE:
            raise _no_space(e, Path(tempfile.gettempdir()) / "x") from e
        raise
    saved = SavedUpload(folder)
    receiver = _Receiver(saved, limit, trusted, token_ok)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        if not receiver.trusted:
            raise Refused(
                "write refused: the form's token is missing or out of date",
                hint="reload the page and try again",
            )
        if not saved.files:
            raise InputError(
                "no files in the upload", hint="choose activity files or an export .zip"
            )
    except FormParserError:
        receiver.close()
        saved.cleanup()
        raise InputError("the upload is not a valid multipart form") from None
    except ClientDisconnect:
        receiver.close()
        saved.cleanup()
        raise
    except BaseException:
        receiver.close()
        saved.cleanup()
        raise
    return saved


async def receive_for_import(request: Request) -> SavedUpload:
    """The upload's files in a temporary folder, after an import slot was taken (before the
    body is read) and with the form's token checked before the first file."""
    slot = request.app.state.imports.take()
    try:
        saved = await receive_uploads(
            request,
            request.app.state.max_upload_bytes,
            trusted=has_proof_header(request),
            token_ok=lambda value: token_ok(request, value),
        )
    except BaseException:
        slot.release()
        raise
    saved.slot = slot
    return saved


def summary_view(report: Any, saved: SavedUpload) -> dict[str, Any]:
    """``import --json``'s object, with paths told by the uploads' own names."""
    view = import_report_view(report)
    for item in view["failed"]:
        item["path"] = saved.label(item["path"])
    for item in view["warnings"]:
        item["path"] = saved.label(item["path"])
    return view


class _Events:
    """The service's Progress, as events put on the event loop's queue from the thread."""

    def __init__(self, put: Callable[[dict[str, Any] | None], None], saved: SavedUpload) -> None:
        self.put = put
        self.saved = saved

    def add_total(self, count: int) -> None:
        self.put({"total": count})

    def advance(self, label: str) -> None:
        shown = self.saved.label(label)
        self.put({"done": PurePosixPath(shown).name or shown})


async def import_events(
    store: service.Store, saved: SavedUpload, jobs: int, slot: Slot, *, athlete: str
) -> AsyncIterator[dict[str, Any]]:
    """Run the import in a thread of its own; yield its progress, then the summary (or the
    error). The thread frees ``slot`` and removes the upload when it ends, whether or not
    anyone still listens; waiting for it holds no worker thread."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def put(event: dict[str, Any] | None) -> None:
        try:
            loop.call_soon_threadsafe(events.put_nowait, event)
        except RuntimeError:  # the loop is gone (the server stopped): nobody listens
            pass

    def work() -> None:
        try:
            report = service.import_paths(
                store, saved.paths, progress=_Events(put, saved), jobs=jobs, athlete=athlete
            )
            put({"summary": summary_view(report, saved)})
        except BackstrideError as e:
            put({"error": e.message, "hint": e.hint})
        except OSError as e:
            if e.errno in NO_SPACE:
                put({"error": "no space left on the disk during the import", "hint": None})
            else:
                put({"error": f"unexpected error: {type(e).__name__}", "hint": None})
        except Exception as e:  # reported as a line, never a broken stream
            put({"error": f"unexpected error: {type(e).__name__}", "hint": None})
        finally:
            saved.cleanup()
            slot.release()
            put(None)

    try:
        thread = threading.Thread(target=work, name="backstride-import", daemon=True)
        thread.start()
    except BaseException:
        saved.cleanup()
        slot.release()
        raise
    while (event := await events.get()) is not None:
        yield event


async def run_import(
    store: service.Store, saved: SavedUpload, jobs: int, slot: Slot, *, athlete: str
) -> dict[str, Any]:
    """The whole import, waited for: the summary, or an InputError with the failure."""
    result: dict[str, Any] | None = None
    async for event in import_events(store, saved, jobs, slot, athlete=athlete):
        if "summary" in event:
            result = event["summary"]
        elif "error" in event:
            raise InputError(event["error"], hint=event.get("hint"))
    if result is None:
        raise InputError("the import ended without a summary")
    return result
