"""Shoes go on foot sports only (issue 14): a pool swim in a pair of shoes is refused."""

from __future__ import annotations

import pytest

from backstride import service
from backstride.errors import InputError
from backstride.model import Gear
from backstride.store import Store
from tests.conftest import DATA


def test_a_shoe_on_a_pool_swim_is_refused_and_a_run_takes_it(store: Store) -> None:
    report = service.import_paths(
        store,
        [
            DATA / "fit" / "workoutizer__swim_no_coordinates.fit",
            DATA / "fit" / "fitparse__garmin-fenix-5-run.fit",
        ],
    )
    assert report.failed == []
    by_sport = {a.activity.sport: a for a in service.list_activities(store)}
    swim, run = by_sport["swimming"], by_sport["running"]
    service.add_shoe(store, Gear(name="Daily trainer"))
    with pytest.raises(InputError, match="is swimming: shoes go on runs, walks and hikes only"):
        service.assign_shoe(store, swim.id, "Daily trainer")
    service.assign_shoe(store, swim.id, None)  # taking a shoe off is always allowed
    service.assign_shoe(store, run.id, "Daily trainer")
    (shoe,) = service.list_shoes(store)
    assert shoe.activity_count == 1
    assert shoe.distance_m == pytest.approx(run.activity.summary.distance_m)
