"""Catalogue data for the red-flag screen's rules R1-R3 (evidence.md §5 and the §9 table).

Thresholds and wording only; see :mod:`backstride.rules.catalogue` for the whole catalogue.
Every message starts with its rule id and source. None of them diagnoses: a red flag "may be
a sign of" something that "needs to be checked"; a negative screen only says that no red flags
were reported. Evaluation: :mod:`backstride.rules.redflags`.

Citations follow the §9 table: R1 (cauda equina signs) cites Finucane 2020, the GIRFT / NHS
England national suspected cauda equina syndrome pathway (2023) and BMJ Best Practice, never
NICE NG59, which does not define cauda equina criteria. R2 cites Downie 2013 and Finucane
2020; R3 NICE NG65 (inflammatory back pain). Leg symptoms below the knee in one leg are a
routine review under R3; their message names NICE NG59, the sciatica guideline.
"""

from __future__ import annotations

from backstride.rules.rule import Rule, make_rule

#: How the R1 messages name their sources (the §9 table's R1 row).
R1_SOURCE = "Finucane 2020; GIRFT 2023; BMJ Best Practice"
#: The same for R2.
R2_SOURCE = "Downie 2013; Finucane 2020"

_CLEARED = (
    "you recorded that a clinician saw you on {cleared_on}{by}, after this screen of "
    "{screen_date}, so the {signs} reported in it no longer pause training. If anything is new "
    "or gets worse, take the screen again."
)

#: How an R3 routine review ends: easy running guided by pain may go on, unless an R1/R2
#: red flag of the same screen pauses all training (red flags win, ``rules/safety.py``).
R3_MEANWHILE = "Easy running guided by your pain can go on meanwhile"
R3_PAUSED = "The red flag above comes first: no training until a clinician has seen you"

RED_FLAG_RULES: tuple[Rule, ...] = (
    make_rule(
        "R1",
        "Emergency signs (nerves at the base of the spine)",
        "clinician",
        R1_SOURCE,
        "C",
        "New or worsening numbness between the legs, a new bladder or bowel change, a new "
        "change in sexual function, weakness or numbness in both legs, pain in both legs "
        "(sciatica in both legs) or a leg getting weaker quickly may be signs of pressure on "
        "the nerves at the base of the spine (cauda equina). They need assessment in an "
        "emergency department the same day: the outcome is better when it is found early. "
        "Long-standing leaking when you cough, sneeze or run (stress incontinence) is not one "
        "of these signs.",
        {"screen_every_days": 28},
        {
            "emergency": (
                "very_high",
                f"R1 ({R1_SOURCE}): you reported {{signs}}. With back pain this may be a sign "
                "of pressure on the nerves at the base of the spine, which needs to be checked "
                "at a hospital straight away: go to an emergency department now, or call "
                "emergency services. Do not wait to see if it passes. All training is paused.",
            ),
            "both_legs_logged": (
                "very_high",
                f"R1 ({R1_SOURCE}): on {{day}} you logged back pain with symptoms in both "
                "legs. Pain, numbness or tingling in both legs may be a sign of pressure on the "
                "nerves at the base of the spine, which needs to be checked at a hospital "
                "straight away: go to an emergency department now, or call emergency services. "
                "All training is paused. Then take the symptom screen (backstride screen) to "
                "record how things are.",
            ),
            "cleared": ("info", f"R1 ({R1_SOURCE}): " + _CLEARED),
            "none_reported": (
                "ok",
                f"R1-R3 ({R1_SOURCE}; {R2_SOURCE}; NICE NG65): no red flags reported in your "
                "screen. backstride cannot examine you, so this is not a check-up: see a "
                "clinician if anything changes or worries you.",
            ),
            "incomplete": (
                "info",
                f"R1-R3 ({R1_SOURCE}; {R2_SOURCE}; NICE NG65): the symptom screen is "
                "incomplete, {unanswered} question(s) unanswered, so it cannot count as "
                "negative. Answer the rest to finish it.",
            ),
        },
        "Finucane LM et al. 2020, J Orthop Sports Phys Ther 50(7):350-372; GIRFT / NHS England "
        "National Suspected Cauda Equina Syndrome Pathway (2023, with BASS and the CSP); BMJ "
        "Best Practice, cauda equina syndrome.",
    ),
    make_rule(
        "R2",
        "Signs to see a doctor promptly",
        "clinician",
        R2_SOURCE,
        "A/C",
        "Some answers raise the chance of a cause that needs medical care: fever or feeling "
        "unwell, a history of cancer, weight loss without trying, a hard fall or accident (or "
        "a minor one with osteoporosis, age 65 or over or long-term steroids), a weakened "
        "immune system or injecting drugs, a recent infection or spinal procedure, constant "
        "pain that rest does not ease, severe night pain, or pain in the mid or upper back. "
        "Most single flags change that chance little (Downie 2013), so a doctor should weigh "
        "them; osteoporosis, age or steroids alone are not flags. After a clinician has seen "
        "you, answers about who you are (a past cancer, steroids, osteoporosis, age) no longer "
        "pause training; new or worse symptoms always do.",
        {},
        {
            "urgent": (
                "high",
                f"R2 ({R2_SOURCE}): you reported {{signs}}. With back pain this needs to be "
                "checked by a doctor promptly: contact your GP or doctor today or tomorrow. "
                "Often no serious cause is found, but only a doctor can tell; training is "
                "paused until a doctor has seen you.",
            ),
            "urgent_today": (
                "high",
                f"R2 ({R2_SOURCE}): you reported {{signs}}. A fever with a weakened immune "
                "system, injecting drugs, a recent infection or a recent spinal procedure needs "
                "to be checked by a doctor today, not tomorrow: contact your GP, an urgent care "
                "service or an emergency department today. It may be a sign of an infection "
                "that needs treatment; training is paused until a doctor has seen you.",
            ),
            "cleared": ("info", f"R2 ({R2_SOURCE}): " + _CLEARED),
            "trait_cleared": (
                "info",
                f"R2 ({R2_SOURCE}): you reported {{signs}}; a clinician saw you on "
                "{cleared_on}{by} and you reported nothing new or worse since then, so on "
                "its own this no longer pauses training. If anything is new or gets worse, "
                "take the screen again.",
            ),
        },
        "Downie A et al. 2013, BMJ 347:f7095; Finucane LM et al. 2020, J Orthop Sports Phys "
        "Ther 50(7):350-372.",
    ),
    make_rule(
        "R3",
        "Inflammatory pattern or leg symptoms: routine review",
        "clinician",
        "NICE NG65 2017",
        "C",
        "Back pain that began before {onset_age_max} and has lasted more than {min_months} "
        "months, with {refer_at} or more of the {features} features NICE NG65 lists (onset before "
        "35; waking in the second half of the "
        "night; buttock pain; better with movement; better within 48 hours of "
        "anti-inflammatory painkillers; a parent, sibling or child with spondyloarthritis; "
        "arthritis, enthesitis or psoriasis now or before, each a feature of its own), should "
        "be assessed by a rheumatologist through your GP; with exactly {test_at}, mention it to "
        "your "
        "GP. Pain, numbness or tingling spreading below the knee in one leg deserves a routine "
        "clinician review (NICE NG59, sciatica).",
        {"onset_age_max": 45, "min_months": 3, "refer_at": 4, "test_at": 3, "features": 9},
        {
            "inflammatory": (
                "caution",
                "R3 (NICE NG65): you said your back pain began before {onset_age_max} and has "
                "lasted more than {min_months} months, with {count} of the {features} features "
                "NICE lists. This may be a sign "
                "of inflammatory back pain and needs to be checked by a doctor: ask your GP "
                "about a referral to a rheumatologist. {meanwhile}.",
            ),
            "inflammatory_possible": (
                "caution",
                "R3 (NICE NG65): you said your back pain began before {onset_age_max} and has "
                "lasted more than {min_months} months, with {test_at} of the {features} features "
                "NICE lists: mention it to your GP, who "
                "may consider a blood test (HLA-B27). {meanwhile}.",
            ),
            "inflammatory_incomplete": (
                "info",
                "R3 (NICE NG65): you reported {count} of the {features} features NICE lists for "
                "inflammatory back pain, but the two questions that decide whether they count "
                "(did the pain begin before {onset_age_max}? has it gone on for over {min_months} "
                "months?) are not both "
                "answered. Answer them: until then this part of the screen is incomplete.",
            ),
            "leg_below_knee": (
                "caution",
                "R3 (NICE NG59): pain, numbness or tingling below the knee in one leg may come "
                "from an irritated nerve and needs a routine clinician review (GP or "
                "physiotherapist). {meanwhile}. If both legs are affected, or numbness between the "
                "legs or a new bladder change starts, go to an emergency department.",
            ),
        },
        "NICE NG65 (2017) spondyloarthritis in over 16s; NICE NG59 (2016, 2020) low back pain "
        "and sciatica (leg symptoms only).",
    ),
)
