"""The shapes of a plan and of the exercise library.

A :class:`Plan` is a list of :class:`PlanWeek` values, each a Monday-to-Sunday list of
:class:`PlannedSession` values. Every session says why it is there: ``rules`` are catalogue
ids (L1, L2, C1, X1, C2, P2, RTR ...) and ``why`` is one plain sentence built from them.
Distances are metres, durations seconds (SI, as everywhere above ingest). A plan that a red
flag blocks has ``mode == "blocked"``, no weeks, and the clinician message.

The exercise library (``coach/exercises.py``) is data of :class:`Exercise` and
:class:`Routine` values; sessions name a routine by id (``routine``), never embed its text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from backstride.rules.catalogue import CATALOGUE

#: What a planned session is. ``run_walk`` is a run of alternating run and walk intervals.
SessionKind = Literal["run", "run_walk", "core", "cross"]
#: Mostly easy running; ``long`` is the week's longest easy run; ``quality`` is the only
#: "hard" kind (strides or a steady tempo), never on consecutive days.
Intensity = Literal["easy", "long", "quality", "moderate"]
#: ``paused``: the severe-pain ceiling (P1 at 8/10 or more): no runs until pain settles.
PlanMode = Literal["build", "return_to_run", "paused", "blocked"]
Category = Literal["core", "warmup", "cooldown", "cross"]

HARD_INTENSITIES: frozenset[str] = frozenset({"quality"})


@dataclass(frozen=True)
class RunWalk:
    """Run-walk intervals: ``repeats`` × (``run_s`` running, then ``walk_s`` walking)."""

    run_s: int
    walk_s: int
    repeats: int

    @property
    def duration_s(self) -> int:
        return self.repeats * (self.run_s + self.walk_s)


@dataclass(frozen=True)
class PlannedSession:
    """One session on one local day.

    Runs carry ``distance_m`` (a ``run``) or ``run_walk`` intervals (a ``run_walk``), and the
    warm-up and cool-down routines to do around them (``warmup``/``cooldown`` routine ids).
    Core sessions name their routine in ``routine``; cross-training names a ``sport``.
    """

    day: date
    kind: SessionKind
    title: str
    intensity: Intensity
    duration_s: float | None
    rules: tuple[str, ...]
    why: str
    distance_m: float | None = None
    run_walk: RunWalk | None = None
    routine: str | None = None
    warmup: str | None = None
    cooldown: str | None = None
    sport: str | None = None

    @property
    def is_run(self) -> bool:
        return self.kind in ("run", "run_walk")

    @property
    def is_hard(self) -> bool:
        return self.intensity in HARD_INTENSITIES

    def to_json(self) -> dict[str, Any]:
        """One session of ``plan --json`` (and of the marked sessions of ``/api/plan/marks``)."""
        return {
            "date": self.day.isoformat(),
            "kind": self.kind,
            "title": self.title,
            "intensity": self.intensity,
            "duration_s": self.duration_s,
            "distance_m": self.distance_m,
            "run_walk": None
            if self.run_walk is None
            else {
                "run_s": self.run_walk.run_s,
                "walk_s": self.run_walk.walk_s,
                "repeats": self.run_walk.repeats,
            },
            "routine": self.routine,
            "warmup": self.warmup,
            "cooldown": self.cooldown,
            "sport": self.sport,
            "rules": list(self.rules),
            "why": self.why,
        }


@dataclass(frozen=True)
class PlanWeek:
    """Monday ``start`` to Sunday; ``lighter`` marks the recovery week of the cycle."""

    start: date
    sessions: tuple[PlannedSession, ...]
    running_distance_m: float
    lighter: bool = False
    stage: int | None = None  # the return-to-run stage of this week, when in that program


@dataclass(frozen=True)
class Plan:
    """The coming weeks, or (``mode == "blocked"``) no weeks and the clinician message."""

    as_of: date
    mode: PlanMode
    weeks: tuple[PlanWeek, ...]
    notes: tuple[str, ...] = ()
    blocked_message: str | None = None
    rules: tuple[str, ...] = field(default=())  # every rule that shaped the plan

    @property
    def sessions(self) -> tuple[PlannedSession, ...]:
        return tuple(s for w in self.weeks for s in w.sessions)

    def to_json(self) -> dict[str, Any]:
        """``plan --json`` and ``/api/plan``: mode, weeks of sessions, notes, and the rules
        behind it with their citation and grade from the catalogue."""
        return {
            "as_of": self.as_of.isoformat(),
            "mode": self.mode,
            "blocked_message": self.blocked_message,
            "notes": list(self.notes),
            "rules": [
                {
                    "rule": r,
                    "title": CATALOGUE[r].title,
                    "citation": CATALOGUE[r].citation,
                    "grade": CATALOGUE[r].grade,
                }
                for r in self.rules
                if r in CATALOGUE
            ],
            "weeks": [
                {
                    "start": w.start.isoformat(),
                    "running_distance_m": w.running_distance_m,
                    "lighter": w.lighter,
                    "stage": w.stage,
                    "sessions": [s.to_json() for s in w.sessions],
                }
                for w in self.weeks
            ],
        }


@dataclass(frozen=True)
class Exercise:
    """One exercise of the library, in original plain-language wording.

    Dose: ``sets`` × ``reps``, or ``sets`` × a hold of ``hold_s`` seconds (McGill's holds are
    at most 10 s, rule C1; static stretches under 60 s per muscle, rule C2), or ``minutes``.
    """

    id: str
    name: str
    category: Category
    trains: str
    cues: tuple[str, ...]
    if_it_hurts: str
    sets: int | None = None
    reps: int | None = None
    hold_s: int | None = None
    minutes: int | None = None
    per_side: bool = False
    progression: str | None = None  # id of the harder version
    regression: str | None = None  # id of the easier version
    rules: tuple[str, ...] = ()

    @property
    def dose(self) -> str:
        """The dose in words, e.g. ``"3 × 10 s hold, each side"``."""
        side = ", each side" if self.per_side else ""
        if self.hold_s is not None:
            reps = f" × {self.reps}" if self.reps else ""
            return f"{self.sets or 1} × {self.hold_s} s hold{reps}{side}"
        if self.reps is not None:
            return f"{self.sets or 1} × {self.reps}{side}"
        if self.minutes is not None:
            return f"{self.minutes} min{side}"
        return "as comfortable"


@dataclass(frozen=True)
class Routine:
    """An ordered list of exercises done as one block (a warm-up, a core session ...)."""

    id: str
    name: str
    category: Category
    exercises: tuple[str, ...]  # exercise ids
    minutes: int
    rules: tuple[str, ...] = ()
