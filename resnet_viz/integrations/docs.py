"""The docs routes (Sphinx directive, MkDocs fence): options given as text name a network and a drawing.

They are parsed by ModelOptions like the CLI's options, so every route accepts the same networks, `--model`
included; traces are made on the meta device (shapes only) and cached per process.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.tracing import trace_options
from ..errors import choice
from ..options import Device, Level, ModelOptions, View, parse_choice
from ..schema import Trace
from .embed import Drawing, drawing

MODEL_KEYS = ("model", "depth", "arch", "input", "layers", "block", "variant", "shortcut", "stem", "num-classes",
              "groups", "width-per-group", "preact")
FIGURE_KEYS = ("view", "level", "select", "caption", "alt", "width")
OPTION_KEYS = MODEL_KEYS + FIGURE_KEYS


@dataclass(frozen=True)
class Request:
    """Options given as text (directive options, fence lines), checked and typed."""

    model: ModelOptions
    view: View = View.VOLUMES
    level: Level = Level.NETWORK
    select: str | None = None
    caption: str | None = None
    alt: str | None = None
    width: str | None = None


def parse_request(options: Mapping[str, object], *, base: Path | None = None) -> Request:
    """Check option names; values are checked by ModelOptions and the figure, naming what is valid. A --model .py
    file is found relative to `base` (the page's folder) when it is there."""
    model: dict[str, object] = {}
    fig: dict[str, str] = {}
    for raw_key, value in options.items():
        key = str(raw_key).strip().lower().replace("_", "-")
        if key not in OPTION_KEYS:
            raise choice("option", raw_key, OPTION_KEYS)
        text = "" if value is None else str(value).strip()
        if key in FIGURE_KEYS:
            fig[key] = text
        else:
            model[key.replace("-", "_")] = text
    ref = str(model.get("model", ""))
    name = ref.rpartition(":")[0]
    if base is not None and name.endswith(".py") and (base / name).is_file():
        model["model"] = f"{base / name}:{ref.rpartition(':')[2]}"
    parsed = ModelOptions.parse(device=Device.META, **model)
    return Request(model=parsed, view=parse_choice(View, fig.get("view", "volumes"), "view"),
                   level=parse_choice(Level, fig.get("level", "network"), "level"), select=fig.get("select") or None,
                   caption=fig.get("caption"), alt=fig.get("alt") or None, width=fig.get("width") or None)


@functools.lru_cache(maxsize=32)
def trace_for(options: ModelOptions) -> Trace:
    """Trace the network a Request names on the meta device (the same trace as on cpu, without the compute)."""
    return trace_options(replace(options, device=Device.META, measure=0))


def drawing_for(request: Request) -> Drawing:
    """Trace and draw what a Request asks for."""
    d = drawing(trace_for(request.model), view=request.view, level=request.level, select=request.select)
    return replace(d, alt=request.alt) if request.alt else d

