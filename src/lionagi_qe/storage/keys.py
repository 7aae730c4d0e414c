"""Validation of keys, partitions, TTLs and glob patterns, the same in every backend.

    validate_key("aqe/coverage/run-1")        # returns the key
    glob_to_regex("aqe/*/run-?").match(key)   # `*` any run, `?` one character
    glob_to_like("aqe/100%_done*")            # 'aqe/100\\%\\_done%' for LIKE ... ESCAPE '\\'

In a glob, only `*` and `?` are special; every other character, `%`, `_`
and `\\` included, matches itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lionagi_qe.errors import KeyValidationError

MAX_KEY_LENGTH = 512
MAX_PARTITION_LENGTH = 128


def validate_key(key: object, what: str = "key") -> str:
    """Return `key` if it is non-empty text of at most 512 characters without NUL."""
    if type(key) is not str:
        raise KeyValidationError(f"memory {what} must be a str, got {type(key).__name__}")
    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise KeyValidationError(
            f"memory {what} {key[:40]!r} is not valid: use 1 to {MAX_KEY_LENGTH} characters "
            "without NUL, for example 'aqe/coverage/run-1'"
        )
    return key


def validate_prefix(prefix: object) -> str:
    """Return `prefix` (may be empty) if it is text that could start a key."""
    if type(prefix) is not str:
        raise KeyValidationError(f"memory prefix must be a str, got {type(prefix).__name__}")
    if len(prefix) > MAX_KEY_LENGTH or "\x00" in prefix:
        raise KeyValidationError(
            f"memory prefix {prefix[:40]!r} is not valid: at most {MAX_KEY_LENGTH} characters without NUL"
        )
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
    return partition


def validate_ttl(ttl: object) -> float | None:
    """Return `ttl` in seconds (a positive number) or None for no expiry."""
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0 or ttl == float("inf"):
        raise KeyValidationError(
            f"ttl must be a positive number of seconds or None for no expiry, got {ttl!r}"
        )
    return float(ttl)


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
