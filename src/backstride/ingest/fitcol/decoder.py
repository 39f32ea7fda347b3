"""The columnar FIT decoder: :func:`decode` turns a FIT file's bytes into one table per message.

Pass 1 (:mod:`~backstride.ingest.fitcol.walk`) finds every message; pass 2
(:mod:`~backstride.ingest.fitcol.columns`) decodes all messages of one layout at once; this
module then finishes what depends on message order across the whole file (accumulated
components such as the FR70's compressed distance, compressed-timestamp headers), decodes
developer fields by their field_description, and joins each message's layouts into one
:class:`Table` in file order.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from backstride.ingest.fitcol.columns import (
    Column,
    Group,
    Pending,
    component_values,
    decode_group,
    numbers,
    put,
    records_of,
    strings,
    timestamps_only,
)
from backstride.ingest.fitcol.profile import (
    BASE_TYPES,
    BYTE,
    DEVELOPER_DATA_ID,
    FIELD_DESCRIPTION,
    STRING,
    TIMESTAMP_FIELD,
    message_spec,
    value_name,
)
from backstride.ingest.fitcol.walk import Damage, FitHeaderError, walk

#: Decoded whatever ``messages`` says: developer fields need them.
_DEVELOPER = frozenset({DEVELOPER_DATA_ID, FIELD_DESCRIPTION})

__all__ = ["Damage", "DeveloperField", "FitFile", "FitHeaderError", "Table", "decode"]


@dataclass(frozen=True)
class DeveloperField:
    """A developer field as its field_description message describes it."""

    developer_data_index: int
    number: int
    name: str | None
    units: str | None
    base_type: int


@dataclass
class Table:
    """All messages of one global message number, in file order, as columns.

    Numeric columns are float64, shape ``(n,)`` or ``(n, k)`` for array fields, NaN where a
    message lacks the field or holds its invalid value; scale and offset are applied and
    date_time fields are raw FIT seconds. String columns hold ``str`` or None.
    """

    name: str
    num: int
    positions: np.ndarray
    columns: dict[str, Column] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    developer: dict[int, Column] = field(default_factory=dict)
    """Developer field columns by index into :attr:`FitFile.developer_fields`."""

    def __len__(self) -> int:
        return len(self.positions)

    def rows(self, *, names: bool = True) -> list[dict[str, object]]:
        """The messages as dicts (fields they lack left out), enum values by name.

        For small messages (session, lap, file_id ...), not for records.
        """
        out: list[dict[str, object]] = [{} for _ in range(len(self))]
        for key in self.columns:
            for row, value in zip(out, self.values(key, names=names), strict=True):
                if value is not None:
                    row[key] = value
        return out

    def values(self, key: str, *, names: bool = True) -> list[object]:
        """Column ``key`` as Python values: None where missing, whole numbers as int, enum
        values by their profile name, arrays as tuples (None for invalid elements)."""
        ftype = self.types.get(key, "")
        out: list[object] = []
        for value in self.columns[key].tolist():
            if isinstance(value, list):
                missing = all(v != v for v in value)  # every element NaN
                out.append(None if missing else tuple(None if v != v else v for v in value))
            elif value is None or value != value:
                out.append(None)
            elif isinstance(value, float) and value.is_integer():
                named = value_name(ftype, int(value)) if names else None
                out.append(named if named is not None else int(value))
            else:
                out.append(value)
        return out


@dataclass
class FitFile:
    """A decoded FIT file (all its chained parts): tables by message name, and its troubles."""

    tables: dict[str, Table]
    developer_fields: list[DeveloperField]
    """Every field_description of the file; :attr:`Table.developer` keys index this list."""
    parts: int
    crc_errors: list[str]
    """"file" and/or "header" for each CRC that did not match."""
    warnings: list[str]
    damage: Damage | None

    def table(self, name: str) -> Table:
        """The table of message ``name`` (e.g. "record"), empty when the file has none."""
        found = self.tables.get(name)
        return found if found is not None else Table(name, -1, np.zeros(0, dtype=np.int64))


def decode(data: bytes, messages: Collection[str] | None = None) -> FitFile:
    """Decode the messages of ``data``: all of them, or those named in ``messages``.

    Lenient like the importer: a bad CRC is listed in :attr:`FitFile.crc_errors`, and
    truncation or corrupt data end the file at :attr:`FitFile.damage`, keeping everything
    before it. Raises :class:`FitHeaderError` only when the bytes do not start as FIT.
    Messages left out by ``messages`` are still walked over (and their timestamps read
    where compressed-timestamp headers count from them), not decoded.
    """
    # Damaged files can hold any bits: casts of NaN or huge values give garbage, not warnings.
    with np.errstate(all="ignore"):
        return _decode(data, None if messages is None else frozenset(messages))


def _decode(data: bytes, wanted: frozenset[str] | None) -> FitFile:
    walked = walk(data)
    array = np.frombuffer(data, dtype=np.uint8)
    groups: list[Group] = []
    others: list[Group] = []  # left out, with their timestamps only
    compressed = bool((array[walked.positions] & 0x80).any())
    if len(walked.positions):
        order = np.argsort(walked.layouts, kind="stable")
        cuts = [0, *(np.flatnonzero(np.diff(walked.layouts[order])) + 1).tolist(), len(order)]
        firsts = walked.layouts[order[cuts[:-1]]].tolist()
        for layout, start, stop in zip(firsts, cuts[:-1], cuts[1:], strict=True):
            definition = walked.definitions[layout]
            rows = order[start:stop]
            group = Group(definition, message_spec(definition.global_num), walked.positions[rows])
            if wanted is None or group.spec.name in wanted or group.spec.num in _DEVELOPER:
                decode_group(group, array)
                groups.append(group)
            elif compressed and timestamps_only(group, records_of(group, array)):
                others.append(group)
    descriptions = _descriptions([g for g in groups if g.spec.num == FIELD_DESCRIPTION])
    for group in groups:
        if group.definition.dev_fields:
            _developer(group, records_of(group, array), descriptions)
    _accumulate(groups)
    if compressed:
        _compressed_timestamps(groups + others, array)
    tables = _tables(groups)
    if wanted is not None:
        tables = {name: table for name, table in tables.items() if name in wanted}
    return FitFile(
        tables=tables,
        developer_fields=[described for _at, described in descriptions],
        parts=walked.parts,
        crc_errors=walked.crc_errors,
        warnings=walked.warnings,
        damage=walked.damage,
    )


def _descriptions(groups: list[Group]) -> list[tuple[int, DeveloperField]]:
    """Every field_description message, with its position, in file order."""
    found: list[tuple[int, DeveloperField]] = []
    for group in groups:
        cols = group.columns
        if "developer_data_index" not in cols or "field_definition_number" not in cols:
            continue
        names = cols.get("field_name")
        units = cols.get("units")
        for i, at in enumerate(group.positions.tolist()):
            index = _whole(cols.get("developer_data_index"), i)
            number = _whole(cols.get("field_definition_number"), i)
            kind = _whole(cols.get("fit_base_type_id"), i)
            if index is None or number is None or kind is None:
                continue
            base = kind & 0x1F if kind & 0x1F in BASE_TYPES else BYTE
            found.append(
                (at, DeveloperField(index, number, _text(names, i), _text(units, i), base))
            )
    found.sort(key=lambda item: item[0])
    return found


def _whole(column: Column | None, i: int) -> int | None:
    """Row ``i`` of a numeric column (first element of an array) as an int; None if missing."""
    if column is None or column.dtype != np.float64:
        return None
    value = float(column[i] if column.ndim == 1 else column[i, 0])
    return int(value) if np.isfinite(value) and 0 <= value < 2**32 else None


def _text(column: Column | None, i: int) -> str | None:
    if column is None or column.dtype != object:
        return None
    value = column[i]
    return value if isinstance(value, str) else None


def _developer(
    group: Group, records: np.ndarray, described: list[tuple[int, DeveloperField]]
) -> None:
    """Developer field columns of ``group``, keyed by the index in ``described`` of the
    field_description in force (the last one before each message; the first one for
    messages before any). Fields without a description are left out."""
    order = ">" if group.definition.big_endian else "<"
    by_key: dict[tuple[int, int], list[int]] = {}
    for k, (_at, d) in enumerate(described):
        by_key.setdefault((d.developer_data_index, d.number), []).append(k)
    for i, (number, size, index) in enumerate(group.definition.dev_fields):
        mine = by_key.get((index, number))
        if not mine or not size:
            continue
        block = np.ascontiguousarray(records[f"d{i}"])
        if len(mine) == 1:
            group.developer[mine[0]] = _dev_column(
                block, described[mine[0]][1].base_type, size, order
            )
            continue
        starts = np.asarray([described[k][0] for k in mine])
        which = np.maximum(np.searchsorted(starts, group.positions) - 1, 0)
        for choice in np.unique(which).tolist():
            key = mine[choice]
            rows = which == choice
            full = _dev_column(block, described[key][1].base_type, size, order)
            column = np.full(full.shape, None if full.dtype == object else np.nan, dtype=full.dtype)
            column[rows] = full[rows]
            group.developer[key] = column


def _dev_column(block: np.ndarray, base: int, size: int, order: str) -> Column:
    code, element, _ = BASE_TYPES[base]
    if size % element:
        base, code, element = BYTE, "u1", 1
    if base == STRING:
        return strings(block.view(f"S{size}").reshape(len(block)))
    raw = block.view(order + code).reshape(len(block), size // element)
    return numbers(raw[:, 0] if size == element else raw, base)


def _accumulate(groups: list[Group]) -> None:
    """Accumulated components (FIT "accumulate"): each adds its bits' forward difference,
    modulo 2**bits, to a running value per message type and field, in file order; a message
    that carries the field itself restarts the running value (garmin-fit-sdk's Accumulator)."""
    keys = {(g.spec.num, p.target) for g in groups for p in g.pending}
    for mesg_num, target in keys:
        pos, kind, slot, value, mask = [], [], [], [], []
        owners: list[tuple[Group, Pending | None]] = []
        for group in groups:
            if group.spec.num != mesg_num:
                continue
            direct = group.raw.get(target)
            spec = group.spec.fields.get(target)
            if direct is not None and spec is not None and spec.accumulated:
                rows = np.flatnonzero(np.isfinite(direct))
                pos.append(group.positions[rows])
                kind.append(np.zeros(len(rows), dtype=np.int64))
                slot.append(np.zeros(len(rows), dtype=np.int64))
                value.append(direct[rows].astype(np.int64))
                mask.append(np.zeros(len(rows), dtype=np.int64))
                owners.append((group, None))
            for pending in group.pending:
                if pending.target == target:
                    pos.append(group.positions[pending.rows])
                    kind.append(np.ones(len(pending.rows), dtype=np.int64))
                    slot.append(np.full(len(pending.rows), pending.slot, dtype=np.int64))
                    value.append(pending.raw)
                    mask.append(np.full(len(pending.rows), (1 << pending.bits) - 1))
                    owners.append((group, pending))
        order = np.lexsort((np.concatenate(slot), np.concatenate(kind), np.concatenate(pos)))
        running = np.empty(len(order), dtype=np.int64)
        running[order] = _running(
            np.concatenate(value)[order],
            np.concatenate(mask)[order].astype(np.int64),
            np.concatenate(kind)[order] == 0,
        )
        at = 0
        for (owner, source), chunk in zip(owners, pos, strict=True):
            if source is not None:
                values, _raw = component_values(
                    running[at : at + len(chunk)], source.scale, source.offset, source.invalid_check
                )
                ftype = owner.spec.fields[target].type
                n = len(owner.positions)
                put(owner, source.name, ftype, n, source.rows, source.slot, source.slots, values)
            at += len(chunk)


def _running(value: np.ndarray, mask: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Running values in event order: a start event sets the value; every other event adds
    ``(value - previous value) & mask``. Vectorised as a cumulative sum per segment."""
    start = start.copy()
    start[0] = True
    delta = np.zeros(len(value), dtype=np.int64)
    delta[1:] = (value[1:] - value[:-1]) & mask[1:]
    delta[start] = 0
    total = np.cumsum(delta)
    first = np.maximum.accumulate(np.where(start, np.arange(len(value)), 0))
    return value[first] + total - total[first]


def _compressed_timestamps(groups: list[Group], array: np.ndarray) -> None:
    """Timestamps of messages with a compressed-timestamp header: the last timestamp seen
    (a timestamp field of any message, or the previous compressed one) rolled forward to
    the header's 5-bit offset."""
    heads = [array[g.positions] for g in groups]
    # A virtual first event: before any timestamp field the running value starts at 0.
    pos, kind, value = [np.array([-1])], [np.array([0])], [np.array([0])]
    owners: list[Group | None] = [None]
    for group, head in zip(groups, heads, strict=True):
        stamp = group.raw.get(TIMESTAMP_FIELD)
        if stamp is not None:
            rows = np.flatnonzero(np.isfinite(stamp))
            pos.append(group.positions[rows])
            kind.append(np.zeros(len(rows), dtype=np.int64))
            value.append(stamp[rows].astype(np.int64))
            owners.append(None)
        rows = np.flatnonzero(head & 0x80)
        if len(rows):
            pos.append(group.positions[rows])
            kind.append(np.ones(len(rows), dtype=np.int64))
            value.append((head[rows] & 0x1F).astype(np.int64))
            owners.append(group)
    all_kind = np.concatenate(kind)
    order = np.lexsort((all_kind, np.concatenate(pos)))
    # A compressed header's offset is the low 5 bits of its time: it adds the step from the
    # previous time's low 5 bits, modulo 32.
    stamps = np.empty(len(order), dtype=np.int64)
    stamps[order] = _running(
        np.concatenate(value)[order], np.full(len(order), 0x1F), all_kind[order] == 0
    )
    at = 0
    for owner, chunk in zip(owners, pos, strict=True):
        if owner is not None:
            rows = np.flatnonzero(array[owner.positions] & 0x80)
            values = stamps[at : at + len(chunk)].astype(np.float64)
            put(owner, "timestamp", "date_time", len(owner.positions), rows, 0, 1, values)
            owner.raw[TIMESTAMP_FIELD] = owner.columns["timestamp"]
        at += len(chunk)


def _tables(groups: list[Group]) -> dict[str, Table]:
    """One table per message type: its layouts' columns joined in file order."""
    by_num: dict[int, list[Group]] = {}
    for group in groups:
        by_num.setdefault(group.spec.num, []).append(group)
    tables: dict[str, Table] = {}
    for num, members in by_num.items():
        spec = members[0].spec
        if len(members) == 1:
            only = members[0]
            table = Table(spec.name, num, only.positions, only.columns, only.types, only.parents)
            table.developer = only.developer
        else:
            positions = np.concatenate([g.positions for g in members])
            sort = np.argsort(positions, kind="stable")
            table = Table(spec.name, num, positions[sort])
            # One layout after another needs no reordering.
            order = None if np.all(np.diff(sort) > 0) else sort
            sizes = [len(g.positions) for g in members]
            table.columns = _join_all([g.columns for g in members], sizes, order)
            keys = list(dict.fromkeys(k for g in members for k in g.developer))
            table.developer = {
                k: _join([g.developer.get(k) for g in members], sizes, order) for k in keys
            }
            for group in members:
                for key, value in group.types.items():
                    table.types.setdefault(key, value)
                table.parents.update(group.parents)
        tables[spec.name] = table
    return tables


def _join_all(
    parts: list[dict[str, Column]], sizes: list[int], order: np.ndarray | None
) -> dict[str, Column]:
    """:func:`_join` for every column of several layouts: the single numeric columns of
    all of them in one matrix (a few NumPy calls per layout instead of per column)."""
    keys = list(dict.fromkeys(k for columns in parts for k in columns))
    single = [
        k
        for k in keys
        if all(k not in c or (c[k].dtype == np.float64 and c[k].ndim == 1) for c in parts)
    ]
    if len(single) < 2:
        return {k: _join([c.get(k) for c in parts], sizes, order) for k in keys}
    rows = {k: i for i, k in enumerate(single)}
    matrix = np.full((len(single), sum(sizes)), np.nan)
    at = 0
    for columns, n in zip(parts, sizes, strict=True):
        mine = [k for k in columns if k in rows]
        if mine:
            matrix[[rows[k] for k in mine], at : at + n] = [columns[k] for k in mine]
        at += n
    if order is not None:
        matrix = np.take(matrix, order, axis=1)
    joined = dict(zip(single, matrix, strict=True))
    return {
        k: joined[k] if k in joined else _join([c.get(k) for c in parts], sizes, order)
        for k in keys
    }


def _join(parts: list[Column | None], sizes: list[int], order: np.ndarray | None) -> Column:
    """Columns of several layouts stacked, then put in file order by ``order`` (if any).

    A layout without the column gives NaN (None for text); arrays are padded with NaN.
    """
    present = [p for p in parts if p is not None]
    if any(p.dtype == object for p in present):
        blocks = [
            p if p is not None and p.dtype == object else np.full(n, None, dtype=object)
            for p, n in zip(parts, sizes, strict=True)
        ]
        return _ordered(np.concatenate(blocks), order)
    width = max(p.shape[1] if p.ndim == 2 else 1 for p in present)
    if width == 1:
        gap = np.full(max(sizes), np.nan)
        blocks = [gap[:n] if p is None else p for p, n in zip(parts, sizes, strict=True)]
        return _ordered(np.concatenate(blocks), order)
    joined = np.full((sum(sizes), width), np.nan)
    at = 0
    for part, n in zip(parts, sizes, strict=True):
        if part is not None:
            joined[at : at + n, : 1 if part.ndim == 1 else part.shape[1]] = (
                part[:, None] if part.ndim == 1 else part
            )
        at += n
    return _ordered(joined, order)


def _ordered(column: Column, order: np.ndarray | None) -> Column:
    # np.take: a quarter faster than fancy indexing on these columns.
    return column if order is None else np.take(column, order, axis=0)
