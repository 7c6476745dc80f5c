"""README.md stays true: its Python example runs and every value its comments show is what the code returns; its
sample outputs are what the commands print; its tables name the commands and options that exist."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_tool

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fences() -> list[tuple[int, str, str]]:
    """(offset of the opening fence, its language, the body) of every fenced block."""
    out, offset, opening = [], 0, None
    for line in README.splitlines(keepends=True):
        if line.startswith("```"):
            if opening is None:
                opening = (offset, line[3:].strip(), offset + len(line))
            else:
                out.append((opening[0], opening[1], README[opening[2]:offset]))
                opening = None
        offset += len(line)
    return out


def block(after: str, lang: str = "") -> str:
    """The first fenced block of `lang` that opens after the text `after`."""
    start = README.index(after)
    return next(body for at, language, body in fences() if at > start and language == lang)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resnet_viz", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600, env={**os.environ, "NO_COLOR": "1"})


def claims(code: str) -> list[tuple[str, str]]:
    """(expression, the value its comment shows) for each line `expr  # value: words` whose comment starts with a
    Python value."""
    found = []
    for line in code.splitlines():
        expr, sep, comment = line.partition("  # ")
        if not sep or "=" in expr.split("(")[0] or expr.startswith(("print", "import", "rv.", "svg")):
            if expr.startswith("print(") and sep:
                found.append((expr.strip(), comment.strip()))
            continue
        found.append((expr.strip(), comment.strip()))
    return found


def test_the_python_example_runs_and_its_comments_are_true(tmp_path, monkeypatch):
    code = block("## Python", "python")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    checked = 0
    for expr, comment in claims(code):
        if expr.startswith("print("):  # `print(a, b)  # 1 2: words`
            args = ast.parse(expr).body[0].value.args  # type: ignore[attr-defined]
            values = [eval(compile(ast.Expression(a), "README.md", "eval"), namespace) for a in args]
            shown = " ".join(str(v) for v in values)
            assert comment.startswith(shown + ":"), (expr, comment, shown)
        else:
            value = eval(expr, namespace)
            assert comment.startswith(repr(value) + ":"), (expr, comment, repr(value))
        checked += 1
    assert checked >= 3
    assert (tmp_path / "resnet56-32" / "index.html").is_file() and (tmp_path / "resnet56.json").is_file()
    assert namespace["t2"] == namespace["t"] and namespace["svg"].startswith("<svg")


def test_the_summary_sample_is_what_summary_prints():
    sample = block("resnet-viz summary -d 50 --measure 5").rstrip("\n").removesuffix("…").rstrip("\n")
    r = run("summary", "--depth", "34", "--input", "224", "--device", "meta")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(sample + "\n"), sample


def test_the_error_sample_is_what_the_cli_says():
    sample = block("Bad input gets one line").splitlines()
    assert sample[0] == "$ resnet-viz summary --depth 35"
    r = run("summary", "--depth", "35")
    assert r.returncode == 2 and r.stdout == "" and r.stderr.splitlines() == sample[1:]


def test_the_render_sample_lists_what_render_writes(tmp_path):
    """The same kinds, files and counts; sizes within 3 % (the device's name in the page differs per machine)."""
    require_tool("dot", "dot")
    sample = block("resnet-viz render --from resnet50.json").splitlines()
    r = run("render", "--depth", "34", "--input", "224", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    pattern = re.compile(r"^(\w+)\s+(\S+) \((?:(\d+) files, )?([\d.]+) KiB\)$")
    got = [pattern.match(line) for line in r.stdout.splitlines()]
    want = [pattern.match(line) for line in sample]
    assert all(got) and all(want) and len(got) == len(want), (r.stdout, sample)
    for g, w in zip(got, want, strict=True):
        assert g.group(1, 2, 3) == w.group(1, 2, 3), (g.group(0), w.group(0))
        assert abs(float(g.group(4)) - float(w.group(4))) <= 0.03 * float(w.group(4)), (g.group(0), w.group(0))


def test_the_json_sample_numbers_are_resnet50s(make_trace):
    t = make_trace(50, 224)
    sample = block("## The trace JSON", "jsonc")
    totals = json.loads("{" + re.search(r'"totals": \{("params".*?"elementwise_ops": \d+)', sample, re.S).group(1)
                        + "}")
    assert totals == {"params": t.totals.params, "trainable_params": t.totals.trainable_params,
                      "macs": t.totals.macs, "elementwise_ops": t.totals.elementwise_ops}
    assert totals["params"] == 25_557_032  # torchvision's published count
    add = t.op("layer2.0.add")
    assert [(r.op, list(r.volume.dims)) for r in add.inputs] == [("layer2.0.bn3", [512, 28, 28]),
                                                                 ("layer2.0.downsample.1", [512, 28, 28])]
    assert f'"elementwise_ops": {add.elementwise_ops}}}' in sample


def test_every_command_and_option_in_the_tables_exists():
    help_text = run("--help").stdout
    commands = re.findall(r"^\| `resnet-viz (\w+)` \|", README, re.M)
    assert len(commands) >= 6
    for name in commands:
        assert re.search(rf"^\s+{name}\s", help_text, re.M), name
    render_help = run("render", "--help").stdout
    options = re.findall(r"^\| `(--[\w-]+)`", README, re.M)
    assert len(options) >= 12
    for option in options:
        assert option in render_help, option


@pytest.mark.parametrize("line", [x for x in re.findall(r"^resnet-viz (?:summary|diagram) [^\n#]*?(?=\s+#|$)",
                                                     README, re.M) if "--model" not in x])
def test_every_summary_and_diagram_example_runs(line, tmp_path):
    """The examples that draw or tabulate (renders are covered above); tools they need must be installed."""
    args = line.split()[1:]
    if "png" in line:
        require_tool("chromium", "browser")
    if "--view graph" in line and "-f dot" not in line:
        require_tool("dot", "dot")
    r = run(*args, "--device", "meta", cwd=tmp_path) if "--measure" not in line else run(*args, cwd=tmp_path)
    assert r.returncode == 0, (line, r.stderr)
