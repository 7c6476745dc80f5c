"""The sized values a user writes (blocks per stage, stage widths, the input image) parsed into checked int tuples.

Text is read with ASCII digits only (a regex's digit class also matches full-width and other digits), and a
number too long to be valid is refused without handing it to int().
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from numbers import Integral

from .errors import InvalidOption, InvalidType
from .family import MAX_BLOCKS_PER_STAGE, MAX_STAGES, MAX_WIDTH
from .value_checks import brief, shortened, type_name

_ASCII_COUNT = re.compile(r"[0-9]+")  # not \d: that also matches full-width and other non-ASCII digits


def parse_layers(text: str | Sequence[int]) -> tuple[int, ...]:
    """'3,4,6,3' or (3, 4, 6, 3) → (3, 4, 6, 3); 1 to MAX_STAGES stages of 1 to MAX_BLOCKS_PER_STAGE blocks."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        if not all(_ASCII_COUNT.fullmatch(p) for p in parts):
            raise InvalidOption(
                f"invalid --layers {brief(text)} (must be comma-separated block counts, e.g. 3,4,6,3)"
            )
        shown = shortened(",".join(p.lstrip("0") or "0" for p in parts))
        # a count too long to be valid becomes one over the limit (int() refuses very long digit strings)
        layers = tuple(int(p) if len(p) <= 9 else MAX_BLOCKS_PER_STAGE + 1 for p in parts)
    elif isinstance(text, Sequence) and not isinstance(text, (bytes, bytearray)):
        for v in text:
            if isinstance(v, bool) or not isinstance(v, Integral):
                raise InvalidType(
                    f"invalid layers {brief(text)}: {brief(v)} is a {type_name(v)} "
                    "(must be whole numbers, e.g. (3, 4, 6, 3), or a string like '3,4,6,3')"
                )
        shown = shortened(",".join(brief(int(v)) for v in text))
        layers = tuple(int(v) if abs(int(v)) <= 10**9 else MAX_BLOCKS_PER_STAGE + 1 for v in text)
    else:
        raise InvalidType(
            f"invalid layers {brief(text)} of type {type_name(text)} "
            "(must be a sequence of block counts such as (3, 4, 6, 3), or a string like '3,4,6,3')"
        )
    if not 1 <= len(layers) <= MAX_STAGES:
        raise InvalidOption(f"invalid layers {shown or '()'} (must name 1 to {MAX_STAGES} stages, e.g. 3,4,6,3)")
    if any(not 1 <= n <= MAX_BLOCKS_PER_STAGE for n in layers):
        raise InvalidOption(
            f"invalid layers {shown} (each stage needs 1 to {MAX_BLOCKS_PER_STAGE} blocks, e.g. 3,4,6,3)"
        )
    return layers


def parse_widths(widths: object, stages: int) -> tuple[int, ...]:
    if not isinstance(widths, Sequence) or isinstance(widths, (str, bytes, bytearray)):
        raise InvalidType(
            f"invalid widths {brief(widths)} of type {type_name(widths)} (must be a sequence of ints, one per stage)"
        )
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, Integral):
            raise InvalidType(
                f"invalid widths {brief(widths)}: {brief(w)} is a {type_name(w)} "
                "(must be whole numbers, one per stage)"
            )
    if len(widths) != stages or any(not 1 <= int(w) <= MAX_WIDTH for w in widths):
        raise InvalidOption(
            f"invalid widths {brief(tuple(widths))} (need one width from 1 to {MAX_WIDTH:,} per stage: {stages})"
        )
    parsed = tuple(int(w) for w in widths)
    return parsed


_SIZE = re.compile(r"^\s*([0-9]+)\s*(?:[x×X*,]\s*([0-9]+)\s*)?$")  # ASCII digits only, as --layers
MAX_SIDE = 16384


def parse_input_size(value: str | int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """'224' → (224, 224); '197x311' → (197, 311) as (height, width)."""
    if isinstance(value, bool):
        raise InvalidOption(f"invalid input size {value!r} (must be a side like 224 or HxW like 197x311)")
    if isinstance(value, int):
        h = w = value
    elif isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise InvalidOption(f"invalid input size {value!r} (must be (height, width) as two whole numbers)")
        h, w = value
    else:
        m = _SIZE.match(str(value))
        if not m:
            raise InvalidOption(f"invalid input size {str(value)!r} (must be a side like 224 or HxW like 197x311)")
        if max(len(g) for g in m.groups() if g is not None) > 9:  # int() refuses very long digit strings
            raise InvalidOption(f"invalid input size {brief(str(value))} (each side must be 1 to {MAX_SIDE} pixels)")
        h = int(m.group(1))
        w = int(m.group(2)) if m.group(2) is not None else h
    if not (1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE):
        raise InvalidOption(f"invalid input size {h}x{w} (each side must be 1 to {MAX_SIDE} pixels)")
    return h, w
