"""`-o FILE`: one file written so that it behaves like `cat > FILE`, only atomic.

Why so careful: `-o` may name a device, a FIFO or a link. So a device or FIFO is written through (never replaced),
a link stays a link (its final target changes), a regular file is replaced atomically; every failure is one
OutputError.
"""

from __future__ import annotations

import os
import re
import stat
from contextlib import suppress
from pathlib import Path

from ..errors import InvalidOption, OutputError
from .atomic import TEMP_SUFFIX, checked_content, replace_atomically, temp_prefix, uninterrupted, write_all
from .paths import OPEN_DIR, PathArg, checked_path, failure, shown


def _write_through(dfd: int, name: str, raw: bytes) -> None:
    """Open what is there and write into it: devices, FIFOs, and files other names (hard links) share."""
    fd = os.open(name, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
    try:
        write_all(fd, raw)
    finally:
        os.close(fd)


def _clear_own_temps(dfd: int, name: str) -> None:
    """Remove `.<name>.<random>.resnet-viz-tmp` regular files a killed earlier write left beside `name`."""
    ours = re.compile(re.escape(temp_prefix(name)) + "[0-9a-f]{12}" + re.escape(TEMP_SUFFIX))
    with suppress(OSError), os.scandir(dfd) as entries:
        for entry in entries:
            if ours.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with suppress(OSError):
                    os.unlink(entry.name, dir_fd=dfd)


def _target(given: str) -> str:
    """The file a write to `given` must change: where a link chain ends (kept as a link), else `given` itself.

    Missing parent folders of `given` are made, through the links the user's path names and no others.
    """
    try:
        st: os.stat_result | None = Path(given).stat()  # follows links; a loop raises ELOOP here
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write '{shown(given)}': it is a folder (must be a file)")
    parent, name = os.path.split(given)
    if name in ("", ".", ".."):
        raise OutputError(f"cannot write '{shown(given)}': it does not name a file")
    if Path(given).is_symlink():
        return os.path.realpath(given)  # a dangling link creates its target, as `echo > link` would
    if st is None and parent:
        Path(parent).mkdir(parents=True, exist_ok=True)
    return given


def write_file(path: PathArg, data: str | bytes) -> Path:
    """Write `data` to the file `path` names (`-o FILE`) so that it behaves like `cat > FILE`, only atomic.

    A device or FIFO is written through, a link keeps being a link (its final target changes), a regular file is
    replaced atomically keeping its mode/owner, or written in place when it has other hard links. "-" is refused:
    callers print standard output themselves. Returns `path` as given.
    """
    given = checked_path(path)
    if given == "-":
        raise InvalidOption("output path '-' means standard output: print it instead of writing a file")
    raw = checked_content(data)
    try:
        parent, name = os.path.split(_target(given))
        dfd = os.open(parent or ".", OPEN_DIR)
        try:
            try:
                st: os.stat_result | None = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            except FileNotFoundError:
                st = None
            kind = stat.S_IFMT(st.st_mode) if st is not None else None
            if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
                _write_through(dfd, name, raw)  # no temp file; interruptible, as a FIFO may wait for its reader
            elif kind == stat.S_IFREG and st is not None and st.st_nlink > 1:
                with uninterrupted():
                    _write_through(dfd, name, raw)  # other names of this file must see the new bytes too
            else:
                _clear_own_temps(dfd, name)
                replace_atomically(dfd, name, raw, st if kind == stat.S_IFREG else None)  # a racing link is replaced
        finally:
            os.close(dfd)
    except OutputError:
        raise
    except OSError as err:
        raise failure(given, err) from err
    except RecursionError:
        raise OutputError(f"cannot write '{shown(given)}': too many levels of symbolic links") from None
    return Path(given)
