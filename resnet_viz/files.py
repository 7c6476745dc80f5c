"""The one place files are written: atomically (temp file in the same folder, then os.replace)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from .errors import OutputExists

MARKER = ".resnet-viz"  # written into every output folder we create, so we know we may overwrite it


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write `data` to `path` so that a reader sees the old file or the whole new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def prepare_output_dir(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Create `path`, or accept it if it is empty or ours; refuse a foreign non-empty folder unless forced."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputExists(f"output path {str(path)!r} is a file (must be a folder, or a new name)")
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).exists() and not force:
        raise OutputExists(
            f"output folder {str(path)!r} is not empty and was not made by resnet-viz (use --force to write into it)"
        )
    path.mkdir(parents=True, exist_ok=True)
    write_atomic(path / MARKER, "This folder was written by resnet-viz; it may overwrite the files in it.\n")
    return path


def safe_name(text: str) -> str:
    """An op or block id as a file name: 'layer2.0.downsample.0' stays, 'relu#2' → 'relu-2'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "unnamed"
