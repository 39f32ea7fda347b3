"""`db upgrade` and the automatic upgrade at open fill the form summaries of an old store
(migration 0009) and show their progress on a terminal, nowhere else."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from typer.testing import CliRunner

from backstride.cli.app import app
from backstride.cli.upgrade_bar import UpgradeBar
from tests.service.test_import_derives import _old_store_with_runs


def _count(url: str, query: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(query)).scalar_one())
    finally:
        engine.dispose()


def test_the_bar_is_drawn_on_a_terminal_only() -> None:
    for terminal in (True, False):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=100)
        with UpgradeBar(console) as bar:
            bar.add_total(3)
            for _ in range(3):
                bar.advance("form summaries of stored runs")
        assert ("upgrading the database" in out.getvalue()) is terminal


def test_db_upgrade_fills_the_form_summaries_of_an_old_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _old_store_with_runs(url)
    assert _count(url, "select count(*) from form_summaries") == 0
    result = CliRunner().invoke(app, ["--db", url, "db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    runs = _count(
        url,
        "select count(*) from activities a join streams s on s.activity_id = a.id "
        "where a.sport = 'running'",
    )
    assert runs >= 15
    assert _count(url, "select count(*) from form_summaries") == runs
