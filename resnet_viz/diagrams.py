"""Diagrams of a trace (volume drawings and graphs) behind one validated entry point, so CLI and report agree.

No torch here: every diagram is drawn from a Trace, also one loaded from JSON. Only Graphviz's `dot` (graph
SVG/PNG/PDF) and a headless Chromium (volume PNG/PDF) are external, and only for the formats that need them.
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import fmt
from .errors import InvalidOption, MissingTool, choice
from .files import safe_name
from .schema import Op, OpKind, Path, ShortcutKind, Trace
from .views import block_by_id, stage_by_id

VIEWS = ("volumes", "graph")
LEVELS = ("network", "stage", "block", "op")
FORMATS = ("svg", "png", "pdf", "dot")

DOT_HINT = "Graphviz `dot` is not on PATH (install it: apt install graphviz, brew install graphviz, or conda install graphviz)"


@dataclass(frozen=True)
class Figure:
    """One diagram of a trace: what to draw (view, level, select) and how to name, title and caption it."""

    name: str
    view: str
    level: str
    select: str | None
    title: str
    caption: str


# --- choosing what to draw ------------------------------------------------------------------------
def _listed(ids: list[str], limit: int = 16) -> list[str]:
    """The valid choices for an error message, shortened for deep networks."""
    return ids if len(ids) <= limit else [*ids[: limit - 4], "…", *ids[-3:]]


def resolve(trace: Trace, level: str, select: str | None) -> str | None:
    """The canonical stage/block/op id for `select` at `level` (its default when None); InvalidOption otherwise."""
    if level not in LEVELS:
        raise choice("level", level, LEVELS)
    if level == "network":
        return None
    if level == "stage":
        ids = [s.id for s in trace.stages]
        by_paper = {s.paper_name: s.id for s in trace.stages}
        if select is None:
            return ids[0]
        if select in ids:
            return select
        if select in by_paper:
            return by_paper[select]
        raise choice("stage", select, ids)
    if level == "block":
        ids = [b.id for b in trace.blocks]
        if select is None:
            return ids[0]
        if select in ids:
            return select
        raise choice("block", select, _listed(ids))
    ids = [o.id for o in trace.ops]
    if select is None:
        return trace.stem[0] if trace.stem else ids[0]
    if select in ids:
        return select
    raise choice("op", select, _listed(ids))


def figure(trace: Trace, view: str = "volumes", level: str = "network", select: str | None = None) -> Figure:
    """The Figure for a view/level/select, validated, with its file name, title and caption."""
    if view not in VIEWS:
        raise choice("view", view, VIEWS)
    sel = resolve(trace, level, select)
    name = safe_name(f"{view}-{level}" + (f"-{sel}" if sel else ""))
    title, caption = _describe(trace, level, sel)
    return Figure(name, view, level, sel, title, caption)


# --- titles and captions (our own words, from the trace) ------------------------------------------
def _shortcut_words(trace: Trace, kind: ShortcutKind, ops: tuple[Op, ...]) -> str:
    from .render.steps import op_phrase

    if kind is ShortcutKind.IDENTITY:
        return "an identity shortcut (solid arc) adds the block's input unchanged"
    if kind is ShortcutKind.ZEROPAD:
        return ("a zero-pad shortcut (option A, dotted arc) subsamples the input and pads the new channels "
                "with zeros, at no parameter cost")
    conv = next((o for o in ops if o.kind is OpKind.CONV), None)
    what = f" ({op_phrase(conv)})" if conv else ""
    return f"a projection shortcut{what}, drawn dotted, reshapes the input so that it can be added"


def _conv_arithmetic(op: Op) -> str:
    """'⌊(224 + 2×3 − 7) / 2⌋ + 1 = 112' when PyTorch's size formula reproduces the traced height."""
    if op.kernel_size is None or op.stride is None or op.padding is None or len(op.input_shape) != 4:
        return ""
    h, k, s, p = op.input_shape[2], op.kernel_size[0], op.stride[0], op.padding[0]
    d = op.dilation[0] if op.dilation else 1
    if d != 1 or (h + 2 * p - k) // s + 1 != op.output_shape[2]:
        return ""
    n = fmt.thousands
    return f" (output side ⌊({n(h)} + 2{fmt.TIMES}{n(p)} − {n(k)}) / {n(s)}⌋ + 1 = {n(op.output_shape[2])})"


def _describe(trace: Trace, level: str, sel: str | None) -> tuple[str, str]:
    from .render.steps import block_paths, op_lines, op_phrase, units

    v = fmt.volume
    if level == "network":
        blocks = trace.blocks
        kinds = sorted({b.kind for b in blocks})
        kind = kinds[0] if len(kinds) == 1 else "residual"
        title = (f"{trace.model_name}: {v(trace.input_shape)} → {v(trace.ops[-1].output_shape)}, "
                 f"{fmt.thousands(len(blocks))} {kind} blocks in {fmt.thousands(len(trace.stages))} stages")
        stem = units(trace.ops_of(trace.stem))
        head = units(trace.ops_of(trace.head))
        parts = []
        if stem:
            steps = " and ".join(f"{u.lead.id} ({op_phrase(u.lead)})" for u in stem)
            parts.append(f"The stem, {steps}, takes the {v(trace.input_shape)} input to {v(stem[-1].output_shape)}.")
        if trace.stages:
            shrinking = [s.id for s in trace.stages  # only what the trace shows: smaller and wider
                         if s.output_shape[2:] < s.input_shape[2:] and s.output_shape[1] > s.input_shape[1]]
            how = (f" ({', '.join(shrinking)} each shrinking the height and width while widening the channels)"
                   if shrinking else "")
            parts.append(
                f"Then {fmt.thousands(len(trace.stages))} stages of {kind} blocks reach "
                f"{v(trace.stages[-1].output_shape)}{how}; {' and '.join(op_phrase(u.lead) for u in head)} give "
                f"the {v(trace.ops[-1].output_shape)} outputs.")
        return title, " ".join(parts)
    if level == "stage":
        s = stage_by_id(trace, sel)
        n = len(s.blocks)
        title = (f"{s.id} ({s.paper_name}): {fmt.thousands(n)} block{'s' if n != 1 else ''}, "
                 f"{v(s.input_shape)} → {v(s.output_shape)}")
        first = s.blocks[0]
        _, _, sc = block_paths(trace, first)
        change = (f"keeps {v(first.input_shape)}" if first.input_shape == first.output_shape
                  else f"takes {v(first.input_shape)} to {v(first.output_shape)}")
        caption = (f"{first.id} {change}, and "
                   f"{_shortcut_words(trace, first.shortcut, tuple(o for u in sc for o in u.ops))}.")
        if n > 1:
            rest = s.blocks[1:]
            kinds = {b.shortcut for b in rest}
            how = ("each adds its input unchanged (solid arcs)" if kinds == {ShortcutKind.IDENTITY}
                   else "each with its own shortcut")
            caption += (f" The other {fmt.thousands(len(rest))} block{'s' if len(rest) != 1 else ''} keep "
                        f"{v(s.output_shape)}; {how}.")
        return title, caption
    if level == "block":
        b = block_by_id(trace, sel)
        s = stage_by_id(trace, b.stage)
        title = (f"{b.id} ({s.paper_name}, block {fmt.thousands(b.index + 1)} of {fmt.thousands(len(s.blocks))}): "
                 f"{b.kind} block, {v(b.input_shape)} → {v(b.output_shape)}")
        main, join, sc = block_paths(trace, b)
        steps = " → ".join(op_phrase(u.lead) for u in main)
        caption = (f"The main path runs {steps} (each conv followed by batch norm, ReLU before the next); "
                   f"{_shortcut_words(trace, b.shortcut, tuple(o for u in sc for o in u.ops))}, and ⊕ sums the two"
                   + (" before the final ReLU." if join and join.after else "."))
        return title, caption
    op = trace.op(sel)
    title = f"{op.id}: {op_phrase(op)}, {v(op.input_shape)} → {v(op.output_shape)}"
    cost = []
    if op.params:
        cost.append(f"{fmt.thousands(op.params)} parameters")
    if op.macs:
        cost.append(f"{fmt.compact(op.macs)} multiply-adds")
    cost_text = f" It costs {' and '.join(cost)}." if cost else ""
    if op.kind is OpKind.CONV and op.kernel_size:
        c_in = fmt.channels(op.input_shape) // (op.groups or 1)
        k = f"{fmt.pair(op.kernel_size)}{fmt.TIMES}{fmt.thousands(c_in)}"
        caption = (f"{op.id} slides {fmt.thousands(fmt.channels(op.output_shape))} kernels of {k} over the "
                   f"{v(op.input_shape)} input, {', '.join(op_lines(op)[1:])}, giving {v(op.output_shape)}"
                   f"{_conv_arithmetic(op)}.{cost_text}")
    elif op.kind is OpKind.MAXPOOL:
        caption = (f"{op.id} keeps the largest value in each {fmt.pair(op.kernel_size)} window, "
                   f"{', '.join(op_lines(op)[1:])}: {v(op.input_shape)} → {v(op.output_shape)}"
                   f"{_conv_arithmetic(op)}, with no parameters.")
    elif op.kind is OpKind.ZEROPAD:
        how = (f"subsamples with stride {fmt.scalar_pair(op.stride)} and pads" if op.stride and max(op.stride) > 1
               else "keeps every pixel and pads")
        caption = (f"The option-A shortcut {op.id} {how} the missing channels with zeros: {v(op.input_shape)} → "
                   f"{v(op.output_shape)}, with no parameters.")
    else:
        phrase = op_phrase(op)
        what = op.id if phrase.split(" ")[0] == op.id else f"{op.id} ({phrase})"
        where = " on the shortcut path" if op.path is Path.SHORTCUT else ""
        caption = f"{what}{where} maps {v(op.input_shape)} to {v(op.output_shape)}.{cost_text}"
    return title, caption


# --- drawing --------------------------------------------------------------------------------------
_PROLOG = re.compile(r"\A.*?(?=<svg[\s>])", re.S)


def strip_prolog(svg: str) -> str:
    """The SVG element alone: the XML declaration, DOCTYPE and comments `dot` writes first do not belong in HTML."""
    return _PROLOG.sub("", svg, count=1)


def dot_available() -> bool:
    """Whether Graphviz's `dot` is on PATH (graph SVG/PNG/PDF need it; DOT source does not)."""
    return shutil.which("dot") is not None


def diagram(trace: Trace, *, view: str = "volumes", level: str = "network", select: str | None = None,
            format: str = "svg") -> str | bytes:
    """One diagram: str for SVG and DOT, bytes for PNG and PDF (see the module docstring for what needs what)."""
    if format not in FORMATS:
        raise choice("format", format, FORMATS)
    fig = figure(trace, view, level, select)
    return render_figure(trace, fig, format)


def render_figure(trace: Trace, fig: Figure, format: str = "svg") -> str | bytes:
    """A Figure drawn in `format`."""
    if fig.view == "volumes":
        if format == "dot":
            raise InvalidOption("format 'dot' is for graphs (use --view graph, or one of: svg, png, pdf)")
        from .render.volumes import render_volumes

        svg = render_volumes(trace, level=fig.level, select=fig.select, title=fig.title, desc=fig.caption,
                             name=f"{trace.model_name}-{fig.name}")
        return svg if format == "svg" else _svg_to(svg, format)
    from .render import graph

    source = graph.dot_source(trace, level=fig.level, select=fig.select, title=fig.title,
                              name=f"{trace.model_name}-{fig.name}")
    if format == "dot":
        return source
    if not dot_available():
        raise MissingTool(f"--format {format} of a graph needs {DOT_HINT}; --format dot writes the source without it")
    out = graph.run_dot(source, format)
    return out.decode("utf-8") if format == "svg" else out


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _browser() -> str | None:
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def _svg_to(svg: str, format: str) -> bytes:
    """PNG (2× pixels, transparent background) or PDF of our SVG, drawn by a headless Chromium."""
    import re
    import subprocess
    import tempfile
    from pathlib import Path as FsPath

    browser = _browser()
    if browser is None:
        raise MissingTool(f"--format {format} of a volume drawing needs a headless Chromium on PATH "
                          "(install chromium); --format svg needs nothing")
    m = re.search(r'width="([0-9.]+)" height="([0-9.]+)"', svg)
    w, h = (int(float(m.group(1))) + 1, int(float(m.group(2))) + 1) if m else (1200, 800)
    page = (f"<!doctype html><meta charset='utf-8'><style>@page{{size:{w}px {h}px;margin:0}}"
            f"html,body{{margin:0;padding:0;background:transparent}}svg{{display:block}}</style>{svg}")
    with tempfile.TemporaryDirectory(prefix="resnet-viz-") as tmp:
        html, out = FsPath(tmp) / "figure.html", FsPath(tmp) / f"figure.{format}"
        html.write_text(page, encoding="utf-8")
        args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
                f"--user-data-dir={FsPath(tmp) / 'profile'}"]
        if format == "png":
            args += [f"--window-size={w},{h}", "--force-device-scale-factor=2",
                     "--default-background-color=00000000", f"--screenshot={out}"]
        else:
            args += ["--no-pdf-header-footer", f"--print-to-pdf={out}"]
        try:
            run = subprocess.run([*args, html.as_uri()], capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise MissingTool(f"{browser} could not draw the {format} ({e}); --format svg needs nothing") from None
        if not out.exists():
            why = run.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise MissingTool(f"{browser} could not draw the {format} ({why[0]}); --format svg needs nothing")
        return out.read_bytes()


# --- the standard set -----------------------------------------------------------------------------
def standard_figures(trace: Trace) -> tuple[Figure, ...]:
    """What `render` writes into diagrams/: network, stages, two blocks per stage (volumes + graph), key ops."""
    wanted: list[tuple[str, str, str | None]] = [("volumes", "network", None), ("graph", "network", None)]
    for op_id in trace.stem:
        if trace.op(op_id).kind in (OpKind.CONV, OpKind.MAXPOOL):
            wanted.append(("volumes", "op", op_id))
    for s in trace.stages:
        wanted += [("volumes", "stage", s.id), ("graph", "stage", s.id)]
        for b in s.blocks[:2]:
            wanted += [("volumes", "block", b.id), ("graph", "block", b.id)]
    for b in trace.blocks:
        first = next((o for o in trace.ops_of(b.op_ids) if o.path is Path.SHORTCUT), None)
        if first is not None and first.kind in (OpKind.CONV, OpKind.ZEROPAD):
            wanted.append(("volumes", "op", first.id))
    return tuple(figure(trace, v, lv, sel) for v, lv, sel in wanted)


def diagram_files(trace: Trace, *, use_dot: bool | None = None) -> dict[str, str | bytes]:
    """Relative path → content for every standard figure: volume SVGs, DOT sources, and graph SVGs when dot runs.

    The `dot` processes start first and run while the volume drawings are made in this process.
    """
    if use_dot is None:
        use_dot = dot_available()
    figures = standard_figures(trace)
    sources = {f"{fig.name}.dot": render_figure(trace, fig, "dot") for fig in figures if fig.view == "graph"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        from .render.graph import run_dot

        drawing = {rel[: -len(".dot")] + ".svg": pool.submit(run_dot, src, "svg") for rel, src in sources.items()} \
            if use_dot else {}
        files: dict[str, str | bytes] = {f"{fig.name}.svg": render_figure(trace, fig, "svg")
                                         for fig in figures if fig.view == "volumes"}
        files.update(sources)
        files.update({rel: job.result().decode("utf-8") for rel, job in drawing.items()})
    return {rel: files[rel] for rel in sorted(files)}
