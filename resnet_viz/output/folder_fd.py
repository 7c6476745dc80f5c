"""The output folder as one open fd: every path below it is reached from that fd, never through a link.

So a link planted inside the output folder is never followed, a folder deleted during the run is never
recreated (and is named as such), and a file is removed only when its bytes still hash to what the manifest
recorded.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path

from ..errors import InvalidOption, InvalidType, OutputError
from .atomic import TEMP_SUFFIX, replace_atomically
from .manifest import DIGEST, MANIFEST, checked_rel
from .paths import OPEN_DIR, failure, shown

_DIR_NOFOLLOW = OPEN_DIR | os.O_NOFOLLOW


def _chunks(dfd: int, name: str) -> Iterator[bytes]:
    """The bytes of a regular file, opened without following a link or hanging on a FIFO; nothing otherwise."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dfd)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            while chunk := os.read(fd, 1 << 20):
                yield chunk
    finally:
        os.close(fd)


def _open_below(root: int, parts: tuple[str, ...]) -> int:
    """Open root/parts one component at a time; a link anywhere fails (O_NOFOLLOW) instead of being followed."""
    fd = os.dup(root)
    for name in parts:
        try:
            nxt = os.open(name, _DIR_NOFOLLOW, dir_fd=fd)
        finally:
            os.close(fd)
        fd = nxt
    return fd


def clear_temps(root: int) -> None:
    """Remove every *.resnet-viz-tmp regular file a killed run left below `root` (best effort, no links)."""
    todo: list[tuple[str, ...]] = [()]
    while todo:  # a loop, not recursion: a deep planted tree cannot raise RecursionError
        parts = todo.pop()
        with suppress(OSError):
            fd = _open_below(root, parts)
            try:
                with os.scandir(fd) as entries:
                    for entry in entries:
                        with suppress(OSError):
                            if entry.is_dir(follow_symlinks=False):
                                todo.append((*parts, entry.name))
                            elif entry.is_file(follow_symlinks=False) and entry.name.endswith(TEMP_SUFFIX):
                                os.unlink(entry.name, dir_fd=fd)
            finally:
                os.close(fd)


class Folder:
    """The output folder as one open fd; every path below it is reached from that fd, never through a link."""

    def __init__(self, root: int, path: str) -> None:
        self.root, self.path = root, path
        self.fds: dict[tuple[str, ...], int] = {(): root}

    def close(self) -> None:
        for fd in self.fds.values():
            os.close(fd)

    def shown(self, parts: Iterable[str]) -> str:
        return shown(Path(self.path, *parts))

    def failure(self, parts: tuple[str, ...], err: OSError, verb: str = "write") -> OutputError:
        """The error for a failed step; a folder deleted meanwhile is named as such (we never recreate it)."""
        try:
            here = os.fstat(self.root)
            vanished = here.st_nlink == 0 or not os.path.samestat(here, Path(self.path).stat())
        except OSError:
            vanished = True
        if vanished:
            return OutputError(f"output folder '{shown(self.path)}' disappeared during the run (not recreated)")
        with suppress(KeyError, OSError):
            if os.fstat(self.fds[parts[:-1]]).st_nlink == 0:
                return OutputError(f"folder '{self.shown(parts[:-1])}' disappeared during the run (not recreated)")
        return failure(str(Path(self.path, *parts)), err, verb)

    def parent(self, parts: tuple[str, ...], *, create: bool) -> int | None:
        """The fd of the folder holding root/parts, made if missing when `create`; a link on the way gives None
        (or, when creating, an error naming it)."""
        fd = self.root
        for i, name in enumerate(parts[:-1], 1):
            if parts[:i] in self.fds:
                fd = self.fds[parts[:i]]
                continue
            try:
                mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
            except FileNotFoundError:
                if not create:
                    return None
                os.mkdir(name, dir_fd=fd)
                mode = stat.S_IFDIR
            if not stat.S_ISDIR(mode):
                if not create:
                    return None
                kind = "a link (never followed inside the output folder)" if stat.S_ISLNK(mode) else "not a folder"
                raise OutputError(f"cannot write '{self.shown(parts)}': '{self.shown(parts[:i])}' is {kind}")
            fd = self.fds[parts[:i]] = os.open(name, _DIR_NOFOLLOW, dir_fd=fd)
        return fd

    def put(self, rel: str, raw: bytes) -> None:
        parts = tuple(rel.split("/"))
        try:
            fd = self.parent(parts, create=True)
            assert fd is not None
            replace_atomically(fd, parts[-1], raw)
        except OutputError:
            raise
        except OSError as err:
            raise self.failure(parts, err) from err

    def manifest(self) -> dict[str, set[str]]:
        """rel → hashes the last write recorded; old-style (hashless) or malformed lines are dropped: they remove
        nothing."""
        try:
            text = b"".join(_chunks(self.root, MANIFEST)).decode("utf-8", "replace")
        except OSError:
            return {}
        entries: dict[str, set[str]] = {}
        for line in text.split("\n"):
            digest, rel = line[:64], line[66:]
            with suppress(InvalidOption, InvalidType):
                if DIGEST.fullmatch(digest) and line[64:66] == "  ":
                    entries.setdefault(checked_rel(rel), set()).add(digest)
        return entries

    def remove_if_ours(self, rel: str, digests: set[str]) -> bool:
        """Unlink root/rel only if it is a regular file (reached without links) whose bytes hash to a recorded value."""
        parts = tuple(rel.split("/"))
        try:
            fd = self.parent(parts, create=False)
            if fd is None or not stat.S_ISREG(os.stat(parts[-1], dir_fd=fd, follow_symlinks=False).st_mode):
                return False
            sha = hashlib.sha256()
            for chunk in _chunks(fd, parts[-1]):
                sha.update(chunk)
        except OSError:
            return False  # gone, unreadable or unreachable: keep whatever is there
        if sha.hexdigest() not in digests:
            return False  # edited by the user, or a forged manifest entry
        try:
            os.unlink(parts[-1], dir_fd=fd)
        except OSError as err:
            raise self.failure(parts, err, "remove") from err
        return True

    def prune(self, removed: Iterable[str]) -> None:
        """Remove folders the removals left empty, deepest first; rmdir never follows a link, never the root."""
        dirs = {tuple(rel.split("/"))[:i] for rel in removed for i in range(1, rel.count("/") + 1)}
        for parts in sorted(dirs, key=len, reverse=True):
            with suppress(OSError):  # not empty (or not ours to open): it stays
                fd = self.parent(parts, create=False)
                if fd is not None:
                    os.rmdir(parts[-1], dir_fd=fd)
