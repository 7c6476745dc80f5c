"""The MkDocs route: the superfences formatter called directly, through Python-Markdown, and in a real `mkdocs build`."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from resnet_viz import embed as em
from resnet_viz import mkdocs as mk
from resnet_viz.errors import InvalidOption

SVG = "{http://www.w3.org/2000/svg}"
FENCE = """\
# Blocks

```resnet-viz
# ResNet-34's first downsampling block
depth: 34
input: 224
view: volumes
level: block
select: layer2.0
caption: "Block layer2.0 of ResNet-34"
```

Text after.
"""
CONFIG = """\
site_name: t
markdown_extensions:
  - pymdownx.superfences:
      custom_fences:
        - name: resnet-viz
          class: resnet-viz
          validator: !!python/name:resnet_viz.mkdocs.fence_validator
          format: !!python/name:resnet_viz.mkdocs.fence_format
"""


def figure_parts(html: str):
    m = re.search(r'<figure class="resnet-viz">.*?</figure>', html, re.S)
    assert m, html[:2000]
    fig = ET.fromstring(m.group(0))
    svg, cap = list(fig)
    return svg, cap


def test_fence_format_called_directly(make_trace):
    out = mk.fence_format("depth: 34\nlevel: block\nselect: layer2.0\n", "resnet-viz", "resnet-viz", {}, None)
    svg, cap = figure_parts(out)
    assert svg.find(f"{SVG}title").text.startswith("layer2.0 (conv3_x, block 1 of 4)")
    assert cap.text == "resnet34, 224×224 input: volumes of block layer2.0"
    expected = em.render_figure(make_trace(34, 224), level="block", select="layer2.0")
    assert em.inline_svg(expected.svg) in out


def test_parse_fence_lines():
    assert mk.parse_fence("\n# comment\n depth: 50 \nnum_classes: 10\ncaption: 'a: b'\n") == {
        "depth": "50", "num_classes": "10", "caption": "a: b"}
    with pytest.raises(InvalidOption, match=r"line 2 'fifty' is not 'key: value' \(e.g. 'depth: 34'\)"):
        mk.parse_fence("depth: 34\nfifty\n")


def test_bad_fence_shows_an_error_box_and_logs_a_warning(caplog):
    out = mk.fence_format("depth: 18\nview: cubes\n", "resnet-viz", "resnet-viz", {}, None)
    assert out == ('<div class="resnet-viz resnet-viz-error"><p>resnet-viz: unknown view &#x27;cubes&#x27; '
                   "(must be one of: volumes, graph)</p></div>")
    assert "resnet-viz fence: unknown view 'cubes' (must be one of: volumes, graph)" in caplog.text
    out = mk.fence_format("colour: red\n", "resnet-viz", "resnet-viz", {}, None)
    assert "unknown option &#x27;colour&#x27; (must be one of: depth, input, layers" in out


def test_through_python_markdown_with_header_options():
    markdown = pytest.importorskip("markdown")
    pytest.importorskip("pymdownx")
    fence = {"name": "resnet-viz", "class": "resnet-viz", "format": mk.fence_format, "validator": mk.fence_validator}
    text = '```resnet-viz depth="50" level="stage"\nselect: layer3\n```\n'
    html = markdown.markdown(text, extensions=["pymdownx.superfences"],
                             extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}})
    svg, cap = figure_parts(html)
    assert cap.text == "resnet50, 224×224 input: volumes of stage layer3"
    assert svg.find(f"{SVG}title").text.startswith("layer3 (conv4_x): 6 blocks")


def mkdocs_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=root, capture_output=True,
                          text=True)


def make_site(root: Path, page: str) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    (root / "docs" / "index.md").write_text(page, encoding="utf-8")
    return root


def test_real_mkdocs_build(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("pymdownx")
    r = mkdocs_build(make_site(tmp_path, FENCE), "--strict")
    assert r.returncode == 0, r.stdout + r.stderr
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    svg, cap = figure_parts(page)
    assert svg.find(f"{SVG}title").text.startswith("layer2.0 (conv3_x, block 1 of 4): basic block")
    assert cap.text == "Block layer2.0 of ResNet-34"
    assert "Text after." in page and "depth: 34" not in page


def test_mkdocs_strict_build_fails_on_a_bad_fence(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("pymdownx")
    bad = textwrap.dedent("""\
        # Bad

        ```resnet-viz
        depth: 35
        ```
        """)
    r = mkdocs_build(make_site(tmp_path, bad), "--strict")
    assert r.returncode != 0
    log = r.stdout + r.stderr
    assert "resnet-viz fence: unknown depth 35 (must be one of 18, 34, 50, 101, 152" in log
    assert "Traceback" not in log
