"""Building weeks (mode ``build``): running distance that grows within L1 and L2, lighter
weeks, the long run and the one livelier session, and the next run after a pain finding.
See :mod:`backstride.coach.plan` for when a plan builds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from backstride.coach import schedule
from backstride.coach.model import Plan, PlannedSession, PlanWeek, RunWalk
from backstride.coach.planner import (
    LIGHTER_EVERY,
    LIGHTER_IF_BELOW,
    LIGHTER_SHARE,
    LONG_WEIGHT,
    MIN_RUN_M,
    PAIN_ACCEPTABLE_MAX,
    REDUCE_RANGE,
    REDUCE_SHARE,
    RUN_CAP,
    SPIKE_WINDOW_DAYS,
    TWO_WEEK_LIMIT,
    PlanInput,
    Planner,
    floor_m,
    km_text,
    monday,
    session_order,
)
from backstride.coach.return_to_run import stage, stage_nearest
from backstride.rules.pain import PainAdjustment

#: Stands in a run's "why" for the week's total until the week is planned.
WEEK_TOTAL = "{week total}"


class BuildPlanner(Planner):
    """Weeks of easy running that grow within L1 and L2."""

    def __init__(
        self,
        plan_input: PlanInput,
        adjustment: PainAdjustment,
        *,
        ceiling: Mapping[date, float] | None = None,
    ) -> None:
        super().__init__(plan_input, adjustment)
        #: Each week's running distance in the same plan without the pain adjustment: a pain
        #: finding never plans more (issue 12). Sharing a week out in whole 100 m runs of at
        #: least 1 km is not monotone in the target near those floors, so it is enforced.
        self.ceiling = ceiling or {}
        self.runs: list[tuple[date, float]] = [
            (r.day, r.distance_m) for r in plan_input.runs if r.day <= self.as_of
        ]
        self.hold = adjustment.action in ("hold", "reduce")
        self.first_pending = True
        self.growth = 0.0 if self.hold else self.prefs.growth
        week0 = self.mondays[0]
        self.totals: dict[date, float] = {}
        for day, distance in self.runs:
            self.totals[monday(day)] = self.totals.get(monday(day), 0.0) + distance
        self.light: dict[date, bool] = {}
        for k in range(8, 0, -1):
            w = week0 - timedelta(days=7 * k)
            before = [self.total(w - timedelta(days=7 * j)) for j in (1, 2, 3)]
            self.light[w] = max(before) > 0 and self.total(w) <= LIGHTER_IF_BELOW * max(before)

    def total(self, week: date) -> float:
        return self.totals.get(week, 0.0)

    def plan(self) -> Plan:
        prefs = self.prefs
        week0 = self.mondays[0]
        prev = [week0 - timedelta(days=7 * j) for j in (1, 2, 3, 4)]
        if self.light[prev[0]] or self.total(prev[0]) <= 0:
            level = max(self.total(w) for w in prev[1:])
        else:
            level = self.total(prev[0])
        streak = 0
        for w in prev:
            if self.light[w] or self.total(w) <= 0:
                break
            streak += 1
        run_weekdays = schedule.run_days(prefs.days_per_week, prefs.long_run_day)
        quality = None
        if prefs.days_per_week >= 4 and not self.hold:
            quality = schedule.quality_day(run_weekdays, prefs.long_run_day)
        weeks = []
        for week in self.mondays:
            p1, p2 = self.total(week - timedelta(days=7)), self.total(week - timedelta(days=14))
            lighter = streak >= LIGHTER_EVERY - 1
            if lighter:
                target, streak = LIGHTER_SHARE * level, 0
            else:
                after_light = self.light.get(week - timedelta(days=7), False)
                level = level if after_light else level * (1.0 + self.growth)
                target, streak = level, streak + 1
            if max(p1, p2) > 0:
                target = min(target, (1.0 + self.growth) * max(p1, p2))
            for previous in (p1, p2):
                if previous > 0:
                    target = min(target, (1.0 + TWO_WEEK_LIMIT) * previous)
            if not lighter:
                level = target
            sessions = self.week_runs(
                week, run_weekdays, None if lighter else quality, target, first=True
            )
            sessions = self.within_ceiling(week, sessions)
            planned = sum(self.running_m(s) for s in sessions)
            self.totals[week] = self.total(week) + planned
            sessions = [self.with_week_total(s, self.total(week)) for s in sessions]
            self.light[week] = lighter
            core = self.core_sessions(
                week,
                run_weekdays,
                (prefs.long_run_day,) if quality is None else (prefs.long_run_day, quality),
            )
            cross = self.cross_sessions(week, run_weekdays, [c.day.weekday() for c in core])
            ordered = tuple(sorted([*sessions, *core, *cross], key=session_order))
            weeks.append(
                PlanWeek(
                    start=week,
                    sessions=ordered,
                    running_distance_m=self.total(week),
                    lighter=lighter,
                )
            )
        if self.growth > 0:
            self.notes.append(
                f"Weekly running distance grows at most {self.growth:.0%} a week (conservative, "
                "not a proven safe limit: the 10% rule itself did not prevent injuries) and never "
                f"more than {TWO_WEEK_LIMIT:.0%} over either of the two weeks before (L2)."
            )
        else:
            self.notes.append(
                "Weekly running distance is held, not grown, "
                + (
                    "because the pain rules ask for it (below)"
                    if self.hold
                    else "as you chose (no growth)"
                )
                + f", and is never more than {TWO_WEEK_LIMIT:.0%} over either of the two weeks "
                "before (L2)."
            )
        self.notes.append(
            f"No run is longer than {RUN_CAP:.2f} x your longest run of the {SPIKE_WINDOW_DAYS} "
            "days before it (L1). "
            f"Every {LIGHTER_EVERY}th week is about {round((1 - LIGHTER_SHARE) * 100)}% "
            "lighter (a design choice)."
        )
        self.pain_notes()
        return self.finish("build", weeks)

    @staticmethod
    def with_week_total(session: PlannedSession, total_m: float) -> PlannedSession:
        """The session's "why" quoting the week's planned total, the figure the week's header
        shows (runs done this week included), once the week is planned."""
        if WEEK_TOTAL not in session.why:
            return session
        return replace(session, why=session.why.replace(WEEK_TOTAL, f"{km_text(total_m)} in all"))

    def within_ceiling(self, week: date, sessions: list[PlannedSession]) -> list[PlannedSession]:
        """The week's runs trimmed, last first, to the same week's running distance without
        the pain adjustment (runs cut under 1 km are left out)."""
        if week not in self.ceiling:
            return sessions
        excess = self.total(week) + sum(self.running_m(s) for s in sessions) - self.ceiling[week]
        kept = list(sessions)
        for i in range(len(kept) - 1, -1, -1):
            if excess <= 1e-6:
                break
            s = kept[i]
            if s.kind != "run" or s.distance_m is None:
                continue
            self.runs.remove((s.day, s.distance_m))
            shorter = floor_m(s.distance_m - excess)
            excess -= s.distance_m
            if shorter < MIN_RUN_M:
                del kept[i]
                continue
            excess += shorter
            self.runs.append((s.day, shorter))
            kept[i] = replace(
                s,
                title=s.title.replace(km_text(s.distance_m), km_text(shorter)),
                distance_m=shorter,
                duration_s=round(shorter / self.speed),
            )
        return kept

    def running_m(self, session: PlannedSession) -> float:
        """A run's distance; for run-walk, the running part at the runner's easy speed."""
        if session.run_walk is not None and session.distance_m is None:
            return floor_m(session.run_walk.run_s * session.run_walk.repeats * self.speed)
        return session.distance_m or 0.0

    def cap(self, day: date) -> float:
        since = day - timedelta(days=SPIKE_WINDOW_DAYS)
        longest = max((d for day_, d in self.runs if since <= day_ < day), default=0.0)
        return RUN_CAP * longest

    def week_runs(
        self,
        week: date,
        weekdays: Sequence[int],
        quality: int | None,
        target: float,
        *,
        first: bool,
    ) -> list[PlannedSession]:
        """The week's runs, in date order, each within its L1 cap; the plan's first run
        adjusted for pain. Each run joins the history as it is planned (later caps see it)."""
        long_day = self.prefs.long_run_day
        days = self.dates(week, weekdays)
        remaining = max(0.0, target - self.total(week))
        weights = {d: (LONG_WEIGHT if d.weekday() == long_day else 1.0) for d in days}
        long_share = remaining * LONG_WEIGHT / sum(weights.values()) if days else 0.0
        sessions: list[PlannedSession] = []
        for i, day in enumerate(days):
            left = sum(weights[d] for d in days[i:])
            wanted = remaining * weights[day] / left
            if day.weekday() != long_day:
                wanted = min(wanted, long_share)
            cap = self.cap(day)
            distance = floor_m(min(wanted, cap))
            if distance < MIN_RUN_M:
                continue
            remaining -= distance
            session = self.build_run(day, distance, cap, day.weekday() == quality, target)
            if first and not sessions and self.first_pending:
                session = self.adjust_first(session)
                self.first_pending = False
            if session.distance_m:
                self.runs.append((day, session.distance_m))
            sessions.append(session)
        return sessions

    def build_run(
        self, day: date, distance: float, cap: float, quality: bool, target: float
    ) -> PlannedSession:
        long_run = day.weekday() == self.prefs.long_run_day
        l1 = (
            f"at most {RUN_CAP:.2f} x the longest run of the {SPIKE_WINDOW_DAYS} days before "
            f"({km_text(cap / RUN_CAP)}) (L1)"
        )
        l2 = f"this week {WEEK_TOTAL}, within the weekly limits (L2)"
        if long_run:
            return self.run(
                day,
                "run",
                f"Long easy run {km_text(distance)}",
                "long",
                ("L1", "L2"),
                f"The week's longest run, easy pace: {l1}; {l2}.",
                distance_m=distance,
            )
        if quality:
            return self.run(
                day,
                "run",
                f"Easy run {km_text(distance)} with 6 x 20 s relaxed strides",
                "quality",
                ("L1", "L2"),
                f"Mostly easy running; the week's one livelier session, never next to the "
                f"long run: {l1}; {l2}.",
                distance_m=distance,
            )
        return self.run(
            day,
            "run",
            f"Easy run {km_text(distance)}",
            "easy",
            ("L1", "L2"),
            f"Easy run: {l1}; {l2}.",
            distance_m=distance,
        )

    def adjust_first(self, session: PlannedSession) -> PlannedSession:
        """The next run after a pain rule asking to reduce: cut by the middle of the 20-50%
        its message says (P2, P4, P5/P6 worse); after P1 above 5 ("stop or walk") the cut
        run becomes run-walk at the stage nearest the cut (RTR), never stage 1 by default."""
        if self.adjustment.action != "reduce" or session.distance_m is None:
            return session
        rule = self.adjustment.rule
        cut = floor_m(session.distance_m * (1.0 - REDUCE_SHARE))
        pct = round(REDUCE_SHARE * 100)
        if rule == "P1":
            return self.walk_breaks(session, cut, pct)
        return self.run(
            session.day,
            "run",
            f"Easy run {km_text(cut)} (cut {pct}%)",
            "easy",
            (rule, "L1", "L2"),
            f"{rule}: your back asks for a lighter next session, {pct}% shorter than planned "
            f"({km_text(session.distance_m)}), within the {REDUCE_RANGE} the pain rule asks for.",
            distance_m=cut,
        )

    def walk_breaks(self, session: PlannedSession, cut: float, pct: int) -> PlannedSession:
        """The cut run as run-walk: the stage whose running time is nearest the cut run's
        without going over it (stage 1's intervals, fewer of them, below stage 1)."""
        seconds = cut / self.speed
        nearest = stage_nearest(seconds)
        if nearest is None:
            first = stage(1)
            intervals = RunWalk(first.run_s, first.walk_s, max(1, int(seconds // first.run_s)))
            title = (
                f"Run-walk {intervals.repeats} x ({first.run_s // 60} min run, "
                f"{first.walk_s // 60} min walk)"
            )
        else:
            intervals = nearest.intervals
            title = f"Run-walk stage {nearest.number}: {nearest.label}"
        return self.run(
            session.day,
            "run_walk",
            title,
            "easy",
            ("P1", "RTR"),
            f"Pain above {PAIN_ACCEPTABLE_MAX}/10 during your last run: walk breaks this time, "
            f"at most the running of a run {pct}% shorter than planned ({km_text(cut)} of "
            f"{km_text(session.distance_m or 0.0)}) (P1); run-walk at the stage of the "
            "return-to-run program nearest that cut (RTR).",
            duration_s=float(intervals.duration_s),
            run_walk=intervals,
        )
