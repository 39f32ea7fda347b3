"""Catalogue data for the red-flag screen's rules R1-R3 (evidence.md §5 and §9).

Thresholds and wording only; see :mod:`backstride.rules.catalogue` for the whole catalogue.
Every message starts with its rule id and source. None of them diagnoses: a red flag "may be
a sign of" something that "needs to be checked by a doctor"; a negative screen only says
that no red flags were reported. Evaluation: :mod:`backstride.rules.redflags`.
"""

from __future__ import annotations

from backstride.rules.rule import Rule, make_rule

RED_FLAG_RULES: tuple[Rule, ...] = (
    make_rule(
        "R1",
        "Emergency signs (nerves at the base of the spine)",
        "clinician",
        "Finucane 2020",
        "C",
        "New numbness between the legs, bladder, bowel or sexual changes, or weakness in both "
        "legs need emergency assessment the same day (BMJ Best Practice, NICE NG59).",
        {"screen_every_days": 28},
        {
            "emergency": (
                "very_high",
                "R1 (Finucane 2020; BMJ Best Practice): you reported {signs}. With back pain "
                "this may be a sign of pressure on the nerves at the base of the spine, which "
                "needs to be checked at a hospital straight away: go to an emergency "
                "department now, or call emergency services. Do not wait to see if it "
                "passes. All training is paused.",
            ),
            "none_reported": (
                "ok",
                "R1-R3 (Finucane 2020; NICE NG59): no red flags reported in your screen. "
                "backstride cannot examine you, so this is not a check-up: see a clinician "
                "if anything changes or worries you.",
            ),
            "incomplete": (
                "info",
                "R1-R3 (Finucane 2020; NICE NG59): the symptom screen is incomplete, "
                "{unanswered} question(s) unanswered, so it cannot count as negative. "
                "Answer the rest to finish it.",
            ),
        },
        "Finucane LM et al. 2020, J Orthop Sports Phys Ther 50(7):350-372; BMJ Best Practice "
        "cauda equina pathway; NICE NG59.",
    ),
    make_rule(
        "R2",
        "Signs to see a doctor promptly",
        "clinician",
        "Downie 2013",
        "A/C",
        "A few answers (a history of cancer, long-term steroids, significant trauma) raise "
        "the chance of a cause that needs medical care; most single flags change it little, "
        "so a doctor should weigh them.",
        {},
        {
            "urgent": (
                "high",
                "R2 (Downie 2013; Finucane 2020): you reported {signs}. With back pain this "
                "needs to be checked by a doctor promptly: contact your GP or doctor today or "
                "tomorrow. Often no serious cause is found, but only a doctor can tell; "
                "training is paused until a doctor has seen you.",
            ),
        },
        "Downie A et al. 2013, BMJ 347:f7095; Finucane LM et al. 2020.",
    ),
    make_rule(
        "R3",
        "Inflammatory pattern or leg symptoms: routine review",
        "clinician",
        "NICE NG65 2017",
        "C",
        "Back pain that began before 45, has lasted over 3 months and has 4 or more of NICE's "
        "features should be assessed by a rheumatologist; pain spreading below the knee "
        "deserves a clinician review (NICE NG59).",
        {"onset_age_max": 45, "min_months": 3, "refer_at": 4, "test_at": 3},
        {
            "inflammatory": (
                "caution",
                "R3 (NICE NG65): back pain that began before 45, has lasted more than 3 months "
                "and has {count} of the 7 features NICE lists may be a sign of inflammatory "
                "back pain and needs to be checked by a doctor: ask your GP about a referral "
                "to a rheumatologist. Easy running guided by your pain can go on meanwhile.",
            ),
            "inflammatory_possible": (
                "caution",
                "R3 (NICE NG65): back pain that began before 45, has lasted more than 3 months "
                "and has 3 of the 7 features NICE lists: mention it to your GP, who may "
                "arrange a blood test. Easy running guided by your pain can go on meanwhile.",
            ),
            "leg_below_knee": (
                "caution",
                "R3 (NICE NG59): pain, numbness or tingling below the knee may come from an "
                "irritated nerve and needs a clinician review (GP or physiotherapist). Keep "
                "to easy running guided by your pain meanwhile; if both legs are affected or "
                "numbness between the legs or bladder changes start, go to an emergency "
                "department.",
            ),
        },
        "NICE NG65 (2017) spondyloarthritis; NICE NG59 (2016, 2020) low back pain and sciatica.",
    ),
)
