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
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from backstride.service import active_red_flags, colours, glossary
from backstride.service.thresholds import catalogue_thresholds
from backstride.web import results
from backstride.web.subject import current, is_clinic, query_of, token_of

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
    ("/glossary", "Glossary"),
)
#: The clinic server's navigation per role: an athlete's own pages and account pages; a
#: clinician's athlete list and the read-only pages of the athlete looked at (no Import or
#: Sync: those write), with the notes; an admin's accounts (no health data at all).
CLINIC_NAV: dict[str, tuple[tuple[str, str], ...]] = {
    "athlete": (*NAV[:-1], ("/notes", "Notes"), ("/sharing", "Sharing"), ("/audit", "Audit"),
                ("/account", "Account"), NAV[-1]),
    "clinician": (("/", "Overview"), ("/load", "Load"), ("/pain", "Pain"), ("/form", "Form"),
                  ("/shoes", "Shoes"), ("/plan", "Plan"), ("/activities", "Activities"),
                  ("/report", "Report"), ("/notes", "Notes"), ("/glossary", "Glossary")),
    "admin": (("/admin/accounts", "Accounts"), ("/account", "Account")),
}  # fmt: skip
#: A clinician's navigation while no athlete is looked at (the athlete list): the athlete's
#: pages need one (``?athlete=``), so they are offered from the list, not here.
CLINICIAN_HOME_NAV: tuple[tuple[str, str], ...] = (
    ("/", "Your athletes"),
    ("/account", "Account"),
    ("/glossary", "Glossary"),
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


def hours_minutes(seconds: float | None) -> str:
    """A duration as a runner's watch shows it: h:mm, rounded to the minute.

    >>> hours_minutes(7068), hours_minutes(1560), hours_minutes(None)
    ('1:58', '0:26', '')
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def minutes_seconds(seconds: float | None) -> str:
    """A short duration (a lap) as m:ss; an hour or more as h:mm:ss.

    >>> minutes_seconds(292.4), minutes_seconds(3725), minutes_seconds(None)
    ('4:52', '1:02:05', '')
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


def whole(value: float | None, unit: str = "") -> str:
    """A reading whose decimals mean nothing (heart rate, cadence) as a whole number.

    >>> whole(158.0, "bpm"), whole(157.6), whole(None, "bpm")
    ('158 bpm', '158', '')
    """
    if value is None or not math.isfinite(value):
        return ""
    return f"{round(value)} {unit}".rstrip()


TOOLTIP = Markup(
    '<a class="term" href="/glossary{}#{}"><abbr title="{}" data-term="{}">{}</abbr></a>'
)


@pass_context
def gloss(context: Context, text: object) -> Markup:
    """``text`` (escaped) with the first use on the page of each glossary term marked as a
    tooltip: ``<abbr title="plain words">`` in a link to the Glossary page's entry, so a
    keyboard reaches it too. Later uses on the same page stay plain."""
    plain = str(text or "")
    seen: set[str] | None = context.get("glossed")
    found = [] if seen is None else glossary.find_terms(plain)
    if seen is None or not found:
        return Markup(escape(plain))
    # The terms with their numbers, made once per page (``page`` hands an empty dict).
    words: dict[str, glossary.Term] = context.get("glossary_terms", {})
    if not words:
        words.update((t.key, t) for t in glossary.terms())
    out, at = [], 0
    for start, end, key in found:
        if key in seen:
            continue
        seen.add(key)
        term = words[key]
        out.append(escape(plain[at:start]))
        out.append(TOOLTIP.format(context.get("query", ""), key, term.plain, key, plain[start:end]))
        at = end
    out.append(escape(plain[at:]))
    return Markup("").join(out)


templates.env.filters["gloss"] = gloss
templates.env.filters["km"] = km
templates.env.filters["hm"] = hours_minutes
templates.env.filters["ms"] = minutes_seconds
templates.env.filters["whole"] = whole
templates.env.filters["speed"] = speed
templates.env.filters["pace"] = pace
templates.env.filters["tojson_script"] = to_json_script
templates.env.globals["SEVERITY_WORDS"] = SEVERITY_WORDS
templates.env.globals["NAV"] = NAV
templates.env.globals["PALETTE_CSS"] = Markup(colours.css_properties())


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    on: date | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with the banner and navigation around it. The red flags and the Strava
    attribution are those of the request's subject (none on a page about no athlete);
    ``query`` keeps the subject (``?athlete=`` for a clinician) and the day in every link."""
    who = current(request)
    cache = request.app.state.results
    flags = [] if who is None else results.red_flags_of(cache, who)
    full = {
        "red_flags": [f.to_json() for f in flags],
        "on": on.isoformat() if on is not None else "",
        "query": query_of(request, on),
        "path": request.url.path,
        "thresholds": catalogue_thresholds(),
        "palette": colours.palette(),
        "glossed": set(),
        "glossary_terms": {},
        "csrf_token": token_of(request),
        "strava_attribution": False if who is None else results.shows_strava_of(cache, who),
        **chrome(request),
        **context,
    }
    return templates.TemplateResponse(request, template, full, status_code=status_code)


def chrome(request: Request) -> dict[str, Any]:
    """What the clinic server adds around a page: the navigation of the signed-in role, who
    is signed in (with the sign-out form), the athlete looked at, and the subject's URL
    parameters for the "Judge as of" form. Nothing on the local dashboard."""
    if not is_clinic(request):
        return {"nav": NAV, "account": None, "subject_params": (), "show_asof": True}
    account = getattr(request.state, "account", None)
    who = current(request)
    role = getattr(account, "role", None)
    nav = CLINIC_NAV.get(str(role), ()) if account is not None else ()
    if role == "clinician" and (who is None or not who.by_clinician):
        nav = CLINICIAN_HOME_NAV
    looked_at = None
    if who is not None and who.by_clinician:
        athlete = who.access.athlete
        looked_at = {"name": athlete.display_name or athlete.name, "scope": who.view}
    return {
        "nav": nav,
        "account": account,
        "looked_at": looked_at,
        "subject_params": () if who is None else who.params,
        "read_only": who is not None and not who.can_write,
        "show_asof": who is not None,
    }


def render_error(request: Request, status: int, message: str, hint: str | None) -> HTMLResponse:
    """The error page: one line, and a hint when there is one (after any red flag)."""
    try:
        who = current(request)
        found = [] if who is None else active_red_flags(who.store, athlete=who.athlete)
        flags = [f.to_json() for f in found]
    except Exception:  # the store itself may be what failed: the error still gets its page
        flags = []
    context = {"status": status, "message": message, "hint": hint, "red_flags": flags,
               "on": "", "query": "", "path": request.url.path,
               "thresholds": catalogue_thresholds(), "palette": colours.palette()}  # fmt: skip
    try:
        context.update(chrome(request))
        context["csrf_token"] = token_of(request)
    except Exception:  # the error page must render whatever failed
        context.update({"nav": NAV, "account": None, "subject_params": ()})
    return templates.TemplateResponse(request, "error.html", context, status_code=status)
