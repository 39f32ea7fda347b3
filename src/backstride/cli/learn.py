"""`backstride learn`: why each practice matters, honestly graded; the disc-myth card."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from backstride import service
from backstride.cli.state import print_json, stdout


def learn_command(
    ctx: typer.Context,
    topic: Annotated[
        str, typer.Argument(metavar="TOPIC", help="practices (the evidence behind each), or discs.")
    ] = "practices",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Read the evidence behind backstride's advice, with sources and grades.

    Worried about your discs? backstride learn discs

    Example: backstride learn discs
    """
    lessons = service.learn(topic)
    if as_json:
        print_json([lesson.to_json() for lesson in lessons])
        return
    out = stdout()
    for lesson in lessons:
        out.print(Text(f"{lesson.rule}  {lesson.heading}", style="bold"))
        out.print(Text("  " + lesson.text))
        out.print(Text(f"  source: {lesson.citation}, evidence grade {lesson.grade}", style="dim"))
