"""The back-pain diary: logging with sensible defaults; bad input refused, nothing stored."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from backstride import service
from backstride.config import load_settings
from tests.cli_runs import cli as run
from tests.cli_runs import database_with_a_run


@pytest.fixture
def db(tmp_path: Path) -> str:
    return database_with_a_run(tmp_path)


def entries(db: str) -> list[dict[str, object]]:
    result = run(db, "pain", "--weeks", "520", "--json")
    return json.loads(result.stdout)["entries"]  # type: ignore[attr-defined,no-any-return]


def test_next_morning_entry_links_to_the_previous_days_run(db: str) -> None:
    result = run(db, "pain", "log", "3", "--date", "2020-12-11", "--json")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    entry = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert (entry["when"], entry["nrs"], entry["activity_id"]) == ("next-morning", 3, 1)


def test_entry_with_an_activity_defaults_to_after(db: str) -> None:
    result = run(db, "pain", "log", "4", "--activity", "1", "--date", "2020-12-10", "--json")
    entry = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert (entry["when"], entry["activity_id"]) == ("after", 1)


def test_no_run_the_day_before_means_no_link(db: str) -> None:
    entry = json.loads(run(db, "pain", "log", "1", "--date", "2020-12-20", "--json").stdout)  # type: ignore[attr-defined]
    assert entry["activity_id"] is None


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["11"], 1, "error: NRS: pain must be a whole number from 0 (none) to 10"),
        (["-1"], 2, ""),
        (["3", "--date", "2099-01-01"], 1, "error: --date: the date 2099-01-01 is in the future"),
        (["3", "--date", "12/10/2020"], 2, "is not a date"),
        (["3", "--activity", "99"], 1, "no activity with id 99"),
        (["3", "--when", "lunch"], 1, "--when: when 'lunch' is not one of: before, during, after"),
        (["3", "--leg-symptoms", "left"], 1, "--leg-symptoms: leg symptoms 'left' is not one of"),
        (["three"], 2, ""),
    ],
)
def test_bad_entries_are_one_line_errors_and_store_nothing(
    db: str, args: list[str], code: int, message: str
) -> None:
    result = run(db, "pain", "log", *args)
    assert result.exit_code == code  # type: ignore[attr-defined]
    assert message in " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    assert entries(db) == []


def test_leg_symptoms_prompt_the_screen(db: str) -> None:
    result = run(db, "pain", "log", "4", "--leg-symptoms", "both-sides", "--date", "2020-12-11")
    assert "backstride screen" in result.stdout  # type: ignore[attr-defined]
    assert entries(db)[0]["leg_symptoms"] == "both-sides"


def test_pain_overview_gives_p2_and_the_adjustment_for_the_next_session(db: str) -> None:
    # The run of 2020-12-10: 2/10 before it, 4/10 the next morning: more than baseline + 1.
    run(db, "pain", "log", "2", "--when", "before", "--activity", "1", "--date", "2020-12-10")
    run(db, "pain", "log", "4", "--date", "2020-12-11")
    with service.open_database(load_settings({}, database_url=db)) as store:
        overview = service.pain_overview(store, weeks=2, today=date(2020, 12, 11))
    p2 = [f for f in overview.findings if f.rule == "P2"]
    assert [f.severity for f in p2] == ["caution"]
    assert overview.adjustment.action == "reduce"
    assert overview.adjustment.reduce_pct == (20, 50)
    assert overview.adjustment.rule == "P2"
    assert overview.weekly_morning_mean[-1][1] == 4.0
    assert all("diagnos" not in f.message for f in overview.findings)


def test_pain_associations_need_eight_pairs_and_find_a_clear_one(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from backstride.store import activities as rows
    from backstride.store import transaction
    from backstride.store.athletes import get_or_create_athlete
    from tests.conftest import make_activity

    with service.open_database(
        load_settings({}, database_url=f"sqlite:///{tmp_path / 'a.db'}")
    ) as store:
        first = date(2026, 1, 5)
        for k in range(10):
            day = first + timedelta(days=3 * k)
            with transaction(store) as conn:
                athlete_id = get_or_create_athlete(conn).id
                seconds = 1200 + 300 * k  # longer runs ...
                activity_id = rows.add_activity(
                    conn, athlete_id,
                    make_activity(start=f"{day}T07:00:00+00:00", seconds=seconds, utc_offset_s=0),
                    source_name="x.fit", imported_at=datetime.now(UTC),
                )  # fmt: skip
            # ... and more pain the next morning (ties for the first few)
            service.log_pain(
                store, min(10, k // 2 + 1), moment="next_morning", day=day + timedelta(days=1),
                activity_id=activity_id, today=day + timedelta(days=1),
            )  # fmt: skip
            if k == 6:
                early = service.pain_associations(store, today=day + timedelta(days=1))
                assert early.pairs == 7
                assert early.correlations == []  # silent below 8 pairs
        found = service.pain_associations(store, today=date(2026, 3, 1))
    assert found.pairs == 10
    distance = next(a for a in found.correlations if a.factor == "run distance (km)")
    assert distance.n == 10
    assert distance.rho > 0.9
    assert distance.is_clear


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["odi", "120"], "error: SCORE: a odi score must be from 0 to 100"),
        (["rmdq", "25"], "rmdq score must be from 0 to 24"),
        (["startback", "5"], "error: --distress: a STarT Back score needs its distress"),
        (["startback", "3", "--distress", "4"], "at most the total"),
        (["odi", "30", "--distress", "2"], "--distress: a distress subscale is for STarT Back"),
        (["sf36", "50"], "QUESTIONNAIRE: questionnaire 'sf36' is not one of: odi, rmdq, startback"),
        (["odi", "30", "--date", "2099-01-01"], "error: --date: the date 2099-01-01 is in the"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_stored(
    db: str, args: list[str], message: str
) -> None:
    result = run(db, "pain", "score", *args)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert message in " ".join(result.stderr.split())  # type: ignore[attr-defined]
    with service.open_database(load_settings({}, database_url=db)) as store:
        assert service.list_scores(store) == []


def test_a_high_risk_startback_score_shows_in_status(db: str) -> None:
    saved = run(db, "pain", "score", "startback", "6", "--distress", "4", "--date", "2020-12-11")
    assert saved.exit_code == 0, saved.stderr  # type: ignore[attr-defined]
    status = json.loads(run(db, "status", "--on", "2020-12-11", "--json").stdout)  # type: ignore[attr-defined]
    p7 = [f for f in status["findings"] if f["rule"] == "P7"]
    assert [f["severity"] for f in p7] == ["high"]
    assert status["practices"]["clinician"]["status"] == "red"
