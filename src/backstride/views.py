"""Plain JSON-ready views of model objects: what ``--json`` prints and the API returns.

One function per object, so the CLI and the web API can never disagree on a field's name.
Field names carry their unit; times are ISO-8601 UTC with a ``Z``; NaN becomes ``null``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from backstride.model import (
    Account,
    ClearanceRecord,
    ClinicianNote,
    ImportReport,
    Lap,
    PainRecord,
    RoutineRecord,
    Share,
    StoredActivity,
    StoredGear,
)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _num(value: float | None, digits: int = 3) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def activity_view(stored: StoredActivity) -> dict[str, Any]:
    """The summary of one stored activity."""
    a = stored.activity
    s = a.summary
    return {
        "id": stored.id,
        "sport": a.sport,
        "sub_sport": a.sub_sport,
        "start_time": _time(a.start_at),
        "utc_offset_s": a.utc_offset_s,
        "local_date": a.local_date.isoformat(),
        "distance_m": _num(s.distance_m, 1),
        "elapsed_s": _num(s.elapsed_s, 1),
        "timer_s": _num(s.timer_s, 1),
        "avg_speed_mps": _num(s.avg_speed_mps),
        "avg_hr_bpm": _num(s.avg_hr_bpm, 1),
        "max_hr_bpm": _num(s.max_hr_bpm, 1),
        "avg_cadence_spm": _num(s.avg_cadence_spm, 1),
        "avg_power_w": _num(s.avg_power_w, 1),
        "total_ascent_m": _num(s.total_ascent_m, 1),
        "calories_kcal": _num(s.calories_kcal, 0),
        "device": a.device,
        "name": a.name,
        "source_format": a.source_format,
        "source_file": stored.source_name,
        "vendor_type": stored.meta.vendor_type,
        "rpe": stored.meta.rpe,
        "gear": stored.gear_name,
        "gear_source": stored.gear_source,
        "channels": list(stored.channels),
        "sample_count": stored.sample_count,
        "warnings": list(a.warnings),
    }


def lap_view(lap: Lap) -> dict[str, Any]:
    return {
        "start_time": _time(lap.start_at),
        "elapsed_s": _num(lap.elapsed_s, 1),
        "timer_s": _num(lap.timer_s, 1),
        "distance_m": _num(lap.distance_m, 1),
        "avg_speed_mps": _num(lap.avg_speed_mps),
        "avg_hr_bpm": _num(lap.avg_hr_bpm, 1),
        "max_hr_bpm": _num(lap.max_hr_bpm, 1),
        "avg_cadence_spm": _num(lap.avg_cadence_spm, 1),
        "avg_power_w": _num(lap.avg_power_w, 1),
        "intensity": lap.intensity,
    }


def activity_detail_view(stored: StoredActivity) -> dict[str, Any]:
    """One activity with its laps, sources and the channels it has."""
    view = activity_view(stored)
    view["laps"] = [lap_view(lap) for lap in stored.activity.laps]
    view["sources"] = list(stored.sources)
    view["description"] = stored.meta.description
    view["private_note"] = stored.meta.private_note
    view["external_id"] = stored.meta.external_id
    return view


def import_report_view(report: ImportReport) -> dict[str, Any]:
    return {
        "imported": report.imported,
        "duplicates": report.duplicates,
        "skipped": report.skipped,
        "failed": [{"path": f.path, "error": f.error} for f in report.failed],
        "activity_ids": list(report.activity_ids),
        "matches": [
            {"source": m.source, "activity_id": m.activity_id, "reason": m.reason}
            for m in report.matches
        ],
        "warnings": [{"path": w.path, "warning": w.warning} for w in report.warnings],
    }


def shoe_view(item: StoredGear) -> dict[str, Any]:
    """A pair of shoes with what it has done."""
    g = item.gear
    return {
        "id": item.id,
        "name": g.name,
        "brand": g.brand,
        "model": g.model,
        "start_date": g.start_date.isoformat() if g.start_date else None,
        "initial_distance_m": _num(g.initial_distance_m, 1),
        "distance_m": _num(item.distance_m, 1),
        "activities": item.activity_count,
        "retired": g.retired,
        "default_for": list(item.default_for),
        "inspect_at_m": _num(g.inspect_at_m, 1),
        "replace_at_m": _num(g.replace_at_m, 1),
    }


def routine_view(logged: RoutineRecord) -> dict[str, Any]:
    """One routine logged with ``backstride done``."""
    return {
        "id": logged.id,
        "date": logged.day.isoformat(),
        "kind": logged.kind,
        "minutes": logged.minutes,
        "rpe": logged.rpe,
        "sport": logged.sport,
        "note": logged.note,
    }


def clearance_view(visit: ClearanceRecord) -> dict[str, str | None]:
    """A clinician's visit: ``{"date", "by", "note"}``, as ``screen clear --json``, status and
    the API show it."""
    return {"date": visit.day.isoformat(), "by": visit.by, "note": visit.note}


def pain_view(entry: PainRecord) -> dict[str, Any]:
    """One diary entry."""
    return {
        "id": entry.id,
        "date": entry.day.isoformat(),
        "nrs": entry.nrs,
        "when": entry.moment.replace("_", "-"),
        "activity_id": entry.activity_id,
        "leg_symptoms": entry.leg_symptoms.replace("_", "-"),
        "note": entry.note,
    }


def share_view(share: Share) -> dict[str, Any]:
    """An athlete's share with a clinician (the Sharing page, the clinician's list)."""
    return {
        "id": share.id,
        "athlete": share.athlete_name,
        "clinician": share.clinician_name,
        "scope": share.scope,
        "created_at": _time(share.created_at),
        "revoked_at": None if share.revoked_at is None else _time(share.revoked_at),
        "active": share.active,
    }


def note_view(note: ClinicianNote) -> dict[str, Any]:
    """A clinician's dated note on an athlete."""
    return {
        "id": note.id,
        "date": note.day.isoformat(),
        "author": note.author_name,
        "text": note.text,
        "created_at": _time(note.created_at),
    }


def account_view(account: Account) -> dict[str, Any]:
    """A clinic account as ``admin list --json`` and the admin pages show it: no password
    hash, no health data (``athlete`` is the name of the athlete row it owns, if any)."""
    return {
        "id": account.id,
        "name": account.name,
        "role": account.role,
        "display_name": account.display_name,
        "athlete": account.athlete,
        "created_at": _time(account.created_at),
        "has_password": account.has_password,
        "disabled": account.disabled,
    }
