"""`resnet-viz diagram` as a user meets it: stdout or files, saved traces without torch, --model, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_tool

from resnet_viz.cli import main
from resnet_viz.render import raster
from resnet_viz.schema import trace_to_json

ZOO_FILE = Path(__file__).parent / "zoo.py"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Traces saved as JSON, the way `resnet-viz trace -o` writes them."""
    from conftest import _trace, _zoo_trace

    folder = tmp_path_factory.mktemp("traces")
    out = {}
    traces = {"r18": _trace(18, 224), "r50": _trace(50, 224), "r56": _trace(56, 32), "odd": _trace(18, (197, 311)),
              "plain": _zoo_trace("plain_cnn"), "preact": _zoo_trace("preact_resnet")}
    for name, t in traces.items():
        path = folder / f"{name}.json"
        path.write_text(trace_to_json(t), encoding="utf-8")
        out[name] = str(path)
    return out


def run(*args):
    return CliRunner().invoke(main, ["diagram", *args], catch_exceptions=False)


def one_line_error(result, code: int, needle: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert result.stderr.startswith("resnet-viz: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr and result.stdout == "", result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("net", ["r18", "r50", "r56", "odd", "preact"])
@pytest.mark.parametrize("level", ["network", "stage", "block", "op"])
def test_volumes_to_stdout(saved, net, level):
    r = run("--from", saved[net], "--level", level)
    assert r.exit_code == 0, r.stderr
    root = ET.fromstring(r.stdout)
    assert root.get("role") == "img" and root.get("id").startswith("rv-") and r.stderr == ""
    assert r.stdout == run("--from", saved[net], "--level", level).stdout  # the same bytes every time


@pytest.mark.parametrize("level", ["network", "stage", "block", "op"])
def test_graph_source(saved, level):
    r = run("--from", saved["r50"], "--view", "graph", "--level", level, "--format", "dot")
    assert r.exit_code == 0 and r.stdout.startswith('digraph "rv-resnet50-graph-') and r.stderr == ""


def test_a_plain_network_draws_network_and_op_only(saved):
    assert ET.fromstring(run("--from", saved["plain"]).stdout).get("role") == "img"
    assert run("--from", saved["plain"], "--level", "op", "--select", "features.0").exit_code == 0
    one_line_error(run("--from", saved["plain"], "--level", "block"), 2, "no residual blocks")


def test_select_and_write_a_file(saved, tmp_path):
    out = tmp_path / "sub" / "block.svg"
    r = run("--from", saved["r18"], "--level", "block", "--select", "layer2.0", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == "" and "wrote " in r.stderr and "block.svg" in r.stderr
    text = out.read_text(encoding="utf-8")
    assert "layer2.0 (conv3_x" in text and ET.fromstring(text).get("id") == "rv-resnet18-volumes-block-layer2-0"
    r = run("--from", saved["r18"], "--view", "graph", "--level", "stage", "--select", "conv3_x", "-o",
            str(tmp_path / "g.dot"))
    assert r.exit_code == 0 and (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")
    assert '"cluster_layer2"' in (tmp_path / "g.dot").read_text(encoding="utf-8")
    r = run("--from", saved["r18"], "--level", "stage", "--select", "conv4_x", "-o", "-")
    assert r.exit_code == 0 and "layer3 (conv4_x)" in r.stdout  # '-' is stdout
    gv = tmp_path / "g.gv"
    assert run("--from", saved["r18"], "--view", "graph", "-o", str(gv)).exit_code == 0
    assert gv.read_text(encoding="utf-8").startswith("digraph")  # .gv is DOT as well
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["block.svg", "g.dot", "g.gv"]


def test_select_by_id_and_by_paper_name_draw_the_same(saved):
    by_id = run("--from", saved["r50"], "--level", "stage", "--select", "layer3")
    by_paper = run("--from", saved["r50"], "--level", "stage", "--select", "conv4_x")
    assert by_id.exit_code == 0 and by_id.stdout == by_paper.stdout
    assert "<title id=\"rv-resnet50-volumes-stage-layer3-title\">layer3 (conv4_x): 6 blocks, 28×28×512 → 14×14×1024<" \
        in by_id.stdout
    g_id = run("--from", saved["r50"], "--view", "graph", "--level", "stage", "--select", "layer3", "-f", "dot")
    g_paper = run("--from", saved["r50"], "--view", "graph", "--level", "stage", "--select", "conv4_x", "-f", "dot")
    assert g_id.stdout == g_paper.stdout and '"cluster_layer3"' in g_id.stdout


def test_model_options_trace_on_the_fly():
    r = run("--depth", "34", "--input", "224", "--device", "meta", "--level", "stage", "--select", "layer3")
    assert r.exit_code == 0 and "layer3 (conv4_x): 6 blocks, 28×28×128 → 14×14×256" in r.stdout
    r = run("--arch", "resnet50", "--device", "meta", "--view", "graph", "-f", "dot")
    assert r.exit_code == 0 and r.stdout.startswith('digraph "rv-resnet50-graph-network"')


def test_model_route(tmp_path):
    """--model MODULE:ATTR: the user's own network (here the zoo's SE net, from a file path)."""
    r = run("--model", f"{ZOO_FILE}:se_resnet", "--input", "64", "--device", "meta", "--level", "block")
    assert r.exit_code == 0, r.stderr
    assert ">SE gate: pool, 2 convs, sigmoid<" in r.stdout and ET.fromstring(r.stdout).get("role") == "img"
    one_line_error(run("--model", f"{ZOO_FILE}:se_resnet", "--depth", "50"), 2, "--model builds the network itself")
    one_line_error(run("--model", "nope"), 2, "must be MODULE:ATTR")
    r = run("--model", f"{tmp_path / 'missing.py'}:build", "--device", "meta")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "missing.py" in r.stderr


def test_from_a_saved_trace_equals_tracing(saved):
    traced = run("--depth", "50", "--device", "meta", "--level", "block", "--select", "layer2.0")
    loaded = run("--from", saved["r50"], "--level", "block", "--select", "layer2.0")
    assert traced.exit_code == loaded.exit_code == 0 and traced.stdout == loaded.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--level", "stage", "--select", "layer9"],
         "unknown stage 'layer9' (must be one of: layer1, layer2, layer3, layer4, conv2_x, conv3_x, conv4_x, conv5_x)"),
        (["--level", "block", "--select", "layer2"], "unknown block 'layer2' (must be one of: layer1.0"),
        (["--level", "op", "--select", "conv9"], "unknown op 'conv9' (must be one of: conv1, bn1"),
        (["--level", "network", "--select", "layer1"], "--select picks a stage, block or op"),
        (["--level", "blocks"], "'blocks' is not one of 'network', 'stage', 'block', 'op'"),
        (["--view", "graf"], "'graf' is not one of 'volumes', 'graph'"),
        (["--format", "gif"], "'gif' is not one of 'svg', 'png', 'pdf', 'dot'"),
        (["--format", "dot"], "--format dot is for graphs"),
        (["--format", "png"], "--format png is binary; give -o FILE"),
        (["--format", "pdf", "-o", "-"], "--format pdf is binary"),
        (["-o", "x.gif"],
         "unknown output suffix '.gif' (must be one of: .svg, .png, .pdf, .dot, .gv; or give --format)"),
        (["-o", "x.svg", "-f", "png"], "--format png does not match the output's suffix '.svg'"),
        (["-o", "x.dot"], "--format dot is for graphs"),
        (["-o", ""], "invalid --output ''"),
        (["--depth", "34"], "--from draws a saved trace; --depth cannot change it"),
        (["--input", "64"], "--from draws a saved trace; --input cannot change it"),
        (["--nope"], "No such option"),
    ],
)
def test_bad_options_are_one_line_exit_2(saved, args, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(run("--from", saved["r18"], *args), 2, needle)
    assert not list(tmp_path.iterdir())  # nothing written


def test_bad_from_files(tmp_path):
    one_line_error(run("--from", str(tmp_path / "nope.json")), 2, "cannot read the trace")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    one_line_error(run("--from", str(bad)), 2, "not JSON")
    bad.write_text('{"schema_version": 1}', encoding="utf-8")
    one_line_error(run("--from", str(bad)), 2, "older resnet-viz")


def test_deep_op_choices_are_shortened(saved):
    r = run("--from", saved["r50"], "--level", "op", "--select", "nope")
    one_line_error(r, 2, "…")
    assert len(r.stderr) < 600 and "fc)" in r.stderr


def test_without_dot(saved, monkeypatch, tmp_path):
    """No Graphviz on PATH: the DOT source when nothing else was asked for, else one line and exit 1."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert not raster.dot_available()
    # asked for explicitly: one line, exit 1
    one_line_error(run("--from", saved["r18"], "--view", "graph", "--format", "svg"), 1, "Graphviz `dot`")
    one_line_error(run("--from", saved["r18"], "--view", "graph", "-o", str(tmp_path / "g.png")), 1, "install")
    one_line_error(run("--from", saved["r18"], "--view", "graph", "-o", str(tmp_path / "g.svg")), 1, "install")
    assert not (tmp_path / "g.png").exists() and not (tmp_path / "g.svg").exists()
    # not asked for: the DOT source, with a note
    r = run("--from", saved["r18"], "--view", "graph")
    assert r.exit_code == 0 and r.stdout.startswith("digraph") and r.stderr.startswith("resnet-viz: note: ")
    assert "Graphviz `dot` is not on PATH" in r.stderr and r.stderr.count("\n") == 1
    # --format dot asked for: no note
    r = run("--from", saved["r18"], "--view", "graph", "-f", "dot")
    assert r.exit_code == 0 and r.stderr == ""
    # volumes never need it
    assert run("--from", saved["r18"], "--level", "block").exit_code == 0


@pytest.mark.dot
def test_graph_svg_png_pdf_with_dot(saved, tmp_path):
    require_tool("dot", "dot")
    r = run("--from", saved["r50"], "--view", "graph", "--level", "block", "--select", "layer3.0")
    assert r.exit_code == 0 and r.stderr == ""
    root = ET.fromstring(r.stdout)
    assert root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}g").get("id") == \
        "rv-resnet50-graph-block-layer3-0"
    png, pdf = tmp_path / "net.png", tmp_path / "net.pdf"
    assert run("--from", saved["r50"], "--view", "graph", "-o", str(png)).exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert run("--from", saved["r50"], "--view", "graph", "-f", "pdf", "-o", str(pdf)).exit_code == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.browser
def test_volume_png_and_pdf_with_chromium(saved, tmp_path):
    if raster.browser() is None:
        require_tool("chromium", "browser")
    out = tmp_path / "stage.png"
    r = run("--from", saved["r18"], "--level", "stage", "--select", "layer2", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "wrote " in r.stderr
    pdf = tmp_path / "op.pdf"
    r = run("--from", saved["r18"], "--level", "op", "--select", "conv1", "-o", str(pdf))
    assert r.exit_code == 0 and pdf.read_bytes()[:5] == b"%PDF-"


def test_without_chromium(saved, monkeypatch, tmp_path):
    monkeypatch.setattr(raster, "browser", lambda: None)
    one_line_error(run("--from", saved["r18"], "-o", str(tmp_path / "x.png")), 1, "Chromium")
    assert not (tmp_path / "x.png").exists()


def _python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parents[1]),
                                                                   os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_help_does_not_import_torch():
    r = _python(
        "import sys\n"
        "from resnet_viz.cli import main\n"
        "try:\n    main(['diagram', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    assert "--select ID" in r.stdout and "--view" in r.stdout and r.stderr.strip().endswith("False"), r.stderr


def test_saved_trace_draws_without_torch(saved):
    """A trace loaded from JSON drives every diagram even where torch cannot be imported."""
    r = _python(
        "import sys\n"
        "sys.modules['torch'] = None  # any import of torch now fails\n"
        "from resnet_viz.cli import main\n"
        f"main(['diagram', '--from', {saved['r50']!r}, '--level', 'block', '--select', 'layer3.0'])\n"
    )
    assert r.stdout.startswith("<svg") and "Traceback" not in r.stderr, r.stderr
    r = _python(
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "from resnet_viz.cli import main\n"
        f"main(['diagram', '--from', {saved['r50']!r}, '--view', 'graph', '-f', 'dot'])\n"
    )
    assert r.stdout.startswith("digraph") and "Traceback" not in r.stderr, r.stderr
