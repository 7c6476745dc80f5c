"""What the CLI does, as plain Python functions (the CLI only parses options and calls these)."""

from __future__ import annotations

from pathlib import Path

from .schema import Trace
from .spec import NetworkSpec, resnet_spec


def trace_network(
    depth: int | None = 18,
    *,
    input_size=None,
    layers=None,
    block: str | None = None,
    variant: str = "v1.5",
    shortcut: str | None = None,
    stem: str | None = None,
    num_classes: int | None = None,
    device: str = "auto",
    batch_size: int = 1,
) -> Trace:
    """Build the ResNet described by the options and trace it once (the library form of `--depth … --input …`)."""
    spec = resnet_spec(
        None if layers is not None else depth,
        layers=layers, block=block, variant=variant, shortcut=shortcut, stem=stem, num_classes=num_classes,
    )
    return trace_spec(spec, input_size, device=device, batch_size=batch_size)


def trace_spec(spec: NetworkSpec, input_size=None, *, device: str = "auto", batch_size: int = 1) -> Trace:
    from .spec import parse_input_size
    from .trace import trace_resnet

    size = parse_input_size(spec.default_input if input_size is None else input_size)
    return trace_resnet(spec, size, device=device, batch_size=batch_size)


def load_trace(path: str | Path) -> Trace:
    """Read a trace written by `resnet-viz trace` (no torch needed)."""
    from .errors import InvalidOption

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidOption(f"cannot read trace {str(path)!r} ({e.strerror}); give a file written by `resnet-viz trace`") from None
    try:
        return Trace.from_json(text)
    except (ValueError, KeyError, TypeError) as e:
        raise InvalidOption(f"{str(path)!r} is not a resnet-viz trace ({type(e).__name__}: {e}); give a file written by `resnet-viz trace`") from None


def summary(trace: Trace, format: str = "text", *, color: bool = False, width: int = 100) -> str:
    """The per-layer table as text, md, csv or json."""
    from .render.table import render_table

    return render_table(trace, format, color=color, width=width)
