"""Instant views: a read command run again on unchanged data prints what it printed before.

``status``, ``load``, ``form``, ``shoes``, ``pain``, ``activities``, ``show`` and ``plan``
read the store and print (``plan`` also saves the plan it shows, which writes nothing when it
is the one saved already, ``store/plans.py``; ``form`` and ``show`` may keep a run's form
summary, derived data that changes no version). What they print is decided by the store's
data and by what this module puts in the key: the command line, the working folder, the day
and time zone, the environment, the terminal (whether each stream is one, its size, its
encoding) and the code (backstride's files and the folders its libraries are installed in:
an upgrade or an edit counts).

:func:`prepare` reads, before anything else is imported, the local athlete's data version and
the output kept for that key at that version (``service.kept_output``; one SQLite query with
the standard library, no Typer, Rich, NumPy or SQLAlchemy: start-up, issue 15). When there is
one, :func:`replay` writes it and the command is done. Otherwise the command runs as always
while :func:`recording` keeps a copy of what it writes, and a run that ends with status 0 is
kept under the version read *before* it computed anything: a write committed meanwhile makes
the version newer, so what was kept from older data is never served. Every write to the
athlete's data changes the version (SQLite triggers, migration 0015): an import, a pain
entry, a symptom screen and its red flags, a clinician's clearance, a shoe, a synced activity.

After an import that ended well, ``cli/entry.py`` runs ``status`` (:func:`warm_args`) once
without printing, so the first ``status`` after an import is as quick as the next one.

A local SQLite store only; anything else (PostgreSQL, ``--debug``, ``--help``, a subcommand,
``plan --ics`` or ``--fit-workouts``, which write files) runs the command as always.
"""

from __future__ import annotations

import io
import os
import sys
import time
from typing import TYPE_CHECKING, NamedTuple

import backstride

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import TracebackType

# What a replay imports is counted in milliseconds (``python -X importtime``): no dataclasses,
# pathlib or contextlib here.

#: Commands whose output is kept -> the words after them that make them another command
#: (their subcommands, which write). tests/cli/test_instant.py checks them against app.COMMANDS.
KEPT_COMMANDS: dict[str, frozenset[str]] = {
    "status": frozenset(),
    "load": frozenset(),
    "form": frozenset(),
    "activities": frozenset(),
    "show": frozenset(),
    "plan": frozenset(),
    "shoes": frozenset({"add", "retire", "default", "assign"}),
    "pain": frozenset({"log", "associations", "score"}),
}
#: Options with which a kept command also writes files: never replayed.
WRITING_OPTIONS = frozenset({"--ics", "--fit-workouts"})
#: Commands after which ``status`` is computed and kept at once (their output is printed first).
WARMED_AFTER = frozenset({"import"})
#: Environment variables that differ between two runs of the same command in the same shell
#: and change nothing a command prints (``PWD``: the working folder is in the key itself).
_VOLATILE = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})


class Prepared(NamedTuple):
    """A kept command about to run: its store's file, key, the data version read before it
    runs (None: nothing can be kept, e.g. a store made by this run) and the output kept."""

    path: str
    key: str
    version: int | None
    output: bytes | None


def _global_options(args: list[str]) -> tuple[int, str | None, bool]:
    """Where the command starts in ``args``, the ``--db`` value before it, and whether any
    other global option (``--debug``, ``--help`` ...) came before it."""
    db: str | None = None
    flags = False
    i = 0
    while i < len(args) and args[i].startswith("-"):
        word = args[i]
        if word == "--db" and i + 1 < len(args):
            db = args[i + 1]
            i += 2
            continue
        if word.startswith("--db="):
            db = word.removeprefix("--db=")
        else:
            flags = True
        i += 1
    return i, db, flags


def command_of(args: list[str]) -> tuple[str | None, str, list[str]] | None:
    """``(--db value, command, the rest)`` when ``args`` run a kept command with nothing that
    writes or asks for help; None otherwise."""
    i, db, flags = _global_options(args)
    if flags or i >= len(args):  # --debug, --help, --version, a mistake: the full path
        return None
    command, rest = args[i], args[i + 1 :]
    others = KEPT_COMMANDS.get(command)
    if others is None:
        return None
    for word in rest:
        if word in others or word in ("-h", "--help") or word.split("=")[0] in WRITING_OPTIONS:
            return None
    return db, command, rest


def prepare(args: list[str]) -> Prepared | None:
    """What :func:`command_of` accepts, with its key, the data version and what is kept."""
    found = command_of(args)
    if found is None:
        return None
    from backstride.config import load_settings
    from backstride.service import kept_output

    db, _, _ = found
    path = kept_output.store_file(load_settings(database_url=db).database_url)
    if path is None:
        return None
    try:
        key = key_for(args)
    except OSError:  # the working folder was deleted, say: run the command as always
        return None
    kept = kept_output.look_up(path, key)
    return Prepared(path, key, kept.version, kept.output)


def key_for(args: list[str]) -> str:
    """Everything but the data that decides what ``backstride ARGS`` prints, as a digest."""
    import hashlib

    from backstride.service.clock import local_today

    digest = hashlib.sha256()
    for part in (
        backstride.__version__,
        sys.version,
        sys.executable,
        _code_fingerprint(),
        repr(args),
        os.getcwd(),
        local_today().isoformat(),
        repr((time.tzname, time.timezone, time.altzone)),  # the zone, also without TZ
        repr(sorted((k, v) for k, v in os.environ.items() if k not in _VOLATILE)),
        repr(_terminal()),
    ):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _terminal() -> tuple[object, ...]:
    """Whether each standard stream is a terminal, its size, and the encodings written with."""
    seen: list[object] = []
    for fd in (0, 1, 2):
        try:
            tty = os.isatty(fd)
        except OSError:
            tty = None
        try:
            size: object = tuple(os.get_terminal_size(fd))
        except (OSError, ValueError):
            size = None
        seen.append((fd, tty, size))
    for stream in (sys.stdout, sys.stderr):
        seen.append((getattr(stream, "encoding", None), getattr(stream, "errors", None)))
    return tuple(seen)


def _code_fingerprint() -> str:
    """backstride's files (name, size, modification time) and the modification times of the
    folders libraries are installed in (installing or upgrading one changes its folder)."""
    entries: list[str] = []
    _walk(os.path.dirname(backstride.__file__), entries)
    for folder in sys.path:
        if os.path.basename(folder) not in ("site-packages", "dist-packages"):
            continue  # the working folder (python -m), the standard library (sys.version)
        try:
            entries.append(f"{folder}:{os.stat(folder or '.').st_mtime_ns}")
        except OSError:
            continue
    return "\n".join(entries)


def _walk(folder: str, entries: list[str]) -> None:
    with os.scandir(folder) as found:
        for entry in found:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _walk(entry.path, entries)
            else:
                info = entry.stat()
                entries.append(f"{entry.path}:{info.st_size}:{info.st_mtime_ns}")


class _Copy(io.TextIOBase):
    """A standard stream that notes what is written to it and passes it on (``forward``) or
    not (a warm-up, whose output nobody sees). Terminal questions go to the real stream, so
    Rich and Typer format exactly as they would for it."""

    def __init__(self, real: io.TextIOBase, fd: int, chunks: list[tuple[int, str]], forward: bool):
        super().__init__()
        self._real = real
        self._fd = fd
        self._chunks = chunks
        self._forward = forward

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as a text stream says (Click probes with b"")
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._chunks.append((self._fd, text))
        if self._forward:
            self._real.write(text)
        return len(text)

    def flush(self) -> None:
        if self._forward:
            self._real.flush()

    def isatty(self) -> bool:
        return self._real.isatty()

    def fileno(self) -> int:
        return self._real.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(self._real.encoding)

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._real.errors


class Recording:
    """What a command wrote to stdout and stderr, in order (after :class:`recording`)."""

    def __init__(self, chunks: list[tuple[int, str]]) -> None:
        self.chunks = chunks

    def output(self) -> bytes:
        """The writes as :func:`replay` plays them: fd, length, bytes, each stream's run of
        writes encoded as that stream encodes them."""
        out = bytearray()
        for fd, text in _runs(self.chunks):
            stream = sys.stdout if fd == 1 else sys.stderr
            data = text.encode(stream.encoding or "utf-8", stream.errors or "strict")
            out += bytes([fd]) + len(data).to_bytes(4, "big") + data
        return bytes(out)


def _runs(chunks: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    fd: int | None = None
    parts: list[str] = []
    for chunk_fd, text in chunks:
        if chunk_fd != fd and parts:
            assert fd is not None
            yield fd, "".join(parts)
            parts = []
        fd = chunk_fd
        parts.append(text)
    if parts:
        assert fd is not None
        yield fd, "".join(parts)


class recording:  # lower case: used as a function, ``with recording() as recorded:``
    """Note what is written to ``sys.stdout`` and ``sys.stderr`` inside the block, passing
    it on to them (``forward``) or not."""

    def __init__(self, *, forward: bool = True) -> None:
        self._forward = forward
        self._real = (sys.stdout, sys.stderr)

    def __enter__(self) -> Recording:
        chunks: list[tuple[int, str]] = []
        self._real = (sys.stdout, sys.stderr)
        sys.stdout = _Copy(self._real[0], 1, chunks, self._forward)  # type: ignore[arg-type]
        sys.stderr = _Copy(self._real[1], 2, chunks, self._forward)  # type: ignore[arg-type]
        return Recording(chunks)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        sys.stdout, sys.stderr = self._real


def replay(output: bytes) -> None:
    """Write a kept output to the streams it was written to, in its order."""
    at = 0
    while at < len(output):
        fd = output[at]
        size = int.from_bytes(output[at + 1 : at + 5], "big")
        stream = sys.stdout if fd == 1 else sys.stderr
        try:
            stream.flush()
            stream.buffer.write(output[at + 5 : at + 5 + size])
            stream.buffer.flush()
        except BrokenPipeError:  # the reader left (`| head`): nothing more to say, quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())  # so Python's exit does not flush into it again
            os.close(devnull)
            return
        at += 5 + size


def run_kept(prepared: Prepared, run: Callable[[], int], *, forward: bool = True) -> int:
    """``run()`` (a command, to its exit status) while :class:`recording` what it writes,
    passed on or not (``forward``); kept (:func:`keep`) when it ends with status 0."""
    with recording(forward=forward) as recorded:
        code = run()
    if code == 0:
        keep(prepared, recorded)
    return code


def keep(prepared: Prepared, recorded: Recording) -> None:
    """Keep what a run of ``prepared`` printed (nothing when no version was read)."""
    if prepared.version is None:
        return
    try:
        output = recorded.output()
    except (UnicodeError, ValueError):  # not what the stream would have written: keep nothing
        return
    from backstride.service import kept_output

    kept_output.keep(prepared.path, prepared.key, prepared.version, output)


def warm_args(args: list[str]) -> list[str] | None:
    """The ``status`` command line with the same global options as ``args``, when ``args``
    ran a command in :data:`WARMED_AFTER`."""
    i, _, _ = _global_options(args)
    if i >= len(args) or args[i] not in WARMED_AFTER:
        return None
    return [*args[:i], "status"]
