"""The clinician report as HTML (Jinja2, print CSS) and as PDF (WeasyPrint).

Contract: :func:`render_html` takes a :class:`~backstride.service.report_model.ReportData`
and returns one self-contained HTML document (inline CSS, inline SVG charts, no scripts,
no external resources); :func:`render_pdf` prints that document to A4 PDF bytes. The first
page is the two-minute summary; the detail pages follow. Nothing here reads the store or
decides anything: the data and every verdict come from ``backstride.service``.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from backstride.errors import ConfigError
from backstride.report import charts
from backstride.service.colours import SEVERITY_ORDER, outcome_colour
from backstride.service.report_model import ReportData
from backstride.service.thresholds import catalogue_thresholds

#: Loggers of WeasyPrint and the libraries it drives; their warnings (missing glyphs,
#: unsupported CSS, font subsetting notes) are for developers, never for the runner.
QUIET_LOGGERS = ("weasyprint", "fontTools", "pydyf", "tinycss2", "cssselect2")
# Logger levels and warning filters are process-wide: one PDF at a time (the dashboard may
# serve two downloads at once), so a second render cannot restore the first one's levels.
_PRINTING = threading.Lock()


#: L1 outcomes in the words of the rule's bands (Frandsen 2025).
SPIKE_WORDS = {
    "caution": "small spike",
    "high": "moderate spike",
    "very_high": "large spike",
    "after_break": "after a break",
}


def _km(metres: float | None, decimals: int = 1) -> str:
    return "-" if metres is None else f"{metres / 1000:.{decimals}f} km"


def _day(value: date | None) -> str:
    return "-" if value is None else f"{value.day} {value.strftime('%b %Y')}"


def _short(value: date) -> str:
    return f"{value.day} {value.strftime('%b')}"


def _num(value: float | None, decimals: int = 1) -> str:
    return "-" if value is None else f"{value:.{decimals}f}"


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("backstride.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(km=_km, day=_day, short=_short, num=_num, hours=_hours)
    env.globals["SPIKE_WORDS"] = SPIKE_WORDS
    return env


def _spike_colour(data: ReportData, monday: date) -> str | None:
    """The colour of the week's largest L1 spike (its outcome's, as on the Load page)."""
    spikes = [s for s in data.spikes if s.day - timedelta(days=s.day.weekday()) == monday]
    if not spikes:
        return None
    worst = max(spikes, key=lambda s: SEVERITY_ORDER.index(s.severity))
    return outcome_colour("L1", worst.outcome)


def _charts(data: ReportData) -> dict[str, Any]:
    labels = [_short(w.monday) for w in data.weeks]
    out: dict[str, Any] = {
        "km": charts.bar_chart(
            labels,
            [w.run_distance_m / 1000 for w in data.weeks],
            title="Running distance per week (km)",
            unit="km",
            flagged=[_spike_colour(data, w.monday) for w in data.weeks],
            flag_label="week with an L1 distance spike, in the colour of its largest",
        ),
        "other": charts.bar_chart(
            labels,
            [w.other_minutes for w in data.weeks],
            title="Minutes of other sport per week",
            unit="min",
            height=130,
        ),
        "pain": None,
        "form": [],
        "shoes": None,
    }
    if any(w.morning_pain_mean is not None for w in data.weeks):
        out["pain"] = charts.line_chart(
            labels,
            [w.morning_pain_mean for w in data.weeks],
            title="Mean next-morning back pain per week (NRS 0-10)",
            unit="NRS",
        )
    for change in data.form:
        points = [(p.day, p.values[change.metric]) for p in data.form_points]
        kept = [(d, v) for d, v in points if v is not None]
        out["form"].append(
            (
                change,
                charts.dot_chart(
                    [d for d, _ in kept],
                    [v for _, v in kept],
                    start=data.start,
                    end=data.end,
                    title=f"{change.label} per run ({change.unit})",
                    unit=change.unit,
                ),
            )
        )
    if data.shoes:
        s1 = data.shoes[0]
        out["shoes"] = charts.threshold_bars(
            [s.name for s in data.shoes],
            [s.distance_m / 1000 for s in data.shoes],
            title="Distance per pair of shoes (km) against the S1 marks",
            unit="km",
            thresholds=[
                (s1.inspect_at_m / 1000, "inspect", outcome_colour("S1", "inspect")),
                (s1.replace_at_m / 1000, "replace", outcome_colour("S1", "replace")),
            ],
        )
    return out


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML document (page 1: the two-minute summary)."""
    template = _environment().get_template("report.html.j2")
    rules = {r.id: r for r in data.rules}
    return template.render(
        d=data, charts=_charts(data), rules=rules, thresholds=catalogue_thresholds(), Markup=Markup
    )


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence WeasyPrint's and fontTools' log messages and warnings while printing."""
    with _PRINTING, _silenced():
        yield


@contextmanager
def _silenced() -> Iterator[None]:
    saved = {}
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            for module in QUIET_LOGGERS:
                warnings.filterwarnings("ignore", module=module)
            yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def render_pdf(data: ReportData) -> bytes:
    """The report printed to A4 PDF by WeasyPrint (no JavaScript, no network)."""
    html = render_html(data)
    with _quiet():
        try:
            from weasyprint import HTML
        except OSError as e:  # WeasyPrint loads Pango through cffi when it is imported
            raise ConfigError(
                f"PDF reports need the Pango libraries, which are not installed ({e})",
                hint=f"apt-get install {' '.join(PDF_PACKAGES)}; or write HTML: -o report.html",
            ) from None

        pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf


#: Debian's packages WeasyPrint needs to write PDF (README, .ci/run).
PDF_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-dejavu-core")
