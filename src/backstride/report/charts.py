"""Small server-side SVG charts for the clinician report.

WeasyPrint runs no JavaScript, so every chart is drawn here as inline SVG text: a handful
of rectangles, lines and labels, no plotting dependency. Each function takes plain numbers
and labels and returns :class:`markupsafe.Markup` (every label is escaped here), sized in
CSS pixels to fit the A4 text width. A chart never invents data: missing values (None) are
gaps, and an empty series is drawn as an empty frame by the caller's choice, never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from backstride.service.colours import NEUTRAL

WIDTH = 640
INK = "#222"
GRID = "#d8d8d8"
#: Amounts without a verdict; a verdict's colour comes from service/colours.py (its rule's
#: outcome, so a colour means the same here as on the dashboard).
BAR = NEUTRAL
MUTED = "#888"


def nice_step(top: float, ticks: int = 4) -> float:
    """A round grid step (1, 2, 2.5 or 5 times a power of ten) for values up to ``top``.

    >>> nice_step(10), nice_step(37), nice_step(0.8), nice_step(0)
    (2.5, 10.0, 0.2, 1.0)
    """
    if top <= 0 or not math.isfinite(top):
        return 1.0
    raw = top / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power  # pragma: no cover


def _number(value: float, step: float) -> str:
    """A tick label with as many decimals as the step needs (2.5 -> one, 0.25 -> two)."""
    decimals = next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 3)
    return f"{value:.{decimals}f}"


def _frame(title: str, width: int, height: int, body: list[str]) -> Markup:
    body = [_text(0, 10, title, anchor="start", size=9, weight="bold"), *body]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, label: str, *, anchor: str = "middle", size: int = 9,
          fill: str = INK, weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(label)}</text>'
    )


def _y_axis(
    body: list[str], top: float, step: float, *, left: int, right: int, y0: int, plot_h: int,
    unit: str,
) -> None:  # fmt: skip
    value = 0.0
    while value <= top + 1e-9:
        y = y0 - value / top * plot_h
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 4, y + 3, _number(value, step), anchor="end", fill=MUTED))
        value += step
    body.append(_text(left - 4, y0 - plot_h - 8, unit, anchor="end", fill=MUTED, size=8))


def _x_labels(
    body: list[str], labels: Sequence[str], xs: Sequence[float], *, y: float, room: float
) -> None:
    every = max(1, math.ceil(34 / room)) if room > 0 else 1
    for i, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if i % every == 0:
            body.append(_text(x, y, label, fill=MUTED))


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    unit: str,
    flagged: Sequence[str | None] = (),
    flag_label: str = "",
    width: int = WIDTH,
    height: int = 170,
) -> Markup:
    """Vertical bars (e.g. km per week) on an axis from zero; a ``flagged`` bar (its entry
    a colour, the verdict's) is drawn in that colour with a marker."""
    left, right, y0 = 44, width - 8, height - 20
    plot_h = y0 - 34
    top_value = max([*values, 0.0])
    step = nice_step(top_value)
    top = max(step, math.ceil(top_value / step) * step)
    body: list[str] = []
    _y_axis(body, top, step, left=left, right=right, y0=y0, plot_h=plot_h, unit=unit)
    n = max(len(values), 1)
    slot = (right - left) / n
    bar_w = max(2.0, slot * 0.7)
    xs = []
    for i, value in enumerate(values):
        x = left + slot * i + (slot - bar_w) / 2
        xs.append(x + bar_w / 2)
        h = value / top * plot_h
        mark = flagged[i] if i < len(flagged) else None
        colour = mark or BAR
        if h > 0:
            body.append(
                f'<rect x="{x:.1f}" y="{y0 - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
        if mark:
            cx, cy = x + bar_w / 2, y0 - h - 6
            body.append(
                f'<path d="M{cx - 4:.1f},{cy - 5:.1f} L{cx + 4:.1f},{cy - 5:.1f} '
                f'L{cx:.1f},{cy + 1:.1f} Z" fill="{mark}"/>'
            )
    body.append(f'<line x1="{left}" y1="{y0}" x2="{right}" y2="{y0}" stroke="{INK}"/>')
    _x_labels(body, labels, xs, y=y0 + 12, room=slot)
    if flag_label and any(flagged):
        body.append(_text(right, 10, "▼ " + flag_label, anchor="end", fill=INK))
    return _frame(title, width, height, body)


def line_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    unit: str,
    top: float = 10.0,
    step: float = 2.0,
    width: int = WIDTH,
    height: int = 150,
) -> Markup:
    """Points joined by lines on a fixed scale (pain 0-10); None leaves a gap."""
    left, right, y0 = 44, width - 8, height - 20
    plot_h = y0 - 34
    body: list[str] = []
    _y_axis(body, top, step, left=left, right=right, y0=y0, plot_h=plot_h, unit=unit)
    n = max(len(values), 1)
    slot = (right - left) / n
    xs = [left + slot * (i + 0.5) for i in range(len(values))]
    run: list[str] = []
    segments: list[list[str]] = [run]
    for x, value in zip(xs, values, strict=True):
        if value is None:
            run = []
            segments.append(run)
            continue
        y = y0 - min(value, top) / top * plot_h
        run.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BAR}"/>')
        body.append(_text(x, y - 6, f"{value:.1f}", size=8))
    for seg in segments:
        if len(seg) > 1:
            body.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{BAR}" '
                f'stroke-width="1.5"/>'
            )
    body.append(f'<line x1="{left}" y1="{y0}" x2="{right}" y2="{y0}" stroke="{INK}"/>')
    _x_labels(body, labels, xs, y=y0 + 12, room=slot)
    return _frame(title, width, height, body)


def dot_chart(
    days: Sequence[date],
    values: Sequence[float],
    *,
    start: date,
    end: date,
    title: str,
    unit: str,
    width: int = WIDTH,
    height: int = 120,
) -> Markup:
    """One dot per run on a time axis from ``start`` to ``end`` (a form metric per run).

    The y axis spans the data with a margin (form metrics vary by a few percent, so a zero
    baseline would flatten every change)."""
    left, right, y0 = 44, width - 8, height - 20
    plot_h = y0 - 24
    body: list[str] = []
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = max((high - low) * 0.15, abs(high) * 0.02, 1e-6)
    low, high = low - pad, high + pad
    step = nice_step(high - low, 3)
    first = math.floor(low / step) * step
    span_days = max((end - start).days, 1)
    value = first
    while value <= high + 1e-9:
        if value >= low:
            y = y0 - (value - low) / (high - low) * plot_h
            body.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>'
            )
            body.append(_text(left - 4, y + 3, _number(value, step), anchor="end", fill=MUTED))
        value += step
    for day, v in zip(days, values, strict=True):
        x = left + (day - start).days / span_days * (right - left)
        y = y0 - (v - low) / (high - low) * plot_h
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BAR}"/>')
    body.append(f'<line x1="{left}" y1="{y0}" x2="{right}" y2="{y0}" stroke="{INK}"/>')
    body.append(_text(left, y0 + 12, start.strftime("%d %b %Y"), anchor="start", fill=MUTED))
    body.append(_text(right, y0 + 12, end.strftime("%d %b %Y"), anchor="end", fill=MUTED))
    return _frame(title, width, height, body)


def threshold_bars(
    names: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    unit: str,
    thresholds: Sequence[tuple[float, str, str]],
    width: int = WIDTH,
) -> Markup:
    """Horizontal bars (km per shoe) from zero against vertical threshold lines (S1's marks),
    each ``(value, label, colour)``: a bar past a line takes that line's colour."""
    row_h, left, right = 20, 150, width - 60
    height = 40 + row_h * max(len(values), 1) + 6
    top = max([*values, *(t for t, _, _ in thresholds), 1.0]) * 1.05
    body: list[str] = []
    y0 = 34
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        y = y0 + i * row_h
        w = value / top * (right - left)
        over = [c for t, _, c in sorted(thresholds) if value >= t]
        colour = over[-1] if over else BAR
        body.append(_text(left - 6, y + 13, name[:24], anchor="end"))
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}"/>'
        )
        body.append(_text(left + w + 4, y + 13, f"{value:.0f} {unit}", anchor="start"))
    bottom = y0 + row_h * max(len(values), 1)
    for t, label, line in thresholds:
        x = left + t / top * (right - left)
        body.append(
            f'<line x1="{x:.1f}" y1="{y0 - 4}" x2="{x:.1f}" y2="{bottom}" stroke="{line}" '
            f'stroke-dasharray="4 3"/>'
        )
        body.append(_text(x, y0 - 7, f"{label} {t:.0f} {unit}", fill=line, size=8))
    body.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{INK}"/>')
    return _frame(title, width, height, body)
