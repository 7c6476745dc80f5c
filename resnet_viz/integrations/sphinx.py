"""Sphinx extension: a `resnet-viz` directive that draws a diagram at build time (`extensions = ["resnet_viz.integrations.sphinx"]`).

The SVG travels inside the doctree and is written into the builder's image folder when the page is written,
under a content-hashed name: incremental and parallel builds write the same bytes to the same name.
"""

from __future__ import annotations

import html
import posixpath
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from ..errors import ResnetVizError
from ..output.single_file import write_file
from ..version import __version__
from .docs import OPTION_KEYS, drawing_for, parse_request
from .embed import CSS_CLASS


class resnet_viz_image(nodes.General, nodes.Inline, nodes.Element):
    """The drawing inside a figure: attributes svg, filename, alt, width."""


class _OptionSpec(dict):
    """Docutils reports an unknown option as `unknown option: "<key>"` with the key a spec lookup raises; make that
    key carry the valid ones, closing docutils' own quote after the option's name."""

    def __missing__(self, key):
        raise KeyError(f'{key}"; must be one of: {", ".join(sorted(self))}; see "resnet-viz')


def _spec() -> _OptionSpec:
    spec = _OptionSpec(dict.fromkeys(OPTION_KEYS, directives.unchanged_required))
    spec["caption"] = spec["alt"] = directives.unchanged
    spec["width"] = directives.length_or_percentage_or_unitless
    spec["name"] = directives.unchanged
    spec["class"] = directives.class_option
    return spec


class ResnetVizDirective(SphinxDirective):
    """`.. resnet-viz::` with :depth:, :input:, :view:, :level:, :select:, … as options; no content."""

    has_content = False
    option_spec = _spec()

    def run(self) -> list[nodes.Node]:
        wanted = {k: v for k, v in self.options.items() if k in OPTION_KEYS}
        page = Path(self.env.doc2path(self.env.docname)).parent
        try:
            fig = drawing_for(parse_request(wanted, base=page))
        except ResnetVizError as e:
            raise self.error(f"resnet-viz directive: {e}") from None
        width = self.options.get("width")
        image = resnet_viz_image(svg=fig.svg, filename=fig.filename, alt=fig.alt, width=width or "")
        figure = nodes.figure("", image, classes=[CSS_CLASS, *self.options.get("class", [])])
        self.set_source_info(figure)
        caption = self.options.get("caption")
        text = fig.alt if caption is None else caption
        if text:
            inline, messages = self.parse_inline(text, lineno=self.lineno)
            cap = nodes.caption(text, "", *inline)
            self.set_source_info(cap)
            figure += cap
        else:
            messages = []
        self.add_name(figure)
        return [figure, *messages]


def visit_image_html(self, node: resnet_viz_image) -> None:
    """Write the SVG into the output's image folder (once per name) and point an <img> at it."""
    target = Path(self.builder.outdir, self.builder.imagedir, node["filename"])
    if not target.exists():
        write_file(target, node["svg"])
    src = posixpath.join(self.builder.imgpath, node["filename"])
    style = f' style="width: {html.escape(node["width"])}"' if node["width"] else ""
    self.body.append(f'<img src="{html.escape(src)}" alt="{html.escape(node["alt"])}" class="{CSS_CLASS}"{style} />')
    raise nodes.SkipNode


def visit_image_other(self, node: resnet_viz_image) -> None:
    """Builders without SVG images (LaTeX, text, man, texinfo) keep the caption and skip the drawing."""
    raise nodes.SkipNode


def setup(app) -> dict:
    _other = (visit_image_other, None)
    app.add_node(resnet_viz_image, html=(visit_image_html, None), latex=_other, text=_other, man=_other,
                 texinfo=_other)
    app.add_directive("resnet-viz", ResnetVizDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
