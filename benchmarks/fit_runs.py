"""Realistic 1 Hz running FIT files and Strava-layout archives of them, for the benchmarks.

Each file is laid out as a Garmin watch writes a run: ``file_id``, ``device_info``, a timer
start ``event``, one ``record`` a second (position, distance, enhanced speed and altitude and
their legacy 16-bit twins, heart rate, cadence with its fractional part, temperature; about
a third of the runs add running dynamics and power, as with an HRM-Pro or Stryd), ``hrv``
messages for the runs with a chest strap, an auto ``lap`` every kilometre written where it
ends, a pause in some runs (timer stop/start events and a gap in the records), then
``session`` and ``activity``. The values are smooth and plausible (pace drift and intervals,
heart-rate lag and drift, a route that turns, hills), because decoders and the stream codec
behave differently on noise.

The bytes are written directly with NumPy record arrays rather than garmin-fit-sdk's
``Encoder`` (which takes minutes for 3.5 million records in pure Python); ``--check`` in
``bench_import.py`` decodes a sample with garmin-fit-sdk's ``Decoder`` and its integrity
check, so the files are valid FIT as the SDK reads them.
"""

from __future__ import annotations

import csv
import gzip
import io
import struct
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
SEMICIRCLES_PER_DEGREE = 2**31 / 180

# FIT base types: (code, numpy dtype).
ENUM, SINT8, UINT8 = (0x00, "u1"), (0x01, "i1"), (0x02, "u1")
UINT16, SINT32, UINT32 = (0x84, "<u2"), (0x85, "<i4"), (0x86, "<u4")
UINT32Z = (0x8C, "<u4")

Field = tuple[int, tuple[int, str], int]  # (field number, base type, array length)

# -- CRC ------------------------------------------------------------------------------------

_CRC_TABLE = np.zeros(256, dtype=np.int64)
for _byte in range(256):
    _crc = _byte
    for _ in range(8):
        _crc = (_crc >> 1) ^ 0xA001 if _crc & 1 else _crc >> 1
    _CRC_TABLE[_byte] = _crc
_CHUNK = 512


def _advance_zeros(crc: int, count: int) -> int:
    for _ in range(count):
        crc = int(_CRC_TABLE[crc & 0xFF]) ^ (crc >> 8)
    return crc


# The FIT CRC (CRC-16/ARC: reflected 0x8005, initial value 0) is linear over GF(2), so a long
# message is cut into chunks whose CRCs are computed side by side with NumPy, then combined:
# crc(A + B) = shift(crc(A), len(B)) ^ crc(B). Leading zero bytes leave a zero CRC unchanged,
# so the first chunk is padded in front.
_SHIFT_LO = np.array([_advance_zeros(b, _CHUNK) for b in range(256)], dtype=np.int64)
_SHIFT_HI = np.array([_advance_zeros(b << 8, _CHUNK) for b in range(256)], dtype=np.int64)


def fit_crc(data: bytes) -> int:
    """The FIT CRC-16 of ``data``."""
    pad = (-len(data)) % _CHUNK
    matrix = np.frombuffer(b"\0" * pad + data, dtype=np.uint8).reshape(-1, _CHUNK)
    crc = np.zeros(len(matrix), dtype=np.int64)
    for column in matrix.T.astype(np.int64):
        crc = _CRC_TABLE[(crc ^ column) & 0xFF] ^ (crc >> 8)
    total = 0
    for part in crc.tolist():
        total = int(_SHIFT_LO[total & 0xFF] ^ _SHIFT_HI[total >> 8]) ^ part
    return total


# -- messages -------------------------------------------------------------------------------


class Message:
    """One FIT message type at a local number: its definition and a record dtype."""

    def __init__(self, local: int, global_num: int, fields: list[Field]) -> None:
        self.local = local
        parts = [struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(fields))]
        names: list[tuple[str, str] | tuple[str, str, tuple[int]]] = [("h", "u1")]
        for num, (code, dtype), count in fields:
            size = np.dtype(dtype).itemsize * count
            parts.append(struct.pack("<BBB", num, size, code))
            names.append((f"f{num}", dtype) if count == 1 else (f"f{num}", dtype, (count,)))
        self.definition = b"".join(parts)
        self.dtype = np.dtype(names)

    def rows(self, count: int) -> npt.NDArray[np.void]:
        array = np.zeros(count, dtype=self.dtype)
        array["h"] = self.local
        return array

    def one(self, **values: float) -> bytes:
        row = self.rows(1)
        for name, value in values.items():
            row[name] = value
        return row.tobytes()


FILE_ID = Message(0, 0, [(0, ENUM, 1), (1, UINT16, 1), (2, UINT16, 1), (3, UINT32Z, 1),
                         (4, UINT32, 1)])  # fmt: skip
DEVICE_INFO = Message(1, 23, [(253, UINT32, 1), (0, UINT8, 1), (2, UINT16, 1), (4, UINT16, 1),
                              (5, UINT16, 1), (3, UINT32Z, 1)])  # fmt: skip
EVENT = Message(2, 21, [(253, UINT32, 1), (0, ENUM, 1), (1, ENUM, 1), (4, UINT8, 1)])
_RECORD_BASE: list[Field] = [
    (253, UINT32, 1), (0, SINT32, 1), (1, SINT32, 1), (5, UINT32, 1), (73, UINT32, 1),
    (78, UINT32, 1), (6, UINT16, 1), (2, UINT16, 1), (3, UINT8, 1), (4, UINT8, 1),
    (53, UINT8, 1), (13, SINT8, 1),
]  # fmt: skip
_DYNAMICS: list[Field] = [
    (39, UINT16, 1), (40, UINT16, 1), (41, UINT16, 1), (83, UINT16, 1), (84, UINT16, 1),
    (85, UINT16, 1), (7, UINT16, 1),
]  # fmt: skip
RECORD = Message(3, 20, _RECORD_BASE)
RECORD_DYNAMICS = Message(3, 20, _RECORD_BASE + _DYNAMICS)
HRV = Message(4, 78, [(0, UINT16, 5)])
LAP = Message(5, 19, [
    (254, UINT16, 1), (253, UINT32, 1), (0, ENUM, 1), (1, ENUM, 1), (2, UINT32, 1),
    (3, SINT32, 1), (4, SINT32, 1), (7, UINT32, 1), (8, UINT32, 1), (9, UINT32, 1),
    (11, UINT16, 1), (15, UINT8, 1), (16, UINT8, 1), (17, UINT8, 1), (21, UINT16, 1),
    (23, ENUM, 1), (24, ENUM, 1), (25, ENUM, 1), (110, UINT32, 1),
])  # fmt: skip
SESSION = Message(6, 18, [
    (254, UINT16, 1), (253, UINT32, 1), (0, ENUM, 1), (1, ENUM, 1), (2, UINT32, 1),
    (3, SINT32, 1), (4, SINT32, 1), (5, ENUM, 1), (6, ENUM, 1), (7, UINT32, 1),
    (8, UINT32, 1), (9, UINT32, 1), (11, UINT16, 1), (16, UINT8, 1), (17, UINT8, 1),
    (18, UINT8, 1), (22, UINT16, 1), (23, UINT16, 1), (25, UINT16, 1), (26, UINT16, 1),
    (28, ENUM, 1), (124, UINT32, 1), (125, UINT32, 1),
])  # fmt: skip
ACTIVITY = Message(7, 34, [(253, UINT32, 1), (0, UINT32, 1), (1, UINT16, 1), (2, ENUM, 1),
                           (3, ENUM, 1), (4, ENUM, 1), (5, UINT32, 1)])  # fmt: skip


# -- one run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What a generated run is, for activities.csv and for checks."""

    start_at: datetime
    elapsed_s: int
    distance_m: float
    dynamics: bool
    hrv: bool
    paused: bool


def _smooth(rng: np.random.Generator, n: int, scale: float, width: int) -> npt.NDArray[np.float64]:
    noise = rng.normal(0.0, scale, n + width)
    kernel = np.ones(width) / width
    return np.convolve(noise, kernel, mode="valid")[:n] * np.sqrt(width)


def run_fit(seed: int, start_at: datetime) -> tuple[bytes, Run]:
    """One run as FIT bytes (see the module docstring), deterministic for a seed."""
    rng = np.random.default_rng(seed)
    n = int(rng.uniform(25, 88) * 60)
    dynamics = rng.random() < 0.33
    hrv = rng.random() < 0.5
    paused = rng.random() < 0.15
    t = np.arange(n, dtype=np.float64)

    base = rng.uniform(2.6, 3.6)
    speed = base + 0.15 * np.sin(t / rng.uniform(300, 900)) + _smooth(rng, n, 0.03, 30)
    if rng.random() < 0.25:  # intervals: 3 min hard, 2 min easy after a 15 min warm-up
        speed += np.where((t > 900) & ((t - 900) % 300 < 180), 0.8, 0.0)
    speed = np.clip(speed + rng.normal(0, 0.05, n), 0.5, 6.5)
    speed[:5] = np.linspace(0.5, speed[5], 5)
    distance = np.cumsum(speed)
    heading = np.cumsum(_smooth(rng, n, 0.01, 60)) + rng.uniform(0, 2 * np.pi)
    lat0, lon0 = rng.uniform(40, 60), rng.uniform(-5, 25)
    north = np.cumsum(speed * np.cos(heading)) + rng.normal(0, 1.0, n)
    east = np.cumsum(speed * np.sin(heading)) + rng.normal(0, 1.0, n)
    lat = lat0 + north / 111_320.0
    lon = lon0 + east / (111_320.0 * np.cos(np.radians(lat0)))
    altitude = (
        rng.uniform(20, 400)
        + 15 * np.sin(distance / rng.uniform(400, 1500))
        + 6 * np.sin(distance / 170.0)
        + _smooth(rng, n, 0.05, 20)
    )
    effort = np.convolve(speed, np.ones(60) / 60, mode="full")[:n]  # heart rate lags pace
    hr = 82 + 20 * effort + 0.004 * t + _smooth(rng, n, 0.4, 10)
    cadence_spm = 150 + 9 * speed + _smooth(rng, n, 0.3, 5)
    strides = cadence_spm / 2
    temperature = rng.uniform(5, 28) + t / n * rng.uniform(-2, 4)

    stamps = t.copy()
    pause_at = 0
    if paused:  # a stop at a crossing or a drink: 30 s to 3 min without records
        pause_at = int(rng.uniform(0.3, 0.7) * n)
        stamps[pause_at:] += int(rng.uniform(30, 180))
    begin = int((start_at - FIT_EPOCH).total_seconds())
    ts = begin + stamps.astype(np.int64)

    record_type = RECORD_DYNAMICS if dynamics else RECORD
    records = record_type.rows(n)
    records["f253"] = ts
    records["f0"] = np.round(lat * SEMICIRCLES_PER_DEGREE)
    records["f1"] = np.round(lon * SEMICIRCLES_PER_DEGREE)
    records["f5"] = np.round(distance * 100)
    records["f73"] = np.round(speed * 1000)
    records["f78"] = np.round((altitude + 500) * 5)
    records["f6"] = np.round(speed * 1000)
    records["f2"] = np.round((altitude + 500) * 5)
    records["f3"] = np.clip(np.round(hr), 60, 205)
    records["f4"] = np.floor(strides)
    records["f53"] = np.floor((strides - np.floor(strides)) * 128)
    records["f13"] = np.round(temperature)
    if dynamics:
        records["f39"] = np.round((85 + _smooth(rng, n, 0.5, 10) - 3 * (speed - 3)) * 10)
        records["f40"] = np.round((34 + _smooth(rng, n, 0.1, 10)) * 100)
        records["f41"] = np.round((260 - 20 * (speed - 3) + _smooth(rng, n, 1.0, 10)) * 10)
        records["f83"] = np.round((8 + _smooth(rng, n, 0.05, 10)) * 100)
        records["f84"] = np.round((50 + _smooth(rng, n, 0.1, 10)) * 100)
        records["f85"] = np.round(speed / (cadence_spm / 60) * 1000 * 10)
        records["f7"] = np.round(70 * speed + 30 + _smooth(rng, n, 2.0, 5))
    body = records
    if hrv:  # one hrv message after each record, as a chest strap's R-R intervals
        rr = 60.0 / np.clip(hr, 60, 205)
        pair = np.dtype([("r", record_type.dtype), ("v", HRV.dtype)])
        body = np.zeros(n, dtype=pair)
        body["r"] = records
        body["v"]["h"] = HRV.local
        beats = np.full((n, 5), 0xFFFF, dtype=np.uint16)
        beats[:, 0] = np.round(rr * 1000)
        beats[:, 1] = np.where(rr < 0.5, np.round(rr * 1000), 0xFFFF)
        body["v"]["f0"] = beats

    out = [FILE_ID.definition, FILE_ID.one(f0=4, f1=1, f2=3113, f3=3_900_000_000 + seed, f4=begin)]
    out += [DEVICE_INFO.definition, DEVICE_INFO.one(f253=begin, f0=0, f2=1, f4=3113, f5=2710,
                                                    f3=3_900_000_000 + seed)]  # fmt: skip
    out += [EVENT.definition, EVENT.one(f253=begin, f0=0, f1=0, f4=0), record_type.definition]
    if hrv:
        out.append(HRV.definition)
    out.append(LAP.definition)

    lap_ends = [*np.searchsorted(distance, np.arange(1000, distance[-1], 1000)).tolist(), n]
    lap_ends = [end for end in lap_ends if end > 0]
    if lap_ends[-1] != n:
        lap_ends.append(n)
    first = 0
    ascent = np.clip(np.diff(altitude, prepend=altitude[0]), 0, None)
    for index, end in enumerate(lap_ends):
        chunk = body[first:end]
        if paused and first <= pause_at < end:
            cut = pause_at - first
            out.append(chunk[:cut].tobytes())
            out.append(EVENT.one(f253=ts[pause_at - 1], f0=0, f1=4, f4=0))
            out.append(EVENT.one(f253=ts[pause_at], f0=0, f1=0, f4=0))
            out.append(chunk[cut:].tobytes())
        else:
            out.append(chunk.tobytes())
        lap_s = float(ts[end - 1] - ts[first] + 1)
        timer_s = float(end - first)
        lap_m = float(distance[end - 1] - (distance[first - 1] if first else 0.0))
        out.append(LAP.one(
            f254=index, f253=ts[end - 1], f0=9, f1=1, f2=ts[first],
            f3=records["f0"][first], f4=records["f1"][first], f7=lap_s * 1000,
            f8=timer_s * 1000, f9=lap_m * 100, f11=lap_m / 1000 * 65,
            f15=hr[first:end].mean(), f16=hr[first:end].max(), f17=strides[first:end].mean(),
            f21=ascent[first:end].sum(), f23=0, f24=2 if end != n else 7, f25=1,
            f110=lap_m / timer_s * 1000,
        ))  # fmt: skip
        first = end
    end_ts = int(ts[-1])
    elapsed = float(end_ts - begin + 1)
    out.append(EVENT.one(f253=end_ts, f0=0, f1=4, f4=0))
    out.append(SESSION.definition)
    out.append(SESSION.one(
        f254=0, f253=end_ts, f0=8, f1=1, f2=begin, f3=records["f0"][0], f4=records["f1"][0],
        f5=1, f6=0, f7=elapsed * 1000, f8=n * 1000, f9=distance[-1] * 100,
        f11=distance[-1] / 1000 * 65, f16=hr.mean(), f17=hr.max(), f18=strides.mean(),
        f22=ascent.sum(), f23=ascent.sum(), f25=0, f26=len(lap_ends), f28=0,
        f124=distance[-1] / n * 1000, f125=speed.max() * 1000,
    ))  # fmt: skip
    out.append(ACTIVITY.definition)
    out.append(ACTIVITY.one(f253=end_ts, f0=n * 1000, f1=1, f2=0, f3=26, f4=1,
                            f5=end_ts + 3600))  # fmt: skip
    data = b"".join(out)
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(data), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    body_bytes = header + data
    run = Run(start_at, int(elapsed), float(distance[-1]), dynamics, hrv, paused)
    return body_bytes + struct.pack("<H", fit_crc(body_bytes)), run


# -- archive --------------------------------------------------------------------------------


def _strava_date(start: datetime) -> str:
    hour = start.hour % 12 or 12
    return f"{start:%b} {start.day}, {start.year}, {hour}:{start:%M:%S} {start:%p}"


@dataclass(frozen=True)
class ArchiveInfo:
    path: Path
    runs: int
    fit_bytes: int
    zip_bytes: int


def build_strava_archive(path: Path, count: int, *, seed: int = 8) -> ArchiveInfo:
    """A Strava bulk-export zip of ``count`` runs: ``activities.csv`` and
    ``activities/<id>.fit.gz`` (gzipped as Strava stores uploads), one run a day."""
    first_day = datetime(2022, 1, 1, tzinfo=UTC)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["Activity ID", "Activity Date", "Activity Name", "Activity Type",
                     "Activity Gear", "Filename", "Perceived Exertion"])  # fmt: skip
    shoes = ["Pegasus 40", "Ghost 15", "Speedgoat 5"]
    fit_total = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(count):
            rng = np.random.default_rng([seed, n])
            start = first_day + timedelta(days=n, seconds=int(rng.uniform(6, 19) * 3600))
            data, _ = run_fit(seed * 1_000_003 + n, start)
            fit_total += len(data)
            member = f"activities/{9_000_000_000 + n * 7}.fit.gz"
            archive.writestr(member, gzip.compress(data, compresslevel=6, mtime=0))
            rpe = str(int(rng.integers(3, 9))) if rng.random() < 0.6 else ""
            writer.writerow([str(9_000_000_000 + n * 7), _strava_date(start), f"Run {n}",
                             "Run", shoes[n % 3], member, rpe])  # fmt: skip
        archive.writestr("activities.csv", rows.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    return ArchiveInfo(path, count, fit_total, path.stat().st_size)
