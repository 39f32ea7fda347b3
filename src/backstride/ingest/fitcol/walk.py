"""Pass 1 of the columnar FIT decoder: find every message, without decoding any.

:func:`walk` reads the file header(s) and message headers once. A definition message is
parsed (rarely: a few dozen per file); a data message only costs a table look-up of its
size and an append of its position. Where the file repeats a short cycle of data messages
(record, hrv, record, hrv ...), the cycle's header bytes are checked for hundreds of
repeats at once with NumPy and its messages added in bulk, since equal header bytes at the
expected places prove the walk would go exactly that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backstride.ingest import limits
from backstride.ingest.fitcol.crc import fit_crc
from backstride.ingest.fitcol.profile import BASE_TYPE_NAMES, BASE_TYPES, BYTE

_FIELD = 3  # bytes per field definition
_MAX_CYCLE = 4  # longest repeating sequence of data messages detected
_FIRST_TRY = 24  # data messages between attempts at a bulk step (doubles on failure)
_PROBE = 16  # repeats of a cycle just walked that make a NumPy check worth trying
_LONG_RUN = 512  # messages added in one bulk step that make the next attempt come soon


class FitHeaderError(Exception):
    """The bytes do not start with a usable FIT file header (the decoder's own error)."""


@dataclass(frozen=True, eq=False)
class Definition:
    """One distinct message layout: definition messages with the same bytes share it, in a
    file and across files (:func:`layout`), so it compares and hashes by identity and what
    is compiled from it (:mod:`.columns`) is cached on it."""

    global_num: int
    big_endian: bool
    fields: tuple[tuple[int, int, int], ...]
    """(field number, size in bytes, base type) in message order."""
    dev_fields: tuple[tuple[int, int, int], ...]
    """(field number, size in bytes, developer data index) after the native fields."""
    size: int
    """Bytes of a data message after its header byte."""


#: What a file has made of a definition's bytes: the layout's index in
#: :attr:`Walk.definitions`, the length of its data messages (with their header byte), the
#: warnings its fields give (``{pos}`` left to fill in) and 32 times the length (the steps
#: of its compressed-timestamp headers).
_Known = tuple[int, int, tuple[str, ...], list[int]]

#: Layouts by their definition bytes (architecture to the last developer field, plus a "D"
#: where developer fields follow), with the warnings their fields give, kept across files:
#: most files of a device repeat the same few dozen definitions. Emptied when full.
_LAYOUTS: dict[bytes, tuple[Definition, tuple[str, ...]]] = {}
_MAX_CACHED = 4096


@dataclass(frozen=True)
class Damage:
    """Where and why the walk stopped early; everything before ``at`` is whole."""

    kind: str  # "truncated", "header" (a chained part's header), "corrupt"
    at: int
    detail: str


@dataclass
class Walk:
    """Every data message's header position and layout, file facts and what went wrong."""

    definitions: list[Definition] = field(default_factory=list)
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    layouts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Index into ``definitions`` of each message in ``positions``."""
    parts: int = 0
    messages: int = 0
    """Data messages found in earlier parts and bulk steps (``limits.MAX_FIT_MESSAGES``)."""
    crc_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    damage: Damage | None = None


def walk(data: bytes) -> Walk:
    """All messages of all chained FIT files in ``data``.

    Raises :class:`FitHeaderError` when the first file header is not FIT. Damage further on
    ends the walk with :attr:`Walk.damage` set and keeps what came before.
    """
    result = Walk()
    positions: list[np.ndarray] = []
    def_log: list[tuple[int, int, int]] = []  # (position, local number, definition index)
    known: dict[bytes, _Known] = {}
    start = 0
    size = len(data)
    while start < size:
        header = _file_header(data, start)
        if isinstance(header, str):
            if result.parts == 0:
                raise FitHeaderError(header)
            result.damage = Damage("header", start, header)
            break
        header_size, data_size = header
        if result.parts >= limits.MAX_FIT_PARTS:
            result.damage = Damage(
                "corrupt", start, f"more than {limits.MAX_FIT_PARTS} chained FIT files"
            )
            break
        result.parts += 1
        end = start + header_size + data_size
        stop = min(end, size)
        pos, damage = _messages(data, start + header_size, stop, positions, def_log, known, result)
        if damage is None and pos > stop:
            damage = _cut(stop, stop, size)
        if damage is None and end + 2 > size:  # the CRC is missing
            damage = _truncated(size)
        if damage is not None:
            result.damage = damage
            break
        _check_crcs(data, start, header_size, end, result)
        start = end + 2
    all_positions = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
    result.positions = all_positions.astype(np.int64, copy=False)
    result.layouts = _layouts(data, result.positions, def_log)
    return result


def _file_header(data: bytes, start: int) -> tuple[int, int] | str:
    """(header size, data size) of the FIT file header at ``start``, or what is wrong."""
    if len(data) - start < 12:
        return f"{len(data) - start} bytes are too few for a FIT file header"
    header_size = data[start]
    if data[start + 8 : start + 12] != b".FIT":
        return "no '.FIT' signature"
    if header_size < 12 or len(data) - start < header_size:
        return f"header size {header_size} is invalid"
    return header_size, int.from_bytes(data[start + 4 : start + 8], "little")


def _check_crcs(data: bytes, start: int, header_size: int, end: int, result: Walk) -> None:
    if header_size >= 14:
        stored = int.from_bytes(data[start + 12 : start + 14], "little")
        if stored != 0 and stored != fit_crc(memoryview(data)[start : start + 12]):
            result.crc_errors.append("header")
    stored = int.from_bytes(data[end : end + 2], "little")
    if stored != fit_crc(memoryview(data)[start:end]):
        result.crc_errors.append("file")


def _messages(
    data: bytes,
    pos: int,
    end: int,
    chunks: list[np.ndarray],
    def_log: list[tuple[int, int, int]],
    known: dict[bytes, _Known],
    result: Walk,
) -> tuple[int, Damage | None]:
    """Walk the messages of one FIT file from ``pos`` to ``end``; the stop position and damage.

    ``step[h]`` is the length of a data message whose header byte is ``h`` under the
    definitions read so far (0: no data message has that header yet).
    """
    step = [0] * 256
    found: list[int] = []
    append = found.append
    log = def_log.append
    array = np.frombuffer(data, dtype=np.uint8)
    interval = _FIRST_TRY
    next_try = pos + 16 * interval  # try a bulk step once the walk passes this position
    while pos < end:
        if result.messages + len(found) > limits.MAX_FIT_MESSAGES:
            chunks.append(np.asarray(found, dtype=np.int64))
            detail = f"more than {limits.MAX_FIT_MESSAGES} data messages"
            return pos, Damage("corrupt", pos, detail)
        limit = min(end, next_try)
        # Definitions before the next check of too many definitions (see below), and data
        # messages before too many: both checked the long way, at a definition.
        free = limits.FIT_FREE_DEFINITIONS - 1 - len(def_log) % limits.FIT_FREE_DEFINITIONS
        most = limits.MAX_FIT_MESSAGES - result.messages
        while pos < limit:  # the hot loop: data messages of known layouts
            length = step[data[pos]]
            if length:
                append(pos)
                pos += length
                continue
            # A definition this file has had (Wahoo and Edge files redefine their local
            # messages every few dozen messages, some files before every message): the
            # steps below, without leaving this loop. Anything else goes the long way.
            header = data[pos]
            if header & 0xE0 != 0x40 or pos + 6 > end:
                break
            after = pos + 6 + _FIELD * data[pos + 5]
            seen = known.get(data[pos + 2 : after]) if after <= end else None
            if seen is None or seen[2] or not free or len(found) > most:
                break  # new, with warnings, or one of the checks below is due
            free -= 1
            pos = after
            local = header & 0x0F
            log((pos, local, seen[0]))
            length = seen[1]
            if pos + _FIRST_TRY * length > next_try:
                next_try = pos + _FIRST_TRY * length
                limit = min(end, next_try)
            step[local] = step[local | 0x10] = step[local | 0x20] = step[local | 0x30] = length
            if local < 4:
                first = 0x80 | local << 5
                step[first : first + 32] = seen[3]
        else:
            if pos >= end:
                break
            before = len(found)
            budget = limits.MAX_FIT_MESSAGES + 1 - result.messages - before
            added, pos = _bulk(data, array, found, pos, end, chunks, budget)
            if added:
                result.messages += before + added
            # Back off unless runs are long: short ones cost more to check than they save.
            interval = _FIRST_TRY if added >= _LONG_RUN else min(interval * 2, 4096)
            next_try = pos + interval * (step[data[found[-1]]] if found else 16)
            continue
        header = data[pos]
        if header & 0xC0 != 0x40:
            kind = "compressed-timestamp" if header & 0x80 else "data"
            local = (header >> 5) & 3 if header & 0x80 else header & 0x0F
            chunks.append(np.asarray(found, dtype=np.int64))
            detail = f"{kind} message for undefined local message {local}"
            return pos, Damage("corrupt", pos, detail)
        seen = None
        if not header & 0x20 and pos + 6 <= end:
            # A definition this file has had already (Wahoo and Edge files redefine their
            # local messages every few dozen messages, some files before every message).
            after = pos + 6 + _FIELD * data[pos + 5]
            if after <= end:
                seen = known.get(data[pos + 2 : after])
        if seen is None:
            parsed = _definition(data, pos, end, known, result)
            if isinstance(parsed, Damage):
                chunks.append(np.asarray(found, dtype=np.int64))
                return pos, parsed
            seen, after = parsed
        index, length, warnings, _steps = seen
        if warnings and len(result.warnings) < limits.MAX_FIT_WARNINGS:
            result.warnings += [w.format(pos=pos) for w in warnings]
        pos = after
        local = header & 0x0F
        def_log.append((pos, local, index))
        if not len(def_log) % limits.FIT_FREE_DEFINITIONS and len(def_log) > (
            limits.FIT_FREE_DEFINITIONS + result.messages + len(found)
        ):
            # Definitions with (almost) no data: a file made to cost time, not a recording.
            chunks.append(np.asarray(found, dtype=np.int64))
            detail = f"{len(def_log)} definition messages for fewer data messages"
            return pos, Damage("corrupt", pos, detail)
        # Right after a definition a long run is unlikely (Wahoo files redefine every ~30
        # messages): the next bulk attempt waits.
        next_try = max(next_try, pos + _FIRST_TRY * length)
        step[local] = step[local | 0x10] = step[local | 0x20] = step[local | 0x30] = length
        if local < 4:
            first = 0x80 | local << 5
            step[first : first + 32] = [length] * 32
    if pos > end:  # the last message runs past the end: leave it out
        found.pop()
    chunks.append(np.asarray(found, dtype=np.int64))
    result.messages += len(found)
    return pos, None


def _bulk(
    data: bytes,
    array: np.ndarray,
    found: list[int],
    pos: int,
    end: int,
    chunks: list[np.ndarray],
    budget: int,
) -> tuple[int, int]:
    """Add whole repeats of the last few messages' cycle at ``pos``, at most ``budget``
    messages: how many were added (flushing ``found`` into ``chunks`` first), and the
    position after them.

    Only where the messages just walked already repeat the cycle ``_PROBE`` times: the
    NumPy check costs tens of microseconds, worth it for long runs only.
    """
    if len(found) < (_PROBE + 1) * _MAX_CYCLE:
        return 0, pos
    recent = found[-2 * _MAX_CYCLE :]
    heads = [data[p] for p in recent]
    for cycle in range(1, _MAX_CYCLE + 1):
        if heads[-cycle:] == heads[-2 * cycle : -cycle]:
            break
    else:
        return 0, pos
    heads = heads[-cycle:]
    if any(h & 0x80 for h in heads):  # compressed headers carry a changing time offset
        return 0, pos
    first = recent[-cycle]
    period = pos - first
    span = _PROBE * cycle
    if any(
        a + period != b for a, b in zip(found[-span - cycle : -cycle], found[-span:], strict=True)
    ):
        return 0, pos
    offsets = [p - first for p in recent[-cycle:]]
    room = min((end - pos) // period, max(budget, 0) // cycle + 1)
    total = 0
    count = _PROBE
    while total < room:
        count = min(room - total, 2 * count)
        base = pos + total * period
        ok = np.ones(count, dtype=bool)
        for offset, head in zip(offsets, heads, strict=True):
            lo = base + offset
            ok &= array[lo : lo + period * count : period] == head
        bad = np.flatnonzero(~ok)
        if len(bad):
            total += int(bad[0])
            break
        total += count
    if total == 0:
        return 0, pos
    chunks.append(np.asarray(found, dtype=np.int64))
    found.clear()
    grid = pos + np.arange(total, dtype=np.int64)[:, None] * period
    chunks.append((grid + np.asarray(offsets, dtype=np.int64)).ravel())
    return total * cycle, pos + total * period


def _definition(
    data: bytes, pos: int, end: int, known: dict[bytes, _Known], result: Walk
) -> tuple[_Known, int] | Damage:
    """The definition message at ``pos`` (its layout's index in this file, data message
    length and field warnings) and the position after it.

    Files repeat the same definitions (an Edge-style file redefines its 16 local messages
    hundreds of times): ``known`` maps a definition's bytes to what this file has made of
    them, so a repeat costs one dictionary look-up; a layout new to the file is looked up
    in the layouts of earlier files (``_LAYOUTS``) before it is built.
    """
    header = data[pos]
    fields_at = pos + 6
    if fields_at > end:
        return _cut(pos, end, len(data), "a definition message")
    count = data[pos + 5]
    after = fields_at + _FIELD * count
    dev_count = 0
    if header & 0x20:
        if after + 1 > end:
            return _cut(pos, end, len(data), "a definition message")
        dev_count = data[after]
        after += 1 + _FIELD * dev_count
    if after > end:
        return _cut(pos, end, len(data), "a definition message")
    key = data[pos + 2 : after] + (b"D" if header & 0x20 else b"")
    seen = known.get(key)
    if seen is None:
        if len(result.definitions) >= limits.MAX_FIT_LAYOUTS:
            # Each layout costs its columns (up to 255 of them) whatever its messages.
            return Damage("corrupt", pos, f"more than {limits.MAX_FIT_LAYOUTS} message layouts")
        cached = _LAYOUTS.get(key)
        if cached is None:
            cached = _layout(data, pos, count, dev_count)
            if len(_LAYOUTS) >= _MAX_CACHED:
                _LAYOUTS.clear()
            _LAYOUTS[key] = cached
        definition, warnings = cached
        result.definitions.append(definition)
        length = definition.size + 1
        seen = known[key] = (len(result.definitions) - 1, length, warnings, [length] * 32)
    return seen, after


def _layout(
    data: bytes, pos: int, count: int, dev_count: int
) -> tuple[Definition, tuple[str, ...]]:
    """The layout of the definition message at ``pos`` and its field warnings (with
    ``{pos}`` left to fill in)."""
    fields_at = pos + 6
    fields = []
    warnings = []
    for at in range(fields_at, fields_at + _FIELD * count, _FIELD):
        num, size, base = data[at], data[at + 1], data[at + 2] & 0x1F
        if base not in BASE_TYPES:
            base = BYTE
        element = BASE_TYPES[base][1]
        if size % element:
            warnings.append(
                f"invalid field size {size} in definition message @ {{pos}} for type "
                f"{BASE_TYPE_NAMES[base]} (expected a multiple of {element})"
            )
            base = BYTE
        fields.append((num, size, base))
    big = data[pos + 2] != 0
    dev_at = fields_at + _FIELD * count + 1
    dev_fields = tuple(
        (data[at], data[at + 1], data[at + 2])
        for at in range(dev_at, dev_at + _FIELD * dev_count, _FIELD)
    )
    definition = Definition(
        global_num=int.from_bytes(data[pos + 3 : pos + 5], "big" if big else "little"),
        big_endian=big,
        fields=tuple(fields),
        dev_fields=dev_fields,
        size=sum(f[1] for f in fields) + sum(f[1] for f in dev_fields),
    )
    return definition, tuple(warnings)


def _cut(pos: int, end: int, size: int, what: str = "a message") -> Damage:
    """A message at ``pos`` that does not end by ``end``: the file is cut short when ``end``
    is its last byte, else the message overruns the data size its header gives."""
    if end == size:
        return _truncated(size)
    return Damage("corrupt", pos, f"{what} runs past the data size in the file header")


def _truncated(size: int) -> Damage:
    return Damage("truncated", size, f"file is truncated at byte {size}")


def _layouts(data: bytes, positions: np.ndarray, def_log: list[tuple[int, int, int]]) -> np.ndarray:
    """The definition in force for each data message: the last one of its local number.

    One search over (local number, position) keys: a definition is logged at the position
    after it, and its data messages follow it.
    """
    if not len(positions):
        return np.zeros(0, dtype=np.int64)
    heads = np.frombuffer(data, dtype=np.uint8)[positions].astype(np.int64)
    locals_ = np.where(heads & 0x80, (heads >> 5) & 3, heads & 0x0F)
    log = np.asarray(def_log, dtype=np.int64).reshape(-1, 3)
    keys = (log[:, 1] << 40) | log[:, 0]
    order = np.argsort(keys, kind="stable")
    at = np.searchsorted(keys[order], (locals_ << 40) | positions, side="right") - 1
    layouts: np.ndarray = log[order[at], 2]
    return layouts
