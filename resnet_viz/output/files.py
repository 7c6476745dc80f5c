"""Every byte resnet-viz puts on disk: one file (`-o FILE`) or a whole output folder.

Why so careful: `-o` may name a device, a FIFO or a link, and output folders may come from a cloned repository.
So nothing here replaces a device, follows a link inside the output folder, recreates a folder that vanished,
or deletes a file whose exact bytes it did not write itself; and every failure is a one-line OutputError.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from ..errors import InvalidOption, InvalidType, OutputError, OutputExists

MARKER = ".resnet-viz"  # written into every output folder we create/own, so a later run may overwrite it
MANIFEST = ".resnet-viz-files"  # sha256 + relative path of every file the last write put there
TEMP_SUFFIX = ".resnet-viz-tmp"  # every temp file ends so, so a later run can find what a killed one left

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_DIR_NOFOLLOW = _DIR | os.O_NOFOLLOW
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_MARKER_TEXT = b"This folder was written by resnet-viz; it may overwrite the files in it.\n"
_HEX = re.compile(r"[0-9a-f]{64}")
_PathArg = str | os.PathLike[str]


def shown(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as printed in one-line messages: control characters (newline, tab, ESC, ...) escaped like repr does,
    no quotes added."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in os.fsdecode(path))


def _fail(path: str, err: OSError, verb: str = "write") -> OutputError:
    """The one phrasing of a failed step; EEXIST only comes from making a folder where something else is."""
    reason = "a file or a broken link is in the way of a folder" if err.errno == errno.EEXIST else err.strerror
    return OutputError(f"cannot {verb} '{shown(path)}': {shown(reason or str(err))}")


def _checked_path(path: object) -> str:
    """The output path as a str; empty or NUL-containing paths are the user's mistake, not an OSError."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise InvalidType(f"output path must be a str or a path, not {type(path).__name__}")
    text = os.fsdecode(path)
    if not text:
        raise InvalidOption("output path is empty (name a file or a folder)")
    if "\0" in text:
        raise InvalidOption(f"output path '{shown(text)}' contains a NUL character")
    return text


def _encode(data: object) -> bytes:
    """str is written as UTF-8; bytes as given."""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise InvalidType(f"file content must be str or bytes, not {type(data).__name__}")


def _write_all(fd: int, raw: bytes) -> None:
    """os.write may write less than asked (pipes, devices); loop until every byte is out."""
    view = memoryview(raw)
    while view:
        view = view[os.write(fd, view) :]


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for the block, so Ctrl-C lands before or after a write, never inside it."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, ())  # the mask to restore, read before changing it
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a held Ctrl-C is raised here, once the work is done


def _temp_prefix(name: str) -> str:
    """'.<name>.' cut to 200 bytes, so the temp name stays within NAME_MAX even for a long target name."""
    return "." + os.fsdecode(os.fsencode(name)[:200]) + "."


def _replace(dfd: int, name: str, raw: bytes, like: os.stat_result | None = None) -> None:
    """Write a temp file beside `name` in folder `dfd`, then rename it over: readers see old or new, never half.

    `like` is the file being replaced: its mode (and, as root, owner) carry over. Without it the mode is what a
    plain open() gives (0o666 minus the umask). A link at `name` is replaced, never written through.
    """
    tmp = f"{_temp_prefix(name)}{secrets.token_hex(6)}{TEMP_SUFFIX}"
    with _uninterrupted():
        fd = os.open(tmp, _NEW, 0o600 if like else 0o666, dir_fd=dfd)
        try:
            try:
                if like is not None:
                    if os.geteuid() == 0:
                        with suppress(OSError):
                            os.fchown(fd, like.st_uid, like.st_gid)
                    with suppress(OSError):
                        os.fchmod(fd, stat.S_IMODE(like.st_mode))
                _write_all(fd, raw)
            finally:
                os.close(fd)
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)
            raise


def _write_through(dfd: int, name: str, raw: bytes) -> None:
    """Open what is there and write into it: devices, FIFOs, and files other names (hard links) share."""
    fd = os.open(name, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
    try:
        _write_all(fd, raw)
    finally:
        os.close(fd)


def _clear_own_temps(dfd: int, name: str) -> None:
    """Remove `.<name>.<random>.resnet-viz-tmp` regular files a killed earlier write left beside `name`."""
    ours = re.compile(re.escape(_temp_prefix(name)) + "[0-9a-f]{12}" + re.escape(TEMP_SUFFIX))
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


def write_file(path: _PathArg, data: str | bytes) -> Path:
    """Write `data` to the file `path` names (`-o FILE`) so that it behaves like `cat > FILE`, only atomic.

    A device or FIFO is written through, a link keeps being a link (its final target changes), a regular file is
    replaced atomically keeping its mode/owner, or written in place when it has other hard links. "-" is refused:
    callers print standard output themselves. Returns `path` as given.
    """
    given = _checked_path(path)
    if given == "-":
        raise InvalidOption("output path '-' means standard output: print it instead of writing a file")
    raw = _encode(data)
    try:
        parent, name = os.path.split(_target(given))
        dfd = os.open(parent or ".", _DIR)
        try:
            try:
                st: os.stat_result | None = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            except FileNotFoundError:
                st = None
            kind = stat.S_IFMT(st.st_mode) if st is not None else None
            if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
                _write_through(dfd, name, raw)  # no temp file; interruptible, as a FIFO may wait for its reader
            elif kind == stat.S_IFREG and st is not None and st.st_nlink > 1:
                with _uninterrupted():
                    _write_through(dfd, name, raw)  # other names of this file must see the new bytes too
            else:
                _clear_own_temps(dfd, name)
                _replace(dfd, name, raw, st if kind == stat.S_IFREG else None)  # a racing link is replaced
        finally:
            os.close(dfd)
    except OutputError:
        raise
    except OSError as err:
        raise _fail(given, err) from err
    except RecursionError:
        raise OutputError(f"cannot write '{shown(given)}': too many levels of symbolic links") from None
    return Path(given)


# --- the output folder --------------------------------------------------------------------------------------------


def _checked_rel(rel: object) -> str:
    """A file name inside the output folder: relative, POSIX, normal, printable, not ours to keep."""
    if not isinstance(rel, str):
        raise InvalidType(f"output file names must be str, not {type(rel).__name__}")
    parts = rel.split("/")
    if (any(p in ("", ".", "..") for p in parts) or "\\" in rel or not rel.isprintable()
            or rel in (MARKER, MANIFEST) or rel.endswith(TEMP_SUFFIX)):
        raise InvalidOption(f"invalid output file name '{shown(rel)}' (must be a relative path inside the output "
                            f"folder without '..', '//', '\\' or control characters, and not {MARKER} or {MANIFEST})")
    return rel


def _manifest(entries: Iterable[tuple[str, str]]) -> bytes:
    """'<sha256>  <rel>' lines, sorted, so the same files always give the same manifest."""
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(set(entries))).encode("utf-8")


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


def _clear_temps(root: int) -> None:
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


class _Folder:
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
        return _fail(str(Path(self.path, *parts)), err, verb)

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
            _replace(fd, parts[-1], raw)
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
                if _HEX.fullmatch(digest) and line[64:66] == "  ":
                    entries.setdefault(_checked_rel(rel), set()).add(digest)
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


def _open_output(out: str, force: bool) -> tuple[int, bool]:
    """Open (making it if missing) the output folder once; refuse a foreign non-empty one. → (fd, ours)."""
    try:
        try:
            if not stat.S_ISDIR(Path(out).stat().st_mode):
                raise OutputError(f"output folder '{shown(out)}' is a file (must be a folder, or a new name)")
        except FileNotFoundError:
            if Path(out).is_symlink():
                raise OutputError(f"output folder '{shown(out)}' is a link to a missing folder") from None
            Path(out).mkdir(parents=True, exist_ok=True)
        root = os.open(out, _DIR)  # follows a link the user gave, once; everything after is relative to this fd
    except OutputError:
        raise
    except OSError as err:
        raise _fail(out, err) from err
    try:
        names = [entry.name for entry in os.scandir(root)]
    except OSError as err:
        os.close(root)
        raise _fail(out, err) from err
    ours = MARKER in names or all(n.endswith(TEMP_SUFFIX) for n in names)
    if not ours and not force:
        os.close(root)
        raise OutputExists(f"output folder '{shown(out)}' is not empty and was not made by resnet-viz "
                           "(use --force to write into it)")
    return root, ours


def write_folder(files: Mapping[str, str | bytes], out_dir: _PathArg, *, force: bool = False,
                 owned: Callable[[str], bool] = lambda rel: True) -> list[Path]:
    """Write a whole output folder: relative POSIX paths → content. Returns out_dir/rel for each, sorted.

    Each file is replaced atomically (a planted link is replaced, not written through). Files the previous write
    recorded but this one does not are removed only if `owned(rel)` accepts them and their bytes still hash to
    the recorded SHA-256, so a forged manifest or a user's edit never costs a file. The manifest lists old and
    new files until the end, so an interrupted run still lets the next one clean up.
    """
    out = _checked_path(out_dir)
    new = {_checked_rel(rel): _encode(data) for rel, data in files.items()}
    dirs = {rel.rsplit("/", i)[0] for rel in new for i in range(1, rel.count("/") + 1)}
    if clash := sorted(dirs & new.keys()):
        raise InvalidOption(f"invalid output file name '{shown(clash[0])}' (also used as a folder)")
    digests = {rel: hashlib.sha256(raw).hexdigest() for rel, raw in new.items()}
    root, ours = _open_output(out, force)
    folder = _Folder(root, out)
    try:
        folder.put(MARKER, _MARKER_TEXT)
        if ours:
            _clear_temps(root)
        old = folder.manifest()
        folder.put(MANIFEST, _manifest([(r, d) for r, ds in old.items() for d in ds] + list(digests.items())))
        for rel in sorted(new):
            folder.put(rel, new[rel])
        stale = sorted(old.keys() - new.keys())
        folder.prune([rel for rel in stale if owned(rel) and folder.remove_if_ours(rel, old[rel])])
        folder.put(MANIFEST, _manifest(digests.items()))
    finally:
        folder.close()
    return [Path(out, rel) for rel in sorted(new)]
