"""One statement of each threshold (issue 13): the catalogue's.

A number the catalogue judges by (``Rule.thresholds``) may not be restated as a literal in
the words a runner reads: a rule's messages, ``why`` and title (checked against that rule's
own thresholds), the dashboard's and the report's templates, the dashboard's scripts, and the
string literals of the CLI (with its help) and of the coach, service, web and report modules
(their docstrings aside; checked against every rule's). Those name the
threshold instead (``{replace_km:.0f}`` in a message, ``thresholds.S1.replace_km`` in a
template, the page's embedded JSON in a script, ``CATALOGUE[...]`` in Python).

What counts as restating a threshold ``v`` (:func:`patterns`):

- anywhere: ``v`` as a percentage when it is a fraction (below 1, or named ``*_above`` or
  ``*_at_most``: 0.30 -> "30%", "30 %", "+30%", the ends of a range "10-30%") or when its
  name ends in ``_pct`` (52.2 -> "52.2%");
- in a rule's own text: ``v`` as a number on its own (0.30 -> "0.3"/"0.30", 7 -> "7" in
  "the last 7 days"; "P7" or "NG59" are names, not numbers);
- on the other surfaces, where small counts are everywhere (0-10 scales, "2 weeks"), only
  numbers that cannot be a count: 100 or more or not whole (480, 800, 1.1, 52.2), or a whole
  number in the threshold's own unit: "N km" for ``*_km``, "N min" or "N+" for minutes,
  "N days" for ``*_days`` windows of 7 days or more, "N weeks" for ``*weeks``, "aim N" and
  "N-M" for session counts, and "N/10" (a pain score) for whole numbers up to 10.

Not thresholds, however they look: years in citations, study results (HR 1.59, RR 0.96, 95%
CI), scales (0-10, 0-100 %, /24, /9), the items of NICE's list (onset before 35), the stages
of the run-walk table, and numbers that are a different quantity that happens to be equal
(sets and repetitions, the report's default period); those are the allow-list below, each
with its reason. A threshold that is a count of a fixed list (R3's ``features``, 9) is still
named from the catalogue in messages, which costs nothing.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.rule import Rule

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "backstride"

#: (where, literal, reason): a number that coincides with a threshold but is not that threshold.
#: ``where`` is a rule's text ("L2 why") or a file path relative to src/backstride.
ALLOWED: tuple[tuple[str, str, str], ...] = (
    ("L2 why", "the 10% rule", "the name of the rule Buist 2008 tested, not L2's 10%"),
    ("P3 why", "1-2 points", "day-to-day variation of pain ratings, a measured fact"),
    ("P8 why", "4-6 weeks", "NICE's range; backstride's own choice is stated as {weeks}"),
    ("RTR why", "stage 1", "the name of the first stage of the run-walk table"),
    ("R3 why", "onset before 35", "one of NICE's listed features, not a threshold of R3"),
    ("C1 low", "McGill Big 3", "the name of McGill's three exercises"),
    ("cli/plan.py", "2-6", "the range of the run-days option, not C1's sessions"),
    ("cli/report.py", "12 weeks ago", "the report's default period, not L6's strain weeks"),
    ("web/api.py", "12 weeks ago", "the report's default period, not L6's strain weeks"),
    ("web/api.py", "4 weeks ahead", "the plan's default length, not L6's minimum weeks"),
    ("report/charts.py", 'stroke-width="1.5"', "an SVG line width, not L3's ratio"),
    ("coach/build.py", "the 10% rule", "the name of the rule Buist 2008 tested"),
    ("coach/exercises_run.py", "2-3 sets", "sets of an exercise, not C1's sessions"),
    ("coach/exercises_run.py", "2-3 repetitions", "repetitions in reserve, not C1's sessions"),
    ("web/templates/admin_accounts.html", "3-64", "an account name's length, not C1's sessions"),
    ("cli/admin.py", "3-64", "an account name's length, not C1's sessions"),
    ("service/accounts.py", "3-64", "an account name's length, not C1's sessions"),
    ("web/templates/sharing.html", "7 days", "how long an invite code works, not a rule's days"),
    ("service/sharing.py", "7 days", "how long an invite code works, not a rule's days"),
)


def _number(text: str) -> str:
    """A number written as itself, not inside another number or a name ("P7", "NG59")."""
    return rf"(?<![\w.]){re.escape(text)}(?![\w]|\.\d)"


def _spellings(value: float) -> set[str]:
    """How a number is written: 0.3, 0.30; 2, 2.0; 1.1, 1.10."""
    out = {f"{value:g}", f"{value:.1f}", f"{value:.2f}"}
    return {s for s in out if float(s) == value}


def _percent(value: float) -> list[str]:
    number = _spellings(round(value, 9))
    body = "|".join(re.escape(s) for s in sorted(number))
    return [rf"(?<![\w.])(?:{body})(?:-\d+(?:\.\d+)?)? ?%", rf"\d-(?:{body}) ?%"]


def patterns(name: str, value: float, *, own: bool) -> list[str]:
    """Regular expressions that find ``value`` restated in text (see the module docstring)."""
    found: list[str] = []
    fraction = 0 < value < 1 or name.endswith(("_above", "_at_most"))
    if isinstance(value, float) and fraction and not name.endswith("_pct"):
        found += _percent(value * 100)
    if name.endswith("_pct"):
        found += _percent(value)
    whole = float(value).is_integer()
    for s in _spellings(value):
        n = _number(s)
        if whole and value <= 10:
            found.append(n + r" ?/ ?10\b")  # a pain score: "above 5/10"
        if own or value >= 100 or not whole:
            found.append(n)
        elif name.endswith("_km"):
            found.append(n + r" ?km")
        elif name.endswith(("_minutes", "session_min")):
            found += [n + r" ?min", n + r"\+"]
        elif name.endswith("_days") and value >= 7:
            found += [n + r"[ -]days?\b"]
        elif name.endswith("weeks"):
            found += [n + r"[ -]weeks?\b"]
        elif "sessions" in name:
            found += [rf"aim:? (?:for )?{s}\b", n + r" ?- ?\d", r"\d ?- ?" + n, n + " a week"]
    return found


def _placeholders_removed(template: str) -> str:
    """The literal text of a ``str.format`` template."""
    return "".join(lit for lit, _, _, _ in string.Formatter().parse(template))


def rule_texts(rule: Rule) -> Iterator[tuple[str, str]]:
    yield f"{rule.id} title", rule.title
    yield f"{rule.id} why", _placeholders_removed(rule.why_template)
    for name, outcome in rule.outcomes.items():
        yield f"{rule.id} {name}", _placeholders_removed(outcome.template)


_QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')


def _jinja_text(path: Path) -> str:
    """A template's text, each ``{{ }}``/``{% %}`` replaced by the string literals in it."""

    def literals(m: re.Match[str]) -> str:
        return " ".join(q.group()[1:-1] for q in _QUOTED.finditer(m.group()))

    return re.sub(r"\{[{%#].*?[}%#]\}", literals, path.read_text(encoding="utf-8"), flags=re.S)


_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`', re.S)


def _js_strings(path: Path) -> str:
    text = re.sub(r"//[^\n]*|/\*.*?\*/", " ", path.read_text(encoding="utf-8"), flags=re.S)
    found = [re.sub(r"\$\{[^}]*\}", " ", m.group()) for m in _JS_STRING.finditer(text)]
    return "\n".join(found)


def _python_strings(path: Path, *, docstrings: bool) -> str:
    """The string constants of a module (f-strings' literal parts), docstrings if asked."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    if not docstrings:  # a string on its own is documentation (module, function, attribute)
        for node in ast.walk(tree):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                skip.add(id(node.value))
    return "\n".join(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    )


def surfaces() -> Iterator[tuple[str, str]]:
    """(where, text) of every surface outside the catalogue that shows advice."""
    for folder in ("web/templates", "report/templates"):
        for path in sorted((SRC / folder).glob("*.htm*")):
            yield str(path.relative_to(SRC)), _jinja_text(path)
    for path in sorted((SRC / "web" / "static").glob("*.js")):
        yield str(path.relative_to(SRC)), _js_strings(path)
    for path in sorted((SRC / "cli").glob("*.py")):
        yield str(path.relative_to(SRC)), _python_strings(path, docstrings=True)
    for folder in ("coach", "service", "web", "report"):
        for path in sorted((SRC / folder).glob("*.py")):
            yield str(path.relative_to(SRC)), _python_strings(path, docstrings=False)


def restated(where: str, text: str, rules: list[Rule], *, own: bool) -> list[str]:
    """One line per literal in ``text`` that restates a threshold of ``rules``."""
    for w, literal, _ in ALLOWED:
        if w == where:
            text = text.replace(literal, " ")
    hits: dict[tuple[int, str], list[str]] = {}
    for rule in rules:
        for name, value in rule.thresholds.items():
            for pattern in patterns(name, value, own=own):
                for m in re.finditer(pattern, text):
                    hits.setdefault((m.start(), m.group()), []).append(f"{rule.id}.{name}")
    return [
        f"{where}: {literal!r} in {text[max(0, at - 40) : at + 40]!r} restates {', '.join(names)}"
        for (at, literal), names in sorted(hits.items())
    ]


@pytest.mark.parametrize("rule_id", sorted(CATALOGUE))
def test_no_rule_restates_its_own_thresholds(rule_id: str) -> None:
    rule = CATALOGUE[rule_id]
    bad = [b for where, text in rule_texts(rule) for b in restated(where, text, [rule], own=True)]
    assert not bad, "\n".join(bad)


def test_no_surface_restates_a_catalogue_threshold() -> None:
    rules = list(CATALOGUE.values())
    bad = [b for where, text in surfaces() for b in restated(where, text, rules, own=False)]
    assert not bad, "\n".join(bad)
