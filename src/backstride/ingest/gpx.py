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
  ``<locus:activity>``, else ``generic``; the name from ``trk/name``, else the file's name.
  ``cad`` counts one foot (strides/min) on Garmin and Suunto: for foot sports it becomes
  steps/min in ``CADENCE_SPM``, for others it stays as written in ``CADENCE_RPM``.
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
    cumulative_distance_m,
    interval_speed_mps,
    order_samples,
    present,
    recording_breaks,
    summary_from_streams,
)
from backstride.model import Activity, Streams
from backstride.units import FOOT_SPORTS, Channel, strides_to_steps

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
    activities = []
    for index, group in enumerate(_group_tracks(timed)):
        activities.append(_activity(group, index, file_name, warnings))
    return activities


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
    sport, sub_sport = _sport(first.sport_text)
    elapsed = times - times[0]
    distance = cumulative_distance_m(columns["lat"], columns["lon"], breaks=breaks)
    cadence = Channel.CADENCE_SPM if sport in FOOT_SPORTS else Channel.CADENCE_RPM
    channels = present(
        {
            Channel.LATITUDE_DEG: columns["lat"],
            Channel.LONGITUDE_DEG: columns["lon"],
            Channel.ALTITUDE_M: columns["ele"],
            Channel.DISTANCE_M: distance,
            Channel.SPEED_MPS: interval_speed_mps(elapsed, distance, breaks=breaks),
            Channel.HEART_RATE_BPM: columns["hr"],
            # Garmin and Suunto write a runner's cadence per foot (strides/min).
            cadence: strides_to_steps(columns["cad"])
            if cadence is Channel.CADENCE_SPM
            else columns["cad"],
            Channel.POWER_W: columns["power"],
            Channel.TEMPERATURE_C: columns["temp"],
        }
    )
    return Activity(
        sport=sport,
        sub_sport=sub_sport,
        start_at=datetime.fromtimestamp(float(times[0]), UTC),
        utc_offset_s=first.utc_offset_s,
        summary=summary_from_streams(elapsed, channels, breaks=breaks),
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
