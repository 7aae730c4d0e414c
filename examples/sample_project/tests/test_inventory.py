from shopkit.inventory import Inventory


def test_add_and_count():
    stock = Inventory()
    stock.add("mug", 3)
    stock.add("mug")
    assert stock.count("mug") == 4
    assert stock.count("plate") == 0


def test_remove_lowers_the_level():
    stock = Inventory()
    stock.add("mug", 3)
    assert stock.remove("mug", 2) == 1


def test_remove_last_item_clears_the_sku():
    stock = Inventory()
    stock.add("mug", 1)
    stock.remove("mug")
    assert stock.count("mug") == 0
