"""A tiny DOT writer that quotes every id, label and attribute value itself, deterministic byte for byte.

Op ids and labels may come from a saved trace, so nothing reaches DOT unquoted: there are no HTML-like `<…>`
labels, no ports, no keywords, and only attribute names a layout needs (nothing that links or reads files:
no URL, href, image, imagepath, shapefile, fontpath, target). Text (label, xlabel, headlabel, taillabel, id) is
plain: a line break in a label comes from passing a sequence of lines (or a newline in the text), never from DOT
escapes inside it. Every other value is a name, number, colour or style, and is refused if it looks like more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType, TracebackType

ALLOWED = frozenset({
    "label", "id", "shape", "style", "fillcolor", "color", "fontcolor", "fontname", "fontsize", "penwidth",
    "arrowsize", "group", "width", "height", "fixedsize", "margin", "labelloc", "labeljust", "bgcolor", "rankdir",
    "nodesep", "ranksep", "newrank", "compound", "constraint", "dir", "arrowhead", "arrowtail", "lhead", "ltail",
    "xlabel", "headlabel", "taillabel", "weight", "minlen", "rank", "ordering", "splines", "pad",
})
TEXT = frozenset({"label", "xlabel", "headlabel", "taillabel", "id"})  # free text, escaped by dot in its output
# Every other value is a name, number, colour or style list: dot 2.43 writes fontname into the SVG unescaped and
# crashes on some bad colours, so their values keep to these characters (no quotes, <, >, &, =, backslash).
_TOKEN = re.compile(r"[\w #%+,./:;()*-]*")
_NONE: Mapping[str, str] = MappingProxyType({})

# Backslash and double quote are escaped, a newline becomes DOT's \n, a tab a space, & becomes &amp; (dot decodes
# entities in labels and passes entity-like text into the SVG, so "&#1;" would otherwise break its XML), a lone
# surrogate becomes U+FFFD; CR, the other C0/C1 controls and the XML non-characters U+FFFE/U+FFFF are dropped.
# Nothing can end the string or continue a line, and dot draws exactly the text it was given.
_SPECIAL = re.compile('[\\\\"&\n\t\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]')
_REPLACE = {"\\": "\\\\", '"': '\\"', "&": "&amp;", "\n": "\\n", "\t": " "}


def _sub(m: re.Match[str]) -> str:
    c = m.group()
    return _REPLACE.get(c, "\ufffd" if "\ud800" <= c <= "\udfff" else "")


def _escape(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"DOT text must be a str, not {type(text).__name__}")
    return _SPECIAL.sub(_sub, text)


def quote(text: str) -> str:
    """`text` as one DOT double-quoted string that shows exactly that text."""
    return f'"{_escape(text)}"'


def label(lines: Sequence[str]) -> str:
    """Several lines of plain text as one quoted label, joined by DOT line breaks (a str is one line)."""
    if isinstance(lines, str):
        return quote(lines)
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


_label = label  # node() has a parameter of that name


def _attrs(attrs: Mapping[str, str], first: str | None = None) -> str:
    """` [label=… name="value" …]` in insertion order, or "" when there is nothing to say; checks every name."""
    parts = [] if first is None else [f"label={first}"]
    for key, value in attrs.items():
        if key not in ALLOWED:
            raise ValueError(f"DOT attribute {key!r} is not allowed (allowed: {', '.join(sorted(ALLOWED))})")
        quoted = quote(value)
        if key not in TEXT and not _TOKEN.fullmatch(value):
            raise ValueError(f"DOT attribute {key}={value!r}: a {key} value is a name, number, colour or style "
                             "(letters, digits, spaces and # % + , . / : ; ( ) * _ - only)")
        parts.append(f"{key}={quoted}")
    return f" [{' '.join(parts)}]" if parts else ""


class Graph:
    """A digraph (or graph) built statement by statement; `source` prints it like the graphviz package does."""

    def __init__(self, name: str, *, graph: Mapping[str, str] = _NONE, node: Mapping[str, str] = _NONE,
                 edge: Mapping[str, str] = _NONE, directed: bool = True) -> None:
        self.name = name
        self.directed = directed
        self._keyword = "digraph" if directed else "graph"
        self._body: list[str | Graph] = []
        _escape(name)  # a str, or TypeError now rather than when the source is printed
        for kind, attrs in (("graph", graph), ("node", node), ("edge", edge)):
            if attrs:
                self._body.append(kind + _attrs(attrs))

    def node(self, name: str, label: str | Sequence[str] | None = None, **attrs: str) -> str:
        """A node called `name`, shown as `label` (plain text, or a sequence of lines; None shows the name)."""
        text = None if label is None else _label(label)
        self._body.append(quote(name) + _attrs(attrs, text))
        return name

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        """An edge between two node names (names only: no ports, no subgraphs)."""
        self._body.append(f"{quote(tail)} {'->' if self.directed else '--'} {quote(head)}" + _attrs(attrs))

    def subgraph(self, name: str, **attrs: str) -> Graph:
        """A subgraph emitted here, in order; name it cluster_… for a box. Usable as `with g.subgraph(…) as c:`."""
        child = Graph(name, graph=attrs, directed=self.directed)
        child._keyword = "subgraph"
        self._body.append(child)
        return child

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def _lines(self, indent: str) -> Iterator[str]:
        yield f"{indent}{self._keyword} {quote(self.name)} {{"
        for statement in self._body:
            if isinstance(statement, Graph):
                yield from statement._lines(indent + "\t")
            else:
                yield f"{indent}\t{statement}"
        yield f"{indent}}}"

    @property
    def source(self) -> str:
        """The DOT text: one statement per line, tab-indented, ending in a newline."""
        return "\n".join(self._lines("")) + "\n"
