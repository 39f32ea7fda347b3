"""Stale data on every surface (issue 16): ``status`` (text and ``--json``) and the
dashboard's overview render ``rules.freshness`` as of a day, from the store's import times.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app
from backstride.service.clock import local_today
from backstride.store import Store, open_store, transaction
from backstride.store import activities as activity_rows
from backstride.store.athletes import get_or_create_athlete
from tests.conftest import DATA, make_activity
from tests.web.conftest import client_for

LAST = date(2026, 3, 1)
RUN_FIT = DATA / "fit" / "workoutizer__run_with_coordinates.fit"


def four_runs_a_week(store: Store) -> None:
    """32 runs in the 8 weeks up to LAST, each imported the evening of its day."""
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn, "local").id
        for k in range(56):
            if k % 7 not in (0, 3, 5, 6):
                continue
            day = LAST - timedelta(days=k)
            run = make_activity(start=f"{day.isoformat()}T07:00:00+00:00")
            evening = datetime.combine(day, time(20), tzinfo=UTC)
            activity_rows.add_activity(
                conn, athlete, run, source_name=f"{day}.fit", imported_at=evening
            )


def test_status_says_stale_until_something_is_imported(store: Store) -> None:
    four_runs_a_week(store)
    with transaction(store) as conn:
        athlete = get_or_create_athlete(conn, "local").id
        assert activity_rows.last_import_at(conn, athlete) == datetime(2026, 3, 1, 20, tzinfo=UTC)
    day = LAST + timedelta(days=9)
    data = service.get_status(store, as_of=day).to_json()["data_freshness"]
    assert isinstance(data, dict)
    assert data["state"] == "stale"
    assert data["days_without_data"] == 9
    assert data["runs_per_week"] == 4.0

    # A file imported today (an old run: no new activity date, but an import): fresh.
    report = service.import_paths(store, [RUN_FIT])
    assert report.imported == 1
    today = service.get_status(store).to_json()["data_freshness"]
    assert isinstance(today, dict)
    assert today["state"] == "fresh"
    assert today["last_import"] == local_today().isoformat()
    assert today["days_without_data"] == 0


def test_cli_and_overview_render_the_verdict(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    runner = CliRunner()
    empty = runner.invoke(app, ["--db", url, "status", "--json"])
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout)["data_freshness"]["state"] == "empty"
    assert "No activities yet" in runner.invoke(app, ["--db", url, "status"]).stdout

    with open_store(url) as store:
        four_runs_a_week(store)
    on = (LAST + timedelta(days=9)).isoformat()
    text = runner.invoke(app, ["--db", url, "status", "--on", on])
    assert text.exit_code == 0, text.output
    flat = " ".join(text.stdout.split())
    assert "Data may be out of date: No new activity for 9 days" in flat
    assert "backstride watch" in flat
    fresh_day = runner.invoke(app, ["--db", url, "status", "--on", LAST.isoformat()])
    assert "out of date" not in fresh_day.stdout

    with client_for(url) as client:
        page = client.get(f"/?on={on}")
        assert page.status_code == 200
        assert "Data may be out of date:" in page.text
        assert "No new activity for 9 days" in page.text
        assert "out of date" not in client.get(f"/?on={LAST.isoformat()}").text
