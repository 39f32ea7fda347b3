"""The columnar FIT decoder on damaged real files, and its parts against slow references.

Hypothesis mutates real files (flipped bytes, cuts, inserted and deleted runs, a rewritten
header): the decoder returns tables that stay inside the bytes, or raises its own
:class:`~backstride.ingest.fitcol.FitHeaderError`; the FIT reader on top returns activities
or a :class:`~backstride.errors.BackstrideError`. Anything else (IndexError, a NumPy error,
a hang) fails the test. Bounded to a few seconds of examples for CI.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from garmin_fit_sdk.crc_calculator import CrcCalculator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstride.ingest import fitcol
from backstride.ingest.fitcol import crc, walk
from backstride.ingest.fitcol.decoder import _running
from backstride.ingest.fitcol.profile import BASE_TYPES
from tests.conftest import DATA
from tests.ingest.catalogue import file_bytes
from tests.ingest.test_fit import ALL_FILES, assert_valid_outcome, outcome

FIT_DIR = DATA / "fit"
#: Small files with different traits: plain Garmin, compressed timestamps and accumulated
#: distance (FR70), developer fields (Stryd), a chained multisport file, misaligned sizes.
SEEDS = [
    (FIT_DIR / name).read_bytes()
    for name in (
        "fitparse__garmin-fenix-5-run.fit",
        "fitparse__compressed-speed-distance.fit",
        "workoutizer__with_nones.fit",
        "sweatpy__6471559601_ACTIVITY.fit",
        "tormoder-fit__unterminated-strings.fit",
    )
]


def _mutations() -> st.SearchStrategy[bytes]:
    """A seed file with a few byte-level mutations applied in turn."""
    edit = st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 2**20), st.integers(1, 255)),
        st.tuples(st.just("cut"), st.integers(0, 2**20), st.just(0)),
        st.tuples(st.just("delete"), st.integers(0, 2**20), st.integers(1, 64)),
        st.tuples(st.just("insert"), st.integers(0, 2**20), st.integers(0, 255)),
        st.tuples(st.just("size"), st.integers(0, 2**32 - 1), st.just(0)),
        st.tuples(st.just("header"), st.integers(0, 13), st.integers(0, 255)),
    )
    return st.builds(_mutate, st.sampled_from(range(len(SEEDS))), st.lists(edit, max_size=4))


def _mutate(seed: int, edits: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(SEEDS[seed])
    for kind, at, value in edits:
        if not data:
            break
        at %= len(data)
        if kind == "flip":
            data[at] ^= value
        elif kind == "cut":
            del data[at:]
        elif kind == "delete":
            del data[at : at + value]
        elif kind == "insert":
            data[at:at] = bytes([value]) * (1 + at % 7)
        elif kind == "size" and len(data) >= 8:
            data[4:8] = struct.pack("<I", at)
        elif kind == "header" and len(data) > at:
            data[at] = value
    return bytes(data)


def assert_inside(fit: fitcol.FitFile, size: int) -> None:
    """Every table is consistent and every message lies inside the file's bytes."""
    for table in fit.tables.values():
        n = len(table)
        assert np.all(np.diff(table.positions) > 0)
        assert n == 0 or (table.positions[0] >= 12 and table.positions[-1] < size)
        for column in [*table.columns.values(), *table.developer.values()]:
            assert len(column) == n
            assert column.dtype in (np.float64, np.dtype(object))
    if fit.damage is not None:
        assert 0 <= fit.damage.at <= size
        assert "\n" not in fit.damage.detail


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=_mutations())
def test_mutated_real_files_decode_or_fail_with_the_decoders_own_error(data: bytes) -> None:
    try:
        fit: fitcol.FitFile | fitcol.FitHeaderError = fitcol.decode(data)
    except fitcol.FitHeaderError as e:
        fit = e
    if isinstance(fit, fitcol.FitHeaderError):
        assert str(fit)
        assert "\n" not in str(fit)
    else:
        assert_inside(fit, len(data))
    assert_valid_outcome(outcome(data))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=700))
def test_fit_crc_equals_the_sdks_byte_by_byte_crc(data: bytes) -> None:
    assert crc.fit_crc(data) == CrcCalculator.calculate_crc(data, 0, len(data))


@pytest.mark.parametrize("path", ALL_FILES)
def test_bulk_steps_find_the_same_messages_as_one_at_a_time(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = file_bytes(path)
    fast = walk.walk(data)
    monkeypatch.setattr(walk, "_FIRST_TRY", 10**9)  # never try a bulk step
    slow = walk.walk(data)
    np.testing.assert_array_equal(fast.positions, slow.positions)
    np.testing.assert_array_equal(fast.layouts, slow.layouts)
    assert fast.damage == slow.damage


def test_running_values_restart_at_set_events_and_wrap_at_the_mask() -> None:
    # A 5-bit counter: 30, then offsets 31, 2 (wrapped: +3), 2 (no step), then a new base 64.
    values = np.array([30, 31, 2, 2, 64, 1])
    starts = np.array([True, False, False, False, True, False])
    running = _running(values, np.full(6, 31), starts)
    np.testing.assert_array_equal(running, [30, 31, 34, 34, 64, 65])


def test_compressed_timestamps_follow_the_last_full_timestamp() -> None:
    fit = fitcol.decode((FIT_DIR / "fitparse__compressed-speed-distance.fit").read_bytes())
    stamps = fit.table("record").columns["timestamp"]
    assert not np.isnan(stamps).any()
    assert np.all(np.diff(stamps) > 0)
    assert stamps[0] == 17217864  # the session start: the first record's full timestamp


def _big_endian(data: bytes) -> bytes:
    """The same FIT file written big-endian: every definition's architecture byte set, its
    global number and every multi-byte value (developer fields too) byte-swapped."""
    fit = fitcol.decode(data)
    dev_sizes = {
        (d.developer_data_index, d.number): BASE_TYPES[d.base_type][1] for d in fit.developer_fields
    }
    out = bytearray(data)
    pos, end = data[0], data[0] + int.from_bytes(data[4:8], "little")
    layouts: dict[int, list[tuple[int, int]]] = {}  # local -> (size, element size) per field
    while pos < end:
        header = data[pos]
        if header & 0xC0 == 0x40:  # definition
            out[pos + 2] = 1
            out[pos + 3], out[pos + 4] = data[pos + 4], data[pos + 3]
            count = data[pos + 5]
            fields = [
                (data[at + 1], BASE_TYPES[data[at + 2] & 0x1F][1])
                for at in range(pos + 6, pos + 6 + 3 * count, 3)
            ]
            pos += 6 + 3 * count
            if header & 0x20:
                dev_count = data[pos]
                fields += [
                    (data[at + 1], dev_sizes.get((data[at + 2], data[at]), 1))
                    for at in range(pos + 1, pos + 1 + 3 * dev_count, 3)
                ]
                pos += 1 + 3 * dev_count
            layouts[header & 0x0F] = fields
            continue
        fields = layouts[(header >> 5) & 3 if header & 0x80 else header & 0x0F]
        pos += 1
        for size, element in fields:
            if element > 1 and size % element == 0:
                for at in range(pos, pos + size, element):
                    out[at : at + element] = data[at : at + element][::-1]
            pos += size
    out[end : end + 2] = crc.fit_crc(bytes(out[:end])).to_bytes(2, "little")
    return bytes(out)


@pytest.mark.parametrize(
    "name",
    [
        "fitparse__garmin-fenix-5-run.fit",
        "fitparse__compressed-speed-distance.fit",
        "fit-parser-js__running-with-developer-data.fit",
    ],
)
def test_a_big_endian_file_decodes_as_its_little_endian_twin(name: str) -> None:
    data = (FIT_DIR / name).read_bytes()
    little, big = fitcol.decode(data), fitcol.decode(_big_endian(data))
    assert big.crc_errors == little.crc_errors == []
    assert sorted(big.tables) == sorted(little.tables)
    for key, table in little.tables.items():
        other = big.tables[key]
        np.testing.assert_array_equal(other.positions, table.positions)
        assert sorted(other.columns) == sorted(table.columns)
        for column, values in table.columns.items():
            if values.dtype == object:
                assert list(other.columns[column]) == list(values), (key, column)
            else:
                np.testing.assert_array_equal(other.columns[column], values, err_msg=column)
        assert sorted(other.developer) == sorted(table.developer)
        for dev, values in table.developer.items():
            np.testing.assert_array_equal(other.developer[dev], values)
