"""LaTeX tables (booktabs) of a trace: placeholder until the LaTeX renderer lands in this module."""

from __future__ import annotations

from typing import Any

from ..schema import Trace


def layers_latex(trace: Trace) -> str:
    return "% pending\n"


def table1_latex(trace: Trace) -> str:
    return "% pending\n"


def comparison_latex(comp: Any, trace: Trace) -> str:
    return "% pending\n"


def document(*tables: str) -> str:
    return "".join(tables)
