"""gallery/ is what the tool makes today: every byte except the PNGs, which are checked for being real pictures."""

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_tool
from resnet_viz.report import MANIFEST

from resnet_viz import gallery

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "gallery"
BOOKKEEPING = {MANIFEST, ".resnet-viz"}


@pytest.fixture(scope="module")
def generated():
    traces, comparisons = gallery.trace_entries()
    return traces, gallery.gallery_files(traces, comparisons)


def committed_files() -> dict[str, Path]:
    return {p.relative_to(GALLERY).as_posix(): p for p in GALLERY.rglob("*") if p.is_file() and p.name not in BOOKKEEPING}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_gallery_is_up_to_date(generated):
    """Regenerate (`resnet-viz gallery -o gallery/`) when this fails, and look at what changed."""
    traces, files = generated
    on_disk = committed_files()
    expected_pngs = {gallery.preview_name(e, t, *p) for e, t in traces.items() for p in gallery.previews(e)}
    assert set(on_disk) == set(files) | expected_pngs, "gallery/ has missing or stale files"
    stale = [rel for rel, data in files.items()
             if on_disk[rel].read_bytes() != (data.encode("utf-8") if isinstance(data, str) else data)]
    assert not stale, f"out of date (run `resnet-viz gallery -o gallery/`): {stale[:10]}"


def test_previews_are_real_pictures():
    pngs = {rel: p for rel, p in committed_files().items() if rel.endswith(".png")}
    assert len(pngs) == sum(len(gallery.previews(e)) for e in gallery.ENTRIES)
    for rel, path in pngs.items():
        data = path.read_bytes()
        w, h = png_size(data)
        assert 300 <= w <= 8000 and 100 <= h <= 8000, (rel, w, h)
        assert 5_000 < len(data) < 3_000_000, (rel, len(data))


def test_index_lists_every_network_with_traced_numbers(generated):
    traces, files = generated
    text = files["README.md"]
    for entry, t in traces.items():
        assert f"[{entry.slug}/index.html]({entry.slug}/index.html)" in text
        assert f"{t.totals.params:,}" in text
    assert "| ResNet-18 | 224×224×3 | 2, 2, 2, 2 (basic) | 11,689,512 |" in text
    assert "| ResNet-56 (CIFAR-10 family) | 32×32×3 | 9, 9, 9 (basic) | 853,018 |" in text
    assert "![layer2.0" in text and "previews/resnet34-224-volumes-network.png" in text


def test_gallery_reports_have_no_graphviz_drawings(generated):
    _, files = generated
    assert not [rel for rel in files if rel.startswith("resnet") and "/diagrams/graph-" in rel and rel.endswith(".svg")]
    assert "resnet34-224/diagrams/graph-network.dot" in files


def test_readme_pictures_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictures = [line.split("](")[1].split(")")[0] for line in readme.splitlines() if line.startswith("![")]
    assert pictures, "README.md shows no picture from gallery/"
    for rel in pictures:
        assert rel.startswith("gallery/") and (ROOT / rel).is_file(), rel


@pytest.mark.browser
def test_gallery_command_writes_previews(tmp_path):
    require_tool("chromium", "browser")
    require_tool("dot", "dot")
    traces, _ = gallery.trace_entries(gallery.ENTRIES[1:2])
    pngs = gallery.preview_files(traces)
    assert len(pngs) == len(gallery.previews(gallery.ENTRIES[1]))
    for data in pngs.values():
        png_size(data)


def test_gallery_command_without_previews(tmp_path):
    out = tmp_path / "g"
    r = subprocess.run([sys.executable, "-m", "resnet_viz", "gallery", "--no-previews", "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "8 reports, 0 previews" in r.stdout
    assert (out / "resnet152-224" / "index.html").is_file() and (out / "README.md").is_file()
    assert r.stderr == ""  # no progress bar when stderr is not a terminal
