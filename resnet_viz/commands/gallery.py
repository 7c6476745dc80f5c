"""`resnet-viz gallery`: regenerate gallery/ (reports, previews and the index) for the paper's networks."""

from __future__ import annotations

import sys

import click


@click.command()
@click.option("--output", "-o", default="gallery", show_default=True, metavar="DIR", help="Gallery folder.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder that resnet-viz did not create.")
@click.option("--no-previews", is_flag=True, help="Skip the PNG previews (they need Chromium and Graphviz).")
def gallery(output, force, no_previews):
    """Reports and PNG previews for ResNet-18…152 at 224, ResNet-34 with the CIFAR stem, ResNet-20 and -56 at 32."""
    from ..gallery import gallery_files, preview_count, preview_files, trace_entries
    from ..report import write_report

    traces, comparisons = trace_entries()
    files = gallery_files(traces, comparisons)
    if not no_previews:
        files.update(_with_progress(lambda step: preview_files(traces, progress=step), preview_count(traces)))
    write_report(files, output, force=force)
    reports = sum(1 for rel in files if rel.endswith("/index.html"))
    pngs = sum(1 for rel in files if rel.endswith(".png"))
    click.echo(f"gallery   {output}/ ({reports} reports, {pngs} previews, {len(files)} files)")
    click.echo(f"index     {output}/README.md")


def _with_progress(run, total: int):
    """A progress bar on stderr while previews are drawn, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return run(None)
    import threading

    lock = threading.Lock()
    with click.progressbar(length=total, label="previews", file=sys.stderr) as bar:

        def step(name: str) -> None:
            with lock:
                bar.update(1)

        return run(step)
