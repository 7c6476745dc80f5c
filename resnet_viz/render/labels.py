"""Text in a drawing: a generous estimate of its rendered width, and the light pill (Label) it sits in.

Widths are estimated conservatively (DejaVu Sans is the widest common sans-serif), so that labels can be kept
apart by construction without measuring any font.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .rect import Rect

TITLE_SIZE, TEXT_SIZE, NOTE_SIZE = 15.0, 12.0, 11.0
LINE_HEIGHT = 1.3
PAD_X, PAD_Y = 5.0, 3.0
_NARROW = set("il.,:;'|!()[]ftjI/ ")
_WIDE = set("mwMW%@")


BOLD = 1.1  # bold glyphs are about a tenth wider


def text_width(s: str, size: float, bold: bool = False) -> float:
    """A generous estimate of the rendered width of `s` in a sans-serif font (DejaVu Sans is the widest common one)."""
    em = 0.0
    for ch in s:
        if ch in _NARROW:
            em += 0.36
        elif ch in _WIDE:
            em += 0.92
        elif ch == "×":
            em += 0.78  # DejaVu Sans Bold's × is 0.84 em
        elif ch.isupper() or ch in "⊕→…":
            em += 0.72
        else:
            em += 0.64
    return em * size * (BOLD if bold else 1.0)


@dataclass(frozen=True)
class Label:
    """Lines of text in a light pill; `top` is the pill's top edge, `x` its centre (or left edge for anchor start)."""

    lines: tuple[str, ...]
    x: float
    top: float
    size: float = TEXT_SIZE
    bold: tuple[bool, ...] = ()  # per line; missing entries are regular
    anchor: str = "middle"  # "middle" | "start"
    role: str = "label"  # "title" | "volume" | "op" | "note" | "bracket" | "legend"

    @property
    def line_height(self) -> float:
        return self.size * LINE_HEIGHT

    @property
    def text_w(self) -> float:
        return max(text_width(s, self.size, self.is_bold(i)) for i, s in enumerate(self.lines))

    @property
    def bbox(self) -> Rect:
        w = self.text_w + 2 * PAD_X
        h = len(self.lines) * self.line_height + 2 * PAD_Y
        x = self.x - w / 2 if self.anchor == "middle" else self.x - PAD_X
        return Rect(x, self.top, w, h)

    def is_bold(self, i: int) -> bool:
        return i < len(self.bold) and self.bold[i]

    def moved(self, dx: float, dy: float) -> Label:
        return replace(self, x=self.x + dx, top=self.top + dy)


def label_size(lines, size=TEXT_SIZE) -> tuple[float, float]:
    """(w, h) of a pill for `lines`, as if the first line were bold (as it is in most labels)."""
    if not lines:
        return 0.0, 0.0
    w = max(text_width(s, size, bold=i == 0) for i, s in enumerate(lines))
    return w + 2 * PAD_X, len(lines) * size * LINE_HEIGHT + 2 * PAD_Y
