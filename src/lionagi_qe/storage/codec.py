"""JSON encoding shared by every backend, so a value reads back the same everywhere.

    data = encode_value({"line_coverage": 85.5})   # bytes, validated
    decode_value(data)                              # a fresh copy

A value is JSON: dict (str keys), list, tuple (read back as a list), str, int
(64-bit), float, bool or None. Anything else raises `SerializationError` (a
`TypeError`) before anything is written. Three values JSON cannot spell are
stored as null, as JavaScript's JSON.stringify does: NaN, +-Infinity, and
`...` (Ellipsis, the placeholder in documentation samples such as
`{"tests": [...]}`). A float with an integral value from 1e16 up to 2**63
reads back as the equal int, since PostgreSQL's JSONB prints it without a
decimal point. Every backend agrees on all of this.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from lionagi_qe.errors import SerializationError

MAX_VALUE_BYTES = 16 * 1024 * 1024
"""Largest encoded value accepted by default (16 MiB)."""

_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS

_I64_MAX = 2**63 - 1
_BACKSLASH, _PLUS = ord("\\"), ord("+")  # an int `in` bytes is a plain byte search
_BIG_INT_DIGITS = re.compile(rb"\d{19}")

decode_value = orjson.loads
_dumps = orjson.dumps


def encode_value(value: Any, max_bytes: int = MAX_VALUE_BYTES) -> bytes:
    """Encode `value` as compact JSON bytes, or raise `SerializationError`."""
    try:
        data = _dumps(value, _placeholder_as_null, _STRICT)
    except orjson.JSONEncodeError as exc:
        raise SerializationError(
            f"value is not JSON ({exc}); store dicts with str keys, lists, str, "
            "64-bit int, float, bool or None; convert other objects first "
            "(for example model.model_dump() or str(obj))"
        ) from None
    if _BACKSLASH in data or _PLUS in data or len(data) > max_bytes:
        return _screened(value, data, max_bytes)
    return data


def _screened(value: Any, data: bytes, max_bytes: int) -> bytes:
    """The rare cases, found by cheap byte tests: NUL in a string, big floats, oversize values."""
    if b"\\u0000" in data:
        raise SerializationError(
            "value contains a NUL character (\\x00) in a string, which PostgreSQL "
            "cannot store; remove or replace it before storing"
        )
    if b"e+" in data:
        data = orjson.dumps(_big_floats_as_int(value), default=_placeholder_as_null, option=_STRICT)
    if len(data) > max_bytes:
        raise SerializationError(
            f"value is {len(data):,} bytes as JSON, over the {max_bytes:,}-byte limit; "
            "store it in smaller pieces (for example one key per file)"
        )
    return data


def decode_jsonb(text: bytes | str) -> Any:
    """Decode JSON printed by PostgreSQL's JSONB, mapping it back to what `encode_value` took.

    JSONB prints floats of 2**63 and beyond as plain integers; the codec never
    writes such integers, so they are turned back into floats.
    """
    value = orjson.loads(text)
    if _BIG_INT_DIGITS.search(text.encode() if isinstance(text, str) else text):
        value = _huge_ints_as_float(value)
    return value


def _big_floats_as_int(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if 1e16 <= abs(value) <= _I64_MAX and value.is_integer() else value
    if isinstance(value, dict):
        return {k: _big_floats_as_int(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_big_floats_as_int(v) for v in value]
    return value


def _huge_ints_as_float(value: Any) -> Any:
    if type(value) is int:
        return float(value) if not -_I64_MAX - 1 <= value <= _I64_MAX else value
    if isinstance(value, dict):
        return {k: _huge_ints_as_float(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_huge_ints_as_float(v) for v in value]
    return value


def _placeholder_as_null(obj: Any) -> None:
    if obj is Ellipsis:
        return None
    raise TypeError(f"Type is not JSON serializable: {type(obj).__module__}.{type(obj).__qualname__}")
