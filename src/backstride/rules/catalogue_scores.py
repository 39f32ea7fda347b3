"""Catalogue data for questionnaire scores entered from a clinician: P5 (ODI), P6 (RMDQ),
P7 (STarT Back) (evidence.md §4.3, §9). Scores only: the questionnaires' text is
copyrighted and not included (docs/questionnaires.md). The change that matters for ODI
(10 points) and RMDQ (5 points, or 30 %) is P4's (Ostelo 2008)."""

from __future__ import annotations

from backstride.rules.rule import Rule, make_rule

SCORE_RULES: tuple[Rule, ...] = (
    make_rule(
        "P5",
        "Oswestry Disability Index (score from your clinician)",
        "clinician",
        "Fairbank 2000",
        "C",
        "The ODI measures how much back pain limits daily life (0-100 %); above "
        "{severe_above:.0f} % is "
        "severe disability, a reason to see a clinician before running more (a design choice "
        "on top of the published bands).",
        {"severe_above": 40.0, "change_points": 10.0},
        {
            "band": ("ok", "P5 (Fairbank 2000): ODI {score:.0f}% on {day}: {band} disability."),
            "severe": (
                "high",
                "P5 (Fairbank 2000): ODI {score:.0f}% on {day}: {band} disability. Hold your "
                "running load (no increase) and see a clinician before increasing it.",
            ),
            "better": (
                "ok",
                "P5/P4 (Fairbank 2000; Ostelo 2008): ODI down {change:.0f} points since "
                "{before_day}: an improvement that matters.",
            ),
            "worse": (
                "high",
                "P5/P4 (Fairbank 2000; Ostelo 2008): ODI up {change:.0f} points since "
                "{before_day}: a worsening that matters; cut your next session by "
                "{p2_reduce_min_pct:.0f}-{p2_reduce_max_pct:.0f}%, then hold your load, and see "
                "a clinician.",
            ),
        },
        "Fairbank JCT, Pynsent PB 2000, Spine 25(22):2940-2953; Ostelo RWJG et al. 2008, "
        "Spine 33(1):90-94.",
    ),
    make_rule(
        "P6",
        "Roland-Morris Disability Questionnaire (score from your clinician)",
        "clinician",
        "Roland 1983",
        "C",
        "The RMDQ counts how many of 24 everyday limits apply today (0-24); a change of "
        "{change_points:.0f} points or {change_share_pct:.0f} % matters.",
        {"change_points": 5.0, "change_share": 0.30},
        {
            "score": ("ok", "P6 (Roland 1983): RMDQ {score:.0f}/24 on {day}."),
            "better": (
                "ok",
                "P6/P4 (Roland 1983; Ostelo 2008): RMDQ down {change:.0f} points since "
                "{before_day}: an improvement that matters.",
            ),
            "worse": (
                "high",
                "P6/P4 (Roland 1983; Ostelo 2008): RMDQ up {change:.0f} points since "
                "{before_day}: a worsening that matters; cut your next session by "
                "{p2_reduce_min_pct:.0f}-{p2_reduce_max_pct:.0f}%, then hold your load, and see "
                "a clinician.",
            ),
        },
        "Roland M, Morris R 1983, Spine 8(2):141-144; Ostelo RWJG et al. 2008, Spine 33(1):90-94.",
    ),
    make_rule(
        "P7",
        "STarT Back risk group (score from your clinician)",
        "clinician",
        "Hill 2008",
        "B/C",
        "STarT Back sorts back pain by its risk of a poor outcome (cut-offs: Hill 2008); NICE "
        "NG59 recommends such stratification. In a UK trial the high-risk group did better with "
        "psychologically informed physiotherapy (Hill 2011, Lancet); a US primary-care trial "
        "did not replicate the benefit of stratified care (Cherkin 2018, MATCH).",
        {"low_max": 3.0, "distress_high_min": 4.0},
        {
            "low": ("ok", "P7 (Hill 2008): STarT Back {total:.0f}/9 on {day}: low-risk group."),
            "medium": (
                "caution",
                "P7 (Hill 2008): STarT Back {total:.0f}/9 on {day}: medium-risk group; "
                "physiotherapy is the usual recommendation.",
            ),
            "high": (
                "high",
                "P7 (Hill 2008 cut-offs; Hill 2011; NICE NG59): STarT Back distress "
                "{distress:.0f}/5 on {day}: high-risk group. Hold your running load and see a "
                "clinician (a physiotherapist offering psychologically informed care, which "
                "helped this group in a UK trial, Hill 2011, though a US trial did not "
                "replicate the benefit, Cherkin 2018).",
            ),
        },
        "Hill JC et al. 2008, Arthritis Rheum 59(5):632-641; Hill JC et al. 2011, Lancet "
        "378(9802):1560-1571; Cherkin D et al. 2018, J Gen Intern Med 33(8):1324-1336 "
        "(MATCH); NICE NG59 (2016).",
    ),
)
