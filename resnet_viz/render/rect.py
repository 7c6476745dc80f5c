"""The axis-aligned box every extent, overlap and containment check of a drawing is made with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Rect, gap: float = 0.0) -> bool:
        return not (
            self.right + gap <= other.x or other.right + gap <= self.x
            or self.bottom + gap <= other.y or other.bottom + gap <= self.y
        )

    def contains(self, other: Rect) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom


def union(rects) -> Rect:
    rects = list(rects)
    x0, y0 = min(r.x for r in rects), min(r.y for r in rects)
    x1, y1 = max(r.right for r in rects), max(r.bottom for r in rects)
    return Rect(x0, y0, x1 - x0, y1 - y0)
