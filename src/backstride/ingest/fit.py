"""Read FIT activity files: :func:`read_fit` turns a file's bytes into activities.

One :class:`~backstride.model.Activity` per FIT session, in time order; multisport
``transition`` sessions are dropped, and each record belongs to the session whose start it
follows. Chained files (several FIT headers in one file) are read whole, and files that write
their summary before their records work the same. Decoding (the columnar decoder,
:mod:`backstride.ingest.fitcol`) is lenient: a bad CRC, a truncated file or corrupt trailing
data keep everything decoded before the damage and say so in ``Activity.warnings``. Failures
raise, with a one-line message:

- :class:`~backstride.errors.UnsupportedFormatError`: the bytes are not FIT at all;
- :class:`~backstride.errors.EmptyActivityError`: a FIT file without an activity (settings,
  course, monitoring ..., or no records and no session);
- :class:`~backstride.errors.CorruptFileError`: damage before anything usable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from backstride.errors import CorruptFileError, EmptyActivityError, UnsupportedFormatError
from backstride.ingest import fit_fields as ff
from backstride.ingest import fitcol
from backstride.ingest.track import checked_summary, drop_all_zero
from backstride.model import Activity, FloatArray, Streams
from backstride.units import Channel

# Global FIT message numbers (FIT profile, type mesg_num).
_FILE_ID, _SPORT, _SESSION, _LAP, _DEVICE_INFO, _ACTIVITY = 0, 12, 18, 19, 23, 34
_SUMMARY_MESSAGES = {
    _FILE_ID: "file_id",
    _SPORT: "sport",
    _SESSION: "session",
    _LAP: "lap",
    _DEVICE_INFO: "device_info",
    _ACTIVITY: "activity",
}
_START_SLACK_S = 60.0
_MAX_DECODER_NOTES = 3


@dataclass
class _Decoded:
    """Everything read from one FIT file: summary messages as dicts, records as columns."""

    messages: dict[int, list[ff.Message]] = field(default_factory=dict)
    times: FloatArray = field(default_factory=lambda: np.zeros(0))
    columns: dict[str, FloatArray] = field(default_factory=dict)
    extra: dict[str, FloatArray] = field(default_factory=dict)
    """Developer field columns by "name [units]"."""
    notes: list[str] = field(default_factory=list)
    damage: str | None = None


def read_fit(data: bytes) -> list[Activity]:
    """The activities in a FIT file's bytes (already decompressed), one per session.

    Transition sessions of multisport files are left out; records are assigned to sessions
    by their start times. Raises an :class:`~backstride.errors.InputError` subclass when the
    bytes hold no usable activity.
    """
    if len(data) < 12 or data[8:12] != b".FIT" or data[0] < 12:
        found = f"it starts {data[:12]!r}" if data else "the file is empty"
        raise UnsupportedFormatError(f"not a FIT file: no '.FIT' header signature ({found})")
    decoded = _decode(data)
    file_ids = decoded.messages[_FILE_ID]
    file_type = file_ids[0].get("type") if file_ids else None
    if isinstance(file_type, str) and file_type != "activity":
        raise EmptyActivityError(f"FIT file of type '{file_type}' holds no activity")
    if not len(decoded.times) and not decoded.messages[_SESSION]:
        if decoded.damage is not None:
            raise CorruptFileError(f"FIT file damaged before any activity data: {decoded.damage}")
        raise EmptyActivityError(
            f"FIT {file_type or 'untyped'} file holds no records and no session summary"
        )
    activities = _assemble(decoded)
    if not activities:
        raise EmptyActivityError("FIT file holds only multisport transition sessions")
    return activities


def _decode(data: bytes) -> _Decoded:
    """The columnar decoder over ``data``, keeping records and summary messages."""
    try:
        fit = fitcol.decode(data, messages=[*_SUMMARY_MESSAGES.values(), "record"])
    except fitcol.FitHeaderError as e:
        raise CorruptFileError(f"FIT header is damaged: {e}") from e
    decoded = _Decoded()
    for num, name in _SUMMARY_MESSAGES.items():
        decoded.messages[num] = _messages(fit.table(name))
    records = fit.table("record")
    stamps = _first(records.columns.get("timestamp"), len(records))
    kept = np.isfinite(stamps)  # a sample without a time cannot be placed
    decoded.times = stamps[kept]
    for name, column in records.columns.items():
        if name in ff.RECORD_FIELDS:
            decoded.columns[name] = _first(column, len(records))[kept]
    for key, column in records.developer.items():
        if column.dtype == np.float64 and column.ndim == 1:  # arrays and text are skipped
            name = _dev_key(fit.developer_fields[key])
            previous = decoded.extra.get(name)
            values = column[kept]
            if previous is not None:
                values = np.where(np.isnan(values), previous, values)
            if previous is not None or not np.isnan(values).all():
                decoded.extra[name] = values
    decoded.notes = _decoder_notes(fit)
    if fit.damage is not None:
        decoded.damage = _describe_damage(fit.damage)
        decoded.notes.append(f"{decoded.damage}; kept the {len(decoded.times)} records before it")
    return decoded


def _first(column: np.ndarray | None, n: int) -> FloatArray:
    """A numeric column's values, the first element of array fields; NaN for text or none.

    Some devices write array-typed fields where the profile has a scalar (python-fitparse
    issue #62).
    """
    if column is None or column.dtype != np.float64:
        return np.full(n, np.nan)
    return column if column.ndim == 1 else column[:, 0]


def _messages(table: fitcol.Table) -> list[ff.Message]:
    """A table's messages as dicts; a sub-field's value also under its field's own name
    (device_info ``garmin_product`` "fenix5x" as ``product``)."""
    rows = table.rows()
    for row in rows:
        for sub, parent in table.parents.items():
            if sub in row:
                row[parent] = row[sub]
    return rows


def _dev_key(described: fitcol.DeveloperField) -> str:
    """A developer field's column name, "name [units]" (Stryd's "Power [Watts]")."""
    name = (described.name or "").strip()
    units = (described.units or "").strip()
    if not name:
        name = f"developer field {described.developer_data_index}.{described.number}"
    return f"{name} [{units}]" if units else name


def _describe_damage(damage: fitcol.Damage) -> str:
    """Where and how decoding stopped, in a few words."""
    if damage.kind == "truncated":
        return f"file is truncated at byte {damage.at} (it ends inside a message)"
    if damage.kind == "header":
        return f"bytes from {damage.at} on are not a valid chained FIT file ({damage.detail})"
    return f"corrupt data after byte {damage.at} ({damage.detail})"


def _decoder_notes(fit: fitcol.FitFile) -> list[str]:
    """CRC mismatches and the decoder's warnings as short activity warnings, a few at most."""
    notes = []
    if "file" in fit.crc_errors:
        notes.append("file CRC does not match; data decoded anyway")
    if "header" in fit.crc_errors:
        notes.append("FIT header CRC does not match; data decoded anyway")
    other = list(dict.fromkeys(fit.warnings))
    notes += [f"decoder: {m}" for m in other[:_MAX_DECODER_NOTES]]
    if len(other) > _MAX_DECODER_NOTES:
        notes.append(f"decoder: {len(other) - _MAX_DECODER_NOTES} more warnings like these")
    return notes


def _assemble(decoded: _Decoded) -> list[Activity]:
    """Split the decoded records into sessions and build one Activity per kept session."""
    times = decoded.times
    order = np.argsort(times, kind="stable") if np.any(np.diff(times) < 0) else None
    if order is not None:
        times = times[order]
    columns = {k: v if order is None else v[order] for k, v in decoded.columns.items()}
    extra = {k: v if order is None else v[order] for k, v in decoded.extra.items()}
    channels, cadence = ff.record_channels(columns, extra)

    msgs = decoded.messages
    first_start = ff.number(msgs[_SESSION][0].get("start_time")) if msgs[_SESSION] else None
    reference_s = first_start if first_start is not None else (times[0] if len(times) else None)
    anchor_s, utc_offset_s, clock_note = ff.clock((msgs[_ACTIVITY] or [{}])[0], reference_s)
    notes = decoded.notes + ([clock_note] if clock_note else [])
    sessions = msgs[_SESSION] or [_stand_in_session(decoded, times)]
    starts = [_start_of(s, times) or 0.0 for s in sessions]
    by_start = sorted(range(len(sessions)), key=lambda i: starts[i])
    sessions = [sessions[i] for i in by_start]
    starts_arr = np.asarray([starts[i] for i in by_start], dtype=np.float64)
    early_s = float(starts_arr[0] - times[0]) if len(times) else 0.0
    if early_s > 0:
        # Records before the first session's start_time: the start_time is wrong (the
        # Fenix 2 multisport file says 08:00:01, its first lap and records 07:14:44).
        starts_arr[0] = times[0]
    # Assignment by start time alone: some files under-report total_elapsed_time (the
    # Edge 1030 file 14582164182 says 1632 s over 2760 s of records), so an end-bounded
    # window would drop real samples.
    bounds = np.searchsorted(times, starts_arr, side="left")
    bounds[0] = 0
    bounds = np.append(bounds, len(times))
    part = _FilePart(
        times=times,
        channels=channels,
        cadence=cadence,
        extra=extra,
        laps=_lap_owners(msgs[_LAP], starts_arr, anchor_s),
        anchor_s=anchor_s,
        utc_offset_s=utc_offset_s,
        device=ff.device_name(msgs[_FILE_ID][:1] + msgs[_DEVICE_INFO]),
        has_session=bool(msgs[_SESSION]),
        early_s=early_s,
        notes=notes,
    )
    activities: list[Activity] = []
    for k, session in enumerate(sessions):
        span = (int(bounds[k]), int(bounds[k + 1]), float(starts_arr[k]))
        activity = _activity(session, k, span, part, index=len(activities))
        if activity is not None:
            activities.append(activity)
    return activities


@dataclass(frozen=True)
class _FilePart:
    """What every session of one file shares once decoded: sample columns and file facts."""

    times: FloatArray
    channels: dict[Channel, FloatArray]
    cadence: FloatArray | None
    extra: dict[str, FloatArray]
    laps: list[tuple[int, ff.Message, datetime]]
    anchor_s: float
    utc_offset_s: int | None
    device: str | None
    has_session: bool
    early_s: float
    """How long before the first session's start_time the records begin."""
    notes: list[str]


def _activity(
    session: ff.Message, k: int, span: tuple[int, int, float], part: _FilePart, *, index: int
) -> Activity | None:
    """Session ``k`` (records ``lo:hi``, starting at FIT time ``start``); None if transition."""
    sport = ff.enum_name(session.get("sport"), "sport") or "generic"
    if sport == "transition":
        return None
    sub_sport = ff.enum_name(session.get("sub_sport"), "sub_sport")
    foot = ff.is_foot_sport(sport, sub_sport)
    lo, hi, start = span
    streams = _streams(part.times[lo:hi] - start, part, lo, hi, foot=foot)
    channels, zero_notes = drop_all_zero(dict(streams.channels))
    if zero_notes:
        streams = Streams(elapsed_s=streams.elapsed_s, channels=channels, extra=streams.extra)
    distance_before = _counter_before(part.channels.get(Channel.DISTANCE_M), lo)
    computed = ff.summary_from_streams(streams, distance_before_m=distance_before)
    notes: list[str] = []
    if k == 0 and part.early_s > _START_SLACK_S:
        notes.append(
            f"records begin {part.early_s:.0f} s before the session's start time; "
            "start taken from the first record"
        )
    if part.has_session:
        fallback = float(streams.elapsed_s[-1]) if len(streams) else 0.0
        summary = ff.session_summary(session, foot=foot, elapsed_s=fallback)
        summary = ff.fill_missing(summary, computed)
    else:
        summary = computed
        notes.append("no session summary in the file; summary computed from records")
    span_s = float(streams.elapsed_s[-1] - streams.elapsed_s[0]) if len(streams) else None
    summary, summary_notes = checked_summary(summary, samples_s=span_s)
    notes += zero_notes + summary_notes
    mismatch = ff.cadence_mismatch(streams, summary) if foot else None
    start_at = ff.fit_time(start, anchor_s=part.anchor_s)
    laps = tuple(ff.lap_from(lap, at, foot=foot) for owner, lap, at in part.laps if owner == k)
    laps, lap_note = ff.laps_in_steps(laps, streams, start_at)
    notes += [n for n in (mismatch, lap_note) if n]
    return Activity(
        sport=sport,
        sub_sport=sub_sport,
        start_at=start_at,
        summary=summary,
        source_format="fit",
        utc_offset_s=part.utc_offset_s,
        streams=streams,
        laps=laps,
        device=part.device,
        session_index=index,
        warnings=tuple(part.notes + notes),
    )


def _stand_in_session(decoded: _Decoded, times: FloatArray) -> ff.Message:
    """A session for a file that has none (cut off before it): sport from sport or lap."""
    described = decoded.messages[_SPORT] or decoded.messages[_LAP] or [{}]
    return {
        "start_time": float(times[0]),
        "sport": described[0].get("sport"),
        "sub_sport": described[0].get("sub_sport"),
    }


def _start_of(message: ff.Message, times: FloatArray) -> float | None:
    """Start of a session or lap in FIT seconds: start_time, else end minus elapsed."""
    start = ff.number(message.get("start_time"))
    if start is not None:
        return start
    end = ff.number(message.get("timestamp"))
    if end is not None:
        return end - (ff.number(message.get("total_elapsed_time")) or 0.0)
    return float(times[0]) if len(times) else None


def _lap_owners(
    laps: list[ff.Message], starts: FloatArray, anchor_s: float
) -> list[tuple[int, ff.Message, datetime]]:
    """Each lap with the index of the session it starts in, in time order."""
    owned: list[tuple[float, int, ff.Message]] = []
    no_times = np.zeros(0)
    for lap in laps:
        start = _start_of(lap, no_times)
        if start is not None:
            owner = max(int(np.searchsorted(starts, start, side="right")) - 1, 0)
            owned.append((start, owner, lap))
    owned.sort(key=lambda item: item[0])
    return [(owner, lap, ff.fit_time(start, anchor_s=anchor_s)) for start, owner, lap in owned]


def _streams(elapsed_s: FloatArray, part: _FilePart, lo: int, hi: int, *, foot: bool) -> Streams:
    """The samples ``lo:hi`` of the file's columns, leaving out those without any value."""
    kept = {ch: v[lo:hi] for ch, v in part.channels.items() if np.isfinite(v[lo:hi]).any()}
    if part.cadence is not None and np.isfinite(part.cadence[lo:hi]).any():
        channel, values = ff.cadence_channel(part.cadence[lo:hi], foot=foot)
        kept[channel] = values
    named = {k: v[lo:hi] for k, v in part.extra.items() if np.isfinite(v[lo:hi]).any()}
    return Streams(elapsed_s=elapsed_s, channels=kept, extra=named)


def _counter_before(distance: FloatArray | None, lo: int) -> float:
    """The distance counter's last value before sample ``lo`` (0 at the file's start)."""
    if distance is None or lo == 0 or not np.isfinite(distance[:lo]).any():
        return 0.0
    return float(np.nanmax(distance[:lo]))
