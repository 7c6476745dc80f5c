"""MkDocs route: a pymdownx.superfences custom fence that draws a ```resnet-viz fence inline as SVG.

mkdocs.yml:

    markdown_extensions:
      - pymdownx.superfences:
          custom_fences:
            - name: resnet-viz
              class: resnet-viz
              validator: !!python/name:resnet_viz.mkdocs.fence_validator
              format: !!python/name:resnet_viz.mkdocs.fence_format

A bad option draws a visible error box and logs a warning (so `mkdocs build --strict` fails), never a traceback.
"""

from __future__ import annotations

import html
import logging

from .embed import figure_for, html_figure, parse_request
from .errors import InvalidOption, ResnetVizError

log = logging.getLogger("mkdocs.plugins.resnet_viz")


def parse_fence(source: str) -> dict[str, str]:
    """'depth: 34' lines (blank lines and # comments skipped) → {'depth': '34'}."""
    options: dict[str, str] = {}
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, sep, value = text.partition(":")
        if not sep or not key.strip():
            raise InvalidOption(f"line {number} {text!r} is not 'key: value' (e.g. 'depth: 34')")
        options[key.strip()] = value.strip().strip("\"'")
    return options


def fence_validator(language, inputs, options, attrs, md) -> bool:
    """Accept options written in the fence header too (```resnet-viz depth="34"); the body's lines win."""
    options.update(inputs)
    return True


def fence_format(source, language, css_class, options, md, **kwargs) -> str:
    """The fence as a <figure> holding the inline SVG and its caption."""
    try:
        request = parse_request({**(options or {}), **parse_fence(source)})
        fig = figure_for(request)
    except ResnetVizError as e:
        log.warning("resnet-viz fence: %s", e)
        return f'<div class="{css_class or "resnet-viz"} resnet-viz-error"><p>resnet-viz: {html.escape(str(e))}</p></div>'
    return html_figure(fig, caption=request.caption, width=request.width)
