"""`backstride status`: every rule over the runner's stored activities, as of one day.

Builds the columnar inputs the pure layers take (``analysis.table.ActivityTable`` from the
stored summaries, ``analysis.form.FormTable`` from the form summaries of recent runs),
evaluates the catalogue (``rules.evaluate``) and returns the findings with the seven practice
lights. Nothing here decides anything: every word of advice comes from a catalogue rule.

A run's form summary is computed at import and stored with the activity (``store.form``,
``service.deriving``); a view computes only the missing or outdated ones (another
:data:`FORM_SUMMARY_VERSION`), so no view decodes a year of streams (issues 7 and 15).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from backstride.analysis.form import METRICS, FormSummary, FormTable, form_summary
from backstride.analysis.table import ActivityKind, ActivityTable, activity_kind
from backstride.model import (
    ActivityColumns,
    ClearanceRecord,
    Gear,
    RoutineRecord,
)
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.evaluate import evaluate
from backstride.rules.finding import Finding
from backstride.rules.form import form_findings
from backstride.rules.freshness import DataFreshness, data_freshness
from backstride.rules.habits import warmup_finding, with_logged_routines
from backstride.rules.pain import diary_entries, pain_findings, screen_due
from backstride.rules.practices import PracticeLight, practice_lights, status_data
from backstride.rules.scores import Score, score_findings
from backstride.rules.shoes import idle_shoes_summary
from backstride.service.clock import local_today
from backstride.service.deriving import FORM_SUMMARY_VERSION, form_row, summary_of
from backstride.service.safety import red_flag_findings_in, suspension_in
from backstride.service.screening import screen_at
from backstride.store import Connection, Store, transaction
from backstride.store import activities as activity_rows
from backstride.store import form as form_rows
from backstride.store import gear as gear_rows
from backstride.store import pain as pain_rows
from backstride.store import routines as routine_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete
from backstride.views import clearance_view

#: How far back running dynamics are read for the form rules (baseline and trends).
FORM_HISTORY_DAYS = 365
#: Runs whose streams are read and summarised per store transaction.
_FORM_RUNS_PER_BATCH = 32


@dataclass(frozen=True)
class Status:
    """What ``status`` shows: the lights, then the findings, most pressing first.

    ``screen_due`` says why a red-flag screen is due (None when it is not);
    ``training_suspended`` is True while an R1/R2 red flag is active (``rules/safety.py``):
    then only findings without training advice are listed and every training practice's
    light is ``suspended``, whatever the training data look like.
    """

    as_of: date
    lights: dict[str, PracticeLight]
    findings: list[Finding]
    screen_due: str | None = None
    training_suspended: bool = False
    #: The clinician's visit in force on ``as_of`` (``backstride screen clear``), if any.
    clearance: ClearanceRecord | None = None
    #: The day of the last run up to ``as_of`` (None: no run yet).
    last_run: date | None = None
    #: Whether runs are probably missing from the store (``rules/freshness.py``).
    freshness: DataFreshness | None = None

    def why(self, finding: Finding) -> str:
        """Why the rule behind a finding matters (from the evidence catalogue)."""
        return CATALOGUE[finding.rule].why

    def to_json(self) -> dict[str, object]:
        data = status_data(self.findings, as_of=self.as_of)
        data["practices"] = {k: v.to_json() for k, v in self.lights.items()}
        for item, finding in zip(data["findings"], self.findings, strict=True):  # type: ignore[call-overload]
            item["why"] = self.why(finding)
        data["screen_due"] = self.screen_due
        data["training_suspended"] = self.training_suspended
        data["clearance"] = None if self.clearance is None else clearance_view(self.clearance)
        data["last_run"] = None if self.last_run is None else self.last_run.isoformat()
        if self.freshness is not None:
            data["data_freshness"] = self.freshness.to_json()
        return data


def last_run_on(table: ActivityTable, day: date, *, athlete: int = 0) -> date | None:
    """The day of the athlete's last run up to ``day`` (None: no run by then).

    >>> t = ActivityTable.from_columns(["2024-01-01", "2024-01-05", "2024-02-01"],
    ...     ["running", "cycling", "running"], [5000.0] * 3, [1800.0] * 3)
    >>> last_run_on(t, date(2024, 1, 20)), last_run_on(t, date(2023, 12, 31))
    (datetime.date(2024, 1, 1), None)
    """
    runs = (
        (table.athlete == athlete)
        & (table.kind == ActivityKind.RUN)
        & (table.local_date <= np.datetime64(day, "D"))
    )
    if not runs.any():
        return None
    last: date = table.local_date[runs].max().astype(object)
    return last


def activity_table_of(columns: ActivityColumns) -> ActivityTable:
    """The stored summaries as the columns the load, habit and shoe rules read (one query,
    no ``StoredActivity`` per row)."""
    kinds: dict[tuple[str, str | None], int] = {}
    kind = np.empty(len(columns), dtype=np.int8)
    for i, key in enumerate(zip(columns.sport, columns.sub_sport, strict=True)):
        code = kinds.get(key)
        if code is None:
            code = kinds[key] = int(activity_kind(*key))
        kind[i] = code
    return ActivityTable.from_columns(
        columns.local_date,
        kind,
        columns.distance_m,
        np.where(np.isnan(columns.timer_s), columns.elapsed_s, columns.timer_s),
        rpe=columns.rpe,
        avg_hr_bpm=columns.avg_hr_bpm,
        shoe_id=columns.gear_id,
        activity_id=columns.id,
    )


def recent_form_table(store: Store, athlete_id: int, as_of: date) -> FormTable | None:
    """Steady-running form of every run in the year before ``as_of`` that has cadence, the
    runs found by a query of their own (no activity list)."""
    with transaction(store) as conn:
        candidates = activity_rows.list_activity_channels(
            conn,
            athlete_id,
            sport="running",
            since=as_of - timedelta(days=FORM_HISTORY_DAYS),
            until=as_of,
        )
    return _form_table_of(store, [(i, d) for i, d, ch in candidates if "cadence_spm" in ch])


def _form_table_of(store: Store, runs: list[tuple[int, date]]) -> FormTable | None:
    """The form table of these runs (id, local date): runs without steady running left out."""
    summaries = form_summaries(store, [i for i, _ in runs])
    kept = [(i, d) for i, d in runs if i in summaries and summaries[i].steady_s > 0]
    if not kept:
        return None
    return FormTable.from_summaries(
        np.array([d.isoformat() for _, d in kept], dtype="datetime64[D]"),
        [i for i, _ in kept],
        [summaries[i] for i, _ in kept],
    )


def form_summaries(store: Store, activity_ids: list[int]) -> dict[int, FormSummary]:
    """Each run's :func:`~backstride.analysis.form.form_summary`, by id (runs without
    streams left out): the stored ones of the current version, the others computed from the
    streams and stored, a batch of runs per short transaction."""
    with transaction(store) as conn:
        stored = form_rows.list_form_summaries(conn, activity_ids)
    found = {i: summary_of(row) for i, row in stored.items() if row.version == FORM_SUMMARY_VERSION}
    missing = [i for i in activity_ids if i not in found]
    for start in range(0, len(missing), _FORM_RUNS_PER_BATCH):
        batch = missing[start : start + _FORM_RUNS_PER_BATCH]
        with transaction(store) as conn:
            runs = form_rows.list_run_streams(conn, batch)
        computed = [(run, form_summary(run.streams)) for run in runs]
        with transaction(store) as conn:
            form_rows.upsert_form_summaries(
                conn, [(form_row(run.activity_id, s), run.imported_at) for run, s in computed]
            )
        found.update((run.activity_id, s) for run, s in computed)
    return found


def scores_in(conn: Connection, athlete_id: int) -> list[Score]:
    """The questionnaire scores entered so far, oldest first, as the score rules read them."""
    return [
        Score(day=d, instrument=i, score=v, distress=x)  # type: ignore[arg-type]
        for d, i, v, x in pain_rows.list_scores(conn, athlete_id)
    ]


def get_status(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> Status:
    """Every rule over the athlete's activities up to ``as_of`` (default: today)."""
    day = as_of or local_today()
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        columns = activity_rows.list_activity_columns(conn, athlete_id)
        shoes = gear_rows.list_gear(conn, athlete_id, "shoe")
        diary = diary_entries(pain_rows.list_pain_entries(conn, athlete_id, until=day))
        screen = screen_at(conn, athlete_id, day)
        red_flags = red_flag_findings_in(conn, athlete_id, day)
        scores = scores_in(conn, athlete_id)
        routines = routine_rows.list_routines(conn, athlete_id, until=day)
        suspension = suspension_in(conn, athlete_id, day)
        last_import = activity_rows.last_import_at(conn, athlete_id)
    gear: dict[int, Gear] = {s.id: s.gear for s in shoes}
    table = activity_table_of(columns)
    training = evaluate(
        table,
        as_of=day,
        form=recent_form_table(store, athlete_id, day),
        gear=gear,
    )
    training = logged_habits(training, table, routines, day)
    pain = pain_findings(diary, as_of=day)
    questionnaires = score_findings(scores, as_of=day)
    due = screen_due(
        diary,
        screen.record.day if screen is not None else None,
        as_of=day,
        p4_worsened=any(f.rule == "P4" and f.severity in ("caution", "high") for f in pain),
    )
    # Red flags win over training advice (rules/safety.py): while one is active, no
    # training finding is shown and no training light is lit.
    findings = suspension.findings([*red_flags, *pain, *questionnaires, *training])
    lights = suspension.lights(practice_lights(findings))
    if lights["shoes"].status == "unknown" and (
        idle := idle_shoes_summary(table, as_of=day, gear=gear)
    ):
        # Context, not a verdict: the pairs and their distance (an info light).
        lights["shoes"] = dataclasses.replace(lights["shoes"], status="info", summary=idle)
    suspended = suspension.active
    return Status(
        as_of=day,
        lights=lights,
        findings=findings,
        screen_due=due,
        training_suspended=suspended,
        clearance=screen.clearance if screen is not None else None,
        last_run=last_run_on(table, day),
        freshness=data_freshness(
            table,
            None if last_import is None else last_import.astimezone().date(),
            as_of=day,
        ),
    )


def logged_habits(
    training: list[Finding],
    table: ActivityTable,
    routines: list[RoutineRecord],
    day: date,
) -> list[Finding]:
    """The habit findings with what was logged with ``backstride done``: core sessions (C1)
    and cross-training minutes (X1) of the 7 days ending on ``day``, and the share of the
    runs of the last 14 days with a logged warm-up that day (C2)."""
    week = [r for r in routines if day - timedelta(days=6) <= r.day <= day]
    found = with_logged_routines(
        training,
        as_of=day,
        core_sessions=sum(1 for r in week if r.kind == "core"),
        cross_minutes=sum(r.minutes or 0.0 for r in week if r.kind == "cross"),
        core_ever=any(r.kind == "core" for r in routines),
    )
    since = day - timedelta(days=int(CATALOGUE["C2"].thresholds["window_days"]) - 1)
    recent = (
        (table.local_date >= np.datetime64(since))
        & (table.local_date <= np.datetime64(day))
        & (table.kind == ActivityKind.RUN)
    )
    run_days: list[date] = table.local_date[recent].astype(object).tolist()
    warmups = [r.day for r in routines if r.kind == "warmup"]
    warmed = sum(min(run_days.count(d), warmups.count(d)) for d in set(run_days))
    c2 = warmup_finding(as_of=day, runs=len(run_days), warmed=warmed, ever_logged=bool(warmups))
    return found if c2 is None else [*found, c2]


@dataclass(frozen=True)
class FormHistory:
    """Steady-running form per run in the year before ``as_of``, and the form findings."""

    as_of: date
    table: FormTable | None
    findings: list[Finding]

    def to_json(self) -> dict[str, object]:
        """Per run: date, activity id, each metric in SI units (null where not recorded)."""
        runs: list[dict[str, object]] = []
        table = self.table
        for i in range(len(table) if table is not None else 0):
            assert table is not None
            row: dict[str, object] = {
                "date": str(table.local_date[i]),
                "activity_id": int(table.activity_id[i]),
            }
            for name in (*METRICS, "steady_s"):
                value = float(getattr(table, name)[i])
                row[name] = round(value, 4) if math.isfinite(value) else None
            runs.append(row)
        return {
            "as_of": self.as_of.isoformat(),
            "runs": runs,
            "findings": [f.to_json() for f in self.findings],
        }


def get_form(
    store: Store, *, as_of: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> FormHistory:
    """The runs' form numbers over steady running, and what the form rules say."""
    day = as_of or local_today()
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        suspension = suspension_in(conn, athlete_id, day)
    table = recent_form_table(store, athlete_id, day)
    findings = form_findings(table, as_of=day) if table is not None else []
    return FormHistory(as_of=day, table=table, findings=suspension.findings(findings))
