"""The report folder: what it holds, what its page shows, byte-identical output, safe writing, the `render` command.

The page is parsed (html.parser) and its numbers are checked against the trace and against oracles from outside:
torchvision's published parameter counts, the paper's output sizes, and arithmetic done here by hand. Golden bytes
live in gallery/ only (tests/test_gallery.py compares them).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import json
import os
import stat
import subprocess
import sys
import threading
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

import resnet_viz
from resnet_viz.errors import InvalidOption, OutputError
from resnet_viz.output import folder_fd
from resnet_viz.output.comparison import comparison_traces, parse_compare, variant_traces
from resnet_viz.output.manifest import MANIFEST, MARKER
from resnet_viz.output.report import default_output_dir, report_files, summary_lines, write_report
from resnet_viz.render.figures import GraphDrawings, figure_files, strip_prolog
from resnet_viz.schema import Provenance, load_trace_text, trace_to_json
from resnet_viz.version import __version__
from resnet_viz.views.figures import standard_figures

# Outside oracles: torchvision's published parameter counts, and the paper's (Table 6) CIFAR-10 ResNet-56.
PUBLISHED = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}
RESNET56 = 853_018
# ResNet-18 at 224, by hand: Σ k·k·C_in·C_out·H·W over its convs, plus fc 512·1000.
R18_MACS = (7 * 7 * 3 * 64 * 112**2 + 4 * 9 * 64 * 64 * 56**2 + 512 * 1000  # stem conv, layer1, fc
            + sum(9 * c // 2 * c * s**2 + 3 * 9 * c * c * s**2 + c // 2 * c * s**2  # layer2-4: /2 conv, 3 convs, 1×1
                  for c, s in ((128, 28), (256, 14), (512, 7))))
PARTS = ("table1", "depths", "journey", "receptive", "memory", "flops", "explained", "diagrams", "layers")
# The subprocesses import the same resnet_viz as this process (a worktree, not the editable install elsewhere).
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(resnet_viz.__file__).parent.parent),
                                                                 os.environ.get("PYTHONPATH")]))}


# --- a small DOM ----------------------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: list, parent: Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        """Every element below (document order) with this tag and class."""
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if tag in (None, c.tag) and (cls is None or cls in c.attrs.get("class", "").split()):
                    out.append(c)
                out += c.all(tag, cls)
        return out

    def one(self, tag: str | None = None, cls: str | None = None) -> Node:
        (found,) = self.all(tag, cls)
        return found

    @property
    def text(self) -> str:
        def raw(n: Node) -> str:
            return "".join(c if isinstance(c, str) else raw(c) for c in n.children)

        return " ".join(raw(self).split())

    def cells(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag in ("th", "td")]

    def rows(self) -> list[list[str]]:
        return [[c.text for c in tr.cells()] for tr in self.all("tr")]


class Page(HTMLParser):
    """The page as a tree of Nodes, ids → elements; every end tag must close the element open (strict nesting)."""

    def __init__(self, html: str):
        super().__init__()
        self.root = self.node = Node("#root", [], None)
        self.ids: dict[str, Node] = {}
        self.duplicates: list[str] = []
        self.feed(html)
        self.close()
        assert self.node is self.root, f"<{self.node.tag}> is never closed"

    def handle_starttag(self, tag, attrs, closed=False):
        node = Node(tag, attrs, self.node)
        self.node.children.append(node)
        if "id" in node.attrs:
            self.duplicates += [node.attrs["id"]] * (node.attrs["id"] in self.ids)
            self.ids[node.attrs["id"]] = node
        if tag not in VOID and not closed:
            self.node = node

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs, closed=True)

    def handle_endtag(self, tag):
        assert self.node.tag == tag, f"</{tag}> closes <{self.node.tag}>"
        self.node = self.node.parent

    def handle_data(self, data):
        self.node.children.append(data)


def facts(page: Page) -> dict[str, str]:
    return {d.one("dt").text: d.one("dd").text for d in page.root.one("dl", "facts").all("div")}


# --- fixtures -------------------------------------------------------------------------------------------------------

_CACHE: dict = {}


def full_report(trace, **kw):
    """What `render` writes: the paper's other depths and configurations beside the trace (use_dot=False)."""
    depths = parse_compare("auto", trace)
    others = comparison_traces(trace, depths, _CACHE) if depths else None
    return report_files(trace, comparison=others, variants=variant_traces(trace, _CACHE), use_dot=False, **kw)


@pytest.fixture(scope="module")
def r18(make_trace):
    return make_trace(18, 224)


@pytest.fixture(scope="module")
def r18_files(r18):
    return full_report(r18)


@pytest.fixture(scope="module")
def r18_page(r18_files):
    return Page(r18_files["index.html"])


@pytest.fixture(scope="module")
def r56_files(make_trace):
    return full_report(make_trace(56, 32))


def table(files, name) -> dict[str, dict[str, str]]:
    return {r["key"]: r for r in csv.DictReader(io.StringIO(files[f"tables/{name}.csv"]))}


# --- contents -------------------------------------------------------------------------------------------------------


def test_folder_contents(r18, r18_files):
    figs = standard_figures(r18)
    drawn = {f"diagrams/{f.name}.{'svg' if f.view.value == 'volumes' else 'dot'}" for f in figs}
    tables = {f"tables/{n}.{e}" for n in ("layers", "table1", "comparison") for e in ("md", "csv", "tex")}
    assert set(r18_files) == {"index.html", "trace.json", "tables/layers.json"} | tables | drawn
    assert "diagrams/volumes-network.svg" in drawn and "diagrams/graph-network.dot" in drawn
    assert load_trace_text(r18_files["trace.json"]) == r18
    assert full_report(load_trace_text(r18_files["trace.json"])) == r18_files  # same input, same bytes
    t1 = table(r18_files, "table1")
    assert {k: t1[k]["output_size"] for k in ("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x")} == {
        "conv1": "112×112", "conv2_x": "56×56", "conv3_x": "28×28", "conv4_x": "14×14", "conv5_x": "7×7"}
    assert t1["params"]["notes"] == f"{PUBLISHED[18]:,}"
    comp = table(r18_files, "comparison")["params"]
    assert [comp[f"resnet{d}"] for d in PUBLISHED] == [f"{n / 1e6:.2f} M" for n in PUBLISHED.values()]
    layers = list(csv.DictReader(io.StringIO(r18_files["tables/layers.csv"])))
    assert [r["id"] for r in layers] == [op.id for op in r18.ops]
    assert sum(int(r["params"]) for r in layers) == PUBLISHED[18] and sum(int(r["macs"]) for r in layers) == R18_MACS
    totals = json.loads(r18_files["tables/layers.json"])["totals"]
    assert (totals["params"], totals["macs"]) == (PUBLISHED[18], R18_MACS)


def test_no_comparison_or_diagrams_when_not_asked(make_trace):
    t = make_trace(None, 224, layers="2,2")
    files = report_files(t, comparison=None, figures=False)
    assert not any("comparison" in k or k.startswith("diagrams/") for k in files)
    assert not {"depths", "diagrams"} & Page(files["index.html"]).ids.keys()


@pytest.mark.dot
def test_graphs_started_early_give_the_same_report(make_trace):
    """report_contents hands the graphs to dot before tracing the other depths (GraphDrawings); the files are the
    ones report_files makes in one go, and drawings started for one trace are refused for another."""
    t = make_trace(34, 64)
    files, notes = resnet_viz.report_contents(t)
    depths = parse_compare("auto", t)
    assert not notes and files == report_files(t, comparison=comparison_traces(t, depths),
                                               variants=variant_traces(t), use_dot=True)
    assert sum(k.startswith("diagrams/graph-") and k.endswith(".svg") for k in files) >= 5
    with GraphDrawings(make_trace(18, 64), use_dot=True) as other, pytest.raises(ValueError, match="another trace"):
        figure_files(t, graphs=other)


@pytest.mark.parametrize("case", ["r18", "r56"])
def test_page_is_offline_and_accessible(r18_files, r56_files, case):
    html = (r18_files if case == "r18" else r56_files)["index.html"]
    page = Page(html)
    assert page.duplicates == []
    external = ("link", "img", "image", "iframe", "object", "embed", "audio", "video")
    assert [n.tag for n in page.root.all() if n.tag in external] == []
    scripts = page.root.all("script")
    assert len(scripts) == 1 and "src" not in scripts[0].attrs
    assert page.root.all("table") and all(t.all("thead") for t in page.root.all("table"))
    for th in (th for thead in page.root.all("thead") for th in thead.all("th")):
        assert th.attrs.get("scope") == "col", th.attrs
    stripped = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in stripped and "https://" not in stripped
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
    assert "prefers-color-scheme: dark" in html and "@media print" in html


@pytest.mark.parametrize("case", ["r18", "r56"])
def test_every_table_has_a_caption(r18_files, r56_files, case):
    page = Page((r18_files if case == "r18" else r56_files)["index.html"])
    assert [t.attrs.get("class") for t in page.root.all("table") if not t.all("caption")] == []


def test_page_has_every_part(r18, r18_page):
    ids = r18_page.ids
    for part in PARTS:
        assert ids.get(part) is not None and ids[part].tag == "section", part
        assert ids[part].attrs["aria-labelledby"] == f"{part}-h" and ids[f"{part}-h"].text, part
        assert ids[part].all("table") or ids[part].all("h3") or ids[part].all("figure"), part
    toc = [a.attrs["href"] for a in r18_page.root.one("nav", "toc").all("a")]
    assert all(h.startswith("#") and h[1:] in ids for h in toc), [h for h in toc if h[1:] not in ids]
    stage_anchors = [f"#layers-{s.id}" for s in r18.stages]
    assert toc == ["#model", *(f"#{p}" for p in PARTS), "#layers-stem", *stage_anchors, "#layers-head"]
    p = r18.provenance
    assert (p.device, p.torch_version, p.resnet_viz_version) == (
        "meta", importlib.metadata.version("torch").split("+")[0], __version__)
    f = facts(r18_page)
    assert f["Traced on"] == "meta"
    assert f["Traced with"] == f"torch {p.torch_version}, resnet-viz {p.resnet_viz_version}"
    assert f["Parameters"] == f"{PUBLISHED[18]:,} (11.69 M; trainable {PUBLISHED[18]:,})"
    assert f["Input"] == "224×224×3 (batch 1, float32)" and f["Model"] == "resnet18"
    other = replace(r18, provenance=Provenance(device="cuda", device_name="Card X", torch_version="9.8.7",
                                               resnet_viz_version="0.0.1"))
    f = facts(Page(report_files(other, figures=False)["index.html"]))
    assert (f["Traced on"], f["Traced with"]) == ("cuda (Card X)", "torch 9.8.7, resnet-viz 0.0.1")


def test_table1_and_depths_side_by_side(r18_page):
    rows = r18_page.ids["table1"].one("table").rows()
    assert [r[0] for r in rows[1:7]] == ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head"]
    assert [r[2] for r in rows[1:7]] == ["112×112", "56×56", "28×28", "14×14", "7×7", "1×1"]
    assert rows[1][3] == "7×7, 64, stride 2"
    params = r18_page.ids["table1"].all("tr")[-1].cells()
    assert params[0].text == "parameters" and [d.text for d in params[-1].all("div")] == ["11.69 M", f"{PUBLISHED[18]:,}"]
    rows = r18_page.ids["depths"].one("table").rows()
    assert rows[0][2:] == [f"{d}-layer (this report)" if d == 18 else f"{d}-layer" for d in PUBLISHED]
    assert rows[-1][2:] == [f"{n / 1e6:.2f} M" for n in PUBLISHED.values()]
    assert rows[4][-1].endswith("×36")  # conv4_x of ResNet-152: 36 bottlenecks (3 + 8 + 36 + 3 = 50 blocks)


def test_journey_receptive_memory_and_flops_by_hand(r18_page):
    ids = r18_page.ids
    chain = [li.text for li in ids["journey"].one("ol", "chain").all("li")]
    assert chain == ["224×224×3", "112×112×64", "56×56×64", "28×28×128", "14×14×256", "7×7×512", "1×1×512", "1000"]
    # receptive field r += (k − 1)·j, j *= s: conv1 7/2, maxpool 3/2, then two 3×3 convs per basic block
    seen = {r[0]: (r[2], r[3]) for r in ids["receptive"].one("table").rows()[1:]}
    assert seen["stem"] == ("11×11", "4") and seen["conv2_x · layer1"] == ("43×43", "4")
    assert seen["conv3_x · layer2"] == ("99×99", "8") and seen["conv4_x · layer3"] == ("211×211", "16")
    assert seen["conv5_x · layer4"] == ("435×435", "32")
    mem = {tr.cells()[0].text: tr.cells()[1].attrs["title"] for t in ids["memory"].all("table")[:2]
           for tr in t.all("tr") if tr.all("td")}
    w = 4 * PUBLISHED[18]  # float32 weights
    assert mem["weights"] == mem["gradients"] == mem["SGD momentum"] == f"{w:,} bytes"
    assert mem["Adam moments"] == f"{2 * w:,} bytes" and mem["input"] == f"{224 * 224 * 3 * 4:,} bytes"
    ours, tools = ids["flops"].all("table")
    assert ours.attrs["class"] == "flops" and ours.all("td")[0].attrs["title"] == f"{R18_MACS:,}"
    assert ours.rows()[1] == ["v1.5/B = v1/B", f"{R18_MACS / 1e9:.2f} G", f"{2 * R18_MACS / 1e9:.2f} G", "+0.8 %"]
    assert {r[0]: r[2] for r in tools.rows()[1:]}["torch FlopCounterMode"] == f"{2 * R18_MACS / 1e9:.2f} G"
    assert f"({R18_MACS:,})" in ids["layers"].one("p", "grand-total").text
    explained = [h.attrs["id"] for h in ids["explained"].all("h3")]
    assert {"explained-stem", "explained-halving", "explained-shortcuts", "explained-head"} <= set(explained)
    assert f"{2 * 9 * 128 * 128 * 28 * 28 / 1e6:.2f} M multiply-adds" in ids["explained"].text  # one block of a stage


def test_every_layer_section(r18, r18_page):
    layers = r18_page.ids["layers"]
    stages = layers.all("details", "stage")
    assert [d.attrs["id"] for d in stages] == ["layers-stem", *(f"layers-{s.id}" for s in r18.stages), "layers-head"]
    rows = layers.all("tr", "op")
    assert [tr.one("code").text for tr in rows] == [op.id for op in r18.ops]
    blocks = layers.all("tbody", "block")
    assert [b.attrs["id"] for b in blocks] == [f"block-{b.id}" for b in r18.blocks]
    assert blocks[2].one("tr", "block-head").text == "layer2.0 · basic block, projection shortcut 56×56×64 → 28×28×128"
    conv1 = [c.text for c in rows[0].cells()]
    assert conv1[1:] == ["conv1", "conv", "2", "224×224", "3", "112×112", "7×7", "3", "64", f"{7 * 7 * 3 * 64:,}",
                         f"{7 * 7 * 3 * 64 * 112 * 112 / 1e6:.2f} M", "7", "↓ stride 2"]
    totals = [int(tr.cells()[1].text.replace(",", "")) for tr in layers.all("tr", "total")]  # a section's tfoot
    assert len(totals) == len(stages) and sum(totals) == PUBLISHED[18]
    assert layers.one("p", "grand-total").text.startswith(f"Whole network: {PUBLISHED[18]:,} parameters")


@pytest.mark.slow
def test_resnet152_lists_hundreds_of_rows(make_trace):
    t = make_trace(152, 224)
    page = Page(report_files(t, figures=False)["index.html"])
    assert len(page.root.all("tr", "op")) == len(t.ops) > 500
    assert len(page.root.all("tbody", "block")) == len(t.blocks) == 3 + 8 + 36 + 3
    assert len(page.root.all("details", "stage")) == len(t.stages) + 2
    assert facts(page)["Parameters"].startswith(f"{PUBLISHED[152]:,} ")


def test_diagrams_section(r18, r18_files, r18_page):
    """Volume drawings are inlined verbatim, grouped network, stem, then stage by stage; graphs are linked .dot."""
    html, section = r18_files["index.html"], r18_page.ids["diagrams"]
    groups = [d.one("summary").one("strong").text for d in section.all("details", "figures")]
    assert groups == ["The whole network", "The stem", *(f"{s.paper_name} · {s.id}" for s in r18.stages)]
    inlined = [f.attrs["id"].removeprefix("figure-") for f in section.all("figure")]
    at = [html.index(strip_prolog(r18_files[f"diagrams/{name}.svg"])) for name in inlined]
    assert at == sorted(at) and len(inlined) == sum(k.endswith(".svg") for k in r18_files)
    linked = {a.attrs["href"] for a in section.one("ul", "links").all("a")}
    assert linked == {k for k in r18_files if k.endswith(".dot")}
    assert html.index('id="diagrams"') < html.index('id="layers"')


def test_cifar_stem_and_cifar_family(make_trace, r56_files):
    t = make_trace(18, 32, stem="cifar")
    page = Page(report_files(t, figures=False)["index.html"])
    assert facts(page)["Stem"] == "CIFAR: 3×3/1 conv, no max-pool" and "3×3 max pool" not in page.root.text
    assert page.ids["table1"].one("table").rows()[1][3] == "3×3, 64, stride 1"
    assert t.totals.params == PUBLISHED[18] - 7 * 7 * 3 * 64 + 3 * 3 * 3 * 64  # only conv1 differs
    f = facts(Page(r56_files["index.html"]))
    assert f["Parameters"].startswith(f"{RESNET56:,} ") and f["Classes"] == "10"
    assert table(r56_files, "comparison")["params"]["resnet56"] == f"{RESNET56 / 1e3:.2f} k"


def test_every_scroll_box_is_a_labelled_keyboard_stop(r18_page):
    """Sideways-scrolling boxes must be reachable by keyboard and say what they hold (WCAG 2.1.1, 4.1.2)."""
    boxes = r18_page.root.all("div", "scroll-x") + r18_page.root.all("div", "svg")
    assert len(boxes) > 10
    for b in boxes:
        label = b.attrs.get("aria-label") or r18_page.ids[b.attrs["aria-labelledby"]].text
        assert b.attrs.get("tabindex") == "0" and label, b.attrs


# --- writing --------------------------------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_write_is_deterministic_and_path_free(tmp_path, r18_files):
    a, b = tmp_path / "a", tmp_path / "b"
    assert write_report(r18_files, a) == [a / rel for rel in sorted(r18_files)]
    write_report(r18_files, b)
    ta = tree(a)
    assert ta == tree(b) and set(ta) == set(r18_files) | {MARKER, MANIFEST}
    assert ta[MANIFEST].decode().splitlines() == [f"{hashlib.sha256(v.encode()).hexdigest()}  {k}"
                                                  for k, v in sorted(r18_files.items())]
    for data in ta.values():
        assert str(tmp_path).encode() not in data and os.path.expanduser("~").encode() + b"/" not in data


def test_stale_files_are_removed(tmp_path, r18_files):
    write_report(r18_files, tmp_path)
    (tmp_path / "mine.txt").write_text("not ours")
    (tmp_path / "tables" / "table1.md").write_text("edited by hand")
    fewer = {k: v for k, v in r18_files.items() if not k.startswith(("diagrams/", "tables/"))}
    write_report(fewer, tmp_path)
    assert set(tree(tmp_path)) == set(fewer) | {MARKER, MANIFEST, "mine.txt", "tables/table1.md"}
    assert not (tmp_path / "diagrams").exists()


def test_interrupted_write_leaves_no_half_file(tmp_path, r18_files, monkeypatch):
    write_report({"index.html": "old\n", "tables/gone.md": "x"}, tmp_path)
    real, calls = folder_fd.replace_atomically, []

    def flaky(dfd, name, raw, like=None):
        calls.append(name)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(dfd, name, raw, like)

    monkeypatch.setattr(folder_fd, "replace_atomically", flaky)
    with pytest.raises(KeyboardInterrupt):
        write_report(r18_files, tmp_path)
    monkeypatch.undo()
    for rel, data in tree(tmp_path).items():
        assert "tmp" not in rel
        if rel in r18_files:
            assert data in (r18_files[rel].encode(), b"old\n"), rel
    write_report(r18_files, tmp_path)  # the next run finishes the job and removes what is stale
    assert set(tree(tmp_path)) == set(r18_files) | {MARKER, MANIFEST}


def test_write_rejects_paths_outside_the_folder(tmp_path):
    for bad in ("../x", str(tmp_path / "x"), "a/../../x", "", "a//b"):  # an absolute path, but under tmp_path
        with pytest.raises(InvalidOption):
            write_report({bad: "x"}, tmp_path / "out")
    assert os.listdir(tmp_path) == []
    write_report({"index.html": "x"}, tmp_path / "out")
    (tmp_path / "victim").write_text("keep")
    forged = f"{hashlib.sha256(b'keep').hexdigest()}  ../victim\n"
    (tmp_path / "out" / MANIFEST).write_text(forged)
    write_report({"index.html": "y"}, tmp_path / "out")
    assert (tmp_path / "victim").read_text() == "keep"


def test_links_and_fifos_inside_the_folder_are_replaced_never_followed(tmp_path, r18_files):
    out, victim, outside = tmp_path / "out", tmp_path / "victim.html", tmp_path / "outside"
    no_diagrams = {k: v for k, v in r18_files.items() if not k.startswith("diagrams/")}
    write_report(no_diagrams, out)
    victim.write_text("keep")
    outside.mkdir()
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(victim)
    (out / "tables" / "table1.md").unlink()
    os.mkfifo(out / "tables" / "table1.md")
    (out / "diagrams").symlink_to(outside)
    reader = os.open(out / "tables" / "table1.md", os.O_RDONLY | os.O_NONBLOCK)  # a write into it would not block
    try:
        write_report(no_diagrams, out)
        assert os.read(reader, 1) == b""  # nothing was written into the FIFO (a write-through would be here)
    finally:
        os.close(reader)
    assert victim.read_text() == "keep" and not (out / "index.html").is_symlink()
    assert {k: v for k, v in tree(out).items() if k not in (MARKER, MANIFEST)} == {
        k: v.encode() for k, v in no_diagrams.items()}
    with pytest.raises(OutputError, match="never followed"):
        write_report(r18_files, out)  # diagrams/ is a link: refused, nothing written through it
    assert list(outside.iterdir()) == []


def test_summary_lines_and_default_folder(make_trace):
    files = {"index.html": "x" * 2048, "trace.json": "{}", "tables/a.md": "a", "tables/a.csv": "b"}
    assert summary_lines(files, "./resnet34-224") == [
        "report    resnet34-224/index.html (2.0 KiB)",
        "trace     resnet34-224/trace.json (2 B)",
        "tables    resnet34-224/tables/ (2 files, 2 B)",
    ]
    assert default_output_dir(make_trace(34, 224)) == "resnet34-224"
    assert default_output_dir(make_trace(34, (197, 311))) == "resnet34-197x311"


# --- the command ----------------------------------------------------------------------------------------------------


def cli(args, cwd, **kw):
    """Run `resnet-viz ARGS` in a subprocess (the group calls sys.exit itself)."""
    return subprocess.run([sys.executable, "-m", "resnet_viz", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=kw.pop("env", ENV), **kw)


@pytest.mark.slow
def test_render_command_default_folder(tmp_path):
    args = ["render", "--depth", "34", "--input", "224", "--device", "meta"]
    r = cli(args, tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("report    resnet34-224/index.html (") and lines[0].endswith("KiB)")
    assert lines[1].startswith("trace     resnet34-224/trace.json (")
    assert lines[2].startswith("tables    resnet34-224/tables/ (10 files, ")
    out = tmp_path / "resnet34-224"
    assert facts(Page((out / "index.html").read_text()))["Parameters"].startswith(f"{PUBLISHED[34]:,} ")
    comp = table({"tables/comparison.csv": (out / "tables" / "comparison.csv").read_text()}, "comparison")
    assert comp["conv4_x"]["resnet152"].endswith("×36") and comp["params"]["resnet34"] == "21.80 M"
    first = tree(out)
    again = cli(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == r.stdout and tree(out) == first  # byte-identical folder


def test_render_refuses_foreign_folder_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    r = cli(["render", "--layers", "1,1", "--device", "meta", "-o", "out"], tmp_path)
    assert r.returncode == 2 and r.stdout == "" and r.stderr == (
        "resnet-viz: error: output folder 'out' is not empty and was not made by resnet-viz (use --force to write "
        "into it)\n")
    assert os.listdir(tmp_path / "out") == ["keep.txt"]
    r = cli(["render", "--layers", "1,1", "--device", "meta", "-o", "out", "--force"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "tables    out/tables/ (7 files" in r.stdout  # custom net: layers and Table 1, no comparison
    assert (tmp_path / "out" / "keep.txt").read_text() == "x"


def test_from_rejects_model_options(tmp_path, r18):
    (tmp_path / "t.json").write_text(trace_to_json(r18))
    r = cli(["render", "--from", "t.json", "--depth", "50"], tmp_path)
    assert r.returncode == 2 and "--depth" in r.stderr and not (tmp_path / "resnet18-224").exists()


_BLOCK_TORCH = """
import sys
class NoTorch:
    def find_spec(self, name, *args):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
sys.meta_path.insert(0, NoTorch())
from resnet_viz.cli import main
try:
    main(sys.argv[1:])
finally:
    assert not [m for m in sys.modules if m.split(".")[0] == "torch"], "torch was imported"
"""


def test_render_from_a_saved_trace_without_torch(tmp_path, make_trace):
    from resnet_viz.api import save_trace

    t = make_trace(50, 224)
    (tmp_path / "saved").mkdir()
    (tmp_path / "t.json").symlink_to(tmp_path / "saved" / "r50.json")  # -o FILE writes through a link, keeps it
    save_trace(t, tmp_path / "t.json")
    assert (tmp_path / "t.json").is_symlink() and load_trace_text((tmp_path / "saved" / "r50.json").read_text()) == t
    os.mkfifo(tmp_path / "pipe")  # and into a FIFO (or a device), never replacing it
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append((tmp_path / "pipe").read_bytes()), daemon=True)
    reader.start()
    save_trace(t, tmp_path / "pipe")
    reader.join(30)
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode) and load_trace_text(got[0].decode()) == t
    r = subprocess.run([sys.executable, "-c", _BLOCK_TORCH, "render", "--from", "t.json", "-o", "rep"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, r.stderr
    assert "torch is not installed" in r.stderr and r.stdout.startswith("report    rep/index.html")
    page = Page((tmp_path / "rep" / "index.html").read_text())
    assert facts(page)["Parameters"].startswith(f"{PUBLISHED[50]:,} ") and "layers-layer4" in page.ids
    assert "depths" not in page.ids  # no torch, so no other depth was traced
    assert json.loads((tmp_path / "rep" / "trace.json").read_text())["model_name"] == "resnet50"


def test_compare_option(make_trace):
    t = make_trace(34, 224)
    assert parse_compare("none", t) is None and parse_compare("auto", t) == tuple(PUBLISHED)
    assert [x.totals.params for x in comparison_traces(t, parse_compare("18,34", t))] == [PUBLISHED[18], PUBLISHED[34]]
    assert parse_compare("auto", make_trace(None, 224, layers="2,2")) is None
    for bad in ("deep", "18,18", "20"):
        with pytest.raises(InvalidOption, match="--compare"):
            parse_compare(bad, t)


def test_render_without_graphviz_says_so_once(tmp_path):
    """No `dot` on PATH: every drawing that needs no binary is written, graphs as .dot, and one line says why."""
    bare = tmp_path / "bin"  # an empty PATH; the interpreter is called by its own path, so a venv stays a venv
    bare.mkdir()
    out = tmp_path / "r18"
    r = subprocess.run([sys.executable, "-m", "resnet_viz", "render", "-d", "18", "--device", "meta",
                        "--compare", "none", "-o", str(out)], capture_output=True, text=True, timeout=300,
                       env={**ENV, "PATH": str(bare)})
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1 and "Graphviz `dot` is not on PATH (install it: apt install graphviz" in r.stderr
    diagrams = sorted(p.name for p in (out / "diagrams").iterdir())
    assert "graph-network.dot" in diagrams and "graph-network.svg" not in diagrams
    assert "volumes-network.svg" in diagrams and (out / "index.html").is_file()
