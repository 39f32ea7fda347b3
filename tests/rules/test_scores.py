"""Questionnaire scores (P5 ODI, P6 RMDQ, P7 STarT Back): bands, groups, changes that matter."""

from __future__ import annotations

from datetime import date

import pytest

from backstride.rules.scores import Score, odi_band, score_findings

D1, D2 = date(2026, 3, 1), date(2026, 3, 29)


def rules_and_severities(scores: list[Score]) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in score_findings(scores, as_of=D2)]


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "minimal"), (20, "minimal"), (21, "moderate"), (40, "moderate"), (41, "severe"),
     (61, "crippling"), (81, "very severe")],
)  # fmt: skip
def test_odi_bands(score: float, band: str) -> None:
    assert odi_band(score) == band


def test_odi_above_40_sends_to_a_clinician() -> None:
    assert rules_and_severities([Score(D1, "odi", 40)]) == [("P5", "ok")]
    assert rules_and_severities([Score(D1, "odi", 42)]) == [("P5", "high")]


def test_odi_change_of_10_points_matters_9_does_not() -> None:
    worse = score_findings([Score(D1, "odi", 20), Score(D2, "odi", 30)], as_of=D2)
    assert (worse[0].rule, worse[0].severity) == ("P5", "high")
    assert "up 10 points" in worse[0].message
    assert len(score_findings([Score(D1, "odi", 20), Score(D2, "odi", 29)], as_of=D2)) == 1
    better = score_findings([Score(D1, "odi", 30), Score(D2, "odi", 18)], as_of=D2)
    assert any("down 12 points" in f.message for f in better)


def test_rmdq_change_by_points_or_share() -> None:
    # 4 -> 6: 2 points but +50%: matters; 16 -> 20: 4 points, +25%: does not.
    assert ("P6", "high") in rules_and_severities([Score(D1, "rmdq", 4), Score(D2, "rmdq", 6)])
    assert rules_and_severities([Score(D1, "rmdq", 16), Score(D2, "rmdq", 20)]) == [("P6", "ok")]
    assert ("P6", "high") in rules_and_severities([Score(D1, "rmdq", 10), Score(D2, "rmdq", 15)])


@pytest.mark.parametrize(
    ("total", "distress", "severity"),
    [(3, 3, "ok"), (4, 3, "caution"), (9, 3, "caution"), (5, 4, "high"), (4, 4, "high")],
)
def test_startback_groups(total: float, distress: float, severity: str) -> None:
    [finding] = score_findings([Score(D1, "startback", total, distress)], as_of=D2)
    assert (finding.rule, finding.severity) == ("P7", severity)


def test_scores_after_as_of_are_not_seen_and_messages_name_rule_and_source() -> None:
    assert score_findings([Score(D2, "odi", 50)], as_of=D1) == []
    for finding in score_findings(
        [Score(D1, "odi", 50), Score(D1, "rmdq", 12), Score(D1, "startback", 6, 4)], as_of=D2
    ):
        assert finding.message.startswith(finding.rule)
        assert finding.citation.split()[0] in finding.message
        assert "diagnos" not in finding.message.lower()


def test_p7_cites_hill_2011_for_the_benefit_with_the_match_caveat() -> None:
    # Issue 12 / evidence §9 P7: cut-offs Hill 2008; the stratified-care benefit is Hill 2011
    # (Lancet), not replicated in US primary care (Cherkin 2018, MATCH).
    from backstride.rules.catalogue import CATALOGUE

    p7 = CATALOGUE["P7"]
    assert p7.grade == "B/C"
    assert "Hill 2011, Lancet" in p7.why
    assert "did not replicate" in p7.why
    assert "Cherkin 2018" in p7.why
    assert "Lancet 378" in p7.references
    [high] = score_findings([Score(D1, "startback", 6, 4)], as_of=D2)
    assert high.message.startswith("P7 (Hill 2008 cut-offs; Hill 2011; NICE NG59)")
    assert "Hold your running load and see a clinician" in high.message
    assert "did not replicate" in high.message
    [severe] = score_findings([Score(D1, "odi", 56)], as_of=D2)
    assert "Hold your running load (no increase) and see a clinician" in severe.message
    assert "prevent" not in high.message + severe.message
