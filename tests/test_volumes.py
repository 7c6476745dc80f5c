"""Our volume SVGs: valid XML, self-contained and accessible, ids unique per drawing and per page, byte-stable, and
saying the numbers of the journey (no golden files: structural facts instead)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import require_tool

from resnet_viz.errors import InvalidOption, MissingTool
from resnet_viz.options import Level, View
from resnet_viz.render import raster, volumes
from resnet_viz.render.figures import diagram, draw
from resnet_viz.schema import load_trace_text, trace_to_json
from resnet_viz.views.figures import figure, standard_figures

SVG = "{http://www.w3.org/2000/svg}"
NETS = [(18, 224), (50, 224), (56, 32), (34, (197, 311)), (152, 224)]
ZOO = ["resnet_d_block_net", "se_resnet", "preact_resnet", "plain_cnn"]
LEVELS = [("network", None), ("stage", None), ("stage", "layer3"), ("stage", "conv4_x"), ("block", None),
          ("block", "layer2.0"), ("op", None), ("op", "layer2.0.conv1")]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def assert_self_contained(svg: str) -> set[str]:
    """Checks one drawing; returns its ids."""
    root = parse(svg)
    assert svg.startswith("<svg ") and svg.endswith("</svg>\n")  # no prolog: fit to inline in HTML
    assert root.get("role") == "img"
    w, h = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}" and w > 0 and h > 0
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    prefix = root.get("id")
    assert prefix.startswith("rv-") and re.fullmatch(r"[A-Za-z0-9_-]+", prefix)
    assert all(i == prefix or i.startswith(prefix + "-") for i in ids)
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.get("id") == title_id and desc.get("id") == desc_id and title.text and desc.text
    assert list(root)[:2] == [title, desc]
    styles = root.findall(f"{SVG}style")
    assert len(styles) == 1 and list(root)[2] is styles[0]  # the dark-mode rules, scoped to this drawing's id
    assert re.fullmatch(r"@media \(prefers-color-scheme: dark\)\{(#" + prefix + r" [^{}<>]*\{[^{}<>;]*(;[^{}<>;]*)*\})+\}",
                        styles[0].text), styles[0].text
    for el in root.iter():
        assert el.tag.split("}")[1] not in ("script", "image", "foreignObject", "use", "a", "iframe")
        for k, v in el.attrib.items():
            assert "href" not in k and not k.startswith("on"), (k, v)
            assert ("url(" not in v and "http" not in v and "javascript" not in v) or k == "xmlns", (k, v)
    assert "<script" not in svg and "<!DOCTYPE" not in svg and "<!ENTITY" not in svg and "<?xml-stylesheet" not in svg
    assert "sans-serif" in root.get("font-family") and "@font-face" not in svg and "@import" not in svg
    return set(ids)


def _net(make_trace, zoo_trace, which):
    return zoo_trace(which) if isinstance(which, str) else make_trace(*which)


@pytest.mark.parametrize(("depth", "size"), NETS)
@pytest.mark.parametrize(("level", "select"), LEVELS)
def test_every_level_is_valid_svg(make_trace, depth, size, level, select):
    t = make_trace(depth, size)
    svg = diagram(t, view="volumes", level=level, select=select)
    ids = assert_self_contained(svg)
    fig = figure(t, "volumes", level, select)
    root = parse(svg)
    assert root.find(f"{SVG}title").text == fig.title and root.find(f"{SVG}desc").text == fig.caption
    assert root.get("id") == volumes.id_prefix(f"{t.model_name}-{fig.name}")
    assert f"{root.get('id')}-heading" in ids and f"{root.get('id')}-volumes" in ids
    assert "…" not in fig.name


@pytest.mark.parametrize("which", ZOO)
def test_zoo_nets_draw_at_every_level(zoo_trace, which):
    t = zoo_trace(which)
    levels = ["network", "op"] + (["stage", "block"] if t.stages else [])
    for level in levels:
        assert_self_contained(diagram(t, level=level))
    for op in t.ops:
        assert_self_contained(diagram(t, level="op", select=op.id))


@pytest.mark.parametrize("which", [*NETS, *ZOO], ids=str)
def test_standard_figures_can_share_a_page(make_trace, zoo_trace, which):
    """The report inlines several drawings per page: no id may repeat across them."""
    t = _net(make_trace, zoo_trace, which)
    seen: set[str] = set()
    drawn = 0
    for fig in standard_figures(t):
        if fig.view is View.VOLUMES:
            ids = assert_self_contained(str(draw(t, fig)))
            assert not ids & seen, fig.name
            seen |= ids
            drawn += 1
    assert drawn >= (5 if t.stages else 1)


def test_svg_elements_match_the_layout(make_trace):
    """One <g> of three faces per volume, one ⊕ per join, one path per arc, one <text> per label line."""
    t = make_trace(18, 224)
    for level, select in (("network", None), ("stage", "layer2"), ("block", "layer2.0"), ("op", "conv1")):
        fig = figure(t, "volumes", level, select)
        lay = volumes.layout(t, level=fig.level, select=fig.select, title=fig.title)
        root = parse(str(draw(t, fig)))
        prefix = root.get("id")
        groups = {g.get("id")[len(prefix) + 1:]: g for g in root.findall(f"{SVG}g")}
        assert len(groups["volumes"]) == len(lay.cuboids)
        assert all(len(box.findall(f"{SVG}polygon")) == 2 and len(box.findall(f"{SVG}rect")) == 1
                   for box in groups["volumes"])
        assert len(groups.get("adds", [])) == len(lay.joins)
        assert len(groups.get("shortcuts", ET.Element("g")).findall(f"{SVG}path")) == len(lay.arcs)
        assert len(groups["arrows"].findall(f"{SVG}line")) == len(lay.arrows)
        texts = [el.text for el in root.iter(f"{SVG}text")]
        assert texts == [line for lb in (*lay.labels, lay.title) for line in lb.lines]
        assert groups["heading"].find(f"{SVG}text").text == fig.title
        assert ("kernels" in groups) == bool(lay.kernels)


def test_text_is_escaped(make_trace):
    lay = volumes.layout(make_trace(18, 224), level=Level.NETWORK, select=None, title="a < b & c")
    svg = volumes.svg(lay, prefix="rv-x", title="a < b & c", desc='"quoted" <desc> </svg><script>')
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "a < b & c"
    assert root.find(f"{SVG}desc").text == '"quoted" <desc> </svg><script>'
    assert any(t.text == "a < b & c" for t in root.iter(f"{SVG}text"))
    assert "<script" not in svg and "&lt;script&gt;" in svg


def test_id_prefix_is_a_safe_xml_id():
    assert volumes.id_prefix("volumes-block-layer2.0") == "rv-volumes-block-layer2-0"
    assert volumes.id_prefix('x"><script>alert(1)</script> y') == "rv-x-script-alert-1-script-y"
    assert re.fullmatch(r"rv-[A-Za-z0-9_-]*", volumes.id_prefix("画 🙂 relu#2"))


def test_deterministic_and_json_round_trip(make_trace):
    t = make_trace(50, 224)
    again = load_trace_text(trace_to_json(t))
    for level, select in LEVELS:
        a = diagram(t, view="volumes", level=level, select=select)
        assert a == diagram(t, view="volumes", level=level, select=select)
        assert a == diagram(again, view="volumes", level=level, select=select)


def test_drawings_name_the_journey(make_trace):
    t = make_trace(34, 224)
    net = diagram(t, level="network")
    for text in ("224×224×3", "112×112×64", "56×56×64", "7×7×512", "1×1×512", "1000", "layer2 · conv3_x",
                 "4 basic blocks, /2", "maxpool"):
        assert f">{text}<" in net, text
    block = diagram(t, level="block", select="layer2.0")
    for text in ("projection shortcut", "stride 2, padding 1", "3×3 conv, 128", "block input", "block output",
                 "56×56×64", "28×28×128", "BN, ReLU", "projection shortcut (a 1×1 conv matches the shape)"):
        assert f">{text}<" in block, text
    op = diagram(t, level="op", select="conv1")
    for text in ("7×7×3 kernel", "stride 2, padding 3", "9,408 params", "118.01 M multiply-adds", "output of conv1"):
        assert f">{text}<" in op, text
    stage = diagram(make_trace(152, 224), level="stage", select="layer3")
    assert ">×35 identical blocks<" in stage and ">layer3.1 … layer3.35<" in stage
    assert stage.count("<polygon") < 80  # 36 blocks, summarised
    cifar = diagram(make_trace(56, 32), level="block", select="layer3.0")
    assert ">zero-pad shortcut (option A)<" in cifar and 'stroke-dasharray="0.1 5"' in cifar
    ident = diagram(t, level="block", select="layer2.1")
    assert "stroke-dasharray" not in ident.split('-shortcuts">')[1].split("</g>")[0]  # identity: a solid arc


def test_zoo_drawings_say_what_is_special(zoo_trace):
    d = diagram(zoo_trace("resnet_d_block_net"), level="block", select="layer2.0")
    assert ">pooled projection shortcut<" in d and ">2×2 avg pool<" in d
    se = diagram(zoo_trace("se_resnet"), level="block", select="layer1.0")
    assert ">× gate<" in se and ">SE gate: pool, 2 convs, sigmoid<" in se
    plain = diagram(zoo_trace("plain_cnn"), level="network")
    assert "-shortcuts" not in plain and "-adds" not in plain and ">input<" in plain
    with pytest.raises(InvalidOption, match="no residual stages"):
        diagram(zoo_trace("plain_cnn"), level="stage")


def test_numbers_are_coordinates_with_one_decimal(make_trace):
    svg = diagram(make_trace(18, 224), level="stage", select="layer2")
    assert not re.search(r"\d\.\d\d", svg)
    assert not re.search(r'="-0"|[ ,]-0[ ,"]', svg)


@pytest.mark.browser
def test_png_and_pdf_through_chromium(make_trace):
    if raster.browser() is None:
        require_tool("chromium", "browser")
    t = make_trace(18, 224)
    png = diagram(t, level="block", select="layer2.0", format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    root = parse(str(diagram(t, level="block", select="layer2.0")))
    assert (width, height) == (2 * -(-float(root.get("width")) // 1), 2 * -(-float(root.get("height")) // 1))
    pdf = diagram(t, level="op", select="conv1", format="pdf")
    assert pdf[:5] == b"%PDF-"


def test_raster_without_a_browser_is_missing_tool(make_trace, monkeypatch):
    monkeypatch.setattr(raster, "browser", lambda: None)
    t = make_trace(18, 224)
    for fmt in ("png", "pdf"):
        with pytest.raises(MissingTool) as e:
            diagram(t, level="op", format=fmt)
        assert e.value.exit_code == 1 and "\n" not in str(e.value) and "Chromium" in str(e.value)
        assert "--format svg needs nothing" in str(e.value)
    assert diagram(t, level="op").startswith("<svg")  # svg needs nothing


def test_bad_choices_name_what_is_valid(make_trace):
    t = make_trace(18, 224)
    cases = [
        ({"format": "dot"}, "format 'dot' is for graphs"),
        ({"format": "gif"}, "unknown format 'gif' (must be one of: svg, png, pdf, dot)"),
        ({"view": "3d"}, "unknown view '3d' (must be one of: volumes, graph)"),
        ({"level": "layer"}, "unknown level 'layer' (must be one of: network, stage, block, op)"),
        ({"level": "stage", "select": "layer5"},
         "unknown stage 'layer5' (must be one of: layer1, layer2, layer3, layer4, conv2_x, conv3_x, conv4_x, conv5_x)"),
        ({"level": "block", "select": "layer2"}, "unknown block 'layer2' (must be one of: layer1.0, layer1.1,"),
        ({"level": "op", "select": "conv9"}, "unknown op 'conv9' (must be one of: conv1, bn1, relu, maxpool,"),
        ({"level": "network", "select": "layer1"}, "--select picks a stage, block or op"),
        ({"level": "stage", "select": 3}, "invalid selection 3"),
    ]
    for kwargs, message in cases:
        with pytest.raises(InvalidOption) as e:
            diagram(t, **kwargs)
        assert message in str(e.value) and e.value.exit_code == 2 and "\n" not in str(e.value)
    assert figure(t, "volumes", "stage", "conv3_x").select == "layer2"  # the paper's name works too
    assert figure(t, "volumes", "stage", "conv3_x") == figure(t, "volumes", "stage", "layer2")
    deep = make_trace(152, 224)
    with pytest.raises(InvalidOption) as e:
        diagram(deep, level="op", select="nope")
    assert "…" in str(e.value) and len(str(e.value)) < 600  # 515 ops: the list is shortened
