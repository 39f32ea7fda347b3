"""JSON-ready dicts of a plan, of its review and of its sessions' marks: what ``plan --json``
and ``plan --review --json`` print, and what the dashboard serves at ``/api/plan``,
``/api/plan/review`` and ``/api/plan/marks``.

Units as everywhere: metres, seconds; dates as ISO strings. Every session carries its rule
ids and its one-sentence reason; ``rules`` at the top lists each rule with its citation and
grade from the catalogue.
"""

from __future__ import annotations

from typing import Any

from backstride.coach.model import Plan, PlannedSession
from backstride.rules.catalogue import CATALOGUE
from backstride.service.adherence import PlanMarks, PlanReview, SessionMark, WeekAdherence


def session_to_json(s: PlannedSession) -> dict[str, Any]:
    return {
        "date": s.day.isoformat(),
        "kind": s.kind,
        "title": s.title,
        "intensity": s.intensity,
        "duration_s": s.duration_s,
        "distance_m": s.distance_m,
        "run_walk": None
        if s.run_walk is None
        else {
            "run_s": s.run_walk.run_s,
            "walk_s": s.run_walk.walk_s,
            "repeats": s.run_walk.repeats,
        },
        "routine": s.routine,
        "warmup": s.warmup,
        "cooldown": s.cooldown,
        "sport": s.sport,
        "rules": list(s.rules),
        "why": s.why,
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan: mode, weeks of sessions, notes, the rules behind it (citation, grade)."""
    return {
        "as_of": plan.as_of.isoformat(),
        "mode": plan.mode,
        "blocked_message": plan.blocked_message,
        "notes": list(plan.notes),
        "rules": [
            {
                "rule": r,
                "title": CATALOGUE[r].title,
                "citation": CATALOGUE[r].citation,
                "grade": CATALOGUE[r].grade,
            }
            for r in plan.rules
            if r in CATALOGUE
        ],
        "weeks": [
            {
                "start": w.start.isoformat(),
                "running_distance_m": w.running_distance_m,
                "lighter": w.lighter,
                "stage": w.stage,
                "sessions": [session_to_json(s) for s in w.sessions],
            }
            for w in plan.weeks
        ],
    }


def week_to_json(w: WeekAdherence) -> dict[str, Any]:
    low, high = w.core_target
    return {
        "start": w.start.isoformat(),
        "runs": {"planned": w.runs_planned, "fulfilled": w.runs_fulfilled, "done": w.runs_done},
        "distance_km": {"planned": round(w.planned_km, 2), "done": round(w.done_km, 2)},
        "core": {
            "planned": w.core_planned,
            "fulfilled": w.core_fulfilled,
            "done": w.core_done,
            "target": [low, high],
        },
        "cross_training": {
            "planned": w.cross_planned,
            "fulfilled": w.cross_fulfilled,
            "minutes": round(w.cross_minutes, 1),
            "target_minutes": w.cross_target_min,
        },
        "warmup": {"runs": w.runs_done, "with_warmup": w.runs_with_warmup},
        "cooldown": {"runs": w.runs_done, "with_cooldown": w.runs_with_cooldown},
    }


def review_to_json(review: PlanReview) -> dict[str, Any]:
    """Adherence per week, oldest first, and the stored sessions of those weeks marked."""
    return {
        "as_of": review.as_of.isoformat(),
        "weeks": [week_to_json(w) for w in review.weeks],
        "sessions": [mark_to_json(m) for m in review.sessions],
    }


def mark_to_json(m: SessionMark) -> dict[str, Any]:
    """A stored session (as :func:`session_to_json`) with its mark and what fulfilled it."""
    return {
        **session_to_json(m.session),
        "position": m.position,
        "mark": m.mark,
        "activity_id": m.activity_id,
        "logged": m.logged,
        "warmup_mark": m.warmup,
        "cooldown_mark": m.cooldown,
    }


def marks_to_json(marks: PlanMarks) -> dict[str, Any]:
    """The stored sessions of a period, each marked done, missed or upcoming."""
    return {
        "from": marks.start.isoformat(),
        "to": marks.end.isoformat(),
        "as_of": marks.as_of.isoformat(),
        "sessions": [mark_to_json(m) for m in marks.sessions],
    }
