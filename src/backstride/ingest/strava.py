"""Strava bulk export: ``activities.csv``, ``shoes.csv`` and ``bikes.csv`` into plain rows.

The layout and its pitfalls are in shared/design/exports.md. What this module copes with:

- **duplicated column names**: ``Elapsed Time``, ``Distance``, ``Max Heart Rate`` ... appear
  twice, first formatted for display in the athlete's units (``Distance`` 10.03 = km or
  miles), then in SI (metres, seconds). Columns are read by position: for these the *last*
  occurrence (SI) is used when there are two;
- **localised headers**: each field is looked up under its English name and the Czech and
  German names seen in real headers; a required column that cannot be found is an error
  naming it and the names tried;
- **decimal commas** (``"33,22"``) and thousands separators in either convention;
- **locale-formatted dates** (``Jul 5, 2024, 6:00:00 AM``, ``01.08.2025, 17:00:00``,
  ``15 mar 2024, 6:45:12``): UTC, month names in several languages;
- a UTF-8 BOM, RFC-4180 quoting (commas, quotes and newlines inside fields), missing and
  extra columns across export vintages, rows shorter than the header.

Everything here is pure: text in, rows out. Which member a row's ``Filename`` names, and
what to do with it, is the service layer's business.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from backstride.errors import InputError
from backstride.ingest import limits
from backstride.ingest.limits import without_nul
from backstride.model import ActivityMeta, Gear, GearKind

# Header names per field, lower-cased; English first. Only names seen in real headers are
# listed: the Czech ones from a complete Czech header in a third-party Strava-archive
# importer's test, the German ones (id, date, name, type, filename, distance) likewise; a
# field whose translation has not been seen is simply absent in that language (its column
# is then ignored, which only matters for the optional fields).
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("activity id", "id aktivity", "aktivitäts-id"),
    "date": ("activity date", "datum aktivity", "aktivitätsdatum"),
    "name": ("activity name", "název aktivity", "name der aktivität"),
    "type": ("activity type", "typ aktivity", "aktivitätsart"),
    "description": ("activity description", "popis aktivity"),
    "elapsed": ("elapsed time", "uplynulý čas"),
    "moving": ("moving time", "aktivní čas"),
    "distance": ("distance", "vzdálenost", "distanz"),
    "max_hr": ("max heart rate", "maximální tepová frekvence"),
    "avg_hr": ("average heart rate", "průměrná tepová frekvence"),
    "private_note": ("activity private note", "soukromá poznámka k aktivitě"),
    "gear": ("activity gear", "vybavení na aktivitu"),
    "filename": ("filename", "název souboru", "dateiname"),
    "rpe": ("perceived exertion",),
    "calories": ("calories", "kalorie"),
}
_REQUIRED = ("id", "date", "type", "filename")
# Fields whose second occurrence is the SI ("machine") block.
_SI_BLOCK = frozenset({"elapsed", "distance", "max_hr"})

# Month names and abbreviations (lower case, no trailing dot) in the languages Strava exports.
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "jan january januar janvier enero gennaio janeiro januari led leden ledna sty styczeń",
        "feb february februar février fév febrero febbraio fevereiro februari úno únor února lut",
        "mar march märz mär mars marzo março maart bře březen března",
        "apr april avril abril aprile dub duben dubna kwi",
        "may mai mayo maggio maio mei kvě květen května maj",
        "jun june juni juin junio giugno junho čvn červen června cze",
        "jul july juli juillet julio luglio julho čvc červenec července lip",
        "aug august août aoû agosto augustus srp srpen srpna sie",
        "sep sept september septembre septiembre settembre setembro zář září wrz",
        "oct october oktober octobre oct octubre ottobre outubro říj říjen října paź okt",
        "nov november novembre noviembre novembro lis listopad listopadu",
        "dec december dezember décembre déc diciembre dicembre dezembro pro prosinec prosince gru",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_TOKEN = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class StravaRow:
    """One row of activities.csv: where its file is, what Strava adds to it, its totals.

    ``filename`` is empty for a manual activity, which then has only the summary columns.
    Distances in metres, times in seconds (from the SI block when the export has one).
    """

    activity_id: str
    start_at: datetime
    activity_type: str
    filename: str
    meta: ActivityMeta
    elapsed_s: float | None = None
    moving_s: float | None = None
    distance_m: float | None = None
    avg_hr_bpm: float | None = None
    max_hr_bpm: float | None = None
    calories_kcal: float | None = None
    line: int = 0
    """Line of the CSV the row starts on (for messages)."""
    warnings: tuple[str, ...] = ()


_NUL_WARNING = "NUL characters removed from the row's text (they cannot be stored)"


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    # utf-8-sig drops a BOM; newline="" lets the csv module handle newlines inside quotes.
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")


@dataclass(frozen=True)
class BadRow:
    """A row of activities.csv that cannot be read (too long, malformed): it fails alone."""

    line: int
    message: str


def _records(stream: IO[bytes], name: str) -> Iterator[tuple[int, list[str] | BadRow]]:
    """(first line, cells) of each CSV record, or a :class:`BadRow` for one that is longer
    than ``limits.MAX_CSV_ROW_CHARS`` or malformed; memory holds one record at most.

    A record ends at a line end with an even count of quotes since it began (RFC 4180 doubles
    quotes inside quoted fields), so a runaway field is skipped whole, not parsed as rows.
    """
    text = _text(stream)
    limit = limits.MAX_CSV_ROW_CHARS
    line = 0
    while True:
        first = line + 1
        parts: list[str] = []
        size = quotes = 0
        while piece := text.readline(limit + 1):
            ended = piece.endswith(("\n", "\r"))
            line += ended
            size += len(piece)
            quotes += piece.count('"')
            if size <= limit:
                parts.append(piece)
            if ended and not quotes % 2:
                break
        if not size:
            return
        if size > limit:
            message = f"{name} line {first}: a row longer than {limit} characters"
            yield first, BadRow(first, message)
            continue
        try:
            cells = next(csv.reader(["".join(parts)]), [])
        except csv.Error as e:
            yield first, BadRow(first, f"{name} line {first}: malformed row ({e})")
            continue
        yield first, cells


def _normalise(header: str) -> str:
    return " ".join(header.strip().lower().split())


def _column_map(header: list[str]) -> dict[str, int]:
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(_normalise(name), []).append(index)
    found: dict[str, int] = {}
    for field, names in _ALIASES.items():
        for name in names:
            if name in positions:
                indexes = positions[name]
                found[field] = indexes[-1] if field in _SI_BLOCK else indexes[0]
                break
    missing = [f for f in _REQUIRED if f not in found]
    if missing:
        field = missing[0]
        tried = ", ".join(repr(n) for n in _ALIASES[field])
        raise InputError(
            f"activities.csv has no {_ALIASES[field][0].title()!r} column (looked for {tried})",
            hint="is this a Strava bulk export? Its activities.csv starts with 'Activity ID'",
        )
    return found


def parse_number(text: str) -> float | None:
    """A number as a Strava export writes it, in any locale; None for an empty cell.

    >>> parse_number("33,22"), parse_number("1,234.5"), parse_number("1.234,5"), parse_number("")
    (33.22, 1234.5, 1234.5, None)
    """
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if "," in value and "." in value:
        # The later separator is the decimal one.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def parse_date(text: str) -> datetime:
    """A locale-formatted ``Activity Date`` (UTC) as an aware datetime.

    >>> parse_date("Jul 5, 2024, 6:00:00 AM").isoformat()
    '2024-07-05T06:00:00+00:00'
    >>> parse_date("01.08.2025, 17:00:00").isoformat()
    '2025-08-01T17:00:00+00:00'
    >>> parse_date("15 mar 2024, 6:45:12").isoformat()
    '2024-03-15T06:45:12+00:00'
    """
    raw = text.strip()
    try:
        iso = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return iso.replace(tzinfo=UTC) if iso.tzinfo is None else iso.astimezone(UTC)
    except ValueError:
        pass
    tokens = _TOKEN.findall(raw.lower())
    numbers = [int(t) for t in tokens if t.isdigit()]
    words = [t for t in tokens if not t.isdigit()]
    month_words = [_MONTHS[w.rstrip(".")] for w in words if w.rstrip(".") in _MONTHS]
    pm = any(w in ("pm", "odp") for w in words)
    am = any(w in ("am", "dop") for w in words)
    try:
        if month_words:
            # "Jul 5, 2024, 6:00:00 AM" or "15 mar 2024, 6:45:12": day, year, h, m, s.
            month = month_words[0]
            day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
            clock = numbers[2:]
        elif len(numbers) >= 5:
            # "01.08.2025, 17:00:00" (day first, as every locale with numeric months in
            # Strava's exports writes it) or "2025/08/01 ..." (year first).
            if numbers[0] > 31:
                year, month, day = numbers[0], numbers[1], numbers[2]
            else:
                day, month, year = numbers[0], numbers[1], numbers[2]
            clock = numbers[3:]
        else:
            raise ValueError(raw)
        hour, minute = clock[0], clock[1]
        second = clock[2] if len(clock) > 2 else 0
        if pm and hour < 12:
            hour += 12
        if am and hour == 12:
            hour = 0
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (ValueError, IndexError) as e:
        raise InputError(f"activities.csv: cannot read the date {text!r}") from e


def _cell(row: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    if index is None or index >= len(row):
        return ""
    return without_nul(row[index]).strip()


def _rpe(text: str) -> int | None:
    value = parse_number(text)
    if value is None or not 1 <= value <= 10:
        return None
    return round(value)


def read_activities_csv(stream: IO[bytes]) -> Iterator[StravaRow | BadRow]:
    """Rows of a Strava ``activities.csv``, streamed (the file can be large).

    A row too long or malformed comes as a :class:`BadRow`, to fail alone. Raises
    :class:`~backstride.errors.InputError` when the header is unusable (a required column
    missing) or a row's date cannot be read (naming the line).
    """
    records = _records(stream, "activities.csv")
    first = next(records, None)
    if first is None:
        raise InputError("activities.csv is empty")
    if isinstance(first[1], BadRow):
        raise InputError(first[1].message)
    header = first[1]
    columns = _column_map(header)
    for count, (line, row) in enumerate(records):
        if count >= limits.MAX_INDEX_ROWS:
            raise InputError(
                f"activities.csv has more than {limits.MAX_INDEX_ROWS} rows (line {line}), "
                "past the limit for an export"
            )
        if isinstance(row, BadRow):
            yield row
            continue
        if not any(cell.strip() for cell in row):
            continue
        activity_id = _cell(row, columns, "id")
        try:
            start_at = parse_date(_cell(row, columns, "date"))
        except InputError as e:
            raise InputError(f"{e.message} (activity {activity_id}, line {line})") from e
        elapsed = parse_number(_cell(row, columns, "elapsed"))
        distance = parse_number(_cell(row, columns, "distance"))
        si_distance = len([h for h in header if _normalise(h) in _ALIASES["distance"]]) > 1
        if distance is not None and not si_distance:
            # An old export with the display block only: km (Strava's default units).
            distance *= 1000.0
        yield StravaRow(
            activity_id=activity_id,
            start_at=start_at,
            activity_type=_cell(row, columns, "type"),
            filename=_cell(row, columns, "filename"),
            meta=ActivityMeta(
                name=_cell(row, columns, "name") or None,
                vendor_type=_cell(row, columns, "type") or None,
                description=_cell(row, columns, "description") or None,
                private_note=_cell(row, columns, "private_note") or None,
                gear_name=_cell(row, columns, "gear") or None,
                rpe=_rpe(_cell(row, columns, "rpe")),
                external_id=f"strava:{activity_id}" if activity_id else None,
            ),
            elapsed_s=elapsed,
            moving_s=parse_number(_cell(row, columns, "moving")),
            distance_m=distance,
            avg_hr_bpm=parse_number(_cell(row, columns, "avg_hr")),
            max_hr_bpm=parse_number(_cell(row, columns, "max_hr")),
            calories_kcal=parse_number(_cell(row, columns, "calories")),
            line=line,
            warnings=(_NUL_WARNING,) if any("\x00" in cell for cell in row) else (),
        )


def _refuse(row: BadRow) -> list[str]:
    raise InputError(row.message)


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "yes", "1", "y", "ano", "ja", "retired")


def read_gear_csv(stream: IO[bytes], kind: GearKind) -> list[Gear]:
    """Gear from ``shoes.csv`` or ``bikes.csv``: name, brand, model, retired when present.

    Columns are matched by their last word (``Shoe Name``, ``Bike Brand``, ``Name`` ...), so
    both vintages and the plain names work; rows without a name are skipped.
    """
    records = (
        cells if not isinstance(cells, BadRow) else _refuse(cells)
        for _, cells in _records(stream, f"{kind}s.csv")
    )
    header = [_normalise(h) for h in next(records, [])]

    def find(word: str) -> int | None:
        for index, name in enumerate(header):
            if name == word or name.endswith(" " + word):
                return index
        return None

    name_at, brand_at, model_at, retired_at = (
        find("name"),
        find("brand"),
        find("model"),
        find("retired"),
    )
    if name_at is None:
        raise InputError(f"{kind}s.csv has no name column (found: {', '.join(header)})")
    gear: list[Gear] = []
    for row in records:

        def cell(index: int | None, row: list[str] = row) -> str:
            return without_nul(row[index]).strip() if index is not None and index < len(row) else ""

        name = cell(name_at)
        if not name:
            continue
        gear.append(
            Gear(
                name=name,
                kind=kind,
                brand=cell(brand_at) or None,
                model=cell(model_at) or None,
                retired=_truthy(cell(retired_at)),
            )
        )
    return gear


# Strava activity types as the sport backstride uses (for manual activities, which have no
# file to say it). Unknown types become "generic" with the label kept as vendor_type.
STRAVA_SPORTS: dict[str, tuple[str, str | None]] = {
    "run": ("running", None),
    "trail run": ("running", "trail"),
    "virtual run": ("running", "virtual_activity"),
    "lauf": ("running", None),
    "běh": ("running", None),
    "walk": ("walking", None),
    "hike": ("hiking", None),
    "ride": ("cycling", None),
    "virtual ride": ("cycling", "virtual_activity"),
    "e-bike ride": ("cycling", "e_bike_fitness"),
    "mountain bike ride": ("cycling", "mountain"),
    "gravel ride": ("cycling", "gravel_cycling"),
    "swim": ("swimming", None),
    "rowing": ("rowing", None),
    "kayaking": ("paddling", None),
    "stand up paddling": ("stand_up_paddleboarding", None),
    "nordic ski": ("cross_country_skiing", None),
    "alpine ski": ("alpine_skiing", None),
    "weight training": ("training", "strength_training"),
    "workout": ("training", None),
    "crossfit": ("training", "cardio_training"),
    "yoga": ("training", "yoga"),
    "pilates": ("training", "pilates"),
    "elliptical": ("fitness_equipment", "elliptical"),
    "stair stepper": ("fitness_equipment", "stair_climbing"),
}


def strava_sport(activity_type: str) -> tuple[str, str | None]:
    """(sport, sub_sport) for a Strava activity type label."""
    return STRAVA_SPORTS.get(_normalise(activity_type), ("generic", None))
