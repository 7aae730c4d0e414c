"""A generated test module waiting for verification.

    Candidate(gap_id="shopkit.pricing:bulk_price", origin="characterization",
              source="def test_...", stem="test_aqe_pricing_bulk_price")

`origin` says which engine wrote it: 'llm', 'characterization' (calls
chosen from the function's `ast` and pinned to what they return today),
'ghostwriter' (Hypothesis) or 'doctest'.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Candidate:
    """Source of one generated pytest module, for one gap."""

    gap_id: str
    origin: str
    source: str
    stem: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def generated_stem(module: str, qualname: str) -> str:
    """File stem for generated tests: 'test_aqe_<module tail>_<qualname>'."""
    tail = module.rsplit(".", 1)[-1]
    return "test_aqe_" + f"{tail}_{qualname}".replace(".", "_").lower()

