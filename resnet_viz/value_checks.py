"""Strict checks on values the Python API passes straight in, each refusal a one-line message naming what is valid.

Types are checked as given (a float depth or a str count is an InvalidType; strings are parsed by the CLI, not
here); values are shown shortened, so a huge or hostile value never makes a huge message.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

from .errors import InvalidOption, InvalidType, choice


def type_name(value: object) -> str:
    return type(value).__name__


_SHOWN = 60


def brief(value: object) -> str:
    """repr() for a message: long values shortened, huge ints described (str() refuses ints of over 4300 digits)."""
    if isinstance(value, Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**30:
        return f"<a {int(value).bit_length()}-bit integer>"
    try:
        text = repr(value)
    except ValueError:  # a container holding a huge int
        return f"<a {type_name(value)} holding a very large integer>"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def shortened(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def whole_number(what: str, value: object, example: str) -> int | None:
    """None, or the int value; a bool, float, str … raises InvalidType (strings are parsed by the CLI, not here)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidType(
            f"invalid {what} {brief(value)} of type {type_name(value)} "
            f"(must be a whole number, an int such as {example})"
        )
    return int(value)


def optional_text(what: str, value: object, valid: Sequence[object]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        listed = ", ".join(str(v) for v in valid)
        raise InvalidType(
            f"invalid {what} {brief(value)} of type {type_name(value)} (must be a str, one of: {listed})"
        )
    return value


def check_choice(what: str, value: object, valid) -> None:
    if value not in valid:
        raise choice(what, shortened(value) if isinstance(value, str) else value, valid)


def check_range(what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidOption(f"invalid {what} {brief(value)} (must be a whole number from {low:,} to {high:,})")
