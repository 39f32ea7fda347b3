"""A columnar FIT decoder: a file's bytes straight into NumPy columns, one table per message.

:func:`decode` walks the message headers once (:mod:`.walk`), decodes all messages of one
layout at once with a structured dtype (:mod:`.columns`), and finishes accumulated fields,
compressed timestamps and developer fields file-wide (:mod:`.decoder`). Field names, types,
scales, offsets, components and sub-fields come from garmin-fit-sdk's official ``Profile``
(:mod:`.profile`). No per-sample Python objects are made, except for string fields.
"""

from backstride.ingest.fitcol.decoder import (
    Damage,
    DeveloperField,
    FitFile,
    FitHeaderError,
    Table,
    decode,
)

__all__ = ["Damage", "DeveloperField", "FitFile", "FitHeaderError", "Table", "decode"]
