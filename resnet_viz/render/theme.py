"""Dark mode for our drawings: a <style> scoped to one SVG's id, so a standalone file follows the viewer's
prefers-color-scheme and an inlined one never styles anything else on the page.

The drawings use a handful of presentation colours (pills, ink, lines); in dark mode the rules below swap them by
attribute value (a CSS rule outranks a presentation attribute). Stage colours stay: they read on both.
"""

from __future__ import annotations

import html
import re

_VOLUMES = (
    ('rect[fill="#ffffff"]', "fill:#1f2933"), ('rect[stroke="#b8c2cc"]', "stroke:#52606d"),
    ('text[fill="#1f2933"]', "fill:#e4e7eb"), ('text[fill="#3e4c59"]', "fill:#cbd2d9"),
    ('[stroke="#7b8794"]', "stroke:#a7b1bb"), ('polygon[fill="#7b8794"]', "fill:#a7b1bb"),
    ('g[stroke="#3e4c59"]', "stroke:#cbd2d9"), ('circle[fill="#ffffff"]', "fill:#1f2933"),
)
_GRAPH = (
    ("> polygon:first-of-type", "fill:#16191d;stroke:none"),
    ("> text", "fill:#e4e7eb"), ("g.cluster > text", "fill:#e4e7eb"), ("g.edge > text", "fill:#cbd2d9"),
    ('g[id$="-io"] > text', "fill:#e4e7eb"),
    ("g.cluster > path, #{p} g.cluster > polygon", "fill-opacity:0.25"),
    ("g.edge > path", "stroke:#a7b1bb"), ("g.edge > polygon", "fill:#a7b1bb;stroke:#a7b1bb"),
)


def _style(prefix: str, rules: tuple[tuple[str, str], ...]) -> str:
    body = "".join(f"#{prefix} {sel.format(p=prefix)}{{{decl}}}" for sel, decl in rules)
    return f"<style>@media (prefers-color-scheme: dark){{{body}}}</style>"


def volumes_style(prefix: str) -> str:
    """The dark-mode rules of one of our volume drawings (its root <svg> has id `prefix`)."""
    return _style(prefix, _VOLUMES)


_GRAPH_ID = re.compile(r'<g id="([^"]+)" class="graph"')


def theme_graph_svg(svg: str) -> str:
    """A Graphviz SVG with dark-mode rules scoped to its graph's id, placed right after its <svg> tag."""
    found = _GRAPH_ID.search(svg)
    tag = re.search(r"<svg\b[^>]*>", svg)
    if found is None or tag is None:
        return svg
    graph_id = html.unescape(found.group(1))  # dot writes '-' as &#45;
    if not re.fullmatch(r"[A-Za-z0-9_-]+", graph_id):
        return svg
    return svg[:tag.end()] + "\n" + _style(graph_id, _GRAPH) + svg[tag.end():]
