"""LaTeX tables (booktabs) of a trace: placeholder until the LaTeX renderer lands in this module."""

from __future__ import annotations

from ..schema import Trace


def layers_latex(trace: Trace) -> str:
    raise NotImplementedError("LaTeX tables are being written")
