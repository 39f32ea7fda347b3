"""Merging a twin keeps the richest value field by field (issue 14): the runner's own title
beats a platform's automatic one whatever the order, and a richer record without laps keeps
the stored laps. On both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from backstride.model import ActivityMeta
from backstride.store import Store, transaction
from backstride.store import activities as rows
from backstride.store.athletes import get_or_create_athlete
from tests.conftest import make_activity

NOW = datetime(2026, 3, 3, tzinfo=UTC)


def _stored(store: Store, activity_id: int) -> tuple[str | None, int]:
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn).id
        found = rows.get_activity(conn, athlete, activity_id)
    return found.activity.name, len(found.activity.laps)


@pytest.mark.parametrize(
    ("first", "then", "kept"),
    [
        ("Easy with Sam, back fine", "Leipzig Running", "Easy with Sam, back fine"),
        ("Morning Run", "Easy with Sam, back fine", "Easy with Sam, back fine"),
        ("Leipzig Running", "Morning Run", "Morning Run"),
        ("Tempo, with strides", "Lunch run with Stryd", "Lunch run with Stryd"),
    ],
)
def test_the_runners_words_beat_an_automatic_name_in_either_order(
    store: Store, first: str, then: str, kept: str
) -> None:
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn).id
        activity_id = rows.add_activity(
            conn, athlete, replace(make_activity(), name=first), source_name="a.fit",
            imported_at=NOW,
        )  # fmt: skip
        rows.apply_meta(conn, activity_id, ActivityMeta(name=then))
    assert _stored(store, activity_id)[0] == kept


def test_a_richer_twin_without_laps_keeps_the_stored_laps_and_title(store: Store) -> None:
    """A TCX with 8 laps, then its GPX twin with denser streams (richer) and no laps: the
    record is replaced, the 8 laps and the runner's title stay."""
    tcx = replace(make_activity(laps=8, source_format="tcx"), name="8 x 400 m on the track")
    richer = make_activity(source_format="gpx", laps=1)
    richer = replace(richer, laps=(), name="Running")
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn).id
        activity_id = rows.add_activity(conn, athlete, tcx, source_name="a.tcx", imported_at=NOW)
        rows.replace_activity(conn, activity_id, richer, source_name="a.gpx", imported_at=NOW)
    assert _stored(store, activity_id) == ("8 x 400 m on the track", 8)
    with transaction(store) as conn:  # a twin with more laps brings its own
        more = replace(make_activity(laps=10), name=None)
        rows.replace_activity(conn, activity_id, more, source_name="b.fit", imported_at=NOW)
    name, laps = _stored(store, activity_id)
    assert laps == 10
    assert name == "8 x 400 m on the track"


def test_a_richer_twin_keeps_the_channels_only_the_stored_record_has(store: Store) -> None:
    """A watch file with running dynamics, then a richer twin without them (more channels
    otherwise): the dynamics stay, on the new record's samples, within 2 s of a stored one."""
    from backstride.model import Streams
    from backstride.units import Channel

    watch = make_activity(seconds=600)
    dynamics = np.full(len(watch.streams), 0.085)
    watch = replace(
        watch,
        streams=Streams(
            watch.streams.elapsed_s,
            {
                c: v
                for c, v in {
                    **watch.streams.channels,
                    Channel.VERTICAL_OSCILLATION_M: dynamics,
                }.items()
                if c != Channel.HEART_RATE_BPM
            },
        ),
    )
    richer = make_activity(seconds=600)  # heart rate too, no dynamics: richer overall
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn).id
        activity_id = rows.add_activity(conn, athlete, watch, source_name="w.fit", imported_at=NOW)
        rows.replace_activity(conn, activity_id, richer, source_name="g.tcx", imported_at=NOW)
        stored = rows.get_activity(conn, athlete, activity_id, with_streams=True)
    channels = stored.activity.streams.channels
    assert np.allclose(channels[Channel.VERTICAL_OSCILLATION_M], 0.085)
    assert np.isfinite(channels[Channel.HEART_RATE_BPM]).all()
