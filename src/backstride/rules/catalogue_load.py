"""Catalogue data for the load rules L1-L7 (evidence.md §1 and §9).

Thresholds and wording only; see :mod:`backstride.rules.catalogue` for the whole catalogue.
"""

from __future__ import annotations

from backstride.rules.rule import Rule, make_rule

_SPIKE = "{distance_km:.1f} km, {spike_pct:.0f}% longer than your longest run of the previous {window_days} days ({longest_km:.1f} km)"  # noqa: E501

LOAD_RULES: tuple[Rule, ...] = (
    make_rule(
        "L1",
        "Single-run distance spike",
        "gradual_mileage",
        "Frandsen 2025",
        "B",
        "In 5,200 runners, runs more than {caution_above_pct:.0f}% longer than the longest run "
        "of the previous {window_days} days went with 1.5-2.3 times the injury rate.",
        {
            "caution_above": 0.10,
            "high_above": 0.30,
            "very_high_above": 1.00,
            "window_days": 30,
            "planned_cap": 1.10,
            "recent_days": 7,
        },
        {
            "ok": (
                "ok",
                "{distance_km:.1f} km: within {caution_above_pct:.0f}% of your longest run of "
                "the previous {window_days} days ({longest_km:.1f} km).",
            ),
            "caution": ("caution", _SPIKE + ": a small spike."),
            "high": ("high", _SPIKE + ": a moderate spike."),
            "very_high": (
                "very_high",
                _SPIKE + ": a large spike (more than {very_high_above_pct:.0f}% longer).",
            ),
            "after_break": (
                "high",
                "{distance_km:.1f} km after {gap_days} days without a run: "
                "after a break every run is a spike. Restart with short run-walk "
                "sessions.",
            ),
            "first": (
                "info",
                "{distance_km:.1f} km: your first run in backstride, so there is "
                "no {window_days}-day history to compare it with yet.",
            ),
            "cap": (
                "info",
                "Keep your next long run to {cap_km:.1f} km or less ({planned_cap:g} x your "
                "longest run of the last {window_days} days, {longest_km:.1f} km).",
            ),
        },
        "Frandsen J, ..., Nielsen RO 2025, Br J Sports Med 59(17):1203-1210.",
    ),
    make_rule(
        "L2",
        "Weekly running distance progression",
        "gradual_mileage",
        "Nielsen 2014",
        "C",
        "Novice runners whose weekly distance rose more than {flag_above_pct:.0f}% tended to have "
        "more "
        "distance-related injuries (HR 1.59, 95% CI 0.96-2.66, p = 0.07), and the largest "
        "cohort since found no week-to-week link (Frandsen 2025); the 10% rule itself did not "
        "lower injuries (Buist 2008). An association at best, so a caution, not a verdict.",
        {"flag_above": 0.30, "conservative_at_most": 0.10, "window_days": 7},
        {
            "conservative": (
                "ok",
                "{km_7d:.1f} km in the last {window_days} days, {change_pct:+.0f}% on the "
                "{window_days} days before ({prev_km:.1f} km): a conservative progression (not "
                "a proven safe limit).",
            ),
            "moderate": (
                "ok",
                "{km_7d:.1f} km in the last {window_days} days, {change_pct:+.0f}% on the "
                "{window_days} days before ({prev_km:.1f} km): within {flag_above_pct:.0f}%.",
            ),
            "steep": (
                "caution",
                "{km_7d:.1f} km in the last {window_days} days, up {change_pct:.0f}% on the "
                "{window_days} days before ({prev_km:.1f} km): more than {flag_above_pct:.0f}%, "
                "which tended to go with "
                "more distance-related injuries in one cohort (an association, not proof).",
            ),
            "restart": (
                "info",
                "{km_7d:.1f} km in the last {window_days} days after {window_days} days without "
                "running;"
                " rule L1 judges each run.",
            ),
            "no_running": (
                "info",
                "No running in the last {window_days} days ({prev_km:.1f} km in the "
                "{window_days} days before): no progression to judge; rule L1 judges your "
                "next run.",
            ),
        },
        "Nielsen RO et al. 2014, J Orthop Sports Phys Ther 44(10):739-747; Buist I et al. "
        "2008, Am J Sports Med 36(1):33-39; Frandsen JSB et al. 2025, Br J Sports Med 59:1203.",
    ),
    make_rule(
        "L3",
        "Acute:chronic workload ratio (context only)",
        "gradual_mileage",
        "Williams 2017",
        "C/D",
        "The ratio is shown for context: in runners a high ratio has not reliably meant "
        "more injuries, and it is mostly a rescaling of recent load (Impellizzeri 2021).",
        {"acute_days": 7, "chronic_days": 28, "large_jump_at": 1.5},
        {
            "context": (
                "info",
                "Acute:chronic load ratio {acwr:.2f} ({variant}). Context only,"
                " not an injury alarm.",
            ),
            "large_jump": (
                "info",
                "Acute:chronic load ratio {acwr:.2f} ({variant}): a large "
                "recent jump in load. Context only: evidence in runners is "
                "inconsistent.",
            ),
            "too_early": (
                "info",
                "The acute:chronic load ratio needs {chronic_days} days of data ({days} so far).",
            ),
        },
        "Williams S et al. 2017, Br J Sports Med 51(3):209-210; Lolli 2019; Impellizzeri 2021;"
        " Nakaoka 2021; Frandsen 2025.",
    ),
    make_rule(
        "L4",
        "Fitness, fatigue and form",
        "gradual_mileage",
        "Banister 1975",
        "C/D",
        "A performance view of recent training; it does not measure injury risk.",
        {"fitness_days": 42, "fatigue_days": 7},
        {
            "view": (
                "info",
                "Fitness (CTL) {ctl:.0f}, fatigue (ATL) {atl:.0f}, form (TSB) "
                "{tsb:+.0f}, in session-load units ({variant}). A performance view, not an "
                "injury measure.",
            )
        },
        "Banister EW et al. 1975, Aust J Sports Med 7:57-61; Coggan, TrainingPeaks PMC.",
    ),
    make_rule(
        "L5",
        "Session load (sRPE)",
        "gradual_mileage",
        "Foster 2001",
        "B/C",
        "RPE x minutes puts runs, rides, swims and strength work on one load scale.",
        {"assumed_rpe": 3.0},
        {
            "rated": (
                "info",
                "Load of the last 7 days: {load_au:.0f} AU in {sessions} session(s), "
                "{rated} rated with RPE.",
            ),
            "unrated": (
                "info",
                "Load of the last 7 days: {load_au:.0f} AU in {sessions} session(s), "
                "{unrated} without RPE (counted as minutes x RPE "
                "{assumed_rpe:g}). Rate sessions 0-10 about 30 min after for a truer "
                "load.",
            ),
        },
        "Foster C et al. 2001, J Strength Cond Res 15(1):109-115; Foster 2021, IJSPP.",
    ),
    make_rule(
        "L6",
        "Training monotony and strain",
        "gradual_mileage",
        "Foster 1998",
        "C",
        "Very uniform training (monotony above {monotony_above:g}) and strain above your usual "
        "went with "
        "illness in Foster's athletes; both cut-offs are from secondary sources.",
        {
            "monotony_above": 2.0,
            "monotony_cap": 10.0,
            "window_days": 7,
            "strain_percentile": 90.0,
            "strain_weeks": 12,
            "strain_min_weeks": 4,
        },
        {
            "varied": (
                "ok",
                "Training monotony {monotony:.1f} over the last {window_days} days: varied enough.",
            ),
            "monotonous": (
                "caution",
                "Training monotony {monotony:.1f} over the last {window_days} days "
                "(above {monotony_above:.1f}): add an easy or rest day.",
            ),
            "strain_usual": (
                "ok",
                "Training strain {strain:.0f}: within your usual ({strain_percentile:.0f}th "
                "percentile of the previous weeks: {threshold:.0f}).",
            ),
            "strain_high": (
                "caution",
                "Training strain {strain:.0f} is above your own {strain_percentile:.0f}th "
                "percentile of the previous {strain_weeks} weeks ({threshold:.0f}): plan a few "
                "easier days.",
            ),
        },
        "Foster C 1998, Med Sci Sports Exerc 30(7):1164-1168.",
    ),
    make_rule(
        "L7",
        "TRIMP (heart-rate load)",
        "gradual_mileage",
        "Banister 1975",
        "C/D",
        "With heart rate, TRIMP can stand in for sRPE as internal load.",
        {"men_k": 0.64, "men_b": 1.92, "women_k": 0.86, "women_b": 1.67},
        {},
    ),
)
