"""`resnet-viz gallery`: regenerate gallery/ (reports, previews and the index) for the paper's networks."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import click


class _Progress:
    """One line per step on stderr ('gallery: report resnet50-224 (4/11, 3.2 s)'), so a long run is never silent."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.lock = threading.Lock()

    def __call__(self, what: str) -> None:
        with self.lock:
            self.done += 1
            click.echo(f"gallery: {what} ({self.done}/{self.total}, {time.monotonic() - self.start:.1f} s)",
                       err=True)


@click.command()
@click.option("--output", "-o", default="gallery", show_default=True, metavar="DIR", help="Gallery folder.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder that resnet-viz did not create.")
@click.option("--no-previews", is_flag=True, help="Skip the PNG previews (they need Chromium and Graphviz).")
def gallery(output: str, force: bool, no_previews: bool) -> None:
    """Reports and PNG previews for the paper's networks, ResNeXt, Wide ResNet and the pre-activation ResNet-164."""
    from ..output.gallery import ENTRIES, gallery_files, preview_files, previews, trace_entries, write_gallery
    from ..output.paths import shown

    n = len(ENTRIES)
    pictures = 0 if no_previews else sum(len(previews(e)) for e in ENTRIES)
    step = _Progress(2 * n + pictures)
    traces, others = trace_entries(progress=step)
    files: dict[str, str | bytes] = dict(gallery_files(traces, others, progress=step))
    if not no_previews:
        files.update(preview_files(traces, progress=step))
    write_gallery(files, output, force=force)
    reports = sum(1 for rel in files if rel.endswith("/index.html"))
    pngs = sum(1 for rel in files if rel.endswith(".png"))
    folder = shown(Path(output))
    click.echo(f"gallery   {folder}/ ({reports} reports, {pngs} previews, {len(files)} files)")
    click.echo(f"index     {folder}/README.md")
    sys.stdout.flush()
