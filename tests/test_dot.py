"""The hand-written DOT writer: every id, label and value quoted, nothing raw, no linking or file-reading attributes,
deterministic source; a hostile op id from a saved trace goes through the real `dot` as plain text."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import require_tool

from resnet_viz.render.dot import ALLOWED, TEXT, Graph, label, quote

HOSTILE = """<a> [URL="javascript:console.log('XSS12')" image="/etc/hostname"] //>"""
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("text", "quoted"), [
    ("plain", '"plain"'),
    ("", '""'),
    ("ends in a backslash\\", '"ends in a backslash\\\\"'),
    ("\\", '"\\\\"'),
    ("\\N \\G \\l \\n", '"\\\\N \\\\G \\\\l \\\\n"'),  # DOT's escString sequences stay literal text
    ('say "hi"', '"say \\"hi\\""'),
    ('\\"', '"\\\\\\""'),  # a backslash then a quote: neither can end the string
    ("two\nlines", '"two\\nlines"'),
    ("crlf\r\nline", '"crlf\\nline"'),
    ("tab\there", '"tab here"'),
    ("}; a -- b -> c; {", '"}; a -- b -> c; {"'),
    ("<b>bold</b>", '"<b>bold</b>"'),
    ("<<table>>", '"<<table>>"'),
    ("&amp; &#1; &lt;a&gt; a&b", '"&amp;amp; &amp;#1; &amp;lt;a&amp;gt; a&amp;b"'),  # dot decodes entities
    ("7×7 conv ⊕ 56×56 — 画 🙂", '"7×7 conv ⊕ 56×56 — 画 🙂"'),
    ("nul\x00 esc\x1b[31m del\x7f nel\x85 bell\x07", '"nul esc[31m del nel bell"'),
    ("lone \ud800 surrogate", '"lone \ufffd surrogate"'),
    ("non\ufffe\uffffchars", '"nonchars"'),
])
def test_quote(text: str, quoted: str) -> None:
    assert quote(text) == quoted


def test_quote_never_lets_the_string_end_early() -> None:
    for text in ['"', '\\"', '\\\\"', 'a\\', '\\\n', '"]; x [URL="y', "\n\r\x00\\"]:
        body = quote(text)[1:-1]
        assert not re.search(r'(?<!\\)(\\\\)*"', body)  # every " inside is escaped by an odd run of backslashes
        assert "\n" not in body and "\r" not in body


def test_label() -> None:
    assert label(["conv1", "7×7, 64, /2"]) == '"conv1\\n7×7, 64, /2"'
    assert label(['a "b"', "c\\"]) == '"a \\"b\\"\\nc\\\\"'
    assert label([]) == '""'
    assert label("one line") == '"one line"'  # a str is one line, not a sequence of characters
    assert label(["x\ny"]) == '"x\\ny"'


def test_text_must_be_str() -> None:
    with pytest.raises(TypeError):
        quote(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Graph("g").node("a", color=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Graph("g").node(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["URL", "href", "image", "imagepath", "imagescale", "target", "shapefile",
                                  "fontpath", "fontnames", "stylesheet", "class", "comment", "onclick",
                                  "labelURL", "edgehref", "Label", "label "])
def test_unknown_attribute_names_raise(name: str) -> None:
    g = Graph("g")
    calls: list[Callable[[], object]] = [
        lambda: g.node("a", **{name: "x"}),
        lambda: g.edge("a", "b", **{name: "x"}),
        lambda: g.subgraph("cluster_a", **{name: "x"}),
        lambda: Graph("g", graph={name: "x"}),
        lambda: Graph("g", node={name: "x"}),
        lambda: Graph("g", edge={name: "x"}),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="not allowed"):
            call()
    assert name not in ALLOWED
    assert g.source == 'digraph "g" {\n}\n'  # nothing half-written


@pytest.mark.parametrize("name", sorted(ALLOWED - TEXT))
def test_layout_values_are_names_numbers_colours_or_styles(name: str) -> None:
    """dot 2.43 writes fontname raw into the SVG (font-family="…") and crashes on odd colours: no free text there."""
    for value in [HOSTILE, 'Helvetica" onload="x', "a<b", "a&amp;b", "a=b", "a\\b", "a'b", "a\nb", "a\x00b"]:
        with pytest.raises(ValueError, match=f"a {name} value is"):
            Graph("g").node("a", **{name: value})
    for value in ["", "Helvetica,Arial,sans-serif", "Noto Sans CJK JP", "#fde8d7", "#ffffff80", "red:blue;0.3",
                  "/blues9/3", "0.5 0.3 0.9", "rounded,filled,dashed", "setlinewidth(2)", "0.14,0.05", "+4",
                  "cluster_layer1.0", "*", "10%"]:
        Graph("g").node("a", **{name: value})


def test_text_values_are_free() -> None:
    g = Graph("g")
    g.node("a", HOSTILE, xlabel=HOSTILE, id=HOSTILE)
    g.edge("a", "b", label=HOSTILE, headlabel=HOSTILE, taillabel=HOSTILE, id=HOSTILE)
    assert g.source.count(quote(HOSTILE)) == 7
    assert TEXT <= ALLOWED


def small() -> Graph:
    g = Graph("rv-resnet18", graph={"label": "ResNet-18", "rankdir": "TB"}, node={"shape": "box"},
              edge={"arrowsize": "0.6"})
    g.node("[input]", ["input image", "224×224×3"], shape="plaintext", style="")
    g.node("conv1", "conv1 7×7, 64, /2", fillcolor="#fde8d7", group="main")
    g.edge("[input]", "conv1", label=" 224×224×3")
    with g.subgraph("cluster_layer1", label='layer1 ("conv2_x")', style="rounded,filled") as c:
        c.node("layer1.0.add", "+", shape="circle")
        c.edge("conv1", "layer1.0.add", style="dotted", penwidth="2")
        with c.subgraph("inner", rank="same") as r:
            r.node("x\\")
    g.node("fc")
    g.edge("layer1.0.add", "fc")
    return g


def test_small_graph_source_exactly() -> None:
    assert small().source == (
        'digraph "rv-resnet18" {\n'
        '\tgraph [label="ResNet-18" rankdir="TB"]\n'
        '\tnode [shape="box"]\n'
        '\tedge [arrowsize="0.6"]\n'
        '\t"[input]" [label="input image\\n224×224×3" shape="plaintext" style=""]\n'
        '\t"conv1" [label="conv1 7×7, 64, /2" fillcolor="#fde8d7" group="main"]\n'
        '\t"[input]" -> "conv1" [label=" 224×224×3"]\n'
        '\tsubgraph "cluster_layer1" {\n'
        '\t\tgraph [label="layer1 (\\"conv2_x\\")" style="rounded,filled"]\n'
        '\t\t"layer1.0.add" [label="+" shape="circle"]\n'
        '\t\t"conv1" -> "layer1.0.add" [style="dotted" penwidth="2"]\n'
        '\t\tsubgraph "inner" {\n'
        '\t\t\tgraph [rank="same"]\n'
        '\t\t\t"x\\\\"\n'
        '\t\t}\n'
        '\t}\n'
        '\t"fc"\n'
        '\t"layer1.0.add" -> "fc"\n'
        '}\n'
    )


def test_undirected_and_subgraph_without_with() -> None:
    g = Graph("u", directed=False)
    c = g.subgraph("s")
    g.node("after")
    c.edge("a", "b")  # emitted where the subgraph was made, before "after"
    assert g.source == 'graph "u" {\n\tsubgraph "s" {\n\t\t"a" -- "b"\n\t}\n\t"after"\n}\n'
    assert g.node("n") == "n"


def test_deterministic() -> None:
    assert small().source == small().source
    assert hostile().source == hostile().source


def hostile() -> Graph:
    """The hostile id everywhere a trace's text can reach: graph, node and cluster names, labels, ids, edges."""
    g = Graph(HOSTILE, graph={"label": HOSTILE, "id": HOSTILE}, node={"fontname": "Helvetica,Arial,sans-serif"})
    g.node(HOSTILE)  # shown by its name
    g.node("labelled", HOSTILE, id=HOSTILE + " node")
    g.node("lines", [HOSTILE, HOSTILE + "\\"])
    g.node(HOSTILE + "\\")  # a name ending in a backslash
    g.edge(HOSTILE, "labelled", label=HOSTILE, xlabel=HOSTILE, headlabel=HOSTILE, taillabel=HOSTILE,
           id=HOSTILE + " edge")
    with g.subgraph("cluster_" + HOSTILE, label=HOSTILE, id=HOSTILE + " cluster") as c:
        c.node("inside", HOSTILE)
        c.edge(HOSTILE + "\\", "inside")
        c.edge("inside", HOSTILE)
    return g


@pytest.mark.dot
def test_hostile_id_is_plain_text_in_real_dot_svg(tmp_path: Path) -> None:
    require_tool("dot", "dot")
    src = hostile().source
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', "", src)  # all but the quoted strings: only DOT's own syntax
    assert not re.search(r"[^\s\w{}\[\]=\->]", outside), outside
    # The real `dot`, as is (without raster.run_dot's own file-loading switch), from a folder of our own.
    run = subprocess.run(["dot", "-Tsvg"], input=src.encode(), capture_output=True, cwd=tmp_path, timeout=60)
    err = run.stderr.decode()
    assert run.returncode == 0, err
    assert "hostname" not in err and "image" not in err.lower() and "warning" not in err.lower()
    svg = run.stdout.decode()

    assert "<image" not in svg and "href=" not in svg and "<a " not in svg and "<a>" not in svg
    assert not re.search(r"\son\w+\s*=", svg)
    # javascript: appears only as escaped text (after &quot;), never as an attribute value or link
    assert svg.count("javascript:") == svg.count("URL=&quot;javascript:") > 0
    assert "&lt;a&gt;" in svg

    root = ET.fromstring(svg)
    for el in root.iter():
        assert el.tag.removeprefix(SVG) not in ("a", "image", "script", "foreignObject")
        assert not any("href" in k or k.startswith("on") for k in el.attrib)
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert texts.count(HOSTILE) >= 8  # node names, labels, lines, edge labels, cluster label, graph label
    assert HOSTILE + "\\" in texts  # the trailing backslash is shown, once, as text
    ids = {el.get("id") for el in root.iter()}
    assert {HOSTILE, HOSTILE + " node", HOSTILE + " edge", HOSTILE + " cluster"} <= ids


@pytest.mark.dot
def test_labels_show_exactly_their_text(tmp_path: Path) -> None:
    """What quote() writes is what `dot` draws: escString sequences, quotes and DOT syntax stay literal."""
    require_tool("dot", "dot")
    texts = ["a\\", "\\N", "\\G\\E\\T\\H\\L", "\\l\\r", '"', '\\"', "};", "a -- b -> c", "<b>x</b>", "&amp;",
             "&#1;", "&lt;a&gt;", "a & b", "x:y:n", "node", "7×7 ⊕ 画"]
    g = Graph("t")
    for i, text in enumerate(texts):
        g.node(f"n{i}", text)
    g.node("lines", ["one", "two\\", "three"])
    run = subprocess.run(["dot", "-Tsvg"], input=g.source.encode(), capture_output=True, cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    drawn = [el.text for el in ET.fromstring(run.stdout).iter(f"{SVG}text")]
    assert drawn == [*texts, "one", "two\\", "three"]


def test_module_needs_only_the_standard_library() -> None:
    src = (Path(__file__).resolve().parents[1] / "resnet_viz" / "render" / "dot.py").read_text(encoding="utf-8")
    imports = re.findall(r"^\s*(?:from|import) (\S+)", src, re.M)
    assert imports and all(i.split(".")[0] in sys.stdlib_module_names for i in imports), imports
