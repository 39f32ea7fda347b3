"""Pain-monitoring rules P1-P4 with hand-written diaries (issue 5), the adjustment they ask
for, when a screen is due, and the wording rules of every pain, red-flag and disc message."""

from __future__ import annotations

import string
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.rules.catalogue import CATALOGUE
from backstride.rules.finding import SEVERITY_RANK, Finding
from backstride.rules.pain import (
    ACTIONS,
    PainAdjustment,
    PainEntry,
    disc_card,
    meaningful_change,
    pain_adjustment,
    pain_findings,
    pain_rules_met,
    screen_due,
)
from backstride.rules.rule import threshold_fields
from backstride.rules.scores import Score, score_findings

MON = date(2024, 3, 4)  # a Monday
D = timedelta(days=1)


def e(day: date, nrs: int, when: str = "during", **kw: object) -> PainEntry:
    return PainEntry(day, nrs, when, **kw)  # type: ignore[arg-type]


def by_rule(entries: list[PainEntry], as_of: date) -> dict[str, Finding]:
    found = pain_findings(entries, as_of=as_of)
    assert len({f.rule for f in found}) == len(found)
    return {f.rule: f for f in found}


def test_no_entries_give_no_findings() -> None:
    assert pain_findings([], as_of=MON) == []
    assert pain_findings([e(MON + D, 5)], as_of=MON) == []  # the future is ignored


def test_nrs_outside_0_to_10_is_refused() -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        PainEntry(MON, 11, "during")
    with pytest.raises(ValueError, match="0 to 10"):
        PainEntry(MON, -1, "before")


# P1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nrs", "severity", "action"),
    [
        (0, "ok", "continue"),
        (2, "ok", "continue"),
        (3, "caution", "hold"),  # a single run: no next morning yet to show it settles (P2)
        (5, "caution", "hold"),
        (6, "high", "reduce"),
        (7, "high", "reduce"),
        (8, "very_high", "stop_running"),  # the severe-pain ceiling (issue 12)
        (10, "very_high", "stop_running"),
    ],
)
def test_p1_bands(nrs: int, severity: str, action: str) -> None:
    p1 = by_rule([e(MON, nrs)], MON)["P1"]
    day = p1.values["day" if nrs >= 8 else "run_day"]
    assert (p1.severity, p1.values["nrs"], day) == (severity, nrs, "2024-03-04")
    assert pain_adjustment([p1]).action == action


def test_p1_low_band_is_not_called_safe() -> None:
    p1 = by_rule([e(MON, 2)], MON)["P1"]
    assert "the low-pain band" in p1.message
    assert "safe" not in p1.message.lower()


def settled_runs(nrs: int) -> list[PainEntry]:
    """Runs on Monday and Thursday at ``nrs`` during, 1 before, 1 the next morning."""
    diary = []
    for run_day in (MON, MON + 3 * D):
        diary += [e(run_day, 1, "before"), e(run_day, nrs), e(run_day + D, 1, "next_morning")]
    return diary


@pytest.mark.parametrize("nrs", [3, 4, 5])
def test_p1_stable_3_to_5_settled_and_not_rising_may_progress(nrs: int) -> None:
    # Issue 12: a stable 3/10, settled next morning, used to hold the plan for ever. As of
    # Friday P1 reads Thursday's run; P2 saw Tuesday morning 1 <= 1 + 1 after Monday's run.
    found = pain_findings(settled_runs(nrs), as_of=MON + 4 * D)
    p1 = next(f for f in found if f.rule == "P1")
    assert (p1.severity, p1.values["nrs"], p1.values["run_day"]) == ("ok", nrs, "2024-03-07")
    assert "may grow at the usual conservative rate" in p1.message
    assert pain_adjustment(found).action == "continue"
    assert pain_rules_met(found)


def test_p1_3_to_5_holds_while_the_diary_does_not_show_it_settled() -> None:
    # On Thursday P1 reads Thursday's run; P2 judges Monday's (4/10), which has no
    # next-morning entry: nothing shows it settled.
    diary = [e(MON, 1, "before"), e(MON, 4), e(MON + 3 * D, 4)]
    found = pain_findings(diary, as_of=MON + 3 * D)
    p1 = next(f for f in found if f.rule == "P1")
    assert p1.severity == "caution"
    assert "the diary does not show it settled after your run on 2024-03-04 (P2)" in p1.message
    assert pain_adjustment(found).action == "hold"
    assert not pain_rules_met(found)
    # A pain-free earlier run without a morning entry does not hold the 3-5 band ...
    easy = [e(MON, 1, "before"), e(MON, 1), e(MON + 3 * D, 4)]
    assert pain_adjustment(pain_findings(easy, as_of=MON + 3 * D)).action == "continue"
    # ... and a first run today has no next morning yet: hold until it shows.
    first = pain_findings([e(MON + 3 * D, 4)], as_of=MON + 3 * D)
    assert pain_adjustment(first).action == "hold"


def test_p1_3_to_5_holds_while_morning_pain_rises_by_a_point() -> None:
    diary = [*mornings(MON - 7 * D, [1, 1]), *settled_runs(4)]
    diary = [x for x in diary if x.when != "next_morning" or x.day < MON] + [
        e(MON + D, 2, "next_morning"),
        e(MON + 4 * D, 2, "next_morning"),
    ]  # mornings 1, 1 then 2, 2: a rise of exactly 1 point (P3); settled: 2 <= 1 + 1
    found = by_rule(diary, MON + 4 * D)
    assert found["P3"].severity == "caution"
    assert found["P1"].severity == "caution"
    assert "rising week on week (P3)" in found["P1"].message


def test_the_ceiling_lasts_until_a_later_entry_is_below_8() -> None:
    nine = [e(MON, 2, "before"), e(MON, 9)]
    p1 = by_rule(nine, MON + 2 * D)["P1"]
    assert (p1.severity, p1.values["nrs"], p1.values["day"]) == ("very_high", 9, "2024-03-04")
    assert "No running until it settles below 8" in p1.message
    assert "backstride screen" in p1.message
    morning = [*nine, e(MON + D, 8, "next_morning")]  # 8 the next morning: still the ceiling
    assert by_rule(morning, MON + D)["P1"].values["day"] == "2024-03-05"
    settled = [*morning, e(MON + 2 * D, 5, "before")]
    assert by_rule(settled, MON + 2 * D)["P1"].severity != "very_high"
    # Two weeks after the last entry the ceiling no longer applies (nothing logged since).
    assert by_rule(nine, MON + 14 * D)["P1"].severity == "info"


def test_the_ceiling_stops_running_and_suggests_a_clinician() -> None:
    adjustment = pain_adjustment(pain_findings([e(MON, 9)], as_of=MON))
    assert (adjustment.action, adjustment.rule, adjustment.reduce_pct) == (
        "stop_running",
        "P1",
        None,
    )
    assert "no running until your pain settles below 8/10" in adjustment.message
    assert "physiotherapist or GP" in adjustment.message


def test_leg_symptoms_hold_and_say_stop_the_exercise_and_screen_again() -> None:
    diary = [*settled_runs(2), e(MON + 4 * D, 2, "before", leg_symptoms="one_side")]
    adjustment = pain_adjustment(pain_findings(diary, as_of=MON + 4 * D))
    assert (adjustment.action, adjustment.rule) == ("hold", "P1")
    assert adjustment.message.endswith(
        "Numbness, tingling or pain spreading down a leg was logged: stop any exercise that "
        "brings it on and take the symptom screen again (backstride screen)."
    )


def test_p1_reads_the_worst_entry_of_the_latest_run_day_only() -> None:
    diary = [e(MON, 8), e(MON + 2 * D, 1, "during"), e(MON + 2 * D, 4, "after")]
    p1 = by_rule(diary, MON + 3 * D)["P1"]
    assert (p1.severity, p1.values["nrs"]) == ("caution", 4)


def test_p1_without_a_run_in_the_last_7_days_says_what_is_missing() -> None:
    diary = [e(MON, 7), e(MON + 3 * D, 2, "before")]
    p1 = by_rule(diary, MON + 7 * D)["P1"]
    assert p1.severity == "info"
    assert "no pain logged during or after a run in the last 7 days" in p1.message
    assert by_rule(diary, MON + 6 * D)["P1"].severity == "high"  # day 7 still counts


def test_a_single_entry_gives_p1_and_says_the_rest_is_missing() -> None:
    found = by_rule([e(MON, 4)], MON)
    assert {r: f.severity for r, f in found.items()} == {
        "P1": "caution",
        "P3": "info",
        "P4": "info",
    }  # no P2: a run today has no next morning yet


# P2 -----------------------------------------------------------------------------------


def run_and_morning(morning: int | None, before: list[int] | None = None) -> list[PainEntry]:
    diary = [e(MON, b, "before") for b in (before if before is not None else [2])]
    diary.append(e(MON, 3, "during"))
    if morning is not None:
        diary.append(e(MON + D, morning, "next_morning"))
    return diary


@pytest.mark.parametrize(
    ("morning", "severity", "action", "pct"),
    [
        (0, "ok", "continue", None),
        (3, "ok", "continue", None),  # baseline 2 + 1: settled
        (4, "caution", "reduce", (20, 50)),
        (9, "caution", "reduce", (20, 50)),
    ],
)
def test_p2_next_morning_against_the_pre_run_baseline(
    morning: int, severity: str, action: str, pct: tuple[int, int] | None
) -> None:
    p2 = by_rule(run_and_morning(morning), MON + D)["P2"]
    assert (p2.severity, p2.values["morning"], p2.values["baseline"]) == (severity, morning, 2)
    adjustment = pain_adjustment([p2])
    assert (adjustment.action, adjustment.reduce_pct) == (action, pct)


def test_p2_baseline_is_the_lowest_pre_run_entry() -> None:
    p2 = by_rule(run_and_morning(4, before=[3, 2]), MON + D)["P2"]
    assert (p2.severity, p2.values["baseline"]) == ("caution", 2)


def test_p2_without_a_next_morning_entry_says_so() -> None:
    p2 = by_rule(run_and_morning(None), MON + 2 * D)["P2"]
    assert p2.severity == "info"
    assert "no next-morning pain logged after your run on 2024-03-04" in p2.message


def test_p2_without_a_pre_run_entry_does_not_guess_a_baseline() -> None:
    p2 = by_rule(run_and_morning(6, before=[]), MON + D)["P2"]
    assert p2.severity == "info"
    assert "no pain logged before your run" in p2.message
    assert pain_adjustment([p2]).action == "continue"


def test_p2_is_silent_without_a_run_in_the_last_7_days() -> None:
    assert "P2" not in by_rule(run_and_morning(6), MON + 9 * D)


# P3 -----------------------------------------------------------------------------------


def mornings(monday: date, values: list[int]) -> list[PainEntry]:
    return [e(monday + i * D, v, "next_morning") for i, v in enumerate(values)]


def test_p3_rising_weekly_mean_holds_the_load() -> None:
    diary = mornings(MON - 7 * D, [2, 2, 2]) + mornings(MON, [3, 3])
    p3 = by_rule(diary, MON + 3 * D)["P3"]
    assert p3.severity == "caution"
    assert p3.values == pytest.approx(
        {"mean_now": 3.0, "mean_before": 2.0, "week": "2024-03-04"}  # type: ignore[arg-type]
    )
    assert pain_adjustment([p3]).action == "hold"


def test_p3_a_rise_under_1_point_is_noise_not_rising() -> None:
    # Issue 12: 7/3 -> 3.0 (a rise of 0.67) used to count as rising.
    diary = mornings(MON - 7 * D, [2, 2, 3]) + mornings(MON, [3, 3])
    p3 = by_rule(diary, MON + 3 * D)["P3"]
    assert p3.severity == "ok"
    assert pain_adjustment([p3]).action == "continue"


def test_p3_equal_or_lower_weekly_mean_is_steady() -> None:
    diary = mornings(MON - 7 * D, [3, 3]) + mornings(MON, [3, 2, 3])
    p3 = by_rule(diary, MON + 6 * D)["P3"]
    assert p3.severity == "ok"
    assert p3.values["mean_now"] == pytest.approx(8 / 3)


def test_p3_uses_last_week_while_this_week_has_too_few_mornings() -> None:
    diary = mornings(MON - 14 * D, [1, 1]) + mornings(MON - 7 * D, [2, 2]) + mornings(MON, [9])
    p3 = by_rule(diary, MON)["P3"]
    assert (p3.severity, p3.values["week"]) == ("caution", "2024-02-26")


def test_p3_a_week_without_entries_means_no_trend() -> None:
    diary = mornings(MON - 14 * D, [1, 1]) + mornings(MON, [5, 5])
    p3 = by_rule(diary, MON + 2 * D)["P3"]
    assert p3.severity == "info"
    assert "at least 2 next-morning pain entries" in p3.message


def test_p3_ignores_pain_during_runs() -> None:
    diary = mornings(MON - 7 * D, [2, 2]) + mornings(MON, [2, 2]) + [e(MON + D, 9)]
    assert by_rule(diary, MON + 2 * D)["P3"].severity == "ok"


# P4 -----------------------------------------------------------------------------------

AS_OF = date(2024, 3, 31)  # recent window 25-31 March; reference 26 Feb - 3 March


def windows(before: list[int], now: list[int], when: str = "before") -> list[PainEntry]:
    ref = [e(date(2024, 2, 26) + i * D, v, when) for i, v in enumerate(before)]
    return ref + [e(date(2024, 3, 25) + i * D, v, when) for i, v in enumerate(now)]


@pytest.mark.parametrize(
    ("before", "now", "severity", "outcome"),
    [
        ([5, 5], [3, 3], "ok", "improved"),  # exactly 2 points
        ([5, 5], [3, 4], "ok", "improved"),  # 1.5 points = exactly 30%
        ([5, 5], [4, 3, 4], "info", "stable"),  # 1.33 points, 27%
        ([2, 2], [4, 4], "caution", "worsened"),  # exactly 2 points worse
        ([3, 3], [4, 4], "caution", "worsened"),  # 1 point = 33% worse
        ([4, 4], [5, 5], "info", "stable"),  # 1 point = 25%
        ([1, 1], [1, 2], "info", "stable"),  # 50% but under 1 point
        ([0, 0], [1, 1], "info", "stable"),  # no 30% of nothing
    ],
)
def test_p4_change_that_matters(
    before: list[int], now: list[int], severity: str, outcome: str
) -> None:
    p4 = by_rule(windows(before, now), AS_OF)["P4"]
    assert p4.severity == severity
    assert p4.severity == CATALOGUE["P4"].outcomes[outcome].severity
    assert meaningful_change(sum(before) / len(before), sum(now) / len(now)) == outcome


def test_p4_worsening_reduces_and_asks_for_a_screen() -> None:
    p4 = by_rule(windows([2, 2], [5, 5], "next_morning"), AS_OF)["P4"]
    assert p4.severity == "caution"
    assert "take the symptom screen again" in p4.message
    assert pain_adjustment([p4]) == PainAdjustment(
        "reduce",
        (20, 50),
        "P4",
        "P4: reduce your next session by 20-50% (time or distance), then hold your load.",
    )


def test_p4_needs_two_entries_in_each_window() -> None:
    assert by_rule(windows([5], [1, 1]), AS_OF)["P4"].severity == "info"
    assert by_rule(windows([5, 5], [1]), AS_OF)["P4"].severity == "info"


def test_p4_ignores_pain_during_and_after_runs() -> None:
    diary = [*windows([2, 2], [2, 2]), e(date(2024, 3, 30), 9), e(date(2024, 3, 30), 9, "after")]
    assert by_rule(diary, AS_OF)["P4"].severity == "info"


# pain_adjustment ----------------------------------------------------------------------


def test_no_findings_means_continue() -> None:
    assert pain_adjustment([]) == PainAdjustment(
        "continue", None, "", "Continue as planned: no pain or red-flag finding asks for a change."
    )


def test_the_most_restrictive_finding_wins() -> None:
    diary = [*run_and_morning(5), e(MON + D, 4)]  # P1 acceptable (hold) + P2 not settled
    adjustment = pain_adjustment(pain_findings(diary, as_of=MON + D))
    assert (adjustment.action, adjustment.rule) == ("reduce", "P2")


def _pain_and_flag_outcomes() -> list[tuple[str, str]]:
    rules = ("P1", "P2", "P3", "P4", "P8", "R1", "R2", "R3", "RTR", "D1")
    return [(r, o) for r in rules for o in CATALOGUE[r].outcomes]


def _finding(rule: str, outcome: str) -> Finding:
    """A finding of one outcome, every field of its template filled (numbers where the
    template formats numbers, else a word); thresholds come from the catalogue."""
    template = CATALOGUE[rule].outcomes[outcome].template
    numbers = {"count": 4, "unanswered": 1, "nrs": 1, "morning": 1, "baseline": 1}
    numbers |= {"mean_now": 1.0, "mean_before": 1.0, "recent_days": 7, "weeks": 6}
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    fields -= set(threshold_fields(CATALOGUE[rule])) - set(numbers)
    used = {k: numbers.get(k, "x") for k in fields}
    return CATALOGUE[rule].finding(outcome, MON, used)


OUTCOMES = _pain_and_flag_outcomes()


@pytest.mark.parametrize("rule", ["P1", "P2", "P3", "P4", "R1", "R2", "R3"])
def test_a_more_severe_outcome_is_never_less_restrictive(rule: str) -> None:
    ranked = sorted(
        CATALOGUE[rule].outcomes, key=lambda o: SEVERITY_RANK[_finding(rule, o).severity]
    )
    levels = [ACTIONS.index(pain_adjustment([_finding(rule, o)]).action) for o in ranked]
    assert levels == sorted(levels)


@given(st.lists(st.sampled_from(OUTCOMES), max_size=6), st.sampled_from(OUTCOMES))
def test_adding_a_finding_never_makes_the_adjustment_less_restrictive(
    picks: list[tuple[str, str]], extra: tuple[str, str]
) -> None:
    found = [_finding(*p) for p in picks]
    before = ACTIONS.index(pain_adjustment(found).action)
    after = pain_adjustment([*found, _finding(*extra)])
    assert ACTIONS.index(after.action) >= before
    assert (after.reduce_pct is not None) == (after.action == "reduce")


DIARY_DAYS = st.integers(min_value=0, max_value=13).map(lambda i: MON + i * D)
ENTRIES = st.builds(
    PainEntry,
    DIARY_DAYS,
    st.integers(0, 10),
    st.sampled_from(["before", "during", "after", "next_morning"]),
)


@given(st.lists(ENTRIES, max_size=12), DIARY_DAYS, st.sampled_from(["during", "after"]))
def test_adding_a_pain_free_run_entry_never_makes_p1_worse(
    diary: list[PainEntry], day: date, when: str
) -> None:
    as_of = MON + 13 * D

    def p1_level(entries: list[PainEntry]) -> int:
        p1 = [f for f in pain_findings(entries, as_of=as_of) if f.rule == "P1"]
        return ACTIONS.index(pain_adjustment(p1).action)

    assert p1_level([*diary, e(day, 0, when)]) <= p1_level(diary)


# screen_due ---------------------------------------------------------------------------

LAST = date(2024, 3, 1)


def test_a_screen_is_due_at_first_use() -> None:
    assert screen_due([], None, as_of=LAST, p4_worsened=False) == "first use: no symptom screen yet"


def test_a_screen_is_due_after_leg_symptoms_are_logged() -> None:
    leg = [e(LAST + D, 3, "before", leg_symptoms="one_side")]
    assert screen_due(leg, LAST, as_of=LAST + 2 * D, p4_worsened=False) == (
        "leg symptoms logged since the last screen"
    )
    same_day = [e(LAST, 3, "before", leg_symptoms="both_sides")]
    assert screen_due(same_day, LAST, as_of=LAST + 2 * D, p4_worsened=False) is None


def test_a_screen_is_due_when_pain_worsened_since_a_screen_older_than_a_week() -> None:
    assert "(P4)" in str(screen_due([], LAST, as_of=LAST + 7 * D, p4_worsened=True))
    assert screen_due([], LAST, as_of=LAST + 6 * D, p4_worsened=True) is None


def test_a_screen_is_due_every_4_weeks_while_pain_is_logged() -> None:
    pain = [e(LAST + 10 * D, 2, "before")]
    assert screen_due(pain, LAST, as_of=LAST + 28 * D, p4_worsened=False) == (
        "28 days since the last screen while pain is logged"
    )
    assert screen_due(pain, LAST, as_of=LAST + 27 * D, p4_worsened=False) is None
    no_pain = [e(LAST + 10 * D, 0, "before")]
    assert screen_due(no_pain, LAST, as_of=LAST + 28 * D, p4_worsened=False) is None


# wording ------------------------------------------------------------------------------

FORBIDDEN = ("you have", "you are fine", "you're fine")


@pytest.mark.parametrize(("rule", "outcome"), OUTCOMES)
def test_every_pain_and_flag_message_names_its_rule_and_never_diagnoses(
    rule: str, outcome: str
) -> None:
    finding = _finding(rule, outcome)
    text = finding.message
    assert text.startswith(rule)
    assert finding.citation.split()[0] in text
    lowered = text.lower().replace("does not diagnose", "")
    assert "diagnos" not in lowered
    assert not any(claim in lowered for claim in FORBIDDEN)
    assert finding.practice == "clinician"


@pytest.mark.parametrize("rule", ["P1", "P2", "P3"])
def test_the_tendon_model_is_labelled_an_extrapolation(rule: str) -> None:
    why = CATALOGUE[rule].why
    assert "Achilles tendon research" in why
    assert "extrapolation" in why


def test_the_disc_card_is_education_framed_as_association() -> None:
    card = disc_card(day=MON)
    assert (card.rule, card.severity, card.practice) == ("D1", "info", "clinician")
    assert "associations, not proof" in card.message
    assert "leg symptoms still need a clinician" in card.message


def test_p2_sees_a_run_known_only_from_linked_before_and_morning_entries() -> None:
    # Regression: a diary with pain before the run and the next morning, linked to the run,
    # but nothing during or after it, used to give no P2 at all.
    from backstride.rules.pain import PainEntry as Entry

    run_day = date(2024, 3, 4)
    diary = [
        Entry(run_day, 2, "before", activity_id=7),
        Entry(run_day + timedelta(days=1), 4, "next_morning", activity_id=7),
    ]
    [p2] = [f for f in pain_findings(diary, as_of=run_day + timedelta(days=1)) if f.rule == "P2"]
    assert p2.severity == "caution"
    assert (p2.values["morning"], p2.values["baseline"]) == (4, 2)


def test_a_screen_is_due_after_pain_of_8_or_more() -> None:
    # The severe-pain ceiling re-screens red flags now (issue 12, evidence §4.1).
    assert screen_due([e(LAST + D, 8)], LAST, as_of=LAST + D, p4_worsened=False) == (
        "pain of 8/10 or more logged since the last screen (P1 ceiling)"
    )
    assert screen_due([e(LAST + D, 7)], LAST, as_of=LAST + D, p4_worsened=False) is None
    assert screen_due([e(LAST, 9)], LAST, as_of=LAST + D, p4_worsened=False) is None


# P8 -----------------------------------------------------------------------------------

JAN = date(2024, 1, 1)  # a Monday; six weeks later is 12 February


def six_weeks(late: list[int]) -> list[PainEntry]:
    first = [e(JAN, 4, "before"), e(JAN + D, 4, "next_morning")]
    return first + [e(date(2024, 2, 11) + i * D, v, "before") for i, v in enumerate(late)]


def test_p8_no_improvement_after_6_weeks_asks_for_a_routine_review() -> None:
    p8 = by_rule(six_weeks([4, 3]), date(2024, 2, 12))["P8"]
    assert p8.severity == "caution"
    assert p8.values == {
        "first_day": "2024-01-01",
        "weeks": 6,
        "mean_now": 3.5,
        "mean_before": 4.0,
    }  # 0.5 points, 12.5%: no change that matters (P4)
    assert "routine review with a physiotherapist or GP (not urgent)" in p8.message
    assert "UNVERIFIED" in CATALOGUE["P8"].why
    assert (p8.practice, p8.grade) == ("clinician", "C")
    assert pain_adjustment([p8]).action == "continue"  # a review, not a change of load
    assert (
        "See a clinician (P8)"
        in pain_adjustment(
            [
                p8,
                CATALOGUE["P3"].finding(
                    "rising", MON, {"mean_now": 3, "mean_before": 2, "week": "w"}
                ),
            ]
        ).message
    )


def test_p8_improved_by_2_points_is_ok_and_before_6_weeks_is_silent() -> None:
    assert by_rule(six_weeks([2, 2]), date(2024, 2, 12))["P8"].severity == "ok"
    assert "P8" not in by_rule(six_weeks([4, 3]), date(2024, 2, 11))  # 41 days: 5 weeks


# pain_adjustment: red flags, scores, what progress needs -------------------------------


def test_a_red_flag_always_wins_over_the_ceiling_and_the_scores() -> None:
    flag = _finding("R2", "urgent")
    severe = pain_findings([e(MON, 10)], as_of=MON)
    adjustment = pain_adjustment([*severe, _finding("P8", "not_improving"), flag])
    assert (adjustment.action, adjustment.rule) == ("stop_and_see_clinician", "R2")
    assert (
        ACTIONS.index("reduce")
        < ACTIONS.index("stop_running")
        < ACTIONS.index("stop_and_see_clinician")
    )


@pytest.mark.parametrize(
    ("scores", "action"),
    [
        ([Score(MON, "odi", 56)], "hold"),  # P5 severe (> 40)
        ([Score(MON, "odi", 40)], "continue"),
        ([Score(MON, "startback", 6, 4)], "hold"),  # P7 high risk
        ([Score(MON, "startback", 5, 3)], "continue"),  # medium: physiotherapy suggested
        ([Score(MON - 28 * D, "odi", 20), Score(MON, "odi", 30)], "reduce"),  # P5 worse
        ([Score(MON - 28 * D, "rmdq", 10), Score(MON, "rmdq", 15)], "reduce"),  # P6 worse
        ([Score(MON - 28 * D, "odi", 30), Score(MON, "odi", 18)], "continue"),  # better
    ],
)
def test_questionnaire_scores_reach_the_adjustment(scores: list[Score], action: str) -> None:
    adjustment = pain_adjustment(score_findings(scores, as_of=MON))
    assert adjustment.action == action
    if action != "continue":
        assert "See a clinician (P" in adjustment.message


def test_an_empty_diary_never_meets_the_pain_rules() -> None:
    assert not pain_rules_met([])
    assert not pain_rules_met(pain_findings([e(MON, 1, "before")], as_of=MON))
    assert pain_rules_met(pain_findings(settled_runs(2), as_of=MON + 4 * D))
