"""Syncing the services a runner connected (docs/sync.md): Strava and intervals.icu.

Every activity a sync brings goes through the import path of files
(``service.storing.import_hashed``; intervals.icu's files through
``service.pipeline.run_pipeline`` itself): the same dedupe (a Strava activity and the watch
FIT of the same run are one activity, the richer record kept), the same metadata
precedence (the runner's own names win over automatic ones; RPE, notes and shoe merged),
the same complete-file marks, so a sync counts as an import everywhere.

A sync lists the service's activities (Strava: one request per 200), compares the list
with what was synced before (``store.sync``: remote id -> stored activity and a
fingerprint of the summary), and then fetches only what is new or edited, oldest first,
and forgets what was deleted there. Each activity is recorded as synced in its own
transaction right after it is stored, so an interrupted sync (Ctrl-C, a lost network, a
rate-limit pause the runner did not wait for) continues where it stopped. Nothing leaves
the machine but these requests to the connected service.

This module is imported by the commands and routes that sync, not by ``service`` itself:
the HTTP clients load only when a sync runs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from backstride.config import Settings
from backstride.errors import ConfigError, InputError, NotFoundError
from backstride.model import Activity, Gear, ImportReport, SyncConnection, SyncService
from backstride.service.decoding import Decoded
from backstride.service.pipeline import FileWork, athlete_id_for, guarded, run_pipeline
from backstride.service.storing import Source, import_hashed
from backstride.store import Store, import_transaction, transaction
from backstride.store import gear as gear_rows
from backstride.store import sync as sync_rows
from backstride.sync import intervals as icu
from backstride.sync import strava
from backstride.sync.errors import AccessError, SyncError
from backstride.sync.http import Session
from backstride.sync.loopback import LoopbackListener
from backstride.sync.ratelimit import Clock, Pause, RateLimiter, SystemClock
from backstride.sync.strava_data import fingerprint, to_activity, to_meta
from backstride.views import import_report_view

SERVICES: tuple[SyncService, ...] = ("strava", "intervals")
NAMES: dict[str, str] = {"strava": "Strava", "intervals": "intervals.icu"}
#: The first day an intervals.icu backfill asks for (its list is one request, not paged).
INTERVALS_OLDEST = date(1990, 1, 1)


class SyncProgress(Protocol):
    """What a sync reports while it works (the CLI's bar, the dashboard's stream)."""

    def add_total(self, count: int) -> None: ...

    def advance(self, label: str) -> None: ...

    def pause(self, message: str) -> None:
        """A wait for a rate-limit window has started; ``message`` says until when."""


@dataclass
class SyncReport:
    """What one sync of one service did."""

    service: SyncService
    listed: int = 0
    new: int = 0
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0
    unavailable: int = 0
    """Listed but not to be had through the API (intervals.icu's copies of Strava data)."""
    requests: int = 0
    pauses: list[str] = field(default_factory=list)
    imports: ImportReport = field(default_factory=ImportReport)

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "listed": self.listed,
            "new": self.new,
            "edited": self.edited,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "unavailable": self.unavailable,
            "requests": self.requests,
            "pauses": list(self.pauses),
            "import": import_report_view(self.imports),
        }


@dataclass(frozen=True)
class ConnectionStatus:
    """A service as the runner sees it: connected or not, the last sync, the last error.
    Never the credentials."""

    service: SyncService
    connection: SyncConnection | None
    synced_activities: int = 0

    def to_json(self) -> dict[str, Any]:
        c = self.connection

        def when(value: datetime | None) -> str | None:
            return (
                None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")
            )

        return {
            "service": self.service,
            "name": NAMES[self.service],
            "connected": c is not None,
            "athlete": c.remote_athlete if c else None,
            "athlete_name": c.remote_name if c else None,
            "connected_at": when(c.connected_at) if c else None,
            "last_sync_at": when(c.last_sync_at) if c else None,
            "last_error": c.last_error if c else None,
            "last_error_at": when(c.last_error_at) if c else None,
            "synced_activities": self.synced_activities,
        }


def _service(name: str) -> SyncService:
    if name not in SERVICES:
        raise InputError(f"unknown service {name!r}: {' or '.join(SERVICES)}", field="service")
    return name


def connection_status(store: Store, *, athlete: str | None = None) -> list[ConnectionStatus]:
    athlete_id = athlete_id_for(store, athlete or _default_athlete())
    with transaction(store) as conn:
        found = {c.service: c for c in sync_rows.list_connections(conn, athlete_id)}
        return [
            ConnectionStatus(
                s, found.get(s), len(sync_rows.list_items(conn, found[s].id)) if s in found else 0
            )
            for s in SERVICES
        ]


def _default_athlete() -> str:
    from backstride.store.athletes import DEFAULT_ATHLETE

    return DEFAULT_ATHLETE


def disconnect(store: Store, service: str, *, athlete: str | None = None) -> bool:
    """Forget a service's credentials and sync state; the activities stay. Returns whether
    it was connected. Access is not revoked at the service: docs/sync.md says where."""
    name = _service(service)
    athlete_id = athlete_id_for(store, athlete or _default_athlete())
    with transaction(store) as conn:
        found = sync_rows.get_connection(conn, athlete_id, name)
        if found is None:
            return False
        sync_rows.delete_connection(conn, found.id)
    return True


# -- Strava ----------------------------------------------------------------------------------


def strava_app(settings: Settings) -> strava.StravaApp:
    """The runner's own Strava API application, from the settings."""
    if not settings.strava_client_id or not settings.strava_client_secret:
        raise ConfigError(
            "no Strava API application is set",
            hint="create one at https://www.strava.com/settings/api and set "
            "BACKSTRIDE_STRAVA_CLIENT_ID and BACKSTRIDE_STRAVA_CLIENT_SECRET (docs/sync.md)",
        )
    try:
        client_id = int(settings.strava_client_id)
    except ValueError:
        raise ConfigError(
            f"the Strava client id {settings.strava_client_id!r} is not a number",
            hint="copy the 'Client ID' from https://www.strava.com/settings/api",
        ) from None
    return strava.StravaApp(client_id, settings.strava_client_secret)


def strava_authorization_url(settings: Settings, redirect_uri: str, state: str) -> str:
    return strava.authorization_url(strava_app(settings), redirect_uri, state)


def connect_strava(
    store: Store,
    settings: Settings,
    *,
    code: str,
    scope: str,
    athlete: str | None = None,
    clock: Clock | None = None,
    session: Session | None = None,
) -> ConnectionStatus:
    """Exchange an authorization code for tokens and store them with the Strava athlete."""
    strava.check_scope(scope)
    api = strava.StravaApi(
        strava_app(settings), None, clock=clock or SystemClock(), session=session
    )
    tokens, who = api.exchange_code(code, scope)
    if not who.get("id"):
        who = api.athlete()
    name = " ".join(str(who.get(k) or "") for k in ("firstname", "lastname")).strip() or None
    athlete_id = athlete_id_for(store, athlete or _default_athlete())
    with transaction(store) as conn:
        saved = sync_rows.save_connection(
            conn,
            athlete_id,
            "strava",
            remote_athlete=str(who.get("id")),
            remote_name=name,
            credentials=tokens.to_json(),
            now=datetime.now(UTC),
        )
    return ConnectionStatus("strava", saved)


def _connection(store: Store, athlete_id: int, service: SyncService) -> SyncConnection:
    with transaction(store) as conn:
        found = sync_rows.get_connection(conn, athlete_id, service)
    if found is None:
        command = "strava connect" if service == "strava" else "intervals connect"
        raise NotFoundError(
            f"{NAMES[service]} is not connected", hint=f"run `backstride {command}` first"
        )
    return found


def _record_error(store: Store, connection: SyncConnection, error: BaseException) -> None:
    message = getattr(error, "message", None) or str(error).splitlines()[0]
    hint = getattr(error, "hint", None)
    with transaction(store) as conn:
        sync_rows.record_error(
            conn,
            connection.id,
            f"{message} ({hint})" if hint else message,
            datetime.now(UTC),
        )


def sync_strava(
    store: Store,
    settings: Settings,
    *,
    athlete: str | None = None,
    progress: SyncProgress | None = None,
    clock: Clock | None = None,
    session: Session | None = None,
) -> SyncReport:
    """Bring Strava's activities in: the whole history the first time, then what is new,
    edited or deleted since (see the module docstring)."""
    athlete_id = athlete_id_for(store, athlete or _default_athlete())
    connection = _connection(store, athlete_id, "strava")
    report = SyncReport("strava")
    clock = clock or SystemClock()

    def paused(pause: Pause) -> None:
        until = pause.until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        message = f"waiting until {until} for Strava's rate limit ({pause.reason})"
        report.pauses.append(message)
        if progress is not None:
            progress.pause(message)

    def store_tokens(tokens: strava.Tokens) -> None:
        with transaction(store) as conn:
            sync_rows.update_credentials(conn, connection.id, tokens.to_json())

    api = strava.StravaApi(
        strava_app(settings),
        strava.Tokens.from_json(connection.credentials),
        clock=clock,
        limiter=RateLimiter(clock, on_pause=paused),
        on_tokens=store_tokens,
        session=session,
    )
    try:
        _sync_strava(store, athlete_id, connection, api, report, progress)
    except (SyncError, NotFoundError) as e:
        _record_error(store, connection, e)
        raise
    finally:
        report.requests = api.requests
    with transaction(store) as conn:
        sync_rows.record_sync(conn, connection.id, clock.now())
    return report


def _compare(
    store: Store,
    athlete_id: int,
    connection: SyncConnection,
    listed: dict[str, dict[str, Any]],
    wanted: dict[str, dict[str, Any]],
    fingerprint_of: Callable[[dict[str, Any]], str],
    start_key: str,
    report: SyncReport,
    progress: SyncProgress | None,
) -> tuple[dict[str, tuple[int | None, str]], list[tuple[str, dict[str, Any]]]]:
    """The service's list against what was synced before: forget what it no longer lists
    (deleted there), and return what was synced (remote id -> stored activity, fingerprint)
    and, oldest first, the ``wanted`` items that are new or whose fingerprint changed."""
    with transaction(store) as conn:
        known = sync_rows.list_items(conn, connection.id)
    gone = [rid for rid in known if rid not in listed]
    todo = sorted(
        (
            (rid, item)
            for rid, item in wanted.items()
            if rid not in known or known[rid][1] != fingerprint_of(item)
        ),
        key=lambda pair: str(pair[1].get(start_key) or ""),
    )
    report.unchanged = len(wanted) - len(todo)
    if progress is not None:
        progress.add_total(len(gone) + len(todo))
    name = NAMES[connection.service]
    for rid in gone:
        _forget(store, athlete_id, connection.id, rid, known[rid][0], f"{connection.service}:{rid}")
        report.deleted += 1
        if progress is not None:
            progress.advance(f"deleted on {name}: {rid}")
    return known, todo


def _sync_strava(
    store: Store,
    athlete_id: int,
    connection: SyncConnection,
    api: strava.StravaApi,
    report: SyncReport,
    progress: SyncProgress | None,
) -> None:
    listed: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        entries = api.activities_page(page)
        for entry in entries:
            if entry.get("id") is not None:
                listed[str(entry["id"])] = entry
        if len(entries) < strava.PER_PAGE:
            break
        page += 1
    report.listed = len(listed)
    known, todo = _compare(
        store, athlete_id, connection, listed, listed, fingerprint, "start_date", report, progress
    )
    gear_names: dict[str, str] = dict(connection.state.get("gear") or {})  # type: ignore[call-overload]
    for rid, entry in todo:
        detail = api.activity(int(rid))
        if detail is None:  # deleted between the list and now
            if rid in known:
                _forget(store, athlete_id, connection.id, rid, known[rid][0], f"strava:{rid}")
                report.deleted += 1
            continue
        streams = {} if detail.get("manual") else api.streams(int(rid))
        gear_name = _strava_gear(store, athlete_id, connection, api, detail, gear_names)
        label = f"{str(detail.get('start_date_local') or '')[:10]} {detail.get('name') or rid}"
        source = Source(display=f"strava:{rid} ({label})", file_name=f"strava:{rid}")
        activity = to_activity(detail, streams)
        print_id = fingerprint(entry)
        before = known.get(rid, (None, ""))[0]

        def store_one(activity: Activity | None = activity, detail: dict[str, Any] = detail,
                      gear_name: str | None = gear_name, rid: str = rid,
                      print_id: str = print_id, source: Source = source,
                      before: int | None = before) -> None:  # fmt: skip
            if activity is None:
                raise InputError("Strava gave this activity no start time or duration")
            key = hashlib.sha256(f"strava:{rid}:{print_id}".encode()).hexdigest()
            ids = import_hashed(
                store, athlete_id, key, lambda: Decoded(activities=[activity]), source,
                report.imports, meta=to_meta(detail, gear_name),
            )  # fmt: skip
            activity_id = ids[0] if ids else None
            if before is not None and activity_id is not None and before != activity_id:
                # An edit that made it another activity (a sport of another family): the
                # old record goes unless a file holds it too.
                _forget(store, athlete_id, None, rid, before, f"strava:{rid}")
            with transaction(store) as conn:
                sync_rows.put_item(
                    conn, connection.id, rid, activity_id=activity_id,
                    fingerprint=print_id, at=datetime.now(UTC),
                )  # fmt: skip

        failures = len(report.imports.failed)
        guarded(report.imports, source, store_one)
        if len(report.imports.failed) == failures:
            if rid in known:
                report.edited += 1
            else:
                report.new += 1
        if progress is not None:
            progress.advance(label)


def _strava_gear(
    store: Store,
    athlete_id: int,
    connection: SyncConnection,
    api: strava.StravaApi,
    detail: Mapping[str, Any],
    names: dict[str, str],
) -> str | None:
    """The backstride name of the activity's Strava gear, fetched once per gear id and
    stored as a pair of shoes (or a bike) with its brand and model."""
    gear_id = detail.get("gear_id")
    if not isinstance(gear_id, str) or not gear_id:
        return None
    if gear_id in names:
        return names[gear_id]
    found = api.gear(gear_id)
    if found is None or not isinstance(found.get("name"), str) or not found["name"].strip():
        return None
    name = str(found["name"]).strip()[:200]
    item = Gear(
        name=name,
        kind="bike" if gear_id.startswith("b") else "shoe",
        brand=found.get("brand_name") or None,
        model=found.get("model_name") or None,
        retired=bool(found.get("retired")),
    )
    with import_transaction(store, athlete_id) as conn:
        if gear_rows.find_gear_id(conn, athlete_id, name, item.kind) is None:
            gear_rows.upsert_gear(conn, athlete_id, item)
        names[gear_id] = name
        state = dict(connection.state)
        state["gear"] = dict(names)
        sync_rows.update_state(conn, connection.id, state)
    return name


def _forget(
    store: Store,
    athlete_id: int,
    connection_id: int | None,
    remote_id: str,
    activity_id: int | None,
    name: str,
) -> None:
    with import_transaction(store, athlete_id) as conn:
        if activity_id is not None:
            sync_rows.forget_source(conn, athlete_id, activity_id, name)
        if connection_id is not None:
            sync_rows.delete_item(conn, connection_id, remote_id)


# -- intervals.icu ---------------------------------------------------------------------------


def connect_intervals(
    store: Store,
    *,
    athlete_id: str,
    api_key: str,
    athlete: str | None = None,
    base_url: str = icu.BASE_URL,
    session: Session | None = None,
) -> ConnectionStatus:
    """Check the athlete id and API key with intervals.icu, then store them."""
    remote = athlete_id.strip()
    if not remote:
        raise InputError("the intervals.icu athlete id is empty", field="athlete_id")
    if not api_key.strip():
        raise InputError("the intervals.icu API key is empty", field="api_key")
    for value, name, label in (
        (remote, "athlete_id", "athlete id"),
        (api_key.strip(), "api_key", "API key"),
    ):
        if not (value.isascii() and value.isprintable()) or " " in value or "/" in value:
            raise InputError(f"the intervals.icu {label} has characters it never has", field=name)
    api = icu.IntervalsApi(remote, api_key.strip(), base_url=base_url, session=session)
    who = api.athlete()
    local_id = athlete_id_for(store, athlete or _default_athlete())
    with transaction(store) as conn:
        saved = sync_rows.save_connection(
            conn,
            local_id,
            "intervals",
            remote_athlete=str(who.get("id") or remote),
            remote_name=who.get("name") if isinstance(who.get("name"), str) else None,
            credentials={"athlete_id": remote, "api_key": api_key.strip()},
            now=datetime.now(UTC),
        )
    return ConnectionStatus("intervals", saved)


def sync_intervals(
    store: Store,
    *,
    athlete: str | None = None,
    progress: SyncProgress | None = None,
    today: date | None = None,
    base_url: str = icu.BASE_URL,
    session: Session | None = None,
) -> SyncReport:
    """Bring intervals.icu's activities in as files, through the file import pipeline."""
    athlete_id = athlete_id_for(store, athlete or _default_athlete())
    connection = _connection(store, athlete_id, "intervals")
    report = SyncReport("intervals")
    creds = connection.credentials
    api = icu.IntervalsApi(
        str(creds.get("athlete_id")), str(creds.get("api_key")), base_url=base_url,
        session=session,
    )  # fmt: skip
    newest = (today or datetime.now(UTC).date()) + timedelta(days=1)
    try:
        _sync_intervals(store, athlete_id, connection, api, newest, report, progress)
    except (SyncError, NotFoundError) as e:
        _record_error(store, connection, e)
        raise
    finally:
        report.requests = api.requests
    with transaction(store) as conn:
        sync_rows.record_sync(conn, connection.id, datetime.now(UTC))
    return report


def _sync_intervals(
    store: Store,
    athlete_id: int,
    connection: SyncConnection,
    api: icu.IntervalsApi,
    newest: date,
    report: SyncReport,
    progress: SyncProgress | None,
) -> None:
    listed = {str(a["id"]): a for a in api.activities(INTERVALS_OLDEST, newest)}
    report.listed = len(listed)
    usable = {rid: a for rid, a in listed.items() if icu.has_data(a)}
    report.unavailable = len(listed) - len(usable)
    known, todo = _compare(
        store,
        athlete_id,
        connection,
        listed,
        usable,
        icu.fingerprint,
        "start_date_local",
        report,
        progress,
    )
    for rid, item in todo:
        refused: list[AccessError] = []

        def read(rid: str = rid, refused: list[AccessError] = refused) -> bytes:
            try:
                return api.file(rid)
            except AccessError as e:
                refused.append(e)
                raise

        label = f"{str(item.get('start_date_local') or '')[:10]} {item.get('name') or rid}"
        one = ImportReport()
        work = FileWork(
            source=Source(display=f"intervals.icu:{rid} ({label})", file_name=f"intervals:{rid}"),
            read=read,
            label=label,
            meta=icu.to_meta(item),
        )
        run_pipeline(store, athlete_id, [work], report=one)
        if refused:
            raise refused[0]
        report.imports.add(one)
        ids = one.activity_ids + [m.activity_id for m in one.matches]
        if not one.failed:
            with transaction(store) as conn:
                sync_rows.put_item(
                    conn, connection.id, rid, activity_id=ids[0] if ids else None,
                    fingerprint=icu.fingerprint(item), at=datetime.now(UTC),
                )  # fmt: skip
            if rid in known:
                report.edited += 1
            else:
                report.new += 1
        if progress is not None:
            progress.advance(label)


# -- both ------------------------------------------------------------------------------------


def sync_services(
    store: Store,
    settings: Settings,
    services: tuple[SyncService, ...] | None = None,
    *,
    athlete: str | None = None,
    progress: SyncProgress | None = None,
    clock: Clock | None = None,
    session: Session | None = None,
    intervals_base_url: str = icu.BASE_URL,
) -> list[SyncReport]:
    """Sync the named services, or every connected one; a service not connected is an
    error only when it was named. ``session`` and ``intervals_base_url`` are for tests."""
    athlete_id = athlete_id_for(store, athlete or _default_athlete())
    if services is None:
        with transaction(store) as conn:
            services = tuple(c.service for c in sync_rows.list_connections(conn, athlete_id))
        if not services:
            raise NotFoundError(
                "no service is connected",
                hint="run `backstride strava connect` or `backstride intervals connect` first",
            )
    reports = []
    for name in services:
        if name == "strava":
            reports.append(
                sync_strava(
                    store, settings, athlete=athlete, progress=progress, clock=clock,
                    session=session,
                )
            )  # fmt: skip
        else:
            reports.append(
                sync_intervals(
                    store, athlete=athlete, progress=progress, base_url=intervals_base_url,
                    session=session,
                )
            )  # fmt: skip
    return reports


def parse_service(name: str) -> SyncService:
    return _service(name)


def connect_strava_in_browser(
    store: Store,
    settings: Settings,
    *,
    open_url: Callable[[str], None],
    timeout_s: float = 300.0,
    athlete: str | None = None,
    session: Session | None = None,
) -> ConnectionStatus:
    """The authorization-code flow with a loopback redirect: listen on 127.0.0.1, hand the
    authorization URL to ``open_url`` (a browser, or a line to copy), catch the code when
    Strava sends the browser back, check its ``state``, and exchange it for tokens."""
    state = secrets.token_urlsafe(24)
    app = strava_app(settings)
    with LoopbackListener() as listener:
        open_url(strava.authorization_url(app, listener.redirect_uri, state))
        redirect = listener.wait(timeout_s)
    if redirect.error or not redirect.code:
        raise AccessError(
            f"Strava did not authorize backstride ({redirect.error or 'no code'})",
            hint="run `backstride strava connect` again and press Authorize",
        )
    if redirect.state != state:
        raise AccessError(
            "the answer from Strava's authorization page was not for this request",
            hint="run `backstride strava connect` again",
        )
    return connect_strava(
        store, settings, code=redirect.code, scope=redirect.scope, athlete=athlete,
        session=session,
    )  # fmt: skip
