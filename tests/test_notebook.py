"""Jupyter display without a notebook server: call the _repr_* methods and parse what they return."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import resnet_viz
from resnet_viz import fmt, notebook
from resnet_viz.errors import InvalidOption

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def r34(make_trace):
    return make_trace(34, 224)


def test_trace_displays_a_compact_summary(r34):
    doc = ET.fromstring(r34._repr_html_())  # the fragment is well-formed XHTML
    text = "".join(doc.itertext())
    assert "resnet34" in text and "basic blocks 3-4-6-3, variant v1.5, shortcut B" in text
    assert "input 224×224×3" in text and "parameters 21,797,672" in text and "3.66 G (3,663,761,408)" in text
    svg = doc.find(f".//{SVG}svg")
    assert svg.find(f"{SVG}title").text.startswith("resnet34: 224×224×3 → 1000, 16 basic blocks in 4 stages")
    rows = [["".join(c.itertext()) for c in tr] for tr in doc.iter("tr")]
    assert rows[0] == ["part", "paper", "blocks", "output", "params", "multiply-adds"]
    body, total = rows[1:-1], rows[-1]
    assert [r[:4] for r in body] == [
        ["stem", "conv1", "", "56×56×64"], ["layer1", "conv2_x", "3 × basic", "56×56×64"],
        ["layer2", "conv3_x", "4 × basic", "28×28×128"], ["layer3", "conv4_x", "6 × basic", "14×14×256"],
        ["layer4", "conv5_x", "3 × basic", "7×7×512"], ["head", "fc", "", "1000"]]
    assert sum(int(r[4].replace(",", "")) for r in body) == r34.totals.params == 21_797_672
    assert total[0] == "total" and total[4] == "21,797,672" and total[5] == fmt.compact(r34.totals.macs)


def test_trace_mimebundle(r34):
    bundle = r34._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == "<Trace resnet34: input 224×224×3, 21,797,672 params, 3.66 G multiply-adds, 125 ops>"
    assert set(r34._repr_mimebundle_(include=["text/plain"])) == {"text/plain"}
    assert set(r34._repr_mimebundle_(exclude=["text/html"])) == {"text/plain"}


def test_a_loaded_trace_displays_without_torch(tmp_path, r34):
    path = tmp_path / "t.json"
    path.write_text(r34.to_json(), encoding="utf-8")
    code = ("import sys; from resnet_viz.api import load_trace; t = load_trace(sys.argv[1]);"
            "h = t._repr_html_(); assert '<svg' in h and 'torch' not in sys.modules; print(len(h))")
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=os.environ)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == len(r34._repr_html_())


def test_show_returns_a_diagram_that_displays_and_saves(tmp_path, r34):
    d = notebook.show(r34, view="volumes", level="block", select="layer2.0")
    root = ET.fromstring(d._repr_svg_())
    assert root.find(f"{SVG}title").text.startswith("layer2.0 (conv3_x, block 1 of 4)")
    bundle = d._repr_mimebundle_()
    assert bundle["image/svg+xml"] == d.svg == str(d)
    assert bundle["text/plain"] == "<resnet-viz diagram: resnet34, 224×224 input: volumes of block layer2.0>"
    assert re.fullmatch(r"resnet34-224-volumes-block-layer2\.0-[0-9a-f]{8}\.svg", d.filename)
    assert d.save(tmp_path) == tmp_path / d.filename and (tmp_path / d.filename).read_text(encoding="utf-8") == d.svg
    assert d.save(tmp_path / "x.svg").read_text(encoding="utf-8") == d.svg
    with pytest.raises(InvalidOption, match=r"unknown level 'layer' \(must be one of: network, stage, block, op\)"):
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
    written = rep.save(tmp_path / "out")
    assert (tmp_path / "out" / "index.html").read_text(encoding="utf-8") == rep.html
    assert Path(tmp_path / "out" / "trace.json") in written


def test_ipython_formats_each_object_with_the_richest_form(r34):
    formatters = pytest.importorskip("IPython.core.formatters")
    fmt_ = formatters.DisplayFormatter()
    data, _ = fmt_.format(r34)
    assert data["text/html"] == r34._repr_html_() and data["text/plain"].startswith("<Trace resnet34")
    data, _ = fmt_.format(notebook.show(r34))
    assert data["image/svg+xml"].startswith("<svg") and "text/html" not in data
    data, _ = fmt_.format(notebook.report(r34, figures=False))
    assert data["text/html"].startswith("<iframe")
    assert data["text/plain"] == "Report(title='resnet34 report', height=720)"  # not the whole page
