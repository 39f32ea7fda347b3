"""Catalogue data for the form, shoe, cross-training and strength rules (F1-F4, S1-S2, X1,
C1-C3; evidence.md §2, §3, §6 and §9), and Garmin's published bands for F2.

Thresholds and wording only; see :mod:`backstride.rules.catalogue` for the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from backstride.rules.rule import Rule, make_rule

PRACTICE_RULES: tuple[Rule, ...] = (
    make_rule(
        "F1",
        "Cadence at your own speed",
        "form",
        "Heiderscheit 2011",
        "C",
        "A {first_step_pct:.0f}-{second_step_pct:.0f}% higher step rate at the same speed lowered "
        "knee and hip loading in the lab; "
        "it has never been tested as a treatment for back pain. Compare with your own "
        "cadence at the same speed, never with a fixed 180.",
        {
            "first_step": 0.05,
            "second_step": 0.10,
            "baseline_days": 90,
            "min_runs": 3,
            "min_points": 10,
        },
        {
            "baseline": (
                "ok",
                "At your easy speed ({easy_pace}) your cadence is about "
                "{baseline_spm:.0f} steps/min. If you choose to retrain cadence (it changes knee "
                "and hip loading; it was never tested for back pain), aim for about "
                "{target_5_spm:.0f} (+{first_step_pct:.0f}%), later up to {target_10_spm:.0f} "
                "(+{second_step_pct:.0f}%). There is no "
                "fixed 180 target.",
            )
        },
        "Heiderscheit BC et al. 2011, Med Sci Sports Exerc 43(2):296-302; Anderson 2022.",
    ),
    make_rule(
        "F2",
        "Running dynamics compared with other runners",
        "form",
        "Garmin FR945 manual",
        "D",
        "Garmin's colour bands are percentiles of Garmin users, not injury thresholds.",
        {},
        {"bands": ("info", "Compared with other Garmin users (not a risk measure): {bands}.")},
    ),
    make_rule(
        "F3",
        "Ground contact time balance",
        "form",
        "Garmin Enduro 3 manual",
        "D",
        "Garmin found poor balance with injury in some runners (unpublished); it departs "
        "from 50/50 on hills, so only flat runs count.",
        {
            "limit_pct": 52.2,
            "persistent_runs": 3,
            "flat_share_min": 0.9,
            "baseline_min_runs": 5,
            "new_shift_pct": 1.0,
            "baseline_days": 90,
        },
        {
            "within": (
                "ok",
                "Ground contact balance {balance} on your latest flat run: within "
                "{limit_pct:g}% either side.",
            ),
            "isolated": (
                "ok",
                "Ground contact balance {balance} on your latest flat run, beyond "
                "{limit_pct:g}% but not persistent or new; worth watching.",
            ),
            "persistent": (
                "caution",
                "Ground contact balance beyond {limit_pct:g}% on your last {runs} "
                "flat runs (latest {balance}): consider a check-up or strength "
                "work.",
            ),
            "new": (
                "caution",
                "Ground contact balance {balance} on your latest flat run, beyond "
                "{limit_pct:g}% and new against your usual {baseline}: consider a check-up or "
                "strength work.",
            ),
        },
    ),
    make_rule(
        "F4",
        "Foot strike",
        "form",
        "Hamill 2017",
        "A/C",
        "Changing foot strike has not been shown to reduce injuries, impact or back load.",
        {},
        {
            "advice": (
                "info",
                "backstride does not advise changing your foot strike to protect your back.",
            )
        },
        "Hamill J & Gruber AH 2017, J Sport Health Sci 6:146-153; Rice 2016.",
    ),
    make_rule(
        "S1",
        "Shoe mileage",
        "shoes",
        "Verdejo 2004",
        "C/D",
        "Midsoles lose cushioning with distance; the {inspect_km:.0f}/{replace_km:.0f} km marks "
        "are convention, not "
        "proven injury thresholds.",
        {"inspect_km": 480.0, "replace_km": 800.0},
        {
            "ok": ("ok", "{shoe}: {km:.0f} km."),
            "inspect": (
                "caution",
                "{shoe}: {km:.0f} km, past {inspect_km:.0f} km: inspect the "
                "midsole and outsole for wear.",
            ),
            "replace": (
                "caution",
                "{shoe}: {km:.0f} km, past {replace_km:.0f} km: consider replacing it.",
            ),
            "untracked": (
                "info",
                "No shoes recorded on your recent runs: add them to track their distance.",
            ),
        },
        "Cook 1985; Verdejo R & Mills NJ 2004; Wang 2010.",
    ),
    make_rule(
        "S2",
        "Shoe rotation",
        "shoes",
        "Malisoux 2015",
        "B",
        "Runners who used more than one pair in parallel had fewer running injuries (HR 0.61).",
        {"min_pairs": 2, "window_days": 30},
        {
            "rotation": ("ok", "{pairs} pairs of shoes used in the last {window_days} days."),
            "single": (
                "info",
                "One pair of shoes used in the last {window_days} days: alternating "
                "{min_pairs} or more pairs went with fewer injuries.",
            ),
        },
        "Malisoux L et al. 2015, Scand J Med Sci Sports 25(1):110-115.",
    ),
    make_rule(
        "X1",
        "Cross-training",
        "cross_training",
        "Malisoux 2015",
        "B/C",
        "In one cohort, each extra hour a week of another sport went with fewer running "
        "injuries (HR 0.85, an association); it counts in load, not in running distance.",
        {"min_minutes": 60.0, "window_days": 7},
        {
            "enough": (
                "ok",
                "{minutes:.0f} min of other sport in the last {window_days} days "
                "(aim: {min_minutes:.0f}+).",
            ),
            "low": (
                "info",
                "{minutes:.0f} min of other sport in the last {window_days} days; in one "
                "cohort, each "
                "hour a week of cycling, swimming or strength went with fewer running injuries "
                "(an association): {min_minutes:.0f} min a week is a reasonable aim.",
            ),
        },
        "Malisoux L et al. 2015; WHO 2020 guidelines.",
    ),
    make_rule(
        "C1",
        "Core and strength sessions",
        "core_strength",
        "Hayden 2021",
        "A/C",
        "Exercise therapy helps chronic low back pain (Cochrane: pain 15/100 lower); any "
        "type works, Pilates, motor control or resistance.",
        {"min_sessions": 2, "max_sessions": 3, "window_days": 7},
        {
            "enough": (
                "ok",
                "{sessions} strength or core sessions in the last {window_days} days "
                "(aim: {min_sessions}-{max_sessions}).",
            ),
            "low": (
                "caution",
                "{sessions} strength or core sessions in the last {window_days} days: aim "
                "for {min_sessions}-{max_sessions} a week (Pilates, motor control, resistance, "
                "McGill Big 3).",
            ),
            "none_recorded": (
                "info",
                "No strength or core sessions recorded. Aim for {min_sessions}-{max_sessions} a "
                "week; imported strength activities count.",
            ),
        },
        "Hayden JA et al. 2021, Cochrane CD009790; Owen 2020; WHO 2020; Lauersen 2014.",
    ),
    make_rule(
        "C2",
        "Warm-up and stretching",
        "warmup_stretching",
        "Lauersen 2014",
        "C/D",
        "Stretching did not lower sports injuries (RR 0.96, grade A for that null result); "
        "the warm-up advice itself rests on weak or null trials in runners (van Mechelen "
        "1993): warm up with easy running and dynamic drills for comfort, keep any static "
        "stretch under {static_max_s} s per muscle.",
        {"static_max_s": 60, "window_days": 14, "min_share": 0.75},
        {
            "warmed_up": (
                "ok",
                "A warm-up logged before {warmed} of your {runs} runs in the last {window_days} "
                "days.",
            ),
            "often_skipped": (
                "info",
                "A warm-up logged before {warmed} of your {runs} runs in the last {window_days} "
                "days. "
                "Easy running and dynamic drills before a run are for comfort; trials in "
                "runners found no injury benefit, and stretching is not injury prevention.",
            ),
        },
        "Lauersen JB et al. 2014, Br J Sports Med 48:871-877; Behm 2016; Pereles 2011; van "
        "Mechelen W et al. 1993, Am J Sports Med 21(5):711-719.",
    ),
    make_rule(
        "C3",
        "Strength training and injuries",
        "core_strength",
        "Lauersen 2014; Toresdahl 2020",
        "C",
        "Strength training went with fewer sports injuries in trials (RR 0.32, mostly "
        "non-running sports); in runners a 10-minute programme showed no effect (Toresdahl "
        "2020, 720 runners). It is in the plan for the back, not as injury protection.",
        {},
        {},
        "Lauersen JB et al. 2014, Br J Sports Med 48:871-877; Toresdahl BG et al. 2020, "
        "Sports Health 12(1):74-79.",
    ),
)


#: F2: metric -> (band edges, display resolution, whether larger values are better). A value
#: (rounded to the resolution, as the manual prints it) reaching k edges is in band k counted
#: from the low end: for "larger is better" metrics band 0 is red, otherwise purple.
#: Source: Garmin Forerunner 945 manual, colour gauges; chest-strap (HRM) values for VO/VR.
GARMIN_BANDS: Mapping[str, tuple[tuple[float, ...], float, bool]] = MappingProxyType(
    {
        "cadence_spm": ((153, 164, 174, 184), 1.0, True),
        "stance_time_ms": ((218, 249, 278, 309), 1.0, False),
        "vertical_oscillation_cm": ((6.4, 8.2, 9.8, 11.6), 0.1, False),
        "vertical_ratio_pct": ((6.1, 7.5, 8.7, 10.2), 0.1, False),
    }
)
#: Band names from best to worst, with the share of Garmin users they stand for.
BAND_NAMES: tuple[str, ...] = (
    "purple (top 5%)",
    "blue (70-95th percentile)",
    "green (30-69th percentile)",
    "orange (5-29th percentile)",
    "red (bottom 5%)",
)
