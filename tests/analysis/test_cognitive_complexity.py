"""Cognitive complexity on the SonarSource white paper's examples (translated to Python) and each rule alone."""

from __future__ import annotations

import ast
import textwrap

import pytest

from lionagi_qe.analysis.cognitive_complexity import cognitive_complexity


def _of(source: str) -> int:
    [function] = ast.parse(textwrap.dedent(source)).body
    assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
    return cognitive_complexity(function)


WHITE_PAPER_NESTING = """
    def my_method():
        try:
            if condition1:                  # +1
                for i in range(10):         # +2 (nesting 1)
                    while condition2:       # +3 (nesting 2)
                        pass
        except (ValueError, KeyError):      # +1
            if condition2:                  # +2 (nesting 1)
                pass
"""

SUM_OF_PRIMES = """
    def sum_of_primes(maximum):
        total = 0
        for i in range(1, maximum + 1):     # +1
            for j in range(2, i):           # +2
                if i % j == 0:              # +3
                    break
            else:
                total += i
        return total
"""

GET_WORDS = """
    def get_words(number):
        match number:                       # +1: a switch counts once
            case 1:
                return "one"
            case 2:
                return "a couple"
            case _:
                return "lots"
"""

NESTED_FUNCTION = """
    def my_method2():
        def runnable():                     # +0, nesting 1
            if condition1:                  # +2
                pass
        return runnable
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (WHITE_PAPER_NESTING, 9),
        (SUM_OF_PRIMES, 6),
        (GET_WORDS, 1),
        (NESTED_FUNCTION, 2),
        ("def f(a):\n    return a\n", 0),
        ("def f(a, b, c):\n    return a and b and c\n", 1),
        ("def f(a, b, c, d):\n    return a and b or c and d\n", 3),
        ("def f(a, b):\n    return a and (b and a)\n", 1),
        ("def f(x):\n    if x > 3:\n        return 1\n    elif x:\n        return 2\n    else:\n        return 3\n", 3),
        ("def f(x):\n    if x:\n        return 1\n    else:\n        if x is None:\n            return 2\n", 4),
        ("def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\n", 2),
        ("def f(xs):\n    return sorted(xs, key=lambda x: x if x else 0)\n", 2),
        ("def f():\n    with open('x') as h:\n        try:\n            pass\n        finally:\n            pass\n", 0),
    ],
    ids=[
        "white-paper-nesting", "sum-of-primes", "switch", "nested-function", "flat", "one-and-sequence",
        "mixed-sequences", "parenthesised-same-operator", "if-elif-else", "if-inside-else", "recursion",
        "lambda-nesting", "with-try-finally",
    ],
)
def test_known_examples(source: str, expected: int) -> None:
    assert _of(source) == expected
