"""Jupyter display without a notebook server: a real IPython InteractiveShell (in a subprocess, so this process's
display hooks stay untouched) shows a Trace after `import resnet_viz`; `show` and `report` return objects that
display themselves; the HTML summary's numbers are the trace's."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import resnet_viz
from resnet_viz import fmt
from resnet_viz.errors import InvalidOption
from resnet_viz.integrations import notebook

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def r34(make_trace):
    return make_trace(34, 224)


def summary_rows(trace) -> list[list[str]]:
    doc = ET.fromstring(notebook.trace_html(trace))  # the fragment is well-formed XHTML
    return [["".join(c.itertext()) for c in tr] for tr in doc.iter("tr")]


# --- the HTML summary of a Trace --------------------------------------------------------------------------------

def test_trace_displays_a_compact_summary(r34):
    doc = ET.fromstring(notebook.trace_html(r34))
    text = "".join(doc.itertext())
    assert "resnet34 · basic blocks 3-4-6-3, variant v1.5, shortcut B, imagenet stem" in text
    assert "input 224×224×3 · batch 1 · parameters 21,797,672 · multiply-adds per image 3.66 G" in text
    assert f"ops {len(r34.ops)}" in text
    svg = doc.find(f".//{SVG}svg")
    assert svg.find(f"{SVG}title").text.startswith("resnet34: 224×224×3 → 1000, 16 basic blocks in 4 stages")
    rows = summary_rows(r34)
    assert rows[0] == ["part", "paper", "blocks", "output", "params", "multiply-adds per image"]
    body, total = rows[1:-1], rows[-1]
    assert [r[:4] for r in body[1:]] == [
        ["layer1", "conv2_x", "3 × basic", "56×56×64"], ["layer2", "conv3_x", "4 × basic", "28×28×128"],
        ["layer3", "conv4_x", "6 × basic", "14×14×256"], ["layer4", "conv5_x", "3 × basic", "7×7×512"],
        ["head", "fc", "", "1000"]]
    assert body[0][0] == "stem"
    assert sum(int(r[4].replace(",", "")) for r in body) == r34.totals.params == 21_797_672
    assert total[0] == "total" and total[4] == "21,797,672" and total[5] == fmt.compact(r34.totals.macs)
    rows_data = notebook.stage_rows(r34)
    assert sum(r[5] for r in rows_data) == r34.totals.macs and sum(r[4] for r in rows_data) == r34.totals.params


def test_the_stem_row_agrees_with_table1(r34):
    from resnet_viz.views.paper import table1

    stem = summary_rows(r34)[1]
    conv1 = next(r for r in table1(r34) if r.key == "conv1")
    assert stem[1] != "conv1" or stem[3].startswith(conv1.output_size + "×")
    assert stem[1] == "conv1 + conv2_x pool" and stem[3] == "56×56×64"  # the pool Table 1 lists under conv2_x


def test_a_batch_says_per_image_or_per_batch_on_every_figure(make_trace):
    t = make_trace(18, 224, batch=3)
    text = "".join(ET.fromstring(notebook.trace_html(t)).itertext())
    assert "multiply-adds per image 1.81 G" in text and "batch 3" in text
    header = summary_rows(t)[0]
    assert any("per image" in h or "batch" in h for h in header if "multiply-adds" in h), header


def test_a_plain_cnn_and_a_users_net_are_summarised_without_the_papers_words(zoo_trace):
    plain = zoo_trace("plain_cnn")
    rows = summary_rows(plain)
    assert rows[1:-1] == [["all ops", "", "", "10", fmt.thousands(plain.totals.params),
                           fmt.compact(plain.totals.macs)]]
    text = "".join(ET.fromstring(notebook.trace_html(plain)).itertext())
    assert "plain_cnn: 32×32×3 → 10, 14 ops" in text and "variant v" not in text and "shortcut" not in text
    se = zoo_trace("se_resnet")
    assert [r[0] for r in summary_rows(se)[1:-1]] == ["stem", "layer1", "layer2", "head"]
    assert notebook.trace_text(se) == (f"<Trace se_resnet: input 64×64×3, {fmt.thousands(se.totals.params)} params, "
                                       f"{fmt.compact(se.totals.macs)} multiply-adds per image, {len(se.ops)} ops>")


def test_the_text_form_is_one_line(r34, make_trace):
    assert notebook.trace_text(r34) == ("<Trace resnet34: input 224×224×3, 21,797,672 params, 3.66 G multiply-adds "
                                        "per image, 125 ops>")
    assert "1.81 G multiply-adds per image" in notebook.trace_text(make_trace(18, 224, batch=3))


def test_a_loaded_trace_displays_without_torch(tmp_path, r34):
    from resnet_viz.api import save_trace

    save_trace(r34, tmp_path / "t.json")
    code = ("import sys; from resnet_viz.api import load_trace; from resnet_viz.integrations.notebook import "
            "trace_html, show; t = load_trace(sys.argv[1]); h = trace_html(t); d = show(t); "
            "assert '<svg' in h and '<svg' in d.svg and 'torch' not in sys.modules; print(len(h))")
    r = subprocess.run([sys.executable, "-c", code, "t.json"], capture_output=True, text=True, cwd=tmp_path,
                       env=os.environ)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == len(notebook.trace_html(r34))


# --- a real IPython shell ---------------------------------------------------------------------------------------

SHELL = textwrap.dedent("""\
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    out = {}
    cell = shell.run_cell("import resnet_viz\\nt = resnet_viz.load_trace('t.json')\\nt")
    out["ran"] = cell.success and cell.result is shell.user_ns["t"]
    data, _ = shell.display_formatter.format(shell.user_ns["t"])
    out["trace"] = data
    out["torch"] = "torch" in sys.modules
    shell.run_cell("d = resnet_viz.show(t, level='block', select='layer2.0')")
    out["diagram"], _ = shell.display_formatter.format(shell.user_ns["d"])
    from resnet_viz.integrations import notebook
    notebook.register(shell)
    out["registered"], _ = shell.display_formatter.format(shell.user_ns["t"])
    if sys.argv[1:] == ["report"]:
        out["report"], _ = shell.display_formatter.format(notebook.report(shell.user_ns["t"], figures=False))
    print(json.dumps(out))
    """)


@pytest.fixture(scope="module")
def shell(tmp_path_factory, r34):
    pytest.importorskip("IPython")
    from resnet_viz.api import save_trace

    folder = tmp_path_factory.mktemp("ipython")
    save_trace(r34, folder / "t.json")
    r = subprocess.run([sys.executable, "-c", SHELL], capture_output=True, text=True, cwd=folder, env=os.environ,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.splitlines()[-1])


def test_importing_resnet_viz_in_ipython_shows_a_trace_as_its_summary(shell, r34):
    assert shell["ran"] is True
    assert shell["trace"]["text/html"] == notebook.trace_html(r34)
    assert shell["torch"] is False  # displaying a loaded trace needs no torch


def test_importing_resnet_viz_in_ipython_gives_the_one_line_text_form(shell, r34):
    assert shell["trace"]["text/plain"] == notebook.trace_text(r34)


def test_register_gives_both_forms(shell, r34):
    assert shell["registered"]["text/html"] == notebook.trace_html(r34)
    assert shell["registered"]["text/plain"] == notebook.trace_text(r34)


def test_a_diagram_displays_as_svg_only(shell, r34):
    data = shell["diagram"]
    assert set(data) == {"image/svg+xml", "text/plain"}
    assert data["image/svg+xml"] == notebook.show(r34, level="block", select="layer2.0").svg
    assert data["text/plain"] == "<resnet-viz diagram: resnet34, 224×224 input: volumes of block layer2.0>"


# --- show and report --------------------------------------------------------------------------------------------

def test_show_returns_a_diagram_that_displays_and_saves(tmp_path, r34):
    d = notebook.show(r34, view="volumes", level="block", select="layer2.0")
    root = ET.fromstring(d._repr_svg_())
    assert root.find(f"{SVG}title").text.startswith("layer2.0 (conv3_x, block 1 of 4)")
    bundle = d._repr_mimebundle_()
    assert bundle["image/svg+xml"] == d.svg == str(d)
    assert bundle["text/plain"] == "<resnet-viz diagram: resnet34, 224×224 input: volumes of block layer2.0>"
    assert set(d._repr_mimebundle_(include=["text/plain"])) == {"text/plain"}
    assert set(d._repr_mimebundle_(exclude=["image/svg+xml"])) == {"text/plain"}
    assert re.fullmatch(r"resnet34-224-volumes-block-layer2\.0-[0-9a-f]{8}\.svg", d.filename)
    assert d.save(tmp_path) == tmp_path / d.filename and (tmp_path / d.filename).read_text(encoding="utf-8") == d.svg
    assert d.save(tmp_path / "x.svg").read_text(encoding="utf-8") == d.svg
    assert "svg=" not in repr(d)  # the repr does not print the whole drawing
    with pytest.raises(InvalidOption, match=r"^unknown level 'layer' \(must be one of: network, stage, block, op\)$"):
        notebook.show(r34, level="layer")


def test_show_is_public():
    assert resnet_viz.show is notebook.show


def test_report_displays_in_an_isolated_frame(tmp_path, r34):
    rep = notebook.report(r34, figures=False)
    frame = rep._repr_html_()
    assert frame.startswith('<iframe class="resnet-viz-report" title="resnet34 report" sandbox="allow-scripts"')
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert page == rep.html and page.lstrip().lower().startswith("<!doctype html")
    assert "resnet34" in page and "21,797,672" in page
    assert repr(rep) == "Report(title='resnet34 report', height=720)"  # not the whole page
    written = rep.save(tmp_path / "out")
    assert (tmp_path / "out" / "index.html").read_text(encoding="utf-8") == rep.html
    assert Path(tmp_path / "out" / "trace.json") in written
    from resnet_viz.api import load_trace

    assert load_trace(tmp_path / "out" / "trace.json") == r34


def test_report_displays_through_ipython(tmp_path, r34):
    pytest.importorskip("IPython")
    from resnet_viz.api import save_trace

    save_trace(r34, tmp_path / "t.json")
    r = subprocess.run([sys.executable, "-c", SHELL, "report"], capture_output=True, text=True, cwd=tmp_path,
                       env=os.environ, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    data = json.loads(r.stdout.splitlines()[-1])["report"]
    assert data["text/html"] == notebook.report(r34, figures=False)._repr_html_()
    assert data["text/plain"] == "Report(title='resnet34 report', height=720)"
