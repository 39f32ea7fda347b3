"""How a week's L2 change reads: one label (service.load.l2_change_label) for the CLI's week
table, the Load page and the report, so a week without running is "no running" everywhere
and never a "-100%" progression (issue 18)."""

from __future__ import annotations

from datetime import date

import pytest

from backstride.rules.load import l2_finding
from backstride.rules.load_outcomes import L2
from backstride.service.load import l2_change_label, l2_view

SUNDAY = date(2024, 1, 14)


@pytest.mark.parametrize(
    ("current_m", "previous_m", "outcome", "label"),
    [
        (10_500.0, 10_000.0, "conservative", "+5%"),  # 10.5 km after 10 km: +5 %
        (14_000.0, 10_000.0, "steep", "+40%"),  # 14 km after 10 km: +40 %
        (5_000.0, 0.0, "restart", "restart"),  # nothing the week before: no ratio
        (0.0, 8_000.0, "no_running", "no running"),  # a pause: not -100 %
    ],
)
def test_each_outcome_reads_as_a_runner_would_say_it(
    current_m: float, previous_m: float, outcome: str, label: str
) -> None:
    finding = l2_finding(SUNDAY, current_m, previous_m, L2.code(outcome))
    assert finding is not None
    assert finding.outcome == outcome
    assert l2_change_label(finding) == label
    view = l2_view(finding)
    assert view is not None
    assert view["change_label"] == label
    assert "-100" not in finding.message
