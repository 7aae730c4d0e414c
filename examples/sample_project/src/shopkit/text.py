"""Product names for URLs and labels."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, max_length: int | None = None) -> str:
    """A URL slug: lower case ASCII words joined by hyphens.

    >>> slugify("Blue Mug (large)")
    'blue-mug-large'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if max_length is not None and len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug


def truncate(text: str, width: int, suffix: str = "...") -> str:
    """`text` cut to `width` characters, ending with `suffix` when cut."""
    if width < len(suffix):
        raise ValueError("width is shorter than the suffix")
    if len(text) <= width:
        return text
    return text[: width - len(suffix)] + suffix
