"""Garmin Connect data export: activity summaries, and which members are activity files.

The layout is in shared/design/exports.md: the summaries are in
``DI_CONNECT/DI-Connect-Fitness/*_summarizedActivities.json``, shaped
``[{"summarizedActivitiesExport": [{...}, ...]}]`` (a bare list in some vintages; over
100 MB for heavy users), and the original uploads sit in nested ``UploadedFiles_*.zip``
members named by upload id. Files and summaries are linked by start time, not by name.

Only what the summaries say reliably is used: the start (``beginTimestamp`` or
``startTimeGmt``, epoch milliseconds, UTC), the name and the activity type. Their distance,
duration and calorie units are undocumented and differ between vintages (exports.md), and
the FIT file has its own exact totals.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from backstride.errors import CorruptFileError
from backstride.ingest import limits
from backstride.ingest.limits import without_nul
from backstride.model import ActivityMeta, Gear

_CHUNK = 1 << 16
_WRAPPER = re.compile(rb'"summarizedActivitiesExport"\s*:\s*\[')
_DECODER = json.JSONDecoder()
_TOO_DEEP = "{} is nested too deeply to read (a crafted file: real exports nest 3 deep)"


@dataclass(frozen=True)
class GarminSummary:
    """One activity summary from the export."""

    start_at: datetime
    meta: ActivityMeta


def is_summary_name(path: str) -> bool:
    """``..._summarizedActivities.json`` members (one or several per export)."""
    return path.lower().endswith("summarizedactivities.json")


def is_upload_member(path: str) -> bool:
    """Members of the uploaded-files folders (old and new folder names)."""
    lowered = path.lower()
    return "di-connect-uploaded-files/" in lowered or "di-connect-fitness-uploaded-files/" in (
        lowered
    )


def iter_summary_objects(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The activity objects of a summarizedActivities JSON, one at a time.

    Memory holds one object and one read chunk, whatever the file's size: the array is
    walked with ``raw_decode`` over a sliding buffer.
    """
    buffer = b""
    eof = False

    def fill() -> bool:
        nonlocal buffer, eof
        if eof:
            return False
        chunk = stream.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        buffer += chunk
        return True

    # The array of activities starts after the wrapper key, or (a bare list) after the
    # first "[". Both are at the very start of the file, within its first few hundred bytes.
    while len(buffer) < 4096 and fill():
        pass
    match = _WRAPPER.search(buffer)
    if match:
        buffer = buffer[match.end() :]
    else:
        stripped = buffer.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped.startswith(b"["):
            raise CorruptFileError("summarizedActivities JSON is not a list of activities")
        buffer = stripped[1:]
    while True:
        stripped = buffer.lstrip(b" \t\r\n,")
        if not stripped:
            if not fill():
                raise CorruptFileError("summarizedActivities JSON ends inside its list")
            continue
        buffer = stripped
        if buffer.startswith(b"]"):
            return
        try:
            value, end = _DECODER.raw_decode(buffer.decode("utf-8", errors="strict"))
        except RecursionError as e:
            raise CorruptFileError(_TOO_DEEP.format("summarizedActivities JSON")) from e
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            # Most likely the object continues in the next chunk; if there is none, the
            # file is broken.
            if len(buffer) > limits.MAX_JSON_OBJECT_BYTES:
                raise CorruptFileError(
                    "summarizedActivities JSON holds an activity over "
                    f"{limits.MAX_JSON_OBJECT_BYTES} bytes (real ones are a few KB)"
                ) from e
            if not fill():
                raise CorruptFileError(f"summarizedActivities JSON is malformed: {e}") from e
            continue
        consumed = len(buffer.decode("utf-8")[:end].encode("utf-8"))
        buffer = buffer[consumed:]
        if isinstance(value, dict):
            yield value


def _start(obj: dict[str, Any]) -> datetime | None:
    for key in ("beginTimestamp", "startTimeGmt"):
        value = obj.get(key)
        if isinstance(value, int | float) and value > 0:
            return datetime.fromtimestamp(value / 1000.0, tz=UTC)
    return None


def read_summaries(stream: IO[bytes]) -> list[GarminSummary]:
    """Start time, name and type of every summary that has a start time."""
    summaries = []
    for count, obj in enumerate(iter_summary_objects(stream)):
        if count >= limits.MAX_INDEX_ROWS:
            raise CorruptFileError(
                f"summarizedActivities JSON holds more than {limits.MAX_INDEX_ROWS} "
                "activities, past the limit for an export"
            )
        start_at = _start(obj)
        if start_at is None:
            continue
        activity_type = obj.get("activityType")
        if isinstance(activity_type, dict):  # {"typeKey": "running", ...} in some vintages
            activity_type = activity_type.get("typeKey")
        activity_id = obj.get("activityId")
        summaries.append(
            GarminSummary(
                start_at=start_at,
                meta=ActivityMeta(
                    name=without_nul(str(obj["name"])) if obj.get("name") else None,
                    vendor_type=without_nul(str(activity_type)) if activity_type else None,
                    external_id=(
                        without_nul(f"garmin:{activity_id}") if activity_id is not None else None
                    ),
                ),
            )
        )
    return summaries


class SummaryIndex:
    """Summaries by start time, for linking decoded files to them."""

    def __init__(self, summaries: list[GarminSummary]) -> None:
        self._items = sorted(summaries, key=lambda s: s.start_at)
        self._starts = [s.start_at for s in self._items]

    def __len__(self) -> int:
        return len(self._items)

    def match(self, start_at: datetime, *, tolerance_s: float = 60.0) -> GarminSummary | None:
        """The summary starting nearest ``start_at``, within ``tolerance_s``."""
        at = bisect.bisect_left(self._starts, start_at)
        candidates = self._items[max(at - 1, 0) : at + 1]
        tolerance = timedelta(seconds=tolerance_s)
        near = [s for s in candidates if abs(s.start_at - start_at) <= tolerance]
        return min(near, key=lambda s: abs(s.start_at - start_at), default=None)


def is_gear_name(path: str) -> bool:
    """``DI-Connect-Fitness/<user>_gear.json``."""
    return path.lower().endswith("_gear.json") and "di-connect-fitness/" in path.lower()


def read_gear(stream: IO[bytes]) -> list[Gear]:
    """Shoes and bikes from ``*_gear.json`` (``{"gearDTOS": [...]}``; small, read whole).

    Fields used, as seen in independent importers: ``displayName`` (or ``customMakeModel``),
    ``gearTypeName`` (``Shoes``, ``Bike``), ``gearStatusName`` (``active``, ``retired``),
    ``dateBegin``. The export does not say which activity used which gear.
    """
    raw = stream.read(limits.MAX_JSON_OBJECT_BYTES + 1)
    if len(raw) > limits.MAX_JSON_OBJECT_BYTES:
        raise CorruptFileError(
            f"gear JSON is over {limits.MAX_JSON_OBJECT_BYTES} bytes (real ones are a few KB)"
        )
    try:
        data = json.loads(raw)
    except RecursionError as e:
        raise CorruptFileError(_TOO_DEEP.format("gear JSON")) from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorruptFileError(f"gear JSON is malformed: {e}") from e
    entries = data.get("gearDTOS") if isinstance(data, dict) else None
    gear: list[Gear] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        name = entry.get("displayName") or entry.get("customMakeModel")
        type_name = str(entry.get("gearTypeName") or "").lower()
        if not name or type_name not in ("shoes", "shoe", "bike", "bicycle"):
            continue
        began = entry.get("dateBegin")
        gear.append(
            Gear(
                name=without_nul(str(name)),
                kind="bike" if type_name.startswith("bi") else "shoe",
                start_date=_date(began),
                retired=str(entry.get("gearStatusName") or "").lower() == "retired",
            )
        )
    return gear


def _date(value: object) -> date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    if isinstance(value, int | float) and value > 0:  # epoch milliseconds
        return datetime.fromtimestamp(value / 1000.0, tz=UTC).date()
    return None
