"""resnet_viz.output (paths, atomic, single_file, manifest, folder_fd, folder): each test reproduces a way the old
files.py/report.py lost or damaged data.

Everything happens under tmp_path: devices are our own mknod'ed null device, FIFOs our own, and failures of the
file system (EROFS, ENOSPC) are simulated by patching os functions, never by writing to a system path.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import stat
import threading
from pathlib import Path

import pytest

from resnet_viz.errors import InvalidOption, OutputError, OutputExists
from resnet_viz.output import atomic, folder_fd
from resnet_viz.output.atomic import TEMP_SUFFIX
from resnet_viz.output.folder import _MARKER_TEXT, write_folder
from resnet_viz.output.manifest import MANIFEST, MARKER
from resnet_viz.output.paths import shown
from resnet_viz.output.single_file import write_file


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree(root: Path) -> dict[str, bytes]:
    """Regular files below root (relative path → bytes), links not followed."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            p = Path(folder, name)
            if p.is_file() and not p.is_symlink():
                found[p.relative_to(root).as_posix()] = p.read_bytes()
    return found


def temps(root: Path) -> list[str]:
    return [str(p) for p in root.rglob(f"*{TEMP_SUFFIX}")]


def one_line(err: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(err.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture
def umask():
    """Set a umask for one test and restore the old one."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


def null_device(path: Path) -> Path:
    """A null character device node inside tmp_path (skips where mknod is not allowed or devices are off)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.close(os.open(path, os.O_WRONLY))
    except PermissionError:
        pytest.skip("cannot create or open a device node here")
    return path


# --- shown ------------------------------------------------------------------------------------------------------


def test_shown_escapes_control_characters_without_quotes():
    assert shown("out/a\nb\tc\x1bd.json") == "out/a\\nb\\tc\\x1bd.json"
    assert shown(Path("plain name/ü.json")) == "plain name/ü.json"
    assert shown(b"raw\xff") == "raw\\udcff"


# --- item 2: -o FILE writes *to* what it names ------------------------------------------------------------------


def test_new_file_mode_follows_the_umask_not_a_fixed_644(tmp_path, umask):
    umask(0o077)
    write_file(tmp_path / "secret.json", "{}")
    umask(0o002)
    write_file(tmp_path / "shared.json", "{}")
    assert stat.S_IMODE((tmp_path / "secret.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared.json").stat().st_mode) == 0o664


def test_existing_file_keeps_mode_600(tmp_path):
    f = tmp_path / "private.json"
    f.write_text("old")
    f.chmod(0o600)
    assert write_file(f, "new") == f
    assert f.read_text() == "new"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
def test_existing_file_keeps_owner_when_root(tmp_path):
    f = tmp_path / "theirs.json"
    f.write_text("old")
    os.chown(f, 12345, 23456)
    write_file(f, "new")
    assert (f.stat().st_uid, f.stat().st_gid) == (12345, 23456)


def test_hard_linked_file_is_updated_under_both_names(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text("old")
    os.link(a, b)
    write_file(a, "new")
    assert b.read_text() == "new" and a.stat().st_ino == b.stat().st_ino and a.stat().st_nlink == 2


def test_symlink_chain_is_kept_and_its_target_updated(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    (tmp_path / "hop.json").symlink_to("real.json")
    link = tmp_path / "link.json"
    link.symlink_to("hop.json")
    write_file(link, "new")
    assert link.readlink() == Path("hop.json") and (tmp_path / "hop.json").readlink() == Path("real.json")
    assert real.read_text() == "new"
    assert temps(tmp_path) == []


def test_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    write_file(link, "new")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "new"


def test_dangling_link_into_a_missing_folder_is_an_error_and_makes_no_folder(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("nowhere/made.json")
    with pytest.raises(OutputError) as err:
        write_file(link, "x")
    assert "No such file or directory" in one_line(err)
    assert not (tmp_path / "nowhere").exists()


def test_character_device_and_links_to_it_are_written_through(tmp_path):
    dev = null_device(tmp_path / "null")
    (tmp_path / "fd1").symlink_to(dev)
    stdout = tmp_path / "stdout"  # like /dev/stdout -> /proc/self/fd/1 -> a device
    stdout.symlink_to(tmp_path / "fd1")
    write_file(dev, "to the device\n")
    write_file(stdout, "through two links\n")
    assert stat.S_ISCHR(os.lstat(dev).st_mode) and os.lstat(dev).st_rdev == os.makedev(1, 3)
    assert stdout.is_symlink() and (tmp_path / "fd1").is_symlink()
    assert temps(tmp_path) == []


def test_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_file(fifo, "through the pipe\n")
    reader.join(10)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_missing_parent_folders_are_made(tmp_path):
    assert write_file(tmp_path / "a" / "b" / "c.json", b"\x00\x01") == tmp_path / "a" / "b" / "c.json"
    assert (tmp_path / "a" / "b" / "c.json").read_bytes() == b"\x00\x01"


def test_parent_folder_through_a_dangling_link_is_not_made(tmp_path):
    (tmp_path / "gone").symlink_to("nowhere")
    with pytest.raises(OutputError) as err:
        write_file(tmp_path / "gone" / "x.json", "x")
    assert "in the way" in one_line(err)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("bad", ["", "-", "a\0b"])
def test_empty_dash_or_nul_path_is_an_invalid_option(bad):
    with pytest.raises(InvalidOption):
        write_file(bad, "x")


# --- item 5: one line, never a traceback -----------------------------------------------------------------------


def test_link_loop_is_one_line(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OutputError) as err:
        write_file(tmp_path / "a", "x")
    assert one_line(err) == f"cannot write '{tmp_path}/a': Too many levels of symbolic links"
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_parent_that_is_a_file_is_one_line_with_the_name_escaped(tmp_path):
    (tmp_path / "bad\nname").write_text("a file, not a folder")
    with pytest.raises(OutputError) as err:
        write_file(tmp_path / "bad\nname" / "x.json", "x")
    assert one_line(err) == f"cannot write '{tmp_path}/bad\\nname/x.json': Not a directory"


def test_folder_given_as_file(tmp_path):
    (tmp_path / "sub").mkdir()
    for given in (tmp_path / "sub", f"{tmp_path}/sub/"):
        with pytest.raises(OutputError) as err:
            write_file(given, "x")
        assert one_line(err).endswith("is a folder (must be a file)")


def test_read_only_file_system_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args, **kw):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OutputError) as err:
        write_file(tmp_path / "x.json", "x")
    monkeypatch.undo()
    assert one_line(err) == f"cannot write '{tmp_path}/x.json': Read-only file system"
    assert list(tmp_path.iterdir()) == []


def test_full_disk_keeps_the_old_file_and_removes_the_temp(tmp_path, monkeypatch):
    f = tmp_path / "x.json"
    f.write_text("old")

    def full(fd, raw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "write_all", full)
    with pytest.raises(OutputError) as err:
        write_file(f, "new")
    assert one_line(err) == f"cannot write '{f}': No space left on device"
    assert f.read_text() == "old" and temps(tmp_path) == []


# --- item 3: interrupts and what killed runs left ----------------------------------------------------------------


@pytest.fixture
def sigint_raises():
    """SIGINT raises KeyboardInterrupt (Python's default), restored afterwards."""
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, saved)


def interrupt_when(monkeypatch, content: bytes):
    """Deliver SIGINT to ourselves in the middle of writing `content` (between two chunks of it)."""
    real = atomic.write_all

    def write(fd, raw):
        real(fd, raw[: len(raw) // 2])
        if raw == content:
            os.kill(os.getpid(), signal.SIGINT)
        real(fd, raw[len(raw) // 2 :])

    monkeypatch.setattr(atomic, "write_all", write)


def test_sigint_during_a_file_write_lands_after_it(tmp_path, monkeypatch, sigint_raises):
    f = tmp_path / "x.json"
    f.write_text("old")
    interrupt_when(monkeypatch, b"new content")
    with pytest.raises(KeyboardInterrupt):
        write_file(f, "new content")
    assert f.read_text() == "new content" and temps(tmp_path) == []


def test_sigint_lands_after_the_write_while_other_threads_run(tmp_path, monkeypatch, sigint_raises):
    """torch's worker threads do not block SIGINT: the kernel hands the signal to one of them, and Python still
    runs the handler in the main thread, mid-write, unless the write holds it at the Python level."""
    import threading

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        f = tmp_path / "x.json"
        f.write_text("old")
        interrupt_when(monkeypatch, b"new content")
        with pytest.raises(KeyboardInterrupt):
            write_file(f, "new content")
        assert f.read_text() == "new content" and temps(tmp_path) == []
    finally:
        stop.set()
        worker.join()


def test_sigint_during_a_folder_write_lands_after_that_file_and_the_next_run_cleans_up(
        tmp_path, monkeypatch, sigint_raises):
    out = tmp_path / "out"
    write_folder({"a.txt": "a1", "old.txt": "o1"}, out)
    interrupt_when(monkeypatch, b"a2")
    with pytest.raises(KeyboardInterrupt):
        write_folder({"a.txt": "a2", "b.txt": "b2"}, out)
    monkeypatch.undo()
    assert (out / "a.txt").read_text() == "a2" and not (out / "b.txt").exists() and temps(out) == []
    write_folder({"a.txt": "a3"}, out)
    assert set(tree(out)) == {MARKER, MANIFEST, "a.txt"}  # old.txt was still listed, so it was cleaned


def test_write_file_removes_its_own_stale_temps_only(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    stale = tmp_path / f".x.json.0123456789ab{TEMP_SUFFIX}"
    stale.write_text("left by kill -9")
    linked = tmp_path / f".x.json.0123456789ac{TEMP_SUFFIX}"
    linked.symlink_to(victim)
    other = tmp_path / f".other.json.0123456789ab{TEMP_SUFFIX}"
    other.write_text("another target's")
    write_file(tmp_path / "x.json", "x")
    assert not stale.exists() and linked.is_symlink() and other.exists() and victim.read_text() == "keep"


def test_write_folder_removes_temps_left_anywhere_below_but_not_behind_links(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    write_folder({"index.html": "x", "tables/t.md": "t"}, out)
    outside.mkdir()
    (outside / f".y{TEMP_SUFFIX}").write_text("not ours to touch")
    (out / "elsewhere").symlink_to(outside)
    (out / f".index.html.abc{TEMP_SUFFIX}").write_text("")
    (out / "tables" / f".t.md.0123456789ab{TEMP_SUFFIX}").write_text("half")
    write_folder({"index.html": "x", "tables/t.md": "t"}, out)
    assert temps(out) == [] and (outside / f".y{TEMP_SUFFIX}").exists()


def test_folder_holding_only_temps_of_a_killed_first_run_is_accepted(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / f".{MARKER}.0123456789ab{TEMP_SUFFIX}").write_text("")
    write_folder({"a.txt": "a"}, out)
    assert set(tree(out)) == {MARKER, MANIFEST, "a.txt"}


# --- item 1: cleanup deletes only verified files of ours, never through a link -----------------------------------


def test_cloned_report_folder_cannot_delete_files_outside_through_a_link(tmp_path):
    evil, victim = tmp_path / "evil", tmp_path / "victim"
    evil.mkdir()
    victim.mkdir()
    (victim / "f").write_text("precious\n")
    (evil / MARKER).touch()
    right_hash = sha(b"precious\n")
    (evil / MANIFEST).write_text(f"link/f\n{right_hash}  link/f\n")
    (evil / "link").symlink_to(victim)
    write_folder({"index.html": "<p>report</p>\n"}, evil)
    assert (victim / "f").read_text() == "precious\n" and (evil / "link").is_symlink()


def test_forged_manifest_entry_with_a_wrong_hash_keeps_the_users_file(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).touch()
    (out / "notes.txt").write_text("my notes\n")
    (out / MANIFEST).write_text(f"{'0' * 64}  notes.txt\n")
    write_folder({"index.html": "x"}, out)
    assert (out / "notes.txt").read_text() == "my notes\n"
    assert (out / MANIFEST).read_text() == f"{sha(b'x')}  index.html\n"


def test_old_style_manifest_removes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).touch()
    (out / "old.md").write_text("from an old version")
    (out / MANIFEST).write_text("old.md\n")
    write_folder({"index.html": "x"}, out)
    assert (out / "old.md").exists()


def test_stale_file_we_wrote_is_removed_and_its_empty_folders_pruned(tmp_path):
    out = tmp_path / "out"
    write_folder({"index.html": "a", "tables/deep/old.md": "old", "tables/kept.md": "k"}, out)
    write_folder({"index.html": "b", "tables/kept.md": "k"}, out)
    assert tree(out) == {MARKER: _MARKER_TEXT, MANIFEST: (out / MANIFEST).read_bytes(),
                         "index.html": b"b", "tables/kept.md": b"k"}
    assert not (out / "tables" / "deep").exists()
    write_folder({"index.html": "c"}, out)
    assert not (out / "tables").exists() and out.is_dir()


def test_stale_file_the_user_edited_is_kept(tmp_path):
    out = tmp_path / "out"
    write_folder({"index.html": "a", "tables/old.md": "old"}, out)
    (out / "tables" / "old.md").write_text("mine now")
    write_folder({"index.html": "b"}, out)
    assert (out / "tables" / "old.md").read_text() == "mine now"


def test_only_paths_the_owned_rule_accepts_are_removed(tmp_path):
    out = tmp_path / "out"
    write_folder({"index.html": "a", "notes.md": "n", "tables/t.md": "t"}, out)
    write_folder({"index.html": "a"}, out, owned=lambda rel: rel.startswith("tables/"))
    assert (out / "notes.md").exists() and not (out / "tables").exists()


def test_stale_entry_that_became_a_link_is_kept_and_not_followed(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside.txt"
    write_folder({"a.txt": "a", "b.txt": "same bytes"}, out)
    outside.write_text("same bytes")
    (out / "b.txt").unlink()
    (out / "b.txt").symlink_to(outside)
    write_folder({"a.txt": "a"}, out)
    assert (out / "b.txt").is_symlink() and outside.read_text() == "same bytes"


def test_planted_manifest_fifo_or_link_is_not_read(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside.txt"
    outside.write_text("bait")
    out.mkdir()
    (out / MARKER).touch()
    (out / "bait.txt").write_text("bait")
    (out / "list.txt").write_text(f"{sha(b'bait')}  bait.txt\n")
    (out / MANIFEST).symlink_to("list.txt")
    write_folder({"a.txt": "a"}, out)
    assert (out / "bait.txt").exists() and not (out / MANIFEST).is_symlink()
    (out / MANIFEST).unlink()
    os.mkfifo(out / MANIFEST)
    worker = threading.Thread(target=write_folder, args=({"a.txt": "a"}, out), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "reading a FIFO manifest must not wait for a writer"
    assert (out / MANIFEST).is_file()


def test_interrupted_run_leaves_a_manifest_of_old_and_new_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_folder({"a.txt": "a1", "b.txt": "b1"}, out)
    real = atomic.write_all

    def full_at_c(fd, raw):
        if raw == b"c2":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, raw)

    monkeypatch.setattr(atomic, "write_all", full_at_c)
    with pytest.raises(OutputError) as err:
        write_folder({"a.txt": "a2", "c.txt": "c2"}, out)
    monkeypatch.undo()
    assert one_line(err) == f"cannot write '{out}/c.txt': No space left on device"
    listed = {tuple(line.split("  ")) for line in (out / MANIFEST).read_text().splitlines()}
    assert listed == {(sha(b"a1"), "a.txt"), (sha(b"a2"), "a.txt"), (sha(b"b1"), "b.txt"), (sha(b"c2"), "c.txt")}
    write_folder({"a.txt": "a3"}, out)
    assert set(tree(out)) == {MARKER, MANIFEST, "a.txt"}


# --- write_folder: links, foreign folders, names -----------------------------------------------------------------


def test_planted_link_in_the_output_folder_is_replaced_not_written_through(tmp_path):
    out, bashrc = tmp_path / "out", tmp_path / "bashrc"
    bashrc.write_text("alias ls='ls --color'\n")
    out.mkdir()
    (out / MARKER).touch()
    (out / "index.html").symlink_to(bashrc)
    write_folder({"index.html": "<p>report</p>"}, out)
    assert bashrc.read_text() == "alias ls='ls --color'\n"
    assert not (out / "index.html").is_symlink() and (out / "index.html").read_text() == "<p>report</p>"


def test_linked_or_non_folder_component_inside_the_output_is_refused(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    write_folder({"index.html": "x"}, out)
    (out / "tables").symlink_to(outside)
    with pytest.raises(OutputError) as err:
        write_folder({"tables/t.md": "t"}, out)
    assert one_line(err) == (f"cannot write '{out}/tables/t.md': '{out}/tables' is a link "
                             "(never followed inside the output folder)")
    assert list(outside.iterdir()) == [] and (out / "tables").is_symlink()
    (out / "tables").unlink()
    (out / "tables").write_text("a file")
    with pytest.raises(OutputError, match="'.*/out/tables' is not a folder"):
        write_folder({"tables/t.md": "t"}, out)


def test_foreign_non_empty_folder_needs_force(tmp_path):
    (tmp_path / "mine.txt").write_text("mine")
    with pytest.raises(OutputExists, match="--force") as err:
        write_folder({"a.txt": "a"}, tmp_path)
    one_line(err)
    write_folder({"a.txt": "a"}, tmp_path, force=True)
    write_folder({"b.txt": "b"}, tmp_path)  # ours now
    assert set(tree(tmp_path)) == {MARKER, MANIFEST, "mine.txt", "b.txt"}


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "report"
    f.write_text("a file")
    with pytest.raises(OutputError, match="is a file"):
        write_folder({"a.txt": "a"}, f)
    assert f.read_text() == "a file"


def test_output_folder_given_as_a_link_is_resolved_once(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    written = write_folder({"b.txt": "b", "a/c.txt": "c"}, tmp_path / "link")
    assert written == [tmp_path / "link" / "a/c.txt", tmp_path / "link" / "b.txt"]
    assert (tmp_path / "link").is_symlink() and set(tree(tmp_path / "real")) == {MARKER, MANIFEST, "a/c.txt", "b.txt"}


def test_output_folder_below_a_file_is_one_line(tmp_path):
    (tmp_path / "plain").write_text("a file")
    with pytest.raises(OutputError) as err:
        write_folder({"a.txt": "a"}, tmp_path / "plain" / "out")
    assert one_line(err) == f"cannot write '{tmp_path}/plain/out': Not a directory"


def test_dangling_link_as_output_folder_is_refused(tmp_path):
    (tmp_path / "link").symlink_to("nowhere")
    with pytest.raises(OutputError, match="link to a missing folder"):
        write_folder({"a.txt": "a"}, tmp_path / "link")
    assert not (tmp_path / "nowhere").exists()


def test_missing_output_folder_and_parents_are_made(tmp_path):
    write_folder({"a.txt": "a"}, tmp_path / "x" / "y")
    assert (tmp_path / "x" / "y" / MARKER).is_file()


@pytest.mark.parametrize("rel", ["/abs", "../up", "a/../b", "a//b", "a/./b", "a/", "a\\b", "", "x\ny",
                                 MARKER, MANIFEST, f"a{TEMP_SUFFIX}"])
def test_invalid_relative_names(tmp_path, rel):
    with pytest.raises(InvalidOption):
        write_folder({rel: "x"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_name_used_as_file_and_folder_is_invalid(tmp_path):
    with pytest.raises(InvalidOption, match="also used as a folder"):
        write_folder({"tables": "x", "tables/t.md": "t"}, tmp_path / "out")


def test_mkdir_on_a_read_only_file_system_is_one_line(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_folder({"a.txt": "a"}, out)

    def read_only(*args, **kw):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "mkdir", read_only)
    with pytest.raises(OutputError) as err:
        write_folder({"tables/t.md": "t"}, out)
    assert one_line(err) == f"cannot write '{out}/tables/t.md': Read-only file system"


# --- item 4: the output folder vanishing mid-run -----------------------------------------------------------------


def test_output_folder_deleted_between_two_writes_is_an_error_and_not_recreated(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real = folder_fd.replace_atomically

    def replace_then_delete(dfd, name, raw, like=None):
        real(dfd, name, raw, like)
        if name == "a.txt":
            shutil.rmtree(out)

    monkeypatch.setattr(folder_fd, "replace_atomically", replace_then_delete)
    with pytest.raises(OutputError) as err:
        write_folder({"a.txt": "a", "b.txt": "b"}, out)
    assert one_line(err) == f"output folder '{out}' disappeared during the run (not recreated)"
    assert not out.exists()


def test_sub_folder_deleted_mid_run_is_named_and_not_recreated(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real = folder_fd.replace_atomically

    def replace_then_delete(dfd, name, raw, like=None):
        real(dfd, name, raw, like)
        if name == "a.md":
            shutil.rmtree(out / "tables")

    monkeypatch.setattr(folder_fd, "replace_atomically", replace_then_delete)
    with pytest.raises(OutputError) as err:
        write_folder({"tables/a.md": "a", "tables/b.md": "b"}, out)
    assert one_line(err) == f"folder '{out}/tables' disappeared during the run (not recreated)"
    assert not (out / "tables").exists()


# --- determinism --------------------------------------------------------------------------------------------------


def test_same_input_gives_byte_identical_folders(tmp_path):
    content = {"index.html": "<p>ü</p>\n", "tables/b.csv": "1,2\n", "tables/a.md": b"|a|\n", "trace.json": "{}"}
    write_folder(content, tmp_path / "one")
    write_folder(dict(reversed(list(content.items()))), tmp_path / "two")
    first = tree(tmp_path / "one")
    assert first == tree(tmp_path / "two")
    write_folder(content, tmp_path / "one")
    assert tree(tmp_path / "one") == first
    listed = [line.split("  ")[1] for line in first[MANIFEST].decode().splitlines()]
    assert listed == ["index.html", "tables/a.md", "tables/b.csv", "trace.json"]
