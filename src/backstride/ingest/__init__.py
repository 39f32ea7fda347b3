"""Ingest: bytes in, :class:`~backstride.model.Activity` out. No database code here.

One reader per format behind one dispatch table (:data:`READERS`); :func:`read_activities`
is the single entry point the service layer uses for a file's bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from backstride.ingest.fit import read_fit
from backstride.ingest.gpx import read_gpx
from backstride.ingest.sniff import Format, decompress_if_needed, detect_format
from backstride.ingest.tcx import read_tcx
from backstride.model import Activity

READERS: dict[Format, Callable[[bytes], list[Activity]]] = {
    "fit": read_fit,
    "gpx": read_gpx,
    "tcx": read_tcx,
}


def read_activities(data: bytes) -> list[Activity]:
    """Every activity in a file's bytes (gzip or not), in the order the file holds them.

    Raises a :class:`~backstride.errors.InputError` subclass with a one-line reason when the
    bytes cannot give an activity.
    """
    raw = decompress_if_needed(data)
    return READERS[detect_format(raw)](raw)


__all__ = ["READERS", "read_activities", "read_fit", "read_gpx", "read_tcx"]
