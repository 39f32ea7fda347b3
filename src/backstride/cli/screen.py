"""`backstride screen`: the red-flag symptom screen, asked here or answered by options;
`backstride screen clear` records that a clinician has seen you."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.text import Text

from backstride import service
from backstride.cli import render
from backstride.cli.state import (
    RED_FLAGS,
    open_from,
    parse_day,
    print_json,
    state,
    stderr,
    stdout,
)
from backstride.service import screening
from backstride.service.screening import Question, ScreenResult
from backstride.views import clearance_view

FieldList = Annotated[
    list[str] | None,
    typer.Option(metavar="QUESTION", help="Answer a question yes (repeatable); see --list."),
]
NoList = Annotated[
    list[str] | None,
    typer.Option(metavar="QUESTION", help="Answer a question no (repeatable); see --list."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _ask(questions: tuple[Question, ...]) -> dict[str, bool | None]:
    answers: dict[str, bool | None] = {}
    out = stdout()
    out.print(
        "A few questions about symptoms that need a clinician rather than a training plan. "
        "Answer y (yes), n (no) or s (skip)."
    )
    for question in questions:
        while True:
            reply = typer.prompt(f"{question.text} [y/n/s]", default="s", show_default=False)
            choice = reply.strip().lower()[:1]
            if choice in ("y", "n", "s"):
                break
            out.print("Please answer y, n or s.")
        answers[question.field] = {"y": True, "n": False, "s": None}[choice]
    return answers


def screen_command(
    ctx: typer.Context,
    yes: FieldList = None,
    no: NoList = None,
    no_others: Annotated[
        bool, typer.Option("--no-others", help="Answer every question not given with --yes: no.")
    ] = False,
    on: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="The day of the screen \\[default: today]."
        ),
    ] = None,
    list_questions: Annotated[
        bool, typer.Option("--list", help="List the questions and their names, then stop.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Screen for symptoms that need a clinician (red flags). backstride does not diagnose.

    In a terminal it asks each question; scripts answer with --yes/--no/--no-others.
    After a clinician has seen you: backstride screen clear --date YYYY-MM-DD.

    Example: backstride screen --yes fever --no-others
    """
    if ctx.invoked_subcommand is not None:
        return
    if list_questions:
        for question in service.SCREEN_QUESTIONS:
            stdout().print(f"{question.field}: {question.text}")
        return
    day = parse_day(on, "--date")
    if both := sorted(set(yes or []) & set(no or [])):
        raise typer.BadParameter(
            f"{', '.join(both)}: answered both yes and no; give each question one answer",
            param_hint="--yes/--no",
        )
    given: dict[str, bool | None] = {}
    for name in no or []:
        given[name] = False
    for name in yes or []:
        given[name] = True
    if no_others:
        given = {q.field: given.get(q.field, False) for q in service.SCREEN_QUESTIONS} | given
    if not given and not sys.stdin.isatty():
        raise typer.BadParameter(
            "no answers: run it in a terminal, or answer with --yes/--no/--no-others"
        )
    with open_from(ctx) as store:
        if not given:
            given = _ask(screening.screen_questions(store))
        result: ScreenResult = service.take_screen(store, given, day=day)
    if as_json:
        print_json(result.to_json())
    else:
        render.screen_result(stdout(), result)


def clear_command(
    ctx: typer.Context,
    on: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="The day the clinician saw you \\[default: today]."
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="TEXT", help="Who saw you (for example: Dr Lee, GP)."),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="What they advised.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a clinician has seen you about your back.

    Red flags of screens up to that day stop pausing training. Later screens ask whether
    anything has changed since; answers about who you are (a past cancer, steroids,
    osteoporosis, age) no longer pause training on their own, while new or worse symptoms
    always do.

    Example: backstride screen clear --date 2024-03-09 --by "Dr Lee, GP"
    """
    day = parse_day(on, "--date")
    # No red-flag banner before the visit is recorded: what is still active is said after.
    with service.open_database(state(ctx).settings) as store:
        record = screening.clear(store, day=day, by=by, note=note)
        latest = screening.latest_screen(store)
    flags = () if latest is None else tuple(latest.red_flags)
    RED_FLAGS.set(flags)
    for finding in flags:
        style = "bold white on red" if finding.severity == "very_high" else "bold red"
        stderr().print(Text(finding.message, style=style))
    if as_json:
        print_json(
            {
                "clearance": clearance_view(record),
                "latest_screen": None if latest is None else latest.to_json(),
            }
        )
    else:
        render.clearance(stdout(), record, latest)
