"""The catalogue is complete, consistent with evidence.md §9, and the only source of numbers."""

from __future__ import annotations

import inspect
import re
import string
from collections.abc import Callable
from typing import Any

import pytest

from backstride.analysis.form import cadence_speed_baseline
from backstride.analysis.load import acute_chronic_ratio, analyse_load, fitness_fatigue
from backstride.analysis.series import daily_series
from backstride.analysis.table import session_load_au
from backstride.rules.catalogue import BAND_NAMES, CATALOGUE, GARMIN_BANDS, PRACTICE_NAMES
from backstride.rules.finding import SEVERITIES

RULE_IDS = sorted(CATALOGUE)


def test_the_issue_4_rules_are_all_there() -> None:
    expected = {"L1", "L2", "L3", "L4", "L5", "L6", "L7", "F1", "F2", "F3", "F4"}
    expected |= {"S1", "S2", "X1", "C1"}
    assert expected <= set(CATALOGUE)
    assert len(PRACTICE_NAMES) == 7


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_is_cited_graded_and_placed(rule_id: str) -> None:
    rule = CATALOGUE[rule_id]
    assert rule.id == rule_id
    for source in rule.citation.split("; "):  # "Author Year", several joined by "; "
        assert re.fullmatch(
            r"[A-Z][\w&.' -]+ (19|20)\d\d|Garmin [\w ]+ manual|BMJ Best Practice", source
        ), source
    assert re.fullmatch(r"[ABCD](/[ABCD])?", rule.grade)
    assert rule.practice in PRACTICE_NAMES
    assert rule.title
    assert rule.why.endswith(".")
    for outcome in rule.outcomes.values():
        assert outcome.severity in SEVERITIES


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_message_templates_are_well_formed(rule_id: str) -> None:
    for name, outcome in CATALOGUE[rule_id].outcomes.items():
        fields = [f for _, f, _, _ in string.Formatter().parse(outcome.template) if f]
        assert all(re.fullmatch(r"[a-z_0-9]+", f) for f in fields), (name, fields)
        assert outcome.template.rstrip().endswith("."), name


def test_thresholds_are_those_of_evidence_md() -> None:
    l1 = CATALOGUE["L1"].thresholds
    assert (l1["caution_above"], l1["high_above"], l1["very_high_above"]) == (0.10, 0.30, 1.00)
    assert (l1["window_days"], l1["planned_cap"]) == (30, 1.10)
    assert CATALOGUE["L2"].thresholds["flag_above"] == 0.30
    assert CATALOGUE["L2"].thresholds["conservative_at_most"] == 0.10
    assert CATALOGUE["L3"].thresholds["large_jump_at"] == 1.5
    assert CATALOGUE["L6"].thresholds["monotony_above"] == 2.0
    assert CATALOGUE["L6"].thresholds["monotony_cap"] == 10.0
    assert CATALOGUE["L6"].thresholds["strain_percentile"] == 90.0
    assert CATALOGUE["L6"].thresholds["strain_weeks"] == 12
    assert CATALOGUE["F1"].thresholds["first_step"] == 0.05
    assert CATALOGUE["F1"].thresholds["second_step"] == 0.10
    assert CATALOGUE["F3"].thresholds["limit_pct"] == 52.2
    assert CATALOGUE["S1"].thresholds["inspect_km"] == 480.0
    assert CATALOGUE["S1"].thresholds["replace_km"] == 800.0
    assert CATALOGUE["S2"].thresholds["min_pairs"] == 2
    assert CATALOGUE["X1"].thresholds["min_minutes"] == 60.0
    assert CATALOGUE["C1"].thresholds["min_sessions"] == 2
    # L1 bands carry the severities of evidence.md's table.
    severities = {k: o.severity for k, o in CATALOGUE["L1"].outcomes.items()}
    assert [severities[k] for k in ("ok", "caution", "high", "very_high")] == [
        "ok",
        "caution",
        "high",
        "very_high",
    ]


def default(function: Callable[..., Any], name: str) -> Any:
    return inspect.signature(function).parameters[name].default


@pytest.mark.parametrize(
    ("function", "parameter", "rule_id", "threshold"),
    [
        (analyse_load, "spike_days", "L1", "window_days"),
        (analyse_load, "acute_days", "L3", "acute_days"),
        (analyse_load, "chronic_days", "L3", "chronic_days"),
        (acute_chronic_ratio, "acute_days", "L3", "acute_days"),
        (acute_chronic_ratio, "chronic_days", "L3", "chronic_days"),
        (analyse_load, "fitness_days", "L4", "fitness_days"),
        (analyse_load, "fatigue_days", "L4", "fatigue_days"),
        (fitness_fatigue, "fitness_days", "L4", "fitness_days"),
        (fitness_fatigue, "fatigue_days", "L4", "fatigue_days"),
        (analyse_load, "assumed_rpe", "L5", "assumed_rpe"),
        (daily_series, "assumed_rpe", "L5", "assumed_rpe"),
        (session_load_au, "assumed_rpe", "L5", "assumed_rpe"),
        (analyse_load, "monotony_days", "L6", "window_days"),
        (analyse_load, "monotony_cap", "L6", "monotony_cap"),
        (cadence_speed_baseline, "min_points", "F1", "min_points"),
    ],
)
def test_analysis_defaults_match_the_catalogue(
    function: Callable[..., Any], parameter: str, rule_id: str, threshold: str
) -> None:
    # analysis/ may not import rules/, so its window defaults are literals: keep them equal.
    assert default(function, parameter) == CATALOGUE[rule_id].thresholds[threshold]


def test_wording_follows_the_evidence_caveats() -> None:
    text = {r: " ".join(o.template for o in CATALOGUE[r].outcomes.values()) for r in CATALOGUE}
    assert "not a proven safe limit" in text["L2"]  # <=10%/week is "conservative", not proven
    assert "not an injury alarm" in text["L3"]
    assert "Context only" in text["L3"]
    assert all(o.severity == "info" for o in CATALOGUE["L3"].outcomes.values())
    assert all(o.severity == "info" for o in CATALOGUE["L4"].outcomes.values())
    assert "not an injury measure" in text["L4"]
    assert "not a risk measure" in text["F2"]
    assert "no fixed 180 target" in text["F1"]
    assert "does not advise changing your foot strike" in text["F4"]
    assert "not proven injury thresholds" in CATALOGUE["S1"].why


def test_no_rule_advises_a_foot_strike_change_or_a_fixed_cadence() -> None:
    for rule in CATALOGUE.values():
        for outcome in rule.outcomes.values():
            lowered = outcome.template.lower()
            assert "forefoot" not in lowered
            assert "midfoot" not in lowered
            if "180" in lowered:
                assert "no fixed 180" in lowered


def test_garmin_bands_are_ordered() -> None:
    assert len(BAND_NAMES) == 5
    for edges, resolution, _ in GARMIN_BANDS.values():
        assert list(edges) == sorted(edges)
        assert len(edges) == 4
        assert resolution > 0
