"""`backstride report`: the clinician report for a period, as HTML or PDF (or its data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from backstride import report, service
from backstride.cli.state import open_from, print_json, stderr, stdout, write_private
from backstride.errors import InputError
from backstride.service.clock import day_out_of_range
from backstride.service.report_data import DEFAULT_WEEKS, check_period

FORMATS = ("html", "pdf")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option} {value!r} is not a date", hint="write dates as YYYY-MM-DD"
        ) from None
    if (problem := day_out_of_range(day)) is not None:
        raise InputError(f"{option} {problem}")
    return day


def _format(chosen: str | None, output: Path | None) -> str:
    if chosen is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        if suffix in FORMATS:
            return suffix
        raise InputError("say which format to write", hint="add --format html or --format pdf")
    name = chosen.strip().lower()
    if name not in FORMATS:
        raise InputError(f"--format {chosen!r} is not one of: {', '.join(FORMATS)}")
    return name


def _where_the_runs_are(data: service.ReportData) -> str:
    """An empty period's one line: where the runs are, and a period that holds them."""
    if data.runs_span is None:
        return "no runs in this period, and none on record yet: backstride import FILES"
    first, last = data.runs_span
    start, end = service.default_period(last)
    return (
        f"no runs in this period; your runs span {first.isoformat()} to {last.isoformat()}: "
        f"try --from {max(start, first).isoformat()} --to {end.isoformat()}"
    )


def _check_writable(path: Path) -> None:
    folder = path.parent
    if path.is_dir():
        raise InputError(f"{path} is a folder", hint="give a file name, e.g. -o report.pdf")
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: the folder {folder} does not exist")


def report_command(
    ctx: typer.Context,
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="YYYY-MM-DD", help="First day \\[default: 12 weeks ago]."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="Last day \\[default: today].")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", metavar="html|pdf", help="html or pdf \\[default: from -o's suffix]."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="File to write.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report's data as JSON instead.")
    ] = False,
) -> None:
    """A report for your physiotherapist or doctor: page 1 is a two-minute summary (pain
    trend, load and spikes, form, shoes, core and cross-training, red-flag screens,
    questionnaire scores), then the charts. No GPS tracks, positions or place names.

    Example: backstride report --from 2026-01-05 --to 2026-03-29 -o report.pdf
    """
    chosen_first, chosen_last = _day(start, "--from"), _day(end, "--to")
    default_first, default_last = service.default_period(chosen_last)
    first, last = chosen_first or default_first, chosen_last or default_last
    check_period(first, last)
    kind = None if as_json and output is None else _format(fmt, output)
    if kind is not None:
        if output is None:
            raise InputError("say where to write the report", hint="add -o FILE")
        _check_writable(output)
    with open_from(ctx) as store:
        data = service.build_default_report(store, start=chosen_first, end=chosen_last)
    first, last = data.start, data.end
    if data.replaced is not None:
        stderr().print(
            f"no runs in the last {DEFAULT_WEEKS} weeks ({data.replaced[0].isoformat()} to "
            f"{data.replaced[1].isoformat()}); this report covers the {DEFAULT_WEEKS} weeks "
            f"up to your last run: {first.isoformat()} to {last.isoformat()} (--from and --to "
            "choose another period)",
            highlight=False,
        )
    elif not data.runs:
        stderr().print(_where_the_runs_are(data), highlight=False)
    if as_json:
        print_json(data.to_json())
    if kind is None or output is None:
        return
    content = report.render_pdf(data) if kind == "pdf" else report.render_html(data).encode()
    try:
        write_private(output, content)
    except OSError as e:
        raise InputError(f"cannot write {output}: {e.strerror or e}") from None
    if not as_json:
        stdout().print(f"wrote {output} ({kind}, {first.isoformat()} to {last.isoformat()})")
