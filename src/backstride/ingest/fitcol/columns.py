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
from typing import Any, NamedTuple

import numpy as np

from backstride.ingest.fitcol.profile import (
    BASE_TYPES,
    BYTE,
    STRING,
    TIMESTAMP_FIELD,
    FieldSpec,
    MessageSpec,
    SubField,
    message_spec,
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
    records: np.ndarray | None = None
    """The messages as one structured array (:func:`records_of`), made when first needed."""


def records_of(group: Group, array: np.ndarray) -> np.ndarray:
    """The messages of ``group`` as one structured array (:func:`gather`), made once."""
    if group.records is None:
        group.records = gather(array, group.positions, group.definition)
    return group.records


#: Layouts of at most this many messages have their scalar numeric fields decoded in one
#: matrix (a handful of NumPy calls whatever the number of fields); bigger ones field by
#: field, where a structured field's ``astype`` is faster than gathering bytes by field.
MATRIX_GROUP = 64
#: Layouts of at most this many messages have components and sub-fields found in Python
#: per message rather than with NumPy calls per component and per sub-field.
SMALL_GROUP = 64


class _FieldPlan(NamedTuple):
    position: int
    num: int
    base: int
    spec: FieldSpec | None
    name: str
    row: int
    """First row of the field in the small-layout matrix; -1 if decoded on its own
    (strings, byte arrays, 64-bit integers)."""
    width: int
    """Elements of an array field (its rows in the matrix); 0 for a single value."""
    scaled: bool
    """The profile gives the field a scale or offset other than 1 and 0."""


class _Plan(NamedTuple):
    """A layout compiled once per process: its fields, and its small-layout matrix."""

    fields: tuple[_FieldPlan, ...]
    later: bool
    """Some field has sub-fields or components."""
    perm: np.ndarray
    """Byte offsets (counted from the header byte) of the matrix fields, grouped by type."""
    blocks: tuple[tuple[str, int, int, int, int], ...]
    """(dtype, first byte, end byte in ``perm``, first row, end row) per type."""
    invalid: np.ndarray
    scale: np.ndarray
    offset: np.ndarray
    any_scaled: bool


#: Base types read into the small-layout matrix: all but strings and 64-bit integers (whose
#: invalid values float64 cannot tell from their neighbours).
_MATRIX_BASES = frozenset(
    b for b, (_code, size, _invalid) in BASE_TYPES.items() if b != STRING and size <= 4
) | {0x09}


@functools.lru_cache(maxsize=4096)
def _plan(definition: Definition) -> _Plan:
    """The compiled ``definition`` (hashed by identity: one object per definition bytes)."""
    spec = message_spec(definition.global_num)
    order = ">" if definition.big_endian else "<"
    by_type: dict[str, list[tuple[int, int, int]]] = {}  # dtype -> (field index, at, size)
    at = 1
    for i, (_num, size, base) in enumerate(definition.fields):
        element = BASE_TYPES[base][1]
        # Byte arrays are left out: they are invalid only as a whole (see numbers()).
        if size and base in _MATRIX_BASES and (base != BYTE or size == 1):
            code = BASE_TYPES[base][0]
            by_type.setdefault(code if element == 1 else order + code, []).append((i, at, size))
        at += size
    rows: dict[int, int] = {}
    perm: list[int] = []
    blocks = []
    count = 0
    for code, members in by_type.items():
        first_byte, first_row = len(perm), count
        for i, at, size in members:
            rows[i] = count
            count += size // BASE_TYPES[definition.fields[i][2]][1]
            perm.extend(range(at, at + size))
        blocks.append((code, first_byte, len(perm), first_row, count))
    invalid = np.full((count, 1), np.nan)
    scale = np.ones((count, 1))
    offset = np.zeros((count, 1))
    fields = []
    later = False
    for i, (num, size, base) in enumerate(definition.fields):
        if not size:
            continue
        field_spec = spec.fields.get(num)
        name = field_spec.name if field_spec is not None else unknown_field_name(num)
        row = rows.get(i, -1)
        element = BASE_TYPES[base][1]
        width = size // element if size != element else 0
        these = slice(row, row + max(width, 1))
        scaled = False
        if field_spec is not None:
            later = later or bool(field_spec.sub_fields or field_spec.components)
            if field_spec.scale is not None and (field_spec.scale != 1 or field_spec.offset):
                scaled = True
                if row >= 0:
                    scale[these] = field_spec.scale
                    offset[these] = field_spec.offset
        if row >= 0 and BASE_TYPES[base][2] is not None:
            invalid[these] = BASE_TYPES[base][2]
        fields.append(_FieldPlan(i, num, base, field_spec, name, row, width, scaled))
    return _Plan(
        fields=tuple(fields),
        later=later,
        perm=np.asarray(perm, dtype=np.int64),
        blocks=tuple(blocks),
        invalid=invalid,
        scale=scale,
        offset=offset,
        any_scaled=any(f.scaled and f.row >= 0 for f in fields),
    )


def _matrix(plan: _Plan, array: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The matrix fields of the messages at ``positions``: raw values (invalid ones NaN) and
    scaled values, one row per field."""
    block = array[positions[:, None] + plan.perm]
    raw = np.empty((len(plan.invalid), len(positions)))
    for code, first, end, row, last in plan.blocks:
        raw[row:last] = block[:, first:end].view(code).T
    raw[raw == plan.invalid] = np.nan
    return raw, (raw / plan.scale - plan.offset) if plan.any_scaled else raw


@functools.lru_cache(maxsize=4096)
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


def decode_group(group: Group, array: np.ndarray) -> None:
    """Fill ``group.columns`` from the messages at its positions in ``array`` (native
    fields only)."""
    plan = _plan(group.definition)
    small = len(plan.invalid) and len(group.positions) <= MATRIX_GROUP
    if small:
        matrix, scaled_matrix = _matrix(plan, array, group.positions)
    columns, types, raws = group.columns, group.types, group.raw
    later: list[tuple[FieldSpec, np.ndarray, np.ndarray, int]] = []
    for index, num, base, spec, name, row, width, is_scaled in plan.fields:
        if small and row >= 0:
            if width:
                values = matrix[row : row + width].T
                raws[num] = matrix[row]
                columns[name] = scaled_matrix[row : row + width].T if is_scaled else values
            else:
                values = raws[num] = matrix[row]
                columns[name] = scaled_matrix[row] if is_scaled else values
            if spec is not None:
                types[name] = spec.type
                if spec.sub_fields or spec.components:
                    later.append((spec, records_of(group, array)[f"f{index}"], values, base))
            continue
        raw = records_of(group, array)[f"f{index}"]
        if base == STRING:
            columns[name] = strings(raw)
            types[name] = "string"
            continue
        values = numbers(raw, base)
        raws[num] = values if values.ndim == 1 else values[:, 0]
        if spec is None:
            columns[name] = values
            continue
        columns[name] = scaled(values, spec)
        types[name] = spec.type
        if spec.sub_fields or spec.components:
            later.append((spec, raw, values, base))
    # Sub-fields and components once every field is read: they refer to other fields.
    for spec, raw, values, base in later:
        if len(raw) <= SMALL_GROUP and raw.dtype.kind in "iu":
            _later_small(group, spec, raw, values, base)
            continue
        valid = ~np.isnan(values) if values.ndim == 1 else ~np.isnan(values).all(axis=1)
        if spec.components and spec.element_bits:
            _expand(group, spec, raw, valid & _not_all(raw, spec.invalid))
        for sub, rows in _sub_masks(group, spec, valid) if spec.sub_fields else ():
            subvalues = np.full(values.shape, np.nan)
            subvalues[rows] = scaled(numbers(raw[rows], base), sub.spec)
            group.columns[sub.spec.name] = subvalues
            group.types[sub.spec.name] = sub.spec.type
            group.parents[sub.spec.name] = spec.name
            if sub.spec.components and sub.spec.element_bits:
                _expand(group, sub.spec, raw, rows & _not_all(raw, sub.spec.invalid))


def _later_small(
    group: Group, spec: FieldSpec, raw: np.ndarray, values: np.ndarray, base: int
) -> None:
    """Components and sub-fields of ``spec`` for a few messages (integer fields), in Python
    per message instead of NumPy calls per component: what :func:`decode_group` does for
    many messages, with the same results."""
    raw_rows = raw.tolist()
    if values.ndim == 1:
        valid = [v == v for v in values.tolist()]
    else:
        valid = [any(v == v for v in row) for row in values.tolist()]
    n = len(raw_rows)
    if spec.components and spec.element_bits:
        chosen = [(r, raw_rows[r]) for r in range(n) if valid[r]]
        _expand_small(group, spec, _not_all_small(chosen, spec.invalid), n)
    if not spec.sub_fields:
        return
    for sub, rows in _sub_rows(group, spec, valid):
        subvalues = np.full(values.shape, np.nan)
        subvalues[rows] = scaled(numbers(raw[rows], base), sub.spec)
        group.columns[sub.spec.name] = subvalues
        group.types[sub.spec.name] = sub.spec.type
        group.parents[sub.spec.name] = spec.name
        if sub.spec.components and sub.spec.element_bits:
            chosen = [(r, raw_rows[r]) for r in rows.tolist()]
            _expand_small(group, sub.spec, _not_all_small(chosen, sub.spec.invalid), n)


Row = tuple[int, Any]
"""A message's row in its layout and its raw value: an int, or a list of ints (array)."""


def _not_all_small(chosen: list[Row], invalid: int | None) -> list[Row]:
    """:func:`_not_all` on (row, raw value) pairs."""
    if invalid is None:
        return chosen
    return [
        (r, x)
        for r, x in chosen
        if (x != invalid if isinstance(x, int) else not all(e == invalid for e in x))
    ]


def _expand_small(group: Group, source: FieldSpec, chosen: list[Row], n: int) -> None:
    """:func:`_expand` on (row, raw value) pairs, in Python (equal results: integer bit
    operations, the same float64 operations per value)."""
    if not chosen:
        return
    fields = group.spec.fields
    width = source.element_bits
    cols = 1 if isinstance(chosen[0][1], int) else len(chosen[0][1])
    total = width * cols
    mask = (1 << width) - 1
    slots: dict[int, int] = {}
    for component in source.components:
        slots[component.target] = slots.get(component.target, 0) + 1
    seen: dict[int, int] = {}
    rows = [r for r, _x in chosen]
    for component in source.components:
        if component.shift + component.bits > total:
            break
        target = fields.get(component.target)
        if target is None:
            continue
        first = component.shift // width
        last = (component.shift + component.bits - 1) // width
        if (last - first + 1) * width > 64 or last >= cols:
            continue
        down = component.shift - first * width
        keep = (1 << component.bits) - 1
        bits = []
        for _r, x in chosen:
            if cols == 1:
                combined = (x if isinstance(x, int) else x[0]) & mask
            else:
                combined = 0
                for j in range(first, last + 1):
                    combined |= (x[j] & mask) << ((j - first) * width)
            bits.append((combined >> down) & keep)
        slot = seen.get(component.target, 0)
        seen[component.target] = slot + 1
        count = slots[component.target]
        invalid = type_invalid(target.type)
        if target.accumulated:
            wrapped = [b - (1 << 64) if b >= 1 << 63 else b for b in bits]
            group.pending.append(
                Pending(
                    component.target,
                    target.name,
                    np.asarray(rows, dtype=np.int64),
                    slot,
                    count,
                    np.asarray(wrapped, dtype=np.int64),
                    component.bits,
                    component.scale,
                    component.offset,
                    (target.target_scale, target.target_offset, invalid),
                )
            )
            continue
        values = [float(b) / component.scale - component.offset for b in bits]
        # As component_values: np.rint rounds half to even, as round() does.
        raw_target = [round((v + target.target_offset) * target.target_scale) for v in values]
        values = [np.nan if t == invalid else v for v, t in zip(values, raw_target, strict=True)]
        put(group, target.name, target.type, n, np.asarray(rows), slot, count, np.asarray(values))
        if target.components and target.element_bits and count == 1:
            cascade = list(zip(rows, raw_target, strict=True))
            _expand_small(group, target, _not_all_small(cascade, target.invalid), n)


def _sub_masks(
    group: Group, spec: FieldSpec, valid: np.ndarray
) -> list[tuple[SubField, np.ndarray]]:
    """The sub-fields of ``spec`` that apply to some valid messages, with those messages
    (a mask): a sub-field applies where one of its reference fields holds its value."""
    chosen = []
    for sub in spec.sub_fields:
        rows = np.zeros(len(valid), dtype=bool)
        for ref, value in sub.maps:
            if ref in group.raw:
                rows |= group.raw[ref] == value
        rows &= valid
        if rows.any():
            chosen.append((sub, rows))
    return chosen


def _sub_rows(group: Group, spec: FieldSpec, ok: list[bool]) -> list[tuple[SubField, np.ndarray]]:
    """:func:`_sub_masks` for a few messages, in Python: a look-up per message and
    reference field instead of NumPy calls per sub-field and reference value (a field such
    as event.data has dozens)."""
    lookup, refs = _sub_table(group.spec.num, spec.num)
    found: dict[int, set[int]] = {}
    for ref in refs:
        values = group.raw.get(ref)
        if values is None:
            continue
        for row, value in enumerate(values.tolist()):
            for k in lookup.get((ref, value), ()):
                found.setdefault(k, set()).add(row)
    chosen = []
    for k in sorted(found):
        rows = sorted(row for row in found[k] if ok[row])
        if rows:
            chosen.append((spec.sub_fields[k], np.asarray(rows, dtype=np.int64)))
    return chosen


@functools.cache
def _sub_table(
    mesg_num: int, field_num: int
) -> tuple[dict[tuple[int, int], tuple[int, ...]], tuple[int, ...]]:
    """The sub-fields of a message's field by (reference field, raw value), and the
    reference fields."""
    spec = message_spec(mesg_num).fields[field_num]
    lookup: dict[tuple[int, int], list[int]] = {}
    for k, sub in enumerate(spec.sub_fields):
        for ref, value in sub.maps:
            if k not in lookup.setdefault((ref, value), []):
                lookup[(ref, value)].append(k)
    refs = tuple(dict.fromkeys(ref for ref, _value in lookup))
    return {key: tuple(ks) for key, ks in lookup.items()}, refs


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
