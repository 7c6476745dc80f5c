"""The `resnet-viz` command: parse options, call one library function, write, report. Nothing else.

Imports of torch and the renderers happen inside the commands (lazily, so `--help` and `--version` stay instant).
Every failure is one line on stderr: exit 2 for bad input, 1 for a missing tool, 130 for Ctrl-C.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from .commands.diagram import diagram
from .commands.embed import embed
from .commands.gallery import gallery
from .commands.options import emit, model_options, traced, use_color
from .commands.render import render
from .errors import ResnetVizError
from .options import TableFormat
from .version import __version__


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"resnet-viz: error: {' '.join(message.split())}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns every usage problem and every ResnetVizError into one line on stderr, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help())
            sys.exit(0)
        except click.UsageError as e:
            hint = f" (see `{e.ctx.command_path} --help`)" if e.ctx else ""
            _fail(e.format_message() + hint)
        except (click.exceptions.Abort, KeyboardInterrupt):
            _fail("interrupted", 130)
        except click.ClickException as e:
            _fail(e.format_message(), e.exit_code)
        except ResnetVizError as e:
            _fail(str(e), e.exit_code)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        except Exception as e:  # a bug of ours: one line, and the traceback on request
            if os.environ.get("RESNET_VIZ_DEBUG"):
                raise
            _fail(f"internal error ({type(e).__name__}: {e}); rerun with RESNET_VIZ_DEBUG=1 for the traceback and "
                  "please report it", 1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="resnet-viz")
def main() -> None:
    """See a ResNet: trace a real PyTorch model once, then tabulate and draw every volume that flows through it."""


@main.command()
@model_options(from_trace="tabulates", measure=True)
@click.option("--format", "-f", "fmt_name", type=click.Choice([f.value for f in TableFormat]), default="text",
              show_default=True, help="Table format.")
@click.option("--output", "-o", default=None, metavar="FILE", help="Write to FILE instead of stdout.")
def summary(model: Any, fmt_name: str, output: str | None) -> None:
    """A per-layer table in the paper's terms, grouped by stage and block."""
    from .api import summary as summarize

    trace = traced(model)
    emit(summarize(trace, fmt_name, color=use_color() and output in (None, "-")), output)


@main.command("trace")
@model_options(measure=True)
@click.option("--output", "-o", default="-", show_default=True, metavar="FILE", help="JSON file, '-' for stdout.")
def trace_cmd(model: Any, output: str) -> None:
    """The whole trace as JSON (schema version 2, described in README.md and the shipped JSON Schema)."""
    from .schema import trace_to_json

    emit(trace_to_json(traced(model)), output)


for _command in (render, diagram, embed, gallery):
    main.add_command(_command)
