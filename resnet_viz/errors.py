"""One error family, so the CLI can turn any of them into a one-line message and exit code 2."""

from __future__ import annotations


class ResnetVizError(Exception):
    """Base class: the message says what is wrong and what is valid."""

    exit_code = 2


class InvalidOption(ResnetVizError, ValueError):
    """A user-supplied value is outside what the tool supports."""


class DeviceUnavailable(ResnetVizError, RuntimeError):
    """The requested device is missing or too small for the forward pass."""


class OutputExists(ResnetVizError, FileExistsError):
    """Refuse to overwrite a folder resnet-viz did not create."""


class MissingTool(ResnetVizError, RuntimeError):
    """An optional external program (e.g. Graphviz `dot`) is needed for what was asked."""

    exit_code = 1


def choice(what: str, value: object, valid) -> InvalidOption:
    """The single place that phrases "unknown X (must be one of ...)"."""
    listed = ", ".join(str(v) for v in valid)
    return InvalidOption(f"unknown {what} {value!r} (must be one of: {listed})")
