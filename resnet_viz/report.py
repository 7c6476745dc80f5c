"""The report folder: built as data (relative path → content) from traces, then written in one atomic pass.

`report_files` is pure, so the same trace gives the same bytes; `write_report` is the only part that touches disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from . import diagrams, fmt, paper
from .errors import InvalidOption
from .files import prepare_output_dir, safe_name, write_atomic
from .schema import Trace

MANIFEST = ".resnet-viz-files"  # what the last write_report put here, so the next one can remove what is stale
INDEX = "index.html"


def default_output_dir(trace: Trace) -> str:
    """'resnet34-224' for a square input, 'resnet34-197x311' otherwise (relative to the working folder)."""
    h, w = trace.input_shape[2], trace.input_shape[3]
    size = f"{h}" if h == w else f"{h}x{w}"
    return safe_name(f"{trace.model_name}-{size}")


def table_files(trace: Trace, comparison: paper.Comparison | None = None) -> dict[str, str]:
    """Every table of the report as Markdown and CSV, under tables/."""
    from .render.table import render_csv, render_markdown

    files = {
        "tables/layers.md": render_markdown(trace),
        "tables/layers.csv": render_csv(trace),
        "tables/table1.md": paper.table1_markdown(trace),
        "tables/table1.csv": paper.table1_csv(trace),
    }
    if comparison is not None:
        files["tables/comparison.md"] = paper.comparison_markdown(comparison)
        files["tables/comparison.csv"] = paper.comparison_csv(comparison)
    return files


def _figure_place(trace: Trace, fig) -> tuple[int, int, int, str, int | None]:
    """Sort key and group of a figure: the network first, then the stem, then each stage in order."""
    from .views import block_by_id, stage_by_id

    if fig.level == "network":
        return 0, 0, 0, "The whole network", None
    if fig.level == "stage":
        stage = stage_by_id(trace, fig.select)
    elif fig.level == "block":
        stage = stage_by_id(trace, block_by_id(trace, fig.select).stage)
    else:
        op = trace.op(fig.select)
        stage = stage_by_id(trace, op.stage) if op.stage else None
    if stage is None:
        return 1, 0, 0, "The stem", None
    rank = {"stage": 0, "block": 1}.get(fig.level, 2)
    return 2, stage.index, rank, f"{stage.paper_name} · {stage.id}", stage.index


def diagram_parts(trace: Trace, *, use_dot: bool | None = None):
    """(files under diagrams/, volume figures to inline, links to the graphs)."""
    from markupsafe import Markup

    from .render.html import InlineFigure, Link

    files = {f"diagrams/{PurePosixPath(rel)}": data
             for rel, data in diagrams.diagram_files(trace, use_dot=use_dot).items()}
    figs = diagrams.standard_figures(trace)
    figures = []
    for f in sorted((f for f in figs if f.view == "volumes"), key=lambda f: _figure_place(trace, f)[:3]):
        svg = files[f"diagrams/{f.name}.svg"]  # drawn once, by diagram_files
        _, _, _, group, stage_index = _figure_place(trace, f)
        figures.append(InlineFigure(anchor=f"figure-{safe_name(f.name)}", title=f.title, caption=f.caption,
                                    svg=Markup(diagrams.strip_prolog(svg)), level=f.level, group=group,
                                    stage_index=stage_index))
    links = []
    for f in figs:
        if f.view == "volumes":
            continue
        drawn = f"diagrams/{f.name}.svg"
        href = drawn if drawn in files else f"diagrams/{f.name}.dot"
        if href in files:
            note = "Graphviz drawing" if href == drawn else "Graphviz source (install dot to draw it)"
            links.append(Link(href=href, label=f.title, note=note))
    return files, tuple(figures), tuple(links)


def report_files(
    trace: Trace,
    *,
    comparison: Sequence[Trace] | None = None,
    figures: bool = True,
    use_dot: bool | None = None,
) -> dict[str, str | bytes]:
    """The whole report folder as relative path → content: index.html, trace.json, tables/, diagrams/.

    `comparison` holds traces of other depths at the same input (the caller traces them); `figures` adds the
    diagrams; `use_dot` is passed to diagram_files (False keeps the output independent of Graphviz).
    """
    from .render.html import render_html

    comp = paper.comparison(comparison, current=trace) if comparison else None
    files: dict[str, str | bytes] = {"trace.json": trace.to_json()}
    files.update(table_files(trace, comp))
    inline, links = (), ()
    if figures:
        diagram_files, inline, links = diagram_parts(trace, use_dot=use_dot)
        files.update(diagram_files)
    files[INDEX] = render_html(trace, comparison=comp, figures=inline, links=links)
    return dict(sorted(files.items()))


# --- writing ------------------------------------------------------------------------------------


def _check_relative(rel: str) -> str:
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts) or "\\" in rel:
        raise InvalidOption(f"invalid report path {rel!r} (must be relative, inside the output folder)")
    return str(p)


def _read_manifest(out: Path) -> list[str]:
    try:
        lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    good = []
    for line in lines:
        try:
            good.append(_check_relative(line))
        except InvalidOption:
            continue  # a damaged manifest never makes us delete outside the folder
    return good


def _manifest(rels) -> str:
    return "".join(f"{r}\n" for r in sorted(rels))


def _prune(folder: Path, root: Path) -> None:
    """Remove folders left empty by stale files, up to (not including) the output folder."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def write_report(files: Mapping[str, str | bytes], out_dir: str | os.PathLike, force: bool = False) -> list[Path]:
    """Write `files` into `out_dir` atomically, remove files an earlier report left there, return what was written.

    Refuses a non-empty folder resnet-viz did not make unless `force`. Every file is replaced whole, and the
    manifest lists old and new files until the end, so an interrupted run never leaves a half-written file
    and the next run still knows what to clean up.
    """
    rels = [_check_relative(r) for r in sorted(files)]
    if MANIFEST in rels:
        raise InvalidOption(f"invalid report path {MANIFEST!r} (reserved for the list of written files)")
    out = prepare_output_dir(out_dir, force=force)
    old = _read_manifest(out)
    write_atomic(out / MANIFEST, _manifest(set(old) | set(rels)))
    written = [write_atomic(out / rel, files[rel]) for rel in rels]
    for rel in sorted(set(old) - set(rels)):
        stale = out / rel
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
            _prune(stale.parent, out)
    write_atomic(out / MANIFEST, _manifest(rels))
    return written


# --- what the CLI prints ------------------------------------------------------------------------

_KINDS = (("report", INDEX), ("trace", "trace.json"), ("tables", "tables/"), ("diagrams", "diagrams/"))


def _size(data: str | bytes) -> int:
    return len(data.encode("utf-8") if isinstance(data, str) else data)


def summary_lines(files: Mapping[str, str | bytes], out_dir: str | os.PathLike) -> list[str]:
    """One line per kind of file: 'report    resnet34-224/index.html (312.4 KiB)', 'tables    …/tables/ (6 files, …)'."""
    base = os.path.normpath(os.fspath(out_dir))
    lines = []
    for kind, key in _KINDS:
        if key.endswith("/"):
            members = [r for r in files if r.startswith(key)]
            if not members:
                continue
            total = sum(_size(files[r]) for r in members)
            count = f"{len(members)} file" if len(members) == 1 else f"{len(members)} files"
            lines.append(f"{kind:<9} {os.path.join(base, key)} ({count}, {fmt.bytes_(total)})")
        elif key in files:
            lines.append(f"{kind:<9} {os.path.join(base, key)} ({fmt.bytes_(_size(files[key]))})")
    return lines
