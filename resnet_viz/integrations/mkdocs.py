"""MkDocs route: a pymdownx.superfences custom fence that draws a ```resnet-viz fence inline as SVG.

mkdocs.yml:

    markdown_extensions:
      - pymdownx.superfences:
          custom_fences:
            - name: resnet-viz
              class: resnet-viz
              validator: !!python/name:resnet_viz.integrations.mkdocs.fence_validator
              format: !!python/name:resnet_viz.integrations.mkdocs.fence_format

A `model: nets.py:build` is looked up next to the page first, as the Sphinx directive does. A bad option draws a
visible error box and logs a warning (so `mkdocs build --strict` fails), never a traceback.
"""

from __future__ import annotations

import html
import logging
import sys
from pathlib import Path

from ..errors import InvalidOption, ResnetVizError
from .docs import drawing_for, parse_request
from .embed import html_figure

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
    page, folder = _page(md)
    try:
        request = parse_request({**(options or {}), **parse_fence(source)}, base=folder)
        fig = drawing_for(request)
    except ResnetVizError as e:
        log.warning("resnet-viz fence%s: %s", f" in {page}" if page else "", e)
        return (f'<div class="{css_class or "resnet-viz"} resnet-viz-error" role="alert" style="{ERROR_STYLE}">'
                f"<p><strong>resnet-viz</strong>{' in ' + html.escape(page) if page else ''}: "
                f"{html.escape(str(e))}</p></div>")
    return html_figure(fig, caption=request.caption, width=request.width)


ERROR_STYLE = ("border:1px solid #d64545;border-left-width:4px;border-radius:4px;padding:0.6em 0.9em;"
               "background:rgba(214,69,69,0.08);color:inherit;margin:1em 0")


def _page(md: object) -> tuple[str, Path | None]:
    """The page MkDocs is rendering (its name for warnings, its folder for a model file beside it): MkDocs hands the
    fence no page, but the Page object that called Markdown is on the stack (mkdocs.structure.pages.Page.render);
    ('', None) outside MkDocs."""
    frame = sys._getframe(1)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if type(owner).__module__.startswith("mkdocs.") and type(owner).__name__ == "Page":
            file = getattr(owner, "file", None)
            where = getattr(file, "abs_src_path", None)
            return str(getattr(file, "src_path", "") or ""), Path(where).parent if where else None
        frame = frame.f_back  # type: ignore[assignment]
    return "", None
