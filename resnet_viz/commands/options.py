"""The model options every command shares: click declares them as text, ModelOptions parses them (once), and this
is the one place they become a Trace (traced, or loaded --from)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import InvalidOption
from ..family import ARCHS, BLOCKS, SHORTCUTS, STEMS, VARIANTS
from ..options import MAX_REPEATS, Device, ModelOptions, flag_name
from ..output.paths import shown
from ..output.single_file import write_file
from ..schema import Trace

_TEXT: list[tuple[tuple[str, ...], str, str]] = [
    (("--depth", "-d"), "N", "18, 34, 50, 101, 152 (ImageNet) or 20, 32, 44, 56, 110, 1202 (CIFAR-10); 164 and 1001 "
                             "with --preact. Default 18."),
    (("--arch",), "NAME", f"A torchvision ResNet by name: {', '.join(ARCHS)}."),
    (("--model",), "MODULE:ATTR", "Your own network: an nn.Module, or a function without arguments returning one, "
                                  "from a module (pkg.nets:build) or a file (nets.py:build)."),
    (("--layers",), "N,N,…", "Blocks per stage of a custom ResNet, e.g. 3,4,6,3."),
    (("--block",), "|".join(BLOCKS), "Block of --layers (default basic)."),
    (("--groups",), "N", "Groups of a bottleneck's 3×3 conv (ResNeXt), with --layers."),
    (("--width-per-group",), "N", "Channels per group in a bottleneck (64; 128 for a wide ResNet), with --layers."),
    (("--variant",), "|".join(VARIANTS), "v1.5 (torchvision, the default): a downsampling bottleneck strides on its "
                                         "3×3 conv; v1 (the paper): on its first 1×1."),
    (("--shortcut",), "|".join(SHORTCUTS), "A: zero-padded identity; B: projection where the shape changes; "
                                           "C: projection everywhere."),
    (("--stem",), "|".join(STEMS), "imagenet: 7×7/2 conv + 3×3/2 max-pool; cifar: 3×3/1 conv, no pool."),
    (("--num-classes",), "N", "Outputs of fc (default 1000; 10 for the CIFAR family)."),
    (("--input", "-i"), "SIDE|HxW", "Input image size: 224 or 197x311 (height×width). Default 224, or 32 with the "
                                    "CIFAR stem."),
    (("--batch",), "N", "Batch size of the forward pass (default 1)."),
    (("--device",), "|".join(d.value for d in Device),
     "auto (default): CUDA if present, else the CPU up to 3·10¹⁰ multiply-adds, else shapes on meta. meta: shapes "
     "and counts without compute or memory."),
]


def model_options(f: Callable | None = None, *, from_trace: str | None = None, measure: bool = False) -> Any:
    """Add the options that pick a network and how it is traced; they reach the command as `model`: a
    ModelOptions, or a Trace loaded with `--from` (when `from_trace`, a verb such as "draws", is given)."""
    if f is None:
        return functools.partial(model_options, from_trace=from_trace, measure=measure)
    opts = [click.option(*names, metavar=meta, default=None, help=text) for names, meta, text in _TEXT]
    opts.insert(4, click.option("--preact", is_flag=True, default=None,
                                help="The pre-activation ResNet (He et al. 2016, Identity Mappings)."))
    if measure:
        opts.append(click.option("--measure", metavar="[N]", is_flag=False, flag_value="5", default=None,
                                 help=f"Time every op on the device of the pass: N repeats after a warm-up, medians "
                                      f"(N defaults to 5, at most {MAX_REPEATS})."))
    if from_trace:
        opts.append(click.option("--from", "from_path", default=None, metavar="TRACE.json",
                                 help="Use a trace saved by `resnet-viz trace` (no torch needed) instead of tracing."))
    for opt in reversed(opts):
        f = opt(f)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = {k: kwargs.pop(k, None) for k in ("depth", "arch", "model", "layers", "block", "groups",
                                               "width_per_group", "variant", "shortcut", "stem", "num_classes",
                                               "input", "batch", "device", "preact", "measure")}
        options = ModelOptions.parse(**raw)
        path = kwargs.pop("from_path", None)
        kwargs["model"] = load(path, options, from_trace) if path is not None else options
        return f(*args, **kwargs)

    return wrapper


def load(path: str, options: ModelOptions, verb: str | None) -> Trace:
    """The saved trace of --from, refusing model options that could then change nothing."""
    given = options.given()
    if given:
        names = ", ".join(flag_name(k).replace("--input", "--input") for k in given)
        raise InvalidOption(f"--from {verb} a saved trace; {names} cannot change it (drop them, or drop --from)")
    from ..api import load_trace

    return load_trace(path)


def traced(model: ModelOptions | Trace) -> Trace:
    """The trace a command works on: loaded already, or traced now."""
    if isinstance(model, Trace):
        return model
    from ..api import trace_options

    trace = trace_options(model)
    if trace.provenance.note and model.device is Device.AUTO:
        click.echo(f"resnet-viz: note: {trace.provenance.note}", err=True)
    if trace.unplaced:
        click.echo(f"resnet-viz: note: {len(trace.unplaced)} op(s) could not be placed in stem, stages or head: "
                   f"{', '.join(trace.unplaced[:8])}{' …' if len(trace.unplaced) > 8 else ''}", err=True)
    return trace


def emit(text: str, output: str | None) -> None:
    """Write to stdout for '-' or no output, else to the file (links and devices written through), and say where."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    path = write_file(output, text)
    click.echo(f"wrote {shown(path)} ({len(text.encode('utf-8')):,} bytes)", err=True)


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
