"""Templates and what every page shows around its own content: the navigation, the day the
page is judged on, and the red-flag banner first of all when a screen found one."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from backstride.service import Store, active_red_flags
from backstride.service.sync_state import shows_strava_data
from backstride.service.thresholds import catalogue_thresholds

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

#: The pages in the navigation: (path, label).
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/load", "Load"),
    ("/pain", "Pain"),
    ("/form", "Form"),
    ("/shoes", "Shoes"),
    ("/plan", "Plan"),
    ("/activities", "Activities"),
    ("/import", "Import"),
    ("/sync", "Sync"),
    ("/report", "Report"),
)

#: Words for the severities: colour is never the only signal (the lights carry their own
#: word, ``rules.practices.PracticeLight.word``).
SEVERITY_WORDS = {
    "info": "context",
    "ok": "fine",
    "caution": "caution",
    "high": "high",
    "very_high": "very high",
}


def to_json_script(value: Any) -> Markup:
    """``value`` as JSON safe to put inside <script type="application/json">."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def km(metres: float | None, digits: int = 1) -> str:
    if metres is None or not math.isfinite(metres):
        return "-"
    return f"{metres / 1000:.{digits}f}"


def pace(speed_mps: float | None) -> str:
    if not speed_mps or not math.isfinite(speed_mps) or speed_mps <= 0:
        return "-"
    seconds = round(1000 / speed_mps)
    return f"{seconds // 60}:{seconds % 60:02d} /km"


def speed(speed_mps: float | None, sport: str) -> str:
    """Pace for foot sports, km/h for the others (a ride at "1:56 /km" reads oddly)."""
    if sport in ("running", "walking", "hiking"):
        return pace(speed_mps)
    if not speed_mps or not math.isfinite(speed_mps) or speed_mps <= 0:
        return "-"
    return f"{speed_mps * 3.6:.1f} km/h"


templates.env.filters["km"] = km
templates.env.filters["speed"] = speed
templates.env.filters["pace"] = pace
templates.env.filters["tojson_script"] = to_json_script
templates.env.globals["SEVERITY_WORDS"] = SEVERITY_WORDS
templates.env.globals["NAV"] = NAV


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    on: date | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with the banner and navigation around it."""
    store: Store = request.app.state.store
    flags = active_red_flags(store)
    query = f"?on={on.isoformat()}" if on is not None else ""
    full = {
        "red_flags": [f.to_json() for f in flags],
        "on": on.isoformat() if on is not None else "",
        "query": query,
        "path": request.url.path,
        "thresholds": catalogue_thresholds(),
        "csrf_token": request.app.state.csrf_token,
        "strava_attribution": shows_strava_data(store),
        **context,
    }
    return templates.TemplateResponse(request, template, full, status_code=status_code)


def render_error(request: Request, status: int, message: str, hint: str | None) -> HTMLResponse:
    """The error page: one line, and a hint when there is one (after any red flag)."""
    try:
        flags = [f.to_json() for f in active_red_flags(request.app.state.store)]
    except Exception:  # the store itself may be what failed: the error still gets its page
        flags = []
    context = {"status": status, "message": message, "hint": hint, "red_flags": flags,
               "on": "", "query": "", "path": request.url.path,
               "thresholds": catalogue_thresholds()}  # fmt: skip
    return templates.TemplateResponse(request, "error.html", context, status_code=status)
