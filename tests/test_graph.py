"""DOT graphs: the paper's Figure 3 wording, edges that carry volumes, solid identity and dotted projection edges,
deterministic source, readable for deep nets; parsed by the real `dot` at every level where it is installed (and
never needed for the source)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import require_tool

from resnet_viz import fmt
from resnet_viz.errors import MissingTool
from resnet_viz.options import View
from resnet_viz.render import raster
from resnet_viz.render.figures import diagram, figure_files
from resnet_viz.schema import OpKind, Path, ShortcutKind, load_trace_text, trace_to_json
from resnet_viz.views.figures import figure, standard_figures
from resnet_viz.views.steps import block_paths

SVG = "{http://www.w3.org/2000/svg}"
NETS = [(18, 224), (50, 224), (56, 32), (34, (197, 311)), (152, 224)]
ZOO = ["resnet_d_block_net", "se_resnet", "preact_resnet", "plain_cnn"]
LEVELS = [("network", None), ("stage", None), ("stage", "layer3"), ("block", None), ("block", "layer2.0"),
          ("op", None), ("op", "layer2.0.conv1")]

_Q = r'"((?:[^"\\]|\\.)*)"'
_EDGE = re.compile(rf"^\s*{_Q} -> {_Q}(?: \[(.*)\])?$")
_NODE = re.compile(rf"^\s*{_Q}(?: \[(.*)\])?$")
_ATTR = re.compile(rf"(\w+)={_Q}")


def _unq(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def parse_dot(src: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    """(node name → attributes, [(tail, head, attributes)]) of our writer's output, texts unescaped; invisible
    edges (layout only: they put a stage's name beside its first node) are left out."""
    nodes, edges = {}, []
    for line in src.splitlines():
        if (m := _EDGE.match(line)) and 'style="invis"' not in line:
            edges.append((_unq(m[1]), _unq(m[2]), {k: _unq(v) for k, v in _ATTR.findall(m[3] or "")}))
        elif m:
            continue
        elif (m := _NODE.match(line)) and not line.strip().startswith(("graph ", "node ", "edge ")):
            # a node named again (in a rank=same subgraph) keeps its attributes, as in dot
            nodes.setdefault(_unq(m[1]), {}).update({k: _unq(v) for k, v in _ATTR.findall(m[2] or "")})
    return nodes, edges


def dot(trace, level="network", select=None) -> str:
    return diagram(trace, view="graph", level=level, select=select, format="dot")


def _net(make_trace, zoo_trace, which):
    return zoo_trace(which) if isinstance(which, str) else make_trace(*which)


def _levels(t):
    """LEVELS for a torchvision-named net, else the same choices with this net's own ids."""
    if not t.stages:
        return [("network", None), ("op", None), ("op", t.ops[-1].id)]
    if {"layer3", "layer2.0"} <= {s.id for s in t.stages} | {b.id for b in t.blocks}:
        return LEVELS
    b = t.stages[min(1, len(t.stages) - 1)].blocks[0]
    return [("network", None), ("stage", None), ("stage", t.stages[-1].id), ("block", None), ("block", b.id),
            ("op", None), ("op", b.op_ids[0])]


def dot_svg(src: str) -> tuple[ET.Element, str]:
    """`dot -Tsvg` run the way render/raster.py runs it, with its stderr (which must stay empty)."""
    require_tool("dot", "dot")
    env = {k: v for k, v in os.environ.items() if k != "GV_FILE_PATH"} | {"SERVER_NAME": "resnet-viz"}
    run = subprocess.run([shutil.which("dot"), "-Tsvg"], input=src.encode("utf-8"), capture_output=True, timeout=120,
                         check=False, env=env)
    assert run.returncode == 0, run.stderr
    return ET.fromstring(run.stdout), run.stderr.decode("utf-8", "replace")


# --- the source --------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", [*NETS, *ZOO], ids=str)
def test_every_level_has_dot_source(make_trace, zoo_trace, which):
    t = _net(make_trace, zoo_trace, which)
    again = load_trace_text(trace_to_json(t))
    for level, select in _levels(t):
        src = dot(t, level, select)
        assert src.startswith('digraph "rv-') and src.endswith("}\n")
        assert src == dot(t, level, select)  # deterministic
        assert src == dot(again, level, select)  # and the same from the saved trace
        assert not re.search(r"0x[0-9a-f]{6,}", src)  # no id()-based names
        fig = figure(t, "graph", level, select)
        prefix = "rv-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{t.model_name}-{fig.name}")
        ids = re.findall(r'\bid="([^"]*)"', src)
        assert len(ids) == len(set(ids)) and all(i == prefix or i.startswith(prefix + "-") for i in ids)
        nodes, edges = parse_dot(src)
        assert all(a in nodes and b in nodes for a, b, _ in edges), "every edge joins declared nodes"
        assert len(ids) == 1 + len(nodes) + len(edges) + src.count("subgraph ") + src.count('style="invis"')
        assert f'label="{fig.title}"' in src.replace("\\", "")  # the graph says what it is


@pytest.mark.dot
@pytest.mark.parametrize("which", [*NETS, *ZOO], ids=str)
def test_dot_parses_every_level(make_trace, zoo_trace, which):
    """The real `dot` reads every graph without a word on stderr; its SVG keeps our ids, each once."""
    t = _net(make_trace, zoo_trace, which)
    for level, select in _levels(t):
        src = dot(t, level, select)
        root, err = dot_svg(src)
        assert err == "", (level, select, err)
        graph = root.find(f"{SVG}g")
        fig = figure(t, "graph", level, select)
        prefix = "rv-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{t.model_name}-{fig.name}")
        assert graph.get("id") == prefix
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert len(ids) == len(set(ids)) and all(i.startswith(prefix) for i in ids)
        nodes, edges = parse_dot(src)
        assert {n["id"] for n in nodes.values()} | {e["id"] for *_, e in edges} <= set(ids)
        for el in root.iter():
            assert not any("href" in k or k.startswith("on") for k in el.attrib), el.attrib
            assert el.tag.split("}")[1] not in ("script", "image", "a", "foreignObject")


def test_network_is_the_papers_column(make_trace):
    t = make_trace(34, 224)
    src = dot(t)
    nodes, edges = parse_dot(src)
    labels = [n.get("label") for n in nodes.values()]
    for label in ("7×7 conv, 64, /2", "3×3 max pool, /2", "3×3 conv, 64", "3×3 conv, 128, /2",
                  "3×3 conv, 512, /2", "global avg pool", "fc 1000", "input\n224×224×3", "output\n1000"):
        assert label in labels, label
    assert sum(str(x).startswith("3×3 conv,") for x in labels) == 32  # 16 basic blocks, two convs each
    assert labels.count("+") == len(t.blocks)
    projections = sum(b.shortcut is ShortcutKind.PROJECTION for b in t.blocks)
    dotted = [e for e in edges if e[2].get("style") == "dotted"]
    assert len(dotted) == 2 * projections  # into and out of each 1×1 conv
    solid = [e for e in edges if e[2].get("penwidth") == "1.6"]
    assert len(solid) == len(t.blocks) - projections  # one solid edge per identity shortcut
    assert src.count("subgraph \"cluster_") == len(t.stages)
    for s in t.stages:
        assert f'label="{s.id} ({s.paper_name}) · {len(s.blocks)} blocks"' in src
    # one connected column: every node but the input has an edge into it
    heads = {b for _, b, _ in edges}
    names = {n for n in nodes if n.startswith("[stage ")}  # each stage's name, beside its first node
    assert {nodes[n]["label"] for n in names} == {f"{s.id} ({s.paper_name}) · {len(s.blocks)} blocks" for s in t.stages}
    assert set(nodes) - heads - names == {"[input]"} and set(nodes) - {a for a, _, _ in edges} - names == {"[output]"}


def test_network_edges_carry_volumes(make_trace, zoo_trace):
    """Between the stem's and head's steps every edge says its volume; so does each stage's entry."""
    t = make_trace(34, 224)
    nodes, edges = parse_dot(dot(t))
    labelled = [(a, b, e["label"].strip()) for a, b, e in edges if "label" in e]
    firsts = {block_paths(t, s.blocks[0]).main[0].lead.id: s for s in t.stages}
    entries = [(b, v) for a, b, v in labelled if b in firsts]
    assert [(b, v) for b, v in entries] == [(k, fmt.volume(s.input)) for k, s in firsts.items()]
    by_head = {b: v for _, b, v in labelled}
    assert by_head["conv1"] == "224×224×3" and by_head["maxpool"] == "112×112×64"
    assert by_head["avgpool"] == "7×7×512" and by_head["fc"] == "1×1×512" and by_head["[output]"] == "1000"
    assert len(labelled) == 2 + 2 + 1 + len(t.stages)  # stem steps, head steps, the output, stage entries
    plain = zoo_trace("plain_cnn")
    nodes, edges = parse_dot(dot(plain))
    assert all("label" in e for *_, e in edges)
    assert {e["label"].strip() for a, b, e in edges if b == "[output]"} == {fmt.volume(plain.output)}


@pytest.mark.parametrize("which", [(18, 224), (50, 224), (56, 32), "resnet_d_block_net", "preact_resnet"], ids=str)
def test_stage_and_block_edges_carry_the_volume_they_move(make_trace, zoo_trace, which):
    """Below the network level every edge but an identity shortcut is labelled with the volume it carries."""
    t = _net(make_trace, zoo_trace, which)
    for level, select in (("stage", t.stages[1].id), ("block", t.stages[1].blocks[0].id), ("op", t.ops[3].id)):
        nodes, edges = parse_dot(dot(t, level, select))
        for a, b, attrs in edges:
            if attrs.get("penwidth") == "1.6":  # identity shortcut: the fork's volume, unchanged
                assert "label" not in attrs
                continue
            assert "label" in attrs, (level, a, b)
            vol = attrs["label"].strip()
            if b in ("[output]",) or a == "[input]" or "…" in a or "…" in b:
                continue
            made = t.op(a).output if a in {o.id for o in t.ops} else None
            if made is not None and b in {o.id for o in t.ops} and t.op(b).kind is not OpKind.ADD:
                assert vol == fmt.volume(t.op(b).input), (a, b)
                assert vol == fmt.volume(made), (a, b)


def test_stage_and_block_graphs_carry_shapes_and_the_add(make_trace):
    t = make_trace(50, 224)
    block = dot(t, "block", "layer2.0")
    nodes, edges = parse_dot(block)
    assert nodes["layer2.0.add"]["label"] == "+" and nodes["layer2.0.add"]["shape"] == "circle"
    labels = {e.get("label", "").strip() for *_, e in edges}
    assert {"28×28×512", "56×56×256", "28×28×128"} <= labels
    for short in ("conv1", "bn1", "relu", "conv2", "conv3", "downsample.0", "downsample.1", "relu#2"):
        assert any(n["label"].startswith(f"{short}\n") for n in nodes.values()), short
    assert nodes["[input]"]["label"] == "input\n56×56×256" and nodes["[output]"]["label"] == "output\n28×28×512"
    # every op of the block is a node, the shortcut ones dashed
    b = t.block("layer2.0")
    assert set(b.op_ids) <= set(nodes)
    assert all("dashed" in nodes[o.id]["style"] for o in t.ops_of(b.op_ids) if o.path is Path.SHORTCUT)
    stage = dot(t, "stage", "layer2")
    nodes, edges = parse_dot(stage)
    assert [n["label"] for n in nodes.values()].count("+") == 4 and "BN, ReLU" in stage
    assert any(e.get("label", "").strip() == "28×28×128" for *_, e in edges)


def test_zoo_shortcuts(zoo_trace):
    d = zoo_trace("resnet_d_block_net")
    nodes, edges = parse_dot(dot(d, "block", "layer2.0"))
    dotted = [(a, b) for a, b, e in edges if e.get("style") == "dotted"]
    assert dotted == [("[input]", "layer2.0.downsample.0"), ("layer2.0.downsample.0", "layer2.0.downsample.1"),
                      ("layer2.0.downsample.1", "layer2.0.downsample.2"), ("layer2.0.downsample.2", "layer2.0.add")]
    assert nodes["layer2.0.downsample.0"]["label"] == "downsample.0\n2×2 avg pool, /2"
    pre = zoo_trace("preact_resnet")
    b = pre.block("stages.1.blocks.0")
    nodes, edges = parse_dot(dot(pre, "block", b.id))
    fork = block_paths(pre, b).pre[-1].ops[-1].id  # the shared BN → ReLU, not the block input
    assert [(a, bb) for a, bb, e in edges if e.get("style") == "dotted"][0] == (fork, f"{b.id}.downsample.conv")
    zp = parse_dot(dot(zoo_trace("cifar_resnet20_option_a"), "block", "layer2.0"))[0]
    assert any(n["label"].endswith("zero-pad, /2") or "subsample" in n["label"] for n in zp.values())


def test_every_op_of_a_plain_block_is_a_node(make_trace, zoo_trace):
    for t in (make_trace(18, 224), make_trace(50, 224), zoo_trace("preact_resnet"), zoo_trace("resnet_d_block_net")):
        for b in t.blocks[:3]:
            nodes, _ = parse_dot(dot(t, "block", b.id))
            assert set(b.op_ids) <= set(nodes), (t.model_name, b.id)


def test_a_gated_block_graph_shows_its_gate(zoo_trace):
    t = zoo_trace("se_resnet")
    b = t.blocks[0]
    nodes, edges = parse_dot(dot(t, "block", b.id))
    mul = next(o.id for o in t.ops_of(b.op_ids) if o.kind is OpKind.MUL)
    assert len([e for e in edges if e[1] == mul]) == 2  # the features and the gate
    assert set(b.op_ids) <= set(nodes)


def test_deep_networks_are_summarised(make_trace):
    t = make_trace(152, 224)
    src = dot(t)
    assert "33 more identical blocks" in src and "5 more identical blocks" in src
    assert "layer3.2 … layer3.34" in src and "layer2.2 … layer2.6" in src  # first and last are drawn
    nodes, edges = parse_dot(src)
    assert len(edges) < 150
    folded = [n for n in nodes if "…" in n]
    assert len(folded) == 2 and all(nodes[n]["style"] == "rounded,dashed" for n in folded)
    assert {"layer3.1.conv1", "layer3.35.conv1"} <= set(nodes) and "layer3.2.conv1" not in nodes
    stage = dot(t, "stage", "layer3")
    assert "33 more identical blocks" in stage and "layer3.35.add" in stage
    assert any(e.get("style") == "dashed" and e.get("label", "").strip() == "14×14×1024"
               for *_, e in parse_dot(stage)[1])
    cifar = dot(make_trace(1202))
    assert "197 more identical blocks" in cifar and len(parse_dot(cifar)[1]) < 100
    assert "1 more identical block " not in dot(make_trace(18, 224))  # short runs are drawn in full
    zeropad = dot(make_trace(56, 32), "block", "layer2.0")
    assert "zero-pad, /2" in zeropad and 'style="dotted"' in zeropad


# --- with and without the dot binary ---------------------------------------------------------------
def test_without_dot(make_trace, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert not raster.dot_available()
    t = make_trace(18, 224)
    assert dot(t).startswith("digraph")
    for format in ("svg", "png", "pdf"):
        with pytest.raises(MissingTool) as e:
            diagram(t, view="graph", format=format)
        assert e.value.exit_code == 1 and "\n" not in str(e.value) and "install" in str(e.value)
        assert "--format dot writes the source" in str(e.value)
    with pytest.raises(MissingTool):
        raster.run_dot(dot(t), "svg")
    files = figure_files(t)
    graphs = [f for f in standard_figures(t) if f.view is View.GRAPH]
    assert {f"{f.name}.dot" for f in graphs} <= set(files)
    assert not any(f"{f.name}.svg" in files for f in graphs)
    assert all(isinstance(v, str) for v in files.values())


def test_figure_files_are_deterministic_and_complete(make_trace):
    t = make_trace(50, 224)
    a = figure_files(t, use_dot=False)
    assert a == figure_files(t, use_dot=False) and list(a) == sorted(a)
    names = [f.name for f in standard_figures(t)]
    assert len(names) == len(set(names))
    assert {"volumes-network", "graph-network", "volumes-op-conv1", "volumes-op-maxpool",
            "volumes-stage-layer2", "graph-stage-layer2", "volumes-block-layer2.0", "graph-block-layer2.1",
            "volumes-op-layer2.0.downsample.0", "volumes-op-layer1.0.downsample.0"} <= set(names)
    assert set(a) == {f"{f.name}.{'svg' if f.view is View.VOLUMES else 'dot'}" for f in standard_figures(t)}


@pytest.mark.dot
def test_dot_renders(make_trace):
    require_tool("dot", "dot")
    t = make_trace(50, 224)
    for level, select in (("network", None), ("stage", "layer3"), ("block", "layer2.0")):
        svg = diagram(t, view="graph", level=level, select=select, format="svg")
        root = ET.fromstring(svg)
        graph = root.find(f"{SVG}g")
        fig = figure(t, "graph", level, select)
        assert root.tag == f"{SVG}svg" and graph.get("id") == "rv-" + re.sub(r"[^A-Za-z0-9_-]+", "-",
                                                                             f"{t.model_name}-{fig.name}")
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert len(ids) == len(set(ids)) and all(i.startswith(graph.get("id")) for i in ids)
        assert svg == diagram(t, view="graph", level=level, select=select, format="svg")  # deterministic bytes
    assert diagram(t, view="graph", format="png")[:4] == b"\x89PNG"
    assert diagram(t, view="graph", format="pdf")[:5] == b"%PDF-"
    files = figure_files(t, use_dot=True)
    graphs = [f.name for f in standard_figures(t) if f.view is View.GRAPH]
    assert all(f"{n}.svg" in files and f"{n}.dot" in files for n in graphs)
    assert files == figure_files(t, use_dot=True)
