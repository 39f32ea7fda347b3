"""What a command imports (issue 15): a stray top-level import of something heavy fails here.

Each command runs in a process of its own, through the console script's entry point
(``backstride.cli.entry:main``), and reports the modules it had imported when it exited.
Start-up times are measured in benchmarks/bench_startup.py, not here.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import backstride.service
from backstride.cli.app import COMMANDS, app
from backstride.store.db import head_revision, newest_revision_on_disk
from tests.cli_runs import cli, database_with_a_run, process

SRC = Path(backstride.service.__file__).resolve().parents[2]

#: What no command that only reads the store and prints needs: the web server and its
#: templates, the PDF report, calendars and workout files, the file decoders, migrations.
NOT_FOR_READING = (
    "weasyprint",
    "jinja2",
    "fastapi",
    "uvicorn",
    "starlette",
    "alembic",
    "icalendar",
    "garmin_fit_sdk",
    "lxml",
    "defusedxml",
    "zstandard",
    "backstride.web",
    "backstride.report",
    "backstride.ingest",
    "backstride.coach",
    "backstride.service.importing",
    "backstride.service.decoding",
    "backstride.service.plan",
    "backstride.service.report_data",
    "backstride.cli.imports",
    "backstride.cli.report",
    "backstride.cli.plan",
    "backstride.cli.admin",
    "backstride.service.accounts",
    "argon2",
)
#: And --version needs none of the libraries at all.
NOT_FOR_VERSION = (
    *NOT_FOR_READING,
    "sqlalchemy",
    "numpy",
    "typer",
    "rich",
    "backstride.cli.app",
    "backstride.service",
    "backstride.store",
)


#: The command-line modules every command imports (the root's options and the registry).
_CLI_CORE = {
    "backstride.cli.app",
    "backstride.cli.entry",
    "backstride.cli.helptext",
    "backstride.cli.instant",  # whether the output of this command line is kept already
    "backstride.cli.lazy",
    "backstride.cli.state",
    "backstride.cli.upgrade_bar",  # the class only: rich.progress when it draws
}


def imported_by(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a ``backstride ARGS`` process had imported when it exited."""
    return process(*args)


def loaded(modules: set[str], heavy: tuple[str, ...]) -> list[str]:
    """The ``heavy`` packages (or any of their submodules) among ``modules``."""
    return sorted(h for h in heavy if any(m == h or m.startswith(f"{h}.") for m in modules))


def test_version_imports_nothing_heavy() -> None:
    modules, done = imported_by("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("backstride ")
    assert loaded(modules, NOT_FOR_VERSION) == []


def test_help_lists_commands_without_importing_them() -> None:
    modules, done = imported_by("--help")
    assert done.returncode == 0, done.stderr
    for name in COMMANDS:
        assert f" {name} " in done.stdout, name
    # Typer's help formatter drags in markdown-it and rich.traceback: the root's screen is
    # drawn by cli/roothelp.py instead.
    heavy = (*NOT_FOR_READING, "sqlalchemy", "numpy", "typer.rich_utils", "markdown_it")
    assert loaded(modules, heavy) == []
    core = _CLI_CORE | {"backstride.cli.roothelp"}
    assert not any(m.startswith("backstride.cli.") for m in modules if m not in core)


def test_status_on_a_current_store_imports_only_what_it_shows(tmp_path: Path) -> None:
    url = database_with_a_run(tmp_path)  # created and migrated here, in this process
    # The first view of an import derives the runs' form summaries from their streams (and
    # keeps them); measured here is a view of a store that has them.
    assert cli(url, "status", "--on", "2020-12-12").exit_code == 0
    modules, done = imported_by("--db", url, "status", "--on", "2020-12-12")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert loaded(modules, NOT_FOR_READING) == []
    assert "backstride.cli.status" in modules  # the command really ran


def test_a_store_to_migrate_still_gets_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    modules, done = imported_by("--db", url, "status")
    assert done.returncode == 0, done.stderr
    assert "alembic" in modules  # a new file is created by the migrations


def test_help_lists_each_command_as_loaded() -> None:
    """The root --help reads the docstrings without importing the modules; it must show what
    the loaded commands would."""
    runner = CliRunner()
    lazy = runner.invoke(app, ["--help"], terminal_width=100).output
    root = typer.main.get_command(app)
    listed = {name: command.short_help for name, command in root.commands.items()}  # all loaded
    assert len(listed) == len(COMMANDS)
    for name in COMMANDS:
        placeholder = COMMANDS[name].placeholder(name)
        assert placeholder.help == listed[name], name
    assert runner.invoke(app, ["--help"], terminal_width=100).output == lazy


def test_every_command_loads_with_its_subcommands() -> None:
    root = typer.main.get_command(app)
    for name, spec in COMMANDS.items():
        command = root.commands[name]
        assert command.name == name
        assert sorted(getattr(command, "commands", {})) == sorted(n for n, _ in spec.subcommands)


def test_the_service_exports_are_the_typed_ones() -> None:
    """service/__init__.py lists each export twice (imports for the type checker, and where
    to find it at run time): the two agree, and each resolves to its module's object."""
    tree = ast.parse(Path(backstride.service.__file__).read_text())
    typed: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                assert imp.module
                typed |= {(a.asname or a.name): (imp.module, a.name) for a in imp.names}
    exports = backstride.service._EXPORTS
    assert typed == exports
    assert set(backstride.service.__all__) == set(exports)
    for name, (module, attribute) in exports.items():
        assert getattr(backstride.service, name) is getattr(
            __import__(module, fromlist=[attribute]), attribute
        )


def test_the_newest_migration_file_is_alembic_s_head() -> None:
    """The fast schema check knows the newest revision from the file names alone."""
    assert newest_revision_on_disk() == head_revision()
    versions = Path(backstride.service.__file__).parents[1] / "store" / "migrations" / "versions"
    for path in versions.glob("[0-9]*_*.py"):
        assert f'revision = "{path.name.split("_", 1)[0]}"' in path.read_text(), path.name


def test_only_the_newest_revision_is_taken_for_current(tmp_path: Path) -> None:
    """The fast path answers "current" only for the newest revision; an older schema, or
    none, goes to Alembic, which upgrades a SQLite file on open (PostgreSQL: tests/store)."""
    import sqlalchemy as sa
    from alembic import command

    from backstride.store import open_store
    from backstride.store.db import _alembic_config, _is_current, create_engine, current_revision

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = create_engine(url)
    try:
        assert not _is_current(engine)  # no schema at all
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "0006")
        assert not _is_current(engine)  # an older one
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0007')"))
        assert not _is_current(engine)  # two rows (branches): Alembic's to judge
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM alembic_version WHERE version_num = '0007'"))
    finally:
        engine.dispose()
    with open_store(url) as store:  # migrated on open
        assert current_revision(store.engine) == head_revision()
        assert _is_current(store.engine)


@pytest.mark.postgres
def test_the_fast_check_on_postgresql(postgres_url: str) -> None:
    """PostgreSQL: no table yet (the failed query must not spoil what follows), then current
    after ``db upgrade``; an open finds it current without Alembic's check."""
    from backstride.errors import ConfigError
    from backstride.store import open_store
    from backstride.store.db import _is_current, create_engine

    engine = create_engine(postgres_url)
    try:
        assert not _is_current(engine)
        with engine.connect() as conn:  # the connection is usable after the failed query
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
    with pytest.raises(ConfigError, match="not up to date"):
        open_store(postgres_url)  # PostgreSQL is upgraded only on request
    open_store(postgres_url, upgrade_schema=True).close()
    engine = create_engine(postgres_url)
    try:
        assert _is_current(engine)
    finally:
        engine.dispose()
    open_store(postgres_url).close()
