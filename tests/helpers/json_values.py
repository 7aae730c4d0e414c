"""JSON values for property tests of the memory contract, and how every backend gives them back.

    @given(value=json_values)
    async def test_x(memory, value):
        await memory.store("k", value)
        assert typed(await memory.retrieve("k")) == typed(as_stored(value))
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats()
    | text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(text.filter(lambda s: len(s) <= 10), children, max_size=5)
    ),
    max_leaves=20,
)
key_characters = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
keys = st.text(alphabet=key_characters, min_size=1, max_size=60)


def as_stored(value: Any) -> Any:
    """What any backend gives back for `value`: tuples as lists, NaN/Infinity as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: as_stored(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_stored(v) for v in value]
    return value


def typed(value: Any) -> Any:
    """`value` with the type of every scalar attached, so 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)
