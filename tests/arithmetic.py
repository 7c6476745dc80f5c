"""An independent check of the size formulas the tool writes: evaluate '⌊(H + 2·p − d·(k−1) − 1) / s⌋ + 1 = out'
as plain arithmetic (only digits, operators and floor/ceil are let through to eval)."""

from __future__ import annotations

import math
import re


def evaluate(formula: str) -> tuple[int, int]:
    """(what the left side computes, what it claims) for '⌊(197 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 99'."""
    left, right = formula.rsplit(" = ", 1)
    left = left.replace(" − 1 (the last window would start in the padding)", " − 1")
    expr = (left.replace("·", "*").replace("−", "-").replace("⌊", "math.floor(").replace("⌋", ")")
            .replace("⌈", "math.ceil(").replace("⌉", ")"))
    assert re.fullmatch(r"[0-9 ()*+\-/.a-z]+", expr), formula
    value = eval(expr, {"math": math})  # only digits, operators and math.floor/ceil (checked above)
    assert value == int(value), f"{formula}: the unrounded division is not whole ({value})"
    return int(value), int(right)
