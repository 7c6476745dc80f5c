"""The model options every command shares, and the one place they become a Trace (traced, or loaded --from)."""

from __future__ import annotations

import functools
import os
import sys

import click

from ..errors import InvalidOption, ResnetVizError
from ..spec import BLOCKS, SHORTCUTS, STEMS, VARIANTS, parse_input_size

DEVICE_CHOICES = ("auto", "cpu", "cuda", "meta")
MODEL_KEYS = ("depth", "layers", "block", "variant", "shortcut", "stem", "num_classes", "input_size", "batch", "device")
_DEFAULTS = {"variant": "v1.5", "batch": 1, "device": "auto"}


def _input_size(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_input_size(value)
    except ResnetVizError as e:
        raise click.BadParameter(str(e)) from None


def model_options(f=None, *, from_trace: str | None = None):
    """Add the options that pick a network and how it is traced; they reach the command as one `model` dict.

    `from_trace` (a verb such as "draws") also adds `--from TRACE.json`, to use a saved trace instead.
    """
    if f is None:
        return functools.partial(model_options, from_trace=from_trace)
    opts = [
        click.option("--depth", "-d", type=int, default=None,
                     help="18, 34, 50, 101, 152 (ImageNet) or 20, 32, 44, 56, 110, 1202 (CIFAR-10 family). Default 18."),
        click.option("--layers", default=None, metavar="N,N,…", help="Blocks per stage for a custom ResNet, e.g. 3,4,6,3."),
        click.option("--block", type=click.Choice(BLOCKS), default=None, help="Block for --layers (default basic)."),
        click.option("--variant", type=click.Choice(VARIANTS), default="v1.5", show_default=True,
                     help="v1.5: a downsampling bottleneck strides on its 3×3 conv (torchvision); v1: on its first 1×1 (the paper)."),
        click.option("--shortcut", type=click.Choice(SHORTCUTS, case_sensitive=False), default=None,
                     help="A: zero-padded identity; B: projection where the shape changes (default for ImageNet); C: projection everywhere."),
        click.option("--stem", type=click.Choice(STEMS), default=None,
                     help="imagenet: 7×7/2 conv + 3×3/2 max-pool; cifar: 3×3/1 conv, no pool."),
        click.option("--num-classes", type=int, default=None, help="Outputs of fc (default 1000; 10 for the CIFAR family)."),
        click.option("--input", "-i", "input_size", default=None, callback=_input_size, metavar="SIDE|HxW",
                     help="Input image size: 224 or 197x311 (height×width). Default 224, or 32 with the CIFAR stem."),
        click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Batch size of the forward pass."),
        click.option("--device", type=click.Choice(DEVICE_CHOICES), default="auto", show_default=True,
                     help="auto: meta first, then CUDA or CPU while the real pass is cheap. meta: shapes without compute or memory."),
    ]
    if from_trace:
        opts.append(click.option("--from", "from_path", default=None, metavar="TRACE.json",
                                 help="Use a trace saved by `resnet-viz trace` (no torch needed) instead of tracing."))
    for opt in reversed(opts):
        f = opt(f)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        model = {k: kwargs.pop(k) for k in MODEL_KEYS}
        model["from_path"] = kwargs.pop("from_path", None)
        model["verb"] = from_trace
        kwargs["model"] = model
        return f(*args, **kwargs)

    return wrapper


def trace_from_options(model: dict):
    """Trace the network the options name, or load --from, refusing options that would then do nothing."""
    if model.get("from_path") is not None:
        given = [k for k in MODEL_KEYS if model[k] is not None and _DEFAULTS.get(k) != model[k]]
        if given:
            names = ", ".join("--" + k.replace("_", "-").replace("input-size", "input") for k in given)
            raise InvalidOption(
                f"--from {model['verb']} a saved trace; {names} cannot change it (drop them, or drop --from)"
            )
        from ..api import load_trace

        return load_trace(model["from_path"])
    from ..api import trace_network

    return trace_network(
        model["depth"] if model["layers"] is None else None,
        input_size=model["input_size"], layers=model["layers"], block=model["block"], variant=model["variant"],
        shortcut=model["shortcut"], stem=model["stem"], num_classes=model["num_classes"], device=model["device"],
        batch_size=model["batch"],
    )


def emit(text: str, output: str | None) -> None:
    """Write to stdout for '-' or no output, else atomically to the file, and say where."""
    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    from ..files import write_atomic

    path = write_atomic(output, text)
    click.echo(f"wrote {path} ({len(text.encode('utf-8')):,} bytes)", err=True)


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
