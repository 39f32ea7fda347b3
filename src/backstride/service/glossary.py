"""Plain words first, jargon second (issue 18): one line for every term a runner meets.

Each :class:`Term` has a name, the spellings pages and the CLI use for it (``forms``), and
one plain sentence. Numbers in a sentence are the catalogue's thresholds, named, never
restated (``{L3.acute_days}``), so a change in ``rules/`` changes the glossary too.

``backstride learn TERM`` and the dashboard's Glossary page print :func:`terms`; the pages'
tooltips come from :func:`find_terms` over their text. Nothing here judges anything.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache

from backstride.errors import InputError
from backstride.rules.catalogue import CATALOGUE
from backstride.service.thresholds import catalogue_thresholds


@dataclass(frozen=True)
class Term:
    """One glossary entry: ``key`` (its anchor and ``learn`` name), the name shown, the
    spellings found in pages (``forms``; upper-case ones match only in upper case), the
    plain sentence and the catalogue rule it belongs to, if any."""

    key: str
    name: str
    plain: str
    forms: tuple[str, ...] = ()
    rule: str | None = None

    def to_json(self) -> dict[str, object]:
        """One item of ``learn TERM --json`` and of ``/api``-free pages."""
        return {
            "term": self.key,
            "name": self.name,
            "plain": self.plain,
            "also_written": list(self.forms),
            "rule": self.rule,
        }


# (key, name, plain sentence with {RULE.threshold} fields, forms, rule)
_TERMS: tuple[tuple[str, str, str, tuple[str, ...], str | None], ...] = (
    (
        "load",
        "Session load (AU)",
        "How hard a session was: its minutes times how hard it felt (RPE, 0-10), in "
        "arbitrary units (AU); without a rating, an RPE of {L5.assumed_rpe:g} is assumed.",
        ("session load", "AU", "a.u.", "sRPE", "load a.u."),
        "L5",
    ),
    (
        "rpe",
        "RPE (rate of perceived exertion)",
        "Your own rating of how hard a session felt, from 0 (rest) to 10 (maximal).",
        ("RPE", "perceived exertion"),
        "L5",
    ),
    (
        "ewma",
        "EWMA (exponentially weighted moving average)",
        "An average over recent days in which each older day counts a little less, so "
        "the number follows your training smoothly instead of jumping.",
        ("EWMA", "moving average"),
        "L3",
    ),
    (
        "acwr",
        "ACWR (acute:chronic workload ratio)",
        "Your load of the last {L3.acute_days} days divided by your usual load of the "
        "last {L3.chronic_days} days: above 1 you are doing more than usual. Context "
        "only, not an injury alarm.",
        ("ACWR", "acute:chronic ratio", "acute:chronic workload ratio", "acute:chronic"),
        "L3",
    ),
    (
        "ctl",
        "CTL (chronic training load), fitness",
        "Your average daily load over about {L4.fitness_days} days: how much training "
        "your body is used to.",
        ("CTL", "fitness"),
        "L4",
    ),
    (
        "atl",
        "ATL (acute training load), fatigue",
        "Your average daily load over about {L4.fatigue_days} days: how much you have done lately.",
        ("ATL", "fatigue"),
        "L4",
    ),
    (
        "tsb",
        "TSB (training stress balance), form",
        "Fitness minus fatigue: positive when you are fresher than usual, negative "
        "after a hard stretch. A performance view, not an injury risk.",
        ("TSB", "training stress balance"),
        "L4",
    ),
    (
        "pmc",
        "PMC (performance management chart)",
        "The fitness, fatigue and form lines together, as Coggan drew them for "
        "TrainingPeaks; backstride shows them as context.",
        ("PMC", "Coggan PMC", "performance management chart"),
        "L4",
    ),
    (
        "tau",
        "1/tau weights",
        "How fast an average forgets: with a time constant of tau days, each day adds "
        "1/tau of the difference between that day's load and the average.",
        ("1/tau", "tau"),
        "L4",
    ),
    (
        "monotony",
        "Monotony",
        "How alike your days are: the week's average daily load divided by how much it "
        "varies. High when every day is the same, with no easy days.",
        ("monotony", "monotonous"),
        "L6",
    ),
    (
        "strain",
        "Strain",
        "A week's load times its monotony: much training with little variation.",
        ("strain",),
        "L6",
    ),
    (
        "spike",
        "Distance spike",
        "A run longer than your longest run of the previous {L1.window_days} days; how "
        "much longer decides its level.",
        ("spike", "spikes"),
        "L1",
    ),
    (
        "cadence",
        "Cadence (steps per minute)",
        "How many steps you take per minute, both feet counted.",
        ("cadence", "steps/min", "spm"),
        "F1",
    ),
    (
        "gct",
        "GCT (ground contact time)",
        "How long each foot stays on the ground per step, in milliseconds.",
        ("GCT", "ground contact time", "ground contact"),
        "F2",
    ),
    (
        "balance",
        "Ground contact balance",
        "How the ground contact time splits between your left and right foot; half and "
        "half is even.",
        ("ground contact balance", "balance % left", "GCT balance"),
        "F3",
    ),
    (
        "vertical-oscillation",
        "Vertical oscillation (VO)",
        "How far your body bounces up and down with each step, in centimetres.",
        ("vertical oscillation", "VO"),
        "F2",
    ),
    (
        "vertical-ratio",
        "Vertical ratio",
        "Vertical oscillation divided by step length, in %: the bounce for each metre gained.",
        ("vertical ratio",),
        "F2",
    ),
    (
        "step-length",
        "Step length",
        "The distance covered by one step, in metres.",
        ("step length", "step m"),
        "F2",
    ),
    (
        "percentile",
        "Percentile",
        "Where you stand among other runners: at the 25th percentile, a quarter of them "
        "have a lower value. A comparison, not a target or a risk.",
        ("percentile", "percentiles"),
        "F2",
    ),
    (
        "heart-rate",
        "Heart rate (HR)",
        "How often your heart beats, in beats per minute (bpm).",
        ("HR bpm", "bpm"),
        None,
    ),
    (
        "hazard-ratio",
        "Hazard ratio and 95% CI",
        "How much more often an injury happened in one group than in another (1 is no "
        "difference), with the range the true value probably lies in (CI).",
        ("hazard ratio", "95% CI"),
        None,
    ),
    (
        "gp",
        "GP (general practitioner)",
        "Your family doctor, the first clinician to see about back pain.",
        ("GP",),
        None,
    ),
    (
        "nrs",
        "NRS (numeric rating scale)",
        "Pain as a number from 0 (none) to 10 (worst imaginable).",
        ("NRS",),
        "P1",
    ),
    (
        "rank-correlation",
        "Rank correlation",
        "How often more of one thing (distance, say) went with more next-morning pain, "
        "from -1 to 1; it shows an association, never a cause.",
        ("rank correlation", "rho"),
        None,
    ),
    (
        "range",
        "95% range",
        "The values the true number probably lies between, given how few pairs there are.",
        ("95% range",),
        None,
    ),
    (
        "odi",
        "ODI (Oswestry Disability Index)",
        "A questionnaire score from 0 to 100 of how much back pain limits daily life; "
        "your clinician scores it.",
        ("ODI", "Oswestry"),
        "P5",
    ),
    (
        "rmdq",
        "RMDQ (Roland-Morris Disability Questionnaire)",
        "A questionnaire score from 0 to 24 of how much back pain limits daily life.",
        ("RMDQ", "Roland-Morris"),
        "P6",
    ),
    (
        "start-back",
        "STarT Back",
        "A short questionnaire that sorts back pain into low, medium or high risk of it "
        "lasting, to choose the care that fits.",
        ("STarT Back",),
        "P7",
    ),
    (
        "red-flag",
        "Red flag",
        "A symptom that needs a clinician before any training advice: backstride then "
        "suspends its training advice.",
        ("red flag", "red-flag"),
        "R1",
    ),
    (
        "run-walk",
        "Run-walk",
        "Short runs with walking breaks between them, to return to running step by step.",
        ("run-walk", "RTR"),
        "RTR",
    ),
    (
        "cross-training",
        "Cross-training",
        "Other sports (cycling, swimming ...) that train your heart and lungs with less "
        "impact than running.",
        ("cross-training",),
        "X1",
    ),
    (
        "core",
        "Core routine",
        "Exercises for the muscles around the trunk, such as the McGill Big 3 and the plank.",
        ("core", "McGill Big 3"),
        "C1",
    ),
    (
        "grade",
        "Evidence grade",
        "How strong the evidence behind a rule is, from A (trials) to D (expert opinion "
        "or a manufacturer's word).",
        ("grade",),
        None,
    ),
    (
        "trimp",
        "TRIMP (training impulse)",
        "A session's load from its duration and heart rate.",
        ("TRIMP",),
        None,
    ),
    (
        "gpx-fit-tcx",
        "FIT, GPX, TCX",
        "The file formats watches and apps export activities in.",
        ("FIT", "GPX", "TCX"),
        None,
    ),
)


class _Fields(string.Formatter):
    """``{L3.acute_days}`` fields read from the catalogue's thresholds (read once per
    :func:`terms`: every field of every term from the same reading)."""

    def __init__(self, thresholds: dict[str, dict[str, float]]) -> None:
        super().__init__()
        self._thresholds = thresholds

    def get_field(self, field_name: str, args: object, kwargs: object) -> tuple[object, str]:
        rule, _, name = field_name.partition(".")
        return self._thresholds[rule][name], field_name


def terms() -> list[Term]:
    """Every term, with the catalogue's current numbers filled in."""
    fields = _Fields(catalogue_thresholds())
    return [
        Term(key, name, fields.format(plain), forms, rule)
        for key, name, plain, forms, rule in _TERMS
    ]


def lookup(word: str) -> Term:
    """The term named ``word`` (its key, name or any spelling, in any case), or a one-line
    error listing the terms."""
    wanted = " ".join(word.lower().split())
    for term in terms():
        names = {term.key, term.name.lower(), *(f.lower() for f in term.forms)}
        if wanted in names or wanted == term.name.lower().split(" (")[0]:
            return term
    raise InputError(
        f"unknown topic {word[:40]!r}",
        hint="a topic (practices, discs) or a term; backstride learn terms lists every term",
        field="topic",
    )


@cache
def _pattern() -> re.Pattern[str]:
    """One regular expression for every spelling, longest first; a spelling in upper case
    matches only in upper case (AU is a unit, "au" is not)."""
    parts: list[tuple[int, str]] = []
    for key, _, _, forms, _ in _TERMS:
        for form in forms:
            body = re.escape(form)
            if not (form.isupper() or any(c.isupper() for c in form[1:])):
                body = f"(?i:{body})"
            parts.append((len(form), f"(?P<{_group(key)}_{len(parts)}>{body})"))
    parts.sort(key=lambda p: -p[0])
    return re.compile(r"(?<![\w.-])(?:" + "|".join(p for _, p in parts) + r")(?![\w-])")


def _group(key: str) -> str:
    return "t_" + key.replace("-", "_")


def find_terms(text: str) -> list[tuple[int, int, str]]:
    """Where glossary spellings occur in ``text``: (start, end, term key), in order.

    >>> [(text[a:b], k) for text in ["ACWR: EWMA 7/28 d, load a.u./day"]
    ...  for a, b, k in find_terms(text)]
    [('ACWR', 'acwr'), ('EWMA', 'ewma'), ('load a.u.', 'load')]
    """
    keys = {_group(t[0]): t[0] for t in _TERMS}
    found = []
    for match in _pattern().finditer(text):
        group = next(name for name, value in match.groupdict().items() if value is not None)
        found.append((match.start(), match.end(), keys[group.rsplit("_", 1)[0]]))
    return found


def rule_title(term: Term) -> str | None:
    """The catalogue title of the rule a term belongs to (for "see ``learn``")."""
    return None if term.rule is None else CATALOGUE[term.rule].title
