"""The shapes every layer shares: frozen dataclasses, no behaviour beyond derived values.

``ingest`` produces :class:`Activity` objects; ``store`` persists and returns them (as
:class:`StoredActivity`); ``service`` hands them to the edges. Quantities carry their unit in
their name; datetimes end in ``_at`` and are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from backstride.units import Channel

SourceFormat = Literal["fit", "gpx", "tcx", "manual", "strava"]
"""``manual``: an activity entered by hand in Strava or Garmin Connect: a summary, no file.
``strava``: an activity synced from Strava's API (its streams, no file)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Streams:
    """Per-sample data of one activity, at whatever rate the device recorded.

    ``elapsed_s[i]`` is the time of sample ``i`` in seconds since the activity's ``start_at``
    (strictly non-decreasing). Every array in ``channels`` and ``extra`` has the same length
    as ``elapsed_s``; a missing value is NaN. ``channels`` only holds canonical channels;
    ``extra`` holds other per-sample fields by name (FIT developer fields such as Stryd's
    "Form Power", with their unit when the file gives one: ``"Form Power [Watts]"``).
    """

    elapsed_s: FloatArray
    channels: Mapping[Channel, FloatArray] = field(default_factory=dict)
    extra: Mapping[str, FloatArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.elapsed_s)
        for name, values in [*self.channels.items(), *self.extra.items()]:
            if len(values) != n:
                raise ValueError(f"stream {name!s} has {len(values)} samples, time has {n}")

    def __len__(self) -> int:
        return len(self.elapsed_s)

    def has(self, channel: Channel) -> bool:
        """True when the channel is present with at least one real (non-NaN) value."""
        values = self.channels.get(channel)
        return values is not None and bool(np.isfinite(values).any())

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Names of the channels with data, canonical first, then extra fields."""
        names = [str(c) for c in self.channels if self.has(c)]
        names += [k for k, v in self.extra.items() if bool(np.isfinite(v).any())]
        return tuple(names)


EMPTY_STREAMS = Streams(elapsed_s=np.zeros(0, dtype=np.float64))


@dataclass(frozen=True)
class Lap:
    """One lap (or split) as the file summarises it. ``None`` where the file says nothing."""

    start_at: datetime
    elapsed_s: float
    timer_s: float | None = None
    distance_m: float | None = None
    avg_speed_mps: float | None = None
    avg_hr_bpm: float | None = None
    max_hr_bpm: float | None = None
    avg_cadence_spm: float | None = None
    """Steps per minute, where the device counts steps."""
    avg_power_w: float | None = None
    intensity: str | None = None
    """"active", "rest", "warmup", "cooldown" where the file says so."""


@dataclass(frozen=True)
class Summary:
    """Totals of an activity. From the file's own summary where it has one, else computed."""

    elapsed_s: float
    timer_s: float | None = None
    """The device's timer (FIT, TCX laps); for a GPX, which has none, moving time estimated
    from the track (see ``ingest/track.py``)."""
    distance_m: float | None = None
    avg_speed_mps: float | None = None
    avg_hr_bpm: float | None = None
    max_hr_bpm: float | None = None
    avg_cadence_spm: float | None = None
    """Steps per minute, where the device counts steps (foot sports; TCX RunCadence)."""
    avg_power_w: float | None = None
    total_ascent_m: float | None = None
    calories_kcal: float | None = None


@dataclass(frozen=True, eq=False)
class Activity:
    """One activity as read from one file (one session of a multisport file).

    ``sport`` is a lower-case FIT-style sport name (``running``, ``cycling``, ``swimming``,
    ``walking``, ``training`` ...); ``sub_sport`` likewise (``treadmill``, ``trail``,
    ``indoor_cycling`` ...) or ``None``. ``utc_offset_s`` is the local time offset when the
    file states it. ``warnings`` lists what was recovered or doubtful (bad CRC, truncated,
    cadence mismatch ...), one line each.
    """

    sport: str
    start_at: datetime
    summary: Summary
    source_format: SourceFormat
    sub_sport: str | None = None
    utc_offset_s: int | None = None
    streams: Streams = EMPTY_STREAMS
    laps: tuple[Lap, ...] = ()
    device: str | None = None
    name: str | None = None
    session_index: int = 0
    """Position of this activity in its file (0 unless the file holds several)."""
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.start_at.tzinfo is None or self.start_at.utcoffset() != timedelta(0):
            raise ValueError(f"start_at must be timezone-aware UTC, got {self.start_at!r}")

    @property
    def local_date(self) -> date:
        """The calendar day the activity started on, in local time when the offset is known."""
        offset = timedelta(seconds=self.utc_offset_s or 0)
        return (self.start_at + offset).date()

    @property
    def richness(self) -> tuple[int, int, int, int]:
        """Orders two records of one activity: see :func:`richness`."""
        return richness(
            len(self.streams.channel_names), len(self.laps), len(self.streams), self.source_format
        )


def richness(
    channel_count: int, lap_count: int, sample_count: int, source_format: str
) -> tuple[int, int, int, int]:
    """Orders two records of one activity: the greater one keeps more of it.

    Counts channels with data, then laps, then samples, then prefers FIT over TCX over GPX
    (a FIT file carries the device's own summary; a GPX export keeps the least).
    """
    format_rank = {"gpx": 0, "tcx": 1, "fit": 2}.get(source_format, -1)
    return (channel_count, lap_count, sample_count, format_rank)


@dataclass(frozen=True)
class ActivityMeta:
    """What an export archive says about an activity beyond its file.

    ``vendor_type`` is the platform's own label ("Run", "Weight Training"); ``rpe`` the
    perceived exertion the athlete entered (1-10); ``gear_name`` the shoe or bike the platform
    recorded. ``external_id`` names the record on the platform (``"strava:123"``).
    """

    name: str | None = None
    vendor_type: str | None = None
    description: str | None = None
    private_note: str | None = None
    gear_name: str | None = None
    rpe: int | None = None
    external_id: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f) is None for f in self.__dataclass_fields__)


GearKind = Literal["shoe", "bike"]


@dataclass(frozen=True)
class Gear:
    """A pair of shoes or a bike. Distances in metres; thresholds None mean the defaults."""

    name: str
    kind: GearKind = "shoe"
    brand: str | None = None
    model: str | None = None
    start_date: date | None = None
    initial_distance_m: float = 0.0
    retired: bool = False
    inspect_at_m: float | None = None
    replace_at_m: float | None = None


@dataclass(frozen=True)
class StoredGear:
    """Gear as stored, with what it has done: distance includes ``initial_distance_m``."""

    id: int
    gear: Gear
    distance_m: float
    activity_count: int
    default_for: tuple[str, ...] = ()
    """Sports for which this gear is the default."""


PainMoment = Literal["before", "during", "after", "next_morning"]
LegSymptoms = Literal["none", "one_side", "both_sides"]


@dataclass(frozen=True)
class PainRecord:
    """One back-pain diary entry: NRS 0-10 at a moment relative to a run."""

    id: int
    day: date
    nrs: int
    moment: PainMoment
    activity_id: int | None = None
    leg_symptoms: LegSymptoms = "none"
    note: str | None = None
    #: When it was logged (UTC); None for an entry not read from the store.
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class RoutineRecord:
    """A routine done on a day (``kind``: core, warmup, cooldown or cross), as logged with
    ``backstride done``; ``rpe`` is CR-10, ``sport`` only for cross-training."""

    id: int
    day: date
    kind: str
    minutes: float | None
    rpe: int | None
    sport: str | None
    note: str | None


@dataclass(frozen=True)
class ScreeningRecord:
    """A red-flag screen as answered on a day: the answers (True, False, None = not answered)
    and its outcome (``emergency``, ``urgent``, ``review``, ``clear``, ``incomplete``)."""

    id: int
    day: date
    answers: dict[str, bool | None]
    outcome: str
    #: When it was saved (UTC): orders a screen and a clearance of the same day.
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class ClearanceRecord:
    """A clinician's visit as the runner recorded it (``backstride screen clear``): the day,
    optionally who (``by``) and what they advised (``note``). Red flags reported up to that
    day stop pausing training; see ``rules/redflags.py``."""

    id: int
    day: date
    by: str | None
    note: str | None
    #: When it was saved (UTC).
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Athlete:
    """Whose data a row is. A local install has one, created on first use."""

    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, eq=False)
class StoredActivity:
    """An activity as the store holds it.

    ``activity.streams`` is empty unless the streams were asked for; ``channels`` and
    ``sample_count`` describe them either way. ``sources`` names every file found to hold
    this activity (the original and any twins merged into it).
    """

    id: int
    athlete_id: int
    activity: Activity
    source_name: str
    channels: tuple[str, ...]
    sample_count: int
    imported_at: datetime
    sources: tuple[str, ...] = ()
    meta: ActivityMeta = ActivityMeta()
    """What an export archive added (name is in ``activity.name``)."""
    gear_id: int | None = None
    gear_name: str | None = None
    gear_source: str | None = None
    """Who chose the gear: ``archive``, ``default`` (a default rule) or ``athlete``."""


@dataclass(frozen=True)
class ImportFailure:
    """A file (or one part of it) that could not be imported, and why, in one line."""

    path: str
    error: str


@dataclass(frozen=True)
class ImportMatch:
    """A duplicate: which stored activity an imported one turned out to be, and why."""

    source: str
    """The file (or archive member) whose activity it was."""
    activity_id: int
    reason: str
    """``same file`` (these bytes were imported before), or the twin rule that matched
    (``twin: start within 60 s, same sport family, distance within 5 %``)."""


@dataclass(frozen=True)
class ImportWarning:
    """A file imported with a doubt (bad CRC, truncated ...), and the doubt in one line."""

    path: str
    warning: str


@dataclass
class ImportReport:
    """What one import did. A duplicate is a result, not an error.

    Counted only once committed: an activity is ``imported`` (and a duplicate, a duplicate)
    after the transaction that stored it has committed, so the counts are what is stored.
    """

    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    """Files that hold no activity where such files are expected (an export archive's
    monitoring, sleep and settings FIT files)."""
    failed: list[ImportFailure] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    matches: list[ImportMatch] = field(default_factory=list)
    """The duplicates' matches, one per activity found stored already."""
    warnings: list[ImportWarning] = field(default_factory=list)

    def add(self, part: ImportReport) -> None:
        """Count ``part`` (a file's, a batch's or a sync's report) into this one."""
        self.imported += part.imported
        self.duplicates += part.duplicates
        self.skipped += part.skipped
        self.failed.extend(part.failed)
        self.activity_ids.extend(part.activity_ids)
        self.matches.extend(part.matches)
        self.warnings.extend(part.warnings)


SyncService = Literal["strava", "intervals"]


@dataclass(frozen=True)
class SyncConnection:
    """A service the runner connected (``store.sync``): who they are there, the credentials
    (OAuth tokens or an API key) and the sync's own state, both as JSON objects, and how the
    last sync went. Shared by the store and the sync service."""

    id: int
    athlete_id: int
    service: SyncService
    remote_athlete: str
    remote_name: str | None
    credentials: Mapping[str, object]
    state: Mapping[str, object]
    connected_at: datetime
    last_sync_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


JobKind = Literal["import", "sync", "report"]
JobState = Literal["queued", "running", "done", "failed"]


@dataclass(frozen=True)
class JobRecord:
    """A background job as the pages show it (``store.jobs``, table ``jobs``): its progress
    (``done`` of ``total`` units, None while unknown), its result (JSON text, e.g. an import
    report), whether it left an output (``output_type``: a rendered report's media type;
    the bytes are read on their own), and how often a worker started it (``attempts``: a
    retried job, after a worker was killed, has 2)."""

    id: int
    athlete_id: int | None
    kind: JobKind
    state: JobState
    done: int
    total: int | None
    message: str | None
    result: str | None
    output_type: str | None
    attempts: int
    queue_job_id: int | None
    created_at: datetime
    updated_at: datetime
    #: The clinician account that asked for it (None: the athlete's own).
    requested_by: int | None = None


@dataclass(frozen=True)
class UploadRecord:
    """A file uploaded for an import job (table ``uploads``), without its bytes."""

    id: int
    job_id: int
    athlete_id: int
    file_name: str
    sha256: str
    size: int
    created_at: datetime


# -- rows the store returns in bulk (issue 13: shapes shared by store and service) ---------


@dataclass(frozen=True, eq=False)
class ActivityColumns:
    """An athlete's activities as columns, oldest first (the order of ``list_activities``):
    what the load, habit and shoe rules read, without a ``StoredActivity`` per row.

    Numbers are float64 with NaN where unknown; ``gear_id`` is -1 where there is none;
    ``sport`` and ``sub_sport`` are the stored names, one per row.
    """

    id: npt.NDArray[np.int64]
    local_date: npt.NDArray[np.datetime64]
    sport: list[str]
    sub_sport: list[str | None]
    distance_m: npt.NDArray[np.float64]
    timer_s: npt.NDArray[np.float64]
    elapsed_s: npt.NDArray[np.float64]
    avg_hr_bpm: npt.NDArray[np.float64]
    rpe: npt.NDArray[np.float64]
    gear_id: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True, eq=False)
class FormRow:
    """One run's stored form summary: ``numbers`` by name (NaN where NULL) and the means of
    each full minute of steady running."""

    activity_id: int
    version: int
    numbers: dict[str, float]
    chunk_speed_mps: FloatArray
    chunk_cadence_spm: FloatArray


@dataclass(frozen=True)
class FormFill:
    """How to compute the stored summary of a run, handed by the service layer (which knows
    the analysis) to the migration that fills the summaries of runs stored before (0009)."""

    version: int
    """The analysis version a summary is computed with; stored ones of another are redone."""
    sport: str
    """Activities of this sport with streams get a summary."""
    row: Callable[[int, Streams], FormRow]
    """The summary of an activity's streams, by its id."""


@dataclass(frozen=True, eq=False)
class RunStreams:
    """A run's streams and the ``imported_at`` of the record they belong to (a twin that
    replaces them changes it), so a summary is stored only for the streams it came from."""

    activity_id: int
    imported_at: datetime
    streams: Streams


@dataclass(frozen=True)
class PlannedRow:
    """One stored planned session (the columns of ``planned_sessions``)."""

    day: date
    position: int
    mode: str
    kind: str
    title: str
    intensity: str
    duration_s: float | None
    distance_m: float | None
    run_s: int | None
    walk_s: int | None
    repeats: int | None
    routine: str | None
    warmup: str | None
    cooldown: str | None
    sport: str | None
    rules: tuple[str, ...]
    why: str
    stage: int | None
    lighter: bool


#: The clinic server's roles (docs/clinic.md): an athlete owns their data, a clinician sees
#: what athletes shared with them, an admin manages accounts and sees no health data.
Role = Literal["athlete", "clinician", "admin"]
ROLES: tuple[Role, ...] = ("athlete", "clinician", "admin")
#: What an athlete shares with a clinician: everything, or summaries without GPS streams.
ShareScope = Literal["all", "summaries"]
SHARE_SCOPES: tuple[ShareScope, ...] = ("all", "summaries")


@dataclass(frozen=True)
class Account:
    """A clinic server account (``store.schema.accounts``). ``athlete_id`` is the
    ``athletes`` row an athlete account owns (None for clinicians and admins); ``athlete``
    that row's name, which the service functions take as ``athlete=``."""

    id: int
    name: str
    role: Role
    display_name: str | None
    athlete_id: int | None
    athlete: str | None
    created_at: datetime
    has_password: bool
    disabled: bool


@dataclass(frozen=True)
class Share:
    """An athlete's share with a clinician; revoked when ``revoked_at`` is set."""

    id: int
    athlete_account_id: int
    athlete_name: str
    clinician_account_id: int
    clinician_name: str
    scope: ShareScope
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class ClinicianNote:
    """A clinician's dated note on an athlete (``store.schema.clinician_notes``);
    ``author_account_id`` is None once the author's account is deleted."""

    id: int
    athlete_id: int
    author_account_id: int | None
    author_name: str
    day: date
    text: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """Who did what on whose data, and when (``store.schema.audit_log``): the action and
    the route, never health data. The athlete sees these on their Audit page."""

    id: int
    at: datetime
    actor_account_id: int | None
    actor_name: str
    athlete_account_id: int | None
    action: str
    detail: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "actor": self.actor_name,
            "action": self.action,
            "detail": self.detail,
        }
