"""Instant views (cli/instant.py): a read command run again on unchanged data prints what it
printed before, without computing; any write to the data, another day, another terminal or
another command line computes it again. Each run here is a process of its own, started as the
console script starts it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from backstride.cli import instant
from backstride.cli.app import COMMANDS
from backstride.store import kept_output
from tests.cli_runs import RUN, cli, database_with_a_run, process

#: What a replayed command never imports (nothing is computed, nothing formatted).
HEAVY = ("numpy", "sqlalchemy", "typer", "rich", "backstride.analysis", "backstride.rules")
ON = ("--on", "2020-12-12")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[str, str, set[str]]:
    """``backstride ARGS`` in a process of its own: stdout, stderr, the modules it imported."""
    modules, done = process(*args, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr, modules


def replayed(modules: set[str]) -> bool:
    return not any(m == h or m.startswith(f"{h}.") for h in HEAVY for m in modules)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return database_with_a_run(tmp_path)


def version(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return int(conn.execute("SELECT version FROM data_versions").fetchone()[0])


@pytest.mark.parametrize(
    "args",
    [
        ("status", *ON),
        ("status", *ON, "--json"),
        ("load", *ON),
        ("form", *ON, "--json"),
        ("activities",),
        ("show", "1"),
        ("shoes",),
        ("pain", "--json"),
        ("plan", *ON),
        ("plan", *ON, "--json", "--weeks", "2"),
    ],
)
def test_a_second_run_prints_the_same_without_computing(
    db: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    first = run("--db", db, *args, cwd=tmp_path)
    assert not replayed(first[2])  # computed
    if args[0] == "plan":  # its first showing saved the plan, a write: computed once more
        first = run("--db", db, *args, cwd=tmp_path)
        assert not replayed(first[2])
    second = run("--db", db, *args, cwd=tmp_path)
    assert replayed(second[2])
    assert second[:2] == first[:2]
    assert first[0].strip()
    # and what was computed is what the command computes in full (--debug is never kept)
    full = run("--db", db, "--debug", *args, cwd=tmp_path)
    assert not replayed(full[2])
    assert full[:2] == first[:2]


def test_a_write_to_the_data_computes_again(db: str, tmp_path: Path) -> None:
    before = run("--db", db, "pain", *ON, cwd=tmp_path)
    assert replayed(run("--db", db, "pain", *ON, cwd=tmp_path)[2])
    start = version(db)
    assert cli(db, "pain", "log", "4", "--date", "2020-12-11").exit_code == 0
    assert version(db) > start  # the SQLite triggers (migration 0015)
    after = run("--db", db, "pain", *ON, cwd=tmp_path)
    assert not replayed(after[2])
    assert "2020-12-11" not in before[0]
    assert "2020-12-11" in after[0]


def test_a_red_flag_reported_after_a_kept_status_is_shown_at_once(db: str, tmp_path: Path) -> None:
    """Safety first (issue 5): the output kept before the screen is never replayed after it."""
    calm = run("--db", db, "status", *ON, cwd=tmp_path)
    assert replayed(run("--db", db, "status", *ON, cwd=tmp_path)[2])
    assert "clinician" not in calm[1].lower()
    flagged = cli(db, "screen", "--yes", "saddle_numbness", "--no-others", "--date", "2020-12-12")
    assert flagged.exit_code == 0, flagged.output
    for args in (("status", *ON), ("plan", *ON), ("load", *ON)):
        out, err, modules = run("--db", db, *args, cwd=tmp_path)
        assert not replayed(modules), args
        assert "saddle" in err.lower() or "emergency" in err.lower(), (args, err)
        again = run("--db", db, *args, cwd=tmp_path)  # kept with its red flag, and replayed so
        assert again[:2] == (out, err)


def test_the_day_the_terminal_and_the_environment_are_part_of_the_key(
    db: str, tmp_path: Path
) -> None:
    run("--db", db, "status", *ON, cwd=tmp_path)
    assert replayed(run("--db", db, "status", *ON, cwd=tmp_path)[2])
    other_day = run("--db", db, "status", "--on", "2020-12-13", cwd=tmp_path)
    assert not replayed(other_day[2])
    assert "2020-12-13" in other_day[0]
    narrow = run("--db", db, "status", *ON, cwd=tmp_path, env={"COLUMNS": "60"})
    assert not replayed(narrow[2])
    colour = run("--db", db, "status", *ON, cwd=tmp_path, env={"FORCE_COLOR": "1"})
    assert not replayed(colour[2])
    assert "\x1b[" in colour[0]  # Rich coloured it: a replay for the plain key would not
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert not replayed(run("--db", db, "status", *ON, cwd=elsewhere)[2])


def test_an_edited_source_file_computes_again(db: str, tmp_path: Path) -> None:
    """The code is in the key: an edit (or an upgrade) never replays an older version's view."""
    run("--db", db, "load", *ON, cwd=tmp_path)
    assert replayed(run("--db", db, "load", *ON, cwd=tmp_path)[2])
    source = Path(instant.__file__).with_name("load.py")
    stat = source.stat()
    try:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert not replayed(run("--db", db, "load", *ON, cwd=tmp_path)[2])
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_an_import_leaves_status_ready(tmp_path: Path) -> None:
    """The first ``status`` after an import is no slower than the second: the import kept it."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    run("--db", url, "import", str(RUN), cwd=tmp_path)  # creates the store
    other = RUN.with_name("fitparse__garmin-fenix-5-run.fit")
    imported = run("--db", url, "import", str(other), cwd=tmp_path)
    assert "imported 1" in imported[0]
    out, err, modules = run("--db", url, "status", cwd=tmp_path)
    assert replayed(modules)
    assert (out, err) == run("--db", url, "--debug", "status", cwd=tmp_path)[:2]


@pytest.mark.parametrize(
    "args",
    [
        ["shoes", "add", "Pegasus"],
        ["pain", "log", "3"],
        ["plan", "--ics", "x.ics"],
        ["plan", "--fit-workouts=out"],
        ["--debug", "status"],
        ["status", "--help"],
        ["import", "x.fit"],
        ["--version"],
        [],
    ],
)
def test_commands_that_write_or_explain_are_never_kept(args: list[str]) -> None:
    assert instant.command_of(args) is None


def test_the_global_database_option_is_read_both_ways() -> None:
    url = "sqlite:///a.db"
    assert instant.command_of(["--db", url, "status"]) == (url, "status", [])
    assert instant.command_of(["--db=sqlite:///a.db", "load", "--json"]) == (
        "sqlite:///a.db",
        "load",
        ["--json"],
    )
    assert instant.warm_args(["--db", "sqlite:///a.db", "import", "f.fit"]) == [
        "--db",
        "sqlite:///a.db",
        "status",
    ]
    assert instant.warm_args(["status"]) is None


def test_the_kept_commands_subcommands_are_the_registrys() -> None:
    for name, others in instant.KEPT_COMMANDS.items():
        assert others == {sub for sub, _ in COMMANDS[name].subcommands}, name


def test_keep_never_replaces_a_newer_version_and_sweeps_older_ones(db: str) -> None:
    path = db.removeprefix("sqlite:///")
    now = version(db)
    assert kept_output.keep(path, "local", "a", now, b"new")
    assert kept_output.keep(path, "local", "a", now - 1, b"old")  # a slower, older run
    assert kept_output.look_up(path, "local", "a") == kept_output.Kept(now, b"new")
    assert kept_output.keep(path, "local", "b", now - 1, b"stale")
    assert kept_output.look_up(path, "local", "b") == kept_output.Kept(now, None)
    assert kept_output.keep(path, "local", "c", now, b"c")  # sweeps b, of an older version
    with sqlite3.connect(path) as conn:
        keys = {k for (k,) in conn.execute("SELECT key FROM cached_results")}
    assert keys == {"cli|a", "cli|c"}
    assert version(db) == now  # keeping changes no version


def test_a_store_that_will_not_take_it_still_prints(db: str, tmp_path: Path) -> None:
    path = Path(db.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:  # another process holds the write lock
        conn.execute("BEGIN IMMEDIATE")
        out, _, modules = run("--db", db, "shoes", cwd=tmp_path)
        conn.rollback()
    assert not replayed(modules)
    assert out.strip()
    assert not replayed(run("--db", db, "shoes", cwd=tmp_path)[2])  # nothing was kept
    assert kept_output.look_up(str(tmp_path / "missing.db"), "local", "k").version is None
    assert not (tmp_path / "missing.db").exists()  # never created by a look-up


def test_a_plan_shown_again_writes_nothing(db: str) -> None:
    assert cli(db, "plan", *ON).exit_code == 0
    start = version(db)
    assert cli(db, "plan", *ON).exit_code == 0
    assert version(db) == start
    assert cli(db, "plan", *ON, "--weeks", "2").exit_code == 0
    assert version(db) > start  # another plan is saved


def test_a_replay_into_a_closed_pipe_ends_quietly(db: str, tmp_path: Path) -> None:
    args = ["--db", db, "status", *ON]
    run(*args, cwd=tmp_path)  # kept
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: the first write fails with EPIPE
    _, done = process(*args, cwd=tmp_path, stdout=writer)
    os.close(writer)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0


def test_a_run_that_fails_is_not_kept(db: str, tmp_path: Path) -> None:
    for _ in range(2):
        modules, done = process("--db", db, "show", "999", cwd=tmp_path)
        assert done.returncode == 1
        assert "999" in done.stderr
        assert not replayed(modules)  # computed both times: an error is never replayed
