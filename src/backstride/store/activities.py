"""Activities, their laps, streams and source files.

Writes happen inside the caller's transaction (an import's, holding whole files; owned by the
service layer); reads return ``model`` objects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from backstride.errors import NotFoundError
from backstride.model import (
    EMPTY_STREAMS,
    Activity,
    ActivityColumns,
    ActivityMeta,
    Lap,
    StoredActivity,
    Streams,
    Summary,
    richness,
)
from backstride.store import restricted
from backstride.store.db import view_of
from backstride.store.deferred import deferred_of, write_rows
from backstride.store.schema import (
    activities,
    activity_sources,
    gear,
    laps,
    source_files,
    streams,
)
from backstride.store.streams import CODEC, decode_streams, encode_streams, merge_streams
from backstride.units import sport_family

_SUMMARY_FIELDS = (
    "timer_s",
    "distance_m",
    "avg_speed_mps",
    "avg_hr_bpm",
    "max_hr_bpm",
    "avg_cadence_spm",
    "avg_power_w",
    "total_ascent_m",
    "calories_kcal",
)
_LAP_FIELDS = (
    "timer_s",
    "distance_m",
    "avg_speed_mps",
    "avg_hr_bpm",
    "max_hr_bpm",
    "avg_cadence_spm",
    "avg_power_w",
    "intensity",
)


def _finite(value: float | None) -> float | None:
    # NaN and inf are not portable SQL values (PostgreSQL keeps them, SQLite turns NaN to NULL).
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return float(value)


def _activity_values(
    activity: Activity, *, source_name: str, imported_at: datetime
) -> dict[str, Any]:
    summary = activity.summary
    values: dict[str, Any] = {
        "sport": activity.sport,
        "sub_sport": activity.sub_sport,
        "start_at": activity.start_at,
        "utc_offset_s": activity.utc_offset_s,
        "local_date": activity.local_date,
        "elapsed_s": summary.elapsed_s,
        "device": activity.device,
        "name": activity.name,
        "source_format": activity.source_format,
        "source_name": source_name,
        "session_index": activity.session_index,
        "channels": list(activity.streams.channel_names),
        "sample_count": len(activity.streams),
        "lap_count": len(activity.laps),
        "warnings": list(activity.warnings),
        "imported_at": imported_at,
    }
    for name in _SUMMARY_FIELDS:
        values[name] = _finite(getattr(summary, name))
    return values


def _write_children(
    conn: Connection, activity_id: int, activity: Activity, streams_blob: bytes | None
) -> None:
    if activity.laps:
        rows = [
            {
                "activity_id": activity_id,
                "lap_index": i,
                "start_at": lap.start_at,
                "elapsed_s": lap.elapsed_s,
                **{
                    name: (lap.intensity if name == "intensity" else _finite(getattr(lap, name)))
                    for name in _LAP_FIELDS
                },
            }
            for i, lap in enumerate(activity.laps)
        ]
        write_rows(conn, laps, rows)  # an import's batch on PostgreSQL: COPY at its commit
    if streams_blob is not None or len(activity.streams):
        blob = streams_blob if streams_blob is not None else encode_streams(activity.streams)
        write_rows(conn, streams, [{"activity_id": activity_id, "codec": CODEC, "data": blob}])


def add_activity(
    conn: Connection,
    athlete_id: int,
    activity: Activity,
    *,
    source_name: str,
    imported_at: datetime,
    streams_blob: bytes | None = None,
    streams_shape: tuple[tuple[str, ...], int] | None = None,
    meta: ActivityMeta | None = None,
    gear_id: int | None = None,
    gear_source: str | None = None,
) -> int:
    """Insert an activity with its laps and streams; returns its id.

    ``streams_blob``, when given, is ``encode_streams(activity.streams)`` done beforehand (an
    import compresses streams in its decoding processes, off the writer's path); with
    ``streams_shape`` (channel names, sample count) the activity comes without its streams,
    which are in the blob only. ``meta``
    and the gear go into the same INSERT, as :func:`apply_meta` and ``store.gear.
    assign_gear`` would set them afterwards.
    """
    values = _activity_values(activity, source_name=source_name, imported_at=imported_at)
    if streams_shape is not None:
        values.update(channels=list(streams_shape[0]), sample_count=streams_shape[1])
    if meta is not None:
        values.update(_meta_values(meta, activity.name))
    if gear_id is not None:
        values.update(gear_id=gear_id, gear_source=gear_source)
    # Parameters apart from the statement: one cached statement for every insert (building
    # .values() per activity was a tenth of an import's writing time, issue 8).
    result = conn.execute(sa.insert(activities), {"athlete_id": athlete_id, **values})
    key = result.inserted_primary_key
    assert key is not None
    activity_id = int(key[0])
    _write_children(conn, activity_id, activity, streams_blob)
    return activity_id


def replace_activity(
    conn: Connection,
    activity_id: int,
    activity: Activity,
    *,
    source_name: str,
    imported_at: datetime,
    streams_blob: bytes | None = None,
) -> Streams:
    """Replace what is stored for ``activity_id`` with a richer record of the same activity;
    returns the streams stored (``activity.streams``, the same object, unless channels only
    the stored record had were kept).

    The id, and so everything that refers to it, stays. ``streams_blob`` as in
    :func:`add_activity`.
    """
    deferred = deferred_of(conn)
    if deferred is not None:
        deferred.flush(conn)  # the stored laps and streams are read below
    values = _activity_values(activity, source_name=source_name, imported_at=imported_at)
    stored_name = conn.execute(
        sa.select(activities.c.name).where(activities.c.id == activity_id)
    ).scalar_one()
    if not keeps_name(stored_name, values.get("name")):
        values["name"] = stored_name  # the runner's title stays, whichever file is richer
    stored_laps = conn.execute(
        sa.select(sa.func.count()).select_from(laps).where(laps.c.activity_id == activity_id)
    ).scalar_one()
    if len(activity.laps) < stored_laps:
        # Field by field, the richer value: a twin with richer streams but fewer laps (a GPX
        # of a TCX with 8 laps) keeps the stored laps.
        activity = replace(activity, laps=())
    else:
        conn.execute(sa.delete(laps).where(laps.c.activity_id == activity_id))
    kept = conn.execute(
        sa.select(streams.c.codec, streams.c.data, activities.c.start_at)
        .join(activities, activities.c.id == streams.c.activity_id)
        .where(streams.c.activity_id == activity_id)
    ).first()
    if kept is not None and len(activity.streams):
        # Channels only the stored record has (a watch's running dynamics under a richer
        # GPS file) stay, placed on the new record's samples.
        old = decode_streams(kept.data, kept.codec)
        offset = (kept.start_at - activity.start_at).total_seconds()
        merged = merge_streams(activity.streams, old, offset)
        if merged is not activity.streams:
            activity = replace(activity, streams=merged)
            streams_blob = None  # encoded again below, with the kept channels
    conn.execute(sa.update(activities).where(activities.c.id == activity_id).values(**values))
    conn.execute(sa.delete(streams).where(streams.c.activity_id == activity_id))
    _write_children(conn, activity_id, activity, streams_blob)
    return activity.streams


def apply_meta(conn: Connection, activity_id: int, meta: ActivityMeta) -> None:
    """Merge what an export archive says onto a stored activity.

    Only fields the archive fills are written: an archive without RPE never erases an RPE
    stored before. The name goes to the activity's ``name``. Gear is separate
    (``store.gear.assign_gear``), as it needs the gear's id.
    """
    values = _meta_values(meta)
    if "name" in values:
        stored = conn.execute(
            sa.select(activities.c.name).where(activities.c.id == activity_id)
        ).scalar_one()
        values = _meta_values(meta, stored)
    if values:
        conn.execute(sa.update(activities).where(activities.c.id == activity_id).values(**values))


_META_COLUMNS = ("name", "vendor_type", "description", "private_note", "rpe", "external_id")


def _meta_values(meta: ActivityMeta, stored_name: str | None = None) -> dict[str, Any]:
    """The columns ``meta`` fills; the name only where it may replace ``stored_name``."""
    values = {c: getattr(meta, c) for c in _META_COLUMNS if getattr(meta, c) is not None}
    if "name" in values and not keeps_name(stored_name, values["name"]):
        values["name"] = stored_name
    return values


#: Names a platform gives by itself: Strava's "<time of day> <sport>" and Garmin's
#: "[<place>] <sport>". The runner's own words beat them, whatever the order of imports.
_AUTOMATIC_NAME = re.compile(
    r"^(?:(?:morning|afternoon|evening|night|lunch)\s+(?:run|ride|swim|walk|hike|workout|"
    r"weight training|yoga|rowing|ski|e-bike ride|virtual run|virtual ride)"
    r"|(?:.{0,60}\s)?(?:running|trail running|treadmill running|track running|indoor running|"
    r"cycling|road cycling|indoor cycling|mountain biking|walking|hiking|swimming|"
    r"pool swimming|lap swimming|open water swimming|strength|strength training|cardio|"
    r"elliptical|rowing|yoga|pilates|multisport|other))$",
    re.IGNORECASE,
)


def is_automatic_name(name: str | None) -> bool:
    """Whether a name is one a platform makes up rather than the runner's own words.

    >>> is_automatic_name("Morning Run"), is_automatic_name("Leipzig Running")
    (True, True)
    >>> is_automatic_name("Intervals with Anna, back felt fine"), is_automatic_name(None)
    (False, True)
    """
    return name is None or not name.strip() or bool(_AUTOMATIC_NAME.match(name.strip()))


def keeps_name(stored: str | None, incoming: str | None) -> bool:
    """Whether ``incoming`` may replace the stored name: the runner's words are never
    replaced by an automatic name; otherwise the newer name wins (a fresh export carries
    the latest edit).

    >>> keeps_name("Easy with Sam", "Morning Run"), keeps_name("Morning Run", "Easy with Sam")
    (False, True)
    """
    return not (is_automatic_name(incoming) and not is_automatic_name(stored))


def get_activity_gear(conn: Connection, activity_id: int) -> int | None:
    gear_id = conn.execute(
        sa.select(activities.c.gear_id).where(activities.c.id == activity_id)
    ).scalar_one()
    return None if gear_id is None else int(gear_id)


def list_source_activities(conn: Connection, athlete_id: int, sha256: str) -> list[int]:
    """Ids of the activities a file (by SHA-256) was found to hold, in file order."""
    _flush_parts_of(conn, sha256)
    return list(
        conn.execute(
            sa.select(activity_sources.c.activity_id)
            .where(activity_sources.c.athlete_id == athlete_id, activity_sources.c.sha256 == sha256)
            .order_by(activity_sources.c.session_index)
        ).scalars()
    )


def get_activity_sport(conn: Connection, activity_id: int) -> str:
    return str(
        conn.execute(
            sa.select(activities.c.sport).where(activities.c.id == activity_id)
        ).scalar_one()
    )


@dataclass(frozen=True)
class Twin:
    """A stored activity that is the same as an incoming one, and how rich each is."""

    activity_id: int
    stored_richness: tuple[int, int, int, int]
    reason: str
    """Why it is the same activity, in words (``twin: start within 60 s, ...``)."""


#: How close a stored activity's start and distance must be to be a twin (find_twin).
_TWIN_GAP_S = 60.0
_TWIN_DISTANCE_DIFF = 0.05


def find_twin(
    conn: Connection,
    athlete_id: int,
    activity: Activity,
    *,
    max_start_gap_s: float = _TWIN_GAP_S,
    max_distance_diff: float = _TWIN_DISTANCE_DIFF,
) -> Twin | None:
    """A stored activity that is the same one as ``activity`` from another source.

    Same when the starts are within ``max_start_gap_s``, the sports are of one family, and
    the distances differ by at most ``max_distance_diff`` of the longer one, or else the
    elapsed times do. The elapsed-time alternative is needed for real twins: a GPX has no
    device distance, so its distance is summed from positions, and across a pause the GPS
    jump counts as travel while the device's own distance stood still (the Garmin GPX and
    TCX exports of sweatpy's activity 5039744860: 899 m against 668 m over the same 126 s).
    """
    gap = timedelta(seconds=max_start_gap_s)
    rows = conn.execute(
        _NEAR_START,
        {
            "athlete_id": athlete_id,
            "since": activity.start_at - gap,
            "until": activity.start_at + gap,
        },
    ).all()
    return _best_twin(rows, activity, max_start_gap_s, max_distance_diff)


def find_part_or_twin(
    conn: Connection, athlete_id: int, sha256: str, activity: Activity
) -> tuple[int | None, Twin | None]:
    """:func:`get_source_part` of ``activity``'s part of the file ``sha256``, and when there
    is none :func:`find_twin` (with its default tolerances), in one round trip: what an
    import asks for every activity it meets. ``(None, None)``: a new activity."""
    _flush_parts_of(conn, sha256)
    gap = timedelta(seconds=_TWIN_GAP_S)
    rows = conn.execute(
        _PART_OR_NEAR_START,
        {
            "athlete_id": athlete_id,
            "sha256": sha256,
            "session_index": activity.session_index,
            "since": activity.start_at - gap,
            "until": activity.start_at + gap,
        },
    ).all()
    # One row at least (the part's), with an activity's columns for each stored near start.
    if rows[0].stored_part is not None:
        return int(rows[0].stored_part), None
    near = [row for row in rows if row.id is not None]
    return None, _best_twin(near, activity, _TWIN_GAP_S, _TWIN_DISTANCE_DIFF)


def _best_twin(
    rows: Sequence[Row[Any]], activity: Activity, max_start_gap_s: float, max_distance_diff: float
) -> Twin | None:
    """The twin among stored activities starting near ``activity`` (see :func:`find_twin`)."""
    family = sport_family(activity.sport)
    best: tuple[float, Row[Any], str] | None = None
    for row in rows:
        if sport_family(row.sport) != family:
            continue
        extent = _same_extent(activity.summary, row, max_distance_diff)
        if extent is None:
            continue
        gap_s = abs((row.start_at - activity.start_at).total_seconds())
        if best is None or gap_s < best[0]:
            best = (gap_s, row, extent)
    if best is None:
        return None
    _, row, extent = best
    return Twin(
        activity_id=row.id,
        stored_richness=richness(
            len(row.channels), row.lap_count, row.sample_count, row.source_format
        ),
        reason=(
            f"twin: start within {max_start_gap_s:g} s, same sport family, "
            f"{extent} within {max_distance_diff * 100:g} %"
        ),
    )


def _same_extent(summary: Summary, row: Row[Any], tolerance: float) -> str | None:
    """Which extent of the two is the same (``distance``, else ``elapsed time``), or None."""
    if _close(summary.distance_m, row.distance_m, tolerance):
        return "distance"
    if _close(summary.elapsed_s, row.elapsed_s, tolerance):
        return "elapsed time"
    return None


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if not (a and b):
        return False
    return abs(a - b) <= tolerance * max(a, b)


def get_source_part(
    conn: Connection, athlete_id: int, sha256: str, session_index: int
) -> int | None:
    """The activity that part ``session_index`` of the file ``sha256`` was stored as."""
    _flush_parts_of(conn, sha256)
    return conn.execute(
        _SOURCE_PART, {"athlete_id": athlete_id, "sha256": sha256, "session_index": session_index}
    ).scalar_one_or_none()


# The look-ups an import makes for every file, built once with their parameters apart (as
# add_activity's INSERT): building the WHERE clause per call was a fifth of their cost.
_SOURCE_PART = sa.select(activity_sources.c.activity_id).where(
    activity_sources.c.athlete_id == sa.bindparam("athlete_id"),
    activity_sources.c.sha256 == sa.bindparam("sha256"),
    activity_sources.c.session_index == sa.bindparam("session_index"),
)
_SOURCE_FILE = sa.select(source_files.c.activity_count).where(
    source_files.c.athlete_id == sa.bindparam("athlete_id"),
    source_files.c.sha256 == sa.bindparam("sha256"),
)
#: The athlete's activities that start between ``since`` and ``until``.
_STARTING_NEAR = sa.and_(
    activities.c.athlete_id == sa.bindparam("athlete_id"),
    activities.c.start_at.between(sa.bindparam("since"), sa.bindparam("until")),
)
_NEAR_START = sa.select(activities).where(_STARTING_NEAR).order_by(activities.c.id)
_PART = sa.select(_SOURCE_PART.scalar_subquery().label("stored_part")).subquery("part")
#: The part's row, joined with every activity stored near the start (none: NULLs).
_PART_OR_NEAR_START = (
    sa.select(_PART.c.stored_part, activities)
    .select_from(_PART.outerjoin(activities, _STARTING_NEAR))
    .order_by(activities.c.id)
)


def _flush_parts_of(conn: Connection, sha256: str) -> None:
    """Write an import batch's held rows when rows about the file ``sha256`` are among
    them (a file of several sessions, or the same file twice in a batch), before reading
    its parts or whether it is complete."""
    deferred = deferred_of(conn)
    if deferred is not None and deferred.holds_source(sha256):
        deferred.flush(conn)


def add_source_part(
    conn: Connection,
    athlete_id: int,
    activity_id: int,
    *,
    sha256: str,
    session_index: int,
    file_name: str,
    imported_at: datetime,
) -> None:
    row = {
        "athlete_id": athlete_id,
        "activity_id": activity_id,
        "sha256": sha256,
        "session_index": session_index,
        "file_name": file_name,
        "imported_at": imported_at,
    }
    write_rows(conn, activity_sources, [row])


def get_source_file(conn: Connection, athlete_id: int, sha256: str) -> int | None:
    """How many activities a completely imported file held, or None if it never finished."""
    _flush_parts_of(conn, sha256)
    return conn.execute(
        _SOURCE_FILE, {"athlete_id": athlete_id, "sha256": sha256}
    ).scalar_one_or_none()


def add_source_file(
    conn: Connection,
    athlete_id: int,
    *,
    sha256: str,
    file_name: str,
    activity_count: int,
    imported_at: datetime,
) -> None:
    """Mark a file complete; nothing happens when it already is (another process importing
    the same file at the same time finished it first)."""
    row = {
        "athlete_id": athlete_id,
        "sha256": sha256,
        "file_name": file_name,
        "activity_count": activity_count,
        "imported_at": imported_at,
    }
    write_rows(conn, source_files, [row], unless_conflict_on=("athlete_id", "sha256"))


def _stored(
    row: Row[Any],
    lap_list: Sequence[Lap] = (),
    sources: Sequence[str] = (),
    channels: Sequence[str] | None = None,
) -> StoredActivity:
    summary = Summary(
        elapsed_s=row.elapsed_s, **{name: getattr(row, name) for name in _SUMMARY_FIELDS}
    )
    activity = Activity(
        sport=row.sport,
        sub_sport=row.sub_sport,
        start_at=row.start_at,
        utc_offset_s=row.utc_offset_s,
        summary=summary,
        source_format=row.source_format,
        laps=tuple(lap_list),
        device=row.device,
        name=row.name,
        session_index=row.session_index,
        warnings=tuple(row.warnings),
    )
    return StoredActivity(
        id=row.id,
        athlete_id=row.athlete_id,
        activity=activity,
        source_name=row.source_name,
        channels=tuple(row.channels if channels is None else channels),
        sample_count=row.sample_count,
        imported_at=row.imported_at,
        sources=tuple(sources),
        meta=ActivityMeta(
            vendor_type=row.vendor_type,
            description=row.description,
            private_note=row.private_note,
            gear_name=row.gear_name,
            rpe=row.rpe,
            external_id=row.external_id,
        ),
        gear_id=row.gear_id,
        gear_name=row.gear_name,
        gear_source=row.gear_source,
    )


def _with_gear(conn: Connection, athlete_id: int) -> sa.Select[Any]:
    """The activities of an athlete with their gear's name, as ``conn``'s view shows them
    (``store/restricted.py``: hidden activities left out, Strava's fields blank)."""
    if not view_of(conn).hide_strava_api:
        return (
            sa.select(activities, gear.c.name.label("gear_name"))
            .select_from(activities.outerjoin(gear, gear.c.id == activities.c.gear_id))
            .where(activities.c.athlete_id == athlete_id)
        )
    gear_id = restricted.activity_gear(conn, athlete_id)
    columns = [
        restricted.activity_gear(conn, athlete_id, c.name).label(c.name)
        if c.name in ("gear_id", "gear_source")
        else restricted.activity_field(conn, c.name).label(c.name)
        for c in activities.c
    ]
    return (
        sa.select(*columns, gear.c.name.label("gear_name"))
        .select_from(activities.outerjoin(gear, gear.c.id == gear_id))
        .where(activities.c.athlete_id == athlete_id, restricted.shown(conn))
    )


def list_activities(conn: Connection, athlete_id: int) -> list[StoredActivity]:
    """All activities of an athlete, oldest first, without laps or streams."""
    view = view_of(conn)
    rows = conn.execute(
        _with_gear(conn, athlete_id).order_by(activities.c.start_at, activities.c.id)
    )
    return [_stored(row, channels=restricted.channels(view, row.channels)) for row in rows]


def list_activity_columns(
    conn: Connection, athlete_id: int, *, until: date | None = None
) -> ActivityColumns:
    """All activities of an athlete (up to the local day ``until``) as columns, oldest first.

    One query of the columns the rules read: for 10 years of daily activities about a tenth
    of the time of ``list_activities`` (BENCHMARKS.md, issue 7).
    """
    c = activities.c
    query = (
        sa.select(
            c.id,
            c.local_date,
            c.sport,
            c.sub_sport,
            c.distance_m,
            c.timer_s,
            c.elapsed_s,
            c.avg_hr_bpm,
            restricted.activity_field(conn, "rpe"),
            sa.func.coalesce(restricted.activity_gear(conn, athlete_id), -1),
        )
        .where(c.athlete_id == athlete_id, restricted.shown(conn))
        .order_by(c.start_at, c.id)
    )
    if until is not None:
        query = query.where(c.local_date <= until)
    columns: list[list[Any]] = [[] for _ in query.selected_columns]
    # A few hundred rows at a time: the values are kept, not thousands of Row objects, which
    # would each survive into the oldest garbage-collector generation and bring its full
    # (~60 ms) collection every few views (issue 7's benchmark).
    for part in conn.execute(query).partitions(256):
        for column, values in zip(columns, zip(*part, strict=True), strict=True):
            column.extend(values)
    ids, days, sport, sub_sport, distance, timer, elapsed, hr, rpe, gear_id = columns
    return ActivityColumns(
        id=np.array(ids, dtype=np.int64),
        local_date=np.array(days, dtype="datetime64[D]"),
        sport=list(sport),
        sub_sport=list(sub_sport),
        # None becomes NaN in a float64 array.
        distance_m=np.array(distance, dtype=np.float64),
        timer_s=np.array(timer, dtype=np.float64),
        elapsed_s=np.array(elapsed, dtype=np.float64),
        avg_hr_bpm=np.array(hr, dtype=np.float64),
        rpe=np.array(rpe, dtype=np.float64),
        gear_id=np.array(gear_id, dtype=np.int64),
    )


def list_activity_channels(
    conn: Connection, athlete_id: int, *, sport: str, since: date, until: date
) -> list[tuple[int, date, tuple[str, ...]]]:
    """(id, local date, stream channels) of an athlete's ``sport`` activities between two
    local days (inclusive), oldest first."""
    rows = conn.execute(
        sa.select(activities.c.id, activities.c.local_date, activities.c.channels)
        .where(
            activities.c.athlete_id == athlete_id,
            activities.c.sport == sport,
            activities.c.local_date.between(since, until),
            restricted.shown(conn),
        )
        .order_by(activities.c.start_at, activities.c.id)
    )
    view = view_of(conn)
    return [(row.id, row.local_date, restricted.channels(view, row.channels)) for row in rows]


def count_activities(conn: Connection, athlete_id: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                activities.c.athlete_id == athlete_id, restricted.shown(conn)
            )
        ).scalar_one()
    )


def last_import_at(conn: Connection, athlete_id: int) -> datetime | None:
    """When the latest import or sync stored something for the athlete (an activity, a
    richer twin, or another file found to hold a stored activity); None before any. On a
    view that hides Strava's API, what its syncs stored does not count."""
    sources = activity_sources.c
    source_shown = sa.and_(
        sources.athlete_id == athlete_id,
        sa.not_(restricted.hidden_activity(conn, sources.activity_id)),
    )
    if view_of(conn).hide_strava_api:
        strava = sources.file_name.like(restricted.STRAVA_SOURCE)
        source_shown = sa.and_(source_shown, sa.not_(strava))
    latest = [
        conn.execute(
            sa.select(sa.func.max(activities.c.imported_at)).where(
                activities.c.athlete_id == athlete_id, restricted.shown(conn)
            )
        ).scalar_one(),
        conn.execute(sa.select(sa.func.max(sources.imported_at)).where(source_shown)).scalar_one(),
    ]
    known = [t for t in latest if t is not None]
    return max(known) if known else None


def get_activity(
    conn: Connection, athlete_id: int, activity_id: int, *, with_streams: bool = False
) -> StoredActivity:
    """One activity with its laps and sources (and streams when asked), as ``conn``'s view
    shows it: one it hides is not found, like an id that does not exist."""
    view = view_of(conn)
    row = conn.execute(_with_gear(conn, athlete_id).where(activities.c.id == activity_id)).first()
    if row is None:
        raise NotFoundError(
            f"no activity with id {activity_id}",
            hint="`backstride activities` lists the ids",
        )
    lap_rows = conn.execute(
        sa.select(laps).where(laps.c.activity_id == activity_id).order_by(laps.c.lap_index)
    )
    lap_list = [
        Lap(
            start_at=lap.start_at,
            elapsed_s=lap.elapsed_s,
            **{name: getattr(lap, name) for name in _LAP_FIELDS},
        )
        for lap in lap_rows
    ]
    source_query = sa.select(activity_sources.c.file_name).where(
        activity_sources.c.activity_id == activity_id
    )
    if view.hide_strava_api:
        source_query = source_query.where(
            sa.not_(activity_sources.c.file_name.like(restricted.STRAVA_SOURCE))
        )
    sources = conn.execute(source_query.order_by(activity_sources.c.id)).scalars()
    stored = _stored(row, lap_list, list(sources), restricted.channels(view, row.channels))
    if not with_streams:
        return stored
    blob = conn.execute(
        sa.select(streams.c.codec, streams.c.data).where(streams.c.activity_id == activity_id)
    ).first()
    stream_data = decode_streams(blob.data, blob.codec) if blob is not None else EMPTY_STREAMS
    stream_data = restricted.streams(view, stream_data)
    return replace(stored, activity=replace(stored.activity, streams=stream_data))
