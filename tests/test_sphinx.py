"""The Sphinx extension, used the way a docs project uses it: real `python -m sphinx -N` builds of rst and MyST
pages — built-in nets, a user's own model in a .py file next to the page, numbered figures — and its errors."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("sphinx")

from test_embed import NETS_PY

from resnet_viz.integrations import docs
from resnet_viz.integrations import embed as em

EXTENSION = "resnet_viz.integrations.sphinx"
ROOT = Path(__file__).resolve().parents[1]

RST = """\
Diagrams
========

.. toctree::

   myst
   sub/page

.. resnet-viz::
   :depth: 34
   :input: 224
   :view: volumes
   :level: block
   :select: layer2.0
   :caption: Block *layer2.0* of ResNet-34
   :width: 600px
   :name: fig-block

.. resnet-viz::
   :layers: 1,1
   :block: bottleneck
   :stem: cifar
   :input: 32
   :num-classes: 10
   :shortcut: C
   :variant: v1

.. resnet-viz::
   :model: nets.py:build
   :input: 32
   :level: block
   :select: layer2.0
   :name: fig-mine

.. resnet-viz::
   :model: resnet_viz.core.model:build_resnet
   :input: 64

See :numref:`fig-block` and :numref:`fig-mine`.
"""

MYST = """\
# MyST page

```{resnet-viz}
:depth: 50
:level: stage
:select: layer3
:caption: The third stage
```

```{resnet-viz}
---
depth: 18
input: 197x311
---
```
"""

SUB = """\
Nested page
===========

.. resnet-viz::
   :depth: 34
   :level: block
   :select: layer2.0

.. resnet-viz::
   :model: nets.py:build
   :input: 32
"""


def sphinx_build(src: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    # -N: no colour codes in the log we search (Sphinx colours it under CI=true even when piped)
    return subprocess.run([sys.executable, "-m", "sphinx", "-N", *args, str(src), str(out)], capture_output=True,
                          text=True, cwd=src.parent, timeout=600)


def make_project(root: Path, extensions, pages: dict[str, str]) -> Path:
    src = root / "src"
    src.mkdir(parents=True)
    (src / "conf.py").write_text(f"project = 't'\nextensions = {extensions!r}\nnumfig = True\n", encoding="utf-8")
    for name, text in pages.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text, encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One warning-free parallel build (-W -j 2) of an rst page, a MyST page and a page in a subfolder, with the
    user's model in src/nets.py (used by index.rst) and another one in src/sub/nets.py (used by sub/page.rst)."""
    pytest.importorskip("myst_parser")
    root = tmp_path_factory.mktemp("sphinx")
    src = make_project(root, [EXTENSION, "myst_parser"], {"index.rst": RST, "myst.md": MYST, "sub/page.rst": SUB,
                                                          "nets.py": NETS_PY,
                                                          "sub/nets.py": NETS_PY.replace("Linear(16, 5)",
                                                                                         "Linear(16, 3)")})
    r = sphinx_build(src, root / "html", "-b", "html", "-W", "--keep-going", "-j", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    return root / "html", r


def img_srcs(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)" alt="[^"]*" class="resnet-viz"', page)


def test_rst_page_has_the_figure_and_the_image_file(built, make_trace):
    out, _ = built
    page = (out / "index.html").read_text(encoding="utf-8")
    expected = em.drawing(make_trace(34, 224), level="block", select="layer2.0")
    tag = (f'<img src="_images/{expected.filename}" alt="resnet34, 224×224 input: volumes of block layer2.0" '
           f'class="resnet-viz" style="width: 600px" />')
    assert tag in page
    assert re.search(r'<figure class="resnet-viz[^"]*" id="fig-block">', page)
    assert re.search(r"<figcaption>\s*<p><span class=\"caption-number\">Fig\. \d+ </span>"
                     r"<span class=\"caption-text\">Block <em>layer2\.0</em> of ResNet-34</span>", page)
    assert (out / "_images" / expected.filename).read_text(encoding="utf-8") == expected.svg
    custom = [s for s in img_srcs(page) if "bottleneck" in s]
    assert custom and re.fullmatch(r"_images/resnet-bottleneck-1-1-32-volumes-network-[0-9a-f]{8}\.svg", custom[0])
    assert "<title" in (out / custom[0]).read_text(encoding="utf-8")


def test_a_users_model_next_to_the_page(built):
    out, _ = built
    src = out.parent / "src"
    page = (out / "index.html").read_text(encoding="utf-8")
    request = docs.parse_request({"model": "nets.py:build", "input": "32", "level": "block", "select": "layer2.0"},
                                 base=src)
    mine = docs.drawing_for(request)
    assert f'<img src="_images/{mine.filename}" alt="build, 32×32 input: volumes of block layer2.0"' in page
    assert (out / "_images" / mine.filename).read_text(encoding="utf-8") == mine.svg
    builtin = [s for s in img_srcs(page) if "build_resnet" in s]
    assert builtin and re.fullmatch(r"_images/build_resnet-64-volumes-network-[0-9a-f]{8}\.svg", builtin[0])
    # sub/page.rst's nets.py is sub/nets.py (three classes), not the one beside index.rst (five)
    nested = [s for s in img_srcs((out / "sub" / "page.html").read_text(encoding="utf-8")) if "/build-" in s]
    assert len(nested) == 1
    svg = (out / "sub" / nested[0]).read_text(encoding="utf-8")
    assert "32×32×3 → 3," in svg and "32×32×3 → 5," not in svg


def test_numref_numbers_the_figures(built):
    out, _ = built
    page = (out / "index.html").read_text(encoding="utf-8")
    numbers = dict(re.findall(r'<figure class="resnet-viz[^"]*" id="(fig-[a-z]+)">.*?<span class="caption-number">'
                              r"(Fig\. \d+) </span>", page, re.S))
    assert set(numbers) == {"fig-block", "fig-mine"} and numbers["fig-block"] != numbers["fig-mine"]
    refs = re.findall(r'<a class="reference internal" href="#(fig-[a-z]+)"><span class="std std-numref">'
                      r"(Fig\. \d+)</span></a>", page)
    assert dict(refs) == numbers


def test_myst_page_and_nested_page(built):
    out, _ = built
    myst = (out / "myst.html").read_text(encoding="utf-8")
    srcs = img_srcs(myst)
    assert [s.split("/")[-1].rsplit("-", 1)[0] for s in srcs] == ["resnet50-224-volumes-stage-layer3",
                                                                   "resnet18-197x311-volumes-network"]
    assert "The third stage" in myst
    assert all((out / s).is_file() for s in srcs)
    nested = img_srcs((out / "sub" / "page.html").read_text(encoding="utf-8"))
    assert len(nested) == 2 and nested[0].startswith("../_images/resnet34-224-volumes-block-layer2.0-")
    assert all((out / "sub" / s).resolve().is_file() for s in nested)


def test_incremental_rebuild_rewrites_the_same_names(built):
    out, _ = built
    src = out.parent / "src"
    before = {p.name: p.read_bytes() for p in (out / "_images").iterdir()}
    with (src / "sub" / "page.rst").open("a", encoding="utf-8") as f:
        f.write("\nEdited.\n")
    r = sphinx_build(src, out, "-b", "html", "-W", "-j", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 changed" in r.stdout
    assert "Edited." in (out / "sub" / "page.html").read_text(encoding="utf-8")
    assert {p.name: p.read_bytes() for p in (out / "_images").iterdir()} == before


def test_other_builders_keep_the_caption(built, tmp_path):
    src = built[0].parent / "src"
    r = sphinx_build(src, tmp_path / "text", "-b", "text", "-W")
    assert r.returncode == 0, r.stdout + r.stderr
    text = (tmp_path / "text" / "index.txt").read_text(encoding="utf-8")
    assert "Block *layer2.0* of ResNet-34" in text
    assert "build, 32×32 input: volumes of block layer2.0" in text  # no :caption: → the alt text
    assert "<svg" not in text


BAD = textwrap.dedent("""\
    Bad
    ===

    .. resnet-viz::
       :depth: 18
       :view: cubes

    .. resnet-viz::
       :colour: red

    .. resnet-viz::
       :depth: 35

    .. resnet-viz::
       :level: block
       :select: layer9.0

    .. resnet-viz::
       :model: missing.py:build

    .. resnet-viz::
       :preact: maybe
    """)


def test_bad_options_are_build_errors_naming_what_is_valid(tmp_path):
    src = make_project(tmp_path, [EXTENSION], {"index.rst": BAD})
    r = sphinx_build(src, tmp_path / "html", "-b", "html")
    log = r.stdout + r.stderr
    assert r.returncode == 0, log  # reported, not crashed
    assert "index.rst:4: ERROR: resnet-viz directive: unknown view 'cubes' (must be one of: volumes, graph)" in log
    unknown = next(line for line in log.splitlines() if "unknown option" in line)
    assert unknown == ('unknown option: "colour"; must be one of: alt, arch, block, caption, class, depth, groups, '
                       "input, layers, level, model, name, num-classes, preact, select, shortcut, stem, variant, view, "
                       'width, width-per-group; see "resnet-viz".')
    assert ')"' not in unknown
    assert "index.rst:11: ERROR: resnet-viz directive: unknown depth 35 (must be one of 18, 34, 50, 101, 152" in log
    assert "unknown block 'layer9.0' (must be one of: layer1.0, layer1.1, layer2.0" in log
    assert "index.rst:18: ERROR: resnet-viz directive: --model missing.py:build: no file 'missing.py'" in log
    assert "index.rst:21: ERROR: resnet-viz directive: invalid preact 'maybe' (must be true or false)" in log
    assert "Traceback" not in log and "Exception occurred" not in log
    assert not (tmp_path / "html" / "_images").exists()
    assert sphinx_build(src, tmp_path / "strict", "-b", "html", "-W").returncode != 0


def test_a_users_model_in_a_folder_with_a_space(tmp_path):
    src = make_project(tmp_path / "my docs", [EXTENSION], {
        "index.rst": "T\n=\n\n.. resnet-viz::\n   :model: nets.py:build\n   :input: 32\n", "nets.py": NETS_PY})
    r = sphinx_build(src, tmp_path / "my docs" / "html", "-b", "html", "-W")
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_documented_extension_name_imports():
    text = (ROOT / "docs" / "embedding.md").read_text(encoding="utf-8") + (ROOT / "README.md").read_text(
        encoding="utf-8")
    names = set(re.findall(r'extensions = \["([\w.]+)"\]', text))
    assert names
    for name in names:
        assert importlib.util.find_spec(name) is not None, name


def test_setup_declares_parallel_safety():
    from resnet_viz.integrations import sphinx as ext

    class App:
        def __init__(self):
            self.calls = []

        def __getattr__(self, name):
            return lambda *a, **k: self.calls.append(name)

    app = App()
    meta = ext.setup(app)
    assert meta["parallel_read_safe"] is True and meta["parallel_write_safe"] is True
    assert app.calls == ["add_node", "add_directive"]
