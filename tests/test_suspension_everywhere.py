"""Red flags win everywhere at once (issue 12): every emergency or urgent screen vignette is
walked through every CLI command's ``--json``, every ``/api`` route and every page, and no
training ask appears anywhere while the red flag's words do.

The commands and routes are found from the app itself (Click's command tree, FastAPI's
routes), so one added later is walked too, or fails here until it is given its arguments
or a reason not to be walked. What a "training ask" is comes from the catalogue: the
fixed words of every message of a rule that a suspension withholds, and the plan's own.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from backstride import service
from backstride.cli.app import app as cli_app
from backstride.rules.catalogue import CATALOGUE
from backstride.rules.safety import SHOWN_WHILE_SUSPENDED
from backstride.service.clock import local_today
from backstride.service.screening import clear
from backstride.store import open_store
from tests.conftest import DATA
from tests.rules.screen_vignettes import BLOCKING, Vignette
from tests.web.conftest import DemoStore, client_for

RUN_FILE = DATA / "fit" / "workoutizer__run_with_coordinates.fit"

#: Words of the plan and the load rules that ask for training (besides the catalogue's).
PLAN_ASKS = (
    "Easy run ",
    "Long easy run",
    "Run-walk stage",
    "relaxed strides",
    "grows at most",
    "Core session (level",
    " min easy",
)


#: Withheld rules whose words are context, never an ask: the charts label with them.
CONTEXT_RULES = frozenset({"L3", "L4", "F2", "F4"})


def training_asks() -> list[str]:
    """Fixed words (25 characters or more between placeholders) of every message of every
    rule a suspension withholds (context rules aside), and the plan's session words."""
    fragments: set[str] = set(PLAN_ASKS)
    for rule in CATALOGUE.values():
        if rule.id in SHOWN_WHILE_SUSPENDED or rule.id in CONTEXT_RULES:
            continue
        for outcome in rule.outcomes.values():
            for piece in re.split(r"\{[^}]*\}", outcome.template):
                piece = piece.strip(" .,:;()")
                if len(piece) >= 25:
                    fragments.add(piece)
    return sorted(fragments)


ASKS = training_asks()


def asks_in(text: str) -> list[str]:
    """The training asks in a text, each with the words around it."""
    flat = " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())
    found = []
    for ask in ASKS:
        at = flat.find(" ".join(ask.split()))
        if at >= 0:
            found.append(flat[max(0, at - 80) : at + len(ask) + 40])
    return found


def findings_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every finding-shaped object (``rule`` and ``severity``) anywhere in a JSON value."""
    if isinstance(value, dict):
        if "rule" in value and "severity" in value:
            yield value
        for item in value.values():
            yield from findings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from findings_in(item)


def check_json(where: str, value: Any, flag_words: str) -> None:
    """No training finding, no lit training light, no planned session; the red flag shown."""
    for finding in findings_in(value):
        assert finding["rule"] in SHOWN_WHILE_SUSPENDED, (where, finding)
    if isinstance(value, dict):
        practices = value.get("practices")
        if isinstance(practices, dict):
            for name, light in practices.items():
                if name != "clinician":
                    assert light["status"] == "suspended", (where, name, light)
        if "weeks" in value and "mode" in value:  # a plan
            assert value["mode"] == "blocked", where
            assert value["weeks"] == [], where
        if isinstance(value.get("adjustment"), dict):
            assert value["adjustment"]["action"] == "stop_and_see_clinician", where
        assert value.get("red_flags"), (where, "no red flag in the answer")
    text = json.dumps(value, ensure_ascii=False)
    assert not asks_in(text), (where, asks_in(text))
    if isinstance(value, dict):
        assert flag_words in text, (where, "the red flag's words are missing")


# -- the store: real files, a diary, shoes, a plan saved before the screen -----------------


@dataclass(frozen=True)
class Walk:
    url: str
    day: date
    run_id: int
    folder: Path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    from tests.web.conftest import _fill

    filled = _fill(tmp_path_factory.mktemp("suspension") / "demo")
    with open_store(filled.url) as store:
        # sessions saved yesterday must not show as upcoming after today's screen
        yesterday = local_today() - timedelta(days=1)
        service.get_plan(store, weeks=2, as_of=yesterday)
        marks = service.session_marks(store, as_of=yesterday).sessions
        assert any(m.mark == "upcoming" for m in marks)
    return filled


def _screened(base: DemoStore, tmp_path: Path, vignette: Vignette) -> Walk:
    target = tmp_path / "walk.db"
    shutil.copy(base.path, target)
    url = f"sqlite:///{target}"
    with open_store(url) as store:
        # The vignette moved to today, its clinician's visit (if any) as many days before.
        day = local_today()
        if vignette.cleared_on is not None:
            clear(store, day=day - (vignette.screen_day - vignette.cleared_on))
        service.take_screen(store, vignette.answers, day=day)
        run_id = next(a.id for a in service.list_activities(store) if a.activity.sport == "running")
    return Walk(url, day, run_id, tmp_path)


# -- the CLI ------------------------------------------------------------------------------

#: Arguments (after the command's words) for each command walked; ``{...}`` are filled in.
CLI_ARGS: dict[tuple[str, ...], list[list[str]]] = {
    ("status",): [["--json"], ["--json", "--on", "{before}"]],
    ("load",): [["--json"], ["--json", "--on", "{before}"]],
    ("form",): [["--json"]],
    ("plan",): [
        ["--json"],
        ["--json", "--on", "{before}"],
        ["--json", "--review"],
        ["--json", "--weeks", "4", "--ics", "{folder}/plan.ics"],
        ["--json", "--fit-workouts", "{folder}/workouts"],
    ],
    ("pain",): [["--json"]],
    ("pain", "log"): [["3", "--json"]],
    ("pain", "associations"): [["--json"]],
    ("pain", "score"): [["odi", "30", "--json"]],
    ("shoes",): [["--json"]],
    ("shoes", "list"): [["--json"]],
    ("shoes", "add"): [["Walker", "--json"]],
    ("activities",): [["--json"]],
    ("show",): [["{run}", "--json"]],
    ("import",): [[str(RUN_FILE), "--json"]],
    ("done",): [["core", "--json"]],
    ("report",): [["--json"]],
    ("learn",): [["--json"], ["ACWR", "--json"], ["terms", "--json"]],
    ("strava", "disconnect"): [["--json"]],
    ("intervals", "disconnect"): [["--json"]],
}
#: Commands not walked, and why (a new command must be walked or named here).
CLI_NOT_WALKED: dict[tuple[str, ...], str] = {
    ("screen",): "takes a screen: its answer is the red flag itself",
    ("screen", "clear"): "records the clinician's clearance, which lifts the suspension",
    ("demo",): "builds its own demo database, not the one walked",
    ("serve",): "starts a web server (the routes are walked below)",
    ("server",): "starts the clinic server (its routes are the same, walked below)",
    ("watch",): "runs until stopped and only imports: one line per file, no advice (its "
    "JSON lines carry the red flags; tests/cli/test_watch_cli.py)",
    ("worker",): "runs background jobs until stopped (PostgreSQL only) and prints log lines, "
    "no advice (tests/jobs)",
    ("db", "upgrade"): "migrates the database and prints no results",
    ("db", "check"): "checks the database file without opening the runner's data",
    ("shoes", "retire"): "changes a pair and prints one line about it",
    ("shoes", "default"): "changes a pair and prints one line about it",
    ("shoes", "assign"): "changes a run's shoe and prints one line about it",
    ("sync",): "talks to Strava or intervals.icu (tests/sync runs it against fake servers)",
    ("strava", "connect"): "opens a browser and waits for Strava's authorization page",
    ("intervals", "connect"): "checks the API key with intervals.icu over the network",
    ("admin", "create-user"): "clinic accounts (PostgreSQL only): no health data, no advice",
    ("admin", "reset-link"): "prints an account's one-time link: no health data, no advice",
    ("admin", "list"): "lists clinic accounts: names and roles, no health data",
    ("admin", "disable"): "disables an account and prints one line about it",
    ("admin", "enable"): "enables an account and prints one line about it",
}


def cli_commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(cli_app)
    found: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            if path and command.invoke_without_command:
                found.append(path)
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
        else:
            found.append(path)

    walk(root, ())
    return found


def test_every_command_is_walked_or_named() -> None:
    commands = set(cli_commands())
    assert commands <= set(CLI_ARGS) | set(CLI_NOT_WALKED), (
        commands - set(CLI_ARGS) - set(CLI_NOT_WALKED)
    )


def _fill(args: list[str], walk: Walk) -> list[str]:
    values = {
        "before": (walk.day - timedelta(days=1)).isoformat(),
        "run": str(walk.run_id),
        "folder": str(walk.folder),
    }
    return [a.format(**values) for a in args]


def walk_cli(walk: Walk, flag_words: str) -> int:
    runner = CliRunner()
    walked = 0
    for path in cli_commands():
        for args in CLI_ARGS.get(path, []):
            argv = ["--db", walk.url, *path, *_fill(args, walk)]
            result = runner.invoke(cli_app, argv)
            where = " ".join(argv[2:])
            assert result.exit_code == 0, (where, result.output)
            value = json.loads(result.stdout)
            check_json(where, value, flag_words)
            walked += 1
    ics = walk.folder / "plan.ics"
    assert ics.exists()
    assert not asks_in(ics.read_text(encoding="utf-8"))
    assert "VEVENT" not in ics.read_text(encoding="utf-8") or "clinician" in ics.read_text(
        encoding="utf-8"
    )
    workouts = walk.folder / "workouts"
    assert not workouts.exists() or not any(workouts.iterdir()), "a workout file was written"
    return walked


# -- the web: every API route and every page ----------------------------------------------

#: Values for path parameters, and routes not walked with the reason.
WEB_NOT_WALKED: dict[tuple[str, str], str] = {
    ("POST", "/api/screen"): "takes a screen: its answer is the red flag itself",
    ("POST", "/pain/screen"): "takes a screen: its answer is the red flag itself",
    ("POST", "/api/screen/clearance"): "records the clearance, which lifts the suspension",
    ("POST", "/pain/clearance"): "records the clearance, which lifts the suspension",
    ("POST", "/api/import"): "an upload: its progress stream is walked by the import tests",
    ("POST", "/import"): "an upload: the summary page is walked by the import tests",
    ("POST", "/api/pain"): "adds a diary entry (the pain views are walked)",
    ("POST", "/pain/log"): "adds a diary entry and redirects to the Pain page (walked)",
    ("POST", "/api/done"): "logs a routine and answers with it (the status is walked)",
    ("POST", "/api/sync/intervals/connect"): "checks a key with intervals.icu (tests/web)",
    ("POST", "/api/sync/{service}"): "starts a sync over the network (GET /api/sync walked)",
    ("POST", "/api/sync/{service}/disconnect"): "forgets credentials (GET /api/sync walked)",
    ("POST", "/sync/strava/connect"): "redirects to Strava's authorization page",
    ("POST", "/sync/intervals/connect"): "checks a key with intervals.icu (tests/web)",
    ("POST", "/sync/{service}/run"): "starts a sync and redirects to the Sync page (walked)",
    ("POST", "/sync/{service}/disconnect"): "forgets credentials, redirects to /sync (walked)",
}


#: Query strings a GET route needs (besides ?on=).
WEB_QUERIES: dict[str, str] = {"/api/exercises": "?routine=core_1&routine=warmup"}


def web_routes() -> list[tuple[str, str]]:
    from fastapi.routing import APIRoute

    from backstride.config import Settings
    from backstride.web import create_app

    app = create_app(Settings(database_url="sqlite://", jobs="1"))
    routes = []

    def walk(items: list[Any], prefix: str) -> None:
        for route in items:
            if isinstance(route, APIRoute):
                routes.extend((m, prefix + route.path) for m in sorted(route.methods))
            elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.116)
                walk(route.original_router.routes, prefix)
            elif hasattr(route, "routes") and not getattr(route, "path", "").startswith("/static"):
                walk(route.routes, prefix + getattr(route, "path", ""))

    walk(app.routes, "")
    assert len(routes) > 25, "the app's routes were not found"
    return routes


def test_every_write_route_is_named() -> None:
    writes = {r for r in web_routes() if r[0] != "GET"}
    assert writes <= set(WEB_NOT_WALKED), writes - set(WEB_NOT_WALKED)


def walk_web(walk: Walk, flag_words: str) -> int:
    walked = 0
    before = (walk.day - timedelta(days=1)).isoformat()
    with client_for(walk.url) as client:
        # The stored sessions first (the calendar must not show them as upcoming), before
        # any route that plans.
        gets = sorted((p for m, p in web_routes() if m == "GET"), key=lambda p: "plan/" not in p)
        for path in gets:
            url = path.replace("{activity_id}", str(walk.run_id))
            needed = WEB_QUERIES.get(path, "")
            for query in (needed, (needed + "&" if needed else "?") + f"on={before}"):
                response = client.get(url + query)
                if query != needed and response.status_code == 422:
                    continue  # a route without ?on=
                assert response.status_code == 200, (url + query, response.text[:200])
                where = f"GET {url}{query}"
                kind = response.headers["content-type"]
                if kind.startswith("application/json"):
                    check_json(where, response.json(), flag_words)
                elif kind.startswith("text/html"):
                    html = response.text
                    assert not asks_in(html), (where, asks_in(html))
                    assert flag_words in unescape(html), (where, "no red flag on the page")
                    assert 'class="light light-green"' not in html, where
                else:
                    assert not asks_in(response.text), where
                walked += 1
    return walked


@pytest.mark.parametrize("vignette", BLOCKING, ids=[v.name for v in BLOCKING])
def test_a_red_flag_wins_on_every_surface(
    base: DemoStore, tmp_path: Path, vignette: Vignette
) -> None:
    walk = _screened(base, tmp_path, vignette)
    with open_store(walk.url) as store:
        flags = service.active_red_flags(store)
    assert flags, vignette.name
    # The red flag's own words (what to do), without the part that names the answers.
    flag_words = flags[0].message.split(". ")[-2][-40:]
    # The web first: its plan views are previews, while `plan` (CLI) saves, and so deletes
    # the sessions saved before the screen that the calendar must not show as upcoming.
    assert walk_web(walk, flag_words) >= 30
    assert walk_cli(walk, flag_words) >= 20


def test_the_walk_would_catch_a_training_ask(base: DemoStore, tmp_path: Path) -> None:
    """Without a red flag the same surfaces do ask for training: the checks can fail."""
    target = tmp_path / "clear.db"
    shutil.copy(base.path, target)
    result = CliRunner().invoke(cli_app, ["--db", f"sqlite:///{target}", "plan", "--json"])
    plan = json.loads(result.stdout)
    assert plan["mode"] != "blocked"
    assert asks_in(result.stdout)
    with pytest.raises(AssertionError):
        check_json("plan", plan, "emergency department")
