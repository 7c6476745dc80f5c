"""What an output folder records about itself: the names it keeps for its own use, and the manifest's lines.

The marker and the manifest sit beside the user's files, so no output file may take their names (or a temp
file's); the manifest lists '<sha256>  <rel>' for every file the last write put there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import InvalidOption, InvalidType
from .atomic import TEMP_SUFFIX
from .paths import shown

MARKER = ".resnet-viz"  # written into every output folder we create/own, so a later run may overwrite it
MANIFEST = ".resnet-viz-files"  # sha256 + relative path of every file the last write put there
DIGEST = re.compile(r"[0-9a-f]{64}")  # a manifest line's hash, as hexdigest() writes it


def checked_rel(rel: object) -> str:
    """A file name inside the output folder: relative, POSIX, normal, printable, not ours to keep."""
    if not isinstance(rel, str):
        raise InvalidType(f"output file names must be str, not {type(rel).__name__}")
    parts = rel.split("/")
    if (any(p in ("", ".", "..") for p in parts) or "\\" in rel or not rel.isprintable()
            or rel in (MARKER, MANIFEST) or rel.endswith(TEMP_SUFFIX)):
        raise InvalidOption(f"invalid output file name '{shown(rel)}' (must be a relative path inside the output "
                            f"folder without '..', '//', '\\' or control characters, and not {MARKER} or {MANIFEST})")
    return rel


def manifest_bytes(entries: Iterable[tuple[str, str]]) -> bytes:
    """'<sha256>  <rel>' lines, sorted, so the same files always give the same manifest."""
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(set(entries))).encode("utf-8")
