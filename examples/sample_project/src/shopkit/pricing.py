"""Prices, discounts and taxes."""

from __future__ import annotations

TAX_RATES = {"standard": 0.2, "reduced": 0.05, "zero": 0.0}


def apply_discount(price: float, percent: float) -> float:
    """Price after a percentage discount, rounded to cents.

    >>> apply_discount(100.0, 15)
    85.0
    """
    if price < 0:
        raise ValueError("price must not be negative")
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return round(price * (1 - percent / 100), 2)


def add_tax(price: float, category: str = "standard") -> float:
    """Price with the tax of its category ('standard', 'reduced' or 'zero')."""
    try:
        rate = TAX_RATES[category]
    except KeyError:
        raise ValueError(f"unknown tax category {category!r}") from None
    return round(price * (1 + rate), 2)


def bulk_price(unit_price: float, quantity: int) -> float:
    """Unit price times quantity: 5% off from 10 items, 10% off from 100."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    total = unit_price * quantity
    if quantity >= 100:
        total = apply_discount(total, 10)
    elif quantity >= 10:
        total = apply_discount(total, 5)
    return round(total, 2)


def loyalty_tier(points: int) -> str:
    """The customer's tier for a number of loyalty points."""
    if points >= 1000:
        return "gold"
    if points >= 500:
        return "silver"
    if points > 0:
        return "bronze"
    return "none"
