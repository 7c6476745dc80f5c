"""The report folder: contents, golden HTML, determinism, safe writing, and the `render` command.

Golden files live in tests/golden/report/. After an intended change to the page, review the diff, then rewrite
them with `pytest tests/test_report.py --update-goldens` and look at the result in a browser (test_browser.py
saves screenshots into build/). The golden pages are rendered without diagrams (figures=False): the drawings
have their own goldens (tests/golden/diagrams/), and test_diagrams_section checks how the page embeds them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from golden_util import check_golden

from resnet_viz import report
from resnet_viz.schema import Trace

IMAGENET = (18, 34, 50, 101, 152)
CIFAR = (20, 32, 44, 56, 110)


def compared(make_trace, trace):
    """The traces `render` puts beside `trace` (same options, other depths)."""
    from resnet_viz import paper

    opts = paper.comparison_options(trace)
    return [make_trace(d, opts["input_size"], variant=opts["variant"], shortcut=opts["shortcut"], stem=opts["stem"],
                       num_classes=opts["num_classes"]) for d in paper.comparison_depths(trace)]


@pytest.fixture(scope="module")
def r18_files(make_trace):
    t = make_trace(18, 224)
    return report.report_files(t, comparison=compared(make_trace, t), use_dot=False)


# --- contents -----------------------------------------------------------------------------------


def test_folder_contents(make_trace, r18_files):
    t = make_trace(18, 224)
    assert {"index.html", "trace.json"} <= set(r18_files)
    assert Trace.from_json(r18_files["trace.json"]) == t
    tables = sorted(k for k in r18_files if k.startswith("tables/"))
    assert tables == [f"tables/{n}.{e}" for n in ("comparison", "layers", "table1") for e in ("csv", "md")]
    assert all(isinstance(v, str) for k, v in r18_files.items() if k.startswith("tables/"))
    assert "diagrams/volumes-network.svg" in r18_files


def test_no_comparison_for_custom_nets(make_trace):
    t = make_trace(None, 224, layers="2,2")
    files = report.report_files(t, comparison=None, figures=False)
    assert not any("comparison" in k for k in files)
    assert 'id="depths"' not in files["index.html"]
    assert not any(k.startswith("diagrams/") for k in files)


def test_same_input_gives_the_same_bytes(make_trace, r18_files):
    t = make_trace(18, 224)
    again = report.report_files(Trace.from_json(t.to_json()), comparison=compared(make_trace, t), use_dot=False)
    assert again == r18_files


class _Audit(HTMLParser):
    """Collects what an offline, accessible page must (not) have."""

    def __init__(self):
        super().__init__()
        self.tables, self.stack, self.problems, self.ids, self.scripts = [], [], [], [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "table":
            self.tables.append({"caption": False, "thead": False})
        elif tag in ("caption", "thead") and self.tables:
            self.tables[-1][tag] = True
        elif tag == "th" and "thead" in self.stack and a.get("scope") != "col":
            self.problems.append(f"header cell without scope=col: {a}")
        elif tag in ("link", "img", "iframe", "object", "embed", "audio", "video"):
            self.problems.append(f"external resource element <{tag}>")
        elif tag == "script":
            self.scripts += 1
            if "src" in a:
                self.problems.append("script with src")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass


def audit(html: str) -> _Audit:
    a = _Audit()
    a.feed(html)
    return a


@pytest.mark.parametrize("case", ["r18", "r20"])
def test_page_is_offline_and_accessible(make_trace, r18_files, case):
    if case == "r18":
        html = r18_files["index.html"]
    else:
        t = make_trace(20, 32)
        html = report.report_files(t, comparison=compared(make_trace, t), use_dot=False)["index.html"]
    a = audit(html)
    assert a.problems == []
    assert a.tables and all(t["caption"] and t["thead"] for t in a.tables)
    assert len(a.ids) == len(set(a.ids)), "duplicate ids"
    assert a.scripts == 1
    stripped = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in stripped and "https://" not in stripped
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
    assert "prefers-color-scheme: dark" in html and "@media print" in html


def test_page_has_every_part(make_trace, r18_files):
    html = r18_files["index.html"]
    t = make_trace(18, 224)
    for anchor in ("model", "table1", "depths", "journey", "explained", "layers"):
        assert f'id="{anchor}"' in html
    for stage in t.stages:
        assert f'href="#layers-{stage.id}"' in html and f'id="layers-{stage.id}"' in html
    assert "torch 2.13.0" in html or t.provenance.torch_version in html
    assert "<li>112×112×64</li>" in html
    assert html.count('<tr class="op ') == len(t.ops)
    assert "↓ stride 2" in html and "projection" in html
    assert 'id="diagrams"' in html and "<svg" in html
    assert 'href="diagrams/graph-network' in html  # graphs are linked, not inlined


def test_resnet152_lists_hundreds_of_rows(make_trace):
    t = make_trace(152, 224)
    html = report.report_files(t, figures=False)["index.html"]
    assert html.count('<tr class="op ') == len(t.ops) > 500
    assert html.count('<tbody class="block"') == len(t.blocks) == 50
    assert html.count("<details class=\"stage") == len(t.stages) + 2


def test_goldens(make_trace, update_goldens):
    for name, trace in (("resnet18-224", make_trace(18, 224)), ("resnet18-cifar-32", make_trace(18, 32, stem="cifar"))):
        files = report.report_files(trace, comparison=compared(make_trace, trace), figures=False)
        check_golden(f"report/{name}.html", files["index.html"], update_goldens)
        check_golden(f"report/{name}-table1.md", files["tables/table1.md"], update_goldens)
        check_golden(f"report/{name}-comparison.md", files["tables/comparison.md"], update_goldens)


def test_diagrams_section(make_trace, r18_files):
    """Volume drawings are inlined verbatim (network, stem, then stage by stage); graphs are linked files."""
    from resnet_viz import diagrams

    t = make_trace(18, 224)
    html = r18_files["index.html"]
    figs = diagrams.standard_figures(t)
    positions = []
    for f in figs:
        if f.view == "volumes":
            svg = diagrams.strip_prolog(diagrams.diagram(t, view=f.view, level=f.level, select=f.select))
            assert svg in html, f.name
            assert r18_files[f"diagrams/{f.name}.svg"]
            positions.append((html.index(svg), f))
        else:
            assert f'href="diagrams/{f.name}.dot"' in html  # use_dot=False: the DOT source is linked
            assert f"diagrams/{f.name}.dot" in r18_files
    order = [f for _, f in sorted(positions, key=lambda p: p[0])]
    assert order[0].level == "network"
    places = [report._figure_place(t, f)[:2] for f in order]  # (network 0 | stem 1 | stage 2, stage index)
    assert places == sorted(places)
    assert {p[1] for p in places if p[0] == 2} == {s.index for s in t.stages}
    assert html.index('id="diagrams"') < html.index('id="layers"')


def test_cifar_stem_report_says_so(make_trace):
    t = make_trace(18, 32, stem="cifar")
    html = report.report_files(t, figures=False)["index.html"]
    assert "no max-pool" in html and "3×3, stride 1" in html
    assert "3×3 max pool" not in html


# --- writing ------------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_write_is_deterministic_and_path_free(tmp_path, r18_files):
    a, b = tmp_path / "a", tmp_path / "b"
    report.write_report(r18_files, a)
    report.write_report(r18_files, b)
    ta, tb = tree(a), tree(b)
    assert ta == tb
    assert set(ta) == set(r18_files) | {".resnet-viz", report.MANIFEST}
    for data in ta.values():
        assert str(tmp_path).encode() not in data and os.path.expanduser("~").encode() + b"/" not in data


def test_write_refuses_a_foreign_folder(tmp_path, r18_files):
    from resnet_viz.errors import OutputExists

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputExists):
        report.write_report(r18_files, tmp_path)
    written = report.write_report(r18_files, tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"  # --force writes into it, never clears it
    assert len(written) == len(r18_files)


def test_stale_files_are_removed(tmp_path, r18_files):
    report.write_report(r18_files, tmp_path)
    (tmp_path / "mine.txt").write_text("not ours")
    fewer = {k: v for k, v in r18_files.items() if not k.startswith(("diagrams/", "tables/comparison"))}
    report.write_report(fewer, tmp_path)
    assert set(tree(tmp_path)) == set(fewer) | {".resnet-viz", report.MANIFEST, "mine.txt"}
    assert not (tmp_path / "diagrams").exists()


def test_interrupted_write_leaves_no_half_file(tmp_path, r18_files, monkeypatch):
    report.write_report({"index.html": "old\n", "gone.txt": "x"}, tmp_path)
    real = report.write_atomic
    calls = {"n": 0}

    def flaky(path, data):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(report, "write_atomic", flaky)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(r18_files, tmp_path)
    monkeypatch.setattr(report, "write_atomic", real)
    files = tree(tmp_path)
    assert not [f for f in files if f.endswith(".tmp")]
    for rel, data in files.items():
        if rel in r18_files:
            new = r18_files[rel]
            assert data in ((new.encode() if isinstance(new, str) else new), b"old\n")
    report.write_report(r18_files, tmp_path)  # the next run finishes the job and removes what is stale
    assert set(tree(tmp_path)) == set(r18_files) | {".resnet-viz", report.MANIFEST}


def test_write_rejects_paths_outside_the_folder(tmp_path):
    from resnet_viz.errors import InvalidOption

    for bad in ("../x", "/etc/x", "a/../../x", ""):
        with pytest.raises(InvalidOption):
            report.write_report({bad: "x"}, tmp_path / "out")
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / ".resnet-viz").write_text("")
    (tmp_path / "out" / report.MANIFEST).write_text("../victim\n")
    (tmp_path / "victim").write_text("keep")
    report.write_report({"index.html": "x"}, tmp_path / "out")
    assert (tmp_path / "victim").read_text() == "keep"


def test_summary_lines():
    files = {"index.html": "x" * 2048, "trace.json": "{}", "tables/a.md": "a", "tables/a.csv": "b"}
    lines = report.summary_lines(files, "./resnet34-224")
    assert lines == [
        "report    resnet34-224/index.html (2.0 KiB)",
        "trace     resnet34-224/trace.json (2 B)",
        "tables    resnet34-224/tables/ (2 files, 2 B)",
    ]


def test_default_output_dir(make_trace):
    assert report.default_output_dir(make_trace(34, 224)) == "resnet34-224"
    assert report.default_output_dir(make_trace(34, (197, 311))) == "resnet34-197x311"


# --- the command --------------------------------------------------------------------------------


def cli(args, cwd):
    """Run `resnet-viz ARGS` in a subprocess (the group calls sys.exit itself)."""
    return subprocess.run([sys.executable, "-m", "resnet_viz", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_render_command_default_folder(tmp_path):
    r = cli(["render", "--depth", "34", "--input", "224", "--device", "meta"], tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("report    resnet34-224/index.html (") and lines[0].endswith("KiB)")
    assert lines[1].startswith("trace     resnet34-224/trace.json (")
    assert lines[2].startswith("tables    resnet34-224/tables/ (6 files, ")
    out = tmp_path / "resnet34-224"
    assert (out / "index.html").is_file() and (out / "tables" / "comparison.md").is_file()
    comp = (out / "tables" / "comparison.md").read_text()
    assert "152-layer" in comp and "×36" in comp
    first = tree(out)
    again = cli(["render", "--depth", "34", "--input", "224", "--device", "meta"], tmp_path)
    assert again.returncode == 0 and again.stdout == r.stdout
    assert tree(out) == first  # byte-identical folder


def test_render_refuses_foreign_folder_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    r = cli(["render", "--layers", "1,1", "--device", "meta", "-o", "out"], tmp_path)
    assert r.returncode == 2 and "--force" in r.stderr and r.stdout == ""
    r = cli(["render", "--layers", "1,1", "--device", "meta", "-o", "out", "--force"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "tables    out/tables/ (4 files" in r.stdout  # custom net: no comparison


def test_from_rejects_model_options(tmp_path, make_trace):
    (tmp_path / "t.json").write_text(make_trace(18, 224).to_json())
    r = cli(["render", "--from", "t.json", "--depth", "50"], tmp_path)
    assert r.returncode == 2 and "--depth" in r.stderr


_BLOCK_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None
sys.meta_path.insert(0, _NoTorch())
from resnet_viz.cli import main
try:
    main(sys.argv[1:])
finally:
    assert not any(m == "torch" or m.startswith("torch.") for m in sys.modules), "torch was imported"
"""


def test_render_from_a_saved_trace_without_torch(tmp_path, make_trace):
    t = make_trace(50, 224)
    (tmp_path / "t.json").write_text(t.to_json())
    r = subprocess.run([sys.executable, "-c", _BLOCK_TORCH, "render", "--from", "t.json", "-o", "rep"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "not compared" in r.stderr
    assert r.stdout.startswith("report    rep/index.html")
    html = (tmp_path / "rep" / "index.html").read_text()
    assert "resnet50" in html and 'id="layers-layer4"' in html
    assert json.loads((tmp_path / "rep" / "trace.json").read_text())["model_name"] == "resnet50"


def test_render_module_does_not_import_torch():
    code = ("import sys, resnet_viz.cli, resnet_viz.commands.render, resnet_viz.report, resnet_viz.paper, "
            "resnet_viz.render.html; assert 'torch' not in sys.modules, 'torch imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_compare_option(make_trace):
    import resnet_viz.cli  # noqa: F401  (registers the commands before their modules are imported)
    from resnet_viz.commands.render import comparison_traces
    from resnet_viz.errors import InvalidOption

    t = make_trace(34, 224)
    assert comparison_traces(t, "none") is None
    assert [x.model_name for x in comparison_traces(t, "18,34")] == ["resnet18", "resnet34"]
    assert len(comparison_traces(t, "auto")) == 5
    assert comparison_traces(make_trace(None, 224, layers="2,2"), "auto") is None
    with pytest.raises(InvalidOption, match="--compare"):
        comparison_traces(t, "deep")


def test_render_without_graphviz_says_so_once(tmp_path):
    """No `dot` on PATH: every drawing that needs no binary is written, graphs as .dot, and one line says why."""
    import os
    import subprocess
    import sys

    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    out = tmp_path / "r18"
    r = subprocess.run([str(bare / "python"), "-m", "resnet_viz", "render", "-d", "18", "--device", "meta",
                        "--compare", "none", "-o", str(out)], capture_output=True, text=True,
                       env={**os.environ, "PATH": str(bare)})
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1 and "Graphviz `dot` is not on PATH (install it: apt install graphviz" in r.stderr
    diagrams = sorted(p.name for p in (out / "diagrams").iterdir())
    assert "graph-network.dot" in diagrams and "graph-network.svg" not in diagrams
    assert "volumes-network.svg" in diagrams and (out / "index.html").is_file()


def test_every_scroll_box_is_a_labelled_keyboard_stop(make_trace):
    """Sideways-scrolling boxes must be reachable by keyboard and say what they hold (WCAG 2.1.1, 4.1.2)."""
    import re

    from resnet_viz.report import report_files

    page = report_files(make_trace(18, 224), figures=True, use_dot=False)["index.html"]
    boxes = re.findall(r'<div class="(?:scroll-x[^"]*|svg)"[^>]*>', page)
    assert len(boxes) > 10
    for tag in boxes:
        assert 'tabindex="0"' in tag and ("aria-label=" in tag or "aria-labelledby=" in tag), tag
