"""`resnet-viz diagram` as a user meets it: stdout or files, saved traces without torch, one-line errors."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from conftest import require_tool

from resnet_viz import diagrams
from resnet_viz.cli import main


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Traces saved as JSON, the way `resnet-viz trace -o` writes them."""
    from conftest import _trace

    folder = tmp_path_factory.mktemp("traces")
    out = {}
    for name, (depth, size) in {"r18": (18, 224), "r50": (50, 224), "r56": (56, 32), "odd": (18, (197, 311))}.items():
        path = folder / f"{name}.json"
        path.write_text(_trace(depth, size).to_json(), encoding="utf-8")
        out[name] = str(path)
    return out


def run(*args):
    return CliRunner().invoke(main, ["diagram", *args], catch_exceptions=False)


def one_line_error(result, code: int, needle: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert result.stderr.startswith("resnet-viz: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr and result.stdout == ""


@pytest.mark.parametrize("net", ["r18", "r50", "r56", "odd"])
@pytest.mark.parametrize("level", ["network", "stage", "block", "op"])
def test_volumes_to_stdout(saved, net, level):
    r = run("--from", saved[net], "--level", level)
    assert r.exit_code == 0, r.stderr
    assert ET.fromstring(r.stdout).get("role") == "img"


@pytest.mark.parametrize("level", ["network", "stage", "block", "op"])
def test_graph_source(saved, level):
    r = run("--from", saved["r50"], "--view", "graph", "--level", level, "--format", "dot")
    assert r.exit_code == 0 and r.stdout.startswith("digraph ")


def test_select_and_write_a_file(saved, tmp_path):
    out = tmp_path / "sub" / "block.svg"
    r = run("--from", saved["r18"], "--level", "block", "--select", "layer2.0", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == "" and f"wrote {out}" in r.stderr
    assert "layer2.0 (conv3_x" in out.read_text(encoding="utf-8")
    r = run("--from", saved["r18"], "--view", "graph", "--level", "stage", "--select", "conv3_x", "-o",
            str(tmp_path / "g.dot"))
    assert r.exit_code == 0 and (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")


def test_model_options_trace_on_the_fly():
    r = run("--depth", "34", "--input", "224", "--device", "meta", "--level", "stage", "--select", "layer3")
    assert r.exit_code == 0 and "layer3 (conv4_x): 6 blocks, 28×28×128 → 14×14×256" in r.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--level", "stage", "--select", "layer9"], "unknown stage 'layer9' (must be one of: layer1, layer2"),
        (["--level", "block", "--select", "layer2"], "unknown block 'layer2' (must be one of: layer1.0"),
        (["--level", "op", "--select", "conv9"], "unknown op 'conv9' (must be one of: conv1, bn1"),
        (["--level", "blocks"], "'blocks' is not one of 'network', 'stage', 'block', 'op'"),
        (["--view", "graf"], "'graf' is not one of 'volumes', 'graph'"),
        (["--format", "dot"], "--format dot is for graphs"),
        (["--format", "png"], "--format png is binary; give -o FILE"),
        (["--format", "pdf", "-o", "-"], "--format pdf is binary"),
        (["--depth", "34"], "--from draws a saved trace; --depth cannot change it"),
    ],
)
def test_bad_options_are_one_line_exit_2(saved, args, needle):
    one_line_error(run("--from", saved["r18"], *args), 2, needle)


def test_deep_op_choices_are_shortened(saved):
    r = run("--from", saved["r50"], "--level", "op", "--select", "nope")
    one_line_error(r, 2, "…")
    assert len(r.stderr) < 600


def test_without_dot(saved, monkeypatch, tmp_path):
    monkeypatch.setattr(diagrams, "dot_available", lambda: False)
    # asked for explicitly: one line, exit 1
    one_line_error(run("--from", saved["r18"], "--view", "graph", "--format", "svg"), 1, "Graphviz `dot`")
    one_line_error(run("--from", saved["r18"], "--view", "graph", "-o", str(tmp_path / "g.png")), 1, "install")
    # not asked for: the DOT source, with a note
    r = run("--from", saved["r18"], "--view", "graph")
    assert r.exit_code == 0 and r.stdout.startswith("digraph") and "note:" in r.stderr
    # volumes never need it
    assert run("--from", saved["r18"], "--level", "block").exit_code == 0


@pytest.mark.dot
def test_graph_svg_and_png_with_dot(saved, tmp_path):
    require_tool("dot", "dot")
    r = run("--from", saved["r50"], "--view", "graph", "--level", "block", "--select", "layer3.0")
    assert r.exit_code == 0 and ET.fromstring(r.stdout).tag.endswith("svg")
    out = tmp_path / "net.png"
    assert run("--from", saved["r50"], "--view", "graph", "-o", str(out)).exit_code == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.browser
def test_volume_png_with_chromium(saved, tmp_path):
    require_tool("chromium", "browser")
    out = tmp_path / "stage.png"
    r = run("--from", saved["r18"], "--level", "stage", "--select", "layer2", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_help_does_not_import_torch():
    r = _python(
        "import sys\n"
        "from resnet_viz.cli import main\n"
        "try:\n    main(['diagram', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    assert "--select ID" in r.stdout and r.stderr.strip().endswith("False"), r.stderr


def test_saved_trace_draws_without_torch(saved):
    """A trace loaded from JSON drives every diagram even where torch cannot be imported."""
    r = _python(
        "import sys\n"
        "sys.modules['torch'] = None  # any import of torch now fails\n"
        "from resnet_viz.cli import main\n"
        f"main(['diagram', '--from', {saved['r50']!r}, '--level', 'block', '--select', 'layer3.0'])\n"
    )
    assert r.stdout.startswith("<svg") and "Traceback" not in r.stderr, r.stderr
