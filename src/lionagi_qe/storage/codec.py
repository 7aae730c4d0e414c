"""JSON encoding shared by every backend, so a value reads back the same everywhere: exactly as stored.

    data = encode_value({"line_coverage": 85.5})   # bytes, validated
    decode_value(data)                              # a fresh copy

A value is JSON: dict (str keys), list, tuple (read back as a list), str, int
(from -2**63 to 2**64-1), float, bool or None. Anything else raises
`SerializationError` (a `TypeError`) before anything is written. Three values
JSON cannot spell are stored as null, as JavaScript's JSON.stringify does:
NaN, +-Infinity, and `...` (Ellipsis, the placeholder in documentation
samples such as `{"tests": [...]}`).

Every backend keeps the encoded text as it is (PostgreSQL in a `json` column,
which stores the text it is given), so what comes back is what went in: dict
key order, `-0.0`, ints and floats each as themselves, any string.
"""

from __future__ import annotations

from typing import Any

import orjson

from lionagi_qe.errors import SerializationError

MAX_VALUE_BYTES = 16 * 1024 * 1024
"""Largest encoded value accepted by default (16 MiB)."""

_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS

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
    if len(data) > max_bytes:
        raise SerializationError(
            f"value is {len(data):,} bytes as JSON, over the {max_bytes:,}-byte limit; "
            "store it in smaller pieces (for example one key per file)"
        )
    return data


def _placeholder_as_null(obj: Any) -> None:
    if obj is Ellipsis:
        return None
    raise TypeError(f"Type is not JSON serializable: {type(obj).__module__}.{type(obj).__qualname__}")
