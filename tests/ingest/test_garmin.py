"""Garmin summaries JSON, streamed: both shapes, chunk boundaries, damage."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from backstride.errors import CorruptFileError
from backstride.ingest import garmin
from backstride.ingest.garmin import SummaryIndex, read_summaries


def summaries(n: int, *, padding: int = 0) -> list[dict[str, object]]:
    return [
        {
            "activityId": 1000 + i,
            "name": f"Běh č. {i} ✓",  # multi-byte text, to straddle chunk boundaries
            "activityType": "running" if i % 2 else {"typeKey": "cycling"},
            "beginTimestamp": 1_600_000_000_000 + i * 3_600_000,
            "splits": [{"note": "x" * padding}],
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "bare-list"])
@pytest.mark.parametrize("chunk", [7, 64, 1 << 16])
def test_every_summary_is_read_whatever_the_chunking(
    monkeypatch: pytest.MonkeyPatch, wrapped: bool, chunk: int
) -> None:
    monkeypatch.setattr(garmin, "_CHUNK", chunk)
    items = summaries(40, padding=300)
    shape = [{"summarizedActivitiesExport": items}] if wrapped else items
    got = read_summaries(io.BytesIO(json.dumps(shape, ensure_ascii=False).encode()))
    assert [s.meta.external_id for s in got] == [f"garmin:{1000 + i}" for i in range(40)]
    assert got[3].meta.name == "Běh č. 3 ✓"
    assert got[3].meta.vendor_type == "running"
    assert got[4].meta.vendor_type == "cycling"
    assert got[0].start_at == datetime.fromtimestamp(1_600_000_000, tz=UTC)


def test_memory_holds_one_object_not_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import tracemalloc

    data = json.dumps([{"summarizedActivitiesExport": summaries(2000, padding=2000)}]).encode()
    assert len(data) > 4_000_000
    tracemalloc.start()
    count = sum(1 for _ in garmin.iter_summary_objects(io.BytesIO(data)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 2000
    assert peak < len(data) / 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty|not a list"),
        (b'{"a": 1}', "not a list"),
        (
            b'[{"summarizedActivitiesExport": [{"activityId": 1, "name": "x"',
            "malformed|ends inside",
        ),
        (b'[{"activityId": 1}, ', "ends inside"),
    ],
)
def test_broken_json_is_corrupt(data: bytes, message: str) -> None:
    with pytest.raises(CorruptFileError, match=message):
        read_summaries(io.BytesIO(data))


def test_summaries_without_a_start_are_ignored() -> None:
    data = json.dumps([{"activityId": 1, "name": "no start"}, summaries(1)[0]]).encode()
    assert [s.meta.name for s in read_summaries(io.BytesIO(data))] == ["Běh č. 0 ✓"]


def test_index_matches_the_nearest_start_within_a_minute() -> None:
    index = SummaryIndex(read_summaries(io.BytesIO(json.dumps(summaries(5)).encode())))
    base = datetime.fromtimestamp(1_600_000_000, tz=UTC)
    hit = index.match(base + timedelta(hours=2, seconds=45))
    assert hit is not None
    assert hit.meta.external_id == "garmin:1002"
    assert index.match(base + timedelta(hours=2, seconds=61)) is None
    assert index.match(base - timedelta(days=1)) is None
