"""Our volume SVGs: valid XML, self-contained and accessible, ids unique per drawing, byte-stable (goldens)."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import require_tool
from golden_util import check_golden

from resnet_viz import diagrams
from resnet_viz.diagrams import diagram, figure, standard_figures
from resnet_viz.errors import InvalidOption, MissingTool
from resnet_viz.render import volumes
from resnet_viz.schema import Trace

SVG = "{http://www.w3.org/2000/svg}"
NETS = [(18, 224), (50, 224), (56, 32), (34, (197, 311))]
LEVELS = [("network", None), ("stage", None), ("stage", "layer3"), ("block", None), ("block", "layer2.0"),
          ("op", None), ("op", "layer2.0.conv1")]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def assert_self_contained(svg: str) -> set[str]:
    """Checks one drawing; returns its ids."""
    root = parse(svg)
    assert root.get("role") == "img"
    w, h = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}" and w > 0 and h > 0
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    prefix = root.get("id")
    assert prefix.startswith("rv-") and all(i.startswith(prefix) for i in ids)
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.get("id") == title_id and desc.get("id") == desc_id and title.text and desc.text
    for el in root.iter():
        assert el.tag.split("}")[1] not in ("script", "style", "image", "foreignObject", "use", "a")
        for k, v in el.attrib.items():
            assert "href" not in k and not k.startswith("on"), (k, v)
            assert "url(" not in v and "http" not in v or k == "xmlns", (k, v)
    assert "sans-serif" in root.get("font-family") and "@font-face" not in svg
    return set(ids)


@pytest.mark.parametrize(("depth", "size"), NETS)
@pytest.mark.parametrize(("level", "select"), LEVELS)
def test_every_level_is_valid_svg(make_trace, depth, size, level, select):
    t = make_trace(depth, size)
    svg = diagram(t, view="volumes", level=level, select=select)
    assert_self_contained(svg)
    fig = figure(t, "volumes", level, select)
    assert fig.title in svg and "…" not in fig.name


@pytest.mark.parametrize(("depth", "size"), NETS)
def test_standard_figures_can_share_a_page(make_trace, depth, size):
    """The report inlines several drawings per page: no id may repeat across them."""
    t = make_trace(depth, size)
    seen: set[str] = set()
    for fig in standard_figures(t):
        if fig.view == "volumes":
            ids = assert_self_contained(diagram(t, view="volumes", level=fig.level, select=fig.select))
            assert not ids & seen, fig.name
            seen |= ids


def test_text_is_escaped(make_trace):
    lay = volumes.layout(make_trace(18, 224), level="network", select=None, title="a < b & c")
    svg = volumes.svg(lay, prefix="rv-x", title="a < b & c", desc='"quoted" <desc>')
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "a < b & c"
    assert root.find(f"{SVG}desc").text == '"quoted" <desc>'
    assert any(t.text == "a < b & c" for t in root.iter(f"{SVG}text"))


def test_deterministic_and_json_round_trip(make_trace):
    t = make_trace(50, 224)
    again = Trace.from_json(t.to_json())
    for level, select in LEVELS:
        a = diagram(t, view="volumes", level=level, select=select)
        assert a == diagram(t, view="volumes", level=level, select=select)
        assert a == diagram(again, view="volumes", level=level, select=select)


def test_drawings_name_the_journey(make_trace):
    t = make_trace(34, 224)
    net = diagram(t, level="network")
    for text in ("224×224×3", "112×112×64", "56×56×64", "7×7×512", "1×1×512", "1000", "layer2 · conv3_x"):
        assert f">{text}<" in net
    block = diagram(t, level="block", select="layer2.0")
    assert ">projection shortcut<" in block and ">stride 2, padding 1<" in block and ">3×3 conv, 128<" in block
    op = diagram(t, level="op", select="conv1")
    assert ">7×7×3 kernel<" in op and ">stride 2, padding 3<" in op
    stage = diagram(make_trace(152, 224), level="stage", select="layer3")
    assert ">×35 identical blocks<" in stage
    assert stage.count("<polygon") < 80  # 36 blocks, summarised
    cifar = diagram(make_trace(56, 32), level="block", select="layer3.0")
    assert ">zero-pad shortcut (option A)<" in cifar and 'stroke-dasharray="0.1 5"' in cifar


def test_numbers_are_coordinates_with_one_decimal(make_trace):
    svg = diagram(make_trace(18, 224), level="stage", select="layer2")
    assert not re.search(r"\d\.\d\d", svg)


GOLDEN = [("network", None), ("stage", "layer2"), ("block", "layer2.0"), ("op", "conv1")]


@pytest.mark.parametrize("depth", [18, 50])
@pytest.mark.parametrize(("level", "select"), GOLDEN)
def test_golden(make_trace, update_goldens, depth, level, select):
    t = make_trace(depth, 224)
    fig = figure(t, "volumes", level, select)
    check_golden(f"diagrams/resnet{depth}-224-{fig.name}.svg", diagram(t, level=level, select=select), update_goldens)


@pytest.mark.browser
def test_png_and_pdf_through_chromium(make_trace, tmp_path):
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        require_tool("chromium", "browser")
    t = make_trace(18, 224)
    png = diagram(t, level="block", select="layer2.0", format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = diagram(t, level="op", select="conv1", format="pdf")
    assert pdf[:5] == b"%PDF-"


def test_raster_without_a_browser_is_missing_tool(make_trace, monkeypatch):
    monkeypatch.setattr(diagrams, "_browser", lambda: None)
    t = make_trace(18, 224)
    for fmt in ("png", "pdf"):
        with pytest.raises(MissingTool) as e:
            diagram(t, level="op", format=fmt)
        assert e.value.exit_code == 1 and "\n" not in str(e.value) and "chromium" in str(e.value)
    assert diagram(t, level="op").startswith("<svg")  # svg needs nothing


def test_bad_choices_name_what_is_valid(make_trace):
    t = make_trace(18, 224)
    cases = [
        (dict(format="dot"), "format 'dot' is for graphs"),
        (dict(format="gif"), "unknown format 'gif' (must be one of: svg, png, pdf, dot)"),
        (dict(view="3d"), "unknown view '3d' (must be one of: volumes, graph)"),
        (dict(level="layer"), "unknown level 'layer' (must be one of: network, stage, block, op)"),
        (dict(level="stage", select="layer5"), "unknown stage 'layer5' (must be one of: layer1, layer2, layer3, layer4)"),
    ]
    for kwargs, message in cases:
        with pytest.raises(InvalidOption) as e:
            diagram(t, **kwargs)
        assert message in str(e.value) and e.value.exit_code == 2
    assert figure(t, "volumes", "stage", "conv3_x").select == "layer2"  # the paper's name works too
