"""The clinician report: one page a physiotherapist reads in two minutes, then detail pages.

``build_report`` (from the service layer) gathers the data for a period; ``render_html``
and ``render_pdf`` print it. The dashboard and the CLI call these three and nothing else::

    data = build_report(store, start=date(2026, 1, 5), end=date(2026, 3, 29))
    Path("report.pdf").write_bytes(render_pdf(data))
"""

from backstride.report.render import render_html, render_pdf
from backstride.service.report_data import build_report, default_period
from backstride.service.report_model import ReportData

__all__ = ["ReportData", "build_report", "default_period", "render_html", "render_pdf"]
