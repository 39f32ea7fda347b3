"""`backstride plan`: the coming weeks (runs, core, cross-training, warm-up and cool-down),
`plan --review` for how past weeks went, `--ics` / `--fit-workouts` to take it elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from backstride import service
from backstride.cli.render import duration, km
from backstride.cli.state import OnOption, open_from, parse_day, print_json, stdout, write_private
from backstride.errors import InputError
from backstride.service.adherence import PlanReview, SessionMark
from backstride.service.plan import CROSS_SPORTS, Plan, PlannedSession, routine_label
from backstride.service.thresholds import catalogue_thresholds

_MODE = {
    "build": "building gradually",
    "return_to_run": "return to running (run-walk program)",
    "paused": "no running until pain settles (core and cross-training only)",
    "blocked": "no plan",
}


def plan_command(
    ctx: typer.Context,
    weeks: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Weeks to plan, 1-4 \\[default: 1]; with --review, past weeks to look back "
            "on, 1-52 \\[default: 4].",
            min=1,
            max=52,
        ),
    ] = None,
    days_per_week: Annotated[
        int,
        typer.Option("--days-per-week", metavar="N", help="Run days a week, 2-6.", min=2, max=6),
    ] = 3,
    long_run_day: Annotated[
        str, typer.Option("--long-run-day", metavar="DAY", help="mon, tue ... sun.")
    ] = "sun",
    cross: Annotated[
        str,
        typer.Option(
            "--cross",
            metavar="SPORT",
            help=f"Cross-training: {', '.join(CROSS_SPORTS)}, none, or auto (the sport of "
            "your latest cross-training).",
        ),
    ] = "auto",
    growth: Annotated[
        float,
        typer.Option(
            "--growth",
            metavar="PCT",
            help="Weekly growth of running distance in %, 0-20 (10 is conservative, not a "
            "proven safe limit).",
        ),
    ] = 10.0,
    on: OnOption = None,
    review: Annotated[
        bool, typer.Option("--review", help="How past weeks went against the plan.")
    ] = False,
    ics: Annotated[
        Path | None,
        typer.Option("--ics", metavar="FILE", help="Also write the plan as a calendar file."),
    ] = None,
    fit_workouts: Annotated[
        Path | None,
        typer.Option(
            "--fit-workouts",
            metavar="DIR",
            help="Also write each run as a FIT workout file into this folder (created).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Your next week(s): easy runs within the load rules, core sessions, cross-training, a
    warm-up and cool-down for every run, adapted to your pain diary. Each session says
    which rules put it there.

    Example: backstride plan --weeks 2 --days-per-week 4 --long-run-day sat
    """
    as_of = parse_day(on)
    if review and (ics is not None or fit_workouts is not None):
        raise typer.BadParameter(
            "--review looks back and writes no plan; drop --ics/--fit-workouts, or --review",
            param_hint="--review",
        )
    with open_from(ctx) as store:
        if review:
            result = service.review(store, weeks=weeks or 4, as_of=as_of)
        else:
            if weeks is not None and weeks > 4:
                raise InputError(f"--weeks must be 1 to 4 for a plan, not {weeks}")
            plan = service.get_plan(
                store,
                weeks=weeks or 1,
                days_per_week=days_per_week,
                long_run_day=long_run_day,
                cross=cross,
                growth_pct=growth,
                as_of=as_of,
            )
    if review:
        if as_json:
            print_json(service.review_to_json(result))
        else:
            review_screen(stdout(), result)
        return
    if ics is not None:
        write_file(ics, service.export_ics(plan))
    written = []
    if fit_workouts is not None:
        written = write_folder(fit_workouts, service.export_fit_workouts(plan))
    if as_json:
        print_json(service.plan_to_json(plan))
    else:
        plan_screen(stdout(), plan)
        if ics is not None:
            stdout().print(f"Calendar written to {ics}")
        if fit_workouts is not None:
            stdout().print(f"{len(written)} FIT workout file(s) written to {fit_workouts}")


def write_file(path: Path, data: bytes) -> None:
    """Write an export; a one-line error when the place is not a writable file."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name such as plan.ics")
    try:
        write_private(path, data)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def write_folder(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write export files into ``folder`` (created); a one-line error when it is a file or
    cannot be written."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder; give a folder for the workouts")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in files.items():
            path = folder / name
            write_private(path, data)
            paths.append(path)
    except OSError as e:
        raise InputError(f"cannot write into {folder}: {e.strerror or e}") from None
    return paths


def _amount(s: PlannedSession) -> str:
    if s.distance_m is not None:
        return f"{km(s.distance_m)} km"
    return duration(s.duration_s) if s.duration_s is not None else ""


def plan_screen(console: Console, plan: Plan) -> None:
    """The plan week by week; every session with its rules and reason."""
    head = f"backstride plan from {plan.as_of.isoformat()}: {_MODE[plan.mode]}"
    console.print(Text(head, style="bold"))
    if plan.mode == "blocked":
        console.print(Text(plan.blocked_message or "", style="bold white on red"))
        return
    if plan.mode == "paused" and plan.notes:
        console.print(Text(plan.notes[0], style="bold"))  # the ceiling: no running, screen
    for week in plan.weeks:
        title = f"Week of {week.start.isoformat()}"
        if week.stage is not None:
            title += f", run-walk stage {week.stage}"
        if week.running_distance_m:
            title += f", about {km(week.running_distance_m)} km of running"
        if week.lighter:
            title += " (lighter week)"
        table = Table(title=title, title_justify="left", show_lines=False)
        for header in ("day", "session", "amount", "rules", "why"):
            table.add_column(header, no_wrap=header != "why", overflow="fold")
        for s in week.sessions:
            session = s.title
            if s.is_run:
                session += f"\nbefore: {routine_label(s.warmup)}"
                session += f"\nafter: {routine_label(s.cooldown)}"
            table.add_row(s.day.strftime("%a %d %b"), session, _amount(s), " ".join(s.rules), s.why)
        if not week.sessions:
            table.add_row("", "nothing left to plan this week", "", "", "")
        console.print(table)
    for note in plan.notes:
        console.print(Text("• " + note))
    console.print(
        Text(
            "Plan again after each week: it adapts to what you did and to your pain diary. "
            "Log core, warm-up and cool-down with: backstride done core|warmup|cooldown|cross",
            style="dim",
        )
    )


def review_screen(console: Console, result: PlanReview) -> None:
    """Adherence per week: runs, core, cross-training, warm-up and cool-down."""
    table = Table(title=f"How the weeks went (to {result.as_of.isoformat()})", title_justify="left")
    c1, x1 = (catalogue_thresholds()[r] for r in ("C1", "X1"))
    core = f"core done/planned (aim {c1['min_sessions']:g}-{c1['max_sessions']:g})"
    cross = f"cross min (aim {x1['min_minutes']:g})"
    for header in ("week", "runs done/planned", "km done/planned", core, cross, "warm-up",
                   "cool-down"):  # fmt: skip
        table.add_column(header, no_wrap=True, justify="left" if header == "week" else "right")
    for w in result.weeks:
        table.add_row(
            w.start.isoformat(),
            f"{w.runs_fulfilled}/{w.runs_planned}"
            + (f" (+{extra})" if (extra := w.runs_done - w.runs_fulfilled) > 0 else ""),
            f"{w.done_km:.1f}/" + (f"{w.planned_km:.1f}" if w.planned_km else "-"),
            f"{w.core_done}/{w.core_planned}" if w.core_planned else str(w.core_done),
            f"{w.cross_minutes:.0f}",
            f"{w.runs_with_warmup}/{w.runs_done}",
            f"{w.runs_with_cooldown}/{w.runs_done}",
        )
    console.print(table)
    if not result.sessions and not any(
        w.runs_planned or w.runs_done or w.core_done or w.cross_minutes for w in result.weeks
    ):
        console.print(
            "Nothing planned or done in these weeks: backstride plan makes a plan, and "
            "imported runs and sessions logged with backstride done count here."
        )
    if result.sessions:
        sessions_table(console, result.sessions)
    console.print(
        Text(
            "Runs count when an imported run falls on a planned day (+N: runs on other days). "
            "Core counts logged sessions and imported strength; cross-training counts logged "
            "minutes and imported non-running sports.",
            style="dim",
        )
    )


#: A mark as a word and an icon, readable without colour.
MARK_TEXT = {"done": "done ✓", "missed": "missed ✗", "upcoming": "upcoming ○"}
_MARK_STYLE = {"done": "green", "missed": "red", "upcoming": "dim"}


def sessions_table(console: Console, sessions: tuple[SessionMark, ...]) -> None:
    """The planned sessions of the reviewed weeks, each done, missed or upcoming."""
    table = Table(title="Planned sessions", title_justify="left")
    for header in ("day", "session", "mark", "by", "warm-up", "cool-down"):
        table.add_column(header, no_wrap=header != "session", overflow="fold")
    for m in sessions:
        by = f"activity {m.activity_id}" if m.activity_id is not None else ""
        table.add_row(
            m.session.day.strftime("%a %d %b"),
            m.session.title,
            Text(MARK_TEXT[m.mark], style=_MARK_STYLE[m.mark]),
            by or ("logged" if m.logged else ""),
            MARK_TEXT[m.warmup] if m.warmup else "",
            MARK_TEXT[m.cooldown] if m.cooldown else "",
        )
    console.print(table)
