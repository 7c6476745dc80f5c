"""DOT graphs: the paper's Figure 3 wording, solid identity and dotted projection edges, deterministic source,
readable for deep nets; `dot` itself only where it is installed (and never needed for the source)."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import require_tool
from golden_util import check_golden

from resnet_viz import diagrams
from resnet_viz.diagrams import diagram, diagram_files, figure, standard_figures
from resnet_viz.errors import MissingTool
from resnet_viz.schema import ShortcutKind, Trace

NETS = [(18, 224), (50, 224), (56, 32), (34, (197, 311))]
LEVELS = [("network", None), ("stage", None), ("stage", "layer3"), ("block", None), ("block", "layer2.0"),
          ("op", None), ("op", "layer2.0.conv1")]


def dot(trace, level="network", select=None) -> str:
    return diagram(trace, view="graph", level=level, select=select, format="dot")


def edges(src: str) -> list[str]:
    return [line for line in src.splitlines() if " -> " in line]


@pytest.mark.parametrize(("depth", "size"), NETS)
@pytest.mark.parametrize(("level", "select"), LEVELS)
def test_every_level_has_dot_source(make_trace, depth, size, level, select):
    t = make_trace(depth, size)
    src = dot(t, level, select)
    assert src.startswith("digraph ") and src.rstrip().endswith("}")
    assert src == dot(t, level, select)  # deterministic
    assert src == dot(Trace.from_json(t.to_json()), level, select)
    assert not re.search(r"0x[0-9a-f]{6,}", src)  # no id()-based names
    ids = re.findall(r'\bid="?([^" \]]+)', src)
    assert len(ids) == len(set(ids)) and all(i.startswith("rv-") for i in ids)


def test_network_is_the_papers_column(make_trace):
    t = make_trace(34, 224)
    src = dot(t)
    for label in ("7×7 conv, 64, /2", "3×3 max pool, /2", "3×3 conv, 64", "3×3 conv, 128, /2",
                  "3×3 conv, 512, /2", "global avg pool", "fc 1000"):
        assert f'label="{label}"' in src, label
    assert src.count('label="3×3 conv,') == 32  # 16 basic blocks, two convs each: ResNet-34's 32 + conv1 + fc
    projections = sum(b.shortcut is ShortcutKind.PROJECTION for b in t.blocks)
    dotted = [e for e in edges(src) if "style=dotted" in e]
    assert len(dotted) == 2 * projections  # into and out of each 1×1 conv
    assert src.count("subgraph cluster_") == len(t.stages)
    for s in t.stages:
        assert f'label="{s.id} ({s.paper_name}) · ' in src


def test_stage_and_block_graphs_carry_shapes_and_the_add(make_trace):
    t = make_trace(50, 224)
    block = dot(t, "block", "layer2.0")
    assert 'label="+"' in block and "shape=circle" in block
    assert 'label=" 28×28×512"' in block and 'label=" 56×56×256"' in block
    for short in ("conv1", "bn1", "relu", "conv2", "conv3", "downsample.0", "downsample.1", "relu#2"):
        assert f'label="{short}\\n' in block, short
    stage = dot(t, "stage", "layer2")
    assert stage.count('label="+"') == 4 and "BN, ReLU" in stage and 'label=" 28×28×128"' in stage


def test_deep_networks_are_summarised(make_trace):
    t = make_trace(152, 224)
    src = dot(t)
    assert "33 more identical blocks" in src and "5 more identical blocks" in src
    assert len(edges(src)) < 150
    cifar = dot(make_trace(1202))
    assert "197 more identical blocks" in cifar and len(edges(cifar)) < 100
    zeropad = dot(make_trace(56, 32), "block", "layer2.0")
    assert "zero-pad, /2" in zeropad and "style=dotted" in zeropad


@pytest.mark.parametrize("depth", [18, 50])
@pytest.mark.parametrize(("level", "select"), [("network", None), ("block", "layer2.0")])
def test_golden(make_trace, update_goldens, depth, level, select):
    t = make_trace(depth, 224)
    fig = figure(t, "graph", level, select)
    check_golden(f"diagrams/resnet{depth}-224-{fig.name}.dot", dot(t, level, select), update_goldens)


# --- with and without the dot binary ---------------------------------------------------------------
def test_without_dot(make_trace, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert not diagrams.dot_available()
    t = make_trace(18, 224)
    assert dot(t).startswith("digraph")
    for fmt in ("svg", "png", "pdf"):
        with pytest.raises(MissingTool) as e:
            diagram(t, view="graph", format=fmt)
        assert e.value.exit_code == 1 and "\n" not in str(e.value) and "install" in str(e.value)
    files = diagram_files(t)
    graphs = [f for f in standard_figures(t) if f.view == "graph"]
    assert {f"{f.name}.dot" for f in graphs} <= set(files)
    assert not any(f"{f.name}.svg" in files for f in graphs)
    assert all(isinstance(v, str) for v in files.values())


def test_diagram_files_are_deterministic_and_complete(make_trace):
    t = make_trace(50, 224)
    a = diagram_files(t, use_dot=False)
    assert a == diagram_files(t, use_dot=False) and list(a) == list(diagram_files(t, use_dot=False))
    names = [f.name for f in standard_figures(t)]
    assert len(names) == len(set(names))
    assert {"volumes-network", "graph-network", "volumes-op-conv1", "volumes-op-maxpool",
            "volumes-stage-layer2", "graph-stage-layer2", "volumes-block-layer2.0", "graph-block-layer2.1",
            "volumes-op-layer2.0.downsample.0", "volumes-op-layer1.0.downsample.0"} <= set(names)
    assert all(k.endswith((".svg", ".dot")) for k in a)


@pytest.mark.dot
def test_dot_renders(make_trace):
    require_tool("dot", "dot")
    t = make_trace(50, 224)
    for level, select in (("network", None), ("stage", "layer3"), ("block", "layer2.0")):
        svg = diagram(t, view="graph", level=level, select=select, format="svg")
        root = ET.fromstring(svg)
        graph = root.find("{http://www.w3.org/2000/svg}g")
        assert root.tag.endswith("svg") and graph.get("id") == figure_prefix(t, level, select)
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert len(ids) == len(set(ids)) and all(i.startswith(graph.get("id")) for i in ids)
    assert diagram(t, view="graph", format="png")[:4] == b"\x89PNG"
    assert diagram(t, view="graph", format="pdf")[:5] == b"%PDF-"
    files = diagram_files(t, use_dot=True)
    assert "graph-network.svg" in files and "graph-network.dot" in files


def figure_prefix(t, level, select) -> str:
    fig = figure(t, "graph", level, select)
    return "rv-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{t.model_name}-{fig.name}")
