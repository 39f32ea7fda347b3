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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from backstride.errors import EmptyActivityError, InputError
from backstride.ingest import limits
from backstride.ingest.safe_xml import (
    local_name,
    namespace,
    parse_document,
    parse_floats,
    parse_times,
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

if TYPE_CHECKING:
    from lxml import etree

#: Tracks that start less than this after the previous one ended are one activity.
JOIN_GAP_S = 3600.0

#: Extension element local names (lower case) -> sensor column.
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
_SENSORS = ("hr", "cad", "temp", "power")
_COLUMNS = ("lat", "lon", "ele", *_SENSORS, "seg")
#: What a track point gives while the file is read: the texts of its time, lat, lon, ele
#: and sensors (in _SENSORS order), None where absent.
_Row = tuple[str | None, ...]
_UNSEEN = "\x00unseen"  # a sensor not yet found in a point (no XML text can hold NUL)

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
    """One ``<trk>``: its timed points as columns of floats."""

    name: str | None
    sport_text: str | None
    times_s: FloatArray
    columns: dict[str, FloatArray]
    untimed: int = 0
    naive_times: int = 0
    utc_offset_s: int | None = None


def read_gpx(data: bytes) -> list[Activity]:
    """Every recorded activity in a GPX file, in time order (see the module docstring).

    Each track point gives the texts of its values in one pass over its children; each
    ``<trk>`` then becomes columns of floats at once.
    """
    root = parse_document(data, label="GPX", root_name="gpx")
    ns = namespace(str(root.tag))

    def q(name: str) -> str:
        return f"{{{ns}}}{name}" if ns else name

    t_trkpt, t_trkseg = q("trkpt"), q("trkseg")
    read_point = _point_reader(ns)
    tracks: list[_Track] = []
    points = 0
    for trk in root.iterchildren(q("trk")):
        segments = [
            [read_point(point) for point in segment.iterchildren(t_trkpt)]
            for segment in trk.iterchildren(t_trkseg)
        ]
        points += sum(len(segment) for segment in segments)
        if points > limits.MAX_TRACK_POINTS:
            raise _too_many_points(root, t_trkpt, "GPX")
        tracks.append(_track(trk, segments, q))
    file_name = _text(root.find(f"{q('metadata')}/{q('name')}")) or _text(root.find(q("name")))
    timed = [t for t in tracks if len(t.times_s)]
    if not timed:
        raise EmptyActivityError(_why_empty(root, q, tracks))
    warnings: list[str] = []
    untimed_tracks = [t for t in tracks if not len(t.times_s) and t.untimed]
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


def _point_reader(ns: str) -> Callable[[etree._Element], _Row]:
    """A function from a ``<trkpt>`` to its row, for a document in namespace ``ns``.

    Sensor values are extension elements matched by local name in any namespace, inside
    ``<extensions>`` or (GPX 1.0) straight inside the point; the first of a kind wins: a
    file with both gpxtpx:hr and gpxdata:hr says the same thing twice.
    """
    t_time, t_ele, t_ext = (f"{{{ns}}}{n}" if ns else n for n in ("time", "ele", "extensions"))
    # A child is in another vocabulary when its tag's start differs from the document's.
    own, namespaced = (f"{{{ns}}}" if ns else "{"), bool(ns)
    sensor_of: dict[object, int] = {}  # tag -> index in _SENSORS, -1 for others

    def learn(tag: object) -> int:
        name = local_name(tag).lower() if isinstance(tag, str) else ""
        column = _EXTENSION_COLUMNS.get(name)
        sensor_of[tag] = index = _SENSORS.index(column) if column is not None else -1
        return index

    def read(point: etree._Element) -> _Row:
        when = ele = None
        found: list[str | None] | None = None
        for child in point:
            tag = child.tag
            if tag == t_time:
                when = child.text
            elif tag == t_ele:
                ele = child.text
            elif tag == t_ext or (isinstance(tag, str) and tag.startswith(own) != namespaced):
                if found is None:
                    found = [_UNSEEN, _UNSEEN, _UNSEEN, _UNSEEN]
                for element in child.iter():
                    tag = element.tag
                    column = sensor_of.get(tag)
                    if column is None:
                        column = learn(tag)
                    if column >= 0 and found[column] is _UNSEEN:
                        found[column] = element.text
        get = point.get
        if found is None:
            return (when, get("lat"), get("lon"), ele, None, None, None, None)
        hr, cad, temp, power = (None if v is _UNSEEN else v for v in found)
        return (when, get("lat"), get("lon"), ele, hr, cad, temp, power)

    return read


def _track(trk: etree._Element, segments: list[list[_Row]], q: Callable[[str], str]) -> _Track:
    """A ``<trk>`` whose points have been read into ``segments`` (its ``<trkseg>`` in order)."""
    type_text = _text(trk.find(q("type")))
    if type_text is None:
        locus = [e for e in trk.iterfind(f"{q('extensions')}//*") if _is(e, "activity")]
        type_text = _text(locus[0]) if locus else None
    rows = [row for segment in segments for row in segment]
    texts: Sequence[Sequence[str | None]] = (
        list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMNS)
    )
    times, naive, offset_s = parse_times(texts[0])
    timed = np.isfinite(times)
    columns = {name: parse_floats(texts[i + 1])[timed] for i, name in enumerate(_COLUMNS[:-1])}
    for name, limit in (("lat", 90.0), ("lon", 180.0)):
        columns[name][~(np.abs(columns[name]) <= limit)] = np.nan
    seg = np.repeat(np.arange(len(segments), dtype=np.float64), [len(s) for s in segments])
    columns["seg"] = seg[timed] if len(rows) else seg
    return _Track(
        name=_text(trk.find(q("name"))),
        sport_text=type_text,
        times_s=times[timed],
        columns=columns,
        untimed=int(len(times) - timed.sum()),
        naive_times=naive,
        utc_offset_s=offset_s,
    )


def _too_many_points(root: etree._Element, tag: str, label: str) -> InputError:
    points = sum(1 for _ in root.iter(tag))
    return InputError(
        f"{label} has {points} track points, over the limit of "
        f"{limits.MAX_TRACK_POINTS} for an activity file"
    )


def _is(element: etree._Element, name: str) -> bool:
    return isinstance(element.tag, str) and local_name(element.tag).lower() == name


def _group_tracks(tracks: list[_Track]) -> list[list[_Track]]:
    ordered = sorted(tracks, key=lambda t: float(t.times_s.min()))
    groups: list[list[_Track]] = []
    group_end_s = 0.0
    for track in ordered:
        start_s, end_s = float(track.times_s.min()), float(track.times_s.max())
        if groups and 0.0 <= start_s - group_end_s <= JOIN_GAP_S:
            groups[-1].append(track)
            group_end_s = max(group_end_s, end_s)
        else:
            groups.append([track])
            group_end_s = end_s
    return groups


def _activity(group: list[_Track], index: int, file_name: str | None, notes: list[str]) -> Activity:
    warnings = list(notes)
    times = np.concatenate([track.times_s for track in group])
    columns = {c: np.concatenate([track.columns[c] for track in group]) for c in _COLUMNS}
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
