"""`backstride screen`: the red-flag symptom screen, asked here or answered by options."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from backstride import service
from backstride.cli import render
from backstride.cli.state import open_from, parse_day, print_json, stdout
from backstride.service.screening import ScreenResult

FieldList = Annotated[
    list[str] | None,
    typer.Option(metavar="QUESTION", help="Answer a question yes (repeatable); see --list."),
]


def _ask() -> dict[str, bool | None]:
    answers: dict[str, bool | None] = {}
    out = stdout()
    out.print(
        "A few questions about symptoms that need a clinician rather than a training plan. "
        "Answer y (yes), n (no) or s (skip)."
    )
    for question in service.SCREEN_QUESTIONS:
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
    no: FieldList = None,
    no_others: Annotated[
        bool, typer.Option("--no-others", help="Answer every question not given with --yes: no.")
    ] = False,
    on: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="[default: today]")
    ] = None,
    list_questions: Annotated[
        bool, typer.Option("--list", help="List the questions and their names, then stop.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Screen for symptoms that need a clinician (red flags). backstride does not diagnose.

    In a terminal it asks each question; scripts answer with --yes/--no/--no-others.

    Example: backstride screen --yes fever --no-others
    """
    if list_questions:
        for question in service.SCREEN_QUESTIONS:
            stdout().print(f"{question.field}: {question.text}")
        return
    day = parse_day(on, "--date")
    given: dict[str, bool | None] = {}
    for name in no or []:
        given[name] = False
    for name in yes or []:
        given[name] = True
    if no_others:
        given = {q.field: given.get(q.field, False) for q in service.SCREEN_QUESTIONS} | given
    if not given:
        if not sys.stdin.isatty():
            raise typer.BadParameter(
                "no answers: run it in a terminal, or answer with --yes/--no/--no-others"
            )
        given = _ask()
    store = open_from(ctx)
    try:
        result: ScreenResult = service.take_screen(store, given, day=day)
    finally:
        store.close()
    if as_json:
        print_json(result.to_json())
    else:
        render.screen_result(stdout(), result)
