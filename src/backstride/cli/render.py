"""Rich renderings of service results for people (``--json`` prints views instead)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from backstride.model import ClearanceRecord, ImportReport, StoredActivity, StoredGear
from backstride.service import (
    CATALOGUE,
    Finding,
    FormHistory,
    LoadHistory,
    PainAssociations,
    PainOverview,
    ScreenResult,
    Status,
    sparkline,
)
from backstride.service.thresholds import catalogue_thresholds


def km(distance_m: float | None) -> str:
    return "" if distance_m is None else f"{distance_m / 1000:.2f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def whole(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def sport_label(sport: str, sub_sport: str | None) -> str:
    if sub_sport and sub_sport not in ("generic", sport):
        return f"{sport} ({sub_sport})"
    return sport


def activities_table(items: Sequence[StoredActivity]) -> Table:
    table = Table(title=f"{len(items)} activities", title_justify="left")
    for header in ("id", "date", "sport", "km", "time", "moving", "HR", "spm", "W"):
        table.add_column(
            header, justify="left" if header in ("date", "sport") else "right", no_wrap=True
        )
    table.add_column("file", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("!", justify="right", no_wrap=True)
    for item in items:
        a, s = item.activity, item.activity.summary
        table.add_row(
            str(item.id),
            a.local_date.isoformat(),
            sport_label(a.sport, a.sub_sport),
            km(s.distance_m),
            duration(s.elapsed_s),
            duration(s.timer_s),
            whole(s.avg_hr_bpm),
            whole(s.avg_cadence_spm),
            whole(s.avg_power_w),
            item.source_name,
            Text(str(len(a.warnings)), style="yellow") if a.warnings else "",
        )
    return table


def activity_detail(item: StoredActivity) -> RenderableType:
    a, s = item.activity, item.activity.summary
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows = [
        ("activity", f"{item.id}  {a.name or ''}".rstrip()),
        ("description", item.meta.description or ""),
        ("sport", sport_label(a.sport, a.sub_sport)),
        ("start", f"{a.start_at:%Y-%m-%d %H:%M:%S} UTC (local date {a.local_date})"),
        ("distance", f"{km(s.distance_m)} km" if s.distance_m is not None else "unknown"),
        ("elapsed / moving", f"{duration(s.elapsed_s)} / {duration(s.timer_s) or 'unknown'}"),
        ("heart rate", f"avg {whole(s.avg_hr_bpm)}  max {whole(s.max_hr_bpm)}"),
        ("cadence", f"{whole(s.avg_cadence_spm)} steps/min" if s.avg_cadence_spm else ""),
        ("power", f"{whole(s.avg_power_w)} W" if s.avg_power_w else ""),
        ("ascent", f"{whole(s.total_ascent_m)} m" if s.total_ascent_m is not None else ""),
        ("device", a.device or ""),
        ("source", ", ".join(item.sources) or item.source_name),
        ("streams", f"{item.sample_count} samples: {', '.join(item.channels) or 'none'}"),
    ]
    for label, value in rows:
        if value:
            facts.add_row(label, Text(value))
    parts: list[RenderableType] = [facts]
    for warning in a.warnings:
        parts.append(Text("warning: ", style="yellow") + Text(warning))
    if a.laps:
        laps = Table(title=f"{len(a.laps)} laps", title_justify="left")
        for column in ("#", "km", "time", "HR", "cadence spm", "power W", "intensity"):
            laps.add_column(column, justify="right" if column != "intensity" else "left")
        for i, lap in enumerate(a.laps, start=1):
            laps.add_row(
                str(i),
                km(lap.distance_m),
                duration(lap.timer_s if lap.timer_s is not None else lap.elapsed_s),
                whole(lap.avg_hr_bpm),
                whole(lap.avg_cadence_spm),
                whole(lap.avg_power_w),
                lap.intensity or "",
            )
        parts.append(laps)
    return Group(*parts)


def import_summary(console: Console, report: ImportReport) -> None:
    line = Text()
    line.append(f"imported {report.imported}", style="bold green")
    line.append(f", duplicates skipped {report.duplicates}")
    if report.skipped:
        line.append(f", not activities {report.skipped}")
    line.append(f", failed {len(report.failed)}", style="bold red" if report.failed else "")
    console.print(line)
    for failure in report.failed:
        console.print(Text("  failed: ", style="red") + Text(f"{failure.path}: {failure.error}"))
    _matches(console, report)
    by_file: dict[str, list[str]] = {}
    for warning in report.warnings:
        by_file.setdefault(warning.path, []).append(warning.warning)
    for path, warnings in by_file.items():
        more = f" (+{len(warnings) - 1} more: see `backstride show`)" if len(warnings) > 1 else ""
        console.print(Text("  warning: ", style="yellow") + Text(f"{path}: {warnings[0]}{more}"))


#: Duplicates listed one per line before the rest are summed up (a re-import of a whole
#: export is all duplicates; ``--json`` lists every one).
MATCH_LINES = 10


def _matches(console: Console, report: ImportReport) -> None:
    """Which stored activity each duplicate matched: twins first (another file of the same
    activity is the surprising kind), then files imported before."""
    ordered = sorted(report.matches, key=lambda m: m.reason == "same file")
    for match in ordered[:MATCH_LINES]:
        console.print(
            Text("  duplicate: ", style="dim")
            + Text(f"{match.source}: activity {match.activity_id}, {match.reason}")
        )
    if len(ordered) > MATCH_LINES:
        console.print(
            Text(f"  ... {len(ordered) - MATCH_LINES} more duplicates (--json lists them all)")
        )


def shoes_table(items: Sequence[StoredGear], as_of: date | None = None) -> Table:
    when = f", distances up to {as_of.isoformat()}" if as_of is not None else ""
    table = Table(title=f"{len(items)} pairs of shoes{when}", title_justify="left")
    for header in ("name", "brand / model", "km", "runs", "since", "default", "status", "wear"):
        table.add_column(header, justify="right" if header in ("km", "runs") else "left")
    for item in items:
        g = item.gear
        table.add_row(
            Text(g.name),
            Text(" ".join(x for x in (g.brand, g.model) if x)),
            km(item.distance_m),
            str(item.activity_count),
            g.start_date.isoformat() if g.start_date else "",
            ", ".join(item.default_for),
            "retired" if g.retired else "in use",
            _wear(item),
        )
    s1 = catalogue_thresholds()["S1"]
    table.caption = (
        f"S1: inspect at {s1['inspect_km']:g} km, consider replacing at {s1['replace_km']:g} km "
        "unless set per pair (convention, not proven thresholds; Verdejo 2004, grade C/D)."
    )
    return table


def _wear(item: StoredGear) -> Text:
    g = item.gear
    if g.replace_at_m and item.distance_m >= g.replace_at_m:
        return Text(f"past {g.replace_at_m / 1000:.0f} km: consider replacing", style="red")
    if g.inspect_at_m and item.distance_m >= g.inspect_at_m:
        return Text(f"past {g.inspect_at_m / 1000:.0f} km: inspect", style="yellow")
    return Text("ok")


_LIGHT_STYLE = {
    "green": "bold green",
    "amber": "bold yellow",
    "red": "bold red",
    "unknown": "dim",
    "info": "cyan",
    "suspended": "bold magenta",
}
_SEVERITY_STYLE = {
    "very_high": "bold red",
    "high": "red",
    "caution": "yellow",
    "ok": "green",
    "info": "cyan",
}


def status_screen(console: Console, status: Status, *, show: int = 6) -> None:
    """Lights first (each with a word, readable without colour), then the top findings."""
    console.print(Text(f"backstride status on {status.as_of.isoformat()}", style="bold"))
    for finding in status.findings:
        if finding.rule.startswith("R") and finding.severity in ("very_high", "high"):
            # Red flags come first, everywhere, before any training light.
            style = "bold white on red" if finding.severity == "very_high" else "bold red"
            console.print(Text(finding.message, style=style))
    if status.training_suspended:
        console.print(
            Text("Training advice is suspended until a clinician has seen you.", style="bold")
        )
    if status.clearance is not None:
        visit = status.clearance
        console.print(
            Text("Seen by a clinician: ", style="bold")
            + Text(visit.day.isoformat() + (f" ({visit.by})" if visit.by else ""))
            + Text(f": {visit.note}" if visit.note else "")
        )
    if status.screen_due:
        console.print(
            Text("Symptom screen due: ", style="bold yellow")
            + Text(f"{status.screen_due}. Take it with: backstride screen")
        )
    fresh = status.freshness
    if fresh is not None and fresh.message is not None:
        console.print(
            Text("Data may be out of date: " if fresh.stale else "", style="bold yellow")
            + Text(f"{fresh.message} (backstride import FILES, or backstride watch FOLDER)")
        )
    lights = Table.grid(padding=(0, 2))
    lights.add_column(no_wrap=True)
    lights.add_column(no_wrap=True)
    lights.add_column()
    for light in status.lights.values():
        lights.add_row(
            Text(f"● {light.word}", style=_LIGHT_STYLE[light.status]),
            Text(light.title, style="bold"),
            Text(light.summary),
        )
    console.print(lights)
    shown = [f for f in status.findings if f.severity != "info"][:show]
    if shown:
        console.print(Text("\nWhat matters most", style="bold"))
    for finding in shown:
        head = Text(f"{finding.rule} ", style="bold")
        head.append(finding.severity.replace("_", " "), style=_SEVERITY_STYLE[finding.severity])
        head.append(f"  {finding.date.isoformat()}")
        if finding.activity_id is not None:
            head.append(f"  activity {finding.activity_id}")
        console.print(head)
        console.print(Text("  " + finding.message))
        console.print(Text("  why: " + status.why(finding), style="dim"))
        console.print(
            Text(f"  source: {finding.citation}, evidence grade {finding.grade}", style="dim")
        )
    console.print(
        Text(
            "\nbackstride does not diagnose. Severe, new or spreading pain, or pain into the legs: "
            "see a clinician.",
            style="italic",
        )
    )


def load_table(console: Console, history: LoadHistory) -> None:
    km_values = [w.run_distance_m / 1000 for w in history.weeks]
    console.print(
        Text(f"running km, last {len(history.weeks)} weeks: ", style="bold")
        + Text(sparkline(km_values), style="cyan")
    )
    table = Table(title_justify="left")
    for header in ("week of", "km", "runs", "long run km", "L2 vs week before", "load",
                   "other min", "strength"):  # fmt: skip
        table.add_column(header, justify="left" if header == "week of" else "right")
    for w in history.weeks:
        table.add_row(
            w.monday.isoformat(),
            km(w.run_distance_m),
            str(w.runs),
            km(w.long_run_m),
            _l2_cell(w.l2),
            f"{w.load_au:.0f}",
            f"{w.other_minutes:.0f}",
            str(w.strength_sessions),
        )
    console.print(table)
    l2 = CATALOGUE["L2"]
    console.print(
        Text(
            f"L2 ({l2.citation}, grade {l2.grade}): each week's running distance against the "
            "week before, judged on the week's last day as status does that day: more than "
            f"+{l2.thresholds['flag_above']:.0%} is a caution, up to "
            f"+{l2.thresholds['conservative_at_most']:.0%} conservative, not proven. "
            "Load: " + history.load_basis + ".",
            style="dim",
        )
    )


def _l2_cell(finding: Finding | None) -> Text:
    """A week's L2 verdict: the change and the severity in words (colour is not the only
    signal)."""
    if finding is None:
        return Text("")
    change = finding.values["change"]  # None: no running the week before (a restart)
    shown = f"{change:+.0%}" if isinstance(change, float) and math.isfinite(change) else "restart"
    word = {"ok": "ok", "caution": "caution", "info": ""}.get(finding.severity, finding.severity)
    return Text(f"{shown} {word}".strip(), style=_SEVERITY_STYLE[finding.severity])


def _cell(value: float, scale: float = 1.0, digits: int = 0) -> str:
    return "" if value != value else f"{value * scale:.{digits}f}"


def form_screen(console: Console, history: FormHistory) -> None:
    table = history.table
    if table is None or not len(table):
        console.print("No runs with cadence in the year before " + history.as_of.isoformat())
        return
    out = Table(title=f"Form over steady running, {len(table)} runs", title_justify="left")
    for header in ("date", "id", "pace /km", "spm", "step m", "VO cm", "VR %", "GCT ms",
                   "L/R %", "W"):  # fmt: skip
        out.add_column(header, justify="left" if header == "date" else "right")
    for i in range(len(table)):
        speed = float(table.speed_mps[i])
        pace = "" if not speed > 0 else f"{int(1000 / speed // 60)}:{int(1000 / speed % 60):02d}"
        out.add_row(
            str(table.local_date[i]),
            str(int(table.activity_id[i])),
            pace,
            _cell(table.cadence_spm[i]),
            _cell(table.step_length_m[i], digits=2),
            _cell(table.vertical_oscillation_m[i], 100, 1),
            _cell(table.vertical_ratio_pct[i], digits=1),
            _cell(table.stance_time_s[i], 1000),
            _cell(table.balance_left_pct[i], digits=1),
            _cell(table.power_w[i]),
        )
    console.print(out)
    for finding in history.findings:
        console.print(
            Text(f"{finding.rule} {finding.severity}: ", style="bold") + Text(finding.message)
        )
        console.print(Text(f"  source: {finding.citation}, grade {finding.grade}", style="dim"))


def pain_diary(console: Console, overview: PainOverview) -> None:
    entries = overview.entries
    if not entries:
        console.print("No pain logged in these weeks: backstride pain log NRS (0-10) after a run.")
        return
    # Every week asked for (issue 13: 40 weeks showed 26), half a year to a line.
    console.print(Text("morning pain by week:", style="bold"))
    trend = overview.weekly_morning_mean
    for at in range(0, len(trend), 26):
        weeks = trend[at : at + 26]
        means = [m for _, m in weeks]
        console.print(
            Text(f"  from {weeks[0][0].isoformat()} ", style="dim")
            + Text(sparkline([m if m is not None else 0.0 for m in means]), style="yellow")
            + Text("  " + " ".join("-" if m is None else f"{m:.1f}" for m in means), style="dim")
        )
    table = Table(title=f"{len(entries)} diary entries", title_justify="left")
    for header in ("date", "when", "pain", "", "legs", "run", "note"):
        table.add_column(header, justify="right" if header in ("pain", "run") else "left")
    for e in entries:
        style = "red" if e.nrs > 5 else "yellow" if e.nrs >= 3 else "green"
        table.add_row(
            e.day.isoformat(),
            e.moment.replace("_", "-"),
            f"{e.nrs}/10",
            Text("█" * e.nrs, style=style),
            e.leg_symptoms.replace("_", "-"),
            "" if e.activity_id is None else str(e.activity_id),
            Text(e.note or ""),
        )
    console.print(table)
    for finding in overview.findings:
        console.print(Text(finding.message, style=_SEVERITY_STYLE[finding.severity]))
        source = f"  source: {finding.citation}, evidence grade {finding.grade}"
        console.print(Text(source, style="dim"))
    console.print(Text("Next session: ", style="bold") + Text(overview.adjustment.message))


def screen_result(console: Console, result: ScreenResult) -> None:
    """The screen's outcome, most pressing first; emergencies in bold, with words."""
    for finding in result.findings:
        style = _SEVERITY_STYLE[finding.severity]
        if finding.severity == "very_high":
            style = "bold white on red"
        console.print(Text(finding.message, style=style))
        console.print(
            Text(f"  source: {finding.citation}, evidence grade {finding.grade}", style="dim")
        )
    if result.outcome == "incomplete":
        console.print(
            Text(
                "Some questions were skipped: this screen is incomplete, not negative.",
                style="yellow",
            )
        )
    if result.clearance is not None:
        console.print(Text(_seen(result.clearance) + ".", style="dim"))
    console.print(Text(f"Saved as the screen of {result.record.day.isoformat()}.", style="dim"))


def _seen(clearance: ClearanceRecord) -> str:
    who = f" ({clearance.by})" if clearance.by else ""
    return f"A clinician saw you on {clearance.day.isoformat()}{who}"


def clearance(console: Console, record: ClearanceRecord, latest: ScreenResult | None) -> None:
    """A recorded clinician's visit, and what the latest screen says now."""
    console.print(Text("Recorded: ", style="bold") + Text(_seen(record) + "."))
    if record.note:
        console.print(Text(f"  their advice: {record.note}", style="dim"))
    if latest is None:
        console.print("No symptom screen yet: take one with backstride screen.")
    elif latest.blocks_training:
        console.print(
            Text(
                f"Your latest screen ({latest.record.day.isoformat()}) was taken after this "
                "visit and still pauses training: see above.",
                style="bold red",
            )
        )
    else:
        console.print(
            f"Your latest screen ({latest.record.day.isoformat()}) no longer pauses training. "
            "Take the screen again if anything is new or gets worse."
        )


def pain_associations(console: Console, found: PainAssociations) -> None:
    console.print(
        Text("What went with next-morning pain (association, not cause)", style="bold")
        + Text(f": {found.pairs} run / next-morning pairs", style="dim")
    )
    if not found.correlations and not found.by_shoe:
        console.print(
            "Not enough data yet: log next-morning pain after at least 8 runs to see anything."
        )
        return
    for a in found.correlations:
        console.print(
            Text(f"{a.factor}: ", style="bold")
            + Text(f"rank correlation {a.rho:+.2f} (range {a.low:+.2f} to {a.high:+.2f}, "
                   f"{a.n} pairs): {a.verdict}")
        )  # fmt: skip
    if found.correlations:
        console.print(Text(found.note, style="dim"))
    for g in found.by_shoe:
        console.print(
            Text(f"shoe {g.group}: ", style="bold")
            + Text(f"mean next-morning pain {g.mean:.1f} (95% range {g.low:.1f}-{g.high:.1f}, "
                   f"{g.n} runs)")
        )  # fmt: skip
