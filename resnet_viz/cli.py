"""The `resnet-viz` command: parse options, call one library function, write, report. Nothing else.

Imports of torch and the renderers happen inside the commands, so `--help` and `--version` stay instant.
"""

from __future__ import annotations

import sys

import click

from . import __version__
from .commands.diagram import diagram
from .commands.embed import embed
from .commands.gallery import gallery
from .commands.options import emit, model_options, trace_from_options, use_color
from .commands.render import render
from .errors import ResnetVizError


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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="resnet-viz")
def main() -> None:
    """See a ResNet: trace a real PyTorch model once, then tabulate and draw every volume that flows through it."""


@main.command()
@model_options(from_trace="tabulates")
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


for _command in (render, diagram, embed, gallery):
    main.add_command(_command)
