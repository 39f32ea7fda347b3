"""The JSON API under /api/: the objects ``--json`` prints, one service call each.

Query parameters mirror the CLI's options (``on`` is ``--on``, ``weeks`` is ``--weeks``).
Bad input is a 4xx with ``{"detail": "<one line>", "hint": ...}``; see ``web/errors.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from backstride import report, service
from backstride.errors import InputError
from backstride.service import charts, screening
from backstride.views import (
    activity_detail_view,
    activity_view,
    clearance_view,
    pain_view,
    shoe_view,
)
from backstride.web import policy, queue, results, syncs, uploads
from backstride.web.params import (
    MAX_ID,
    ActivityId,
    On,
    StoredText,
    check_day,
    check_record_day,
    no_control_characters,
)
from backstride.web.subject import subject, writer

router = APIRouter(prefix="/api", tags=["api"])

Weeks = Annotated[int, Query(ge=1, le=520, description="How many weeks back.")]


def store_of(request: Request) -> service.Store:
    """The store for this request's subject (a clinician's restricted view, or the store)."""
    return subject(request).store


def athlete_of(request: Request) -> str:
    return subject(request).athlete


class PainIn(BaseModel):
    """An entry of the back-pain diary (``backstride pain log``)."""

    model_config = ConfigDict(extra="forbid")

    nrs: int = Field(description="Pain from 0 (none) to 10 (worst imaginable).")
    when: StoredText = Field(
        None, description="before, during, after (a run) or next-morning [default as the CLI]."
    )
    day: Annotated[date | None, AfterValidator(check_record_day)] = Field(
        None, alias="date", description="YYYY-MM-DD [default: today]."
    )
    activity_id: int | None = Field(None, ge=1, le=MAX_ID, description="The run it belongs to.")
    leg_symptoms: Annotated[str, AfterValidator(no_control_characters)] = Field(
        "none", description="none, one-side or both-sides."
    )
    note: StoredText = Field(None, max_length=2000)


class ScreenIn(BaseModel):
    """Answers to the red-flag screen: question name -> true (yes), false (no), null (skip)."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, bool | None]
    day: Annotated[date | None, AfterValidator(check_record_day)] = Field(
        None, alias="date", description="YYYY-MM-DD [default: today]."
    )


class ClearanceIn(BaseModel):
    """A clinician's visit (``backstride screen clear``): the day, who, what they advised."""

    model_config = ConfigDict(extra="forbid")

    day: Annotated[date | None, AfterValidator(check_record_day)] = Field(
        None,
        alias="date",
        description="The day the clinician saw you, YYYY-MM-DD [default: today].",
    )
    by: StoredText = Field(None, max_length=200, description="Who saw you.")
    note: StoredText = Field(None, max_length=2000, description="What they advised.")


@router.get("/status", summary="status --json: the seven practice lights and the findings")
def status(request: Request, on: On = None) -> dict[str, object]:
    return results.status(request, on).to_json()


@router.get("/load", summary="load --json: weekly running distance, load, cross-training")
def load(request: Request, weeks: Weeks = 12, on: On = None) -> dict[str, object]:
    return results.load(request, weeks, on).to_json()


@router.get(
    "/load/chart",
    summary="load --json plus each run's L1 level, daily ACWR and fitness/fatigue (context), "
    "and load by kind",
)
def load_chart(request: Request, weeks: Weeks = 26, on: On = None) -> dict[str, object]:
    return results.load_chart(request, weeks, on).to_json()


@router.get("/form", summary="form --json: steady-running form per run and the form findings")
def form(request: Request, on: On = None) -> dict[str, object]:
    return results.form(request, on).to_json()


@router.get("/pain", summary="pain --json: the diary, weekly morning trend, P-rule findings")
def pain(request: Request, weeks: Weeks = 8, on: On = None) -> dict[str, Any]:
    return results.pain_overview(request, weeks, on).to_json()


@router.post("/pain", status_code=201, summary="pain log --json: add a diary entry")
def log_pain(request: Request, entry: PainIn) -> dict[str, Any]:
    own = writer(request)
    logged = service.log_pain(
        own.store,
        entry.nrs,
        moment=entry.when,
        day=entry.day,
        activity_id=entry.activity_id,
        leg_symptoms=entry.leg_symptoms,
        note=entry.note,
        athlete=own.athlete,
    )
    return pain_view(logged.record)


@router.get("/pain/associations", summary="pain associations --json (association, not cause)")
def associations(request: Request, on: On = None) -> dict[str, Any]:
    return results.associations(request, on).to_json()


@router.get("/screen/questions", summary="screen --list: the red-flag questions")
def screen_questions() -> list[dict[str, str]]:
    return [{"field": q.field, "text": q.text} for q in service.SCREEN_QUESTIONS]


@router.post("/screen", status_code=201, summary="screen --json: take the red-flag screen")
def take_screen(request: Request, screen: ScreenIn) -> dict[str, Any]:
    if not screen.answers:
        raise InputError(
            "no answers", hint="answer at least one question (GET /api/screen/questions)"
        )
    own = writer(request)
    result = service.take_screen(own.store, screen.answers, day=screen.day, athlete=own.athlete)
    return result.to_json()


@router.get("/screen/latest", summary="the latest red-flag screen (null when none)")
def latest_screen(request: Request) -> dict[str, Any] | None:
    found = service.latest_screen(store_of(request), athlete=athlete_of(request))
    return None if found is None else found.to_json()


@router.post(
    "/screen/clearance",
    status_code=201,
    summary="screen clear --json: record that a clinician has seen you",
)
def record_clearance(request: Request, visit: ClearanceIn) -> dict[str, Any]:
    who = policy.clearance_subject(request)
    by = visit.by or policy.clinician_name(who)
    record = policy.record_clearance(request, who, day=visit.day, by=by, note=visit.note)
    latest = service.latest_screen(store_of(request), athlete=who.athlete)
    return {
        "clearance": clearance_view(record),
        "latest_screen": None if latest is None else latest.to_json(),
    }


@router.get("/screen/clearance", summary="the latest clinician's visit recorded (null when none)")
def latest_clearance(request: Request) -> dict[str, Any] | None:
    found = screening.latest_clearance(store_of(request), athlete=athlete_of(request))
    return None if found is None else clearance_view(found)


@router.get("/red-flags", summary="the active red flags every view shows first")
def red_flags(request: Request) -> list[dict[str, Any]]:
    flags = service.active_red_flags(store_of(request), athlete=athlete_of(request))
    return [f.to_json() for f in flags]


@router.get("/shoes", summary="shoes --json: each pair with its distance up to the day")
def shoes(request: Request, on: On = None) -> list[dict[str, Any]]:
    found = service.list_shoes(store_of(request), as_of=on, athlete=athlete_of(request))
    return [shoe_view(s) for s in found]


@router.get("/activities", summary="activities --json: every activity, oldest first")
def activities(request: Request) -> list[dict[str, Any]]:
    return [activity_view(a) for a in results.activities(request)]


@router.get("/activities/{activity_id}", summary="show ID --json: one activity with its laps")
def activity(request: Request, activity_id: ActivityId) -> dict[str, Any]:
    item = service.get_activity(
        store_of(request), activity_id, with_streams=False, athlete=athlete_of(request)
    )
    return activity_detail_view(item)


@router.get(
    "/activities/{activity_id}/streams",
    summary="one activity's streams (SI units), thinned to at most max_points samples",
)
def activity_streams(
    request: Request,
    activity_id: ActivityId,
    max_points: Annotated[int, Query(ge=2, le=100_000)] = charts.MAX_POINTS,
) -> dict[str, Any]:
    item = service.get_activity(store_of(request), activity_id, athlete=athlete_of(request))
    return charts.activity_streams(item, max_points=max_points)


@router.get("/plan", summary="plan --json: the coming weeks (not saved: a preview)")
def plan(
    request: Request,
    weeks: Annotated[int, Query(ge=1, le=4)] = 2,
    days_per_week: Annotated[int, Query(ge=1, le=7)] = 3,
    long_run_day: str = "sun",
    cross: str = "auto",
    on: On = None,
) -> dict[str, Any]:
    found = service.get_plan(
        store_of(request),
        weeks=weeks,
        days_per_week=days_per_week,
        long_run_day=long_run_day,
        cross=cross,
        as_of=on,
        save=False,
        athlete=athlete_of(request),
    )
    return service.plan_to_json(found)


@router.get("/plan/review", summary="plan --review --json: adherence per week")
def plan_review(
    request: Request, weeks: Annotated[int, Query(ge=1, le=52)] = 4, on: On = None
) -> dict[str, Any]:
    found = service.review(store_of(request), weeks=weeks, as_of=on, athlete=athlete_of(request))
    return service.review_to_json(found)


@router.get(
    "/plan/marks",
    summary="the stored plan's sessions, each marked done, missed or upcoming, with what "
    "fulfilled it",
)
def plan_marks(
    request: Request,
    start: Annotated[
        date | None,
        AfterValidator(check_day),
        Query(
            alias="from",
            description="First day [default: the Monday three weeks before this week's].",
        ),
    ] = None,
    end: Annotated[
        date | None,
        AfterValidator(check_day),
        Query(alias="to", description="Last day, at most 366 days on [default: 4 weeks ahead]."),
    ] = None,
    on: On = None,
) -> dict[str, Any]:
    marks = service.session_marks(
        store_of(request), start=start, end=end, as_of=on, athlete=athlete_of(request)
    )
    return service.marks_to_json(marks)


@router.get("/exercises", summary="exercise cards of routines (warmup, cooldown, core_1 ...)")
def exercise_cards(
    routine: Annotated[list[str], Query(description="Routine ids.", min_length=1, max_length=20)],
) -> list[dict[str, Any]]:
    return charts.routine_cards(routine)


@router.get(
    "/report",
    summary="the clinician report for a period as HTML or PDF (a download)",
    response_class=Response,
)
def clinician_report(
    request: Request,
    start: Annotated[
        date | None,
        AfterValidator(check_day),
        Query(alias="from", description="First day [default: 12 weeks ago]."),
    ] = None,
    end: Annotated[
        date | None,
        AfterValidator(check_day),
        Query(alias="to", description="Last day [default: today]."),
    ] = None,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    # Neither day given: the default period, or the weeks up to the last run (one decision,
    # service.build_default_report, as in `backstride report`).
    data = service.build_default_report(
        store_of(request), start=start, end=end, athlete=athlete_of(request)
    )
    name = f"backstride-report-{data.start.isoformat()}-{data.end.isoformat()}.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "pdf":
        return Response(report.render_pdf(data), media_type="application/pdf", headers=disposition)
    return Response(
        report.render_html(data), media_type="text/html; charset=utf-8", headers=disposition
    )


#: The upload's body as the schema shows it (the route reads the body itself, file by file).
IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Activity files (.fit, .gpx, .tcx, .gz) or an "
                            "export .zip.",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/import",
    summary="import --json: upload activity files or an export archive (multipart 'files'); "
    "stream=true streams progress as one JSON object per line",
    openapi_extra=IMPORT_BODY,
    responses={
        403: {"description": "no X-Backstride header"},
        413: {"description": "the upload is over the limit"},
        429: {"description": "as many imports as allowed are running"},
        507: {"description": "no space left in the temporary folder"},
    },
)
async def import_upload(request: Request, stream: bool = False) -> Response:
    own = writer(request)
    saved = await uploads.receive_for_import(request)
    if request.app.state.clinic:
        # The clinic server: the files become a job; GET /api/jobs/{id} follows it.
        try:
            job_id = await run_in_threadpool(queue.submit_import, request, own, saved)
        finally:
            saved.release()
        return JSONResponse({"job": job_id, "state": "queued"}, status_code=202)
    jobs = service.resolve_jobs(request.app.state.settings.jobs)
    slot = saved.take_slot()
    if stream:

        async def lines() -> AsyncIterator[bytes]:
            async for event in uploads.import_events(
                own.store, saved, jobs, slot, athlete=own.athlete
            ):
                yield (json.dumps(event, ensure_ascii=False) + "\n").encode()

        return StreamingResponse(lines(), media_type="application/x-ndjson")
    summary = await uploads.run_import(own.store, saved, jobs, slot, athlete=own.athlete)
    return JSONResponse(summary)


# -- connected services (docs/sync.md) -------------------------------------------------------

Service = Literal["strava", "intervals"]


@router.get("/sync", summary="connected services: last sync, last error, a running sync")
def sync_status(request: Request) -> dict[str, Any]:
    return syncs.sync_view(request)


class IntervalsIn(BaseModel):
    """intervals.icu's athlete id and API key (``backstride intervals connect``)."""

    model_config = ConfigDict(extra="forbid")

    athlete_id: Annotated[str, AfterValidator(no_control_characters)] = Field(max_length=64)
    api_key: Annotated[str, AfterValidator(no_control_characters)] = Field(max_length=200)


@router.post(
    "/sync/intervals/connect",
    status_code=201,
    summary="intervals connect --json: check and store the athlete id and API key",
)
def connect_intervals(request: Request, body: IntervalsIn) -> dict[str, Any]:
    from backstride.service import sync as syncing

    own = writer(request)
    status = syncing.connect_intervals(
        own.store,
        athlete_id=body.athlete_id,
        api_key=body.api_key,
        athlete=own.athlete,
        **syncs.intervals_options(request),
    )
    return status.to_json()


@router.post(
    "/sync/{service}",
    status_code=202,
    summary="sync SERVICE: start a sync in the background (GET /api/sync shows its progress)",
)
def start_sync(request: Request, service: Service) -> dict[str, Any]:
    return {"service": service, **syncs.start(request, writer(request), service)}


@router.post(
    "/sync/{service}/disconnect",
    summary="strava|intervals disconnect --json: forget the credentials (activities stay)",
)
def disconnect(request: Request, service: Service) -> dict[str, Any]:
    from backstride.service import sync as syncing

    own = writer(request)
    gone = syncing.disconnect(own.store, service, athlete=own.athlete)
    return {"service": service, "disconnected": gone}
