"""A hostile saved trace: ids, module names and the model name written to break out of DOT, SVG and HTML.

The trace is a real ResNet-18 trace whose names were edited consistently (every reference to a renamed op, block or
stage follows it), so it passes the loader. Every output made from it is compared with the same trace renamed to
harmless names: the markup must have exactly the same elements, and the hostile text may only ever appear as text.
"""

from __future__ import annotations

import collections
import importlib.resources
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_tool

import resnet_viz
from resnet_viz.cli import main
from resnet_viz.errors import InvalidTrace
from resnet_viz.integrations.embed import embed
from resnet_viz.options import DiagramFormat, View
from resnet_viz.output import report
from resnet_viz.render import template as html_render
from resnet_viz.render.dot import ALLOWED
from resnet_viz.render.figures import diagram, draw
from resnet_viz.schema import load_trace_text, trace_to_json
from resnet_viz.views.figures import standard_figures

HOSTILE = """<a> [URL="javascript:console.log('XSS12')" image="/etc/hostname"] //>"""
# (what is renamed, its old id, the hostile name, a harmless name that keeps the same structure)
RENAMES = [
    ("op", "conv1", f"conv1 {HOSTILE}", "conv1 benign-stem"),
    ("op", "layer2.0.conv1", f"layer2.0.{HOSTILE}\\", "layer2.0.benign-main"),  # a trailing backslash
    ("op", "layer2.0.downsample.0", "</script><script>alert('XSS12')</script>{}", "benign-shortcut"),
    ("op", "layer3.0.conv1", "--><script>alert('XSS12')</script><!--", "benign-comment"),
    ("op", "layer3.0.add", "&lt;a href=x&gt; &#1; &amp; ]]> {}", "benign-add"),
    ("op", "flatten", f"flatten {HOSTILE}", "benign-other"),  # made an op of unknown cost: listed in `uncounted`
    ("op", "fc", """fc" onload="alert('XSS12')" x='""", "benign-fc"),  # the model's output
    ("block", "layer2.1", f"../../../tmp/evil {HOSTILE}", "benign-block"),
    ("stage", "layer4", f"stage {HOSTILE} {{}}", "benign-stage"),
]
MODEL_NAME = (f"{HOSTILE} </script>{{}}\\", "benign-model")
MARKERS = ("XSS12", "alert(", "/etc/hostname", "javascript:")
URL_ATTRS = {"href", "xlink:href", "src", "srcset", "action", "formaction", "poster", "data", "background", "ping",
             "{http://www.w3.org/1999/xlink}href"}
FORBIDDEN = {"image", "iframe", "object", "embed", "base", "foreignobject", "use", "frame", "applet"}


# --- building the traces -----------------------------------------------------------------------------
def _rename_op(doc: dict, old: str, new: str) -> None:
    found = [op for op in doc["ops"] if op["id"] == old]
    assert len(found) == 1, old
    found[0]["id"] = found[0]["module"] = new
    for op in doc["ops"]:
        for ref in op["inputs"]:
            if ref["op"] == old:
                ref["op"] = new
    for stage in doc["stages"]:
        for block in stage["blocks"]:
            block["ops"] = [new if x == old else x for x in block["ops"]]
    doc["uncounted"] = [new if x == old else x for x in doc["uncounted"]]
    for ref in doc["outputs"]:
        if ref["op"] == old:
            ref["op"] = new
    doc["measured"]["saved_bytes"] = [[new if i == old else i, n] for i, n in doc["measured"]["saved_bytes"]]


def _rename_block(doc: dict, old: str, new: str) -> None:
    blocks = [b for s in doc["stages"] for b in s["blocks"] if b["id"] == old]
    assert len(blocks) == 1, old
    blocks[0]["id"] = new
    for op in doc["ops"]:
        if op["block"] == old:
            op["block"] = new


def _rename_stage(doc: dict, old: str, new: str) -> None:
    stages = [s for s in doc["stages"] if s["id"] == old]
    assert len(stages) == 1, old
    stages[0]["id"] = new
    for op in doc["ops"]:
        if op["stage"] == old:
            op["stage"] = new


def edited(trace, hostile: bool) -> str:
    """The trace's JSON with every name of RENAMES (and the model name) replaced, consistently."""
    doc = json.loads(trace_to_json(trace))
    flatten = next(op for op in doc["ops"] if op["id"] == "flatten")
    flatten["kind"], flatten["type_name"] = "other", (HOSTILE if hostile else "BenignOp")
    doc["uncounted"] = ["flatten"]
    doc["model_name"] = doc["model"]["name"] = MODEL_NAME[0 if hostile else 1]
    rename = {"op": _rename_op, "block": _rename_block, "stage": _rename_stage}
    for what, old, bad, good in RENAMES:
        rename[what](doc, old, bad if hostile else good)
    return json.dumps(doc, ensure_ascii=False, indent=1)


@pytest.fixture(scope="module")
def traces(make_trace):
    """(hostile, benign): the same edited ResNet-18, loaded through the checking loader."""
    t = make_trace(18, 224)
    return load_trace_text(edited(t, True)), load_trace_text(edited(t, False))


@pytest.fixture
def own_templates(monkeypatch):
    """Render with this checkout's templates: under a dev install whose `resnet_viz.templates` maps to another
    checkout (PYTHONPATH pointing at a worktree), the report would otherwise mix code and templates of two trees."""
    package = Path(resnet_viz.__file__).resolve().parent
    try:
        mapped = Path(str(importlib.resources.files(html_render.TEMPLATE_PACKAGE))).resolve()
    except ModuleNotFoundError:
        return
    if mapped != package.parent / "templates":
        monkeypatch.setattr(html_render, "template_root", lambda: package.parent / "templates")


# --- checks ------------------------------------------------------------------------------------------
class Scan(HTMLParser):
    """Every start tag with its (decoded) attributes, the text, the comments and the script bodies of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.data: list[str] = []
        self.comments: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(k, v or "") for k, v in attrs]))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, [(k, v or "") for k, v in attrs]))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.data).append(data)

    def handle_comment(self, data):
        self.comments.append(data)

    def shape(self) -> collections.Counter:
        """Which elements, with which attribute names: what an injection would change."""
        return collections.Counter((tag, tuple(sorted(k for k, _ in attrs))) for tag, attrs in self.tags)


def assert_safe_html(text: str, benign: str, allowed_files: set[str] = frozenset()) -> Scan:
    """No element, attribute, link or script that the hostile names brought; `benign` is the same page made from
    the harmless names."""
    page, clean = Scan(text), Scan(benign)
    assert set(page.shape()) == set(clean.shape())  # counts may differ where a longer name wraps a drawing
    drawn = {"polygon", "rect", "g", "text", "line", "path", "circle"}  # the pieces of a drawing
    assert {k: n for k, n in page.shape().items() if k[0] not in drawn} == \
        {k: n for k, n in clean.shape().items() if k[0] not in drawn}
    assert page.scripts == clean.scripts  # no hostile text in a script, no new script
    for tag, attrs in page.tags:
        assert tag not in FORBIDDEN, tag
        for k, v in attrs:
            assert not k.startswith("on"), (tag, k, v)
            if k in URL_ATTRS and not v.startswith("#"):  # a fragment stays on the page, whatever it says
                assert v in allowed_files, (tag, k, v)
                assert "javascript:" not in v.lower() and not v.startswith(("/", "//", "data:", "file:")), v
            if k == "style":
                assert "url(" not in v and "javascript:" not in v and "expression(" not in v, v
    # "javascript:" only ever as text: in data, comments, or words such as aria-label, never in a tag or a name
    as_text = sum(s.count("javascript:") for s in page.data + page.comments)
    as_text += sum(v.count("javascript:") for _, attrs in page.tags for k, v in attrs
                   if k not in URL_ATTRS or v.startswith("#"))
    assert as_text == text.count("javascript:")
    for pattern in (r"<a[\s>/]", r"<script", r"<image", r"<iframe", r"<svg", r"<!--", r"-->"):
        assert len(re.findall(pattern, text, re.I)) == len(re.findall(pattern, benign, re.I)), pattern
    return page


def assert_safe_svg(svg: str, benign: str) -> ET.Element:
    root, clean = ET.fromstring(svg), ET.fromstring(benign)

    def shape(r):
        return collections.Counter((el.tag, tuple(sorted(el.attrib))) for el in r.iter())

    # the same kinds of element with the same attributes (a long drawing may wrap into rows elsewhere when the
    # names are longer, so the counts may differ)
    assert set(shape(root)) == set(shape(clean))
    for el in root.iter():
        tag = el.tag.split("}")[-1].lower()
        assert tag not in FORBIDDEN | {"a", "script"}, el.tag
        if tag == "style":  # our dark-mode rules only: selectors made of safe id characters, nothing from a name
            assert re.fullmatch(r"@media \(prefers-color-scheme: dark\)\{(#[A-Za-z0-9_-]+ [^{}<]*\{[^{}<>]*\})+\}",
                                el.text or ""), el.text
        for k, v in el.attrib.items():
            assert not k.startswith("on") and "href" not in k, (el.tag, k, v)
            if k in ("id", "aria-labelledby", "class"):  # ids made from names keep to safe characters
                assert re.fullmatch(r"[A-Za-z0-9_ .-]*", v), (el.tag, k, v)
            else:  # the names only ever reach text
                assert not any(m in v for m in MARKERS) and "<" not in v, (el.tag, k, v)
    for pattern in (r"<a[\s>/]", r"<script", r"<image"):
        assert len(re.findall(pattern, svg)) == len(re.findall(pattern, benign)) == 0, pattern
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter() if el.tag.split("}")[-1] in ("text", "title", "desc")]


def run_dot(source: str) -> tuple[bytes, str]:
    """`dot -Tsvg` as render/raster.py runs it; returns the SVG and dot's stderr."""
    env = {k: v for k, v in os.environ.items() if k != "GV_FILE_PATH"} | {"SERVER_NAME": "resnet-viz"}
    run = subprocess.run([shutil.which("dot"), "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                         timeout=120, check=False, env=env)
    assert run.returncode == 0, run.stderr
    return run.stdout, run.stderr.decode("utf-8", "replace")


# --- the tests ---------------------------------------------------------------------------------------
def test_the_hostile_trace_loads_with_every_name(traces):
    t, clean = traces
    assert t.model_name == MODEL_NAME[0]
    for what, _, bad, _ in RENAMES:
        found = {"op": t.op, "block": t.block, "stage": t.stage}[what](bad)
        assert found.id == bad
    assert t.uncounted == (RENAMES[5][2],) and t.outputs[0].op == RENAMES[6][2]
    assert t.op(RENAMES[1][2]).block == "layer2.0" and t.op(RENAMES[1][2]).module == RENAMES[1][2]
    assert t.op(RENAMES[0][2]).inputs[0].op is None and t.op("bn1").inputs[0].op == RENAMES[0][2]
    assert len(t.ops) == len(clean.ops) and [len(s.blocks) for s in t.stages] == [2, 2, 2, 2]
    assert len(standard_figures(t)) == len(standard_figures(clean))


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\x08", "\x1b", "\x7f"])
@pytest.mark.parametrize("where", ["op", "module", "model", "block", "stage"])
def test_control_characters_are_refused(make_trace, char, where):
    doc = json.loads(trace_to_json(make_trace(18, 224)))
    bad = f"x{char}y"
    if where == "op":
        _rename_op(doc, "conv1", bad)
        path = "$.ops[0].id"
    elif where == "module":
        doc["ops"][0]["module"] = bad
        path = "$.ops[0].module"
    elif where == "model":
        doc["model_name"] = bad
        path = "$.model_name"
    elif where == "block":
        _rename_block(doc, "layer2.1", bad)
        path = "$.stages[1].blocks[1].id"
    else:
        _rename_stage(doc, "layer4", bad)
        path = "$.stages[3].id"
    with pytest.raises(InvalidTrace) as e:
        load_trace_text(json.dumps(doc))
    message = str(e.value)
    assert path in message and "control characters" in message and e.value.exit_code == 2
    assert not any(c in message for c in "\n\r\t\x00\x08\x1b\x7f")  # the message itself stays one clean line


def test_every_volume_drawing(traces):
    t, clean = traces
    figs = [f for f in standard_figures(t) if f.view is View.VOLUMES]
    clean_figs = [f for f in standard_figures(clean) if f.view is View.VOLUMES]
    assert len(figs) == len(clean_figs) >= 15
    shown = set()
    for fig, cfig in zip(figs, clean_figs, strict=True):
        root = assert_safe_svg(str(draw(t, fig)), str(draw(clean, cfig)))
        assert re.fullmatch(r"rv-[A-Za-z0-9_-]+", root.get("id"))
        shown |= set(texts(root))
    # the names are shown as they are, not dropped or mangled
    assert f"output of {RENAMES[0][2]}" in shown
    assert any(RENAMES[7][2] in s for s in shown) and any(RENAMES[8][2] in s for s in shown)
    assert any(MODEL_NAME[0] in s for s in shown)


@pytest.mark.dot
def test_every_graph_through_real_dot(traces):
    """The DOT writer quotes every name: dot reads each graph without a warning (no file is looked at) and draws
    the names as plain text, the trailing backslash included."""
    require_tool("dot", "dot")
    t, clean = traces
    figs = [f for f in standard_figures(t) if f.view is View.GRAPH]
    clean_figs = [f for f in standard_figures(clean) if f.view is View.GRAPH]
    shown = set()
    for fig, cfig in zip(figs, clean_figs, strict=True):
        source = str(draw(t, fig, DiagramFormat.DOT))
        outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', source)  # the source without its quoted strings
        assert set(re.findall(r"(\w+)=", outside)) <= ALLOWED, fig.name  # no attribute came from a name
        assert all(m not in outside for m in MARKERS)
        svg, err = run_dot(source)
        assert err == "", (fig.name, err)
        clean_svg, _ = run_dot(str(draw(clean, cfig, DiagramFormat.DOT)))
        root = assert_safe_svg(svg.decode("utf-8"), clean_svg.decode("utf-8"))
        shown |= set(texts(root))
    assert HOSTILE + "\\" in shown  # the block graph's short name of layer2.0's renamed conv, backslash and all
    assert RENAMES[0][2] in shown and RENAMES[2][2] in shown  # node names are the SVG's <title>s
    assert any(RENAMES[8][2] in s for s in shown)  # the stage cluster's label
    hostname = Path("/etc/hostname")
    if hostname.is_file() and len(hostname.read_text(encoding="utf-8").strip()) >= 6:
        assert hostname.read_text(encoding="utf-8").strip() not in "".join(shown)  # no file was read in


@pytest.mark.dot
def test_the_report_page(traces, own_templates):
    require_tool("dot", "dot")
    t, clean = traces
    files, clean_files = report.report_files(t, use_dot=True), report.report_files(clean, use_dot=True)
    assert len(files) == len(clean_files)
    for rel in files:  # every file a report may hold, inside its folder
        assert report.OWNED.match(rel) and ".." not in rel.split("/") and not rel.startswith("/"), rel
    allowed = set(files) | {"tables/", "diagrams/"}
    page = assert_safe_html(files["index.html"], clean_files["index.html"], allowed)
    assert any(HOSTILE in s for s in page.data)  # shown, as text
    svgs = 0
    for fig, cfig in zip(standard_figures(t), standard_figures(clean), strict=True):
        assert_safe_svg(files[f"diagrams/{fig.name}.svg"], clean_files[f"diagrams/{cfig.name}.svg"])
        svgs += 1
    assert svgs == sum(rel.endswith(".svg") for rel in files)
    assert json.loads(files["trace.json"])["model_name"] == MODEL_NAME[0]


def test_the_report_page_without_dot(traces, own_templates, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    t, clean = traces
    files, clean_files = report.report_files(t, use_dot=False), report.report_files(clean, use_dot=False)
    allowed = set(files) | {"tables/", "diagrams/"}
    page = assert_safe_html(files["index.html"], clean_files["index.html"], allowed)
    links = [v for _, attrs in page.tags for k, v in attrs if k == "href" and v.startswith("diagrams/")]
    assert links and all(v in files and re.fullmatch(r"diagrams/[A-Za-z0-9._-]+\.dot", v) for v in links)


@pytest.mark.parametrize("view", [pytest.param("graph", marks=pytest.mark.dot), "volumes"])
def test_the_embed_snippet(traces, view):
    if view == "graph":
        require_tool("dot", "dot")
    t, clean = traces
    for level, select, clean_select in (("network", None, None), ("block", RENAMES[7][2], RENAMES[7][3]),
                                         ("op", RENAMES[1][2], RENAMES[1][3])):
        snippet = embed(t, format="html", view=view, level=level, select=select).snippet
        benign = embed(clean, format="html", view=view, level=level, select=clean_select).snippet
        assert_safe_html(snippet, benign)
        assert snippet.startswith('<figure class="resnet-viz">')
    md = embed(t, format="md", view=view)
    (name,) = md.files
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.svg", name) and "/" not in name


def test_render_cli_writes_only_inside_its_folder(traces, own_templates, tmp_path, monkeypatch):
    t, _ = traces
    saved = tmp_path / "hostile.json"
    saved.write_text(trace_to_json(t), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    r = CliRunner().invoke(main, ["render", "--from", str(saved), "-o", "out", "--compare", "none"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    made = set(tmp_path.rglob("*")) - before
    assert made and all(p.resolve().is_relative_to((tmp_path / "out").resolve()) for p in made)
    assert (tmp_path / "out" / "index.html").is_file()
    # the default folder is named after the model: one plain folder here, whatever the name says
    before = set(tmp_path.rglob("*"))
    r = CliRunner().invoke(main, ["render", "--from", str(saved), "--compare", "none"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    new_top = set(tmp_path.iterdir()) - before
    (folder,) = new_top
    assert folder.is_dir() and re.fullmatch(r"[A-Za-z0-9._-]+", folder.name) and not folder.name.startswith(".")
    assert all(p.resolve().is_relative_to(folder.resolve()) for p in set(tmp_path.rglob("*")) - before - new_top)
    assert (folder / "index.html").is_file()


@pytest.mark.parametrize("view", [pytest.param("graph", marks=pytest.mark.dot), "volumes"])
def test_embed_cli(traces, tmp_path, monkeypatch, view):
    """`resnet-viz embed --from hostile.json`: html on stdout is safe; md writes its SVG inside -o, nowhere else."""
    if view == "graph":
        require_tool("dot", "dot")
    t, clean = traces
    for name, trace in (("hostile.json", t), ("benign.json", clean)):
        (tmp_path / name).write_text(trace_to_json(trace), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    args = ["embed", "--view", view, "-f", "html", "--level", "block", "--select"]
    r = CliRunner().invoke(main, [*args, RENAMES[7][2], "--from", "hostile.json"], catch_exceptions=False)
    b = CliRunner().invoke(main, [*args, RENAMES[7][3], "--from", "benign.json"], catch_exceptions=False)
    assert r.exit_code == b.exit_code == 0, r.stderr
    assert_safe_html(r.stdout, b.stdout)
    assert set(tmp_path.rglob("*")) == before  # html writes no file
    r = CliRunner().invoke(main, ["embed", "--view", view, "--from", "hostile.json", "-o", "img"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    made = set(tmp_path.rglob("*")) - before
    assert made and all(p.resolve().is_relative_to((tmp_path / "img").resolve()) for p in made)
    (svg,) = [p for p in made if p.is_file()]
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.svg", svg.name) and r.stdout.startswith("![")
    assert f"(img/{svg.name})" in r.stdout
    # one image, whose alt text cannot close the brackets early: [ ] and \ are escaped
    assert re.fullmatch(r"!\[(?:[^\[\]\\]|\\.)*\]\(img/[A-Za-z0-9._-]+\.svg\)\n", r.stdout), r.stdout


def test_diagram_cli_draws_the_hostile_names(traces, tmp_path):
    t, _ = traces
    saved = tmp_path / "hostile.json"
    saved.write_text(trace_to_json(t), encoding="utf-8")
    for args in (["--level", "block", "--select", RENAMES[7][2]], ["--level", "op", "--select", RENAMES[2][2]],
                 ["--level", "stage", "--select", RENAMES[8][2]], ["--level", "stage", "--select", "conv5_x"]):
        r = CliRunner().invoke(main, ["diagram", "--from", str(saved), *args], catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
        root = ET.fromstring(r.stdout)
        assert all(not k.startswith("on") and "href" not in k for el in root.iter() for k in el.attrib)
    r = CliRunner().invoke(main, ["diagram", "--from", str(saved), "--view", "graph", "-f", "dot", "--level", "block",
                                  "--select", RENAMES[7][2]], catch_exceptions=False)
    assert r.exit_code == 0 and r.stdout.startswith('digraph "rv-')
    r = CliRunner().invoke(main, ["diagram", "--from", str(saved), "--level", "op", "--select", "nope"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and r.stdout == ""


def test_a_lone_surrogate_is_refused_or_drawn(make_trace):
    _refused_or_drawn(make_trace(18, 224), "conv1 \ud800 x")


def test_xml_non_characters_are_refused_or_drawn(make_trace):
    _refused_or_drawn(make_trace(18, 224), "conv1 \uffff x")


def _refused_or_drawn(trace, name: str) -> None:
    """Either the loader refuses the name (one line, exit 2), or the drawing is valid UTF-8 XML."""
    doc = json.loads(trace_to_json(trace))
    _rename_op(doc, "conv1", name)
    try:
        t = load_trace_text(json.dumps(doc))  # ASCII JSON: the name arrives as \u escapes
    except InvalidTrace as e:
        assert e.exit_code == 2 and "\n" not in str(e)
        return
    for level, select in (("op", name), ("network", None)):
        svg = diagram(t, level=level, select=select)
        ET.fromstring(svg.encode("utf-8"))
