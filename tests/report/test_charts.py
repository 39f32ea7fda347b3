"""The report's SVG charts: labels escaped, gaps kept, flagged bars marked, rounded scales."""

from __future__ import annotations

from datetime import date

from backstride.report import charts


def test_labels_are_escaped_and_flagged_bars_take_their_colour() -> None:
    mark = "#123456"
    svg = str(
        charts.bar_chart(
            ["<b>1</b>", "2", "3"], [10.0, 0.0, 30.0], title="km & more", unit="km",
            flagged=[None, None, mark], flag_label="spike",
        )
    )  # fmt: skip
    assert "<b>" not in svg
    assert "&lt;b&gt;1&lt;/b&gt;" in svg
    assert "km &amp; more" in svg
    assert svg.count(f'fill="{mark}"/>') == 2  # the flagged bar and its marker
    assert svg.count("<rect") == 2  # no bar is drawn for a zero week


def test_a_week_without_pain_entries_is_a_gap_not_a_zero() -> None:
    svg = str(charts.line_chart(["a", "b", "c", "d", "e"], [5.0, 4.0, None, 2.0, 1.5],
                                title="pain", unit="NRS"))  # fmt: skip
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4


def test_scales_use_round_steps() -> None:
    assert [charts.nice_step(v) for v in (10, 37, 0.8, 0, 120)] == [2.5, 10.0, 0.2, 1.0, 50.0]


def test_dot_chart_places_runs_by_date() -> None:
    svg = str(
        charts.dot_chart([date(2026, 1, 1), date(2026, 1, 31)], [160.0, 170.0],
                         start=date(2026, 1, 1), end=date(2026, 1, 31), title="c", unit="spm")
    )  # fmt: skip
    assert 'cx="44.0"' in svg  # first day on the left edge of the plot
    assert f'cx="{charts.WIDTH - 8:.1f}"' in svg  # last day on the right edge


def test_shoe_bars_past_a_threshold_take_its_colour() -> None:
    svg = str(
        charts.threshold_bars(["old", "mid", "new"], [850.0, 500.0, 100.0], title="shoes",
                              unit="km", thresholds=[(480.0, "inspect", "#aa0000"),
                                                     (800.0, "replace", "#bb0000")])
    )  # fmt: skip
    assert svg.count('fill="#bb0000"/>') == 1  # past replace: the larger mark's colour
    assert svg.count('fill="#aa0000"/>') == 1
    assert svg.count(f'fill="{charts.BAR}"/>') == 1
    assert "replace 800 km" in svg


def test_tick_labels_keep_the_decimals_of_their_step() -> None:
    svg = str(charts.bar_chart(["a"], [9.8], title="t", unit="km"))
    assert ">7.5</text>" in svg
    assert ">2.5</text>" in svg
