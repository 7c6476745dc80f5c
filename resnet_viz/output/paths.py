"""An output path as the user gave it: checked once, and shown the same way in every one-line message.

Every write (one file or a whole folder) starts here, so a bad path is always the user's mistake (InvalidOption,
InvalidType) and a failed step is always one OutputError that names the path with its control characters escaped.
"""

from __future__ import annotations

import errno
import os

from ..errors import InvalidOption, InvalidType, OutputError

OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC  # os.open flags for a folder that is only read or walked
PathArg = str | os.PathLike[str]


def shown(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as printed in one-line messages: control characters (newline, tab, ESC, ...) escaped like repr does,
    no quotes added."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in os.fsdecode(path))


def failure(path: str, err: OSError, verb: str = "write") -> OutputError:
    """The one phrasing of a failed step; EEXIST only comes from making a folder where something else is."""
    reason = "a file or a broken link is in the way of a folder" if err.errno == errno.EEXIST else err.strerror
    return OutputError(f"cannot {verb} '{shown(path)}': {shown(reason or str(err))}")


def checked_path(path: object) -> str:
    """The output path as a str; empty or NUL-containing paths are the user's mistake, not an OSError."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise InvalidType(f"output path must be a str or a path, not {type(path).__name__}")
    text = os.fsdecode(path)
    if not text:
        raise InvalidOption("output path is empty (name a file or a folder)")
    if "\0" in text:
        raise InvalidOption(f"output path '{shown(text)}' contains a NUL character")
    return text
