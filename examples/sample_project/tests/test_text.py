from shopkit.text import slugify, truncate


def test_slugify_words():
    assert slugify("Blue Mug (large)") == "blue-mug-large"


def test_slugify_accents():
    assert slugify("Crème Brûlée") == "creme-brulee"


def test_truncate_long_text():
    assert truncate("a long product name", 10) == "a long ..."


def test_truncate_short_text_is_kept():
    assert truncate("mug", 10) == "mug"
