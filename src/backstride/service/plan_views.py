"""The plan's JSON under the names the shells and tests have called since issue 9:
``plan --json`` (``/api/plan``), ``plan --review --json`` (``/api/plan/review``) and
``/api/plan/marks``.

The shapes themselves are the objects' ``to_json`` methods (``coach.model.Plan``,
``service.adherence.PlanReview`` and ``PlanMarks``), the one JSON convention
(docs/architecture.md, "JSON"); new code calls those.
"""

from __future__ import annotations

from typing import Any

from backstride.coach.model import Plan
from backstride.service.adherence import PlanMarks, PlanReview


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """:meth:`Plan.to_json <backstride.coach.model.Plan.to_json>`."""
    return plan.to_json()


def review_to_json(review: PlanReview) -> dict[str, Any]:
    """:meth:`PlanReview.to_json <backstride.service.adherence.PlanReview.to_json>`."""
    return review.to_json()


def marks_to_json(marks: PlanMarks) -> dict[str, Any]:
    """:meth:`PlanMarks.to_json <backstride.service.adherence.PlanMarks.to_json>`."""
    return marks.to_json()
