"""Measure resnet-viz against its peers as whole processes: wall time and peak memory, medians of N runs.

Commands run alternately (round-robin), so drift on the machine hits every command alike. Peak memory is
each child's own maximum resident set size (os.wait4), not the benchmark's.

    python bench/bench.py                 # everything, 5 runs each, prints a Markdown table
    python bench/bench.py --runs 3 --only trace   # one group
    python bench/bench.py --write bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

PY = sys.executable
# Children cache their bytecode as an installed package does (some sandboxes set PYTHONDONTWRITEBYTECODE, which
# would make every run compile resnet-viz's ~110 modules again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
TORCHINFO = (  # {net}: build_resnet's arguments, e.g. 50 or arch='resnext101_32x8d'
    "import torchinfo, resnet_viz as rv; m = rv.build_resnet({net}); "
    "torchinfo.summary(m, input_size=(1, 3, {size}, {size}), device='cpu', verbose=1)"
)
NETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nets.py")  # build(): ResNet-50, as --model
TORCHVIEW = (
    "import torchview, resnet_viz as rv; m = rv.build_resnet({depth}); "
    "g = torchview.draw_graph(m, input_size=(1, 3, {size}, {size}), device='cpu'); g.visual_graph.pipe(format='svg')"
)


@dataclass
class Bench:
    group: str
    name: str
    argv: list[str]
    peer: str | None = None  # name of the command this one is compared with


def rv(*args: str) -> list[str]:
    return [PY, "-m", "resnet_viz", *args]


def commands(tmp: str) -> list[Bench]:
    out = lambda name: os.path.join(tmp, name)  # noqa: E731
    b = [Bench("base", "python -c 'import torch'", [PY, "-c", "import torch"])]
    for depth in (18, 50, 152):
        for device in ("cpu", "meta"):
            b.append(Bench("trace", f"resnet-viz trace -d {depth} --device {device}",
                           rv("trace", "-d", str(depth), "-i", "224", "--device", device, "-o", out("t.json"))))
    for depth in (18, 50, 152):
        b.append(Bench("peers", f"torchinfo summary ResNet-{depth} @224", [PY, "-c", TORCHINFO.format(net=depth, size=224)]))
        b.append(Bench("peers", f"torchview draw_graph+SVG ResNet-{depth} @224",
                       [PY, "-c", TORCHVIEW.format(depth=depth, size=224)]))
    for size in (1024, 2048):
        b.append(Bench("peers", f"torchinfo summary ResNet-50 @{size}", [PY, "-c", TORCHINFO.format(net=50, size=size)]))
    b.append(Bench("peers", "torchinfo summary resnext101_32x8d @224",
                   [PY, "-c", TORCHINFO.format(net="arch='resnext101_32x8d'", size=224)]))
    b += [
        Bench("ours", "resnet-viz render -d 152 -i 224 (real CPU pass)",
              rv("render", "-d", "152", "-i", "224", "--device", "cpu", "--force", "-o", out("r152")),
              peer="torchinfo summary ResNet-152 @224"),
        Bench("ours", "resnet-viz render -d 152 -i 224 --device meta",
              rv("render", "-d", "152", "-i", "224", "--device", "meta", "--force", "-o", out("r152m")),
              peer="torchinfo summary ResNet-152 @224"),
        Bench("ours", "resnet-viz render --arch resnext101_32x8d",
              rv("render", "--arch", "resnext101_32x8d", "--force", "-o", out("rx101")),
              peer="torchinfo summary resnext101_32x8d @224"),
        Bench("ours", "resnet-viz trace -d 50 (built-in)", rv("trace", "-d", "50", "-o", out("t50.json"))),
        Bench("ours", "resnet-viz trace --model bench/nets.py:build (the same ResNet-50)",
              rv("trace", "--model", f"{NETS}:build", "-o", out("t50m.json")),
              peer="resnet-viz trace -d 50 (built-in)"),
        Bench("ours", "resnet-viz trace -d 50 --device meta (built-in)",
              rv("trace", "-d", "50", "--device", "meta", "-o", out("t50x.json"))),
        Bench("ours", "resnet-viz trace --model bench/nets.py:build --device meta",
              rv("trace", "--model", f"{NETS}:build", "--device", "meta", "-o", out("t50y.json")),
              peer="resnet-viz trace -d 50 --device meta (built-in)"),
        Bench("ours", "resnet-viz render -d 50 -i 224", rv("render", "-d", "50", "-i", "224", "--force", "-o", out("r50a"))),
        Bench("ours", "resnet-viz render -d 50 -i 2048", rv("render", "-d", "50", "-i", "2048", "--force", "-o", out("r50b")),
              peer="resnet-viz render -d 50 -i 224"),
        Bench("ours", "resnet-viz summary -d 152", rv("summary", "-d", "152", "-o", out("s.txt")),
              peer="torchinfo summary ResNet-152 @224"),
        Bench("ours", "resnet-viz --help", rv("--help")),
        Bench("ours", "resnet-viz --version", rv("--version")),
        Bench("gallery", "resnet-viz gallery", rv("gallery", "--force", "-o", out("gallery"))),
    ]
    return b


def run_once(argv: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in bytes, exit code) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", action="append", help="group(s) to run: base, trace, peers, ours, gallery, measure")
    ap.add_argument("--write", metavar="FILE", help="also write the Markdown table to FILE")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        benches = [b for b in commands(tmp) if not args.only or b.group in args.only or b.group == "base"]
        results: dict[str, list[tuple[float, int]]] = {b.name: [] for b in benches}
        failed: set[str] = set()
        for i in range(args.runs):
            for b in benches:
                if b.name in failed:
                    continue
                wall, rss, code = run_once(b.argv)
                if code != 0:
                    failed.add(b.name)
                    continue
                results[b.name].append((wall, rss))
            print(f"run {i + 1}/{args.runs} done", file=sys.stderr)

    med = {n: (statistics.median(w for w, _ in r), statistics.median(m for _, m in r)) for n, r in results.items() if r}
    base = med.get("python -c 'import torch'")
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{_torch_version()}, dot {'yes' if shutil.which('dot') else 'no'}; median of {args.runs} runs.",
        "",
        "| command | wall (s) | peak memory (MB) | vs import torch | vs peer |",
        "|---|---:|---:|---:|---:|",
    ]
    for b in benches:
        if b.name not in med:
            lines.append(f"| {b.name} | failed | | | |")
            continue
        wall, rss = med[b.name]
        vs_torch = f"{wall / base[0]:.2f}×" if base else ""
        vs_peer = ""
        if b.peer and b.peer in med:
            pw, pm = med[b.peer]
            vs_peer = f"{wall / pw:.2f}× time ({wall - pw:+.2f} s), {rss / pm:.2f}× memory of *{b.peer}*"
        lines.append(f"| {b.name} | {wall:.2f} | {rss / 1e6:.0f} | {vs_torch} | {vs_peer} |")
    if not args.only or "measure" in args.only:
        lines += ["", measure_line(args.runs)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(text)


def measure_line(runs: int) -> str:
    """`--measure 5` on ResNet-50 (real CPU pass): the sum of per-op medians against the hook-free whole-pass
    median, from the trace each run writes; the median ratio over `runs` runs."""
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.json")
        for _ in range(runs):
            code = subprocess.run(rv("trace", "-d", "50", "--device", "cpu", "--measure", "5", "-o", path),
                                  capture_output=True, env=ENV).returncode
            if code != 0:
                return "`--measure 5` on ResNet-50: failed"
            with open(path, encoding="utf-8") as f:
                timing = json.load(f)["measured"]["timing"]
            ratios.append(sum(ms for _, ms in timing["op_ms"]) / timing["whole_pass_ms"])
    r = statistics.median(ratios)
    return (f"`resnet-viz trace -d 50 --measure 5` (CPU, {timing['threads']} threads): the per-op medians sum to "
            f"{r:.3f}× the whole-pass median ({(r - 1) * 100:+.1f} %; median of {runs} runs, "
            f"range {min(ratios):.3f}–{max(ratios):.3f}).")


def _torch_version() -> str:
    r = subprocess.run([PY, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
    return f"torch {r.stdout.strip() or '?'}"


if __name__ == "__main__":
    main()
