"""The FIT profile as the columnar decoder needs it, compiled from garmin-fit-sdk's ``Profile``.

garmin-fit-sdk ships Garmin's official profile tables (messages, fields, scales, offsets,
components, sub-fields, enum names). Nothing here copies them: :func:`message_spec` reads
one message's entry once per process and keeps only what decoding a column needs. The SDK
is imported on the first decode, not with this module (it takes ~100 ms).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

#: FIT base types: (numpy dtype letter + size, element size, invalid value or None).
#: ``None`` marks floats (NaN is their invalid value) and strings.
BASE_TYPES: dict[int, tuple[str, int, int | None]] = {
    0x00: ("u1", 1, 0xFF),  # enum
    0x01: ("i1", 1, 0x7F),
    0x02: ("u1", 1, 0xFF),
    0x03: ("i2", 2, 0x7FFF),
    0x04: ("u2", 2, 0xFFFF),
    0x05: ("i4", 4, 0x7FFFFFFF),
    0x06: ("u4", 4, 0xFFFFFFFF),
    0x07: ("S", 1, None),  # string
    0x08: ("f4", 4, None),
    0x09: ("f8", 8, None),
    0x0A: ("u1", 1, 0x00),  # uint8z
    0x0B: ("u2", 2, 0x0000),
    0x0C: ("u4", 4, 0x00000000),
    0x0D: ("u1", 1, 0xFF),  # byte
    0x0E: ("i8", 8, 0x7FFFFFFFFFFFFFFF),
    0x0F: ("u8", 8, 0xFFFFFFFFFFFFFFFF),
    0x10: ("u8", 8, 0x0000000000000000),
}
#: FIT base type names, as the FIT protocol (and garmin-fit-sdk's warnings) name them.
BASE_TYPE_NAMES: dict[int, str] = {
    0x00: "enum",
    0x01: "sint8",
    0x02: "uint8",
    0x03: "sint16",
    0x04: "uint16",
    0x05: "sint32",
    0x06: "uint32",
    0x07: "string",
    0x08: "float32",
    0x09: "float64",
    0x0A: "uint8z",
    0x0B: "uint16z",
    0x0C: "uint32z",
    0x0D: "byte",
    0x0E: "sint64",
    0x0F: "uint64",
    0x10: "uint64z",
}
STRING, BYTE, UINT8 = 0x07, 0x0D, 0x02

TIMESTAMP_FIELD = 253
#: Global message numbers the decoder treats specially.
DEVELOPER_DATA_ID, FIELD_DESCRIPTION = 207, 206

_NO_NAMES = frozenset({"date_time", "local_date_time"})


@functools.cache
def _sdk() -> tuple[Mapping[str, Any], Any]:
    """garmin-fit-sdk's ``Profile`` and its ``fit`` module, imported once when first needed."""
    from garmin_fit_sdk import Profile
    from garmin_fit_sdk import fit as sdk_fit

    return Profile, sdk_fit


@functools.cache
def _numeric_types() -> frozenset[str]:
    return frozenset(_sdk()[1].NUMERIC_FIELD_TYPES)


def _base_type_of(ftype: str) -> int | None:
    """The base type of a profile type (``uint16`` for ``message_index``...), if it has one."""
    found: int | None = _sdk()[1].FIELD_TYPE_TO_BASE_TYPE.get(ftype)
    return found


class Component(NamedTuple):
    """``bits`` bits at bit ``shift`` of a field, expanded into field ``target``."""

    target: int
    shift: int
    bits: int
    scale: float
    offset: float


class FieldSpec(NamedTuple):
    """One field (or sub-field) of the profile, reduced to what decoding needs."""

    num: int
    name: str
    type: str
    scale: float | None
    """None: leave the raw value (non-numeric type, or one scale per component)."""
    offset: float
    element_bits: int
    """Bits per element of the profile's base type; 0 when the type is not a base type."""
    invalid: int | None
    """The profile base type's invalid value (components of all-invalid fields are skipped)."""
    components: tuple[Component, ...]
    accumulated: bool
    sub_fields: tuple[SubField, ...]
    target_scale: float
    target_offset: float


class SubField(NamedTuple):
    """A field's other meaning where a reference field holds one of ``maps``' raw values."""

    spec: FieldSpec
    maps: tuple[tuple[int, int], ...]
    """(reference field number, raw value) pairs."""


class MessageSpec(NamedTuple):
    num: int
    name: str
    fields: dict[int, FieldSpec]


def _field(profile: dict[str, Any]) -> FieldSpec:
    ftype = str(profile["type"])
    scales = list(profile["scale"]) or [1]
    offsets = list(profile["offset"]) or [0]
    base = _base_type_of(ftype)
    element_bits = 8 * BASE_TYPES[base][1] if base is not None else 0
    invalid = BASE_TYPES[base][2] if base is not None else None
    components: list[Component] = []
    shift = 0
    for i, (target, bits) in enumerate(zip(profile["components"], profile["bits"], strict=False)):
        scale, offset = scales[min(i, len(scales) - 1)], offsets[min(i, len(offsets) - 1)]
        components.append(Component(int(target), shift, int(bits), float(scale), float(offset)))
        shift += int(bits)
    subs = tuple(
        SubField(
            _field({**sub, "num": profile["num"], "is_accumulated": False}),
            tuple((int(m["num"]), int(m["raw_value"])) for m in sub["map"]),
        )
        for sub in profile.get("sub_fields", []) or []
    )
    single = len(scales) == 1 and ftype in _numeric_types()
    return FieldSpec(
        num=int(profile["num"]),
        name=str(profile["name"]),
        type=ftype,
        scale=float(scales[0]) if single else None,
        offset=float(offsets[0]) if single else 0.0,
        element_bits=element_bits if profile.get("has_components") else 0,
        invalid=invalid,
        components=tuple(components) if profile.get("has_components") else (),
        accumulated=bool(profile.get("is_accumulated")),
        sub_fields=subs,
        target_scale=float(scales[0]),
        target_offset=float(offsets[0]),
    )


@functools.cache
def message_spec(num: int) -> MessageSpec:
    """The profile's message ``num``; an unknown number gives a message without fields."""
    profile = _sdk()[0]["messages"].get(num)
    if profile is None:
        return MessageSpec(num, f"mesg_{num}", {})
    fields = {int(n): _field(f) for n, f in profile["fields"].items()}
    return MessageSpec(num, str(profile["name"]), fields)


@functools.cache
def unknown_field_name(num: int) -> str:
    """Column name of a field the profile does not define (``timestamp`` is common to all)."""
    return "timestamp" if num == TIMESTAMP_FIELD else f"field_{num}"


@functools.cache
def type_invalid(ftype: str) -> int:
    """The invalid raw value of a profile type, as garmin-fit-sdk tests expanded components."""
    base = _base_type_of(ftype)
    invalid = BASE_TYPES[base][2] if base is not None else 0xFF
    return 0xFF if invalid is None else invalid


def value_name(ftype: str, raw: int) -> str | None:
    """The profile's name of an enum value (``sport`` 1 is ``running``), None when unnamed."""
    if ftype in _NO_NAMES:
        return None
    names = _sdk()[0]["types"].get(ftype)
    return names.get(raw) if names is not None else None
