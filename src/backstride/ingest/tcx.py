"""Read Garmin Training Center (TCX) files: ``<Activity>`` elements in, Activities out.

:func:`read_tcx` takes the (already gunzipped) bytes and returns one
:class:`~backstride.model.Activity` per ``<Activity>``, ``source_format="tcx"``: those under
``<Activities>``, and each sport section of a ``<MultiSportSession>`` (its transition laps
are not activities and are skipped). Courses and workouts are plans, not recordings.

- **Samples** (``Lap/Track/Trackpoint``): Time, Position (absent indoors), AltitudeMeters,
  DistanceMeters (the device's, preferred over distance from positions), HeartRateBpm,
  Cadence, and the ActivityExtension ``TPX`` Speed, RunCadence and Watts, matched by local
  name whatever the prefix.
- **Cadence**: ``RunCadence`` counts one foot (strides/min) and becomes steps/min in
  ``CADENCE_SPM`` whatever the sport (Garmin writes it for cross-country skiing under
  ``Sport="Other"`` too). ``Cadence`` is bike rpm by the schema, but Polar and others write
  a runner's strides/min there: it is steps/min for foot sports, ``CADENCE_RPM`` otherwise.
  Some writers (treadmill apps) put steps/min there already: when doubling would give an
  implausible step rate (:func:`~backstride.ingest.track.cadence_in_steps`), the samples and
  the laps' cadence are kept as written, with a warning.
- **Laps** become :class:`~backstride.model.Lap`: ``TotalTimeSeconds`` is the lap's timer
  time; its elapsed time runs to the next lap's start (the last lap: to the last sample).
- **Summary** from the laps, the device's own numbers: timer = sum of TotalTimeSeconds,
  distance = sum of DistanceMeters, calories summed, averages (HR, cadence, power) weighted
  by lap timer time, maxima over laps. Whatever the laps lack comes from the samples
  (:mod:`backstride.ingest.track`), as does the ascent, which TCX never states.
- **Times**: ``start_at`` is the first lap's StartTime, or the first trackpoint when that is
  earlier or there are no laps; the elapsed time runs to the later of the last trackpoint
  and the last lap's end. Times without a zone are UTC, as Garmin's schema has them.
- **Other fields**: Sport ``Running`` -> ``running``, ``Biking`` -> ``cycling``, anything
  else -> ``generic`` (TCX says no more); ``device`` from ``Creator/Name``; ``name`` from the
  first line of ``Notes``, else the ``Training/Plan/Name``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from backstride.errors import EmptyActivityError, InputError
from backstride.ingest import limits
from backstride.ingest.safe_xml import (
    local_name,
    namespace,
    parse_document,
    parse_float,
    parse_floats,
    parse_time,
    parse_times,
)
from backstride.ingest.track import (
    BoolArray,
    checked_summary,
    cumulative_distance_m,
    drop_all_zero,
    finite_mean,
    foot_cadence_factor,
    interval_speed_mps,
    order_samples,
    present,
    readable_parts,
    recording_breaks,
    sample_weights_s,
    summary_from_streams,
)
from backstride.model import Activity, FloatArray, Lap, Streams, Summary
from backstride.units import FOOT_SPORTS, Channel

if TYPE_CHECKING:
    from lxml import etree

_Q = Callable[[str], str]
"""A function from a local name to the document's Clark tag (``"Lap"`` -> ``"{ns}Lap"``)."""

_SPORTS = {"running": "running", "biking": "cycling"}
_INTENSITIES = {"active": "active", "resting": "rest"}
#: Lap average cadence and the samples' mean may differ by this share before a warning.
CADENCE_TOLERANCE = 0.05

_COLUMNS = ("lat", "lon", "alt", "dist", "hr", "cad", "speed", "run_cad", "watts", "seg")
#: Trackpoint extension local names (TPX) -> column.
_TPX_COLUMNS = {"speed": "speed", "runcadence": "run_cad", "watts": "watts"}


@dataclass
class _RawLap:
    start_s: float | None
    timer_s: float
    distance_m: float
    calories_kcal: float
    avg_hr_bpm: float
    max_hr_bpm: float
    cadence: float
    run_cadence: float
    avg_speed_mps: float
    avg_power_w: float
    intensity: str | None


#: What a trackpoint gives while the file is read: the texts of its Time and of each column
#: but ``seg`` (in _COLUMNS order), None where absent.
_Row = tuple[str | None, ...]


@dataclass
class _Part:
    """One ``<Activity>`` as read from the stream: its laps with their tracks' rows."""

    sport: str
    laps: list[tuple[_RawLap, list[list[_Row]]]]
    device: str | None
    name: str | None


def read_tcx(data: bytes) -> list[Activity]:
    """Every activity in a TCX file, in file order (see the module docstring).

    Each trackpoint gives the texts of its values in one pass over its children; each
    ``<Activity>`` then becomes columns of floats at once.
    """
    root = parse_document(data, label="TCX", root_name="TrainingCenterDatabase")
    ns = namespace(str(root.tag))

    def q(name: str) -> str:
        return f"{{{ns}}}{name}" if ns else name

    t_point, t_track, t_lap, t_activity = (q(n) for n in ("Trackpoint", "Track", "Lap", "Activity"))
    elements: list[etree._Element] = []
    for holder in root.iterchildren(q("Activities")):
        for child in holder.iterchildren(t_activity, q("MultiSportSession")):
            if child.tag == t_activity:
                elements.append(child)
            else:
                elements += [a for sport in child for a in sport.iterchildren(t_activity)]
    read_point = _point_reader(q)
    parts: list[_Part] = []
    points = 0
    for element in elements:
        laps = [
            (
                _read_lap(lap, q),
                [
                    [read_point(point) for point in track.iterchildren(t_point)]
                    for track in lap.iterchildren(t_track)
                ],
            )
            for lap in element.iterchildren(t_lap)
        ]
        points += sum(len(track) for _, tracks in laps for track in tracks)
        if points > limits.MAX_TRACK_POINTS:
            raise InputError(
                f"TCX has {sum(1 for _ in root.iter(t_point))} track points, over the limit "
                f"of {limits.MAX_TRACK_POINTS} for an activity file"
            )
        parts.append(_part(element, laps, q))
    if not parts:
        raise EmptyActivityError("TCX holds no <Activity> (only courses, workouts or nothing)")
    return readable_parts(
        parts,
        lambda part, index: _read_activity(part, index=index),
        lambda count, reason: f"{count} empty <Activity> skipped ({reason})",
    )


def _part(element: etree._Element, laps: list[tuple[_RawLap, list[list[_Row]]]], q: _Q) -> _Part:
    creator = element.find(q("Creator"))
    notes = _child_text(element, q("Notes"))
    plan_name = _child_text(element, f"{q('Training')}/{q('Plan')}/{q('Name')}")
    return _Part(
        sport=_SPORTS.get((element.get("Sport") or "").strip().lower(), "generic"),
        laps=laps,
        device=_child_text(creator, q("Name")) if creator is not None else None,
        name=notes.splitlines()[0] if notes else plan_name,
    )


def _child_text(element: etree._Element, path: str) -> str | None:
    """Stripped text of the first element at ``path`` (Clark tags), or None when empty."""
    child = element.find(path)
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return text or None


def _read_activity(part: _Part, *, index: int) -> Activity:
    sport = part.sport
    foot = sport in FOOT_SPORTS
    rows = [row for _, tracks in part.laps for track in tracks for row in track]
    seg = np.repeat(
        np.arange(1, 1 + sum(len(tracks) for _, tracks in part.laps), dtype=np.float64),
        [len(track) for _, tracks in part.laps for track in tracks],
    )
    texts = list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMNS)
    all_times, _, _ = parse_times(texts[0])
    timed = np.isfinite(all_times)
    times = all_times[timed]
    columns = {name: parse_floats(texts[i + 1])[timed] for i, name in enumerate(_COLUMNS[:-1])}
    columns["seg"] = seg[timed]
    lat, lon = columns["lat"], columns["lon"]
    unplaced = ~((np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0))
    lat[unplaced] = np.nan
    lon[unplaced] = np.nan
    untimed = int(len(all_times) - timed.sum())
    laps = [lap for lap, _ in part.laps]
    warnings: list[str] = []
    if untimed:
        warnings.append(f"{untimed} trackpoints without a <Time> ignored")
    if any(lap.start_s is None for lap in laps):
        warnings.append("laps without a readable StartTime ignored")
    laps = sorted(
        (lap for lap in laps if lap.start_s is not None), key=lambda lap: lap.start_s or 0
    )
    times, columns, order_warnings = order_samples(times, columns, what="trackpoints")
    warnings += order_warnings
    # The first lap's StartTime is the device's start (Polar's first trackpoint comes a
    # second later); the first sample only when it is earlier or there are no laps.
    starts = [lap.start_s for lap in laps if lap.start_s is not None]
    if len(times):
        starts.append(float(times[0]))
    if not starts:
        raise EmptyActivityError("TCX <Activity> has no timed trackpoints or laps")
    start_s = min(starts)
    ends = [float(times[-1])] if len(times) else []
    ends += [lap.start_s + lap.timer_s for lap in laps[-1:] if lap.start_s is not None]
    end_s = max([start_s, *(e for e in ends if np.isfinite(e))])
    elapsed = times - start_s
    breaks = recording_breaks(times, columns["seg"])
    # One foot cadence per sample: RunCadence where the device wrote it, else Cadence.
    written = np.where(np.isfinite(columns["run_cad"]), columns["run_cad"], columns["cad"])
    steps: float | None = None
    if foot:
        steps, cadence_notes = foot_cadence_factor(written, what="TCX cadence")
        warnings += cadence_notes
    channels, zero_notes = drop_all_zero(_channels(elapsed, columns, breaks, steps=steps))
    warnings += zero_notes
    summary, summary_notes = checked_summary(
        replace(
            _summary(laps, summary_from_streams(elapsed, channels, breaks=breaks), steps=steps),
            elapsed_s=end_s - start_s,
        )
    )
    warnings += summary_notes
    weights = sample_weights_s(elapsed, breaks=breaks)
    warnings += _cadence_check(summary.avg_cadence_spm, channels.get(Channel.CADENCE_SPM), weights)
    return Activity(
        sport=sport,
        start_at=datetime.fromtimestamp(start_s, UTC),
        summary=summary,
        source_format="tcx",
        streams=Streams(elapsed_s=elapsed, channels=channels),
        laps=_laps(laps, end_s, steps=steps),
        device=part.device,
        name=part.name,
        session_index=index,
        warnings=tuple(warnings),
    )


def _utc(when: datetime) -> datetime:
    # xsd:dateTime without a zone: TCX times are UTC by Garmin's schema.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _read_lap(lap: etree._Element, q: _Q) -> _RawLap:
    """A ``<Lap>``'s own fields (its tracks are read apart)."""
    start = parse_time(lap.get("StartTime"))
    extension = {
        local_name(e.tag).lower(): parse_float(e.text)
        for ext in lap.iterchildren(q("Extensions"))
        for e in ext.iter()
        if isinstance(e.tag, str)
    }
    intensity = (_child_text(lap, q("Intensity")) or "").lower()

    def number(name: str) -> float:
        return parse_float(_child_text(lap, q(name)))

    def value(name: str) -> float:
        return parse_float(lap.findtext(f"{q(name)}/{q('Value')}"))

    return _RawLap(
        start_s=_utc(start).timestamp() if start is not None else None,
        timer_s=number("TotalTimeSeconds"),
        distance_m=number("DistanceMeters"),
        calories_kcal=number("Calories"),
        avg_hr_bpm=value("AverageHeartRateBpm"),
        max_hr_bpm=value("MaximumHeartRateBpm"),
        cadence=number("Cadence"),
        run_cadence=extension.get("avgruncadence", np.nan),
        avg_speed_mps=extension.get("avgspeed", np.nan),
        avg_power_w=extension.get("avgwatts", np.nan),
        intensity=_INTENSITIES.get(intensity, intensity or None),
    )


def _point_reader(q: _Q) -> Callable[[etree._Element], _Row]:
    """A function from a ``<Trackpoint>`` to its row, for the document's tags ``q``.

    Children are read in the document's namespace; the ActivityExtension ``TPX`` values
    are matched by local name under ``Extensions`` whatever their prefix, the last of a
    kind winning.
    """
    t_time, t_position, t_alt, t_dist, t_hr, t_cad, t_ext, t_lat, t_lon, t_value = (
        q(name)
        for name in (
            "Time",
            "Position",
            "AltitudeMeters",
            "DistanceMeters",
            "HeartRateBpm",
            "Cadence",
            "Extensions",
            "LatitudeDegrees",
            "LongitudeDegrees",
            "Value",
        )
    )
    extension_of: dict[object, int] = {}  # tag -> index in the row, -1 for others
    first_extension = _COLUMNS.index("speed")

    def extension(tag: object) -> int:
        name = local_name(tag).lower() if isinstance(tag, str) else ""
        column = _TPX_COLUMNS.get(name)
        index = _COLUMNS.index(column) if column is not None else -1
        extension_of[tag] = index
        return index

    def read(point: etree._Element) -> _Row:
        when = lat = lon = alt = dist = hr = cad = None
        extensions: list[str | None] | None = None
        for child in point:
            tag = child.tag
            if tag == t_time:
                when = child.text
            elif tag == t_position:
                for part in child:  # the first of each, "" when empty, as findtext
                    if part.tag == t_lat:
                        if lat is None:
                            lat = part.text or ""
                    elif part.tag == t_lon and lon is None:
                        lon = part.text or ""
            elif tag == t_alt:
                alt = child.text
            elif tag == t_dist:
                dist = child.text
            elif tag == t_hr:
                for part in child:
                    if part.tag == t_value:
                        hr = part.text or ""
                        break
            elif tag == t_cad:
                cad = child.text
            elif tag == t_ext:
                if extensions is None:
                    extensions = [None, None, None]
                for e in child.iter():
                    index = extension_of.get(e.tag)
                    if index is None:
                        index = extension(e.tag)
                    if index >= 0:
                        extensions[index - first_extension] = e.text
        if extensions is None:
            return (when, lat, lon, alt, dist, hr, cad, None, None, None)
        return (when, lat, lon, alt, dist, hr, cad, *extensions)

    return read


def _channels(
    elapsed: FloatArray, columns: dict[str, FloatArray], breaks: BoolArray, *, steps: float | None
) -> dict[Channel, FloatArray]:
    """The sample channels; ``steps`` turns a foot sport's written cadence into steps/min
    (2, or 1 when it is steps already), None for other sports."""
    distance = columns["dist"]
    if not np.isfinite(distance).any():
        distance = cumulative_distance_m(columns["lat"], columns["lon"], breaks=breaks)
    speed = columns["speed"]
    if not np.isfinite(speed).any():
        speed = interval_speed_mps(elapsed, distance, breaks=breaks)
    run_cadence, cadence = columns["run_cad"], columns["cad"]
    if steps is not None:
        spm = np.where(np.isfinite(run_cadence), run_cadence, cadence) * steps
        rpm = np.full(len(elapsed), np.nan)
    else:
        spm, rpm = run_cadence * 2.0, cadence
    return present(
        {
            Channel.LATITUDE_DEG: columns["lat"],
            Channel.LONGITUDE_DEG: columns["lon"],
            Channel.ALTITUDE_M: columns["alt"],
            Channel.DISTANCE_M: distance,
            Channel.SPEED_MPS: speed,
            Channel.HEART_RATE_BPM: columns["hr"],
            Channel.CADENCE_SPM: spm,
            Channel.CADENCE_RPM: rpm,
            Channel.POWER_W: columns["watts"],
        }
    )


def _cadence_check(
    lap_spm: float | None, samples_spm: FloatArray | None, weights: FloatArray
) -> list[str]:
    """A warning when the laps' average cadence disagrees with the samples'.

    Devices differ on whether standing (cadence 0) counts in an average, so the laps must
    match the samples' mean with or without zeros within :data:`CADENCE_TOLERANCE`; a miss is
    usually a strides/steps mix-up (a factor of 2) or laps edited apart from the samples.
    """
    with_zeros = finite_mean(samples_spm, weights)
    moving = finite_mean(samples_spm, weights, positive=True)
    if lap_spm is None or with_zeros is None or moving is None:
        return []
    if any(abs(lap_spm - m) <= CADENCE_TOLERANCE * m for m in (with_zeros, moving)):
        return []
    return [
        f"lap average cadence {lap_spm:.0f} spm differs from the samples' "
        f"{with_zeros:.0f} spm ({moving:.0f} without stops) by more than {CADENCE_TOLERANCE:.0%}"
    ]


def _lap_steps(lap: _RawLap, *, steps: float | None) -> float:
    """A lap's cadence in steps/min, in the unit its samples were found to be in."""
    if np.isfinite(lap.run_cadence):
        return lap.run_cadence * (steps or 2.0)
    return lap.cadence * steps if steps is not None else np.nan


def _weighted(values: list[float], weights: list[float]) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if np.isfinite(v) and w > 0]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total > 0 else None


def _total(values: list[float]) -> float | None:
    finite = [v for v in values if np.isfinite(v)]
    return float(sum(finite)) if finite and len(finite) == len(values) else None


def _summary(laps: list[_RawLap], computed: Summary, *, steps: float | None) -> Summary:
    """The laps' totals and time-weighted averages, falling back on ``computed`` ones."""
    weights = [lap.timer_s if np.isfinite(lap.timer_s) else 0.0 for lap in laps]
    timer_s = _total([lap.timer_s for lap in laps]) or computed.timer_s
    distance_m = _total([lap.distance_m for lap in laps])
    if distance_m is None:
        distance_m = computed.distance_m
    max_hr = [lap.max_hr_bpm for lap in laps if np.isfinite(lap.max_hr_bpm)]
    calories = _total([lap.calories_kcal for lap in laps])

    def pick(from_laps: float | None, from_samples: float | None) -> float | None:
        return from_laps if from_laps is not None else from_samples

    return replace(
        computed,
        timer_s=timer_s,
        distance_m=distance_m,
        avg_speed_mps=distance_m / timer_s if distance_m is not None and timer_s else None,
        avg_hr_bpm=pick(_weighted([lap.avg_hr_bpm for lap in laps], weights), computed.avg_hr_bpm),
        max_hr_bpm=max(max_hr) if max_hr else computed.max_hr_bpm,
        avg_cadence_spm=pick(
            _weighted([_lap_steps(lap, steps=steps) for lap in laps], weights),
            computed.avg_cadence_spm,
        ),
        avg_power_w=pick(
            _weighted([lap.avg_power_w for lap in laps], weights), computed.avg_power_w
        ),
        calories_kcal=calories if calories else None,
    )


def _laps(laps: list[_RawLap], end_s: float, *, steps: float | None) -> tuple[Lap, ...]:
    out = []
    for i, lap in enumerate(laps):
        assert lap.start_s is not None
        next_s = laps[i + 1].start_s if i + 1 < len(laps) else end_s
        elapsed_s = (next_s or end_s) - lap.start_s
        timer_s = lap.timer_s if np.isfinite(lap.timer_s) else None
        if elapsed_s < 0:
            elapsed_s = timer_s or 0.0

        def known(value: float) -> float | None:
            return float(value) if np.isfinite(value) else None

        speed = known(lap.avg_speed_mps)
        if speed is None and timer_s and np.isfinite(lap.distance_m):
            speed = lap.distance_m / timer_s
        out.append(
            Lap(
                start_at=datetime.fromtimestamp(lap.start_s, UTC),
                elapsed_s=elapsed_s,
                timer_s=timer_s,
                distance_m=known(lap.distance_m),
                avg_speed_mps=speed,
                avg_hr_bpm=known(lap.avg_hr_bpm),
                max_hr_bpm=known(lap.max_hr_bpm),
                avg_cadence_spm=known(_lap_steps(lap, steps=steps)),
                avg_power_w=known(lap.avg_power_w),
                intensity=lap.intensity,
            )
        )
    return tuple(out)
