"""`resnet-viz embed` and resnet_viz.embed: snippets, content-hashed SVG names, inline figures, one-line errors."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import require_tool

from resnet_viz import embed as em
from resnet_viz.errors import InvalidOption

SVG = "{http://www.w3.org/2000/svg}"
NAME = re.compile(r"resnet34-224-volumes-block-layer2\.0-([0-9a-f]{8})\.svg")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "resnet_viz", *args], capture_output=True, text=True, cwd=cwd)


def svg_title(svg: str) -> str:
    return ET.fromstring(svg).find(f"{SVG}title").text


@pytest.fixture(scope="module")
def r34(make_trace):
    return make_trace(34, 224)


def test_markdown_snippet_refers_to_a_content_hashed_svg(r34):
    out = em.embed(r34, format="md", view="volumes", level="block", select="layer2.0", image_dir="img")
    (name, svg), = out.files.items()
    m = NAME.fullmatch(name)
    assert m and m.group(1) == hashlib.sha256(svg.encode("utf-8")).hexdigest()[:8]
    assert out.snippet == f"![resnet34, 224×224 input: volumes of block layer2.0](img/{name})\n"
    assert svg_title(svg).startswith("layer2.0 (conv3_x, block 1 of 4): basic block, 56×56×64 → 28×28×128")
    assert em.embed(r34, format="md", level="block", select="layer2.0", image_dir="img") == out  # deterministic


def test_a_different_drawing_gets_a_different_name(make_trace, r34):
    a = em.render_figure(r34, level="block", select="layer2.0")
    b = em.render_figure(r34, level="block", select="layer2.1")
    c = em.render_figure(make_trace(34, (197, 311)), level="block", select="layer2.0")
    assert len({a.filename, b.filename, c.filename}) == 3
    assert c.filename.startswith("resnet34-197x311-volumes-block-layer2.0-")
    assert c.alt == "resnet34, 197×311 input: volumes of block layer2.0"


def test_rst_snippet_is_a_figure_with_alt_width_and_caption(r34):
    out = em.embed(r34, format="rst", level="stage", select="layer3", caption="The third stage", width="80%",
                   image_dir="_static/diagrams")
    (name, _), = out.files.items()
    assert out.snippet == (f".. figure:: _static/diagrams/{name}\n"
                           "   :alt: resnet34, 224×224 input: volumes of stage layer3\n"
                           "   :width: 80%\n\n   The third stage\n")


def test_html_snippet_is_a_figure_with_the_svg_inline(r34):
    out = em.embed(r34, format="html", level="network", caption="ResNet-34 <at> 224")
    assert out.files == {}
    fig = ET.fromstring(out.snippet)  # well-formed: the snippet is XHTML too
    assert fig.tag == "figure" and fig.get("class") == "resnet-viz"
    svg, cap = list(fig)
    assert svg.tag == f"{SVG}svg" and "max-width:100%" in svg.get("style")
    assert svg.find(f"{SVG}title").text.startswith("resnet34: 224×224×3 → 1000, 16 basic blocks in 4 stages")
    assert cap.tag == "figcaption" and cap.text == "ResNet-34 <at> 224"
    default = ET.fromstring(em.embed(r34, format="html").snippet)
    assert default.find("figcaption").text == "resnet34, 224×224 input: volumes of the whole network"


def test_inline_svg_drops_an_xml_prolog():
    text = '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<!-- dot -->\n<svg a="1"><g/></svg>\n'
    assert em.inline_svg(text) == '<svg style="max-width:100%;height:auto" a="1"><g/></svg>'


@pytest.mark.dot
def test_graph_view_inline_html(r34):
    require_tool("dot", "dot")
    out = em.embed(r34, format="html", view="graph", level="block", select="layer1.0")
    assert out.snippet.startswith('<figure class="resnet-viz">\n<svg ') and "<?xml" not in out.snippet
    ET.fromstring(out.snippet)


def test_bad_values_name_what_is_valid(r34):
    with pytest.raises(InvalidOption, match=r"unknown embed format 'pdf' \(must be one of: md, html, rst\)"):
        em.embed(r34, format="pdf")
    with pytest.raises(InvalidOption, match=r"unknown view 'cubes' \(must be one of: volumes, graph\)"):
        em.embed(r34, view="cubes")
    with pytest.raises(InvalidOption, match=r"unknown block 'layer9.0' \(must be one of: layer1.0"):
        em.embed(r34, level="block", select="layer9.0")


def test_parse_request_types_and_names_options():
    r = em.parse_request({"depth": " 50", "input": "197x311", "num_classes": "10", "level": "stage",
                          "select": "layer3", "caption": "c"})
    assert dict(r.model) == {"depth": 50, "input_size": "197x311", "num_classes": 10}
    assert (r.view, r.level, r.select, r.caption) == ("volumes", "stage", "layer3", "c")
    assert dict(em.parse_request({"layers": "2,2", "block": "bottleneck"}).model)["depth"] is None
    with pytest.raises(InvalidOption, match=r"unknown option 'colour' \(must be one of: depth, input, layers"):
        em.parse_request({"colour": "red"})
    with pytest.raises(InvalidOption, match=r"invalid depth 'deep' \(must be a whole number\)"):
        em.parse_request({"depth": "deep"})


# --- the command ------------------------------------------------------------------------------------
def test_embed_command_writes_the_svg_and_prints_the_snippet(tmp_path):
    r = run("embed", "--depth", "34", "--input", "224", "--view", "volumes", "--level", "block",
            "--select", "layer2.0", "--format", "md", "-o", "docs/img", "--device", "meta", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    files = list((tmp_path / "docs/img").iterdir())
    assert len(files) == 1 and NAME.fullmatch(files[0].name)
    assert r.stdout == f"![resnet34, 224×224 input: volumes of block layer2.0](docs/img/{files[0].name})\n"
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"wrote docs/img/{files[0].name} (")
    assert svg_title(files[0].read_text(encoding="utf-8")).startswith("layer2.0 (conv3_x")
    # a page in docs/ refers to the image as img/…
    again = run("embed", "-d", "34", "--level", "block", "--select", "layer2.0", "-f", "rst", "-o", "docs/img",
                "--relative-to", "docs", "--device", "meta", cwd=tmp_path)
    assert again.stdout.startswith(f".. figure:: img/{files[0].name}\n")
    assert len(list((tmp_path / "docs/img").iterdir())) == 1  # same drawing, same name


def test_embed_from_a_trace_file_draws_the_same_bytes(tmp_path, r34):
    (tmp_path / "t.json").write_text(r34.to_json(), encoding="utf-8")
    r = run("embed", "--from", "t.json", "--level", "block", "--select", "layer2.0", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = em.render_figure(r34, level="block", select="layer2.0")
    assert (tmp_path / expected.filename).read_text(encoding="utf-8") == expected.svg
    html = run("embed", "--from", "t.json", "-f", "html", cwd=tmp_path)
    assert html.returncode == 0 and html.stderr == "" and html.stdout.startswith('<figure class="resnet-viz">\n<svg ')


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--view", "cubes"], "unknown view 'cubes' (must be one of: volumes, graph)"),
        (["--level", "layer"], "unknown level 'layer' (must be one of: network, stage, block, op)"),
        (["--level", "block", "--select", "layer7.0", "--device", "meta"], "unknown block 'layer7.0' (must be one of:"),
        (["--format", "pdf"], "'pdf' is not one of 'md', 'html', 'rst'"),
        (["--from", "t.json", "--depth", "50"], "--from embeds a saved trace; --depth cannot change it"),
        (["--from", "missing.json"], "cannot read trace 'missing.json'"),
    ],
)
def test_embed_errors_are_one_line(tmp_path, args, needle):
    (tmp_path / "t.json").write_text("{}", encoding="utf-8")
    r = run("embed", *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and needle in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_embedding_modules_do_not_import_torch():
    code = ("import sys, resnet_viz.embed, resnet_viz.cli, resnet_viz.notebook, resnet_viz.mkdocs;"
            "assert 'torch' not in sys.modules, 'torch imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)})
    assert r.returncode == 0, r.stderr


def test_names_use_the_canonical_id(r34):
    assert em.render_figure(r34, level="stage", select="conv4_x").filename.startswith("resnet34-224-volumes-stage-layer3-")
    first = em.render_figure(r34, level="block")
    assert first.filename.startswith("resnet34-224-volumes-block-layer1.0-") and first.alt.endswith("block layer1.0")
