"""Use cases: what the CLI, the dashboard and a Python prompt can ask backstride to do.

The only package that composes layers (ingest, store, analysis ...). Functions are verbs,
take an opened :class:`Store` first, own their transactions, and return ``model`` objects.

The package imports nothing up front: each name is imported from its module the first time it
is used (``service.get_status`` imports ``service.status`` and what that needs, not the
importer, the decoder or the report), so each command starts with only what it uses. A new
export goes into both the ``TYPE_CHECKING`` block and ``_EXPORTS``
(tests/test_startup_imports.py checks that they agree).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backstride.rules.catalogue import CATALOGUE
    from backstride.rules.finding import Finding
    from backstride.rules.redflags import QUESTIONS as SCREEN_QUESTIONS
    from backstride.service.activities import get_activity, list_activities
    from backstride.service.adherence import (
        PlanMarks,
        PlanReview,
        SessionMark,
        WeekAdherence,
        review,
        session_marks,
    )
    from backstride.service.database import check_database, open_database, upgrade_database
    from backstride.service.decoding import resolve_jobs
    from backstride.service.demo import DemoResult, demo_files, run_demo
    from backstride.service.gear import (
        add_shoe,
        assign_shoe,
        list_shoes,
        retire_shoe,
        set_default_shoe,
    )
    from backstride.service.importing import import_files, import_paths, list_import_files
    from backstride.service.learn import Lesson, learn
    from backstride.service.load import LoadHistory, get_load, sparkline
    from backstride.service.pain import (
        LoggedPain,
        PainAssociations,
        PainOverview,
        add_score,
        list_pain,
        list_scores,
        log_pain,
        pain_associations,
        pain_overview,
    )
    from backstride.service.pipeline import Progress
    from backstride.service.plan import export_fit_workouts, export_ics, get_plan, parse_weekday
    from backstride.service.plan_views import marks_to_json, plan_to_json, review_to_json
    from backstride.service.report_data import (
        build_default_report,
        build_report,
        default_period,
        report_period,
    )
    from backstride.service.report_model import ReportData
    from backstride.service.routines import KINDS as DONE_KINDS
    from backstride.service.routines import list_done, log_done
    from backstride.service.safety import active_red_flags
    from backstride.service.screening import (
        ScreenResult,
        latest_screen,
        take_screen,
    )
    from backstride.service.status import FormHistory, Status, get_form, get_status
    from backstride.store import Store

#: Exported name -> (module, name in that module).
_EXPORTS: dict[str, tuple[str, str]] = {
    "CATALOGUE": ("backstride.rules.catalogue", "CATALOGUE"),
    "Finding": ("backstride.rules.finding", "Finding"),
    "SCREEN_QUESTIONS": ("backstride.rules.redflags", "QUESTIONS"),
    "get_activity": ("backstride.service.activities", "get_activity"),
    "list_activities": ("backstride.service.activities", "list_activities"),
    "PlanMarks": ("backstride.service.adherence", "PlanMarks"),
    "PlanReview": ("backstride.service.adherence", "PlanReview"),
    "SessionMark": ("backstride.service.adherence", "SessionMark"),
    "WeekAdherence": ("backstride.service.adherence", "WeekAdherence"),
    "review": ("backstride.service.adherence", "review"),
    "session_marks": ("backstride.service.adherence", "session_marks"),
    "check_database": ("backstride.service.database", "check_database"),
    "open_database": ("backstride.service.database", "open_database"),
    "upgrade_database": ("backstride.service.database", "upgrade_database"),
    "resolve_jobs": ("backstride.service.decoding", "resolve_jobs"),
    "DemoResult": ("backstride.service.demo", "DemoResult"),
    "demo_files": ("backstride.service.demo", "demo_files"),
    "run_demo": ("backstride.service.demo", "run_demo"),
    "add_shoe": ("backstride.service.gear", "add_shoe"),
    "assign_shoe": ("backstride.service.gear", "assign_shoe"),
    "list_shoes": ("backstride.service.gear", "list_shoes"),
    "retire_shoe": ("backstride.service.gear", "retire_shoe"),
    "set_default_shoe": ("backstride.service.gear", "set_default_shoe"),
    "import_files": ("backstride.service.importing", "import_files"),
    "import_paths": ("backstride.service.importing", "import_paths"),
    "list_import_files": ("backstride.service.importing", "list_import_files"),
    "Lesson": ("backstride.service.learn", "Lesson"),
    "learn": ("backstride.service.learn", "learn"),
    "LoadHistory": ("backstride.service.load", "LoadHistory"),
    "get_load": ("backstride.service.load", "get_load"),
    "sparkline": ("backstride.service.load", "sparkline"),
    "LoggedPain": ("backstride.service.pain", "LoggedPain"),
    "PainAssociations": ("backstride.service.pain", "PainAssociations"),
    "PainOverview": ("backstride.service.pain", "PainOverview"),
    "add_score": ("backstride.service.pain", "add_score"),
    "list_pain": ("backstride.service.pain", "list_pain"),
    "list_scores": ("backstride.service.pain", "list_scores"),
    "log_pain": ("backstride.service.pain", "log_pain"),
    "pain_associations": ("backstride.service.pain", "pain_associations"),
    "pain_overview": ("backstride.service.pain", "pain_overview"),
    "Progress": ("backstride.service.pipeline", "Progress"),
    "export_fit_workouts": ("backstride.service.plan", "export_fit_workouts"),
    "export_ics": ("backstride.service.plan", "export_ics"),
    "get_plan": ("backstride.service.plan", "get_plan"),
    "parse_weekday": ("backstride.service.plan", "parse_weekday"),
    "marks_to_json": ("backstride.service.plan_views", "marks_to_json"),
    "plan_to_json": ("backstride.service.plan_views", "plan_to_json"),
    "review_to_json": ("backstride.service.plan_views", "review_to_json"),
    "build_default_report": ("backstride.service.report_data", "build_default_report"),
    "build_report": ("backstride.service.report_data", "build_report"),
    "default_period": ("backstride.service.report_data", "default_period"),
    "report_period": ("backstride.service.report_data", "report_period"),
    "ReportData": ("backstride.service.report_model", "ReportData"),
    "DONE_KINDS": ("backstride.service.routines", "KINDS"),
    "list_done": ("backstride.service.routines", "list_done"),
    "log_done": ("backstride.service.routines", "log_done"),
    "active_red_flags": ("backstride.service.safety", "active_red_flags"),
    "ScreenResult": ("backstride.service.screening", "ScreenResult"),
    "latest_screen": ("backstride.service.screening", "latest_screen"),
    "take_screen": ("backstride.service.screening", "take_screen"),
    "FormHistory": ("backstride.service.status", "FormHistory"),
    "Status": ("backstride.service.status", "Status"),
    "get_form": ("backstride.service.status", "get_form"),
    "get_status": ("backstride.service.status", "get_status"),
    "Store": ("backstride.store", "Store"),
}

__all__ = [
    "CATALOGUE",
    "DONE_KINDS",
    "SCREEN_QUESTIONS",
    "DemoResult",
    "Finding",
    "FormHistory",
    "Lesson",
    "LoadHistory",
    "LoggedPain",
    "PainAssociations",
    "PainOverview",
    "PlanMarks",
    "PlanReview",
    "Progress",
    "ReportData",
    "ScreenResult",
    "SessionMark",
    "Status",
    "Store",
    "WeekAdherence",
    "active_red_flags",
    "add_score",
    "add_shoe",
    "assign_shoe",
    "build_default_report",
    "build_report",
    "check_database",
    "default_period",
    "demo_files",
    "export_fit_workouts",
    "export_ics",
    "get_activity",
    "get_form",
    "get_load",
    "get_plan",
    "get_status",
    "import_files",
    "import_paths",
    "latest_screen",
    "learn",
    "list_activities",
    "list_done",
    "list_import_files",
    "list_pain",
    "list_scores",
    "list_shoes",
    "log_done",
    "log_pain",
    "marks_to_json",
    "open_database",
    "pain_associations",
    "pain_overview",
    "parse_weekday",
    "plan_to_json",
    "report_period",
    "resolve_jobs",
    "retire_shoe",
    "review",
    "review_to_json",
    "run_demo",
    "session_marks",
    "set_default_shoe",
    "sparkline",
    "take_screen",
    "upgrade_database",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # the next look-up does not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Service(types.ModuleType):
    """This package, keeping an exported name bound to what it exports when a submodule of
    the same name is first imported: ``service.learn`` is the function, as it was when this
    package imported everything up front, not the module ``service/learn.py``."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Service
