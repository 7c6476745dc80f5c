"""Bytes into one name of an open folder, never half-written: a temp file beside it, then a rename over it.

Both kinds of write use it: `write_file` for a regular file, `write_folder` for every file of an output folder.
The write is held from SIGINT/SIGTERM so Ctrl-C lands before or after it, and a failed one removes its temp file.
"""

from __future__ import annotations

import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

from ..errors import InvalidType

TEMP_SUFFIX = ".resnet-viz-tmp"  # every temp file ends so, so a later run can find what a killed one left

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def checked_content(data: object) -> bytes:
    """str is written as UTF-8; bytes as given."""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise InvalidType(f"file content must be str or bytes, not {type(data).__name__}")


def write_all(fd: int, raw: bytes) -> None:
    """os.write may write less than asked (pipes, devices); loop until every byte is out."""
    view = memoryview(raw)
    while view:
        view = view[os.write(fd, view) :]


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for the block, so Ctrl-C lands before or after a write, never inside it.

    Python runs signal handlers in the main thread whichever thread the kernel picked (torch's worker threads do
    not block the signal, so a signal mask would not hold it): the block swaps in a handler that only notes the
    signal, and the previous handler runs once the block is done.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[tuple[signal.Signals, FrameType | None]] = []
    previous = {s: signal.signal(s, lambda signum, frame: held.append((signal.Signals(signum), frame))) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        if held:
            _deliver(held[0][0], held[0][1], previous[held[0][0]])


def _deliver(signum: int, frame: FrameType | None, handler: object) -> None:
    """Run what the signal would have run: the handler, the default action (SIGINT's is KeyboardInterrupt), or
    nothing when it is ignored."""
    if callable(handler):
        handler(signum, frame)
    elif handler == signal.SIG_IGN:
        return
    elif signum == signal.SIGINT:
        raise KeyboardInterrupt
    else:
        signal.raise_signal(signum)  # the default action, now that the default handler is back


def temp_prefix(name: str) -> str:
    """'.<name>.' cut to 200 bytes, so the temp name stays within NAME_MAX even for a long target name."""
    return "." + os.fsdecode(os.fsencode(name)[:200]) + "."


def replace_atomically(dfd: int, name: str, raw: bytes, like: os.stat_result | None = None) -> None:
    """Write a temp file beside `name` in folder `dfd`, then rename it over: readers see old or new, never half.

    `like` is the file being replaced: its mode (and, as root, owner) carry over. Without it the mode is what a
    plain open() gives (0o666 minus the umask). A link at `name` is replaced, never written through.
    """
    tmp = f"{temp_prefix(name)}{secrets.token_hex(6)}{TEMP_SUFFIX}"
    with uninterrupted():
        fd = os.open(tmp, _NEW, 0o600 if like else 0o666, dir_fd=dfd)
        try:
            try:
                if like is not None:
                    if os.geteuid() == 0:
                        with suppress(OSError):
                            os.fchown(fd, like.st_uid, like.st_gid)
                    with suppress(OSError):
                        os.fchmod(fd, stat.S_IMODE(like.st_mode))
                write_all(fd, raw)
            finally:
                os.close(fd)
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)
            raise
