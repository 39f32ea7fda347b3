"""Pain-monitoring rules P1-P4 and P8 over the back-pain diary, the training adjustment they
(and the red-flag screen and questionnaire scores) ask for, whether the diary shows the pain
rules met, when a red-flag screen is due, and the disc-myth card D1.

Contract: :func:`pain_findings` takes :class:`PainEntry` values (NRS 0-10, one moment of a
local day) and ``as_of`` and returns :class:`~backstride.rules.finding.Finding` values of
practice ``clinician``; entries after ``as_of`` are ignored. With no entries at all it
returns nothing; when a rule lacks the entries it needs it says what is missing (``info``)
rather than guessing. :func:`pain_adjustment` turns findings (pain, score and red-flag) into
one :class:`PainAdjustment`, the most restrictive. The model (P1-P3) comes from Achilles
tendon research (Silbernagel 2007) and is applied to back pain by extrapolation.

Definitions (design choices, evidence.md §4.1-4.2 marks the operationalisation UNVERIFIED):

- A *run day* is a day with a ``during`` or ``after`` entry. P1 reads the highest such NRS
  on the latest run day within ``recent_days`` of ``as_of``: 0-2 the low-pain band, 3-5
  acceptable, above 5 stop or walk (reduce). Progression with pain is allowed (evidence
  §4.1): 3-5 is ``acceptable`` (no change to the plan) when P3 is not rising and the latest
  run P2 can judge either settled or was not painful (0-2); it is ``acceptable_hold``
  (hold) when P3 is rising, P2 is not settled, P2 lacks an entry after a painful run, or
  there is no earlier run for P2 to judge (the run of ``as_of`` itself has no morning yet).
- The severe-pain ceiling (P1 ``severe``, clinical consensus): the highest NRS of any moment
  on the latest diary day within ``settle_days`` of ``as_of`` is 8 or more. It lasts until
  a later entry is below 8 ("until it settles"): no running, screen due now, clinician.
- Leg symptoms (numbness, tingling or pain spreading down a leg) logged in the last
  ``recent_days`` set P1's ``leg_symptoms`` value; the adjustment then holds at least and
  says to stop that exercise and take the screen again.
- P2: a ``next_morning`` entry is dated on the morning itself and belongs to the run of the
  day before. The *baseline* is the lowest ``before`` entry of that run day (the lowest, so
  a doubtful case counts against running on). P2 judges the latest run day with a possible
  next morning (run day before ``as_of``) within ``recent_days``.
- P3: *morning pain* is the ``next_morning`` entries. Weeks run Monday to Sunday; the week of
  ``as_of`` counts when it already has ``min_entries`` entries, else the week before it, and
  it is compared with the week before that. A rise of the mean by ``rise_min`` (1 point)
  or more is "rising"; smaller changes are within the NRS's day-to-day noise.
- P4: *typical pain* is the ``before`` and ``next_morning`` entries (not pain just caused
  by a run). The mean of the ``window_days`` days ending on ``as_of`` is compared with the
  same window ``gap_days`` earlier. A change matters at ``points`` or more, or at
  ``fraction`` of the earlier mean or more provided it is at least ``pct_min_points``.
- P8: the first entry with pain above 0 is ``weeks`` (6) or more before ``as_of``; the
  typical pain of the 7 days from it is compared (P4's sizes) with the last 7 days; not
  improved while pain is still logged -> routine clinician review (no change to the plan).
- *Pain rules met* (:func:`pain_rules_met`, what return-to-run stages and growth after a
  reduction need): nothing asks for a change, and the diary holds the entries P1 and P2
  read: a run with pain logged during or after it, and a settled next morning (P2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Literal

from backstride.model import PainRecord
from backstride.rules.adjustment import ACTIONS as ACTIONS
from backstride.rules.adjustment import Action as Action
from backstride.rules.adjustment import PainAdjustment as PainAdjustment
from backstride.rules.adjustment import pain_adjustment as pain_adjustment
from backstride.rules.adjustment import pain_rules_met as pain_rules_met
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import Finding, most_pressing

P1, P2, P3, P4, P8, D1 = (CATALOGUE[r] for r in ("P1", "P2", "P3", "P4", "P8", "D1"))

When = Literal["before", "during", "after", "next_morning"]
LegSymptoms = Literal["none", "one_side", "both_sides"]
_RUN_MOMENTS = ("during", "after")


@dataclass(frozen=True)
class PainEntry:
    """One diary entry: low back pain NRS (0-10) at one moment of a local day."""

    day: date
    nrs: int
    when: When
    activity_id: int | None = None
    leg_symptoms: LegSymptoms = "none"

    def __post_init__(self) -> None:
        if isinstance(self.nrs, bool) or not isinstance(self.nrs, int) or not 0 <= self.nrs <= 10:
            raise ValueError(f"nrs must be an integer from 0 to 10, got {self.nrs!r}")


def diary_entries(records: Iterable[PainRecord]) -> list[PainEntry]:
    """The stored diary (``model.PainRecord``) as the entries the pain rules read."""
    return [PainEntry(r.day, r.nrs, r.moment, r.activity_id, r.leg_symptoms) for r in records]


def pain_findings(entries: Sequence[PainEntry], *, as_of: date) -> list[Finding]:
    """P1-P4 findings on ``as_of``, most pressing first (none without any entry).

    Parameters
    ----------
    entries : diary entries in any order; those after ``as_of`` are ignored.
    as_of : the local day to judge.

    Returns
    -------
    One finding per rule P1-P4: its verdict, or ``info`` saying which entries are missing
    (P2 stays silent when there was no run in the last ``recent_days``).

    Examples
    --------
    >>> d = date(2024, 3, 6)
    >>> diary = [PainEntry(d, 1, "before"), PainEntry(d, 4, "during"),
    ...          PainEntry(date(2024, 3, 7), 3, "next_morning")]
    >>> [(f.rule, f.severity) for f in pain_findings(diary, as_of=date(2024, 3, 7))]
    [('P1', 'caution'), ('P2', 'caution'), ('P3', 'info'), ('P4', 'info')]

    References
    ----------
    Evidence P1-P3: Silbernagel 2007 (Achilles; extrapolated to back pain), Smith 2017;
    the ceiling: clinical consensus. Evidence P4: Ostelo 2008. P8: NICE NG59.
    """
    past = [e for e in entries if e.day <= as_of]
    if not past:
        return []
    p2, p3 = _p2(past, as_of), _p3(past, as_of)
    found = [_p1(past, as_of, p2, p3), p2, p3, _p4(past, as_of), _p8(past, as_of)]
    return most_pressing([f for f in found if f is not None])


def _run_days(entries: Iterable[PainEntry]) -> set[date]:
    return {e.day for e in entries if e.when in _RUN_MOMENTS}


def _runs_known(entries: Iterable[PainEntry]) -> set[date]:
    """Days with a run the diary knows of: pain logged during or after it, or an entry
    linked to it (before it, or the next morning: the day before). A runner who logs only
    before and next-morning pain still gets P2."""
    days = _run_days(entries)
    for e in entries:
        if e.activity_id is not None and e.when == "before":
            days.add(e.day)
        elif e.activity_id is not None and e.when == "next_morning":
            days.add(e.day - timedelta(days=1))
    return days


def _p1(entries: list[PainEntry], as_of: date, p2: Finding | None, p3: Finding) -> Finding:
    recent = as_of - timedelta(days=int(P1.thresholds["recent_days"]) - 1)
    leg = {"leg_symptoms": any(e.leg_symptoms != "none" for e in entries if e.day >= recent)}
    severe = _ceiling(entries, as_of)
    if severe is not None:
        return P1.finding("severe", as_of, {**severe, **leg})
    days = [d for d in _run_days(entries) if d >= recent]
    if not days:
        return P1.finding(
            "missing", as_of, {"recent_days": int(P1.thresholds["recent_days"]), **leg}
        )
    run_day = max(days)
    nrs = _run_nrs(entries, run_day)
    shown = {"nrs": nrs, "run_day": run_day.isoformat(), **leg}
    if nrs <= P1.thresholds["low_max"]:
        return P1.finding("low", as_of, shown)
    if nrs > P1.thresholds["acceptable_max"]:
        return P1.finding("too_much", as_of, shown)
    reason = _hold_reason(entries, p2, p3)
    if reason is None:
        return P1.finding("acceptable", as_of, shown)
    return P1.finding("acceptable_hold", as_of, {**shown, "reason": reason})


def _run_nrs(entries: Iterable[PainEntry], day: date) -> int:
    """The highest NRS during or after the run of ``day`` (-1 when none was logged)."""
    return max((e.nrs for e in entries if e.day == day and e.when in _RUN_MOMENTS), default=-1)


def _ceiling(entries: list[PainEntry], as_of: date) -> dict[str, int | str] | None:
    """The severe-pain ceiling: the latest diary day (within ``settle_days``) at 8 or more."""
    since = as_of - timedelta(days=int(P1.thresholds["settle_days"]) - 1)
    days = [e.day for e in entries if e.day >= since]
    if not days:
        return None
    last = max(days)
    worst = max(e.nrs for e in entries if e.day == last)
    if worst < P1.thresholds["severe_min"]:
        return None
    return {"nrs": worst, "day": last.isoformat()}


def _hold_reason(entries: list[PainEntry], p2: Finding | None, p3: Finding) -> str | None:
    """Why pain of 3-5 holds the load (None: it may progress, evidence §4.1)."""
    if p3.severity == "caution":
        return "your morning pain is rising week on week (P3)"
    if p2 is None:
        return "the next morning after this run is still to come (P2)"
    if p2.severity == "caution":
        return "it had not settled by the next morning after your last run (P2)"
    if p2.severity == "info":
        run_day = date.fromisoformat(str(p2.values["run_day"]))
        if _run_nrs(entries, run_day) > P1.thresholds["low_max"]:
            return f"the diary does not show it settled after your run on {run_day} (P2)"
    return None


def _p2(entries: list[PainEntry], as_of: date) -> Finding | None:
    recent = as_of - timedelta(days=int(P2.thresholds["recent_days"]))
    days = [d for d in _runs_known(entries) if recent <= d < as_of]
    if not days:
        return None  # no recent run to judge; P1 already says so
    run_day = max(days)
    shown = {"run_day": run_day.isoformat()}
    mornings = [
        e.nrs for e in entries if e.when == "next_morning" and e.day == run_day + timedelta(1)
    ]
    before = [e.nrs for e in entries if e.when == "before" and e.day == run_day]
    if not mornings:
        return P2.finding("no_morning", as_of, shown)
    if not before:
        return P2.finding("no_baseline", as_of, shown)
    morning, baseline = max(mornings), min(before)
    outcome = "not_settled" if morning > baseline + P2.thresholds["margin"] else "settled"
    return P2.finding(outcome, as_of, {**shown, "morning": morning, "baseline": baseline})


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _p3(entries: list[PainEntry], as_of: date) -> Finding:
    need = int(P3.thresholds["min_entries"])
    by_week: dict[date, list[int]] = {}
    for e in entries:
        if e.when == "next_morning":
            by_week.setdefault(_monday(e.day), []).append(e.nrs)
    week = _monday(as_of)
    if len(by_week.get(week, [])) < need:
        week -= timedelta(days=7)
    now, before = by_week.get(week, []), by_week.get(week - timedelta(days=7), [])
    if len(now) < need or len(before) < need:
        return P3.finding("missing", as_of, {})
    mean_now, mean_before = fmean(now), fmean(before)
    tiny = 1e-9  # means of integers: a rise of exactly 1 point counts
    outcome = "rising" if mean_now - mean_before >= P3.thresholds["rise_min"] - tiny else "steady"
    values = {"mean_now": mean_now, "mean_before": mean_before, "week": week.isoformat()}
    return P3.finding(outcome, as_of, values)


def meaningful_change(
    before: float,
    now: float,
    *,
    points: float | None = None,
    fraction: float | None = None,
    pct_min_points: float | None = None,
) -> Literal["improved", "stable", "worsened"]:
    """P4 verdict for a change of mean pain (NRS 0-10) from ``before`` to ``now``.

    >>> meaningful_change(5.0, 3.0), meaningful_change(5.0, 3.5), meaningful_change(5.0, 3.6)
    ('improved', 'improved', 'stable')
    >>> meaningful_change(3.0, 4.0), meaningful_change(0.5, 1.0), meaningful_change(0.0, 1.5)
    ('worsened', 'stable', 'stable')

    References
    ----------
    Evidence P4: Ostelo 2008 (2 points or 30%; worsening of the same size is extrapolated).
    """
    points = P4.thresholds["points"] if points is None else points
    fraction = P4.thresholds["fraction"] if fraction is None else fraction
    pct_min_points = P4.thresholds["pct_min_points"] if pct_min_points is None else pct_min_points
    change = abs(now - before)
    tiny = 1e-9  # means of integers: 1.5 / 5 must count as 30%
    matters = change >= points - tiny or (
        before > 0 and change >= pct_min_points - tiny and change >= fraction * before - tiny
    )
    if not matters:
        return "stable"
    return "worsened" if now > before else "improved"


def _p4(entries: list[PainEntry], as_of: date) -> Finding:
    width, gap = int(P4.thresholds["window_days"]), int(P4.thresholds["gap_days"])

    def window(end: date) -> list[int]:
        start = end - timedelta(days=width - 1)
        return [
            e.nrs for e in entries if e.when in ("before", "next_morning") and start <= e.day <= end
        ]

    now, before = window(as_of), window(as_of - timedelta(days=gap))
    if min(len(now), len(before)) < P4.thresholds["min_entries"]:
        return P4.finding("missing", as_of, {})
    mean_now, mean_before = fmean(now), fmean(before)
    outcome = meaningful_change(mean_before, mean_now)
    return P4.finding(outcome, as_of, {"mean_now": mean_now, "mean_before": mean_before})


def _typical(entries: Iterable[PainEntry], start: date, end: date) -> list[int]:
    """P4's typical pain: ``before`` and ``next_morning`` entries from ``start`` to ``end``."""
    typical = ("before", "next_morning")
    return [e.nrs for e in entries if e.when in typical and start <= e.day <= end]


def _p8(entries: list[PainEntry], as_of: date) -> Finding | None:
    """P8 once pain has been logged for ``weeks`` weeks: improved (P4) or not."""
    pain_days = [e.day for e in entries if e.nrs > 0]
    if not pain_days:
        return None
    first, width = min(pain_days), int(P8.thresholds["window_days"])
    weeks = (as_of - first).days // 7
    if weeks < P8.thresholds["weeks"]:
        return None
    early = _typical(entries, first, first + timedelta(days=width - 1))
    late = _typical(entries, as_of - timedelta(days=width - 1), as_of)
    if min(len(early), len(late)) < P8.thresholds["min_entries"] or not any(late):
        return None  # too few entries to compare, or no pain logged lately
    mean_before, mean_now = fmean(early), fmean(late)
    outcome = (
        "improving" if meaningful_change(mean_before, mean_now) == "improved" else ("not_improving")
    )
    values = {
        "first_day": first.isoformat(),
        "weeks": weeks,
        "mean_now": mean_now,
        "mean_before": mean_before,
    }
    return P8.finding(outcome, as_of, values)


def screen_due(
    entries: Sequence[PainEntry],
    last_screen_day: date | None,
    *,
    as_of: date,
    p4_worsened: bool,
    every_days: int | None = None,
    window_days: int | None = None,
) -> str | None:
    """Why a red-flag screen is due on ``as_of``, or None when it is not.

    Due at first use (no screen yet); when leg symptoms, or pain of 8/10 or more (P1's
    severe-pain ceiling), were logged after the last screen's day; when P4 says pain
    worsened and the last screen is older than P4's 7-day window (a screen inside that
    window already saw the worse pain); and ``every_days`` after the
    last screen while pain above 0 has been logged since.

    >>> screen_due([], None, as_of=date(2024, 3, 7), p4_worsened=False)
    'first use: no symptom screen yet'
    >>> screen_due([], date(2024, 3, 1), as_of=date(2024, 3, 7), p4_worsened=False) is None
    True
    """
    if every_days is None:
        every_days = int(CATALOGUE["R1"].thresholds["screen_every_days"])
    window_days = int(P4.thresholds["window_days"]) if window_days is None else window_days
    if last_screen_day is None:
        return "first use: no symptom screen yet"
    since = [e for e in entries if last_screen_day < e.day <= as_of]
    if any(e.leg_symptoms != "none" for e in since):
        return "leg symptoms logged since the last screen"
    if any(e.nrs >= P1.thresholds["severe_min"] for e in since):
        return "pain of 8/10 or more logged since the last screen (P1 ceiling)"
    if p4_worsened and (as_of - last_screen_day).days >= window_days:
        return "pain has worsened by a change that matters (P4) since the last screen"
    if (as_of - last_screen_day).days >= every_days and any(e.nrs > 0 for e in since):
        return f"{every_days} days since the last screen while pain is logged"
    return None


def disc_card(*, day: date) -> Finding:
    """The D1 disc-myth card (education, ``info``), for when a runner worries about discs.

    >>> disc_card(day=date(2024, 3, 7)).message[:2]
    'D1'
    """
    return D1.finding("card", day, {})
