"""Catalogue data for the pain-monitoring rules P1-P4, P8 (not improving), the return-to-run
program RTR and the disc-myth card D1 (evidence.md §4, §5.4, §7 and §9).

Thresholds and wording only; see :mod:`backstride.rules.catalogue` for the whole catalogue
(the red-flag screen's R1-R3 are in :mod:`backstride.rules.catalogue_redflags`). Every
message starts with its rule id and source. Evaluation: :mod:`backstride.rules.pain` (P1-P4,
P8, D1); RTR (return to run) is data for the plan.
"""

from __future__ import annotations

from backstride.rules.rule import Rule, make_rule

_TENDON = (
    " The model comes from Achilles tendon research and is applied to back pain by extrapolation."
)
#: P2's cut (its thresholds), which P1 and P4 also ask for.
_REDUCE = (
    "cut the time or distance of your next session by "
    "{p2_reduce_min_pct:.0f}-{p2_reduce_max_pct:.0f}%"
)

PAIN_RULES: tuple[Rule, ...] = (
    make_rule(
        "P1",
        "Pain during the run",
        "clinician",
        "Silbernagel 2007",
        "C",
        "Runners with Achilles pain who kept running with pain up to {acceptable_max}/10 did "
        "as well as those who rested, and progressed while pain stayed at or under "
        "{acceptable_max}, settled by the next "
        "morning and did not rise week to week; exercising into some pain need not be a "
        "barrier (Smith 2017)." + _TENDON + " The ceiling at {severe_min}/10 is clinical consensus "
        "(NICE CKS), a design choice.",
        {
            "low_max": 2,
            "acceptable_max": 5,
            "severe_min": 8,
            "recent_days": 7,
            "settle_days": 14,
        },
        {
            "low": (
                "ok",
                "P1 (Silbernagel 2007): back pain {nrs}/10 during or after your run on "
                "{run_day}: within 0-{low_max}, the low-pain band.",
            ),
            "acceptable": (
                "ok",
                "P1 (Silbernagel 2007): back pain {nrs}/10 during or after your run on "
                "{run_day}: above {low_max} and up to {acceptable_max}, acceptable. It settled by "
                "the next morning (P2) and is "
                "not rising week to week (P3), so your running may grow at the usual "
                "conservative rate.",
            ),
            "acceptable_hold": (
                "caution",
                "P1 (Silbernagel 2007): back pain {nrs}/10 during or after your run on "
                "{run_day}: above {low_max} and up to {acceptable_max}, acceptable only while it "
                "settles by the next morning "
                "and does not rise week to week; {reason}, so hold your load rather than add "
                "to it.",
            ),
            "too_much": (
                "high",
                "P1 (Silbernagel 2007): back pain {nrs}/10 during or after your run on "
                "{run_day}: above {acceptable_max}. Stop or walk when pain goes above "
                "{acceptable_max}, and " + _REDUCE + ".",
            ),
            "severe": (
                "very_high",
                "P1 (Silbernagel 2007; ceiling: clinical consensus, NICE CKS): back pain {nrs}/10 "
                "on {day}: {severe_min} or more. "
                "No running until it settles below {severe_min}; take the symptom screen again now "
                "(backstride screen) and see a physiotherapist or GP.",
            ),
            "missing": (
                "info",
                "P1 (Silbernagel 2007): no pain logged during or after a run in the last "
                "{recent_days} days; log it to use the pain-monitoring model.",
            ),
        },
        "Silbernagel KG et al. 2007, Am J Sports Med 35(6):897-906; Smith BE et al. 2017, "
        "Br J Sports Med 51(23):1679-1687; ceiling: clinical consensus (NICE CKS, low back "
        "pain without radiculopathy).",
    ),
    make_rule(
        "P2",
        "Pain the next morning",
        "clinician",
        "Silbernagel 2007",
        "C",
        "Pain after exercise should settle by the next morning; backstride reads this as "
        "next-morning pain at most {margin} higher (0-10) than your pain before the run (a "
        "design choice)." + _TENDON,
        {"margin": 1, "reduce_min_pct": 20, "reduce_max_pct": 50, "recent_days": 7},
        {
            "settled": (
                "ok",
                "P2 (Silbernagel 2007): next-morning back pain {morning}/10 after your run on "
                "{run_day}, against {baseline}/10 before it: settled overnight.",
            ),
            "not_settled": (
                "caution",
                "P2 (Silbernagel 2007): next-morning back pain {morning}/10 after your run on "
                "{run_day}, more than {margin} higher than the {baseline}/10 before it: "
                + _REDUCE
                + ".",
            ),
            "no_morning": (
                "info",
                "P2 (Silbernagel 2007): no next-morning pain logged after your run on "
                "{run_day}; log it to check how your back settles.",
            ),
            "no_baseline": (
                "info",
                "P2 (Silbernagel 2007): no pain logged before your run on {run_day}, so "
                "there is no baseline to compare the next morning with.",
            ),
        },
        "Silbernagel KG et al. 2007, Am J Sports Med 35(6):897-906 (operationalisation "
        "UNVERIFIED).",
    ),
    make_rule(
        "P3",
        "Weekly morning pain trend",
        "clinician",
        "Silbernagel 2007",
        "C",
        "Pain and stiffness should not rise from one week to the next; backstride compares "
        "the mean morning pain of Monday-to-Sunday weeks and counts a rise of {rise_min:g} "
        "or more (0-10; pain ratings vary by 1-2 points from day to day)." + _TENDON,
        {"min_entries": 2, "rise_min": 1.0},
        {
            "steady": (
                "ok",
                "P3 (Silbernagel 2007): mean morning back pain {mean_now:.1f}/10 in the week "
                "of {week}, against {mean_before:.1f}/10 the week before: not rising by "
                "{rise_min:g} or more (smaller changes are within day-to-day noise).",
            ),
            "rising": (
                "caution",
                "P3 (Silbernagel 2007): mean morning back pain {mean_now:.1f}/10 in the week "
                "of {week}, up from {mean_before:.1f}/10 the week before, a rise of "
                "{rise_min:g} or more: hold your weekly load until it stops rising.",
            ),
            "missing": (
                "info",
                "P3 (Silbernagel 2007): the weekly trend needs at least {min_entries} next-morning "
                "pain "
                "entries in each of two weeks in a row.",
            ),
        },
        "Silbernagel KG et al. 2007 (exact week-to-week wording UNVERIFIED).",
    ),
    make_rule(
        "P4",
        "Change that matters",
        "clinician",
        "Ostelo 2008",
        "C",
        "An international panel set the smallest pain change that matters at {points:g} "
        "points out of 10 or {fraction_pct:.0f}% from baseline; using the same size for worsening "
        "is an extrapolation.",
        {
            "points": 2.0,
            "fraction": 0.30,
            "pct_min_points": 1.0,
            "window_days": 7,
            "gap_days": 28,
            "min_entries": 2,
        },
        {
            "improved": (
                "ok",
                "P4 (Ostelo 2008): typical back pain {mean_now:.1f}/10 in the last {window_days} "
                "days, down from {mean_before:.1f}/10 {gap_weeks:g} weeks earlier: a change that "
                "matters.",
            ),
            "stable": (
                "info",
                "P4 (Ostelo 2008): typical back pain {mean_now:.1f}/10 in the last {window_days} "
                "days, against {mean_before:.1f}/10 {gap_weeks:g} weeks earlier: no change that "
                "matters.",
            ),
            "worsened": (
                "caution",
                "P4 (Ostelo 2008): typical back pain {mean_now:.1f}/10 in the last {window_days} "
                "days, up from {mean_before:.1f}/10 {gap_weeks:g} weeks earlier: a change that "
                "matters. "
                + _REDUCE[0].upper()
                + _REDUCE[1:]
                + ", take the symptom screen again, and consider seeing a physiotherapist "
                "or GP.",
            ),
            "missing": (
                "info",
                "P4 (Ostelo 2008): comparing your pain needs at least {min_entries} entries "
                "before a run or in the morning in the last {window_days} days and in the same "
                "{window_days} days {gap_weeks:g} weeks earlier.",
            ),
        },
        "Ostelo RW et al. 2008, Spine 33(1):90-94.",
    ),
    make_rule(
        "P8",
        "Pain not improving",
        "clinician",
        "NICE 2016",
        "C",
        "When back pain has not improved by a change that matters (P4) after about 4-6 weeks "
        "of self-management, a routine review with a physiotherapist or GP is the usual "
        "advice (NICE NG59 and clinical consensus; the duration is UNVERIFIED, backstride "
        "uses {weeks} weeks of logged pain).",
        {"weeks": 6, "window_days": 7, "min_entries": 2},
        {
            "not_improving": (
                "caution",
                "P8 (NICE NG59; clinical consensus): back pain logged since {first_day}, "
                "{weeks} weeks ago; typical pain {mean_now:.1f}/10 in the last {window_days} days "
                "against "
                "{mean_before:.1f}/10 in your first week of entries: no improvement that "
                "matters (P4). Book a routine review with a physiotherapist or GP (not urgent).",
            ),
            "improving": (
                "ok",
                "P8 (NICE NG59; clinical consensus): typical back pain {mean_now:.1f}/10 in the "
                "last {window_days} days, down from {mean_before:.1f}/10 in your first week of "
                "entries "
                "({first_day}): an improvement that matters (P4).",
            ),
        },
        "NICE NG59 (2016), Low back pain and sciatica in over 16s; clinical consensus "
        "(duration UNVERIFIED).",
    ),
    make_rule(
        "RTR",
        "Return to running with back pain",
        "clinician",
        "Neason 2024",
        "B/C",
        "In a small trial, a progressive run-walk plan of {sessions_per_week} "
        "{max_session_min}-minute sessions a week "
        "lowered chronic back pain against a waitlist. The trial recruited inactive adults: "
        "after a conditioned runner's flare backstride starts at the stage nearest the cut the "
        "pain rule asks for, not at stage 1, and moves a stage on only with the diary entries "
        "the pain rules read (an empty diary never moves it).",
        {
            "sessions_per_week": 3,
            "max_session_min": 30,
            "max_stages_per_week": 1,
            "sessions_at_target": 2,
            "break_days": 14,
        },
        {
            "run_walk": (
                "info",
                "RTR (Neason 2024): after a flare or a break of {break_weeks:g} weeks or more, "
                "restart with run-walk sessions, {sessions_per_week} a week of up to "
                "{max_session_min} min at an easy pace on flat ground; move up at most "
                "{max_stages_per_week} stage(s) a week, after {sessions_at_target} sessions done "
                "at target with the "
                "pain rules met in your diary (pain before, during and the morning after).",
            ),
        },
        "Neason C et al. 2024, Br J Sports Med, doi:10.1136/bjsports-2024-108245.",
    ),
    make_rule(
        "D1",
        "Running and your discs",
        "clinician",
        "Belavý 2017",
        "C",
        "Studies of runners' spines are small or cross-sectional: they show associations, "
        "not proof, and none found running harmful to discs at easy paces.",
        {},
        {
            "card": (
                "info",
                "D1 (Belavý 2017; Mitchell 2020; Horga 2022; Brinjikji 2015): worried about "
                "your discs? In scans, regular runners' discs were on average as well or "
                "better hydrated, and in some studies taller, than those of people who do not "
                "run, and first-time marathon runners showed no disc changes getting worse "
                "over 16 weeks of training. Disc bulges and wear are common in people with no "
                "pain at all (about a third at age 20). These studies are small and show "
                "associations, not proof. "
                "Easy-paced, regular running with gradual progress is the kind linked with "
                "healthier discs; leg symptoms still need a clinician.",
            ),
        },
        "Belavý DL et al. 2017, Sci Rep 7:45975; Mitchell UH et al. 2020, PLoS One "
        "15(2):e0229457; Horga LM et al. 2022, Skeletal Radiol 51(5):971-980; Brinjikji W "
        "et al. 2015, AJNR 36(4):811-816.",
    ),
)
