"""JSON shapes the CLI builds inline for its ``--json`` output, rebuilt here field for field
(the web may not import the CLI). ``tests/web/test_api.py`` compares each with the CLI's
output on the same store, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from backstride.service import PainAssociations, PainOverview, ScreenResult
from backstride.views import pain_view


def pain_overview_json(overview: PainOverview) -> dict[str, Any]:
    """``backstride pain --json``."""
    return {
        "as_of": overview.as_of.isoformat(),
        "entries": [pain_view(e) for e in overview.entries],
        "weekly_morning_mean": [
            {"week_start": d.isoformat(), "mean_nrs": None if m is None else round(m, 2)}
            for d, m in overview.weekly_morning_mean
        ],
        "findings": [f.to_json() for f in overview.findings],
        "adjustment": {
            "action": overview.adjustment.action,
            "reduce_pct": overview.adjustment.reduce_pct,
            "rule": overview.adjustment.rule,
            "message": overview.adjustment.message,
        },
    }


def associations_json(found: PainAssociations) -> dict[str, Any]:
    """``backstride pain associations --json``."""
    return {
        "as_of": found.as_of.isoformat(),
        "pairs": found.pairs,
        "label": "association, not cause",
        "correlations": [
            {
                "factor": a.factor,
                "n": a.n,
                "rho": round(a.rho, 3),
                "low": round(a.low, 3),
                "high": round(a.high, 3),
            }
            for a in found.correlations
        ],
        "by_shoe": [
            {
                "shoe": g.group,
                "n": g.n,
                "mean_nrs": round(g.mean, 2),
                "low": round(g.low, 2),
                "high": round(g.high, 2),
            }
            for g in found.by_shoe
        ],
    }


def screen_json(result: ScreenResult) -> dict[str, Any]:
    """``backstride screen --json``."""
    return {
        "date": result.record.day.isoformat(),
        "outcome": result.record.outcome,
        "blocks_training": result.blocks_training,
        "answers": result.record.answers,
        "findings": [f.to_json() for f in result.findings],
    }
