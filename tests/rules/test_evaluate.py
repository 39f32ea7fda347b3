"""Whole evaluation: one athlete's findings and lights, the JSON shape, and cohorts."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from backstride.analysis.table import ActivityTable
from backstride.rules.catalogue import PRACTICE_NAMES
from backstride.rules.evaluate import evaluate, evaluate_cohort, map_athlete_chunks
from backstride.rules.finding import SEVERITY_RANK, Finding, most_pressing, plain
from backstride.rules.practices import LIGHTS, practice_lights, status_data
from tests.analysis.history import form_table, runs_table, vignette


def test_no_data_gives_no_findings_and_unknown_lights() -> None:
    assert evaluate(runs_table([], []), as_of=date(2024, 1, 1)) == []
    table = runs_table(["2024-02-01"], [5.0])
    assert evaluate(table, as_of=date(2024, 1, 1)) == []  # everything is after as_of
    lights = practice_lights([])
    assert list(lights) == list(PRACTICE_NAMES)
    assert {light.status for light in lights.values()} == {"unknown"}
    assert lights["clinician"].summary.startswith("No pain logged and no symptom screen yet")


def test_vignette_status_is_red_for_gradual_mileage_on_the_day_of_the_spike() -> None:
    table, big = vignette()
    form = form_table([3.0] * 3, [170.0] * 3, first_day=date(2024, 1, 20))
    found = evaluate(table, as_of=big, form=form)
    assert found[0].rule == "L1"
    assert found[0].severity == "very_high"
    assert found == most_pressing(found)
    lights = practice_lights(found)
    assert lights["gradual_mileage"].status == "red"
    assert lights["gradual_mileage"].summary == found[0].message
    assert lights["form"].status == "green"  # F1 baseline found (ok)
    assert lights["cross_training"].status == "info"  # no other sport: an info light (X1)
    week_later = practice_lights(evaluate(table, as_of=date(2024, 2, 11)))
    assert week_later["gradual_mileage"].status in {"green", "amber"}  # L2 may flag the jump


def test_status_json_shape_is_what_the_cli_prints() -> None:
    table, big = vignette()
    data = status_data(evaluate(table, as_of=big), as_of=big)
    text = json.dumps(data, allow_nan=False)  # no NaN or infinity anywhere
    back = json.loads(text)
    assert back["as_of"] == big.isoformat()
    assert set(back["practices"]) == set(PRACTICE_NAMES)
    for light in back["practices"].values():
        assert set(light) == {"status", "word", "summary"}
        assert light["status"] in LIGHTS
    keys = {"rule", "severity", "date", "activity_id", "message", "values", "citation", "grade"}
    for finding in back["findings"]:
        assert keys | {"practice", "outcome"} == set(finding)
        assert finding["severity"] in SEVERITY_RANK


def test_finding_values_are_plain_json_scalars() -> None:
    assert plain(np.float64(2.5)) == 2.5
    assert type(plain(np.int64(3))) is int
    assert plain(np.bool_(True)) is True
    assert plain(np.array(1.5)) == 1.5
    assert plain(float("nan")) is None
    assert plain(np.inf) is None
    with pytest.raises(TypeError, match="scalars"):
        plain([1, 2])
    with pytest.raises(ValueError, match="severity"):
        Finding("L1", "bad", date(2024, 1, 1), None, "", {}, "", "", "")  # type: ignore[arg-type]


def test_cohort_ranks_agree_with_each_athletes_findings() -> None:
    rng = np.random.default_rng(11)
    n = 400
    athlete = rng.integers(0, 5, n)
    table = ActivityTable.from_columns(
        np.datetime64("2024-01-01") + rng.integers(0, 120, n),
        rng.choice(["running", "running", "cycling", "training", "swimming"], n),
        rng.uniform(2, 30, n) * 1000,
        rng.uniform(20, 120, n) * 60,
        rpe=rng.choice([np.nan, 2.0, 5.0, 8.0], n),
        shoe_id=np.where(rng.random(n) < 0.8, athlete * 10 + rng.integers(0, 4, n), -1),
        athlete=athlete,
        activity_id=np.arange(n),
        n_athletes=6,  # athlete 5 has no activity at all
    )
    as_of = date(2024, 4, 15)
    cohort = evaluate_cohort(table, as_of=as_of)
    assert cohort.ranks.shape == (6, len(cohort.rules))
    for athlete in range(6):
        found = evaluate(table, as_of=as_of, athlete=athlete)
        for i, rule in enumerate(cohort.rules):
            ranks = [f.rank for f in found if f.rule == rule]
            assert cohort.ranks[athlete, i] == max(ranks, default=-1), (athlete, rule)
        lights = practice_lights(found)
        for practice, codes in cohort.lights().items():
            assert LIGHTS[codes[athlete]] == lights[practice].status, (athlete, practice)
    assert (cohort.ranks[5] == -1).all()


def test_cohort_with_nothing_before_as_of() -> None:
    table = runs_table(["2024-02-01"], [5.0], n_athletes=2)
    cohort = evaluate_cohort(table, as_of=date(2024, 1, 1))
    assert cohort.ranks.shape == (2, 0)
    assert {int(c) for codes in cohort.lights().values() for c in codes} == {0}


def test_cohort_in_chunks_equals_cohort_at_once() -> None:
    rng = np.random.default_rng(3)
    n = 300
    athlete = rng.integers(0, 7, n)  # shoe ids are unique across athletes, as in the store
    table = ActivityTable.from_columns(
        np.datetime64("2024-01-01") + rng.integers(0, 90, n),
        rng.choice(["running", "cycling", "training"], n),
        rng.uniform(2, 25, n) * 1000,
        rng.uniform(20, 90, n) * 60,
        shoe_id=np.where(rng.random(n) < 0.8, athlete * 10 + rng.integers(0, 3, n), -1),
        athlete=athlete,  # unsorted rows: chunks must sort them first
        n_athletes=7,
    )
    as_of = date(2024, 3, 20)
    whole = evaluate_cohort(table, as_of=as_of, chunk_athletes=100)
    parts = evaluate_cohort(table, as_of=as_of, chunk_athletes=3)
    assert parts.rules == whole.rules
    np.testing.assert_array_equal(parts.ranks, whole.ranks)
    # Chunks shared among worker processes come back in athlete order.
    forked = evaluate_cohort(table, as_of=as_of, chunk_athletes=1, jobs=2)
    assert forked.rules == whole.rules
    np.testing.assert_array_equal(forked.ranks, whole.ranks)


def test_chunks_mapped_in_workers_keep_their_order_and_results() -> None:
    table = runs_table(
        [f"2024-01-{day:02d}" for day in range(1, 11)],
        [float(day) for day in range(1, 11)],
        athlete=list(range(10)),
        n_athletes=10,
    )

    def first_km(part: ActivityTable) -> list[float]:
        return (part.distance_m / 1000).tolist()

    serial = map_athlete_chunks(first_km, table, chunk_athletes=3)
    assert serial == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0]]
    assert map_athlete_chunks(first_km, table, chunk_athletes=3, jobs=2) == serial


def test_athlete_chunks_slice_sorted_rows_and_sort_unsorted_ones() -> None:
    table = runs_table(
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
        [1.0, 2.0, 3.0, 4.0],
        athlete=[2, 0, 2, 1],
        n_athletes=4,
    )
    chunks = [(first, part) for first, part in table.athlete_chunks(2)]
    assert [first for first, _ in chunks] == [0, 2]
    assert chunks[0][1].athlete.tolist() == [0, 1]
    assert chunks[0][1].distance_m.tolist() == [2000.0, 4000.0]
    assert chunks[1][1].athlete.tolist() == [0, 0]
    assert chunks[1][1].n_athletes == 2  # athletes 2 and 3 (3 has no rows)
    with pytest.raises(ValueError, match="chunk size"):
        next(table.athlete_chunks(0))
