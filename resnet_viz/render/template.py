"""The Jinja environment of the report: templates read through importlib.resources (wheel, zip or checkout alike),
strict undefined names, autoescape, and the one filter that turns `backticked` names into <code>."""

from __future__ import annotations

import functools
import importlib.resources
import re
from importlib.abc import Traversable
from pathlib import Path as FsPath
from typing import Any

import jinja2
from markupsafe import Markup, escape

TEMPLATE_PACKAGE = "resnet_viz.templates"
TEMPLATE = "report.html.j2"


def template_root() -> Traversable:
    """The installed templates (resnet_viz.templates), or the checkout's templates/ folder when not installed."""
    try:
        root = importlib.resources.files(TEMPLATE_PACKAGE)
        if root.joinpath(TEMPLATE).is_file():
            return root
    except ModuleNotFoundError:
        pass
    return FsPath(__file__).resolve().parents[2] / "templates"


class _Loader(jinja2.BaseLoader):
    """Reads templates through importlib.resources, so they load from a wheel, a zip or a source tree alike."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, None, Any]:
        path = template_root().joinpath(template)
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        return path.read_text(encoding="utf-8"), None, lambda: True


_TICKS = re.compile(r"`([^`]+)`")


def code_markup(text: str) -> Markup:
    """Escape `text`, then turn `backticked` PyTorch names into <code> elements."""
    return Markup(_TICKS.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=_Loader(), autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["code"] = code_markup
    return env
