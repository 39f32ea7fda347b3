"""Read GPX 1.0 and 1.1 files: recorded tracks in, :class:`~backstride.model.Activity` out.

:func:`read_gpx` takes the (already gunzipped) bytes and returns one Activity per recorded
track, ``source_format="gpx"``. What it reads:

- ``trk/trkseg/trkpt``: ``lat``/``lon``, ``ele``, ``time``; all segments of a track are one
  activity (a gap between segments is a pause). Points without a ``time`` are dropped: a
  track without any is a route drawn on a map, not a recording.
- Sensor extensions, matched by local name in any namespace or prefix (Garmin
  TrackPointExtension v1/v2 as ``gpxtpx:``/``ns3:``..., Suunto/Cluetrust ``gpxdata:``, a bare
  ``<power>``, Garmin PowerExtension ``PowerInWatts``): ``hr``, ``cad``/``cadence``,
  ``atemp``/``temp``, ``power``. GPX 1.1 puts them in ``<extensions>``; GPX 1.0 has no such
  element, so devices write them either straight inside ``trkpt`` or in a non-standard
  ``<extensions>``: both are read.
- The sport from ``trk/type`` (Garmin words, Strava numbers) or Locus Map's
  ``<locus:activity>``; without either, from the speed and cadence where they are clear
  (:func:`infer_sport`), else ``generic``. The name from ``trk/name``, else the file's name.
  ``cad`` counts one foot (strides/min) on Garmin and Suunto: for foot sports it becomes
  steps/min in ``CADENCE_SPM`` (kept as written, with a warning, when it is steps/min
  already: :func:`~backstride.ingest.track.cadence_in_steps`), for others it stays as
  written in ``CADENCE_RPM``.
- A track whose times were computed, not recorded (:func:`_made_up_times`: one time for
  every point, a constant-speed timetable, route corners a second apart) is refused.
- Times: ``Z`` or an offset, any fraction of a second; ``start_at`` is the first point's
  time in UTC, and an offset written there becomes ``utc_offset_s``. A time without a zone is
  read as UTC, as the schema defines it, with a warning. ``device`` stays None: a GPX names
  only the program that wrote it (``creator``), not the device.

Several ``<trk>`` in one file: old Garmin handhelds, exported by GPSBabel, split one outing
into "ACTIVE LOG #2, #3..." whenever the unit was switched off or lost its fix. Tracks are
therefore joined into one activity when each starts after the previous one ended and within
:data:`JOIN_GAP_S` (an hour) of it. A track that starts later (two outings in one export),
or overlaps another in time (two recordings of one outing), is its own activity. Distance
(haversine), speed, moving time (the pause rule), ascent and averages are derived by
:mod:`backstride.ingest.track`, whose docstring states the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from lxml import etree

from backstride.errors import EmptyActivityError
from backstride.ingest.safe_xml import (
    local_name,
    namespace,
    parse_document,
    parse_float,
    parse_time,
    refuse_many_points,
)
from backstride.ingest.track import (
    PAUSE_SPEED_MPS,
    checked_summary,
    cumulative_distance_m,
    drop_all_zero,
    foot_cadence_factor,
    interval_speed_mps,
    order_samples,
    present,
    readable_parts,
    recording_breaks,
    summary_from_streams,
)
from backstride.model import Activity, FloatArray, Streams
from backstride.units import FOOT_SPORTS, Channel

#: Tracks that start less than this after the previous one ended are one activity.
JOIN_GAP_S = 3600.0

#: Extension element local names (lower case) -> sample column.
_EXTENSION_COLUMNS = {
    "hr": "hr",
    "heartrate": "hr",
    "cad": "cad",
    "cadence": "cad",
    "atemp": "temp",
    "temp": "temp",
    "power": "power",
    "powerinwatts": "power",
}
_COLUMNS = ("lat", "lon", "ele", "hr", "cad", "temp", "power", "seg")

#: ``trk/type`` values seen in exports -> (sport, sub_sport), FIT vocabulary. Strava writes
#: numbers: 1 (Ride) and 9 (Run) are confirmed by real exports (sweatpy__4801048867_strava.gpx
#: is the FR935 ride of its FIT twin); 4 (Hike) and 10 (Walk) follow Strava's type order.
_SPORTS: dict[str, tuple[str, str | None]] = {
    "1": ("cycling", None),
    "4": ("hiking", None),
    "9": ("running", None),
    "10": ("walking", None),
    "run": ("running", None),
    "running": ("running", None),
    "trail_running": ("running", "trail"),
    "treadmill_running": ("running", "treadmill"),
    "street_running": ("running", "street"),
    "track_running": ("running", "track"),
    "walk": ("walking", None),
    "walking": ("walking", None),
    "hike": ("hiking", None),
    "hiking": ("hiking", None),
    "ride": ("cycling", None),
    "biking": ("cycling", None),
    "cycling": ("cycling", None),
    "road_biking": ("cycling", "road"),
    "mountain_biking": ("cycling", "mountain"),
    "gravel_cycling": ("cycling", "gravel_cycling"),
    "indoor_cycling": ("cycling", "indoor_cycling"),
    "swim": ("swimming", None),
    "swimming": ("swimming", None),
    "open_water_swimming": ("swimming", "open_water"),
}


@dataclass
class _Track:
    """One ``<trk>``: its timed points as columns of floats, built once while walking."""

    name: str | None
    sport_text: str | None
    times_s: list[float] = field(default_factory=list)
    columns: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in _COLUMNS})
    untimed: int = 0
    naive_times: int = 0
    utc_offset_s: int | None = None


def read_gpx(data: bytes) -> list[Activity]:
    """Every recorded activity in a GPX file, in time order (see the module docstring)."""
    root = parse_document(data, label="GPX", root_name="gpx")
    ns = namespace(str(root.tag))

    def q(name: str) -> str:
        return f"{{{ns}}}{name}" if ns else name

    refuse_many_points(root, q("trkpt"), "GPX")
    file_name = _text(root.find(f"{q('metadata')}/{q('name')}")) or _text(root.find(q("name")))
    tracks = [_read_track(trk, ns, q) for trk in root.iterchildren(q("trk"))]
    timed = [t for t in tracks if t.times_s]
    if not timed:
        raise EmptyActivityError(_why_empty(root, q, tracks))
    warnings: list[str] = []
    untimed_tracks = [t for t in tracks if not t.times_s and t.untimed]
    if untimed_tracks:
        points = sum(t.untimed for t in untimed_tracks)
        warnings.append(
            f"{len(untimed_tracks)} track(s) without timestamps ignored ({points} points)"
        )
    dropped = sum(t.untimed for t in timed)
    if dropped:
        warnings.append(f"{dropped} track points without a readable <time> dropped")
    return readable_parts(  # a track with made-up times is left out
        _group_tracks(timed),
        lambda group, index: _activity(group, index, file_name, warnings),
        lambda count, reason: f"{count} track(s) left out: {reason}",
    )


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _read_track(trk: etree._Element, ns: str, q: Callable[[str], str]) -> _Track:
    type_text = _text(trk.find(q("type")))
    if type_text is None:
        locus = [e for e in trk.iterfind(f"{q('extensions')}//*") if _is(e, "activity")]
        type_text = _text(locus[0]) if locus else None
    track = _Track(name=_text(trk.find(q("name"))), sport_text=type_text)
    t_time, t_ele, t_ext = q("time"), q("ele"), q("extensions")
    cols = track.columns
    for segment, seg in enumerate(trk.iterchildren(q("trkseg"))):
        for pt in seg.iterchildren(q("trkpt")):
            when = None
            values = dict.fromkeys(_COLUMNS, np.nan)
            values["seg"] = float(segment)
            values["lat"] = _coordinate(pt.get("lat"), 90.0)
            values["lon"] = _coordinate(pt.get("lon"), 180.0)
            seen: set[str] = set()
            for child in pt:
                tag = child.tag
                if not isinstance(tag, str):
                    continue
                if tag == t_time:
                    when = parse_time(child.text)
                elif tag == t_ele:
                    values["ele"] = parse_float(child.text)
                elif tag == t_ext or namespace(tag) != ns:
                    _read_extensions(child, values, seen)
            if when is None:
                track.untimed += 1
                continue
            if when.tzinfo is None:
                # GPX times are UTC by the schema; a zone-less time is a sloppy writer's UTC.
                track.naive_times += 1
                when = when.replace(tzinfo=UTC)
            elif track.utc_offset_s is None and not track.times_s:
                offset = when.utcoffset() or timedelta(0)
                track.utc_offset_s = int(offset.total_seconds()) or None
            track.times_s.append(when.timestamp())
            for c in _COLUMNS:
                cols[c].append(values[c])
    return track


def _is(element: etree._Element, name: str) -> bool:
    return isinstance(element.tag, str) and local_name(element.tag).lower() == name


def _read_extensions(container: etree._Element, values: dict[str, float], seen: set[str]) -> None:
    for element in container.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        column = _EXTENSION_COLUMNS.get(local_name(tag).lower())
        # The first value of a kind wins: a file with both gpxtpx:hr and gpxdata:hr says
        # the same thing twice.
        if column is not None and column not in seen:
            seen.add(column)
            values[column] = parse_float(element.text)


def _coordinate(text: str | None, limit: float) -> float:
    value = parse_float(text)
    return value if -limit <= value <= limit else np.nan


def _group_tracks(tracks: list[_Track]) -> list[list[_Track]]:
    ordered = sorted(tracks, key=lambda t: min(t.times_s))
    groups: list[list[_Track]] = []
    group_end_s = 0.0
    for track in ordered:
        start_s, end_s = min(track.times_s), max(track.times_s)
        if groups and 0.0 <= start_s - group_end_s <= JOIN_GAP_S:
            groups[-1].append(track)
            group_end_s = max(group_end_s, end_s)
        else:
            groups.append([track])
            group_end_s = end_s
    return groups


def _activity(group: list[_Track], index: int, file_name: str | None, notes: list[str]) -> Activity:
    warnings = list(notes)
    times = np.array([t for track in group for t in track.times_s], dtype=np.float64)
    columns = {
        c: np.array([v for track in group for v in track.columns[c]], dtype=np.float64)
        for c in _COLUMNS
    }
    # Segment numbers restart in each <trk>: make them distinct across the joined tracks.
    track_no = np.repeat(np.arange(len(group)), [len(track.times_s) for track in group])
    columns["seg"] = track_no * 1e9 + columns["seg"]
    times, columns, order_warnings = order_samples(times, columns, what="track points")
    breaks = recording_breaks(times, columns["seg"])
    warnings += order_warnings
    if len(group) > 1:
        warnings.append(f"{len(group)} <trk> joined into one activity (gaps under 1 h)")
    naive = sum(t.naive_times for t in group)
    if naive:
        warnings.append(f"{naive} track point times without a time zone read as UTC")
    first = group[0]
    elapsed = times - times[0]
    distance = cumulative_distance_m(columns["lat"], columns["lon"], breaks=breaks)
    speed = interval_speed_mps(elapsed, distance, breaks=breaks)
    # A timetable runs across what would be pauses in a recording: judged on all the legs.
    along = cumulative_distance_m(columns["lat"], columns["lon"])
    made_up = _made_up_times(times, along, speed, columns)
    if made_up is not None:
        raise EmptyActivityError(made_up)
    sport, sub_sport = _sport(first.sport_text)
    # Garmin and Suunto write a runner's cadence per foot (strides/min); some writers put
    # steps/min there already (see track.cadence_in_steps).
    steps, cadence_notes = foot_cadence_factor(columns["cad"], what="GPX cadence")
    if first.sport_text is None:
        sport, inferred = infer_sport(speed, columns["cad"] * steps)
        warnings += inferred
    foot = sport in FOOT_SPORTS
    if foot:
        warnings += cadence_notes
    cadence = Channel.CADENCE_SPM if foot else Channel.CADENCE_RPM
    channels, zero_notes = drop_all_zero(
        present(
            {
                Channel.LATITUDE_DEG: columns["lat"],
                Channel.LONGITUDE_DEG: columns["lon"],
                Channel.ALTITUDE_M: columns["ele"],
                Channel.DISTANCE_M: distance,
                Channel.SPEED_MPS: speed,
                Channel.HEART_RATE_BPM: columns["hr"],
                cadence: columns["cad"] * steps if foot else columns["cad"],
                Channel.POWER_W: columns["power"],
                Channel.TEMPERATURE_C: columns["temp"],
            }
        )
    )
    warnings += zero_notes
    summary, summary_notes = checked_summary(summary_from_streams(elapsed, channels, breaks=breaks))
    warnings += summary_notes
    return Activity(
        sport=sport,
        sub_sport=sub_sport,
        start_at=datetime.fromtimestamp(float(times[0]), UTC),
        utc_offset_s=first.utc_offset_s,
        summary=summary,
        source_format="gpx",
        streams=Streams(elapsed_s=elapsed, channels=channels),
        name=first.name or file_name,
        session_index=index,
        warnings=tuple(warnings),
    )


def _sport(text: str | None) -> tuple[str, str | None]:
    if text is None:
        return "generic", None
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    return _SPORTS.get(key, ("generic", None))


def _why_empty(root: etree._Element, q: Callable[[str], str], tracks: list[_Track]) -> str:
    untimed = sum(t.untimed for t in tracks)
    if untimed:
        return (
            f"GPX has no timed track points ({untimed} points without <time>): "
            "a planned or drawn track, not a recording"
        )
    waypoints = len(root.findall(q("wpt")))
    routes = len(root.findall(q("rte")))
    if waypoints or routes:
        return (
            f"GPX holds only waypoints or routes ({waypoints} waypoints, {routes} routes), "
            "no recorded track"
        )
    return "GPX holds no track points"


#: Track points closer to a constant-speed timetable than this (s) have computed times.
TIMETABLE_SLACK_S = 1.0
#: ... judged only over at least this many points and seconds.
MIN_TIMETABLE_POINTS = 10
MIN_TIMETABLE_SPAN_S = 300.0
#: A median speed above this (m/s, 72 km/h) is no human-powered sport's.
MAX_MEDIAN_SPEED_MPS = 20.0
_SENSORS = ("hr", "cad", "power", "temp")


def _made_up_times(
    times: FloatArray, distance: FloatArray, speed: FloatArray, columns: dict[str, FloatArray]
) -> str | None:
    """Why a track's timestamps were computed rather than recorded, or None.

    Route planners and converters give a drawn route times so that other programs accept it
    as a track: all one time, one point per second whatever the distance between points, or
    a timetable at one constant speed. None of them is a recording:

    - every point at the same time;
    - times that follow the distance at one constant speed to within
      :data:`TIMETABLE_SLACK_S` (rounding to whole seconds) over at least
      :data:`MIN_TIMETABLE_POINTS` points and :data:`MIN_TIMETABLE_SPAN_S`: a recording
      has stops, hills and GPS noise, and drifts from any timetable by many seconds;
    - evenly spaced times without any sensor value and a median speed above
      :data:`MAX_MEDIAN_SPEED_MPS`: one point a second along a route's vertices.
    """
    n = len(times)
    span = float(times[-1] - times[0]) if n else 0.0
    if n >= 2 and span == 0:
        return f"GPX track has made-up times: all {n} points have the same time"
    sensors = any(np.isfinite(columns[c]).any() for c in _SENSORS)
    fixed = np.isfinite(distance)
    total = float(distance[fixed][-1]) if fixed.any() else 0.0
    if n >= MIN_TIMETABLE_POINTS and span >= MIN_TIMETABLE_SPAN_S and total > 0 and fixed.all():
        timetable = times[0] + distance / (total / span)
        if float(np.max(np.abs(times - timetable))) <= TIMETABLE_SLACK_S:
            return (
                f"GPX track has made-up times: all {n} points follow one constant speed "
                f"({total / span:.2f} m/s), a route with a timetable, not a recording"
            )
    steps = np.diff(times)
    moving = speed[np.isfinite(speed) & (speed >= PAUSE_SPEED_MPS)]
    if (
        n >= MIN_TIMETABLE_POINTS
        and not sensors
        and np.all(steps == steps[0])
        and len(moving)
        and float(np.median(moving)) > MAX_MEDIAN_SPEED_MPS
    ):
        return (
            f"GPX track has made-up times: {n} points exactly {steps[0]:g} s apart at a "
            f"median {float(np.median(moving)):.0f} m/s, a route, not a recording"
        )
    return None


#: Untyped tracks: the moving speeds (m/s) and step rates (steps/min, both feet) that say
#: running or walking (a 10 min/km jog to a 2:30 min/km sprint; a stroll to a brisk walk),
#: and the speed above which only a bike fits (7 m/s is faster than any runner's median).
RUN_SPEED_MPS = (1.7, 7.0)
RUN_STEPS_SPM = (140.0, 230.0)
WALK_SPEED_MPS = (0.5, 2.2)
WALK_STEPS_SPM = (90.0, 140.0)
RIDE_SPEED_MPS = (7.0, MAX_MEDIAN_SPEED_MPS)
#: A foot cadence is 0 in at most this share of moving samples (a bike's coasts are many).
MAX_ZERO_CADENCE_SHARE = 0.1


def infer_sport(speed: FloatArray, steps_spm: FloatArray) -> tuple[str, list[str]]:
    """The sport of a track without ``<type>`` from its speeds and cadence, where clear.

    ``speed`` per interval (m/s), ``steps_spm`` the cadence as steps/min for a foot sport.
    Running needs a running step rate at a running speed, walking a walking step rate at a
    walking speed; a median above 7 m/s is a ride. Anything else stays ``generic``, which
    counts as neither running nor cross-training (``analysis.table.ActivityKind.UNKNOWN``).

    >>> infer_sport(np.full(100, 2.8), np.full(100, 166.0))[0]
    'running'
    >>> infer_sport(np.full(100, 2.8), np.full(100, np.nan))[0]
    'generic'
    """
    moving = np.isfinite(speed) & (speed >= PAUSE_SPEED_MPS)
    if moving.sum() < MIN_TIMETABLE_POINTS:
        return "generic", []
    v = float(np.median(speed[moving]))
    cadence = steps_spm[moving & np.isfinite(steps_spm)]
    stepping = cadence[cadence > 0]
    sport = "generic"
    why = f"median moving speed {v:.1f} m/s"
    if RIDE_SPEED_MPS[0] < v <= RIDE_SPEED_MPS[1]:
        sport = "cycling"
    elif len(stepping) >= MIN_TIMETABLE_POINTS and (
        len(cadence) - len(stepping) <= MAX_ZERO_CADENCE_SHARE * len(cadence)
    ):
        c = float(np.median(stepping))
        why += f", cadence {c:.0f} steps/min"
        if _within(v, RUN_SPEED_MPS) and _within(c, RUN_STEPS_SPM):
            sport = "running"
        elif _within(v, WALK_SPEED_MPS) and _within(c, WALK_STEPS_SPM):
            sport = "walking"
    if sport == "generic":
        return sport, [f"GPX track has no <type> and its sport is unclear ({why}): left as other"]
    return sport, [f"GPX track has no <type>: taken as {sport} ({why})"]


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]
