"""Validation of keys, partitions, TTLs and glob patterns, the same in every backend.

    validate_key("aqe/coverage/run-1")        # returns the key
    glob_to_regex("aqe/*/run-?").match(key)   # `*` any run, `?` one character
    glob_to_like("aqe/100%_done*")            # 'aqe/100\\%\\_done%' for LIKE ... ESCAPE '\\'

Keys, prefixes, patterns and partitions are text a database can hold: no NUL,
and valid Unicode (no lone surrogate, which `os.fsdecode` makes from a file
name that is not UTF-8). In a glob, only `*` and `?` are special; every other
character, `%`, `_` and `\\` included, matches itself.
"""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache

from lionagi_qe.errors import KeyValidationError

MAX_KEY_LENGTH = 512
MAX_PARTITION_LENGTH = 128


def _refuse_surrogates(text: str, what: str) -> None:
    """Raise if `text` (not ASCII: callers test that first, cheaply) holds a lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise KeyValidationError(
            f"memory {what} {text[:40]!r} is not valid Unicode (a lone surrogate, as os.fsdecode makes from "
            "a file name that is not UTF-8); decode such names with errors='replace', or store them as hex"
        ) from None


def validate_key(key: object, what: str = "key") -> str:
    """Return `key` if it is non-empty Unicode text of at most 512 characters without NUL."""
    if type(key) is not str:
        raise KeyValidationError(f"memory {what} must be a str, got {type(key).__name__}")
    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise KeyValidationError(
            f"memory {what} {key[:40]!r} is not valid: use 1 to {MAX_KEY_LENGTH} characters "
            "without NUL, for example 'aqe/coverage/run-1'"
        )
    if not key.isascii():
        _refuse_surrogates(key, what)
    return key


def validate_prefix(prefix: object) -> str:
    """Return `prefix` (may be empty) if it is text that could start a key."""
    if type(prefix) is not str:
        raise KeyValidationError(f"memory prefix must be a str, got {type(prefix).__name__}")
    if len(prefix) > MAX_KEY_LENGTH or "\x00" in prefix:
        raise KeyValidationError(
            f"memory prefix {prefix[:40]!r} is not valid: at most {MAX_KEY_LENGTH} characters without NUL"
        )
    if not prefix.isascii():
        _refuse_surrogates(prefix, "prefix")
    return prefix


def validate_partition(partition: object) -> str:
    """Return `partition` if it is non-empty text of at most 128 characters without NUL."""
    if type(partition) is not str:
        raise KeyValidationError(f"memory partition must be a str, got {type(partition).__name__}")
    if not partition or len(partition) > MAX_PARTITION_LENGTH or "\x00" in partition:
        raise KeyValidationError(
            f"memory partition {partition[:40]!r} is not valid: use 1 to "
            f"{MAX_PARTITION_LENGTH} characters without NUL, for example 'default'"
        )
    if not partition.isascii():
        _refuse_surrogates(partition, "partition")
    return partition


def validate_ttl(ttl: object) -> float | None:
    """Return `ttl` in seconds (a positive number) or None for no expiry."""
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0 or ttl == float("inf"):
        raise KeyValidationError(
            f"ttl must be a positive number of seconds or None for no expiry, got {_number(ttl)}"
        )
    if isinstance(ttl, int) and ttl > _LARGEST_FLOAT:
        raise KeyValidationError(
            f"ttl must be a positive number of seconds or None for no expiry, got {_number(ttl)}, "
            "beyond any float; use None for no expiry"
        )
    return float(ttl)


_LARGEST_FLOAT = int(sys.float_info.max)


def _number(value: object) -> str:
    """`repr(value)`, or the size of an integer too long to print."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"an integer of about {value.bit_length() * math.log10(2):.0f} digits"
    return repr(value)


def validate_pattern(pattern: object) -> str:
    """Return `pattern` if it is a non-empty glob."""
    return validate_key(pattern, what="search pattern")


@lru_cache(maxsize=256)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a glob (`*`, `?`) into a regex that matches whole keys."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def glob_to_like(pattern: str) -> str:
    """Translate a glob into a LIKE pattern whose escape character is a backslash."""
    out = []
    for char in pattern:
        if char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        elif char in "%_\\":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def prefix_to_like(prefix: str) -> str:
    """Translate a literal key prefix into a LIKE pattern (`prefix%`)."""
    return "".join("\\" + c if c in "%_\\" else c for c in prefix) + "%"
