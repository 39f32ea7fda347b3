"""Use cases: what the CLI, the dashboard and a Python prompt can ask backstride to do.

The only package that composes layers (ingest, store, analysis ...). Functions are verbs,
take an opened :class:`Store` first, own their transactions, and return ``model`` objects.
"""

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
from backstride.service.report_data import build_default_report, build_report, default_period
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
