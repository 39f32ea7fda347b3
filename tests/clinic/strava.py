"""Strava-synced activities stored exactly as ``service.sync._sync_strava`` stores them: a
Strava connection, the gear fetched once and created as a shoe (named in the connection's
state), the detail and streams turned into an ``Activity`` and an ``ActivityMeta`` by
``sync.strava_data``, stored through ``service.storing.import_hashed`` under the
``strava:<id>`` source with the key the sync uses, and a ``sync_items`` row. The payloads
are tests/sync/fixtures' (Strava's documented examples), changed as ``tests/sync/fakes.py``
changes them."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from backstride.model import Gear, ImportReport
from backstride.service.decoding import Decoded
from backstride.service.pipeline import athlete_id_for
from backstride.service.storing import Source, import_hashed
from backstride.store import Store, transaction
from backstride.store import gear as gear_rows
from backstride.store import sync as sync_rows
from backstride.sync.strava_data import fingerprint, to_activity, to_meta
from tests.sync.fakes import fixture


def connect(store: Store, athlete: str) -> int:
    """A Strava connection of the athlete (tokens as Strava's example); its id."""
    with transaction(store) as conn:
        saved = sync_rows.save_connection(
            conn,
            athlete_id_for(store, athlete),
            "strava",
            remote_athlete="134815",
            remote_name="Marianne V.",
            credentials={"access_token": "a", "refresh_token": "r", "expires_at": 2_000_000_000},
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )
    return saved.id


def synced(
    store: Store,
    athlete: str,
    rid: int,
    *,
    start: datetime,
    seconds: int,
    distance_m: float,
    name: str,
    description: str = "",
    rpe: int | None = None,
    gear: tuple[str, str] | None = None,
    manual: bool = False,
    channels: tuple[str, ...] = ("latlng", "altitude", "heartrate", "cadence", "velocity_smooth"),
    samples: int = 61,
) -> list[int]:
    """Store one Strava activity as the sync does; returns the stored ids. ``gear``: Strava's
    gear id and name (fetched and stored as a shoe on first sight, as ``_strava_gear``)."""
    athlete_id = athlete_id_for(store, athlete)
    with transaction(store) as conn:
        connection = sync_rows.get_connection(conn, athlete_id, "strava")
    assert connection is not None, "connect() first"
    entry = {
        "id": rid,
        "name": name,
        "distance": distance_m,
        "moving_time": seconds,
        "elapsed_time": seconds,
        "sport_type": "Run",
        "type": "Run",
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "utc_offset": 3600,
        "trainer": False,
        "manual": manual,
        "gear_id": gear[0] if gear else None,
        "average_speed": distance_m / seconds,
    }
    detail = copy.deepcopy(fixture("strava_activity.json"))
    detail.update({k: entry[k] for k in entry if k in detail or k == "utc_offset"})
    detail.update(
        id=rid,
        description=description,
        perceived_exertion=rpe,
        average_cadence=85.0,
        average_watts=None,
        device_watts=False,
        gear=None,
        laps=[],
        device_name=None if manual else "Garmin Forerunner 245",
    )
    streams: dict[str, Any] = {}
    if not manual:
        base = fixture("strava_streams.json")
        times = [round(i * seconds / (samples - 1)) for i in range(samples)]
        values = {
            "distance": [distance_m * t / seconds for t in times],
            "latlng": [[51.34 + t * 1e-5, 12.37] for t in times],
            "altitude": [110.0 + (t % 7) for t in times],
            "heartrate": [140 + (t % 11) for t in times],
            "cadence": [85 for _ in times],
            "velocity_smooth": [distance_m / seconds for _ in times],
        }
        streams = {
            key: {**base["time"], "data": data, "original_size": len(data)}
            for key, data in {"time": times, **values}.items()
            if key in ("time", "distance", *channels)
        }
    gear_name = None
    if gear is not None:
        gear_name = gear[1]
        with transaction(store) as conn:
            if gear_rows.find_gear_id(conn, athlete_id, gear_name, "shoe") is None:
                gear_rows.upsert_gear(conn, athlete_id, Gear(name=gear_name, kind="shoe"))
            state = dict(connection.state)
            state["gear"] = {**dict(state.get("gear") or {}), gear[0]: gear_name}  # type: ignore[call-overload]
            sync_rows.update_state(conn, connection.id, state)
    activity = to_activity(detail, streams)
    assert activity is not None
    key = hashlib.sha256(f"strava:{rid}:{fingerprint(entry)}".encode()).hexdigest()
    report = ImportReport()
    ids = import_hashed(
        store,
        athlete_id,
        key,
        lambda: Decoded(activities=[activity]),
        Source(display=f"strava:{rid} ({name})", file_name=f"strava:{rid}"),
        report,
        meta=to_meta(detail, gear_name),
    )
    assert not report.failed, report.failed
    with transaction(store) as conn:
        sync_rows.put_item(
            conn,
            connection.id,
            str(rid),
            activity_id=ids[0] if ids else None,
            fingerprint=fingerprint(entry),
            at=datetime.now(UTC),
        )
    return ids
