"""The words a runner reads (issue 12): no "prevents", no diagnosis, every pain and red-flag
message names its source, and no rule claims a better evidence grade than evidence.md §9.

The strings are gathered from where they live: the catalogue (titles, why, every message),
the practice summaries, the exercise library, plans of every mode, the dashboard's and the
report's templates, the CLI's help, the README and docs/.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer.main

from backstride.cli.app import app as cli_app
from backstride.coach import exercises
from backstride.coach.plan import PlanInput, RunDone, generate_plan
from backstride.rules.catalogue import CATALOGUE, PRACTICES
from backstride.rules.redflags import ScreenAnswers, screen_findings

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "backstride"

#: evidence.md §9, the grade column (parenthesised qualifiers dropped): a rule may not
#: claim a better grade than this, and its grade is this one.
GRADES: dict[str, str] = {
    "L1": "B", "L2": "C", "L3": "C/D", "L4": "C/D", "L5": "B/C", "L6": "C", "L7": "C/D",
    "F1": "C", "F2": "D", "F3": "D", "F4": "A/C",
    "S1": "C/D", "S2": "B",
    "P1": "C", "P2": "C", "P3": "C", "P4": "C", "P5": "C", "P6": "C", "P7": "B/C", "P8": "C",
    "R1": "C", "R2": "A/C", "R3": "C", "RTR": "B/C",
    "C1": "A/C", "C2": "C/D", "C3": "C", "X1": "B/C", "D1": "C",
}  # fmt: skip


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a value: dataclasses, mappings, sequences."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)


def _plans() -> Iterator[Any]:
    monday = date(2026, 3, 2)
    steady = tuple(RunDone(monday + timedelta(days=d), 8000.0, 2880.0) for d in range(0, 42, 2))
    as_of = monday + timedelta(days=41)
    yield generate_plan(PlanInput(as_of=as_of, runs=steady, weeks=4))
    yield generate_plan(PlanInput(as_of=as_of + timedelta(days=30), runs=steady, weeks=2))
    flagged = screen_findings(ScreenAnswers(saddle_numbness=True), day=as_of)
    yield generate_plan(PlanInput(as_of=as_of, runs=steady, findings=tuple(flagged)))


def _cli_help() -> Iterator[str]:
    def walk(command: Any) -> Iterator[str]:
        yield command.help or ""
        for param in getattr(command, "params", []):
            yield getattr(param, "help", None) or ""
        for sub in (getattr(command, "commands", None) or {}).values():
            yield from walk(sub)

    yield from walk(typer.main.get_command(cli_app))


def _template_text(path: Path) -> str:
    text = re.sub(r"\{[{%#].*?[}%#]\}", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def user_facing() -> list[tuple[str, str]]:
    """(where, text) of every user-facing string gathered."""
    found: list[tuple[str, str]] = []
    for rule in CATALOGUE.values():
        found += [(f"{rule.id} title", rule.title), (f"{rule.id} why", rule.why)]
        found += [(f"{rule.id} {name}", o.template) for name, o in rule.outcomes.items()]
    found += [(f"practice {name}", summary) for name, _, summary in PRACTICES]
    found += [("exercise library", s) for s in _strings(vars(exercises))]
    for plan in _plans():
        found += [(f"plan {plan.mode}", s) for s in _strings(plan)]
    found += [("cli help", s) for s in _cli_help()]
    for folder in (SRC / "web" / "templates", SRC / "report" / "templates"):
        for path in sorted(folder.iterdir()):
            found.append((path.name, _template_text(path)))
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        found.append((path.name, path.read_text(encoding="utf-8")))
    return found


TEXTS = user_facing()
_NEGATION = re.compile(r"\b(not|never|no|did not|does not|nor|without)\b", re.I)


def test_enough_text_is_gathered() -> None:
    wheres = {w.split()[0] for w, _ in TEXTS}
    assert {"plan", "exercise", "cli", "L1", "R1", "README.md"} <= wheres
    assert len(TEXTS) > 500


@pytest.mark.parametrize("word", ["prevent"])
def test_nothing_claims_to_prevent_injury(word: str) -> None:
    """ "prevents" never appears; "prevent..." only denied ("did not prevent", "not injury
    prevention")."""
    bad = []
    for where, text in TEXTS:
        for match in re.finditer(rf"\b{word}\w*", text, re.I):
            before = text[max(0, match.start() - 40) : match.start()]
            if match.group().lower() == "prevents" or not _NEGATION.search(before):
                bad.append((where, text[max(0, match.start() - 60) : match.end() + 20]))
    assert not bad, bad


_DIAGNOSES = [
    re.compile(p, re.I)
    for p in (
        r"\byou (?:have|are suffering from|'ve got) (?:a |an )?(?:slipped |herniated |bulging )?"
        r"(?:disc|sciatica|cauda equina|cancer|fracture|infection|spondyl|ankylosing|"
        r"inflammatory back pain|osteoporosis)",
        r"\bthis is (?:a |an )?(?:sciatica|cauda equina|fracture|infection|cancer|disc)",
        r"\b(?:confirms?|rules? out)\b",
        r"\bdiagnos(?:e|es|is|ed)\b",
    )
]


def test_nothing_diagnoses() -> None:
    """No message names a condition the runner has; "diagnose" only as "does not diagnose"."""
    bad = []
    for where, text in TEXTS:
        for pattern in _DIAGNOSES:
            for match in pattern.finditer(text):
                before = text[max(0, match.start() - 30) : match.start()]
                if "diagnos" in match.group().lower() and _NEGATION.search(before):
                    continue
                bad.append((where, text[max(0, match.start() - 50) : match.end() + 30]))
    assert not bad, bad


def test_every_pain_and_red_flag_message_names_its_source() -> None:
    for rule in CATALOGUE.values():
        if not rule.id.startswith(("P", "R")):
            continue
        author = rule.citation.split()[0].rstrip(",;")
        for name, outcome in rule.outcomes.items():
            head = outcome.template.split(" (", 1)
            assert head[0].split("/")[0] in (rule.id, "R1-R3"), (
                rule.id,
                name,
                outcome.template[:40],
            )
            assert author in outcome.template, (rule.id, name, author)


def test_no_rule_claims_a_better_grade_than_the_evidence_table() -> None:
    assert set(CATALOGUE) <= set(GRADES), set(CATALOGUE) - set(GRADES)
    for rule_id, rule in CATALOGUE.items():
        assert rule.grade == GRADES[rule_id], (rule_id, rule.grade, GRADES[rule_id])


def test_no_shown_text_has_an_unfilled_placeholder() -> None:
    """A catalogue template shown as it is (a plan note read "a break of {break_weeks:g}
    weeks") is caught: plans, the exercise library and the CLI's help are filled text."""
    placeholder = re.compile(r"\{[a-z_0-9]+(?::[^}]*)?\}")
    shown = [
        (where, text)
        for where, text in TEXTS
        if where.startswith(("plan", "exercise", "cli help", "practice"))
    ]
    assert len(shown) > 100
    bad = [(where, m.group()) for where, text in shown for m in placeholder.finditer(text)]
    assert not bad, bad
