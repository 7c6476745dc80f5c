"""The command line as a user meets it: real subprocesses, exit codes, one-line errors, no torch for --help."""

import json
import subprocess
import sys

import pytest

from resnet_viz.schema import Trace


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "resnet_viz", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["summary", "--depth", "35"], "unknown depth 35"),
        (["summary", "--layers", "0,1"], "invalid layers"),
        (["summary", "--num-classes", "0"], "invalid number of classes"),
        (["summary", "--input", "0"], "each side must be 1 to"),
        (["summary", "--input", "abc"], "must be a side like 224 or HxW"),
        (["summary", "--input", "10x"], "must be a side like 224 or HxW"),
        (["summary", "--variant", "v3"], "'v3' is not one of 'v1.5', 'v1'"),
        (["summary", "--depth", "abc"], "not a valid integer"),
        (["summary", "--format", "xml"], "'xml' is not one of"),
        (["summary", "--batch", "0"], "--batch"),
        (["trace", "--nope"], "No such option"),
        (["bogus"], "No such command"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle):
    r = run(*args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("resnet-viz: error: "), r.stderr
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_summary_text_fits_100_columns_and_has_no_colour_when_piped():
    r = run("summary", "--depth", "152", "--device", "meta")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "\x1b[" not in r.stdout
    assert "layer3.35.downsample" not in r.stdout  # only the first block of a stage projects
    assert "layer3.0.downsample.0" in r.stdout and "conv4_x · layer3 · 36 blocks · output 14×14×1024" in r.stdout
    assert "params 60,192,808" in r.stdout


def test_summary_formats():
    md = run("summary", "-d", "18", "--device", "meta", "--format", "md").stdout
    assert "| conv2_x | layer1 | layer1.0 | `layer1.0.conv1` | conv | 56×56×64 | 3×3 | 1 | 1 | 36,864 |" in md
    csv_out = run("summary", "-d", "18", "--device", "meta", "--format", "csv").stdout
    assert csv_out.splitlines()[1].startswith("conv1,stem,,,,conv1,conv,1x3x224x224,1x64x112x112,7x7,2x2,3x3")
    doc = json.loads(run("summary", "-d", "18", "--device", "meta", "--format", "json").stdout)
    assert doc["totals"]["params"] == 11_689_512 and doc["rows"][0]["id"] == "conv1"


def test_trace_to_stdout_and_file(tmp_path):
    r = run("trace", "-d", "50", "-i", "224", "--device", "meta", "-o", "-")
    t = Trace.from_json(r.stdout)
    assert t.totals.params == 25_557_032
    out = tmp_path / "r50.json"
    r2 = run("trace", "-d", "50", "-i", "224", "--device", "meta", "-o", str(out))
    assert r2.returncode == 0 and out.read_text() == r.stdout
    assert str(out) in r2.stderr
    assert not [p for p in tmp_path.iterdir() if p.name != "r50.json"]  # no temp files left behind


def test_output_is_deterministic():
    a = run("trace", "-d", "18", "--device", "cpu").stdout
    b = run("trace", "-d", "18", "--device", "cpu").stdout
    assert a == b


@pytest.mark.parametrize("cmd", [["--help"], ["--version"], ["summary", "--help"], ["trace", "--help"]])
def test_help_does_not_import_torch(cmd):
    code = (
        "import sys; from resnet_viz.cli import main\n"
        f"try:\n    main({cmd!r}, prog_name='resnet-viz')\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "resnet-viz" in r.stdout


def test_import_does_not_import_torch():
    code = "import sys, resnet_viz; resnet_viz.Trace; assert 'torch' not in sys.modules; print(resnet_viz.__version__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_python_api_from_the_readme():
    code = "import resnet_viz as rv; t = rv.trace(rv.build_resnet(34), input_size=224); print(t.totals.params)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "21797672", r.stderr


def test_cuda_request_without_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    r = run("summary", "--device", "cuda")
    assert r.returncode == 2 and "device 'cuda' is not available" in r.stderr and r.stderr.count("\n") == 1


def test_summary_from_a_saved_trace(tmp_path):
    saved = tmp_path / "t.json"
    run("trace", "-d", "34", "--device", "meta", "-o", str(saved))
    direct = run("summary", "-d", "34", "--device", "meta", "-f", "csv").stdout
    assert run("summary", "--from", str(saved), "-f", "csv").stdout == direct
    r = run("summary", "--from", str(saved), "--depth", "50")
    assert r.returncode == 2 and "--from tabulates a saved trace; --depth cannot change it" in r.stderr
    r = run("summary", "--from", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "cannot read trace" in r.stderr and r.stderr.count("\n") == 1


def test_command_modules_import_on_their_own():
    for name in ("render", "diagram", "embed", "options"):
        code = f"import sys, resnet_viz.commands.{name}; assert 'torch' not in sys.modules"
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
