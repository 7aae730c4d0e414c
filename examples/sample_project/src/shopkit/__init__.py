"""shopkit: prices, stock and product slugs for a small shop."""

from shopkit.inventory import Inventory, OutOfStockError
from shopkit.pricing import add_tax, apply_discount, bulk_price, loyalty_tier
from shopkit.text import slugify, truncate

__all__ = [
    "Inventory",
    "OutOfStockError",
    "add_tax",
    "apply_discount",
    "bulk_price",
    "loyalty_tier",
    "slugify",
    "truncate",
]
