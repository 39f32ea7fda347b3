"""Pass 2 of the columnar FIT decoder: every message of one layout decoded at once.

The data messages of one :class:`~backstride.ingest.fitcol.walk.Definition` are gathered into
an ``(n, size)`` byte matrix (one fancy index over a sliding window of the file) and viewed as
a NumPy structured array in the definition's byte order. Each field becomes a float64 column
(invalid values NaN, the profile's scale and offset applied), and sub-fields and components
become columns of their own, all as whole-column operations. Values that depend on earlier
messages (accumulated components, compressed timestamps) are finished file-wide afterwards,
in :mod:`backstride.ingest.fitcol.decoder`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backstride.ingest.fitcol.profile import (
    BASE_TYPES,
    BYTE,
    STRING,
    TIMESTAMP_FIELD,
    FieldSpec,
    MessageSpec,
    type_invalid,
    unknown_field_name,
)
from backstride.ingest.fitcol.walk import Definition

Column = np.ndarray


@dataclass
class Pending:
    """Accumulated component values of one source, finished once the whole file is read."""

    target: int
    name: str
    rows: np.ndarray
    slot: int
    slots: int
    raw: np.ndarray  # the component's raw bits, int64
    bits: int
    scale: float
    offset: float
    invalid_check: tuple[float, float, int]


@dataclass
class Group:
    """The messages of one layout: positions, decoded columns and file-wide leftovers."""

    definition: Definition
    spec: MessageSpec
    positions: np.ndarray
    columns: dict[str, Column] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    """Profile type of each named column (enum names, date_time ...)."""
    parents: dict[str, str] = field(default_factory=dict)
    """Sub-field column -> the field it reinterprets (avg_running_cadence -> avg_cadence)."""
    raw: dict[int, np.ndarray] = field(default_factory=dict)
    """Raw integer values (first element) by field number, for references and timestamps."""
    pending: list[Pending] = field(default_factory=list)
    developer: dict[int, Column] = field(default_factory=dict)


@functools.lru_cache(maxsize=256)
def _dtype(definition: Definition) -> np.dtype[np.void]:
    order = ">" if definition.big_endian else "<"
    names: list[str] = []
    formats: list[Any] = []
    offsets: list[int] = []
    at = 0
    for i, (_num, size, base) in enumerate(definition.fields):
        code, element, _ = BASE_TYPES[base]
        if size:
            names.append(f"f{i}")
            if base == STRING:
                formats.append(f"S{size}")
            elif size == element:
                formats.append(order + code)
            else:
                formats.append((order + code, (size // element,)))
            offsets.append(at)
        at += size
    for i, (_num, size, _index) in enumerate(definition.dev_fields):
        if size:
            names.append(f"d{i}")
            formats.append(f"V{size}")
            offsets.append(at)
        at += size
    return np.dtype(
        {"names": names, "formats": formats, "offsets": offsets, "itemsize": max(at, 1)}
    )


def gather(array: np.ndarray, positions: np.ndarray, definition: Definition) -> np.ndarray:
    """The messages at ``positions`` (their header bytes) as one structured array."""
    size = definition.size
    if size == 0:
        return np.zeros(len(positions), dtype=_dtype(definition))
    # Every ``size`` bytes starting at each byte of the file, without a copy: a strided view
    # made directly (numpy's sliding_window_view checks cost more for small groups).
    window = np.ndarray((len(array) - size + 1, size), np.uint8, array, 0, (1, 1))
    block: np.ndarray = window[positions + 1]
    return block.view(_dtype(definition)).reshape(len(positions))


def strings(raw: np.ndarray) -> Column:
    """FIT strings (NUL-terminated UTF-8, NUL-padded) as an object column; None when empty."""
    out = np.empty(raw.shape[0], dtype=object)
    for i, value in enumerate(raw.tolist()):
        text = value.split(b"\0", 1)[0].decode("utf-8", errors="ignore")
        out[i] = text or None
    return out


def numbers(raw: np.ndarray, base: int) -> Column:
    """Raw values as float64 with invalid ones NaN (a byte array is invalid only all-0xFF)."""
    values = raw.astype(np.float64)
    invalid = BASE_TYPES[base][2]
    if invalid is None:
        return values
    bad = raw == invalid
    if base == BYTE and raw.ndim == 2:
        bad = np.broadcast_to(bad.all(axis=1)[:, None], raw.shape)
    if bad.any():
        values[bad] = np.nan
    return values


def scaled(values: Column, spec: FieldSpec) -> Column:
    if spec.scale is None:
        return values
    if spec.scale != 1:
        values = values / spec.scale
    if spec.offset:
        values = values - spec.offset
    return values


def decode_group(group: Group, records: np.ndarray) -> None:
    """Fill ``group.columns`` from its structured ``records`` (native fields only)."""
    fields = group.spec.fields
    later: list[tuple[FieldSpec, np.ndarray, np.ndarray, int]] = []
    for i, (num, size, base) in enumerate(group.definition.fields):
        if not size:
            continue
        raw = records[f"f{i}"]
        spec = fields.get(num)
        name = spec.name if spec is not None else unknown_field_name(num)
        if base == STRING:
            group.columns[name] = strings(raw)
            group.types[name] = "string"
            continue
        values = numbers(raw, base)
        group.raw[num] = values if values.ndim == 1 else values[:, 0]
        if spec is None:
            group.columns[name] = values
            continue
        group.columns[name] = scaled(values, spec)
        group.types[name] = spec.type
        if spec.sub_fields or spec.components:
            later.append((spec, raw, values, base))
    # Sub-fields and components once every field is read: they refer to other fields.
    for spec, raw, values, base in later:
        valid = ~np.isnan(values) if values.ndim == 1 else ~np.isnan(values).all(axis=1)
        if spec.components and spec.element_bits:
            _expand(group, spec, raw, valid & _not_all(raw, spec.invalid))
        for sub in spec.sub_fields:
            rows = np.zeros(len(raw), dtype=bool)
            for ref, value in sub.maps:
                if ref in group.raw:
                    rows |= group.raw[ref] == value
            rows &= valid
            if not rows.any():
                continue
            subvalues = np.full(values.shape, np.nan)
            subvalues[rows] = scaled(numbers(raw[rows], base), sub.spec)
            group.columns[sub.spec.name] = subvalues
            group.types[sub.spec.name] = sub.spec.type
            group.parents[sub.spec.name] = spec.name
            if sub.spec.components and sub.spec.element_bits:
                _expand(group, sub.spec, raw, rows & _not_all(raw, sub.spec.invalid))


def timestamps_only(group: Group, records: np.ndarray) -> bool:
    """Read only the timestamp field of ``group`` (into ``group.raw``); False if it has none."""
    for i, (num, size, base) in enumerate(group.definition.fields):
        if num == TIMESTAMP_FIELD and size and base != STRING:
            values = numbers(records[f"f{i}"], base)
            group.raw[num] = values if values.ndim == 1 else values[:, 0]
    return TIMESTAMP_FIELD in group.raw


def _not_all(raw: np.ndarray, invalid: int | None) -> np.ndarray:
    """Rows not made only of the profile type's invalid value (their components expand)."""
    if invalid is None:
        return np.ones(raw.shape[0], dtype=bool)
    bad = np.asarray(raw == invalid)
    return np.asarray(~(bad if bad.ndim == 1 else bad.all(axis=1)))


def _bits(raw: np.ndarray, rows: np.ndarray, width: int, shift: int, bits: int) -> np.ndarray:
    """``bits`` bits at ``shift`` of the rows' bit stream (elements of ``width`` bits, LSB
    first), or an empty array when they straddle more than 64 bits."""
    matrix = raw[rows].astype(np.uint64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    first, last = shift // width, (shift + bits - 1) // width
    if (last - first + 1) * width > 64 or last >= matrix.shape[1]:
        return np.zeros(0, dtype=np.uint64)
    mask = np.uint64((1 << width) - 1) if width < 64 else np.uint64(0xFFFFFFFFFFFFFFFF)
    combined = np.zeros(matrix.shape[0], dtype=np.uint64)
    for j in range(first, last + 1):
        combined |= (matrix[:, j] & mask) << np.uint64((j - first) * width)
    combined >>= np.uint64(shift - first * width)
    return combined & np.uint64((1 << bits) - 1)


def _expand(group: Group, source: FieldSpec, raw: np.ndarray, rows: np.ndarray) -> None:
    """Write ``source``'s components (on ``rows``) into their target columns.

    As garmin-fit-sdk does: the component value is its raw bits over the component's scale
    minus its offset, it replaces a value the target field had in the same message, a
    component equal to the target type's invalid value is missing, and a target that has
    components of its own is expanded in turn.
    """
    if not rows.any():
        return
    fields = group.spec.fields
    width = source.element_bits
    total = width * (raw.shape[1] if raw.ndim == 2 else 1)
    slots: dict[int, int] = {}
    for component in source.components:
        slots[component.target] = slots.get(component.target, 0) + 1
    seen: dict[int, int] = {}
    n = len(rows)
    for component in source.components:
        if component.shift + component.bits > total:
            break
        target = fields.get(component.target)
        if target is None:
            continue
        bits = _bits(raw, rows, width, component.shift, component.bits)
        if len(bits) == 0:
            continue
        slot = seen.get(component.target, 0)
        seen[component.target] = slot + 1
        count = slots[component.target]
        check = (target.target_scale, target.target_offset, type_invalid(target.type))
        if target.accumulated:
            group.pending.append(
                Pending(
                    component.target,
                    target.name,
                    np.flatnonzero(rows),
                    slot,
                    count,
                    bits.astype(np.int64),
                    component.bits,
                    component.scale,
                    component.offset,
                    check,
                )
            )
            continue
        values, raw_target = component_values(bits, component.scale, component.offset, check)
        put(group, target.name, target.type, n, rows, slot, count, values)
        if target.components and target.element_bits and count == 1:
            cascade = np.zeros(n, dtype=np.int64)
            cascade[rows] = raw_target
            _expand(group, target, cascade, rows & _not_all(cascade, target.invalid))


def component_values(
    bits: np.ndarray, scale: float, offset: float, check: tuple[float, float, int]
) -> tuple[np.ndarray, np.ndarray]:
    """A component's values (its bits over its scale, minus its offset) and the raw values
    they make in the target field, NaN where that raw value is the target's invalid one."""
    values = bits.astype(np.float64) / scale - offset
    target_scale, target_offset, invalid = check
    # Rounded, not truncated as garmin-fit-sdk does: its int(2.03 * 1000) == 2029 would
    # turn a compressed speed of 2.03 m/s into an enhanced_speed of 2.029.
    raw_target = np.rint((values + target_offset) * target_scale).astype(np.int64)
    values[raw_target == invalid] = np.nan
    return values, raw_target


def put(
    group: Group,
    name: str,
    ftype: str,
    n: int,
    rows: np.ndarray,
    slot: int,
    slots: int,
    values: np.ndarray,
) -> None:
    """Write expanded ``values`` into column ``name`` at ``rows`` (a mask or row indexes;
    element ``slot`` of ``slots``), creating or widening the column as needed."""
    column = group.columns.get(name)
    shape = (n,) if slots == 1 else (n, slots)
    if column is None or column.dtype != np.float64 or column.shape != shape:
        fresh = np.full(shape, np.nan)
        if column is not None and column.dtype == np.float64 and column.ndim == 1 and slots == 1:
            fresh[:] = column
        column = fresh
    elif not column.flags.writeable:
        column = column.copy()
    if slots == 1:
        column[rows] = values
    else:
        column[rows, slot] = values
    group.columns[name] = column
    group.types.setdefault(name, ftype)
