import pytest
from shopkit.pricing import add_tax, apply_discount, bulk_price, loyalty_tier


def test_apply_discount_takes_percent_off():
    assert apply_discount(100.0, 15) == 85.0


def test_apply_discount_rejects_negative_price():
    with pytest.raises(ValueError):
        apply_discount(-1.0, 10)


def test_add_tax_standard_rate():
    assert add_tax(10.0) == 12.0


def test_bulk_price_single_item():
    assert bulk_price(2.5, 1) == 2.5


def test_bulk_price_ten_items_get_five_percent_off():
    assert bulk_price(10.0, 20) == 190.0


def test_loyalty_tier_gold_and_none():
    assert loyalty_tier(1200) == "gold"
    assert loyalty_tier(0) == "none"


def test_add_tax_unknown_category():
    with pytest.raises(ValueError, match="unknown tax category"):
        add_tax(10.0, "luxury")
