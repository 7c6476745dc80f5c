"""Stage colours shared by tables, volume drawings and graphs, so a stage looks the same everywhere.

Each colour is a mid-tone fill with a darker stroke: readable on white and on a dark background alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Colour:
    fill: str  # box faces, table bands (use with transparency on dark backgrounds)
    stroke: str  # outlines, text accents
    light: str  # a pale tint for table row bands in light mode


STEM = Colour("#f4a261", "#b5651d", "#fdebdc")
HEAD = Colour("#9aa5b1", "#52606d", "#eceff2")
INPUT = Colour("#c9d2dc", "#52606d", "#f2f4f7")
STAGES = (
    Colour("#e9c46a", "#9c7a12", "#fbf3dc"),  # conv2_x: seed 001 shades it yellow
    Colour("#2a9d8f", "#1b6b61", "#d8efec"),
    Colour("#5e8ed6", "#2f5a9e", "#e0eaf8"),
    Colour("#b07cc6", "#74428a", "#f0e6f5"),
    Colour("#e76f51", "#a8412a", "#fbe3dc"),
    Colour("#6aaf50", "#3f7a2b", "#e3f1dd"),
)


def stage_colour(index: int) -> Colour:
    """Colour of the stage with 0-based `index` (cycles for nets with more than six stages)."""
    return STAGES[index % len(STAGES)]


def section_colour(section: str, stage_index: int | None = None) -> Colour:
    if section == "stage" and stage_index is not None:
        return stage_colour(stage_index)
    return {"stem": STEM, "head": HEAD}.get(section, INPUT)
