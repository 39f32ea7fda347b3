"""The columnar FIT decoder's fast paths for small files against its general paths.

Small layouts are decoded differently from big ones (one matrix for all numeric fields,
components and sub-fields in Python per message), layouts are compiled once per process and
shared across files, and small CRCs are a Python loop: each must give exactly what the
general path gives, on every real file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from garmin_fit_sdk import fit as sdk_fit
from garmin_fit_sdk.crc_calculator import CrcCalculator

from backstride.ingest import fitcol
from backstride.ingest.fitcol import columns, crc, walk
from backstride.ingest.fitcol.profile import BASE_TYPE_NAMES
from tests.ingest.catalogue import file_bytes
from tests.ingest.test_fit import ALL_FILES

SRC = Path(__file__).resolve().parents[2] / "src"


def _assert_same(mine: fitcol.FitFile, reference: fitcol.FitFile) -> None:
    """Equal tables, column by column (NaN equal to NaN, same dtype and shape), and equal
    file facts."""
    assert mine.tables.keys() == reference.tables.keys()
    for name, table in reference.tables.items():
        other = mine.tables[name]
        np.testing.assert_array_equal(other.positions, table.positions)
        assert other.columns.keys() == table.columns.keys(), name
        for key, column in table.columns.items():
            got = other.columns[key]
            assert (got.dtype, got.shape) == (column.dtype, column.shape), (name, key)
            if column.dtype == object:
                assert got.tolist() == column.tolist(), (name, key)
            else:
                np.testing.assert_array_equal(got, column, err_msg=f"{name}.{key}")
        assert other.types == table.types, name
        assert other.parents == table.parents, name
        assert other.developer.keys() == table.developer.keys(), name
        for key, column in table.developer.items():
            np.testing.assert_array_equal(other.developer[key], column)
    assert mine.developer_fields == reference.developer_fields
    assert (mine.parts, mine.crc_errors, mine.warnings, mine.damage) == (
        reference.parts,
        reference.crc_errors,
        reference.warnings,
        reference.damage,
    )


@pytest.mark.parametrize("path", ALL_FILES)
def test_small_layout_paths_equal_the_per_field_paths(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = file_bytes(path)
    fast = fitcol.decode(data)
    monkeypatch.setattr(columns, "MATRIX_GROUP", 0)
    monkeypatch.setattr(columns, "SMALL_GROUP", 0)
    _assert_same(fast, fitcol.decode(data))


def test_layouts_shared_across_files_decode_as_when_new() -> None:
    """Every file decoded after all the others (layouts and plans cached) equals the same
    file decoded with empty caches."""
    paths = [p.values[0] for p in ALL_FILES]
    everything = [file_bytes(p) for p in paths]  # type: ignore[arg-type]
    warm = [fitcol.decode(data) for data in everything]
    for data, decoded in zip(everything, warm, strict=True):
        walk._LAYOUTS.clear()
        columns._plan.cache_clear()
        columns._dtype.cache_clear()
        _assert_same(decoded, fitcol.decode(data))


@pytest.mark.parametrize("size", [0, 1, 2, 255, 256, 6143, 6144, 6145, 20_001])
def test_fit_crc_equals_the_sdks_on_both_sides_of_the_small_path(size: int) -> None:
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    assert crc.fit_crc(data) == CrcCalculator.calculate_crc(data, 0, len(data))


def test_base_type_names_are_the_sdks() -> None:
    assert dict(sdk_fit.BASE_TYPE_TO_FIELD_TYPE) == BASE_TYPE_NAMES


def test_importing_the_decoder_leaves_garmin_fit_sdk_unimported() -> None:
    code = (
        "import sys\n"
        "import backstride.ingest.fitcol.decoder\n"
        "print(sorted(m for m in sys.modules if m.startswith('garmin_fit_sdk')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
