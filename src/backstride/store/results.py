"""Results shared by the clinic server's processes: ``cached_results`` (migration 0014).

PostgreSQL only (the per-athlete data versions of ``store.changes`` are PostgreSQL's). A
result is stored as bytes (``service.cache`` says how they are made) under the athlete, a
key saying which result it is, and the athlete's data version read *before* it was
computed. :func:`look_up` reads the athlete's current version and, in the same round trip,
the stored result of that version if there is one: a result of an older version is never
returned. :func:`keep` never replaces a row of a newer version (a slow computation finishing
after a faster, newer one), and drops the athlete's rows that can no longer be served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from backstride.errors import StorageError
from backstride.store.schema import cached_results

#: Rows of the current version are dropped this long after they were stored: results for a
#: day no page asks any more (keys hold the day), computed again if one does.
KEPT_FOR = timedelta(days=2)

# One statement for one or several results: each (athlete, key, the version the caller
# already holds) gives the athlete's version now, and the stored result of that version
# unless the caller holds it already (no bytes sent for what it has).
_LOOK_UP = sa.text(
    """
    SELECT q.athlete_id, q.key, coalesce(v.version, 0) AS version,
           (SELECT r.value FROM cached_results r
             WHERE r.athlete_id = q.athlete_id AND r.key = q.key
               AND r.version = coalesce(v.version, 0)
               AND coalesce(v.version, 0) IS DISTINCT FROM q.held) AS value
      FROM unnest(CAST(:athletes AS integer[]), CAST(:keys AS text[]), CAST(:held AS bigint[]))
           AS q(athlete_id, key, held)
      LEFT JOIN data_versions v ON v.athlete_id = q.athlete_id
    """
)


@dataclass(frozen=True)
class Found:
    """An athlete's data version now, and the bytes stored for the key at that version
    (None: none stored, or the caller said it holds that version already)."""

    version: int
    value: bytes | None


def look_up(engine: Engine, wanted: Sequence[tuple[int, str, int | None]]) -> list[Found]:
    """For each ``(athlete_id, key, held)``: the athlete's version, and the result stored for
    ``key`` at it unless ``held`` (the version the caller has the result of) equals it."""
    if not wanted:
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            _LOOK_UP,
            {
                "athletes": [a for a, _, _ in wanted],
                "keys": [k for _, k, _ in wanted],
                "held": [h for _, _, h in wanted],
            },
        ).all()
    by_pair = {(int(r.athlete_id), str(r.key)): r for r in rows}
    found = []
    for athlete_id, key, _ in wanted:
        row = by_pair[(athlete_id, key)]
        found.append(Found(int(row.version), None if row.value is None else bytes(row.value)))
    return found


def keep(
    engine: Engine, athlete_id: int, key: str, version: int, value: bytes, *, sweep: bool = True
) -> None:
    """Store ``value`` for ``key`` as computed from ``version`` of the athlete's data, unless
    a newer version's result is stored already. ``sweep``: also drop their rows of older
    versions and those stored more than :data:`KEPT_FOR` ago (results for days no longer
    asked for); the caller says how often. StorageError when the database refuses."""
    try:
        _keep(engine, athlete_id, key, version, value, sweep=sweep)
    except sa.exc.SQLAlchemyError as e:
        raise StorageError(f"result {key} not stored: {str(e).splitlines()[0]}") from e


def _keep(
    engine: Engine, athlete_id: int, key: str, version: int, value: bytes, *, sweep: bool
) -> None:
    now = datetime.now(UTC)
    statement = insert(cached_results).values(
        athlete_id=athlete_id, key=key, version=version, value=value, stored_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[cached_results.c.athlete_id, cached_results.c.key],
        set_={"version": version, "value": value, "stored_at": now},
        where=cached_results.c.version <= version,
    )
    with engine.connect() as conn:
        conn.execute(statement)
        conn.commit()
        if not sweep:
            return
        # A transaction of its own, skipping rows another process is writing: one doing both
        # could wait for another doing the same on another key of this athlete, and it for
        # this one.
        stale = (
            sa.select(cached_results.c.athlete_id, cached_results.c.key)
            .where(
                cached_results.c.athlete_id == athlete_id,
                sa.or_(
                    cached_results.c.version < version, cached_results.c.stored_at < now - KEPT_FOR
                ),
            )
            .with_for_update(skip_locked=True)
        )
        conn.execute(
            sa.delete(cached_results).where(
                sa.tuple_(cached_results.c.athlete_id, cached_results.c.key).in_(stale)
            )
        )
        conn.commit()
