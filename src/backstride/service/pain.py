"""The back-pain diary: logging pain, reading it back.

Validation happens here, before anything is stored: a bad entry is refused whole with one
line naming the value and what is allowed. The pain-monitoring rules that read the diary
are in ``rules/pain.py``; the red-flag screen in ``service/screening.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, get_args

import numpy as np

from backstride.analysis.pain import Association, GroupPain, pain_by_group, rank_association
from backstride.errors import InputError
from backstride.model import LegSymptoms, PainMoment, PainRecord
from backstride.rules.evaluate import analyse_up_to
from backstride.rules.finding import Finding
from backstride.rules.pain import PainAdjustment, diary_entries, pain_adjustment, pain_findings
from backstride.rules.scores import RANGES, Score, score_findings
from backstride.service.clock import future_record, local_today
from backstride.service.safety import active_red_flags, red_flag_findings_in, suspension_in
from backstride.service.status import activity_table_of, recent_form_table, scores_in
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store import gear as gear_rows
from backstride.store import pain as pain_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete
from backstride.views import pain_view

MOMENTS: tuple[str, ...] = get_args(PainMoment)
LEG_SYMPTOMS: tuple[str, ...] = get_args(LegSymptoms)


def _choice(value: str, allowed: tuple[str, ...], what: str, field: str) -> str:
    normalised = value.strip().lower().replace("-", "_")
    if normalised not in allowed:
        shown = ", ".join(a.replace("_", "-") for a in allowed)
        raise InputError(f"{what} {value!r} is not one of: {shown}", field=field)
    return normalised


@dataclass(frozen=True)
class LoggedPain:
    """What was stored, including what backstride filled in (moment, linked run)."""

    record: PainRecord
    linked_run_day: date | None
    #: The red flags active once it was stored (pain in both legs raises R1 at once).
    red_flags: tuple[Finding, ...] = ()


def log_pain(
    store: Store,
    nrs: int,
    *,
    moment: str | None = None,
    day: date | None = None,
    activity_id: int | None = None,
    leg_symptoms: str = "none",
    note: str | None = None,
    today: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> LoggedPain:
    """Store one diary entry.

    ``moment`` defaults to ``after`` when an activity is named, else ``next_morning``. A
    next-morning entry without an activity is linked to the last run of the previous day,
    when there was one (P2 compares it with the pain before that run).
    """
    today = today or local_today()
    day = day or today
    if isinstance(nrs, bool) or not isinstance(nrs, int) or not 0 <= nrs <= 10:
        raise InputError(
            f"pain must be a whole number from 0 (none) to 10 (worst), not {nrs!r}", field="nrs"
        )
    if (problem := future_record(day, today)) is not None:
        raise InputError(problem, field="day")
    chosen = _choice(moment, MOMENTS, "when", "moment") if moment else None
    legs = _choice(leg_symptoms, LEG_SYMPTOMS, "leg symptoms", "leg_symptoms")
    if note is not None and len(note) > 2000:
        raise InputError(f"the note is {len(note)} characters long; 2000 at most", field="note")
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        linked_day = None
        if activity_id is not None:
            activity = activity_rows.get_activity(conn, athlete_id, activity_id)
            linked_day = activity.activity.local_date
            chosen = chosen or "after"
        else:
            chosen = chosen or "next_morning"
            if chosen == "next_morning":
                before = day - timedelta(days=1)
                columns = activity_rows.list_activity_columns(conn, athlete_id, until=before)
                runs = [
                    k
                    for k, sport in enumerate(columns.sport)
                    if sport == "running" and columns.local_date[k] == np.datetime64(before)
                ]
                if runs:
                    activity_id, linked_day = int(columns.id[runs[-1]]), before
        entry_id = pain_rows.add_pain_entry(
            conn,
            athlete_id,
            day=day,
            nrs=nrs,
            moment=chosen,  # type: ignore[arg-type]
            activity_id=activity_id,
            leg_symptoms=legs,  # type: ignore[arg-type]
            note=note,
        )
    record = PainRecord(
        id=entry_id,
        day=day,
        nrs=nrs,
        moment=chosen,  # type: ignore[arg-type]
        activity_id=activity_id,
        leg_symptoms=legs,  # type: ignore[arg-type]
        note=note,
    )
    flags = active_red_flags(store, athlete=athlete) if legs == "both_sides" else []
    return LoggedPain(record=record, linked_run_day=linked_day, red_flags=tuple(flags))


def list_pain(
    store: Store,
    *,
    weeks: int | None = None,
    today: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> list[PainRecord]:
    """Diary entries of the last ``weeks`` weeks (all when None), oldest first."""
    if weeks is not None and not 1 <= weeks <= 520:
        raise InputError(f"weeks must be between 1 and 520, not {weeks}", field="weeks")
    today = today or local_today()
    since = today - timedelta(weeks=weeks) if weeks else None
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return pain_rows.list_pain_entries(conn, athlete_id, since=since, until=today)


@dataclass(frozen=True)
class PainOverview:
    """The diary of the last weeks with what the pain rules say on ``as_of``."""

    as_of: date
    entries: list[PainRecord]
    weekly_morning_mean: list[tuple[date, float | None]]
    """Mean next-morning pain per Monday-Sunday week (None: no morning entry that week)."""
    findings: list[Finding]
    adjustment: PainAdjustment
    last_entry: date | None = None
    """The day of the latest entry up to ``as_of``, in these weeks or before (None: none)."""

    @property
    def weeks_to_last_entry(self) -> int | None:
        """How many weeks ``--weeks`` needs to show the latest entry (at most 520); None
        when there is none, or it is already shown.

        >>> from datetime import date
        >>> from backstride.rules.pain import PainAdjustment
        >>> keep = PainAdjustment("continue", None, "", "")
        >>> PainOverview(date(2026, 12, 7), [], [], [], keep, date(2026, 7, 20)).weeks_to_last_entry
        21
        """
        if self.last_entry is None or self.entries:
            return None
        return min(520, (self.as_of - self.last_entry).days // 7 + 1)

    def to_json(self) -> dict[str, Any]:
        """``backstride pain --json`` and ``/api/pain``."""
        return {
            "as_of": self.as_of.isoformat(),
            "last_entry": None if self.last_entry is None else self.last_entry.isoformat(),
            "entries": [pain_view(e) for e in self.entries],
            "weekly_morning_mean": [
                {"week_start": d.isoformat(), "mean_nrs": None if m is None else round(m, 2)}
                for d, m in self.weekly_morning_mean
            ],
            "findings": [f.to_json() for f in self.findings],
            "adjustment": {
                "action": self.adjustment.action,
                "reduce_pct": self.adjustment.reduce_pct,
                "rule": self.adjustment.rule,
                "message": self.adjustment.message,
            },
        }


def pain_overview(
    store: Store,
    *,
    weeks: int = 8,
    today: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> PainOverview:
    """The diary, the weekly morning-pain trend, the P1-P4 findings and what they ask of the
    next session (``rules/pain.py``; a model from tendon research, applied by extrapolation).
    ``weeks``: 1 to 520, every one of them in the trend."""
    if isinstance(weeks, bool) or not 1 <= weeks <= 520:
        raise InputError(f"weeks must be between 1 and 520, not {weeks}", field="weeks")
    today = today or local_today()
    everything = list_pain(store, today=today, athlete=athlete)
    since = today - timedelta(weeks=weeks)
    recent = [e for e in everything if e.day >= since]
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        screened = red_flag_findings_in(conn, athlete_id, today)
        suspension = suspension_in(conn, athlete_id, today)
        scores = scores_in(conn, athlete_id)
    pain = pain_findings(diary_entries(everything), as_of=today)
    questionnaires = score_findings(scores, as_of=today)
    # One adjustment from every finding that can ask for one (pain, the screen, the
    # questionnaires), as the plan makes it; a red flag's action wins (rules/safety.py).
    adjustment = suspension.adjustment(pain_adjustment([*pain, *screened, *questionnaires]))
    findings = suspension.findings(pain)
    monday = today - timedelta(days=today.weekday())
    trend: list[tuple[date, float | None]] = []
    for k in range(weeks - 1, -1, -1):
        start = monday - timedelta(weeks=k)
        mornings = [
            e.nrs
            for e in recent
            if e.moment == "next_morning" and start <= e.day < start + timedelta(days=7)
        ]
        trend.append((start, sum(mornings) / len(mornings) if mornings else None))
    return PainOverview(
        as_of=today,
        entries=recent,
        weekly_morning_mean=trend,
        findings=findings,
        adjustment=adjustment,
        last_entry=max((e.day for e in everything), default=None),
    )


@dataclass(frozen=True)
class PainAssociations:
    """What went with next-morning pain after a run: associations, never causes."""

    as_of: date
    pairs: int
    correlations: list[Association]
    """Only factors with enough pairs (``analysis.pain.MIN_PAIRS``) appear."""
    by_shoe: list[GroupPain]

    @property
    def note(self) -> str:
        """What the numbers can and cannot say (every surface shows it)."""
        k = max((a.comparisons for a in self.correlations), default=0)
        return (
            f"Exploratory: {k} factors are looked at together, so each range is widened "
            "(Bonferroni) to keep chance findings out; a clear one is still an association, "
            "not a cause, and says nothing about what to change."
            if k > 1
            else "An association, not a cause."
        )

    def to_json(self) -> dict[str, Any]:
        """``backstride pain associations --json`` and ``/api/pain/associations``."""
        return {
            "as_of": self.as_of.isoformat(),
            "pairs": self.pairs,
            "label": "association, not cause",
            "note": self.note,
            "correlations": [
                {"factor": a.factor, "n": a.n, "rho": round(a.rho, 3),
                 "low": round(a.low, 3), "high": round(a.high, 3),
                 "comparisons": a.comparisons, "clear": a.is_clear, "verdict": a.verdict}
                for a in self.correlations
            ],
            "by_shoe": [
                {"shoe": g.group, "n": g.n, "mean_nrs": round(g.mean, 2),
                 "low": round(g.low, 2), "high": round(g.high, 2)}
                for g in self.by_shoe
            ],
        }  # fmt: skip


def pain_associations(
    store: Store, *, today: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> PainAssociations:
    """Next-morning pain against the run the day before: its distance, its L1 spike ratio,
    its cadence over steady running, and the shoe worn. Silent below the minimum data."""
    today = today or local_today()
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        # Columns, not a StoredActivity per row: only the summaries are read (issue 13).
        columns = activity_rows.list_activity_columns(conn, athlete_id)
        gear_names = gear_rows.list_gear_names(conn, athlete_id)
        diary = pain_rows.list_pain_entries(conn, athlete_id, until=today)
    row_of = {int(i): k for k, i in enumerate(columns.id)}
    mornings = [e for e in diary if e.moment == "next_morning" and e.activity_id in row_of]
    table = activity_table_of(columns)
    analysis = analyse_up_to(table, today)
    spike = {}
    if analysis is not None:
        spike = {int(i): float(r) for i, r in zip(table.activity_id, analysis.spike, strict=True)}
    form = recent_form_table(store, athlete_id, today)
    cadence = {}
    if form is not None:
        cadence = {
            int(i): float(c) for i, c in zip(form.activity_id, form.cadence_spm, strict=True)
        }
    pain = [float(e.nrs) for e in mornings]
    runs = [row_of[e.activity_id] for e in mornings if e.activity_id is not None]
    nan = float("nan")
    factors = {
        "run distance (km)": [(float(columns.distance_m[k]) or nan) / 1000 for k in runs],
        "L1 spike ratio": [spike.get(int(columns.id[k]), nan) for k in runs],
        "cadence (steps/min)": [cadence.get(int(columns.id[k]), nan) for k in runs],
    }
    correlations = [
        found
        for name, values in factors.items()
        if (found := rank_association(name, pain, values, comparisons=len(factors))) is not None
    ]
    return PainAssociations(
        as_of=today,
        pairs=len(mornings),
        correlations=correlations,
        by_shoe=pain_by_group(pain, [gear_names.get(int(columns.gear_id[k])) for k in runs]),
    )


def add_score(
    store: Store,
    instrument: str,
    score: float,
    *,
    distress: float | None = None,
    day: date | None = None,
    today: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
) -> Score:
    """Store a questionnaire score your clinician gave you (ODI %, RMDQ 0-24, STarT Back
    0-9 with its distress subscale 0-5). Only scores: the questionnaires' text is
    copyrighted (docs/questionnaires.md)."""
    today = today or local_today()
    day = day or today
    name = _choice(instrument, tuple(RANGES), "questionnaire", "instrument")
    low, high = RANGES[name]
    if not low <= score <= high:
        raise InputError(
            f"a {name} score must be from {low:g} to {high:g}, not {score:g}", field="score"
        )
    if name == "startback":
        if distress is None or not 0 <= distress <= 5 or distress > score:
            raise InputError(
                "a STarT Back score needs its distress subscale, 0 to 5 (at most the total)",
                field="distress",
            )
    elif distress is not None:
        raise InputError("a distress subscale is for STarT Back only", field="distress")
    if (problem := future_record(day, today)) is not None:
        raise InputError(problem, field="day")
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        pain_rows.add_score(
            conn, athlete_id, day=day, instrument=name, score=score, distress=distress
        )
    return Score(day=day, instrument=name, score=score, distress=distress)  # type: ignore[arg-type]


def list_scores(store: Store, *, athlete: str = DEFAULT_ATHLETE) -> list[Score]:
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        return scores_in(conn, athlete_id)
