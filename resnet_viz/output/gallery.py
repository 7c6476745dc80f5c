"""The gallery: what the tool produces for the paper's networks and the family, made only by the tool.

`gallery_files` is pure (traces in, relative path → content out) apart from Graphviz drawing the graphs; PNG
previews are drawn by external programs (Chromium, Graphviz), made separately and checked for validity only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .. import fmt
from ..options import DiagramFormat, Level, ModelOptions, View
from ..render.figures import draw
from ..schema import Trace
from ..views.figures import figure
from ..views.paper import column_title
from .comparison import Cache, other_traces, parse_compare
from .folder import write_folder
from .report import OWNED, report_files

README = "README.md"
PREVIEWS = "previews"
_OWNED = re.compile(r"^(README\.md|previews/[^/]+\.png)$")


@dataclass(frozen=True)
class Entry:
    """One network of the gallery and the drawings shown for it beside the network drawing."""

    title: str
    options: ModelOptions
    extra: tuple[tuple[View, Level, str | None], ...] = field(default=())
    name: str | None = None  # the folder's stem when the model's name does not tell the entry apart

    def slug(self, trace: Trace) -> str:
        h, w = trace.input.height, trace.input.width
        name = self.name or trace.model_name
        return f"{name}-{h}" if h == w else f"{name}-{h}x{w}"


def _entry(title: str, extra: tuple[tuple[View, Level, str | None], ...] = (), name: str | None = None,
           **options: object) -> Entry:
    return Entry(title, ModelOptions.parse(device="meta", **options), extra, name)


_V, _G = View.VOLUMES, View.GRAPH
ENTRIES = (
    _entry("ResNet-18", depth=18, input=224),
    _entry("ResNet-34", ((_V, Level.OP, "conv1"), (_V, Level.BLOCK, "layer2.0"), (_V, Level.STAGE, "layer2"),
                         (_G, Level.NETWORK, None)), depth=34, input=224),
    _entry("ResNet-50", ((_V, Level.BLOCK, "layer2.0"), (_G, Level.BLOCK, "layer2.0")), depth=50, input=224),
    _entry("ResNet-101", depth=101, input=224),
    _entry("ResNet-152", depth=152, input=224),
    _entry("ResNeXt-50 32×4d", ((_V, Level.BLOCK, "layer2.0"),), arch="resnext50_32x4d", input=224),
    _entry("Wide ResNet-50-2", ((_V, Level.BLOCK, "layer2.0"),), arch="wide_resnet50_2", input=224),
    _entry("ResNet-34 with the CIFAR stem", name="resnet34-cifar-stem", depth=34, stem="cifar", input=32),
    _entry("ResNet-20 (CIFAR-10)", depth=20),
    _entry("ResNet-56 (CIFAR-10)", ((_V, Level.BLOCK, "layer2.0"),), depth=56),
    _entry("Pre-activation ResNet-164 (CIFAR-10)", ((_V, Level.BLOCK, "layer2.0"), (_V, Level.BLOCK, "layer2.1")),
           depth=164, preact=True),
)


def previews(entry: Entry) -> tuple[tuple[View, Level, str | None], ...]:
    return ((View.VOLUMES, Level.NETWORK, None), *entry.extra)


def preview_name(entry: Entry, trace: Trace, view: View, level: Level, select: str | None) -> str:
    return f"{PREVIEWS}/{entry.slug(trace)}-{figure(trace, view, level, select).name}.png"


def owned(rel: str) -> bool:
    """The files a gallery may contain (what a later run may remove when they are stale)."""
    head, _, rest = rel.partition("/")
    return bool(_OWNED.match(rel)) or bool(rest and OWNED.match(rest))


Others = tuple[list[Trace] | None, dict[str, Trace]]  # what a report is compared with (comparison.other_traces)


def trace_entries(entries: tuple[Entry, ...] = ENTRIES, progress: Callable[[str], None] | None = None
                  ) -> tuple[dict[Entry, Trace], dict[Entry, Others]]:
    """Trace every entry on the meta device (no device in the output), and what its report compares it with, as
    `render` does, sharing those traces through one cache."""
    from ..core.tracing import trace_options  # torch only when the gallery is made

    cache: Cache = {}
    traces, others = {}, {}
    for e in entries:
        if progress:
            progress(f"tracing {e.title}")
        traces[e] = trace_options(e.options)
        others[e] = other_traces(traces[e], parse_compare("auto", traces[e]), cache)
    return traces, others


def gallery_files(traces: Mapping[Entry, Trace], others: Mapping[Entry, Others], *,
                  use_dot: bool | None = None, progress: Callable[[str], None] | None = None) -> dict[str, str]:
    """Every report folder and the index."""
    files: dict[str, str] = {}
    for entry, trace in traces.items():
        if progress:
            progress(f"report {entry.slug(trace)}")
        comparison, variants = others.get(entry, (None, {}))
        for rel, data in report_files(trace, comparison=comparison, variants=variants, use_dot=use_dot).items():
            files[f"{entry.slug(trace)}/{rel}"] = data
    files[README] = index(traces)
    return dict(sorted(files.items()))


def index(traces: Mapping[Entry, Trace]) -> str:
    """gallery/README.md: a table of every network with its numbers, its report and its pictures."""
    lines = [
        "# resnet-viz gallery", "",
        "Generated by `resnet-viz gallery -o gallery/` from traced models; never edited by hand.",
        "Each report is one self-contained HTML file (open `index.html` in the folder); every number in it comes",
        "from the trace.", "",
        "| network | input | blocks per stage | parameters | multiply-adds per image | report |",
        "|---|---|---|---:|---:|---|",
    ]
    for entry, t in traces.items():
        blocks = ", ".join(str(len(s.blocks)) for s in t.stages)
        lines.append(f"| {entry.title} | {fmt.volume(t.input)} | {blocks} ({column_title(t)}) | "
                     f"{fmt.thousands(t.totals.params)} | {fmt.compact(t.totals.macs // t.batch)} | "
                     f"[{entry.slug(t)}/index.html]({entry.slug(t)}/index.html) |")
    for entry, t in traces.items():
        lines += ["", f"## {entry.title} at {fmt.volume(t.input)}", ""]
        for view, level, select in previews(entry):
            fig = figure(t, view, level, select)
            lines += [f"![{fig.title}]({preview_name(entry, t, view, level, select)})", "", f"*{fig.caption}*", ""]
        lines.append(f"Report: [{entry.slug(t)}/index.html]({entry.slug(t)}/index.html)")
    return "\n".join(lines).rstrip() + "\n"


def preview_files(traces: Mapping[Entry, Trace], *, workers: int = 2,
                  progress: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """PNG previews of each entry's main drawings, drawn `workers` at a time (each is a browser or dot run)."""
    jobs = [(entry, t, p) for entry, t in traces.items() for p in previews(entry)]

    def one(job: tuple[Entry, Trace, tuple[View, Level, str | None]]) -> tuple[str, bytes]:
        entry, t, (view, level, select) = job
        data = draw(t, figure(t, view, level, select), DiagramFormat.PNG)
        name = preview_name(entry, t, view, level, select)
        if progress:
            progress(name)
        assert isinstance(data, bytes)
        return name, data

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(sorted(pool.map(one, jobs)))


def write_gallery(files: Mapping[str, str | bytes], out_dir: str, *, force: bool = False) -> None:
    """Write the gallery safely: only files a gallery can contain are ever removed."""
    write_folder(files, out_dir, force=force, owned=owned)
