"""How big a volume is drawn: pixels and channels become screen lengths, so boxes grow with H, W and C.

Every size comes from the trace; one zoom per trace keeps the drawings of one network comparable.
"""

from __future__ import annotations

import math

from ..schema import Trace, Volume

# sqrt up to a knee, then logarithmic: strictly increasing, and 7 and 1333 pixels (or 3 and 2048 channels)
# both stay readable in one row.
KNEE = 256.0
SIDE_MIN, SIDE_PER_SQRT = 4.0, 6.0
DEPTH_MIN, DEPTH_PER_SQRT = 2.0, 3.0
OBLIQUE_X, OBLIQUE_Y = 0.7, 0.5  # screen offset of one unit of depth (up and to the right)


def _compress(n: float, per_sqrt: float) -> float:
    n = max(float(n), 1.0)
    if n <= KNEE:
        return per_sqrt * math.sqrt(n)
    return per_sqrt * math.sqrt(KNEE) * (1.0 + 0.5 * math.log(n / KNEE))


def side(n: int) -> float:
    """Screen length of a spatial extent of `n` pixels (height or width)."""
    return SIDE_MIN + _compress(n, SIDE_PER_SQRT)


def depth(c: int) -> float:
    """Screen length (before projection) of `c` channels."""
    return DEPTH_MIN + _compress(c, DEPTH_PER_SQRT)


ZOOM_TARGET, ZOOM_MAX = 90.0, 1.8


def trace_zoom(trace: Trace) -> float:
    """One scale for every drawing of a trace: small inputs (CIFAR's 32×32) are enlarged up to ×1.8 so that their
    input face is as big as a 224×224 one; boxes stay comparable between the drawings of one network."""
    _, h, w = chw(trace.input)
    return min(ZOOM_MAX, max(1.0, ZOOM_TARGET / side(max(h, w))))


def chw(v: Volume) -> tuple[int, int, int]:
    """(C, H, W) of a map; a vector is drawn as a 1×1×F volume."""
    if v.is_map:
        return v.channels, v.height, v.width
    return max(1, v.numel), 1, 1


def box_size(v: Volume, zoom: float = 1.0) -> tuple[float, float, float, float]:
    """(w, h, dx, dy) of the drawn box for a volume (`zoom` enlarges a whole drawing evenly)."""
    c, h, w = chw(v)
    d = depth(c)
    return side(w) * zoom, side(h) * zoom, d * OBLIQUE_X * zoom, d * OBLIQUE_Y * zoom
