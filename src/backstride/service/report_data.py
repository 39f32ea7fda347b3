"""The clinician report's data: everything a physiotherapist reads, gathered for one period.

:func:`build_report` reads the store once per concern and returns a :class:`ReportData`,
plain values the report templates (``backstride.report``) and ``--json`` render. Every
verdict in it comes from a catalogue rule (id, citation and grade travel with it); nothing
here diagnoses. By design it carries no positions, tracks or activity names (names often
say where someone ran): only dates, sports, distances, durations and the numbers the rules
read.

Definitions (stated again in docs/report.md):

- The period is ``start`` .. ``end`` inclusive (local days). Totals count activities dated
  inside it. Weekly rows run Monday to Sunday, so the first and last week may include days
  outside the period.
- L1 judges every run of the period against the longest run of the 30 days before it (the
  rule in ``status`` judges only the last 7 days); L2 is the rule's verdict on each Sunday
  of the period (the last week: on ``end``).
- Pain trend: the mean ``next_morning`` NRS of each week; P4's sizes (Ostelo 2008) compare
  the first and the last week that have morning entries.
- Form: medians over steady running of the runs in the first and in the second half of
  the period, for each metric recorded in both halves.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta
from statistics import fmean, median
from typing import Any

import numpy as np

from backstride.errors import InputError
from backstride.model import ActivityColumns, ClearanceRecord
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.evaluate import analyse_up_to
from backstride.rules.finding import SEVERITY_RANK, Finding
from backstride.rules.load import l1_run_findings
from backstride.rules.pain import meaningful_change
from backstride.rules.redflags import QUESTIONS
from backstride.rules.scores import odi_band, startback_group
from backstride.service.adherence import PlanReview, review
from backstride.service.clock import day_out_of_range, local_today
from backstride.service.gear import list_shoes
from backstride.service.load import get_load, l2_view
from backstride.service.pain import list_pain, list_scores, pain_overview
from backstride.service.plan import DoneActivity, done_activities
from backstride.service.report_model import (
    Adherence,
    FormChange,
    FormPoint,
    PainSummary,
    ReportData,
    RuleRef,
    ScoreRow,
    ScreenRow,
    ShoeRow,
    Spike,
    Week,
)
from backstride.service.safety import active_red_flags
from backstride.service.screening import findings_for
from backstride.service.status import activity_table_of, get_status, recent_form_table
from backstride.store import Store, transaction
from backstride.store import activities as activity_rows
from backstride.store import clearances as clearance_rows
from backstride.store import pain as pain_rows
from backstride.store.athletes import DEFAULT_ATHLETE, get_or_create_athlete

_CAUTION = SEVERITY_RANK["caution"]
#: Most Monday-Sunday weeks a report spans (ten years, the weekly load table's limit), so a
#: typo in a year cannot ask for a century.
MAX_WEEKS = 520

#: Weeks a report covers when no period is given.
DEFAULT_WEEKS = 12

#: The plan review covers at most this many weeks; longer reports count imports only.
MAX_PLAN_WEEKS = 52

#: The score rule behind each questionnaire's band or group.
_SCORE_RULES = {"odi": "P5", "rmdq": "P6", "startback": "P7"}

#: Form metrics the report compares: (attribute, label, unit, factor from SI, decimals).
FORM_METRICS: tuple[tuple[str, str, str, float, int], ...] = (
    ("cadence_spm", "Cadence", "steps/min", 1.0, 0),
    ("stance_time_s", "Ground contact time", "ms", 1000.0, 0),
    ("vertical_oscillation_m", "Vertical oscillation", "cm", 100.0, 1),
    ("vertical_ratio_pct", "Vertical ratio", "%", 1.0, 1),
    ("step_length_m", "Step length", "m", 1.0, 2),
    ("balance_left_pct", "Ground contact balance (left)", "%", 1.0, 1),
    ("speed_mps", "Steady-running speed", "km/h", 3.6, 1),
)

_SPIKES = ("caution", "high", "very_high", "after_break")
_INSTRUMENTS = {"odi": "Oswestry (ODI)", "rmdq": "Roland-Morris (RMDQ)", "startback": "STarT Back"}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def default_period(today: date | None = None, *, weeks: int = DEFAULT_WEEKS) -> tuple[date, date]:
    """The last ``weeks`` Monday-Sunday weeks up to ``today`` (the last one so far)."""
    end = today or local_today()
    return _monday(end) - timedelta(weeks=weeks - 1), end


def report_period(
    store: Store, *, today: date | None = None, athlete: str = DEFAULT_ATHLETE
) -> tuple[date, date, tuple[date, date] | None]:
    """The period a report covers when the runner names none, as of ``today``: the
    :data:`DEFAULT_WEEKS` weeks up to ``today`` (:func:`default_period`), or, when those
    hold no run while runs are on record before, the weeks up to the last of them; the third
    item is then the period it stands in for (None when nothing moved). A runner back after
    months gets their running, not pages of empty charts. While a red flag is active the
    period does not move: the report then shows the screen that raised it (red flags win).
    The CLI, the Report page and ``/api/report`` all take their default from here."""
    first, last = default_period(today)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        columns = activity_rows.list_activity_columns(conn, athlete_id)
    run_days = [a.local_date for a in done_activities(columns) if a.sport == "running"]
    earlier = [day for day in run_days if day <= last]
    if not earlier or any(first <= day for day in earlier):
        return first, last, None
    if active_red_flags(store, as_of=last, athlete=athlete):
        return first, last, None
    moved_first, moved_last = default_period(max(earlier))
    return moved_first, moved_last, (first, last)


def build_default_report(
    store: Store,
    *,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    athlete: str = DEFAULT_ATHLETE,
    created: date | None = None,
) -> ReportData:
    """The report for ``start`` .. ``end``, each defaulting as :func:`default_period` does;
    with neither given, the period :func:`report_period` picks as of ``today`` (``replaced``
    names the period it stands in for when it moved). A period the runner chose is kept."""
    if start is None and end is None:
        first, last, replaced = report_period(store, today=today, athlete=athlete)
        data = build_report(store, start=first, end=last, athlete=athlete, created=created)
        return data if replaced is None else dataclasses.replace(data, replaced=replaced)
    first, last = default_period(end)
    return build_report(
        store, start=start or first, end=end or last, athlete=athlete, created=created
    )


def check_period(start: date, end: date) -> None:
    """Refuse a period that ends before it starts or spans more than :data:`MAX_WEEKS`."""
    for name, day in (("start", start), ("end", end)):
        if (problem := day_out_of_range(day)) is not None:
            raise InputError(problem, field=name)
    if start > end:
        raise InputError(
            f"the period starts after it ends ({start.isoformat()} > {end.isoformat()})",
            hint="give a first day on or before the last",
            field="start",
        )
    weeks = (_monday(end) - _monday(start)).days // 7 + 1
    if weeks > MAX_WEEKS:
        raise InputError(
            f"the period spans {weeks} weeks; {MAX_WEEKS} at most",
            hint="a report covers up to ten years",
            field="start",
        )


def build_report(
    store: Store,
    *,
    start: date,
    end: date,
    athlete: str = DEFAULT_ATHLETE,
    created: date | None = None,
) -> ReportData:
    """Gather the clinician report for ``start`` .. ``end`` (inclusive local days), made on
    ``created`` (default: today, whatever the period)."""
    check_period(start, end)
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn, athlete).id
        # Columns, not a StoredActivity per row: only the summaries are read (issue 13).
        columns = activity_rows.list_activity_columns(conn, athlete_id)
        screenings = pain_rows.list_screenings(conn, athlete_id, until=end)
        clearance = clearance_rows.get_latest_clearance(conn, athlete_id, until=end)
    items = done_activities(columns)
    inside = [a for a in items if start <= a.local_date <= end]
    runs = [a for a in inside if a.sport == "running"]
    others = [a for a in inside if a.sport != "running"]

    n_weeks = (_monday(end) - _monday(start)).days // 7 + 1
    load = get_load(store, weeks=n_weeks, as_of=end, athlete=athlete)
    spikes = _spikes(columns, start, end)
    diary = [e for e in list_pain(store, today=end, athlete=athlete) if e.day >= start]
    morning: dict[date, list[int]] = {}
    for e in diary:
        if e.moment == "next_morning":
            morning.setdefault(_monday(e.day), []).append(e.nrs)
    spikes_by_week: dict[date, int] = {}
    for s in spikes:
        spikes_by_week[_monday(s.day)] = spikes_by_week.get(_monday(s.day), 0) + 1
    weeks = [
        Week(
            monday=w.monday,
            run_distance_m=w.run_distance_m,
            runs=w.runs,
            long_run_m=w.long_run_m,
            other_minutes=w.other_minutes,
            strength_sessions=w.strength_sessions,
            morning_pain_mean=fmean(morning[w.monday]) if w.monday in morning else None,
            morning_entries=len(morning.get(w.monday, [])),
            spikes=spikes_by_week.get(w.monday, 0),
            l2=l2_view(w.l2),
        )
        for w in load.weeks
    ]
    status = get_status(store, as_of=end, athlete=athlete)
    if status.training_suspended:
        # Red flags win here too (rules/safety.py): a spike's words may ask for training
        # ("restart with short run-walk sessions"); its day, size and outcome stay.
        spikes = [dataclasses.replace(s, message="") for s in spikes]
    longest = max(runs, key=lambda a: a.distance_m or 0.0, default=None)
    halves, form_changes, points = _form(store, athlete_id, start, end)
    data = ReportData(
        athlete=athlete,
        start=start,
        end=end,
        created=created or local_today(),
        runs=len(runs),
        runs_span=_span([a for a in items if a.sport == "running"]),
        run_distance_m=sum(a.distance_m or 0.0 for a in runs),
        run_time_s=sum(_duration(a) for a in runs),
        longest_run_m=(longest.distance_m or 0.0) if longest else 0.0,
        longest_run_day=longest.local_date if longest else None,
        other_sessions=len(others),
        other_minutes=sum(_duration(a) for a in others) / 60.0,
        weeks=weeks,
        spikes=spikes,
        l2_steep_weeks=[w.monday for w in load.weeks if w.l2 is not None and w.l2.rank >= _CAUTION],
        load_basis=load.load_basis,
        pain=_pain(store, diary, weeks, end, athlete),
        form=form_changes,
        form_points=points,
        form_halves=halves,
        shoes=_shoes(store, runs, end, athlete),
        adherence=_adherence(
            weeks,
            status.findings,
            review(store, weeks=n_weeks, as_of=end, athlete=athlete)
            if n_weeks <= MAX_PLAN_WEEKS
            else None,
        ),
        screens=_screens(screenings, clearance, start, end),
        clearance=clearance,
        scores=_scores(store, end, athlete),
        findings=status.findings,
        training_suspended=status.training_suspended,
        rules=[],
    )
    return dataclasses.replace(
        data,
        rules=[
            RuleRef(r.id, r.title, r.citation, r.grade, r.references)
            for r in (CATALOGUE[i] for i in cited_rules(data))
        ],
    )


def _span(runs: list[DoneActivity]) -> tuple[date, date] | None:
    days = [a.local_date for a in runs]
    return (min(days), max(days)) if days else None


def cited_rules(data: ReportData) -> list[str]:
    """The rules the report cites, in the order its sections cite them: exactly the ones
    its sources page lists (``report.html.j2`` renders what ``data`` holds, and names a
    rule only where this walk does)."""
    cited: list[str] = []

    def cite(*rules: str) -> None:
        cited.extend(r for r in rules if r not in cited)

    def shown(findings: list[Finding], *, info: bool = True) -> None:
        cite(*(f.rule for f in findings if info or f.severity != "info"))

    # Page 1: red flags, the screen (its heading names R1-R3), pain, load, form, shoes,
    # core and cross-training, scores, the most pressing findings.
    shown(data.red_flags)
    cite("R1", "R2", "R3")
    if data.pain.first_mean is not None and data.pain.last_mean is not None:
        cite("P4")
    cite("L1", "L2")  # spikes and the weeks' verdicts, counted even when none
    if data.form:
        cite("F2")
    cite("S1", "C1", "X1")
    cite(*(_SCORE_RULES[s.instrument] for s in data.scores))
    shown([f for f in data.findings if f.rank >= 2][:3])
    # The detail pages: load, pain rules, form charts, shoes, screens, scores, findings.
    shown(data.pain.findings)
    if data.form:
        cite("F1")
    if data.shoes:
        cite("S2")
    for screen in data.screens:
        shown(screen.findings)
    if data.scores:
        cite("P4")
    shown(data.findings, info=False)
    return cited


def _duration(item: DoneActivity) -> float:
    return float(item.moving_s or 0.0)


def _spikes(columns: ActivityColumns, start: date, end: date) -> list[Spike]:
    """L1's verdict on every run of the period that it flags (``rules.load.l1_run_findings``,
    the per-run verdict status and the load chart show)."""
    table = activity_table_of(columns)
    analysis = analyse_up_to(table, end)
    if analysis is None:
        return []
    days = table.local_date.astype(object)
    rows = np.flatnonzero([start <= d <= end for d in days])
    return [
        Spike(
            day=f.date,
            activity_id=int(f.activity_id or 0),
            distance_m=float(f.values["distance_m"] or 0.0),
            longest_before_m=float(f.values["longest_before_m"] or 0.0),
            ratio=f.values["spike"],  # type: ignore[arg-type]
            outcome=f.outcome,
            severity=f.severity,
            message=f.message,
        )
        for f in l1_run_findings(analysis, table, rows)
        if f.outcome in _SPIKES
    ]


def _pain(
    store: Store, diary: list[Any], weeks: list[Week], end: date, athlete: str
) -> PainSummary:
    means = [(w.monday, w.morning_pain_mean) for w in weeks if w.morning_pain_mean is not None]
    first = means[0] if means else None
    last = means[-1] if len(means) > 1 else None
    change = meaningful_change(first[1], last[1]) if first and last else None
    during = [e for e in diary if e.moment in ("during", "after")]
    top = max(during, key=lambda e: (e.nrs, e.day), default=None)
    overview = pain_overview(store, today=end, athlete=athlete)
    return PainSummary(
        entries=len(diary),
        morning_entries=sum(1 for e in diary if e.moment == "next_morning"),
        first_week=first[0] if first else None,
        first_mean=first[1] if first else None,
        last_week=last[0] if last else None,
        last_mean=last[1] if last else None,
        change=change,
        during_max=top.nrs if top else None,
        during_max_day=top.day if top else None,
        leg_symptom_days=sorted({e.day for e in diary if e.leg_symptoms != "none"}),
        findings=[f for f in overview.findings if f.rule in ("P1", "P2", "P3", "P4")],
    )


def _form(
    store: Store, athlete_id: int, start: date, end: date
) -> tuple[tuple[date, date], list[FormChange], list[FormPoint]]:
    half = start + timedelta(days=(end - start).days // 2)
    halves = (half + timedelta(days=1), half)
    table = recent_form_table(store, athlete_id, end)
    if table is None:
        return halves, [], []
    days = table.local_date.astype(object)
    rows = [i for i in range(len(table)) if start <= days[i] <= end]
    points = [
        FormPoint(
            day=days[i],
            values={
                name: _finite(float(getattr(table, name)[i]) * factor)
                for name, _, _, factor, _ in FORM_METRICS
            },
        )
        for i in rows
    ]
    changes = []
    for name, label, unit, factor, _ in FORM_METRICS:
        column = np.asarray(getattr(table, name), dtype=np.float64) * factor
        earlier = [float(column[i]) for i in rows if days[i] <= half and np.isfinite(column[i])]
        recent = [float(column[i]) for i in rows if days[i] > half and np.isfinite(column[i])]
        if earlier and recent:
            changes.append(
                FormChange(name, label, unit, median(earlier), len(earlier),
                           median(recent), len(recent))
            )  # fmt: skip
    return halves, changes, points


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _shoes(store: Store, runs: list[DoneActivity], end: date, athlete: str) -> list[ShoeRow]:
    """Each pair's distance up to the end of the period and in it."""
    rows = []
    for shoe in list_shoes(store, as_of=end, athlete=athlete):
        mine = [a for a in runs if a.gear_id == shoe.id]
        g = shoe.gear
        if g.retired and not mine:
            continue
        rows.append(
            ShoeRow(
                name=g.name,
                description=" ".join(x for x in (g.brand, g.model) if x),
                distance_m=shoe.distance_m,
                period_distance_m=sum(a.distance_m or 0.0 for a in mine),
                period_runs=len(mine),
                inspect_at_m=g.inspect_at_m or CATALOGUE["S1"].thresholds["inspect_km"] * 1000,
                replace_at_m=g.replace_at_m or CATALOGUE["S1"].thresholds["replace_km"] * 1000,
                retired=g.retired,
            )
        )
    return rows


def _adherence(weeks: list[Week], findings: list[Finding], plan: PlanReview | None) -> Adherence:
    """C1 and X1 per week. With the plan review (``service/plan.py``, up to 52 weeks) the
    counts add routines logged with ``backstride done`` and planned sessions appear."""
    sessions = int(CATALOGUE["C1"].thresholds["min_sessions"])
    minutes = CATALOGUE["X1"].thresholds["min_minutes"]
    strength = [w.strength_sessions for w in weeks]
    other = [w.other_minutes for w in weeks]
    basis = "imported activities: strength sessions, and every activity that is not a run"
    logged: list[str] = []
    if plan is not None and [w.start for w in plan.weeks] == [w.monday for w in weeks]:
        strength = [w.core_done for w in plan.weeks]
        other = [w.cross_minutes for w in plan.weeks]
        basis = (
            "imported activities and routines logged with backstride done (cross-training: "
            "not runs or walks)"
        )
        logged = _plan_lines(plan)
    return Adherence(
        weeks=len(weeks),
        strength_sessions=sum(strength),
        weeks_with_enough_strength=sum(1 for n in strength if n >= sessions),
        min_sessions=sessions,
        other_minutes=sum(other),
        weeks_with_enough_other=sum(1 for m in other if m >= minutes),
        min_minutes=minutes,
        findings=[f for f in findings if f.rule in ("C1", "X1")],
        basis=basis,
        logged=logged,
    )


def _plan_lines(plan: PlanReview) -> list[str]:
    """Planned against done, for each kind of session the plan held in the period."""
    w = plan.weeks
    lines = []
    runs_planned = sum(x.runs_planned for x in w)
    if runs_planned:
        fulfilled = sum(x.runs_fulfilled for x in w)
        lines.append(f"Planned runs done on their day: {fulfilled} of {runs_planned}.")
    core_planned = sum(x.core_planned for x in w)
    if core_planned:
        done = sum(x.core_done for x in w)
        lines.append(f"Core sessions: {done} done, {core_planned} planned.")
    cross_planned = sum(x.cross_planned for x in w)
    if cross_planned:
        fulfilled = sum(x.cross_fulfilled for x in w)
        lines.append(f"Planned cross-training sessions done: {fulfilled} of {cross_planned}.")
    runs = sum(x.runs_done for x in w)
    warmups = sum(x.runs_with_warmup for x in w)
    if runs and warmups:
        lines.append(f"Runs with a logged warm-up: {warmups} of {runs}.")
    return lines


def _screens(
    screenings: list[Any], clearance: ClearanceRecord | None, start: date, end: date
) -> list[ScreenRow]:
    """Every screen of the period, and the latest one before it, each judged with the
    clinician's visit in force at the end of the period."""
    before = [s for s in screenings if s.day < start]
    chosen = [*before[-1:], *(s for s in screenings if start <= s.day <= end)]
    groups: dict[str, tuple[str, str]] = {q.field: (q.group, q.sign) for q in QUESTIONS}
    rows = []
    for s in chosen:
        signs = [groups[k] for k, v in s.answers.items() if v is True and k in groups]
        rows.append(
            ScreenRow(
                day=s.day,
                outcome=s.outcome,
                signs=signs,
                unanswered=sum(1 for v in s.answers.values() if v is None),
                findings=findings_for(s, clearance),
                in_period=s.day >= start,
            )
        )
    return rows


def _scores(store: Store, end: date, athlete: str) -> list[ScoreRow]:
    rows = []
    for s in list_scores(store, athlete=athlete):
        if s.day > end:
            continue
        if s.instrument == "odi":
            band = f"{odi_band(s.score)} disability band"
        elif s.instrument == "startback":
            band = f"{startback_group(s.score, s.distress)}-risk group"
        else:
            band = ""  # RMDQ has no published bands: 0-24, higher is more disability
        rows.append(
            ScoreRow(s.day, s.instrument, _INSTRUMENTS[s.instrument], s.score, s.distress, band)
        )
    return rows
