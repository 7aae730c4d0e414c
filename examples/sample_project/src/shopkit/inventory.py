"""Stock levels of products, by SKU."""

from __future__ import annotations


class OutOfStockError(Exception):
    """Raised when removing more items than are in stock."""


class Inventory:
    """Stock per SKU.

    >>> stock = Inventory()
    >>> stock.add("mug", 3)
    3
    """

    def __init__(self, low_stock_level: int = 5) -> None:
        self.low_stock_level = low_stock_level
        self._stock: dict[str, int] = {}

    def add(self, sku: str, quantity: int = 1) -> int:
        """Add items; returns the new level."""
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._stock[sku] = self._stock.get(sku, 0) + quantity
        return self._stock[sku]

    def remove(self, sku: str, quantity: int = 1) -> int:
        """Take items out; returns the new level."""
        available = self._stock.get(sku, 0)
        if quantity > available:
            raise OutOfStockError(f"only {available} of {sku!r} in stock")
        self._stock[sku] = available - quantity
        if self._stock[sku] == 0:
            del self._stock[sku]
        return available - quantity

    def count(self, sku: str) -> int:
        """Items of `sku` in stock (0 if none)."""
        return self._stock.get(sku, 0)

    def low_stock(self) -> list[str]:
        """SKUs at or below the low-stock level, sorted."""
        return sorted(sku for sku, level in self._stock.items() if level <= self.low_stock_level)
