"""Everything the CLI does, as plain Python functions (the CLI only parses options and calls these).

`import resnet_viz` stays light: torch is imported by the functions that trace, when they are called.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from .errors import InvalidType
from .options import ModelOptions, TableFormat
from .output.comparison import other_traces, parse_compare
from .output.report import default_output_dir, report_files, write_report
from .output.single_file import write_file
from .render.figures import GraphDrawings, diagram
from .render.formats import render_table
from .schema import Trace, read_trace_file, trace_to_json

__all__ = ["diagram", "load_trace", "report", "save_trace", "summary", "trace_network", "trace_options"]


def trace_options(options: ModelOptions) -> Trace:
    """Trace the network a ModelOptions names (a built-in ResNet, or `model="MODULE:ATTR"`)."""
    from .core.tracing import trace_options as traced  # torch is imported here, not by `import resnet_viz`

    if not isinstance(options, ModelOptions):
        raise InvalidType(f"options must be a ModelOptions (got {type(options).__name__})")
    return traced(options)


def trace_network(depth: int | None = None, *, arch: str | None = None, model: str | None = None,
                  input: object = None, layers: object = None, block: str | None = None,
                  variant: str | None = None, shortcut: str | None = None, stem: str | None = None,
                  num_classes: int | None = None, groups: int | None = None, width_per_group: int | None = None,
                  preact: bool = False, device: str = "auto", batch: int = 1, measure: int = 0) -> Trace:
    """Build the network the options name and trace it once (the library form of `--depth … --input …`).

    With nothing given it is ResNet-18 at 224×224; `model="nets.py:build"` traces the user's own network.
    """
    if not isinstance(device, str):
        raise InvalidType(f"device must be one of 'auto', 'cpu', 'cuda', 'meta' (got {device!r})")
    options = ModelOptions.parse(depth=depth, arch=arch, model=model, input=input, layers=layers, block=block,
                                 variant=variant, shortcut=shortcut, stem=stem, num_classes=num_classes,
                                 groups=groups, width_per_group=width_per_group, preact=preact, device=device,
                                 batch=batch, measure=measure)
    return trace_options(options)


def _trace(value: object) -> Trace:
    if not isinstance(value, Trace):
        raise InvalidType(f"expected a Trace from trace_network(), trace() or load_trace() "
                          f"(got {type(value).__name__})")
    return value


def load_trace(path: str | os.PathLike[str]) -> Trace:
    """Read a trace written by `resnet-viz trace` or save_trace (no torch needed), checked fully."""
    return read_trace_file(path)


def save_trace(trace: Trace, path: str | os.PathLike[str]) -> Path:
    """Write a trace as JSON (schema version 2) to a file; links and devices are written through."""
    return write_file(path, trace_to_json(_trace(trace)))


def summary(trace: Trace, format: TableFormat | str = TableFormat.TEXT, *, color: bool = False,
            width: int = 100) -> str:
    """The per-layer table as text, md, csv, json or latex."""
    return render_table(_trace(trace), format, color=color, width=width)


def report_contents(trace: Trace, *, compare: str = "auto", figures: bool = True) -> tuple[dict[str, str], list[str]]:
    """The report folder of `trace` as relative path → content, and notes on what was left out (the other depths
    and configurations need torch, which a loaded trace may lack)."""
    trace = _trace(trace)
    depths = parse_compare(compare, trace)
    others: Sequence[Trace] | None = None
    variants: dict[str, Trace] | None = None
    notes: list[str] = []
    with GraphDrawings(trace) if figures else nullcontext() as graphs:  # dot draws while the others are traced
        try:
            others, variants = other_traces(trace, depths)
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] != "torch":
                raise
            notes.append("torch is not installed, so no other depth or configuration is traced")
        return report_files(trace, comparison=others, variants=variants, figures=figures, graphs=graphs), notes


def report(trace: Trace, out_dir: str | os.PathLike[str] | None = None, *, compare: str = "auto",
           force: bool = False, figures: bool = True) -> list[Path]:
    """Write the report folder of `trace` (default ./<model>-<size>); returns the files written."""
    files, _ = report_contents(trace, compare=compare, figures=figures)
    return write_report(files, out_dir if out_dir is not None else default_output_dir(_trace(trace)), force=force)

