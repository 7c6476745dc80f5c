"""One error family, so the CLI can turn any of them into a one-line message and exit code 2."""

from __future__ import annotations

from collections.abc import Iterable


class ResnetVizError(Exception):
    """Base class: the message says what is wrong and what is valid."""

    exit_code = 2


class InvalidOption(ResnetVizError, ValueError):
    """A user-supplied value is outside what the tool supports."""


class InvalidType(ResnetVizError, TypeError):
    """A value of the wrong type reached the Python API (a string where a model is expected, a float depth)."""


class InvalidTrace(ResnetVizError, ValueError):
    """A loaded trace file is not a valid resnet-viz trace; the message names the first problem and its JSON path."""


class DeviceUnavailable(ResnetVizError, RuntimeError):
    """The requested device is missing or too small for the forward pass."""


class OutputExists(ResnetVizError, FileExistsError):
    """Refuse to overwrite a folder resnet-viz did not create."""


class OutputError(ResnetVizError, OSError):
    """Writing the output failed (read-only file system, full disk, a folder that vanished, a link loop)."""


class ModelError(ResnetVizError, RuntimeError):
    """The user's model could not be loaded or run (its own exception, summarised in one line)."""


class MissingTool(ResnetVizError, RuntimeError):
    """An optional external program (e.g. Graphviz `dot`) is needed for what was asked."""

    exit_code = 1


def choice(what: str, value: object, valid: Iterable[object]) -> InvalidOption:
    """The single place that phrases "unknown X (must be one of ...)"."""
    listed = ", ".join(str(v) for v in valid)
    return InvalidOption(f"unknown {what} {value!r} (must be one of: {listed})")
