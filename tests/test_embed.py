"""Snippets for someone's docs: `resnet_viz.integrations.embed` (torch-free), the docs routes' option parsing
(`integrations.docs`), and `resnet-viz embed` — content-hashed SVG names, md/rst/html snippets, the built-in nets and a
user's own model, one-line errors that name what is valid."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import require_tool

import resnet_viz
from resnet_viz.errors import InvalidOption
from resnet_viz.integrations import docs
from resnet_viz.integrations import embed as em
from resnet_viz.options import Level, View

SVG = "{http://www.w3.org/2000/svg}"
NAME = re.compile(r"resnet34-224-volumes-block-layer2\.0-([0-9a-f]{8})\.svg")

# A user's own residual network, as a docs page would keep it next to itself.
NETS_PY = textwrap.dedent("""\
    from torch import nn


    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.downsample = None
            if stride != 1 or c_in != c_out:
                self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))


    class TinyResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.relu = nn.ReLU()
            self.layer1 = nn.Sequential(Block(8, 8, 1), Block(8, 8, 1))
            self.layer2 = nn.Sequential(Block(8, 16, 2), Block(16, 16, 1))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 5)

        def forward(self, x):
            x = self.layer2(self.layer1(self.relu(self.bn1(self.conv1(x)))))
            return self.fc(self.avgpool(x).flatten(1))


    def build():
        return TinyResNet()
    """)


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "resnet_viz", *args], capture_output=True, text=True, cwd=cwd)


def svg_title(svg: str) -> str:
    return ET.fromstring(svg).find(f"{SVG}title").text


@pytest.fixture(scope="module")
def r34(make_trace):
    return make_trace(34, 224)


@pytest.fixture
def nets_py(tmp_path) -> Path:
    path = tmp_path / "nets.py"
    path.write_text(NETS_PY, encoding="utf-8")
    return path


# --- snippets -------------------------------------------------------------------------------------------------

def test_markdown_snippet_refers_to_a_content_hashed_svg(r34):
    out = em.embed(r34, format="md", view="volumes", level="block", select="layer2.0", image_dir="img")
    (name, svg), = out.files.items()
    m = NAME.fullmatch(name)
    assert m and m.group(1) == hashlib.sha256(svg.encode("utf-8")).hexdigest()[:8] == em.content_hash(svg)
    assert out.snippet == f"![resnet34, 224×224 input: volumes of block layer2.0](img/{name})\n"
    assert svg_title(svg).startswith("layer2.0 (conv3_x, block 1 of 4): basic block, 56×56×64 → 28×28×128")
    assert em.embed(r34, format="md", level="block", select="layer2.0", image_dir="img") == out  # deterministic
    assert em.content_hash(svg) == em.content_hash(svg.encode("utf-8"))


def test_a_different_drawing_gets_a_different_name(make_trace, r34):
    a = em.drawing(r34, level="block", select="layer2.0")
    b = em.drawing(r34, level="block", select="layer2.1")
    c = em.drawing(make_trace(34, (197, 311)), level="block", select="layer2.0")
    assert len({a.filename, b.filename, c.filename}) == 3 and len({a.svg, b.svg, c.svg}) == 3
    assert c.filename.startswith("resnet34-197x311-volumes-block-layer2.0-")
    assert c.alt == "resnet34, 197×311 input: volumes of block layer2.0"
    assert em.drawing(r34, level=Level.BLOCK, select="layer2.0", view=View.VOLUMES) == a  # enums or their words


def test_names_use_the_canonical_id(r34):
    assert em.drawing(r34, level="stage", select="conv4_x").filename.startswith("resnet34-224-volumes-stage-layer3-")
    first = em.drawing(r34, level="block")
    assert first.filename.startswith("resnet34-224-volumes-block-layer1.0-") and first.alt.endswith("block layer1.0")
    relu = em.drawing(r34, level="op", select="layer1.0.relu#2")
    assert relu.filename.startswith("resnet34-224-volumes-op-layer1.0.relu-2-")  # '#' is not kept in a file name


def test_rst_snippet_is_a_figure_with_alt_width_and_caption(r34):
    out = em.embed(r34, format="rst", level="stage", select="layer3", caption="The third stage", width="80%",
                   image_dir="_static/diagrams")
    (name, _), = out.files.items()
    assert out.snippet == (f".. figure:: _static/diagrams/{name}\n"
                           "   :alt: resnet34, 224×224 input: volumes of stage layer3\n"
                           "   :width: 80%\n\n   The third stage\n")
    plain = em.embed(r34, format="rst", level="stage", select="layer3")
    assert plain.snippet.endswith("\n\n   resnet34, 224×224 input: volumes of stage layer3\n")  # the alt as caption


def test_markdown_escapes_alt_text_and_odd_paths(r34):
    out = em.embed(r34, level="block", select="layer2.0", alt="a [x] y", caption="Block *2.0*", image_dir="my img")
    (name, _), = out.files.items()
    assert out.snippet == f"![a \\[x\\] y](<my img/{name}>)\n\n*Block *2.0**\n"
    assert em.embed(r34, image_dir=".").snippet.startswith("![resnet34, 224×224 input: volumes of the whole network]"
                                                            "(resnet34-224-volumes-network-")


def test_html_snippet_is_a_figure_with_the_svg_inline(r34):
    out = em.embed(r34, format="html", level="network", caption="ResNet-34 <at> 224")
    assert out.files == {}
    fig = ET.fromstring(out.snippet)  # well-formed: the snippet is XHTML too
    assert fig.tag == "figure" and fig.get("class") == "resnet-viz"
    box, cap = list(fig)
    assert box.tag == "div" and box.get("class") == "resnet-viz-scroll" and box.get("tabindex") == "0"
    assert box.get("aria-label") == "resnet34, 224×224 input: volumes of the whole network"
    (svg,) = list(box)
    assert svg.tag == f"{SVG}svg" and "height:auto" in svg.get("style")
    assert svg.find(f"{SVG}title").text.startswith("resnet34: 224×224×3 → 1000, 16 basic blocks in 4 stages")
    assert cap.tag == "figcaption" and cap.text == "ResNet-34 <at> 224"
    assert "ResNet-34 &lt;at&gt; 224" in out.snippet
    default = ET.fromstring(em.embed(r34, format="html").snippet)
    assert default.find("figcaption").text == "resnet34, 224×224 input: volumes of the whole network"
    wide = ET.fromstring(em.embed(r34, format="html", width="600px").snippet)
    assert wide.get("style") == "width:600px"


def test_inline_svg_drops_an_xml_prolog():
    text = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<!-- dot -->\n'
            '<svg a="1"><g/></svg>\n')
    assert em.inline_svg(text) == '<svg style="max-width:none;height:auto" a="1"><g/></svg>'
    assert em.inline_svg('<svg style="color:red"><g/></svg>') == '<svg style="color:red"><g/></svg>'


@pytest.mark.dot
def test_graph_view_inline_html(r34):
    require_tool("dot", "dot")
    out = em.embed(r34, format="html", view="graph", level="block", select="layer1.0")
    assert out.snippet.startswith('<figure class="resnet-viz">\n<div class="resnet-viz-scroll"') and "<?xml" not in \
        out.snippet
    ET.fromstring(out.snippet)


def test_bad_values_name_what_is_valid(r34):
    with pytest.raises(InvalidOption, match=r"^unknown embed format 'pdf' \(must be one of: md, rst, html\)$"):
        em.embed(r34, format="pdf")
    with pytest.raises(InvalidOption, match=r"^unknown view 'cubes' \(must be one of: volumes, graph\)$"):
        em.embed(r34, view="cubes")
    with pytest.raises(InvalidOption, match=r"^unknown level 'layer' \(must be one of: network, stage, block, op\)$"):
        em.embed(r34, level="layer")
    with pytest.raises(InvalidOption, match=r"^unknown block 'layer9\.0' \(must be one of: layer1\.0, layer1\.1, "):
        em.embed(r34, level="block", select="layer9.0")
    with pytest.raises(InvalidOption, match=r"^--select picks a stage, block or op; the network level draws"):
        em.embed(r34, select="layer2")


def test_embedding_a_loaded_trace_does_not_import_torch(tmp_path, r34):
    from resnet_viz.api import save_trace

    save_trace(r34, tmp_path / "t.json")
    code = ("import sys; from resnet_viz.api import load_trace; from resnet_viz.integrations.embed import embed; "
            "out = embed(load_trace(sys.argv[1]), level='block', select='layer2.0'); "
            "assert 'torch' not in sys.modules, 'torch imported'; print(*out.files)")
    r = subprocess.run([sys.executable, "-c", code, "t.json"], capture_output=True, text=True, cwd=tmp_path,
                       env=os.environ)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == em.drawing(r34, level="block", select="layer2.0").filename


def test_embed_is_public():
    assert resnet_viz.embed is em.embed


# --- the docs routes' options ---------------------------------------------------------------------------------

def test_parse_request_types_and_names_options():
    r = docs.parse_request({"depth": " 50", "input": "197x311", "num_classes": "10", "level": "stage",
                            "select": "layer3", "caption": "c"})
    assert (r.model.depth, r.model.input, r.model.num_classes, r.model.device.value) == (50, (197, 311), 10, "meta")
    assert (r.view, r.level, r.select, r.caption, r.alt, r.width) == (View.VOLUMES, Level.STAGE, "layer3", "c",
                                                                       None, None)
    custom = docs.parse_request({"layers": "2,2", "block": "bottleneck"})
    assert custom.model.depth is None and custom.model.layers == (2, 2) and custom.model.block == "bottleneck"
    grouped = docs.parse_request({"layers": "3,4,6,3", "block": "bottleneck", "Width-Per-Group": "4",
                                  "groups": "32"})
    assert (grouped.model.width_per_group, grouped.model.groups) == (4, 32)
    assert docs.parse_request({"depth": "50", "preact": ""}).model.preact is True  # a bare flag
    assert docs.parse_request({"arch": "resnext50_32x4d"}).model.arch == "resnext50_32x4d"
    for key in ("model", "arch", "preact", "groups", "width-per-group"):
        assert key in docs.OPTION_KEYS


@pytest.mark.parametrize(("options", "message"), [
    ({"colour": "red"}, r"^unknown option 'colour' \(must be one of: model, depth, arch, input, layers, block, "
                        r"variant, shortcut, stem, num-classes, groups, width-per-group, preact, view, level, select, "
                        r"caption, alt, width\)$"),
    ({"depth": "deep"}, r"^invalid depth 'deep' \(must be a whole number written with the digits 0-9\)$"),
    ({"depth": "35"}, r"^unknown depth 35 \(must be one of 18, 34, 50, 101, 152 for ImageNet"),
    ({"preact": "maybe"}, r"^invalid preact 'maybe' \(must be true or false\)$"),
    ({"view": "cubes"}, r"^unknown view 'cubes' \(must be one of: volumes, graph\)$"),
    ({"level": "layer"}, r"^unknown level 'layer' \(must be one of: network, stage, block, op\)$"),
    ({"model": "nope"}, r"^invalid --model 'nope' \(must be MODULE:ATTR, e\.g\. nets\.py:build"),
    ({"model": "nets.py:build", "depth": "18"}, r"^--model builds the network itself; --depth cannot apply"),
])
def test_bad_options_are_one_line_naming_what_is_valid(options, message):
    with pytest.raises(InvalidOption, match=message) as info:
        docs.parse_request(options)
    assert "\n" not in str(info.value)


def test_a_model_file_is_found_next_to_the_page(nets_py, tmp_path):
    page = docs.parse_request({"model": "nets.py:build", "input": "32"}, base=tmp_path)
    assert page.model.model == f"{tmp_path / 'nets.py'}:build"
    elsewhere = docs.parse_request({"model": "nets.py:build"}, base=tmp_path / "other")
    assert elsewhere.model.model == "nets.py:build"  # not there: left as written (relative to the working folder)


def test_drawing_a_users_model_and_a_builder_function(nets_py, tmp_path):
    request = docs.parse_request({"model": "nets.py:build", "input": "32", "level": "block", "select": "layer2.0",
                                  "alt": "my block"}, base=tmp_path)
    d = docs.drawing_for(request)
    assert d.alt == "my block" and d.filename.startswith("build-32-volumes-block-layer2.0-")
    assert d.filename == f"build-32-volumes-block-layer2.0-{em.content_hash(d.svg)}.svg"
    assert svg_title(d.svg).startswith("layer2.0 (conv3_x, block 1 of 2): basic block, 32×32×8 → 16×16×16")
    trace = docs.trace_for(request.model)
    assert trace.model is None and [s.id for s in trace.stages] == ["layer1", "layer2"]
    assert docs.trace_for(request.model) is trace  # traced once per process
    builtin = docs.drawing_for(docs.parse_request({"model": "resnet_viz.core.model:build_resnet", "input": "64"}))
    assert builtin.filename.startswith("build_resnet-64-volumes-network-")
    assert svg_title(builtin.svg).startswith("build_resnet: 64×64×3 → 1000, 8 basic blocks in 4 stages")


# --- the command ----------------------------------------------------------------------------------------------

def test_embed_command_writes_the_svg_and_prints_the_snippet(tmp_path, r34):
    r = run("embed", "--depth", "34", "--input", "224", "--view", "volumes", "--level", "block",
            "--select", "layer2.0", "--format", "md", "-o", "docs/img", "--device", "meta", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    files = list((tmp_path / "docs/img").iterdir())
    assert len(files) == 1 and NAME.fullmatch(files[0].name)
    assert files[0].name == em.drawing(r34, level="block", select="layer2.0").filename  # same bytes, same name
    assert r.stdout == f"![resnet34, 224×224 input: volumes of block layer2.0](docs/img/{files[0].name})\n"
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"wrote docs/img/{files[0].name} (")
    assert svg_title(files[0].read_text(encoding="utf-8")).startswith("layer2.0 (conv3_x")
    # a page in docs/ refers to the image as img/…
    again = run("embed", "-d", "34", "--level", "block", "--select", "layer2.0", "-f", "rst", "-o", "docs/img",
                "--relative-to", "docs", "--device", "meta", cwd=tmp_path)
    assert again.stdout.startswith(f".. figure:: img/{files[0].name}\n")
    assert len(list((tmp_path / "docs/img").iterdir())) == 1  # same drawing, same name


def test_embed_command_with_a_users_model(tmp_path, nets_py):
    r = run("embed", "--model", "nets.py:build", "--input", "32", "--level", "block", "--select", "layer2.0",
            "-o", "img", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (svg,) = (tmp_path / "img").iterdir()
    request = docs.parse_request({"model": "nets.py:build", "input": "32", "level": "block", "select": "layer2.0"},
                                 base=tmp_path)
    assert svg.name == docs.drawing_for(request).filename  # the CLI and the docs routes draw the same bytes
    assert r.stdout == f"![build, 32×32 input: volumes of block layer2.0](img/{svg.name})\n"


def test_embed_from_a_trace_file_draws_the_same_bytes(tmp_path, r34):
    from resnet_viz.api import save_trace

    save_trace(r34, tmp_path / "t.json")
    r = run("embed", "--from", "t.json", "--level", "block", "--select", "layer2.0", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = em.drawing(r34, level="block", select="layer2.0")
    assert (tmp_path / expected.filename).read_text(encoding="utf-8") == expected.svg
    html = run("embed", "--from", "t.json", "-f", "html", cwd=tmp_path)
    assert html.returncode == 0 and html.stderr == ""
    assert html.stdout == em.embed(r34, format="html").snippet


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--view", "cubes"], "'cubes' is not one of 'volumes', 'graph'"),
        (["--level", "layer"], "'layer' is not one of 'network', 'stage', 'block', 'op'"),
        (["--level", "block", "--select", "layer7.0", "--device", "meta"], "unknown block 'layer7.0' (must be one of:"),
        (["--format", "pdf"], "'pdf' is not one of 'md', 'rst', 'html'"),
        (["--from", "t.json", "--depth", "50"], "--depth"),
        (["--from", "missing.json"], "cannot read the trace 'missing.json'"),
        (["--model", "nets.py:build", "--depth", "18"], "--model builds the network itself; --depth cannot apply"),
    ],
)
def test_embed_errors_are_one_line(tmp_path, args, needle):
    (tmp_path / "t.json").write_text("{}", encoding="utf-8")
    r = run("embed", *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and needle in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]
