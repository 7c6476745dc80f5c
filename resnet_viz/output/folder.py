"""`write_folder`: a whole output folder written, and what the previous write left there cleaned up safely.

Why so careful: output folders may come from a cloned repository. So a folder resnet-viz did not make is refused
unless forced, and a file the previous write recorded is deleted only when its exact bytes are still the ones we
wrote (the hashed manifest); every failure is one OutputError.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from ..errors import InvalidOption, OutputError, OutputExists
from .atomic import TEMP_SUFFIX, checked_content
from .folder_fd import Folder, clear_temps
from .manifest import MANIFEST, MARKER, checked_rel, manifest_bytes
from .paths import OPEN_DIR, PathArg, checked_path, failure, shown

_MARKER_TEXT = b"This folder was written by resnet-viz; it may overwrite the files in it.\n"


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
        root = os.open(out, OPEN_DIR)  # follows a link the user gave, once; everything after is relative to this fd
    except OutputError:
        raise
    except OSError as err:
        raise failure(out, err) from err
    try:
        names = [entry.name for entry in os.scandir(root)]
    except OSError as err:
        os.close(root)
        raise failure(out, err) from err
    ours = MARKER in names or all(n.endswith(TEMP_SUFFIX) for n in names)
    if not ours and not force:
        os.close(root)
        raise OutputExists(f"output folder '{shown(out)}' is not empty and was not made by resnet-viz "
                           "(use --force to write into it)")
    return root, ours


def write_folder(files: Mapping[str, str | bytes], out_dir: PathArg, *, force: bool = False,
                 owned: Callable[[str], bool] = lambda rel: True) -> list[Path]:
    """Write a whole output folder: relative POSIX paths → content. Returns out_dir/rel for each, sorted.

    Each file is replaced atomically (a planted link is replaced, not written through). Files the previous write
    recorded but this one does not are removed only if `owned(rel)` accepts them and their bytes still hash to
    the recorded SHA-256, so a forged manifest or a user's edit never costs a file. The manifest lists old and
    new files until the end, so an interrupted run still lets the next one clean up.
    """
    out = checked_path(out_dir)
    new = {checked_rel(rel): checked_content(data) for rel, data in files.items()}
    dirs = {rel.rsplit("/", i)[0] for rel in new for i in range(1, rel.count("/") + 1)}
    if clash := sorted(dirs & new.keys()):
        raise InvalidOption(f"invalid output file name '{shown(clash[0])}' (also used as a folder)")
    digests = {rel: hashlib.sha256(raw).hexdigest() for rel, raw in new.items()}
    root, ours = _open_output(out, force)
    folder = Folder(root, out)
    try:
        folder.put(MARKER, _MARKER_TEXT)
        if ours:
            clear_temps(root)
        old = folder.manifest()
        folder.put(MANIFEST, manifest_bytes([(r, d) for r, ds in old.items() for d in ds] + list(digests.items())))
        for rel in sorted(new):
            folder.put(rel, new[rel])
        stale = sorted(old.keys() - new.keys())
        folder.prune([rel for rel in stale if owned(rel) and folder.remove_if_ours(rel, old[rel])])
        folder.put(MANIFEST, manifest_bytes(digests.items()))
    finally:
        folder.close()
    return [Path(out, rel) for rel in sorted(new)]
