"""The `resnet-viz` command: parse options, call one library function, write, report. Nothing else.

Imports of torch and the renderers happen inside the commands, so `--help` and `--version` stay instant.
"""

from __future__ import annotations

import functools
import os
import sys

import click

from . import __version__
from .errors import ResnetVizError
from .spec import BLOCKS, SHORTCUTS, STEMS, VARIANTS, parse_input_size

DEVICE_CHOICES = ("auto", "cpu", "cuda", "meta")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"resnet-viz: error: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns every usage problem and every ResnetVizError into one line on stderr (exit 2, no traceback)."""

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help())
            sys.exit(0)
        except click.UsageError as e:
            hint = f" (see `{e.ctx.command_path} --help`)" if e.ctx else ""
            _fail(e.format_message().replace("\n", " ") + hint)
        except click.exceptions.Abort:
            _fail("aborted", 130)
        except click.ClickException as e:
            _fail(e.format_message(), e.exit_code)
        except ResnetVizError as e:
            _fail(str(e), e.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        sys.exit(rv if isinstance(rv, int) else 0)


def _input_size(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_input_size(value)
    except ResnetVizError as e:
        raise click.BadParameter(str(e)) from None


def model_options(f):
    """The options that pick a network and how it is traced (shared by every command that builds one)."""
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
                     help="auto: CUDA when present, else CPU. meta: shapes without compute or memory."),
    ]
    for opt in reversed(opts):
        f = opt(f)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        keys = ("depth", "layers", "block", "variant", "shortcut", "stem", "num_classes", "input_size", "batch", "device")
        kwargs["model"] = {k: kwargs.pop(k) for k in keys}
        return f(*args, **kwargs)

    return wrapper


def trace_from_options(model: dict):
    from .api import trace_network

    return trace_network(
        model["depth"] if model["layers"] is None else None,
        input_size=model["input_size"], layers=model["layers"], block=model["block"], variant=model["variant"],
        shortcut=model["shortcut"], stem=model["stem"], num_classes=model["num_classes"], device=model["device"],
        batch_size=model["batch"],
    )


def emit(text: str, output: str | None) -> None:
    """Write to stdout for '-' or no output, else atomically to the file; report where."""
    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    from .files import write_atomic

    path = write_atomic(output, text)
    click.echo(f"wrote {path} ({len(text.encode('utf-8')):,} bytes)", err=True)


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="resnet-viz")
def main() -> None:
    """See a ResNet: trace a real PyTorch model once, then tabulate and draw every volume that flows through it."""


@main.command()
@model_options
@click.option("--format", "-f", "fmt_name", type=click.Choice(("text", "md", "csv", "json")), default="text",
              show_default=True, help="Table format.")
@click.option("--output", "-o", default=None, metavar="FILE", help="Write to FILE instead of stdout.")
def summary(model, fmt_name, output):
    """A per-layer table in the paper's terms, grouped by stage and block."""
    from .api import summary as summarize

    trace = trace_from_options(model)
    emit(summarize(trace, fmt_name, color=use_color() and output in (None, "-")), output)


@main.command("trace")
@model_options
@click.option("--output", "-o", default="-", show_default=True, metavar="FILE", help="JSON file, '-' for stdout.")
def trace_cmd(model, output):
    """The whole trace as JSON (schema in README.md)."""
    emit(trace_from_options(model).to_json(), output)


# Commands in their own modules register themselves here (one line each).
from .commands.render import render as _render  # noqa: E402
main.add_command(_render)
from .commands.embed import embed as _embed  # noqa: E402
main.add_command(_embed)
from .commands.diagram import diagram as _diagram  # noqa: E402, I001
main.add_command(_diagram)
