"""The columnar FIT decoder against reference decoders, field by field, on every real file.

The reference is Garmin's own decoder (garmin-fit-sdk) for every file it reads, and
fitdecode for the one it refuses (compressed-timestamp headers). Every field of every
record, lap and session message must be present in both or neither, with equal values
(floats within rounding). The SDK's decoding of a file is shared with test_fit.py.
"""

from __future__ import annotations

import functools
import io
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pytest

from backstride.ingest import fitcol
from backstride.ingest.fitcol.profile import BASE_TYPES, unknown_field_name, value_name
from tests.ingest.catalogue import file_bytes
from tests.ingest.test_fit import ALL_FILES, garmin_sdk

FIT_EPOCH_S = 631065600
KINDS = ("record", "lap", "session")


@functools.cache
def ours(path: Path) -> fitcol.FitFile:
    return fitcol.decode(file_bytes(path))


def _plain(value: Any) -> Any:
    """A reference value in our terms: datetimes as FIT seconds, lists as tuples, NaN (an
    invalid float's bits) as None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.timestamp() - FIT_EPOCH_S
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def _named(value: Any, ftype: str) -> Any:
    """Our value with enum numbers named as the reference names them."""
    if isinstance(value, tuple):
        return tuple(_named(v, ftype) for v in value)
    if isinstance(value, int):
        name = value_name(ftype, value)
        return name if name is not None else value
    return value


def _same(ours_value: Any, reference: Any) -> bool:
    if isinstance(reference, tuple):
        if not isinstance(ours_value, tuple) or len(ours_value) != len(reference):
            return False
        return all(_same(a, b) for a, b in zip(ours_value, reference, strict=True))
    if isinstance(reference, str) or isinstance(ours_value, str) or reference is None:
        return bool(ours_value == reference)
    return bool(ours_value == pytest.approx(reference, rel=1e-12, abs=1e-9))


def _reference_rows(reference: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SDK messages in our terms: unknown fields by our column name, values via _plain."""
    rows = []
    for ref in reference:
        row = {}
        for key, value in ref.items():
            plain = _plain(value) if key != "developer_fields" else None
            if plain is None:
                continue
            # The SDK splits a string at inner NULs; a FIT string ends at its first NUL.
            if isinstance(plain, tuple) and plain and all(isinstance(v, str) for v in plain):
                plain = plain[0]
            row[unknown_field_name(key) if isinstance(key, int) else key] = plain
        rows.append(row)
    return rows


def _compare(kind: str, mine: fitcol.Table, reference: list[dict[str, Any]]) -> int:
    """Assert each message has exactly the reference's fields, with equal values.

    Whole columns at once where they hold numbers (the 3 MB file has 1.4 million values),
    value by value otherwise. Returns how many values were compared.
    """
    assert len(mine) == len(reference), f"{kind}: {len(mine)} messages, reference {len(reference)}"
    expected = _reference_rows(reference)
    keys = set().union(*expected) if expected else set()
    keys |= {key for key, column in mine.columns.items() if not _all_missing(column)}
    compared = 0
    for key in sorted(keys):
        column = mine.columns.get(key)
        assert column is not None, f"{kind}: no column {key}, the reference has it"
        compared += _compare_column(f"{kind} {key}", mine, key, [r.get(key) for r in expected])
    return compared


def _compare_column(what: str, mine: fitcol.Table, key: str, want: list[Any]) -> int:
    column = mine.columns[key]
    present = np.array([v is not None for v in want], dtype=bool)
    values = [v for v in want if v is not None]
    numeric = column.dtype == np.float64 and all(
        isinstance(v, int | float) or (isinstance(v, tuple) and len(v) == column.shape[-1])
        for v in values
    )
    if numeric and values and not isinstance(values[0], str):
        has = ~np.isnan(column) if column.ndim == 1 else ~np.isnan(column).all(axis=1)
        assert np.array_equal(has, present), f"{what}: presence differs"
        matrix = np.array(
            [
                [np.nan if e is None else e for e in v] if isinstance(v, tuple) else v
                for v in values
            ],
            dtype=float,
        )
        np.testing.assert_allclose(column[present], matrix, rtol=1e-12, atol=1e-9, err_msg=what)
        return len(values)
    ftype = mine.types.get(key, "")
    for i, (value, got) in enumerate(zip(want, mine.values(key), strict=True)):
        named = _named(got, ftype)
        assert (named is None) == (value is None), f"{what} {i}: presence differs"
        if value is not None:
            assert _same(named, value), f"{what} {i}: {named!r} != {value!r}"
    return len(values)


def _all_missing(column: np.ndarray) -> bool:
    if column.dtype == object:
        return all(v is None for v in column)
    return bool(np.isnan(column).all())


def _compare_developer(
    fit: fitcol.FitFile, kind: str, mine: fitcol.Table, reference: list[dict[str, Any]]
) -> int:
    """Developer fields: the SDK keeps invalid values raw, where ours are missing (NaN)."""
    expected = [ref.get("developer_fields", {}) for ref in reference]
    keys = set().union(*expected) if expected else set()
    keys |= {key for key, column in mine.developer.items() if not _all_missing(column)}
    compared = 0
    for key in sorted(keys):
        column = mine.developer.get(key)
        assert column is not None, f"{kind}: developer field {key} missing"
        invalid = BASE_TYPES[fit.developer_fields[key].base_type][2]

        def scrub(value: Any, invalid: int | None = invalid) -> Any:
            if isinstance(value, list):
                kept = tuple(None if v == invalid else _plain(v) for v in value)
                return None if all(v is None for v in kept) else kept
            return None if value == invalid else _plain(value)

        want = [scrub(row[key]) if key in row else None for row in expected]
        table = fitcol.Table(mine.name, mine.num, mine.positions, {key: column}, {}, {})
        compared += _compare_column(f"{kind} developer {key}", table, key, want)
    return compared


def _fitdecode_messages(path: Path, kind: str) -> list[dict[str, Any]]:
    """fitdecode's messages of one kind, numeric values as the FIT profile scales them."""
    found = []
    with fitdecode.FitReader(
        io.BytesIO(file_bytes(path)), check_crc=fitdecode.CrcCheck.DISABLED
    ) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == kind:
                found.append({f.name: f.value for f in frame.fields if f.value is not None})
    return found


@pytest.mark.parametrize("path", ALL_FILES)
def test_records_laps_and_sessions_equal_the_reference_decoder(path: Path) -> None:
    fit = ours(path)
    messages, ok = garmin_sdk(path)
    refused = not ok and any("Compressed timestamp" in str(e) for e in _errors(path))
    compared = 0
    for kind in KINDS:
        mine = fit.table(kind)
        if refused:
            compared += _compare_fitdecode(kind, mine, _fitdecode_messages(path, kind))
            continue
        reference = messages.get(f"{kind}_mesgs", [])
        compared += _compare(kind, mine, reference)
        compared += _compare_developer(fit, kind, mine, reference)
    assert compared > 0 or not ok


@functools.cache
def _errors(path: Path) -> list[Exception]:
    from garmin_fit_sdk import Decoder, Stream

    stream = Stream.from_byte_array(bytearray(file_bytes(path)))
    _messages, errors = Decoder(stream).read(merge_heart_rates=False, enable_crc_check=False)
    return list(errors)


def _compare_fitdecode(kind: str, mine: fitcol.Table, reference: list[dict[str, Any]]) -> int:
    """Against fitdecode, which names a field by its sub-field alone (avg_running_cadence, not
    avg_cadence) and does not expand speed into enhanced_speed: those fields of ours must
    equal the sub-field's or the speed's value; every other field is compared as it is."""
    rows = mine.rows()
    assert len(rows) == len(reference)
    compared = 0
    for i, (row, ref) in enumerate(zip(rows, reference, strict=True)):
        got = {k: _named(v, mine.types.get(k, "")) for k, v in row.items()}
        want = {k: _plain(v) for k, v in ref.items()}
        for sub, parent in mine.parents.items():
            if sub in want and parent not in want:
                want[parent] = want[sub]
        for key in got:
            if key.startswith("enhanced_") and key not in want:
                want[key] = want.get(key.removeprefix("enhanced_"))
        assert sorted(got) == sorted(want), f"{kind} {i}: fields differ"
        for key, value in want.items():
            assert _same(got[key], value), f"{kind} {i} {key}: {got[key]!r} != {value!r}"
            compared += 1
    return compared
