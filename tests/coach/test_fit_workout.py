"""The runs of a plan as FIT workouts, decoded back with garmin-fit-sdk and with fitdecode."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import fitdecode
import pytest
from garmin_fit_sdk import Decoder, Stream
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.coach.exercises import moving_minutes, routine
from backstride.coach.fit_workout import (
    NAME_MAX_BYTES,
    fit_text,
    plan_to_fit_workouts,
    session_to_fit,
    workout_name,
)
from backstride.coach.model import PlannedSession, RunWalk
from tests.coach.sample_plans import MONDAY, blocked_plan, sample_plan

WARMUP_S = routine("warmup").minutes * 60
COOLDOWN_S = moving_minutes("cooldown") * 60


def _decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    assert decoder.is_fit()
    assert decoder.check_integrity()  # header and file CRCs
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read()
    assert errors == []
    return messages


def _decode_fitdecode(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    out = []
    with fitdecode.FitReader(
        io.BytesIO(data),
        check_crc=fitdecode.CrcCheck.ENABLED,
        error_handling=fitdecode.ErrorHandling.RAISE,
    ) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                out.append((frame.name, {f.name: f.value for f in frame.fields}))
    return out


def _runs() -> list[PlannedSession]:
    return sorted((s for s in sample_plan().sessions if s.is_run), key=lambda s: s.day)


def test_one_file_per_run_with_safe_unique_names() -> None:
    files = plan_to_fit_workouts(sample_plan())
    assert len(files) == len(_runs()) == 6
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}_(run|run_walk)(_\d+)?\.fit", n) for n in files)
    assert "2026-11-23_run_walk.fit" in files
    assert "2026-11-25_run.fit" in files


def test_two_runs_on_one_day_get_two_files() -> None:
    plan = sample_plan()
    first = plan.weeks[0]
    extra = replace(first.sessions[2], title="Second run")
    doubled = replace(plan, weeks=(replace(first, sessions=(*first.sessions, extra)),))
    files = plan_to_fit_workouts(doubled)
    assert {"2026-11-25_run.fit", "2026-11-25_run_2.fit"} <= set(files)
    assert len(files) == 4  # the week's three runs and the extra one


def test_core_cross_and_blocked_plans_have_no_workouts() -> None:
    assert plan_to_fit_workouts(blocked_plan()) == {}
    core = next(s for s in sample_plan().sessions if s.kind == "core")
    with pytest.raises(ValueError, match="only runs"):
        session_to_fit(core, as_of=MONDAY)


def test_every_file_decodes_without_errors_as_a_running_workout() -> None:
    for name, data in plan_to_fit_workouts(sample_plan()).items():
        messages = _decode(data)
        (file_id,) = messages["file_id_mesgs"]
        assert file_id["type"] == "workout", name
        assert file_id["manufacturer"] == "development"
        assert file_id["time_created"] == datetime(2026, 11, 23, tzinfo=UTC)
        assert file_id["serial_number"] > 0
        (workout,) = messages["workout_mesgs"]
        assert workout["sport"] == "running"
        steps = messages["workout_step_mesgs"]
        assert workout["num_valid_steps"] == len(steps)
        assert [s["message_index"] for s in steps] == list(range(len(steps)))
        assert len(workout["wkt_name"].encode()) <= NAME_MAX_BYTES
        assert all(len(s.get("wkt_step_name", "").encode()) <= NAME_MAX_BYTES for s in steps)


def test_serial_numbers_differ_between_files() -> None:
    serials = [
        _decode(data)["file_id_mesgs"][0]["serial_number"]
        for data in plan_to_fit_workouts(sample_plan()).values()
    ]
    assert len(set(serials)) == len(serials)


def test_output_is_deterministic() -> None:
    assert plan_to_fit_workouts(sample_plan()) == plan_to_fit_workouts(sample_plan())


def test_distance_run_is_warm_up_run_distance_cool_down() -> None:
    files = plan_to_fit_workouts(sample_plan())
    steps = _decode(files["2026-11-25_run.fit"])["workout_step_mesgs"]
    assert [(s["wkt_step_name"], s["intensity"], s["duration_type"]) for s in steps] == [
        ("Warm-up", "warmup", "time"),
        ("Run", "active", "distance"),
        ("Cool-down", "cooldown", "time"),
    ]
    assert steps[0]["duration_time"] == WARMUP_S == 480
    assert steps[1]["duration_distance"] == 5000.0
    assert steps[2]["duration_time"] == COOLDOWN_S == 300
    assert _decode(files["2026-11-28_run.fit"])["workout_step_mesgs"][1][
        "duration_distance"
    ] == pytest.approx(8000.0)
    assert _decode(files["2026-11-28_run.fit"])["workout_mesgs"][0]["wkt_name"] == "Long 8.0 km"


def test_run_without_distance_is_timed() -> None:
    steps = _decode(plan_to_fit_workouts(sample_plan())["2026-12-02_run.fit"])["workout_step_mesgs"]
    assert steps[1]["duration_type"] == "time"
    assert steps[1]["duration_time"] == 2400.0


@pytest.mark.parametrize(
    ("name", "intervals"),
    [
        ("2026-11-23_run_walk.fit", RunWalk(run_s=120, walk_s=60, repeats=8)),
        ("2026-12-03_run_walk.fit", RunWalk(run_s=90, walk_s=30, repeats=10)),
    ],
)
def test_run_walk_is_a_repeat_of_run_and_walk(name: str, intervals: RunWalk) -> None:
    messages = _decode(plan_to_fit_workouts(sample_plan())[name])
    steps = messages["workout_step_mesgs"]
    assert [s.get("wkt_step_name") for s in steps] == ["Warm-up", "Run", "Walk", None, "Cool-down"]
    run, walk, repeat = steps[1:4]
    assert (run["duration_time"], run["intensity"]) == (intervals.run_s, "active")
    assert (walk["duration_time"], walk["intensity"]) == (intervals.walk_s, "recovery")
    assert repeat["duration_type"] == "repeat_until_steps_cmplt"
    assert repeat["duration_step"] == run["message_index"] == 1
    assert repeat["repeat_steps"] == intervals.repeats
    minutes = round(intervals.duration_s / 60)
    assert messages["workout_mesgs"][0]["wkt_name"] == f"Run-walk {minutes} min"


def _executed_seconds(steps: list[dict[str, Any]]) -> float:
    """Walk the steps as a watch does (repeat = jump back until done) and add the time."""
    total, i, done = 0.0, 0, dict[int, int]()
    while i < len(steps):
        step = steps[i]
        if step["duration_type"] == "repeat_until_steps_cmplt":
            done[i] = done.get(i, 1) + 1
            if done[i] <= step["repeat_steps"]:
                i = step["duration_step"]
                continue
        else:
            total += step.get("duration_time", 0.0)
        i += 1
    return total


def test_executing_a_run_walk_file_takes_the_planned_time() -> None:
    steps = _decode(plan_to_fit_workouts(sample_plan())["2026-11-23_run_walk.fit"])[
        "workout_step_mesgs"
    ]
    assert _executed_seconds(steps) == WARMUP_S + 8 * (120 + 60) + COOLDOWN_S


def test_fitdecode_reads_the_same_workout() -> None:
    for data in plan_to_fit_workouts(sample_plan()).values():
        frames = _decode_fitdecode(data)
        names = [name for name, _ in frames]
        assert names[:2] == ["file_id", "workout"]
        assert frames[0][1]["type"] == "workout"
        assert frames[1][1]["sport"] == "running"
        sdk_steps = _decode(data)["workout_step_mesgs"]
        fd_steps = [fields for name, fields in frames if name == "workout_step"]
        assert len(fd_steps) == len(sdk_steps) == frames[1][1]["num_valid_steps"]
        for ours, theirs in zip(fd_steps, sdk_steps, strict=True):
            assert ours["duration_type"] == theirs["duration_type"]
            for key in ("duration_time", "duration_distance", "repeat_steps", "duration_step"):
                if key in theirs:
                    assert ours[key] == pytest.approx(theirs[key])


def test_session_without_warm_up_or_length_is_a_single_open_run() -> None:
    bare = PlannedSession(
        day=MONDAY,
        kind="run",
        title="Run",
        intensity="easy",
        duration_s=None,
        rules=("L1",),
        why="A run.",
    )
    messages = _decode(session_to_fit(bare, as_of=MONDAY))
    (step,) = messages["workout_step_mesgs"]
    assert (step["duration_type"], step["intensity"]) == ("open", "active")
    assert messages["workout_mesgs"][0]["wkt_name"] == "Run"


def test_workout_names_fit_the_watch_field() -> None:
    long_run = replace(_runs()[2], distance_m=123456.0, duration_s=99999.0, intensity="moderate")
    name = workout_name(long_run)
    assert len(name.encode()) <= NAME_MAX_BYTES
    # "Steady 123.5 km" is 15 bytes: the distance name still fits, so it wins.
    assert name == "Steady 123.5 km"
    longer = replace(long_run, distance_m=1234567.0)
    assert workout_name(longer) == "Steady 1667 min"
    assert fit_text("Échauffement dynamique", 10) == "Échauffem"
    assert len(fit_text("ééééééééé", 15).encode()) <= 15


@settings(deadline=None, max_examples=30)
@given(
    run_s=st.integers(1, 3600),
    walk_s=st.integers(1, 600),
    repeats=st.integers(1, 40),
    distance_m=st.floats(100, 60000, allow_nan=False),
)
def test_any_session_decodes_to_what_it_asked(
    run_s: int, walk_s: int, repeats: int, distance_m: float
) -> None:
    intervals = RunWalk(run_s=run_s, walk_s=walk_s, repeats=repeats)
    run_walk = replace(_runs()[0], run_walk=intervals, duration_s=intervals.duration_s)
    steps = _decode(session_to_fit(run_walk, as_of=MONDAY))["workout_step_mesgs"]
    assert _executed_seconds(steps) == WARMUP_S + repeats * (run_s + walk_s) + COOLDOWN_S
    by_distance = replace(_runs()[1], distance_m=distance_m)
    (run,) = [
        s
        for s in _decode(session_to_fit(by_distance, as_of=MONDAY))["workout_step_mesgs"]
        if s["wkt_step_name"] == "Run"
    ]
    assert run["duration_distance"] == pytest.approx(distance_m, abs=0.005)
