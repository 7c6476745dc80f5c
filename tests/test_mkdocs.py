"""The MkDocs route: the superfences formatter called directly, through Python-Markdown, and in real
`mkdocs build --strict` runs — built-in nets, a user's own model, and bad options that draw a styled error box and
log a warning naming the page."""

from __future__ import annotations

import importlib
import logging
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_embed import NETS_PY  # the user's residual model, shared with the other docs routes

from resnet_viz.errors import InvalidOption
from resnet_viz.integrations import docs
from resnet_viz.integrations import embed as em
from resnet_viz.integrations import mkdocs as mk

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[1]
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
          validator: !!python/name:resnet_viz.integrations.mkdocs.fence_validator
          format: !!python/name:resnet_viz.integrations.mkdocs.fence_format
"""


def figures(html: str) -> list[tuple[ET.Element, ET.Element]]:
    """(svg, figcaption) of every resnet-viz figure in a page."""
    out = []
    for block in re.findall(r'<figure class="resnet-viz"[^>]*>.*?</figure>', html, re.S):
        fig = ET.fromstring(block)
        box, cap = list(fig)
        assert box.get("class") == "resnet-viz-scroll" and cap.tag == "figcaption"
        (svg,) = list(box)
        out.append((svg, cap))
    assert out, html[:2000]
    return out


def test_fence_format_called_directly(make_trace):
    out = mk.fence_format("depth: 34\nlevel: block\nselect: layer2.0\n", "resnet-viz", "resnet-viz", {}, None)
    ((svg, cap),) = figures(out)
    assert svg.find(f"{SVG}title").text.startswith("layer2.0 (conv3_x, block 1 of 4)")
    assert cap.text == "resnet34, 224×224 input: volumes of block layer2.0"
    expected = em.drawing(make_trace(34, 224), level="block", select="layer2.0")
    assert out == em.html_figure(expected)  # the same drawing as every other route
    wide = mk.fence_format("depth: 18\nwidth: 50%\ncaption: R18\n", "resnet-viz", "resnet-viz", {}, None)
    assert wide.startswith('<figure class="resnet-viz" style="width:50%">') and "<figcaption>R18</figcaption>" in wide


def test_fence_format_draws_a_users_model(tmp_path, monkeypatch):
    (tmp_path / "nets.py").write_text(NETS_PY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # MkDocs runs where mkdocs.yml is; a fence's path is taken from there
    out = mk.fence_format("model: nets.py:build\ninput: 32\nlevel: stage\nselect: layer2\n", "resnet-viz",
                          "resnet-viz", {}, None)
    ((svg, cap),) = figures(out)
    assert cap.text == "build, 32×32 input: volumes of stage layer2"
    assert svg.find(f"{SVG}title").text.startswith("layer2 (conv3_x): 2 blocks, 32×32×8 → 16×16×16")
    builtin = mk.fence_format("model: resnet_viz.core.model:build_resnet\ninput: 64\n", "resnet-viz", "resnet-viz",
                              {}, None)
    assert figures(builtin)[0][1].text == "build_resnet, 64×64 input: volumes of the whole network"


def test_parse_fence_lines():
    assert mk.parse_fence("\n# comment\n depth: 50 \nnum_classes: 10\ncaption: 'a: b'\n") == {
        "depth": "50", "num_classes": "10", "caption": "a: b"}
    with pytest.raises(InvalidOption, match=r"^line 2 'fifty' is not 'key: value' \(e\.g\. 'depth: 34'\)$"):
        mk.parse_fence("depth: 34\nfifty\n")


def test_bad_fence_shows_a_styled_error_box_and_logs_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.resnet_viz"):
        out = mk.fence_format("depth: 18\nview: cubes\n", "resnet-viz", "resnet-viz", {}, None)
    assert out == (f'<div class="resnet-viz resnet-viz-error" role="alert" style="{mk.ERROR_STYLE}"><p><strong>'
                   "resnet-viz</strong>: unknown view &#x27;cubes&#x27; (must be one of: volumes, graph)</p></div>")
    assert "border:1px solid" in mk.ERROR_STYLE and "background:" in mk.ERROR_STYLE
    assert [r.getMessage() for r in caplog.records] == [
        "resnet-viz fence: unknown view 'cubes' (must be one of: volumes, graph)"]
    assert caplog.records[0].levelno == logging.WARNING
    out = mk.fence_format("colour: red\n", "resnet-viz", "resnet-viz", {}, None)
    assert "unknown option &#x27;colour&#x27; (must be one of: model, depth, arch, input, layers" in out
    out = mk.fence_format("depth 34\n", "resnet-viz", "resnet-viz", {}, None)
    assert "line 1 &#x27;depth 34&#x27; is not &#x27;key: value&#x27;" in out and "<figure" not in out


def test_through_python_markdown_with_header_options():
    markdown = pytest.importorskip("markdown")
    pytest.importorskip("pymdownx")
    fence = {"name": "resnet-viz", "class": "resnet-viz", "format": mk.fence_format, "validator": mk.fence_validator}
    text = '```resnet-viz depth="50" level="stage"\nselect: layer3\n```\n'
    html = markdown.markdown(text, extensions=["pymdownx.superfences"],
                             extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}})
    ((svg, cap),) = figures(html)
    assert cap.text == "resnet50, 224×224 input: volumes of stage layer3"
    assert svg.find(f"{SVG}title").text.startswith("layer3 (conv4_x): 6 blocks")
    body_wins = '```resnet-viz depth="50"\ndepth: 18\n```\n'
    html = markdown.markdown(body_wins, extensions=["pymdownx.superfences"],
                             extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}})
    assert figures(html)[0][1].text.startswith("resnet18,")


def mkdocs_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=root, capture_output=True,
                          text=True, timeout=600)


def make_site(root: Path, pages: dict[str, str]) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    for name, text in pages.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    return root


MINE = """\
# Mine

```resnet-viz
model: docs/nets.py:build
input: 32
level: block
select: layer2.0
```

```resnet-viz
model: resnet_viz.core.model:build_resnet
input: 64
```
"""


def test_real_mkdocs_build(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("pymdownx")
    r = mkdocs_build(make_site(tmp_path, {"index.md": FENCE, "mine.md": MINE, "nets.py": NETS_PY}), "--strict")
    assert r.returncode == 0, r.stdout + r.stderr
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    ((svg, cap),) = figures(page)
    assert svg.find(f"{SVG}title").text.startswith("layer2.0 (conv3_x, block 1 of 4): basic block")
    assert cap.text == "Block layer2.0 of ResNet-34"
    assert "Text after." in page and "depth: 34" not in page
    mine = figures((tmp_path / "site" / "mine" / "index.html").read_text(encoding="utf-8"))
    assert [cap.text for _, cap in mine] == ["build, 32×32 input: volumes of block layer2.0",
                                             "build_resnet, 64×64 input: volumes of the whole network"]
    request = docs.parse_request({"model": str(tmp_path / "docs" / "nets.py") + ":build", "input": "32",
                                  "level": "block", "select": "layer2.0"})
    expected = ET.fromstring(em.inline_svg(docs.drawing_for(request).svg))
    assert ET.tostring(mine[0][0]) == ET.tostring(expected)  # the same drawing as the other routes


def test_a_users_model_next_to_the_page(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("pymdownx")
    page = "# Mine\n\n```resnet-viz\nmodel: nets.py:build\ninput: 32\n```\n"
    r = mkdocs_build(make_site(tmp_path, {"index.md": page, "nets.py": NETS_PY}), "--strict")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mkdocs_strict_build_fails_on_a_bad_fence_naming_the_page(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("pymdownx")
    bad = textwrap.dedent("""\
        # Bad

        ```resnet-viz
        depth: 35
        ```
        """)
    site = make_site(tmp_path, {"index.md": "# Home\n", "guide/bad.md": bad})
    r = mkdocs_build(site, "--strict")
    assert r.returncode != 0
    log = r.stdout + r.stderr
    warning = next(line for line in log.splitlines() if "resnet-viz fence" in line)
    assert re.fullmatch(r"WARNING\s+-\s+resnet-viz fence in guide/bad\.md: unknown depth 35 \(must be one of 18, "
                        r"34, 50, 101, 152 for ImageNet ResNets.*\)", warning), warning
    assert "Traceback" not in log
    r = mkdocs_build(site)  # without --strict the page is written, with the error box where the figure would be
    assert r.returncode == 0, r.stdout + r.stderr
    page = (tmp_path / "site" / "guide" / "bad" / "index.html").read_text(encoding="utf-8")
    box = re.search(r'<div class="resnet-viz resnet-viz-error" role="alert" style="([^"]+)"><p><strong>resnet-viz'
                    r"</strong> in guide/bad\.md: unknown depth 35 \(must be one of", page)
    assert box and box.group(1) == mk.ERROR_STYLE


def test_the_documented_fence_functions_import():
    text = (ROOT / "docs" / "embedding.md").read_text(encoding="utf-8")
    names = re.findall(r"!!python/name:([\w.]+)", text)
    assert names
    for name in names:
        module, _, attr = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), name
