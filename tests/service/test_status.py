"""`status` over stored activities: the rules see what the store holds, and the CLI shows it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app
from backstride.store import Store, transaction
from backstride.store import activities as rows
from backstride.store.athletes import get_or_create_athlete
from tests.conftest import DATA, make_activity


def _store_runs(store: Store, runs: list[tuple[date, float]]) -> dict[date, int]:
    """Runs at 3 m/s on the given days (distance in metres); returns their ids by day."""
    from datetime import UTC, datetime

    ids = {}
    with transaction(store) as conn:
        athlete_id = get_or_create_athlete(conn).id
        for day, distance in runs:
            start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC).isoformat()
            activity = make_activity(start=start, seconds=int(distance / 3.0), utc_offset_s=0)
            ids[day] = rows.add_activity(
                conn, athlete_id, activity, source_name="x.fit", imported_at=datetime.now(UTC)
            )
    return ids


def test_a_21_km_run_after_a_month_of_10_km_is_a_very_high_spike(store: Store) -> None:
    start = date(2026, 2, 2)  # a Monday
    runs = [(start + timedelta(days=d), 10_000.0) for d in range(0, 35, 3)]
    long_day = start + timedelta(days=36)
    runs.append((long_day, 21_000.0))
    ids = _store_runs(store, runs)

    status = service.get_status(store, as_of=long_day)
    l1 = [f for f in status.findings if f.rule == "L1"]
    assert [(f.severity, f.activity_id) for f in l1 if f.severity not in ("ok", "info")] == [
        ("very_high", ids[long_day])
    ]
    assert status.lights["gradual_mileage"].status == "red"
    data = status.to_json()
    top = data["findings"][0]  # type: ignore[index]
    assert (top["rule"], top["severity"]) == ("L1", "very_high")
    assert top["citation"] == "Frandsen 2025"
    assert top["why"]

    # The weeks around it: no L1 above ok.
    before = service.get_status(store, as_of=long_day - timedelta(days=2))
    assert all(f.severity in ("ok", "info") for f in before.findings if f.rule == "L1")


def test_status_cli_json_has_the_documented_shape(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    runner = CliRunner()
    runner.invoke(
        app, ["--db", db, "import", str(DATA / "fit" / "workoutizer__run_with_coordinates.fit")]
    )
    result = runner.invoke(app, ["--db", db, "status", "--on", "2020-12-11", "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["as_of"] == "2020-12-11"
    assert set(out["practices"]) == {
        "gradual_mileage", "form", "shoes", "core_strength", "cross_training",
        "warmup_stretching", "clinician",
    }  # fmt: skip
    for light in out["practices"].values():
        assert light["status"] in {"green", "amber", "red", "unknown", "info"}
        assert light["word"]
        assert light["summary"]
    for finding in out["findings"]:
        assert {"rule", "severity", "date", "activity_id", "message", "values", "citation",
                "grade"} <= set(finding)  # fmt: skip
    human = runner.invoke(app, ["--db", db, "status", "--on", "2020-12-11"])
    assert "does not diagnose" in human.stdout
    assert "Gradual mileage" in human.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tomorrow", "is not a date"),
        ("2026-13-01", "is not a date"),
        # Real dates the calendar arithmetic (years back, weeks ahead) would overflow on.
        ("0001-01-01", "0001-01-01 is not a day between 1900-01-01 and 2199-12-31"),
        ("9999-12-31", "9999-12-31 is not a day between 1900-01-01 and 2199-12-31"),
    ],
)
@pytest.mark.parametrize("command", ["status", "load", "form", "plan"])
def test_a_bad_or_unusable_date_is_bad_usage(
    tmp_path: Path, command: str, value: str, message: str
) -> None:
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", command, "--on", value]
    )
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.replace("│", " ").split())  # the box wraps lines
    assert "Traceback" not in result.output


def test_load_weeks_sum_the_runs_and_carry_l2_as_status_says_on_their_sunday(
    store: Store,
) -> None:
    # Monday 2 March 2026: 10 km, 10 km the week after, 14 km (two runs) the week after.
    _store_runs(
        store,
        [
            (date(2026, 3, 2), 10_000.0),
            (date(2026, 3, 9), 10_000.0),
            (date(2026, 3, 16), 6_000.0),
            (date(2026, 3, 18), 8_000.0),
        ],
    )
    history = service.get_load(store, weeks=3, as_of=date(2026, 3, 22))
    assert [w.monday for w in history.weeks] == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
    ]
    assert [w.run_distance_m for w in history.weeks] == pytest.approx(
        [10_000, 10_000, 14_000], abs=5
    )
    assert [w.runs for w in history.weeks] == [1, 1, 2]
    assert history.weeks[2].long_run_m == pytest.approx(8_000, abs=5)
    # L2 on each week's Sunday: the first week has no full week before it; then 10 vs 10 km
    # (+0 %, conservative) and 14 vs 10 km (+40 %, steep: a caution).
    assert history.weeks[0].l2 is None
    second, third = history.weeks[1].l2, history.weeks[2].l2
    assert second is not None
    assert third is not None
    assert (second.outcome, second.severity, second.values["change"]) == ("conservative", "ok", 0.0)
    assert (third.outcome, third.severity) == ("steep", "caution")
    assert third.values["change"] == pytest.approx(0.4, abs=0.001)
    for week in history.weeks:  # the week's verdict is status's on its last day
        sunday = week.monday + timedelta(days=6)
        l2 = [f for f in service.get_status(store, as_of=sunday).findings if f.rule == "L2"]
        assert [f.to_json() for f in l2] == ([] if week.l2 is None else [week.l2.to_json()])
    assert "assumed" in history.load_basis


def test_load_cli_json_and_bad_weeks(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'l.db'}"
    runner = CliRunner()
    runner.invoke(
        app, ["--db", db, "import", str(DATA / "fit" / "workoutizer__run_with_coordinates.fit")]
    )
    out = json.loads(
        runner.invoke(
            app, ["--db", db, "load", "--on", "2020-12-13", "--weeks", "2", "--json"]
        ).stdout
    )
    assert [w["week_start"] for w in out["weeks"]] == ["2020-11-30", "2020-12-07"]
    assert out["weeks"][1]["runs"] == 1
    bad = runner.invoke(app, ["--db", db, "load", "--weeks", "0"])
    assert bad.exit_code == 2


def test_form_cli_gives_plausible_numbers_from_real_running_dynamics(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'f.db'}"
    runner = CliRunner()
    run = DATA / "fit" / "fit-parser-js__running-with-developer-data.fit"  # Fenix 5X + Stryd
    runner.invoke(app, ["--db", db, "import", str(run)])
    result = runner.invoke(app, ["--db", db, "form", "--on", "2018-06-15", "--json"])
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)["runs"]
    assert 150 < row["cadence_spm"] < 200
    assert 0.6 < row["step_length_m"] < 1.6
    assert 0.05 < row["vertical_oscillation_m"] < 0.15
    assert 0.15 < row["stance_time_s"] < 0.40
    assert row["steady_s"] > 600
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "F4" in rules  # foot strike: never advised, always said
