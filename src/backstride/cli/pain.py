"""`backstride pain`: the back-pain diary. `pain log` adds an entry; `pain` shows them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from backstride import service
from backstride.cli import render
from backstride.cli.state import RED_FLAGS, OnOption, open_from, parse_day, print_json, stdout
from backstride.views import pain_view

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def list_command(
    ctx: typer.Context,
    weeks: Annotated[
        int, typer.Option(metavar="N", help="How many weeks back, 1-520.", min=1, max=520)
    ] = 8,
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Your back-pain diary and its trend, as of a day (--on, default today). Subcommands:
    log, associations, score.

    Example: backstride pain --weeks 4 --on 2026-05-31
    """
    if ctx.invoked_subcommand is not None:
        return
    as_of = parse_day(on)
    with open_from(ctx) as store:
        overview = service.pain_overview(store, weeks=weeks, today=as_of)
    if as_json:
        print_json(overview.to_json())
    else:
        render.pain_diary(stdout(), overview)


def log_command(
    ctx: typer.Context,
    nrs: Annotated[
        int, typer.Argument(metavar="NRS", help="Pain from 0 (none) to 10 (worst imaginable).")
    ],
    when: Annotated[
        str | None,
        typer.Option(
            "--when",
            metavar="MOMENT",
            help="before, during, after (a run) or next-morning "
            "\\[default: after with --activity, else next-morning].",
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="The day of the pain \\[default: today]."
        ),
    ] = None,
    activity: Annotated[
        int | None, typer.Option("--activity", metavar="ID", help="The run it belongs to.")
    ] = None,
    leg_symptoms: Annotated[
        str,
        typer.Option(
            "--leg-symptoms",
            metavar="SIDES",
            help="none, one-side or both-sides (pain, pins and needles...).",
        ),
    ] = "none",
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Anything worth remembering.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Log back pain on the 0-10 scale (NRS).

    Example: backstride pain log 3 --when after --activity 42
    """
    day = parse_day(on, "--date")
    with open_from(ctx) as store:
        logged = service.log_pain(
            store,
            nrs,
            moment=when,
            day=day,
            activity_id=activity,
            leg_symptoms=leg_symptoms,
            note=note,
        )
    if logged.red_flags:
        RED_FLAGS.set(logged.red_flags)
    if as_json:
        print_json(pain_view(logged.record))
        return
    for finding in logged.red_flags:  # pain in both legs: an emergency sign (R1)
        stdout().print(Text(finding.message, style="bold white on red"))
    entry = logged.record
    text = f"logged pain {entry.nrs}/10 ({entry.moment.replace('_', '-')}) on {entry.day}"
    if logged.linked_run_day is not None:
        text += f", linked to the run of {logged.linked_run_day} (activity {entry.activity_id})"
    stdout().print(text)
    if entry.leg_symptoms != "none" and not logged.red_flags:
        stdout().print(
            "Leg symptoms logged: please answer the symptom screen now: backstride screen"
        )


def associations_command(
    ctx: typer.Context, on: OnOption = None, as_json: JsonOption = False
) -> None:
    """What went with next-morning pain after a run: distance, spike, cadence, shoe, up to
    a day (--on, default today).

    Associations, not causes; nothing is said below a minimum of data.

    Example: backstride pain associations --json
    """
    as_of = parse_day(on)
    with open_from(ctx) as store:
        found = service.pain_associations(store, today=as_of)
    if as_json:
        print_json(found.to_json())
    else:
        render.pain_associations(stdout(), found)


def score_command(
    ctx: typer.Context,
    instrument: Annotated[
        str, typer.Argument(metavar="QUESTIONNAIRE", help="odi, rmdq or startback.")
    ],
    score: Annotated[
        float,
        typer.Argument(metavar="SCORE", help="ODI %, RMDQ 0-24, or STarT Back total 0-9."),
    ],
    distress: Annotated[
        float | None, typer.Option(metavar="N", help="STarT Back distress subscale, 0-5.")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help="The day the questionnaire was filled in \\[default: today].",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a questionnaire score your clinician gave you (ODI, RMDQ, STarT Back).

    Example: backstride pain score odi 28 --date 2026-03-01
    """
    day = parse_day(on, "--date")
    with open_from(ctx) as store:
        saved = service.add_score(store, instrument, score, distress=distress, day=day)
    if as_json:
        print_json(saved.to_json())
    else:
        stdout().print(f"recorded {saved.instrument} {saved.score:g} on {saved.day}")
