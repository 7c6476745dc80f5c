"""gallery/ is the project's one golden set: `resnet-viz gallery` regenerates it and every byte must match.

Update path: after an intended change, run `resnet-viz gallery -o gallery/` (or `python -m pytest --update-goldens`,
which runs it first), look at what changed (`git diff --stat gallery/`, the previews, a report in a browser) and
commit it. What Graphviz draws (graph SVGs, inline or in diagrams/) is compared by its nodes and edges, not its
bytes, so a different Graphviz release does not fail the test; the PNG previews are checked for being the
pictures they name (size, colours), since Chromium's anti-aliasing is not byte-stable.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import require_tool

from resnet_viz import fmt, palette
from resnet_viz.options import Level, View
from resnet_viz.output.gallery import ENTRIES, Entry, preview_name, previews, trace_entries
from resnet_viz.output.manifest import MANIFEST, MARKER
from resnet_viz.views.figures import figure

PIL = pytest.importorskip("PIL.Image")

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "gallery"
BOOKKEEPING = {MANIFEST, MARKER}
DOT_SVG = re.compile(r"<svg width=\"[\d.]+pt\".*?</svg>", re.S)  # Graphviz writes sizes in points; we never do
NODE_TITLE = re.compile(r"<g id=\"[^\"]*\" class=\"(node|edge)\">\s*<title>([^<]*)</title>")

# Published parameter counts (torchvision's model cards; He et al. 2016 for the CIFAR family, option A).
PUBLISHED = {"ResNet-18": 11_689_512, "ResNet-34": 21_797_672, "ResNet-50": 25_557_032, "ResNet-101": 44_549_160,
             "ResNet-152": 60_192_808, "ResNeXt-50 32×4d": 25_028_904, "Wide ResNet-50-2": 68_883_240,
             "ResNet-56 (CIFAR-10)": 853_018, "ResNet-20 (CIFAR-10)": 269_722}


def update_gallery() -> None:
    require_tool("chromium", "browser")
    require_tool("dot", "dot")
    r = subprocess.run([sys.executable, "-m", "resnet_viz", "gallery", "-o", str(GALLERY)], capture_output=True,
                       text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-2000:]


@pytest.fixture(scope="module")
def made(tmp_path_factory, request):
    """The gallery as the command writes it now (without previews), and the command's output."""
    if request.config.getoption("--update-goldens"):
        update_gallery()
    out = tmp_path_factory.mktemp("gallery") / "g"
    r = subprocess.run([sys.executable, "-m", "resnet_viz", "gallery", "--no-previews", "-o", str(out)],
                       capture_output=True, text=True, timeout=1200)
    return out, r


@pytest.fixture(scope="module")
def traces():
    return trace_entries()[0]


def files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file() and p.name not in BOOKKEEPING}


def graphviz_free(rel: str, data: bytes) -> str:
    """The file with each Graphviz-drawn SVG replaced by the sorted names of its nodes and edges."""
    text = data.decode("utf-8")

    def nodes(m: re.Match[str]) -> str:
        return "<dot-svg " + " | ".join(sorted(f"{k}:{t}" for k, t in NODE_TITLE.findall(m.group(0)))) + ">"

    if rel.endswith(".svg") and "/diagrams/graph-" in rel:
        assert DOT_SVG.search(text), f"{rel} is not a Graphviz drawing"
    return DOT_SVG.sub(nodes, text)


def test_the_command_succeeds_and_says_what_it_wrote(made):
    out, r = made
    assert r.returncode == 0, r.stderr[-2000:]
    written = files(out)
    reports = sorted(rel for rel in written if rel.endswith("/index.html"))
    assert len(reports) == len(ENTRIES) and not [rel for rel in written if rel.endswith(".png")]
    assert r.stdout.splitlines() == [f"gallery   {out}/ ({len(ENTRIES)} reports, 0 previews, {len(written)} files)",
                                     f"index     {out}/README.md"]
    steps = [line for line in r.stderr.splitlines() if line.startswith("gallery: ")]
    assert len(steps) == len(r.stderr.splitlines()) == 2 * len(ENTRIES)  # progress, and nothing else
    assert steps[-1].startswith("gallery: report ") and f"({2 * len(ENTRIES)}/{2 * len(ENTRIES)}," in steps[-1]


def test_gallery_is_up_to_date(made):
    """Fails after any change to what the tool writes: regenerate (see the module's docstring) and review."""
    out, r = made
    assert r.returncode == 0
    new, committed = files(out), files(GALLERY)
    pngs = {rel for rel in committed if rel.endswith(".png")}
    assert set(committed) - pngs == set(new), ("gallery/ has missing or stale files",
                                               sorted(set(committed) - pngs ^ set(new))[:10])
    stale = [rel for rel in sorted(new)
             if graphviz_free(rel, new[rel].read_bytes()) != graphviz_free(rel, committed[rel].read_bytes())]
    assert not stale, f"out of date (run `resnet-viz gallery -o gallery/`): {stale[:10]}"


def test_every_preview_is_there_and_nothing_else(traces):
    expected = {preview_name(e, t, *p) for e, t in traces.items() for p in previews(e)}
    assert {rel for rel in files(GALLERY) if rel.endswith(".png")} == expected


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def opaque_colours(image) -> Counter:
    """How many pixels are drawn (opaque) in each colour."""
    rgba = image.convert("RGBA")
    counts: Counter = Counter()
    for n, (r, g, b, a) in rgba.getcolors(rgba.width * rgba.height):
        if a > 200:
            counts[r, g, b] += n
    return counts


def share(image, colour: str, tolerance: int = 3) -> float:
    """The fraction of the picture's pixels drawn (opaque) in `colour`."""
    counts = opaque_colours(image)
    target = rgb(colour)
    hits = sum(n for c, n in counts.items() if max(abs(a - b) for a, b in zip(c, target, strict=True)) <= tolerance)
    return hits / (image.width * image.height)


def expected_colours(trace, level: Level, select: str | None) -> list[str]:
    """The fills the drawing must show: each stage's band colour (the stem's for a stem op)."""
    def stage_fill(stage_id: str) -> str:
        return palette.STAGES[trace.stage(stage_id).index % len(palette.STAGES)].fill

    if level is Level.NETWORK:
        return [stage_fill(s.id) for s in trace.stages]
    if level is Level.STAGE:
        return [stage_fill(select)]
    if level is Level.BLOCK:
        return [stage_fill(trace.block(select).stage)]
    op = trace.op(select)
    return [stage_fill(op.stage) if op.stage else palette.STEM.fill]


def svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]* width="([\d.]+)(pt)?" height="([\d.]+)(pt)?"', svg)
    assert m, svg[:200]
    scale = 4 / 3 if m.group(2) else 1.0  # points → CSS pixels
    return float(m.group(1)) * scale, float(m.group(3)) * scale


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.title)
def test_previews_are_the_pictures_they_name(traces, entry: Entry):
    """Not blank, the drawing's own size (2× pixels of its SVG) and its stages' colours in it."""
    t = traces[entry]
    for view, level, select in previews(entry):
        rel = preview_name(entry, t, view, level, select)
        image = PIL.open(GALLERY / rel)
        image.load()
        svg = (GALLERY / entry.slug(t) / "diagrams" / f"{figure(t, view, level, select).name}.svg").read_text()
        w, h = svg_size(svg)
        if view is View.VOLUMES:  # Chromium at device scale 2, the window as large as the SVG
            assert (image.width, image.height) == (2 * -(-w // 1), 2 * -(-h // 1)), (rel, image.size, (w, h))
        else:  # Graphviz's own PNG: the same aspect as its SVG
            assert abs(image.width / image.height - w / h) < 0.02 * (w / h), (rel, image.size, (w, h))
        colours = opaque_colours(image)
        opaque = sum(colours.values()) / (image.width * image.height)
        assert opaque > 0.05, f"{rel} is almost empty ({opaque:.1%} drawn)"
        assert len(colours) > 16, f"{rel} has only {len(colours)} colours"
        for colour in expected_colours(t, level, select):
            assert share(image, colour) > 0.0005, f"{rel} lacks the colour {colour} of its drawing"


def test_index_lists_every_network_with_traced_and_published_numbers(traces):
    text = (GALLERY / "README.md").read_text(encoding="utf-8")
    for entry, t in traces.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {entry.title} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == fmt.volume(t.input) and cells[3] == fmt.thousands(t.totals.params)
        assert cells[4] == fmt.compact(t.totals.macs // t.batch)
        assert cells[5] == f"[{entry.slug(t)}/index.html]({entry.slug(t)}/index.html)"
        if entry.title in PUBLISHED:
            assert t.totals.params == PUBLISHED[entry.title], entry.title
        for view, level, select in previews(entry):
            fig = figure(t, view, level, select)
            assert f"![{fig.title}]({preview_name(entry, t, view, level, select)})\n\n*{fig.caption}*" in text


def test_readme_pictures_are_gallery_previews_with_their_titles(traces):
    """README shows pictures the tool made, each with the title the gallery gives it as alt text."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"^!\[([^\]]*)\]\(gallery/([^)]+)\)", readme, re.M)
    assert pictures, "README.md shows no picture from gallery/"
    titles = {preview_name(e, t, *p): figure(t, *p).title for e, t in traces.items() for p in previews(e)}
    for alt, rel in pictures:
        assert rel in titles, f"README shows {rel}, which the gallery does not make"
        assert alt == titles[rel], (rel, alt, titles[rel])
    assert len({rel for _, rel in pictures}) == len(pictures)


def test_a_second_run_changes_nothing(made, tmp_path):
    out, _ = made
    before = {rel: p.read_bytes() for rel, p in files(out).items()}
    r = subprocess.run([sys.executable, "-m", "resnet_viz", "gallery", "--no-previews", "-o", str(out)],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-2000:]
    assert {rel: p.read_bytes() for rel, p in files(out).items()} == before
