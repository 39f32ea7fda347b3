"""What a restricted view of a store leaves out, as SQL: the one definition the activity
reads use (``store/activities.py``, ``form.py``, ``gear.py``, ``pain.py``).

Strava's API Agreement lets a runner's Strava data be shown to that runner only
(docs/sync.md, "Showing Strava data, and to whom"), so a clinician's view
(:meth:`~backstride.store.db.Store.restricted` with ``hide_strava_api``) leaves out:

- **the activities whose stored record came from Strava's API**: ``source_format``
  ``"strava"`` (a recording Strava's API gave, ``sync.strava_data.to_activity``: even when a
  file holds the same run, the record kept is Strava's), and an activity Strava's API gave
  (an ``activity_sources`` row ``strava:<id>``, which ``service.sync`` stores for every
  activity it stores or matches, so also for a manual activity a ``sync_items`` row points
  at) while no file holds it (no other ``activity_sources`` row: a watch's FIT, an
  intervals.icu original, an export archive's file or row are the runner's own);
- **what Strava's API added to the activities shown**: on an activity with a Strava part,
  its name, description, private note, perceived exertion, the platform's type, the
  Strava id, and its gear when the sync named it (``gear_source`` ``"archive"``: the sync
  merges Strava's gear as archive metadata); and the gear rows the Strava sync created
  (their names are in the connection's ``state["gear"]``), with the distance of hidden
  activities on any gear.

``positions`` False (a share of summaries) drops the latitude and longitude channels from
every stream read, and from the channel lists.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from backstride.model import Streams
from backstride.store.db import View, view_of
from backstride.store.schema import activities, activity_sources, gear, sync_connections
from backstride.units import Channel

#: How ``service.sync`` names what came from Strava's API (``activity_sources.file_name``).
STRAVA_SOURCE = "strava:%"
#: The channels a share without GPS leaves out.
POSITION_CHANNELS = (Channel.LATITUDE_DEG, Channel.LONGITUDE_DEG)
_POSITION_NAMES = frozenset(c.value for c in POSITION_CHANNELS)
#: The activity columns Strava's API fills on an activity it also gave or named.
STRAVA_FIELDS = ("name", "vendor_type", "description", "private_note", "rpe", "external_id")


def strava_part(activity_id: Any) -> ColumnElement[bool]:
    """Whether something of Strava's API is on the activity ``activity_id`` (a column): an
    ``activity_sources`` row ``strava:<id>``. The Strava sync stores one for every activity
    it stores or finds a twin of (``service.storing``: each part of a "file" is recorded,
    and a sync's file is ``strava:<id>``), so every activity a ``sync_items`` row of a
    Strava connection points at has one; that map is not asked (it has no index by
    activity, and a clinician's list reads every athlete's history)."""
    return sa.exists().where(
        activity_sources.c.activity_id == activity_id,
        activity_sources.c.file_name.like(STRAVA_SOURCE),
    )


def file_part(activity_id: Any) -> ColumnElement[bool]:
    """Whether a file of the runner's own holds the activity (any source but Strava's API)."""
    return sa.exists().where(
        activity_sources.c.activity_id == activity_id,
        sa.not_(activity_sources.c.file_name.like(STRAVA_SOURCE)),
    )


def hidden(table: sa.Table = activities) -> ColumnElement[bool]:
    """Whether a row of ``activities`` came from Strava's API only (the module docstring)."""
    return sa.or_(
        table.c.source_format == "strava",
        sa.and_(strava_part(table.c.id), sa.not_(file_part(table.c.id))),
    )


def shown(conn: Connection, table: sa.Table = activities) -> ColumnElement[bool]:
    """The condition a read of ``activities`` adds on ``conn``'s view (true on a full view)."""
    if not view_of(conn).hide_strava_api:
        return sa.true()
    return sa.not_(hidden(table))


def hidden_activity(conn: Connection, activity_id: Any) -> ColumnElement[bool]:
    """Whether the activity ``activity_id`` (a column or value) is hidden on ``conn``'s view
    (false on a full view): for rows that point at an activity (laps, streams, diary)."""
    if not view_of(conn).hide_strava_api:
        return sa.false()
    return sa.exists().where(activities.c.id == activity_id, hidden(activities))


def strava_gear_ids(conn: Connection, athlete_id: int) -> frozenset[int]:
    """The athlete's gear the Strava sync created (named in the Strava connection's state),
    hidden on a view that hides Strava's API; empty on other views."""
    if not view_of(conn).hide_strava_api:
        return frozenset()
    state = conn.execute(
        sa.select(sync_connections.c.state).where(
            sync_connections.c.athlete_id == athlete_id, sync_connections.c.service == "strava"
        )
    ).scalar_one_or_none()
    names = _strava_gear_names(state)
    if not names:
        return frozenset()
    rows = conn.execute(
        sa.select(gear.c.id).where(
            gear.c.athlete_id == athlete_id, sa.func.lower(gear.c.name).in_(names)
        )
    ).scalars()
    return frozenset(int(i) for i in rows)


def _strava_gear_names(state: str | None) -> list[str]:
    if not state:
        return []
    try:
        named = json.loads(state).get("gear") or {}
    except (ValueError, AttributeError):
        return []
    return sorted({str(n).strip().lower() for n in named.values() if isinstance(n, str)})


def gear_blank(conn: Connection, athlete_id: int) -> ColumnElement[bool]:
    """Whether an activity's gear is blank on ``conn``'s view: Strava's sync named it
    (``gear_source`` ``archive`` on an activity with a Strava part) or the gear is one the
    Strava sync created. False on a view that shows Strava's data."""
    if not view_of(conn).hide_strava_api:
        return sa.false()
    blank = sa.and_(activities.c.gear_source == "archive", strava_part(activities.c.id))
    theirs = strava_gear_ids(conn, athlete_id)
    if theirs:
        blank = sa.or_(blank, activities.c.gear_id.in_(sorted(theirs)))
    return blank


def activity_gear(conn: Connection, athlete_id: int, name: str = "gear_id") -> ColumnElement[Any]:
    """The column ``gear_id`` or ``gear_source`` of an activity as ``conn``'s view shows it."""
    column = activities.c[name]
    if not view_of(conn).hide_strava_api:
        return column
    return sa.case((gear_blank(conn, athlete_id), sa.null()), else_=column)


def activity_field(conn: Connection, name: str) -> ColumnElement[Any]:
    """The column ``name`` of ``activities`` as ``conn``'s view shows it: NULL on an activity
    with a Strava part when Strava's API fills it (:data:`STRAVA_FIELDS`)."""
    column = activities.c[name]
    if not view_of(conn).hide_strava_api:
        return column
    if name == "source_name":  # ``strava:<id>``: the record a Strava sync stored
        return sa.case((column.like(STRAVA_SOURCE), sa.literal("")), else_=column)
    if name not in STRAVA_FIELDS:
        return column
    return sa.case((strava_part(activities.c.id), sa.null()), else_=column)


def channels(view: View, names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A stored channel list as the view shows it (no positions without GPS)."""
    if view.positions:
        return tuple(names)
    return tuple(n for n in names if n not in _POSITION_NAMES)


def streams(view: View, found: Streams) -> Streams:
    """Streams as the view shows them (no position channels without GPS)."""
    if view.positions or not any(found.has(c) for c in POSITION_CHANNELS):
        return found
    kept = {c: v for c, v in found.channels.items() if c not in POSITION_CHANNELS}
    return Streams(found.elapsed_s, kept, dict(found.extra))


def withheld(conn: Connection, athlete_id: int) -> tuple[int, int]:
    """What a view hiding Strava's API leaves out of an athlete's activities: (how many
    are hidden, how many others lose what Strava added), for the runner's Sharing page."""
    hidden_count = conn.execute(
        sa.select(sa.func.count()).where(activities.c.athlete_id == athlete_id, hidden())
    ).scalar_one()
    blanked = conn.execute(
        sa.select(sa.func.count()).where(
            activities.c.athlete_id == athlete_id,
            sa.not_(hidden()),
            strava_part(activities.c.id),
        )
    ).scalar_one()
    return int(hidden_count), int(blanked)
