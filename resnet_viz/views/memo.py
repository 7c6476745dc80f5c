"""Views computed once per trace: a report asks for the same receptive fields and layer rows from many tables.

Keyed by the trace's identity (hashing a frozen Trace would walk every op), held only while the trace lives.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TypeVar

from ..schema import Trace

R = TypeVar("R")


def per_trace(fn: Callable[[Trace], R]) -> Callable[[Trace], R]:
    """`fn(trace)` computed once while `trace` lives; results must be immutable (callers share them)."""
    results: dict[int, tuple[weakref.ref[Trace], R]] = {}

    @functools.wraps(fn)
    def cached(trace: Trace) -> R:
        key = id(trace)
        hit = results.get(key)
        if hit is not None and hit[0]() is trace:
            return hit[1]
        value = fn(trace)

        def forget(_ref: weakref.ref[Trace], key: int = key) -> None:
            results.pop(key, None)

        results[key] = (weakref.ref(trace, forget), value)
        return value

    return cached
