"""rules.urgency: the clinician's order of athletes, on hand-made findings (vignettes) with
the order written by hand from the module's rules: red flags, pain worsening (P3 rising, P4
worsened), load spikes of the last 7 days (L1 spike outcomes, L2 steep), the rest; within a
level the most pressing severity, then the name."""

from __future__ import annotations

from datetime import date

from backstride.rules.finding import Finding, Severity
from backstride.rules.urgency import Urgency, by_urgency, urgency

AS_OF = date(2026, 12, 7)


def f(rule: str, outcome: str, severity: Severity, day: date = AS_OF) -> Finding:
    return Finding(
        rule=rule, severity=severity, date=day, activity_id=None, message="", values={},
        citation="", grade="", practice="", outcome=outcome,
    )  # fmt: skip


VIGNETTES: dict[str, tuple[list[Finding], str, tuple[str, ...]]] = {
    # name: (findings, level, reasons)
    "Ana": (
        [f("R2", "urgent", "high", date(2026, 12, 3)), f("L1", "very_high", "very_high")],
        "red_flag",
        ("R2 urgent on 2026-12-03",),
    ),
    "Ben": (  # a cleared R1 is no active red flag
        [f("R1", "cleared", "info"), f("P4", "worsened", "caution"), f("P3", "steady", "ok")],
        "pain_worsening",
        ("P4 worsened on 2026-12-07",),
    ),
    "Cy": (
        [f("L1", "high", "high", date(2026, 12, 6)), f("P3", "rising", "caution")],
        "pain_worsening",
        ("P3 rising on 2026-12-07",),
    ),
    "Dee": (
        [f("L1", "high", "high", date(2026, 12, 5)), f("L2", "steep", "caution")],
        "load_spike",
        ("L1 high on 2026-12-05", "L2 steep on 2026-12-07"),
    ),
    "Eli": (  # 7 days before: outside the last 7 days (12-01 .. 12-07)
        [f("L1", "very_high", "very_high", date(2026, 11, 30)), f("P4", "stable", "info")],
        "routine",
        (),
    ),
    "Fay": (  # 6 days before: inside
        [f("L2", "steep", "caution", date(2026, 12, 1))],
        "load_spike",
        ("L2 steep on 2026-12-01",),
    ),
    "Gus": (
        [f("L1", "ok", "ok"), f("P3", "missing", "info"), f("R3", "inflammatory", "caution")],
        "routine",
        (),
    ),
    "Hal": (
        [f("R1", "emergency", "very_high"), f("R1", "emergency", "very_high")],
        "red_flag",
        ("R1 emergency on 2026-12-07",),
    ),
    "ada": ([], "routine", ()),
    "Ivy": (  # an L1 after a break is a spike too
        [f("L1", "after_break", "high", date(2026, 12, 7))],
        "load_spike",
        ("L1 after break on 2026-12-07",),
    ),
}


def test_each_vignettes_level_and_reasons() -> None:
    for name, (findings, level, reasons) in VIGNETTES.items():
        found = urgency(findings, as_of=AS_OF)
        assert (found.level, found.reasons) == (level, reasons), name


def test_order_of_the_list() -> None:
    rows = [(name, urgency(v[0], as_of=AS_OF)) for name, v in VIGNETTES.items()]
    ordered = by_urgency(rows, lambda r: (r[1], r[0]))
    # Red flags (very high before high), pain (both caution: by name), spikes (Dee and Ivy
    # high, then Fay caution; Dee before Ivy by name), the rest by name, case aside.
    assert [name for name, _ in ordered] == [
        "Hal", "Ana", "Ben", "Cy", "Dee", "Ivy", "Fay", "ada", "Eli", "Gus",
    ]  # fmt: skip


def test_json() -> None:
    found = urgency(VIGNETTES["Dee"][0], as_of=AS_OF)
    assert found.to_json() == {
        "level": "load_spike",
        "words": "load spike",
        "reasons": ["L1 high on 2026-12-05", "L2 steep on 2026-12-07"],
        "rules": ["L1", "L2"],
    }
    assert Urgency("routine", ()).to_json()["words"] == "no alert"
