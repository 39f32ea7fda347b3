"""activities.csv and gear CSVs as Strava writes them, pitfalls included (exports.md)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.errors import InputError
from backstride.ingest.strava import (
    parse_date,
    parse_number,
    read_activities_csv,
    read_gear_csv,
    strava_sport,
)
from tests.archives import CZECH_HEADER, STRAVA_HEADER, StravaRowSpec, strava_csv


def rows_of(data: bytes) -> list:  # type: ignore[type-arg]
    return list(read_activities_csv(io.BytesIO(data)))


def test_si_block_wins_over_the_display_block_for_duplicated_columns() -> None:
    data = strava_csv(
        [StravaRowSpec("1", "Jul 5, 2024, 6:00:00 AM", "x", "Run", "a.fit",
                       elapsed_s="3000", distance_m="10030.4", display_distance="10.03")]
    )  # fmt: skip
    [row] = rows_of(data)
    assert row.distance_m == 10030.4  # metres from the SI block, not 10.03 km
    assert row.elapsed_s == 3000


def test_old_export_with_display_block_only_reads_kilometres() -> None:
    header = STRAVA_HEADER[:15]
    data = strava_csv(
        [StravaRowSpec("1", "Jul 5, 2024, 6:00:00 AM", "x", "Run", "", display_distance="5.5")],
        header=header,
    )
    [row] = rows_of(data)
    assert row.distance_m == pytest.approx(5500.0)


def test_quoted_commas_quotes_and_newlines_survive() -> None:
    data = strava_csv(
        [StravaRowSpec("1", "Jul 5, 2024, 6:00:00 AM", 'Hills, "hard"', "Run", "a.fit",
                       description="line one\nline two, with comma")]
    )  # fmt: skip
    [row] = rows_of(data)
    assert row.meta.name == 'Hills, "hard"'
    assert row.meta.description == "line one\nline two, with comma"


def test_bom_is_dropped_and_czech_header_is_understood() -> None:
    data = strava_csv(
        [StravaRowSpec("5", "01.08.2025, 17:00:00", "Běh", "Run", "activities/5.fit",
                       gear="Boty", distance_m="5000,5", elapsed_s="1800")],
        header=CZECH_HEADER,
    )  # fmt: skip
    assert data.startswith(b"\xef\xbb\xbf")
    [row] = rows_of(data)
    assert row.activity_id == "5"
    assert row.start_at == datetime(2025, 8, 1, 17, 0, tzinfo=UTC)
    assert (row.filename, row.meta.gear_name, row.distance_m) == (
        "activities/5.fit",
        "Boty",
        5000.5,
    )


def test_missing_required_column_names_it_and_the_names_tried() -> None:
    with pytest.raises(InputError, match=r"no 'Activity Date' column \(looked for 'activity date'"):
        rows_of(b"Activity ID,Activity Type,Filename\n1,Run,a.fit\n")


def test_unreadable_date_names_the_activity_and_line() -> None:
    data = b"Activity ID,Activity Date,Activity Type,Filename\n1,Jul 5 2024,Run,\n7,soon,Run,\n"
    with pytest.raises(
        InputError, match=r"cannot read the date 'Jul 5 2024' \(activity 1, line 2\)"
    ):
        rows_of(data)


def test_rows_shorter_than_the_header_and_blank_lines_are_fine() -> None:
    data = (
        b"Activity ID,Activity Date,Activity Type,Filename,Perceived Exertion\n"
        b"\n1,2024-07-05 06:00:00,Run\n"
    )
    [row] = rows_of(data)
    assert (row.filename, row.meta.rpe) == ("", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jul 5, 2024, 6:00:00 AM", datetime(2024, 7, 5, 6, 0, tzinfo=UTC)),
        ("Dec 31, 2023, 12:30:05 PM", datetime(2023, 12, 31, 12, 30, 5, tzinfo=UTC)),
        ("Jan 1, 2024, 12:00:00 AM", datetime(2024, 1, 1, 0, 0, tzinfo=UTC)),
        ("15 mar 2024, 6:45:12", datetime(2024, 3, 15, 6, 45, 12, tzinfo=UTC)),
        ("01.08.2025, 17:00:00", datetime(2025, 8, 1, 17, 0, tzinfo=UTC)),
        ("2024-07-05T06:00:00Z", datetime(2024, 7, 5, 6, 0, tzinfo=UTC)),
        ("3. bře 2024 7:05:00", datetime(2024, 3, 3, 7, 5, tzinfo=UTC)),
    ],
)
def test_dates_in_several_locales(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("33,22", 33.22), ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("  ", None), ("n/a", None),
     ("1 234,5", 1234.5), ("-3", -3.0)],
)  # fmt: skip
def test_numbers_in_either_convention(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 2)))
def test_decimal_comma_and_point_read_the_same(value: float) -> None:
    assert parse_number(f"{value:.2f}") == parse_number(f"{value:.2f}".replace(".", ","))


def test_rpe_outside_one_to_ten_is_ignored() -> None:
    data = strava_csv(
        [StravaRowSpec(str(i), "Jul 5, 2024, 6:00:00 AM", "x", "Run", "", rpe=rpe)
         for i, rpe in enumerate(["0", "11", "7", "6.6"])]
    )  # fmt: skip
    assert [r.meta.rpe for r in rows_of(data)] == [None, None, 7, 7]


def test_gear_csv_reads_names_brands_models_and_retired() -> None:
    shoes = read_gear_csv(
        io.BytesIO(
            b"\xef\xbb\xbfShoe Name,Shoe Brand,Shoe Model,Shoe Retired\n"
            b"Ghost 15,Brooks,Ghost 15,false\nOld,Nike,Pegasus,true\n,,,\n"
        ),
        "shoe",
    )
    assert [(s.name, s.brand, s.model, s.retired) for s in shoes] == [
        ("Ghost 15", "Brooks", "Ghost 15", False),
        ("Old", "Nike", "Pegasus", True),
    ]


def test_strava_types_map_to_sports_and_unknown_ones_stay_generic() -> None:
    assert strava_sport("Weight Training") == ("training", "strength_training")
    assert strava_sport("Trail Run") == ("running", "trail")
    assert strava_sport("Kitesurf") == ("generic", None)
