"""Stream blob codec: a :class:`~backstride.model.Streams` to compressed bytes and back.

Layout of codec ``"f64-zstd-1"``: zstd( header_length:uint32-le | header JSON | float64-le
matrix ). The JSON header lists the array names in order (``"elapsed_s"``, then
``"c:<channel>"`` for canonical channels and ``"x:<name>"`` for extra fields) and the sample
count; the matrix holds one row per name. Plain float64 keeps coordinates exact (float32
would lose about a metre); zstd shrinks the slowly varying series several-fold.
"""

from __future__ import annotations

import json
import struct

import numpy as np

from backstride.model import Streams
from backstride.units import Channel

CODEC = "f64-zstd-1"
#: zstd's default level: half the time of level 6 for blobs 6% larger (1 Hz runs, issue 8's
#: benchmark: 2.1 against 4.3 ms and 76 against 72 kB per hour-long run). Decoding is the same.
_LEVEL = 3
_HEADER = struct.Struct("<I")


def encode_streams(streams: Streams) -> bytes:
    """Serialise streams to a compressed blob (see the module docstring for the layout)."""
    names = ["elapsed_s"]
    arrays = [streams.elapsed_s]
    for channel, values in streams.channels.items():
        names.append(f"c:{channel.value}")
        arrays.append(values)
    for name, values in streams.extra.items():
        names.append(f"x:{name}")
        arrays.append(values)
    header = json.dumps({"names": names, "n": len(streams)}).encode()
    matrix = np.ascontiguousarray(np.vstack(arrays), dtype="<f8")
    raw = _HEADER.pack(len(header)) + header + matrix.tobytes()
    import zstandard  # imported by what reads or writes streams only (start-up, issue 15)

    return zstandard.ZstdCompressor(level=_LEVEL).compress(raw)


def decode_streams(blob: bytes, codec: str = CODEC) -> Streams:
    """Inverse of :func:`encode_streams`."""
    if codec != CODEC:
        raise ValueError(f"unknown stream codec {codec!r}; this version reads {CODEC!r}")
    import zstandard

    raw = zstandard.ZstdDecompressor().decompress(blob)
    (header_len,) = _HEADER.unpack_from(raw)
    header = json.loads(raw[_HEADER.size : _HEADER.size + header_len])
    names: list[str] = header["names"]
    n: int = header["n"]
    matrix = np.frombuffer(raw, dtype="<f8", offset=_HEADER.size + header_len).reshape(
        len(names), n
    )
    # Copies, so callers get ordinary writable arrays independent of the blob.
    elapsed = matrix[0].astype(np.float64)
    channels: dict[Channel, np.ndarray] = {}
    extra: dict[str, np.ndarray] = {}
    for name, row in zip(names[1:], matrix[1:], strict=True):
        kind, _, key = name.partition(":")
        if kind == "c":
            channels[Channel(key)] = row.astype(np.float64)
        else:
            extra[key] = row.astype(np.float64)
    return Streams(elapsed_s=elapsed, channels=channels, extra=extra)


#: A stored sample fills a richer twin's sample only within this many seconds of it.
MERGE_TOLERANCE_S = 2.0


def merge_streams(new: Streams, old: Streams, offset_s: float) -> Streams:
    """``new`` with the channels and extra fields only ``old`` has data for, each stored
    sample placed on ``new``'s nearest sample within :data:`MERGE_TOLERANCE_S` (NaN
    elsewhere: no value is made up across a gap). ``offset_s`` is ``old``'s start minus
    ``new``'s, in seconds. Keeps the richest value field by field: a GPS file that is richer
    overall keeps a watch file's running dynamics.

    >>> a = Streams(np.array([0.0, 1.0, 2.0, 3.0]), {Channel.HEART_RATE_BPM: np.ones(4)})
    >>> b = Streams(np.array([0.0, 2.0]), {Channel.CADENCE_SPM: np.array([170.0, 172.0])})
    >>> merge_streams(a, b, 1.0).channels[Channel.CADENCE_SPM].tolist()
    [170.0, 170.0, 170.0, 172.0]
    >>> merge_streams(a, b, 10.0).channels[Channel.CADENCE_SPM].tolist()  # no sample near
    [nan, nan, nan, nan]
    """
    missing = {c: v for c, v in old.channels.items() if not new.has(c) and np.isfinite(v).any()}
    extra = {n: v for n, v in old.extra.items() if n not in new.extra and np.isfinite(v).any()}
    if (not missing and not extra) or not len(old) or not len(new):
        return new
    times = old.elapsed_s + offset_s
    right = (
        np.clip(np.searchsorted(times, new.elapsed_s), 1, len(times) - 1)
        if len(times) > 1
        else None
    )

    def place(values: np.ndarray) -> np.ndarray:
        if right is None:
            near = np.zeros(len(new), dtype=np.int64)
        else:
            left = right - 1
            near = np.where(
                np.abs(times[left] - new.elapsed_s) <= np.abs(times[right] - new.elapsed_s),
                left,
                right,
            )
        placed = values[near].astype(np.float64)
        placed[np.abs(times[near] - new.elapsed_s) > MERGE_TOLERANCE_S] = np.nan
        return placed

    return Streams(
        new.elapsed_s,
        {**new.channels, **{c: place(v) for c, v in missing.items()}},
        {**new.extra, **{n: place(v) for n, v in extra.items()}},
    )
