"""The dashboard's pages: each one service call (or a few) rendered by a template.

Charts draw from the same JSON the API serves, embedded in the page. Forms post here; bad
input re-renders the page with a one-line message (status 400), never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from backstride import service
from backstride.errors import BackstrideError, InputError
from backstride.service import charts, screening
from backstride.service import glossary as service_glossary
from backstride.views import activity_detail_view, activity_view, clearance_view, shoe_view
from backstride.web import errors, guard, queue, results, syncs, uploads
from backstride.web import policy as policies
from backstride.web.params import (
    MAX_ID,
    ActivityId,
    On,
    check_day,
    check_record_day,
    no_control_characters,
    parse_day,
)
from backstride.web.render import page
from backstride.web.subject import current, keep_params, subject, writer

router = APIRouter(include_in_schema=False)

#: How many findings the overview lists (the CLI's status shows 6).
TOP_FINDINGS = 6


def _store(request: Request) -> service.Store:
    """The store for this request's subject (a clinician's restricted view, or the store)."""
    return subject(request).store


def _athlete(request: Request) -> str:
    return subject(request).athlete


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, on: On = None) -> Response:
    if current(request) is None:
        # The clinic server's home of an account looking at no athlete (web/policy.py):
        # the clinician's athlete list, the admin's accounts.
        from backstride.web import clinic

        return clinic.home(request, on)
    status = results.status(request, on)
    data = status.to_json()
    return page(
        request,
        "overview.html",
        {
            "status": data,
            "titles": {name: light.title for name, light in status.lights.items()},
            "top": data["findings"][:TOP_FINDINGS],  # type: ignore[index]
            "rest": data["findings"][TOP_FINDINGS:],  # type: ignore[index]
            "title": "Overview",
        },
        on=on,
    )


@router.get("/load", response_class=HTMLResponse)
def load(
    request: Request, on: On = None, weeks: Annotated[int, Query(ge=1, le=520)] = 26
) -> Response:
    chart = results.load_chart(request, weeks, on).to_json()
    return page(request, "load.html", {"chart": chart, "weeks": weeks, "title": "Load"}, on=on)


def _pain_context(request: Request, on: date | None, weeks: int) -> dict[str, Any]:
    store = _store(request)
    overview = results.pain_overview(request, weeks, on).to_json()
    load = results.load(request, weeks, on).to_json()
    runs = [
        activity_view(a)
        for a in results.activities(request)
        if a.activity.sport == "running" and (on is None or a.activity.local_date <= on)
    ][-10:]
    athlete = _athlete(request)
    latest = service.latest_screen(store, athlete=athlete)
    cleared = screening.latest_clearance(store, athlete=athlete)
    return {
        "title": "Pain",
        "overview": overview,
        "load": load,
        "associations": results.associations(request, on).to_json(),
        "runs": list(reversed(runs)),
        "questions": [
            {"field": q.field, "text": q.text}
            for q in screening.screen_questions(store, athlete=athlete)
        ],
        "latest_screen": None if latest is None else latest.to_json(),
        "clearance": None if cleared is None else clearance_view(cleared),
        "weeks": weeks,
        "form": {},
    }


@router.get("/pain", response_class=HTMLResponse, name="pain_page")
def pain(
    request: Request,
    on: On = None,
    weeks: Annotated[int, Query(ge=1, le=520)] = 8,
    done: str | None = None,
) -> Response:
    context = _pain_context(request, on, weeks)
    notice = _notice(request, done)
    if notice:
        context["notice"] = notice
    return page(request, "pain.html", context, on=on)


def _notice(request: Request, done: str | None) -> str | None:
    """What a form on the Pain page just did, in the store's own words: the query string
    only names which form (``?done=``), never the text shown, so a link from elsewhere
    cannot put words on the page."""
    store, athlete = _store(request), _athlete(request)
    if done in ("logged", "legs"):
        entries = service.list_pain(store, athlete=athlete)
        if not entries:
            return None
        entry = max(entries, key=lambda e: e.id)
        text = f"Logged: pain {entry.nrs}/10 ({entry.moment.replace('_', '-')}) on {entry.day}."
        return text + (" Leg symptoms logged: please take the screen." if done == "legs" else "")
    if done == "screened":
        latest = service.latest_screen(store, athlete=athlete)
        return None if latest is None else f"Screen saved: {latest.outcome}."
    if done == "cleared":
        visit = screening.latest_clearance(store, athlete=athlete)
        if visit is None:
            return None
        who = f" ({visit.by})" if visit.by else ""
        return f"Recorded: a clinician saw you on {visit.day.isoformat()}{who}."
    return None


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, UploadFile):
        raise InputError(f"{name} must be text, not a file")
    value = (value or "").strip()
    try:
        no_control_characters(value)
    except ValueError as e:
        raise InputError(f"{name} {e}") from None
    return value or None


def _int(form: FormData, name: str, label: str, *, largest: int | None = None) -> int | None:
    value = _text(form, name)
    if value is None:
        return None
    try:
        number = int(value) if len(value) <= 30 else None
    except ValueError:
        number = None
    if number is None:
        raise InputError(f"{label} must be a whole number, not {value[:20]!r}")
    if largest is not None and not 1 <= number <= largest:
        raise InputError(f"{label}: no such activity ({value[:20]})")
    return number


def _day(form: FormData, name: str) -> date | None:
    return parse_day(_text(form, name), "date", check_record_day)


def _on(request: Request) -> date | None:
    return parse_day(request.query_params.get("on"), "on", check_day)


def _back_to_pain(request: Request, on: date | None, **notes: str) -> Response:
    """After a form on the Pain page: back to it (same ``?on=``), with what happened."""
    target = request.url_for("pain_page").include_query_params(**keep_params(request), **notes)
    if on is not None:
        target = target.include_query_params(on=on.isoformat())
    return RedirectResponse(str(target), status_code=303)


def _typed(form: FormData) -> dict[str, str]:
    """What was typed into a form (files left out), to show it again beside its error."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _pain_form_error(request: Request, on: date | None, **shown: Any) -> Response:
    """The Pain page again with a form's one-line error (400), nothing stored."""
    context = {**_pain_context(request, on, 8), **shown}
    return page(request, "pain.html", context, on=on, status_code=400)


async def _checked_form(
    request: Request, handle: Callable[[Request, FormData], Response]
) -> Response:
    """A Pain page form: read, checked by the guard (origin, token), then handled."""
    async with request.form() as form:
        guard.check_form(request, form)
        return handle(request, form)


@router.post("/pain/log", response_class=HTMLResponse)
async def log_pain(request: Request) -> Response:
    return await _checked_form(request, _log_pain)


def _log_pain(request: Request, form: FormData) -> Response:
    on = _on(request)
    own = writer(request)
    try:
        nrs = _int(form, "nrs", "pain")
        if nrs is None:
            raise InputError("say how much it hurts: pain from 0 (none) to 10")
        logged = service.log_pain(
            own.store,
            nrs,
            moment=_text(form, "when"),
            day=_day(form, "date"),
            activity_id=_int(form, "activity_id", "the run", largest=MAX_ID),
            leg_symptoms=_text(form, "leg_symptoms") or "none",
            note=_text(form, "note"),
            athlete=own.athlete,
        )
    except BackstrideError as e:
        return _pain_form_error(request, on, error=e.message, form=_typed(form))
    legs = logged.record.leg_symptoms != "none"
    return _back_to_pain(request, on, done="legs" if legs else "logged")


@router.post("/pain/screen", response_class=HTMLResponse)
async def take_screen(request: Request) -> Response:
    return await _checked_form(request, _take_screen)


def _take_screen(request: Request, form: FormData) -> Response:
    on = _on(request)
    own = writer(request)
    answers: dict[str, bool | None] = {}
    try:
        for question in service.SCREEN_QUESTIONS:
            value = _text(form, question.field)
            if value not in (None, "yes", "no", "skip"):
                raise InputError(f"answer {question.field} with yes, no or skip")
            answers[question.field] = {"yes": True, "no": False}.get(value or "skip")
        if all(v is None for v in answers.values()):
            raise InputError("no answers: answer yes or no to the questions you can")
        service.take_screen(own.store, answers, athlete=own.athlete)
    except BackstrideError as e:
        return _pain_form_error(request, on, screen_error=e.message)
    return _back_to_pain(request, on, done="screened")


@router.post("/pain/clearance", response_class=HTMLResponse)
async def record_clearance(request: Request) -> Response:
    return await _checked_form(request, _record_clearance)


def _record_clearance(request: Request, form: FormData) -> Response:
    """``backstride screen clear`` from the Pain page's form; errors come back as one line.
    A clinician with a share may record it too (by their own name unless they give one):
    the one write a clinician makes on an athlete's own records, audited."""
    on = _on(request)
    who = policies.clearance_subject(request)
    try:
        day = _day(form, "date")
        by = _text(form, "by") or policies.clinician_name(who)
        policies.record_clearance(request, who, day=day, by=by, note=_text(form, "note"))
    except BackstrideError as e:
        return _pain_form_error(request, on, clearance_error=e.message, clearance_form=_typed(form))
    return _back_to_pain(request, on, done="cleared")


@router.get("/form", response_class=HTMLResponse)
def form(request: Request, on: On = None) -> Response:
    data = results.form(request, on).to_json()
    f1 = next((f for f in data["findings"] if f["rule"] == "F1"), None)  # type: ignore[attr-defined]
    return page(request, "form.html", {"form": data, "f1": f1, "title": "Form"}, on=on)


@router.get("/shoes", response_class=HTMLResponse)
def shoes(request: Request, on: On = None) -> Response:
    store = _store(request)
    status = results.status(request, on).to_json()
    findings = [f for f in status["findings"] if f["practice"] == "shoes"]  # type: ignore[attr-defined]
    return page(
        request,
        "shoes.html",
        {
            "title": "Shoes",
            "shoes": [
                shoe_view(s) for s in service.list_shoes(store, as_of=on, athlete=_athlete(request))
            ],
            "marks": charts.shoe_marks(),
            "findings": findings,
            "light": status["practices"]["shoes"],  # type: ignore[index]
            "by_shoe": results.associations(request, on).to_json(),
        },
        on=on,
    )


#: Past weeks of stored sessions the plan page shows before the current one.
PAST_WEEKS = 3


@router.get("/plan", response_class=HTMLResponse)
def plan(request: Request, on: On = None, weeks: Annotated[int, Query(ge=1, le=4)] = 2) -> Response:
    store, athlete = _store(request), _athlete(request)
    found = service.get_plan(store, weeks=weeks, as_of=on, save=False, athlete=athlete)
    data = service.plan_to_json(found)
    done = service.review_to_json(
        service.review(store, weeks=PAST_WEEKS + 1, as_of=on, athlete=athlete)
    )
    # The review's sessions are the stored ones of the same 4 weeks up to today, marked.
    marked = done["sessions"]
    today = date.fromisoformat(data["as_of"])
    sessions = [*marked, *(s for w in data["weeks"] for s in w["sessions"])]
    routines = [r for s in sessions for r in (s["warmup"], s["routine"], s["cooldown"]) if r]
    return page(
        request,
        "plan.html",
        {
            "title": "Plan",
            "plan": data,
            "calendar": _calendar(data, marked, today),
            "review": done,
            "cards": charts.routine_cards(routines),
            "weeks": weeks,
        },
        on=on,
    )


def _monday(day: str | date) -> date:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return day - timedelta(days=day.weekday())


def _calendar(plan: dict[str, Any], marked: list[dict[str, Any]], today: date) -> list[Any]:
    """Monday-to-Sunday weeks: the stored sessions up to today with their marks (the weeks
    that had a plan), then the plan's coming days, upcoming."""
    coming = [{**s, "mark": "upcoming"} for w in plan["weeks"] for s in w["sessions"]]
    by_start = {_monday(w["start"]): w for w in plan["weeks"]}
    starts = {*by_start, *(_monday(s["date"]) for s in marked)}
    out = []
    for start in sorted(starts):
        days = [start + timedelta(days=i) for i in range(7)]
        cells = [
            (d, [s for s in (marked if d <= today else coming) if s["date"] == d.isoformat()])
            for d in days
        ]
        had_plan = any(sessions for d, sessions in cells if d <= today)
        out.append(
            {"start": start, "week": by_start.get(start), "days": cells, "had_plan": had_plan}
        )
    return out


@router.get("/activities", response_class=HTMLResponse)
def activities(request: Request, on: On = None) -> Response:
    items = [activity_view(a) for a in results.activities(request)]
    return page(
        request,
        "activities.html",
        {"title": "Activities", "activities": list(reversed(items))},
        on=on,
    )


@router.get("/activities/{activity_id}", response_class=HTMLResponse)
def activity(request: Request, activity_id: ActivityId, on: On = None) -> Response:
    store = _store(request)
    stored = service.get_activity(store, activity_id, athlete=_athlete(request))
    day = stored.activity.local_date
    status = results.status(request, day).to_json()
    findings = [f for f in status["findings"] if f["activity_id"] == activity_id]  # type: ignore[attr-defined]
    return page(
        request,
        "activity.html",
        {
            "title": f"Activity {activity_id}",
            "activity": activity_detail_view(stored),
            "streams": charts.activity_streams(stored),
            "findings": findings,
        },
        on=on,
    )


@router.get("/import", response_class=HTMLResponse, name="import_page")
def import_page(
    request: Request, on: On = None, job: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    """The upload form; on the clinic server also the progress of an upload's job
    (``?job=ID``: the page refreshes itself until the job has ended, script or not)."""
    own = writer(request)
    limit = uploads.limit_text(request.app.state.max_upload_bytes)
    context: dict[str, Any] = {
        "title": "Import",
        "limit": limit,
        "summary": None,
        "jobs_mode": request.app.state.clinic,
    }
    if job is not None and request.app.state.clinic:
        view = queue.job_view(request, own, job)
        context["job"] = view
        if view.get("state") == "done" and isinstance(view.get("result"), dict):
            context["summary"] = view["result"]
    return page(request, "import.html", context, on=on)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(request: Request, on: On = None) -> Response:
    """Without JavaScript: the upload is imported, then the summary page is shown. On the
    clinic server the upload becomes a job and the page follows it (``/import?job=ID``)."""
    own = writer(request)
    limit: int = request.app.state.max_upload_bytes
    context: dict[str, Any] = {
        "title": "Import",
        "limit": uploads.limit_text(limit),
        "summary": None,
        "jobs_mode": request.app.state.clinic,
    }
    try:
        saved = await uploads.receive_for_import(request)
        if request.app.state.clinic:
            try:
                job_id = await run_in_threadpool(queue.submit_import, request, own, saved)
            finally:
                saved.release()
            target = request.url_for("import_page").include_query_params(
                **keep_params(request), job=job_id
            )
            if on is not None:
                target = target.include_query_params(on=on.isoformat())
            return RedirectResponse(str(target), status_code=303)
        jobs = service.resolve_jobs(request.app.state.settings.jobs)
        context["summary"] = await uploads.run_import(
            own.store, saved, jobs, saved.take_slot(), athlete=own.athlete
        )
    except BackstrideError as e:
        context["error"] = e.message
        return page(request, "import.html", context, on=on, status_code=errors.status_of(e))
    return page(request, "import.html", context, on=on)


@router.get("/report", response_class=HTMLResponse, name="report_page")
def report_page(
    request: Request, on: On = None, job: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    """The report's form, filled with the period the report would cover by default as of the
    day the pages are judged on (``?on=``): the last weeks, or the weeks up to the last run
    when those hold none (``service.report_period``, as `backstride report` decides). On the
    clinic server the PDF is rendered by a job (``?job=ID``: its progress, then the link)."""
    who = subject(request)
    start, end, replaced = service.report_period(who.store, today=on, athlete=who.athlete)
    context: dict[str, Any] = {
        "title": "Clinician report",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "replaced": replaced,
        "jobs_mode": request.app.state.clinic,
    }
    if job is not None and request.app.state.clinic:
        context["job"] = queue.job_view(request, who, job)
    return page(request, "report.html", context, on=on)


@router.get("/glossary", response_class=HTMLResponse)
def glossary_page(request: Request, on: On = None) -> Response:
    """Every term a page or the CLI shows, in plain words (``backstride learn TERM``)."""
    words = [
        {**term.to_json(), "rule_title": service_glossary.rule_title(term)}
        for term in service_glossary.terms()
    ]
    return page(request, "glossary.html", {"title": "Glossary", "terms": words}, on=on)


# -- connected services (docs/sync.md) -------------------------------------------------------

SYNC_NOTES = {
    "connected": "Connected. Press Sync now to fetch your activities.",
    "started": "Sync started.",
    "disconnected": "Disconnected: the credentials are deleted here; your activities stay.",
}


def _sync_page(
    request: Request, *, error: str | None = None, hint: str | None = None, status_code: int = 200
) -> Response:
    on = _on(request)
    done = request.query_params.get("done")
    context = {
        "title": "Sync",
        "services": syncs.sync_view(request)["services"],
        "notice": SYNC_NOTES.get(done or ""),
        "error": error,
        "hint": hint,
        "strava_ready": bool(
            request.app.state.settings.strava_client_id
            and request.app.state.settings.strava_client_secret
        ),
    }
    return page(request, "sync.html", context, on=on, status_code=status_code)


def _back_to_sync(request: Request, done: str) -> Response:
    target = request.url_for("sync_page").include_query_params(**keep_params(request), done=done)
    if (on := _on(request)) is not None:
        target = target.include_query_params(on=on.isoformat())
    return RedirectResponse(str(target), status_code=303)


@router.get("/sync", response_class=HTMLResponse, name="sync_page")
def sync_page(request: Request, on: On = None) -> Response:
    """The Sync page; also where Strava's authorization page sends the browser back."""
    query = request.query_params
    if "state" not in query:
        return _sync_page(request)
    from backstride.service import sync as syncing

    own = writer(request)
    state = query.get("state") or ""
    if not syncs.take_strava_state(request, state):
        return _sync_page(
            request,
            error="This answer from Strava was not for a request of this dashboard; "
            "nothing was connected.",
            hint="press Connect with Strava again",
        )
    if query.get("error") or not query.get("code"):
        return _sync_page(
            request,
            error=f"Strava did not authorize backstride ({query.get('error') or 'no code'}).",
            hint="press Connect with Strava again and then Authorize",
        )
    try:
        syncing.connect_strava(
            own.store,
            request.app.state.settings,
            code=query.get("code") or "",
            scope=query.get("scope") or "",
            session=request.app.state.syncs.options.get("session"),
            athlete=own.athlete,
        )
    except BackstrideError as e:
        return _sync_page(request, error=e.message, hint=e.hint)
    return _back_to_sync(request, "connected")


async def _sync_form(request: Request, handle: Callable[[FormData], Response]) -> Response:
    async with request.form() as form:
        guard.check_form(request, form)
        try:
            return handle(form)
        except BackstrideError as e:
            return _sync_page(request, error=e.message, hint=e.hint, status_code=400)


@router.post("/sync/strava/connect", response_class=HTMLResponse)
async def connect_strava(request: Request) -> Response:
    """Off to Strava's authorization page; it sends the browser back to /sync."""

    def go(form: FormData) -> Response:
        from backstride.service import sync as syncing

        writer(request)
        state = syncs.new_strava_state(request)
        url = syncing.strava_authorization_url(
            request.app.state.settings, str(request.url_for("sync_page")), state
        )
        return RedirectResponse(url, status_code=303)

    return await _sync_form(request, go)


@router.post("/sync/intervals/connect", response_class=HTMLResponse)
async def connect_intervals(request: Request) -> Response:
    def connect(form: FormData) -> Response:
        from backstride.service import sync as syncing

        own = writer(request)
        syncing.connect_intervals(
            own.store,
            athlete_id=_text(form, "athlete_id") or "",
            api_key=_text(form, "api_key") or "",
            athlete=own.athlete,
            **syncs.intervals_options(request),
        )
        return _back_to_sync(request, "connected")

    return await _sync_form(request, connect)


@router.post("/sync/{service}/run", response_class=HTMLResponse)
async def run_sync(request: Request, service: str) -> Response:
    def start(form: FormData) -> Response:
        syncs.start(request, writer(request), service)
        return _back_to_sync(request, "started")

    return await _sync_form(request, start)


@router.post("/sync/{service}/disconnect", response_class=HTMLResponse)
async def disconnect(request: Request, service: str) -> Response:
    def forget(form: FormData) -> Response:
        from backstride.service import sync as syncing

        own = writer(request)
        syncing.disconnect(own.store, service, athlete=own.athlete)
        return _back_to_sync(request, "disconnected")

    return await _sync_form(request, forget)
