"""Cost of a call from the PRD's price table (USD per 1M tokens).

The cost is ``None`` — unknown — when the model has no price or the provider did not
report usage. It is never silently 0: a free-looking run would pass a budget gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._types import Usage

if TYPE_CHECKING:
    from ..spec._prd import Price


def cost_of(price: Price | None, usage: Usage | None) -> float | None:
    """USD cost of ``usage`` at ``price``; None when either is unknown."""
    if price is None or usage is None:
        return None
    return (
        usage.input_tokens * price.input_per_1m + usage.output_tokens * price.output_per_1m
    ) / 1_000_000
