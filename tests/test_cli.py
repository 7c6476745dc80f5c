"""The command line as a user meets it: real subprocesses, exit codes, one-line errors, no torch for --help."""

import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resnet_viz.cli import main
from resnet_viz.schema import load_trace_text


def run(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "resnet_viz", *args], capture_output=True, text=True, env=env,
                          cwd=cwd)


def one_line_error(r, code=2):
    assert r.returncode == code, (r.returncode, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("resnet-viz: error: "), r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


BAD = [
    (["summary", "--depth", "35"], "unknown depth 35"),
    (["summary", "--depth", "３４"], "digits 0-9"),
    (["summary", "--depth", "34.0"], "whole number"),
    (["summary", "--layers", "0,1"], "invalid layers"),
    (["summary", "--depth", "50", "--layers", "2,2"], "either --depth or --layers"),
    (["summary", "--arch", "resnext50_32x4d", "--depth", "50"], "arch"),
    (["summary", "--model", "nets.py:build", "--depth", "50"], "--model builds the network itself; --depth"),
    (["summary", "--model", "nope"], "must be MODULE:ATTR"),
    (["summary", "--num-classes", "0"], "number of classes"),
    (["summary", "--num-classes", "1000000000000000000000000000000"], "number of classes"),
    (["summary", "--num-classes", "4611686018427387904"], "number of classes"),
    (["summary", "--batch", "9223372036854775808"], "batch size"),
    (["summary", "--batch", "0"], "batch size"),
    (["summary", "--input", "0"], "each side must be 1 to"),
    (["summary", "--input", "abc"], "must be a side like 224 or HxW"),
    (["summary", "--input", "10x"], "must be a side like 224 or HxW"),
    (["summary", "--variant", "v3"], "variant"),
    (["summary", "--device", "tpu"], "device"),
    (["summary", "--format", "xml"], "'xml' is not one of"),
    (["summary", "--measure", "0x"], "repeats"),
    (["trace", "--nope"], "No such option"),
    (["bogus"], "No such command"),
    (["render", "--depth", "18", "-o", "", "--device", "meta"], "invalid --output ''"),
    (["render", "--depth", "18", "--compare", "18," * 200, "--device", "meta"], "more than once"),
    (["render", "--depth", "18", "--compare", "18,20", "--device", "meta"], "same family"),
    (["diagram", "--depth", "18", "-o", "x.gif", "--device", "meta"], "unknown output suffix '.gif'"),
    (["diagram", "--depth", "18", "-o", "x.svg", "-f", "png", "--device", "meta"], "does not match"),
    (["diagram", "--depth", "18", "--level", "network", "--select", "layer1"], "--select picks"),
]


@pytest.mark.parametrize(("args", "needle"), BAD)
def test_bad_input_is_one_line_exit_2(args, needle, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert needle in one_line_error(r), r.stderr
    assert r.stdout == "" and not list(tmp_path.iterdir())


def test_summary_text_fits_100_columns_and_has_no_colour_when_piped():
    r = run("summary", "--depth", "152", "--device", "meta")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "\x1b[" not in r.stdout
    assert "layer3.35.downsample" not in r.stdout  # only the first block of a stage projects
    assert "layer3.0.downsample.0" in r.stdout and "conv4_x · layer3 · 36 blocks · output 14×14×1024" in r.stdout
    assert "params 60,192,808" in r.stdout and "In ch" in lines[2]


def test_summary_formats():
    md = run("summary", "-d", "18", "--device", "meta", "--format", "md").stdout
    assert "| conv2_x | layer1 | layer1.0 | `layer1.0.conv1` | conv | 64 | 56×56×64 | 3×3 | 1 | 1 | 36,864 |" in md
    csv_out = run("summary", "-d", "18", "--device", "meta", "--format", "csv").stdout
    assert csv_out.splitlines()[1].startswith("conv1,stem,,,,conv1,conv,input,3,3x224x224,64x112x112,7x7,2x2,3x3")
    assert "⌊(224 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 112" in csv_out.splitlines()[1]
    doc = json.loads(run("summary", "-d", "18", "--device", "meta", "--format", "json").stdout)
    assert doc["totals"]["params"] == 11_689_512 and doc["rows"][0]["id"] == "conv1"
    assert doc["rows"][0]["in_channels"] == 3 and doc["rows"][0]["inputs"] == ["input"]


def test_trace_to_stdout_and_file(tmp_path):
    r = run("trace", "-d", "50", "-i", "224", "--device", "meta", "-o", "-")
    assert load_trace_text(r.stdout).totals.params == 25_557_032
    out = tmp_path / "r50.json"
    r2 = run("trace", "-d", "50", "-i", "224", "--device", "meta", "-o", str(out))
    assert r2.returncode == 0 and out.read_text() == r.stdout
    assert str(out) in r2.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["r50.json"]  # no temp files left behind


def test_output_is_deterministic(tmp_path):
    a, b = run("trace", "-d", "18", "--device", "cpu"), run("trace", "-d", "18", "--device", "cpu")
    assert a.returncode == b.returncode == 0 and a.stdout and a.stdout == b.stdout
    for name in ("one", "two"):
        assert run("render", "-d", "20", "--device", "meta", "-o", str(tmp_path / name)).returncode == 0
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert files and all((tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes() for f in files)


@pytest.mark.parametrize("cmd", [["--help"], ["--version"], ["summary", "--help"], ["trace", "--help"],
                                 ["render", "--help"], ["diagram", "--help"], ["embed", "--help"]])
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


def test_the_command_runs_without_the_cyclic_collector_and_the_library_keeps_it():
    """entry.run turns the collector off for the command's own process only (see entry.py for why)."""
    code = ("import gc, sys, resnet_viz, resnet_viz.entry as e; assert gc.isenabled(); "
            "e._leave = lambda code: print('collector on' if gc.isenabled() else 'collector off'); "
            "sys.argv = ['resnet-viz', '--version']; e.run()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "collector off"


@pytest.mark.parametrize("args", [["render", "-d", "50", "--device", "meta"], ["trace", "-d", "18", "--device", "cpu",
                                                                              "--measure", "3"]])
def test_a_command_leaves_almost_no_reference_cycles(args, tmp_path):
    """The premise of running commands without the collector: what they drop is freed by reference counting, so
    memory does not grow with repeats; a few closures of json's encoder are all that cycles today."""
    out = ["-o", str(tmp_path / ("report" if args[0] == "render" else "t.json"))]

    def command() -> None:
        with pytest.raises(SystemExit) as done:
            main(args + out, standalone_mode=False)
        assert done.value.code == 0

    command()  # a first run: imports and lazily built caches are not garbage
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        command()
        found = gc.collect()
        size = sum(sys.getsizeof(o) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert found < 200 and size < 50_000, (found, size)  # today: 13 and 46 objects, under 7 KB


def test_python_api_from_the_readme():
    code = ("import resnet_viz as rv; t = rv.trace(rv.build_resnet(34), input=224); print(t.totals.params); "
            "print(rv.trace_network(56, device='meta').output.dims)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.split("\n")[:2] == ["21797672", "(10,)"], r.stderr


def test_cuda_request_without_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert "device 'cuda' is not available" in one_line_error(run("summary", "--device", "cuda"))


def test_from_a_saved_trace(tmp_path):
    saved = tmp_path / "t.json"
    run("trace", "-d", "34", "--device", "meta", "-o", str(saved))
    direct = run("summary", "-d", "34", "--device", "meta", "-f", "csv").stdout
    assert run("summary", "--from", str(saved), "-f", "csv").stdout == direct
    assert "--from tabulates a saved trace; --depth cannot change it" in one_line_error(
        run("summary", "--from", str(saved), "--depth", "50"))
    assert "cannot read the trace" in one_line_error(run("summary", "--from", str(tmp_path / "missing.json")))


NETS = '''
import torch
from torch import nn

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a, self.b = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)
    def forward(self, x):
        return torch.relu(x + self.b(torch.relu(self.a(x))))

def build():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), Block(8), Block(8), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(8, 5))

def needs_args(width):
    return build()

broken = 42
'''


def test_a_users_model_from_a_file(tmp_path):
    (tmp_path / "nets.py").write_text(NETS)
    r = run("summary", "--model", "nets.py:build", "-i", "16", "--device", "meta", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1.b" in r.stdout and "2 blocks" in r.stdout
    r = run("render", "--model", "nets.py:build", "-i", "16", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "out" / "index.html").read_text()
    assert "2 residual blocks in 1 stage" in html and "Table 1, regenerated" in html  # a stem conv, then blocks
    assert "Depths side by side" not in html  # not one of the paper's networks
    assert "needs the argument(s) width" in one_line_error(run("summary", "--model", "nets.py:needs_args",
                                                               cwd=tmp_path))
    assert "is a int" in one_line_error(run("summary", "--model", "nets.py:broken", cwd=tmp_path))
    assert "has no attribute 'nope'" in one_line_error(run("summary", "--model", "nets.py:nope", cwd=tmp_path))
    assert "no file 'other.py'" in one_line_error(run("summary", "--model", "other.py:x", cwd=tmp_path))
    assert "no module named" in one_line_error(run("summary", "--model", "no_such_pkg.sub:x", cwd=tmp_path))


def test_a_users_model_by_module_path_matches_the_built_in():
    a = run("trace", "--model", "resnet_viz.core.model:build_resnet", "--device", "meta")
    b = run("trace", "-d", "18", "--device", "meta")
    ta, tb = load_trace_text(a.stdout), load_trace_text(b.stdout)
    assert ta.ops == tb.ops and ta.stages == tb.stages and ta.source == "resnet_viz.core.model:build_resnet"


def test_output_paths_that_cannot_be_written_are_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "dir").mkdir()
    for args in (["summary", "-o", str(tmp_path / "dir")], ["trace", "-o", str(tmp_path / "dir")],
                 ["summary", "-o", str(tmp_path / "file" / "x.txt")], ["trace", "-o", str(tmp_path / "loop")],
                 ["render", "-o", str(tmp_path / "file")], ["render", "-o", str(tmp_path / "loop")]):
        one_line_error(run(*args, "--device", "meta"))
    assert (tmp_path / "file").read_text() == "x"


def test_a_newline_in_the_output_path_stays_on_its_line(tmp_path):
    r = run("render", "-d", "20", "--device", "meta", "-o", str(tmp_path / "a\nb"), "--compare", "none")
    assert r.returncode == 0, r.stderr
    assert all(line.split()[0] in ("report", "trace", "tables", "diagrams") for line in r.stdout.splitlines())
    assert "a\\nb" in r.stdout


def test_writes_through_a_link_and_keeps_the_mode(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o600)
    (tmp_path / "link.json").symlink_to(target)
    assert run("trace", "-d", "18", "--device", "meta", "-o", str(tmp_path / "link.json")).returncode == 0
    assert (tmp_path / "link.json").is_symlink() and target.read_text().startswith("{")
    assert target.stat().st_mode & 0o777 == 0o600


_INTERRUPTED = [sys.executable, "-m", "resnet_viz", "render", "-d", "18", "--device", "cpu", "-o"]


@pytest.fixture(scope="module")
def uninterrupted_s(tmp_path_factory) -> float:
    """How long the interrupted command takes on this machine when let run, so interrupts land across all of it."""
    start = time.perf_counter()
    subprocess.run([*_INTERRUPTED, str(tmp_path_factory.mktemp("whole") / "out")], capture_output=True, check=True)
    return time.perf_counter() - start


@pytest.mark.parametrize("fraction", [0.0, 0.03, 0.08, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95])
def test_ctrl_c_is_one_line_and_exit_130(tmp_path, fraction, uninterrupted_s):
    """Ctrl-C at any moment of our code: one line, exit 130, no temp file left. (A signal that lands while the
    interpreter itself is still starting, before any resnet-viz code runs, is Python's to report.)"""
    proc = subprocess.Popen([*_INTERRUPTED, str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(fraction * uninterrupted_s)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt")
    if proc.returncode == -signal.SIGINT or "<frozen site>" in err or ("Traceback" in err and "resnet_viz" not in err):
        pytest.skip("the interrupt landed while the interpreter was starting, before resnet-viz ran")
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "resnet-viz: error: interrupted"
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".resnet-viz-tmp")]
    assert not leftovers


def test_a_folder_deleted_mid_run_is_not_recreated(tmp_path, monkeypatch):
    from resnet_viz.output import folder_fd

    out = tmp_path / "out"
    real = folder_fd.replace_atomically
    calls = []

    def vanish(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            import shutil

            shutil.rmtree(out)
        return real(*args, **kwargs)

    monkeypatch.setattr(folder_fd, "replace_atomically", vanish)
    r = CliRunner().invoke(main, ["render", "-d", "20", "--device", "meta", "--compare", "none", "-o", str(out)])
    assert r.exit_code == 2 and "disappeared" in r.output
    assert not out.exists()


_VALUES = st.one_of(st.text(max_size=8), st.integers(-5, 10**20).map(str), st.sampled_from(
    ["18", "34", "50", "224", "1x1", "0", "-1", "A", "v1", "cifar", "meta", "2,2", "３", "1e3", "", " ", "\n"]))
_OPTIONS = ["--depth", "--layers", "--block", "--variant", "--shortcut", "--stem", "--num-classes", "--input",
            "--batch", "--groups", "--width-per-group", "--arch"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_OPTIONS), _VALUES), max_size=3))
def test_fuzzed_options_never_crash(tmp_path, pairs):
    """Any option values: either a table (exit 0) or one line and exit 2; never a traceback, nothing written."""
    args = ["summary", "--device", "meta", "-f", "csv"] + [x for pair in pairs for x in pair]
    before = set(os.listdir(tmp_path))
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    assert r.exit_code in (0, 2), r.output
    if r.exit_code == 2:
        assert r.output.count("\n") == 1 and r.output.startswith("resnet-viz: error: "), r.output
    assert set(os.listdir(tmp_path)) == before


def test_fuzzed_traces_from_files_never_crash(tmp_path, make_trace):
    """Mutated saved traces fed to --from: a report or one line and exit 2; nothing outside the output written."""
    import random

    from resnet_viz.schema import trace_to_dict

    doc = trace_to_dict(make_trace(18, 32))
    rng = random.Random(7)
    leaves = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))
        else:
            leaves.append(path)

    walk(doc, ())
    for case in range(40):
        d = json.loads(json.dumps(doc))
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(leaves)
            node = d
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = rng.choice([0, -1, 2**70, "x", None, [], {}, 1.5, True, "layer1.0", "<a>\\"])
        src = tmp_path / f"t{case}.json"
        src.write_text(json.dumps(d))
        out = tmp_path / f"out{case}"
        r = CliRunner().invoke(main, ["render", "--from", str(src), "-o", str(out)], catch_exceptions=False)
        assert r.exit_code in (0, 2), r.output
        if r.exit_code == 2:
            assert r.output.count("\n") == 1 and "not a valid resnet-viz trace" in r.output, r.output
            assert not out.exists()
    assert {p.name for p in tmp_path.iterdir()} <= {f"t{i}.json" for i in range(40)} | {f"out{i}" for i in range(40)}


def test_command_modules_import_on_their_own():
    for name in ("render", "diagram", "embed", "options", "gallery"):
        code = f"import sys, resnet_viz.commands.{name}; assert 'torch' not in sys.modules"
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


_ = Path
