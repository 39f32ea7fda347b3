"""`backstride learn`: why each practice matters, honestly graded; the disc-myth card; and
a term in plain words (``learn ACWR``, ``learn terms`` for all of them)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from backstride import service
from backstride.cli.state import print_json, stdout
from backstride.service import glossary
from backstride.service.learn import TOPICS


def learn_command(
    ctx: typer.Context,
    topic: Annotated[
        str,
        typer.Argument(
            metavar="TOPIC",
            help="practices (the evidence behind each), discs, terms (every word explained), "
            "or one term such as ACWR, CTL or cadence",
        ),
    ] = "practices",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Read the evidence behind backstride's advice, with sources and grades.

    Worried about your discs? backstride learn discs

    Example: backstride learn discs

    Example: backstride learn ACWR
    """
    if topic not in TOPICS:
        words = glossary.terms() if topic == "terms" else [glossary.lookup(topic)]
        if as_json:
            print_json([t.to_json() for t in words])
            return
        out = stdout()
        for term in words:
            out.print(Text(term.name, style="bold"))
            out.print(Text("  " + term.plain))
            if term.rule is not None:
                title = glossary.rule_title(term)
                out.print(
                    Text(f"  rule {term.rule}, {title}: backstride learn practices", style="dim")
                )
        return
    lessons = service.learn(topic)
    if as_json:
        print_json([lesson.to_json() for lesson in lessons])
        return
    out = stdout()
    for lesson in lessons:
        out.print(Text(f"{lesson.rule}  {lesson.heading}", style="bold"))
        out.print(Text("  " + lesson.text))
        out.print(Text(f"  source: {lesson.citation}, evidence grade {lesson.grade}", style="dim"))
