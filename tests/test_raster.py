"""The external programs: `dot` draws svg/png/pdf or fails with one line; a headless Chromium rasterises SVG at 2×,
and when it fails the message gives the line that explains why, not its launcher's noise."""

from __future__ import annotations

import http.server
import os
import re
import struct
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from conftest import require_tool

from resnet_viz.errors import InvalidOption, MissingTool
from resnet_viz.render import raster
from resnet_viz.render.dot import Graph

PNG = b"\x89PNG\r\n\x1a\n"
MAGIC = {"svg": b"<?xml", "png": PNG, "pdf": b"%PDF-"}
TINY = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="50" viewBox="0 0 120 50">'
        '<rect x="5" y="5" width="110" height="40" rx="6" fill="#2f80ed" stroke-width="3"/></svg>')


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG) and data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def tiny_png(w: int, h: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))
    return (PNG + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def small_source() -> str:
    g = Graph("t", node={"shape": "box"})
    g.node("a", ["conv1", "7×7, 64"])
    g.edge("a", "b", label="56×56×64")
    return g.source


# --- dot --------------------------------------------------------------------------------------------
@pytest.mark.dot
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_run_dot_formats(fmt: str) -> None:
    require_tool("dot", "dot")
    assert raster.dot_available()
    out = raster.run_dot(small_source(), fmt)
    assert out.startswith(MAGIC[fmt])
    if fmt == "svg":
        assert "<svg" in out.decode() and "7×7, 64" in out.decode()


def test_run_dot_unknown_format() -> None:
    with pytest.raises(InvalidOption, match="must be one of: svg, png, pdf"):
        raster.run_dot(small_source(), "dot")


@pytest.mark.dot
def test_broken_source_is_one_line_with_dots_error() -> None:
    require_tool("dot", "dot")
    with pytest.raises(MissingTool) as e:
        raster.run_dot('digraph {\n "a" -> \n}\n', "svg")
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith("dot could not draw the graph as svg: Error: ")
    assert "syntax error in line 3" in message


@pytest.mark.dot
def test_run_dot_reads_no_file_the_source_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raw DOT from elsewhere may name files; dot runs with its own file loading switched off."""
    require_tool("dot", "dot")
    picture = tmp_path / "x.png"
    picture.write_bytes(tiny_png(4, 4))
    monkeypatch.setenv("GV_FILE_PATH", str(tmp_path))  # even where the caller's environment allows a folder
    svg = raster.run_dot(f'digraph {{ a [image="{picture}"] }}', "svg").decode()
    assert "<image" not in svg and str(picture) not in svg


def test_missing_dot_is_missing_tool_with_the_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not raster.dot_available()
    for fmt in ("svg", "png", "pdf"):
        with pytest.raises(MissingTool) as e:
            raster.run_dot(small_source(), fmt)
        assert raster.DOT_HINT in str(e.value) and "\n" not in str(e.value)


def test_dot_that_crashes_says_so_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Warning: something odd' >&2\necho 'Error: out of memory' >&2\n"
                    "echo 'second error line' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingTool, match=r"^dot could not draw the graph as png: Error: out of memory$"):
        raster.run_dot(small_source(), "png")
    fake.write_text("#!/bin/sh\nexit 0\n")  # exit 0 but nothing written
    with pytest.raises(MissingTool, match=r"no output, exit code 0$"):
        raster.run_dot(small_source(), "svg")


# --- Chromium ---------------------------------------------------------------------------------------
def test_svg_size() -> None:
    assert raster._size(TINY) == (120, 50)
    assert raster._size('<svg width="62pt" height="116pt" viewBox="0 0 62 116">') == (83, 155)  # pt → px
    assert raster._size('<svg viewBox="0 0 300.5 20">') == (301, 20)
    assert raster._size('<svg stroke-width="3" viewBox="0 0 30 20">') == (30, 20)  # not the stroke width
    assert raster._size("<svg>") == (1200, 800)
    assert raster._size('<svg width="1.2.3" height="." viewBox="-5 -5.5 .5 2.">') == (1, 2)
    assert raster._size('<?xml version="1.0"?>\n<!-- width="9" -->\n<svg\n width="10.2px" height="7">') == (11, 7)


@pytest.mark.browser
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_svg_to_with_real_chromium(fmt: str) -> None:
    require_tool("chromium", "browser")
    out = raster.svg_to(TINY, fmt)
    assert out.startswith(MAGIC[fmt])
    if fmt == "png":
        assert png_size(out) == (240, 100)  # 2× the SVG's 120×50


@pytest.mark.browser
def test_svg_to_with_real_chromium_of_dots_own_svg() -> None:
    require_tool("chromium", "browser")
    require_tool("dot", "dot")
    svg = raster.run_dot(small_source(), "svg").decode()
    w, h = raster._size(svg)
    assert png_size(raster.svg_to(svg, "png")) == (2 * w, 2 * h)


@pytest.mark.browser
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_svg_to_fetches_nothing(fmt: str) -> None:
    """An SVG that asks for an image, a stylesheet and a script from a local server: Chromium requests none of them."""
    require_tool("chromium", "browser")
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        svg = TINY.replace("</svg>", f'<image href="{base}/image.png" width="9" height="9"/>'
                                     f'<style>@import url("{base}/style.css");</style>'
                                     f'<script>fetch("{base}/script");new Image().src="{base}/img2"</script></svg>')
        out = raster.svg_to(svg, fmt)
        server.shutdown()
    assert out.startswith(MAGIC[fmt])
    assert requests == []


def test_svg_to_unknown_format() -> None:
    with pytest.raises(InvalidOption, match="must be one of: png, pdf"):
        raster.svg_to(TINY, "svg")


def test_svg_to_without_a_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert raster.browser() is None
    with pytest.raises(MissingTool, match="headless Chromium on PATH"):
        raster.svg_to(TINY, "png")


NOISE = r"""
echo '/usr/bin/chromium: 9: [: 25276514304: unexpected operator' >&2
echo '[1234:1250:0101/000000.000001:ERROR:dbus/bus.cc:405] Failed to connect to the bus: Could not parse' >&2
echo 'Fontconfig error: Cannot load default config file: No such file: (null)' >&2
echo '[1234:1251:0101/000000.000002:ERROR:gpu_init.cc(523)] Passthrough is not supported, GL is disabled, ANGLE is' >&2
echo '[1234:1234:0101/000000.000003:ERROR:sandbox_linux.cc(377)] InitializeSandbox() called with multiple threads' >&2
echo '[1234:1234:0101/000000.000004:WARNING:vaapi_wrapper.cc(1)] VAAPI video acceleration not available' >&2
"""
FIND_OUT = r"""
for a in "$@"; do
  case "$a" in --screenshot=*) out="${a#--screenshot=}";; --print-to-pdf=*) out="${a#--print-to-pdf=}";; esac
done
"""
CASES = {
    "names the output file": (
        NOISE + 'echo "[1234:1260:0101/000000.000005:ERROR:headless_command_handler.cc:266] Failed to write file '
                '$out: Permission denied (13)" >&2\n' + NOISE + "exit 1\n",
        r"^chromium could not draw the {fmt} \(Failed to write file /\S+/figure\.{fmt}: Permission denied \(13\)\); "),
    "a real error": (
        NOISE + "echo '[1234:1234:0101/000000.000006:ERROR:headless_shell.cc(88)] Cannot render the page: "
                "renderer crashed' >&2\n" + NOISE + "exit 1\n",
        r"^chromium could not draw the {fmt} \(Cannot render the page: renderer crashed\); "),
    "only noise": (
        NOISE + "exit 1\n",
        r"^chromium could not draw the {fmt} \(no output file was written, exit code 1\); "),
    "exit 0, nothing written": (
        NOISE + "exit 0\n",
        r"^chromium could not draw the {fmt} \(no output file was written, exit code 0\); "),
}


def fake_browser(folder: Path, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    script = folder / "chromium"
    script.write_text("#!/bin/sh\n" + FIND_OUT + body)
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("fmt", ["png", "pdf"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_failing_browser_reason_is_the_meaningful_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str,
                                                       fmt: str) -> None:
    body, expected = CASES[case]
    fake_browser(tmp_path / "bin", body)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert raster.browser() == str(tmp_path / "bin" / "chromium")
    with pytest.raises(MissingTool) as e:
        raster.svg_to(TINY, fmt)
    message = str(e.value)
    assert "\n" not in message
    assert re.search(expected.format(fmt=fmt), message), message
    for noise in ("bus", "Fontconfig", "gpu", "Passthrough", "Sandbox", "VAAPI", "unexpected operator", "[1234:"):
        assert noise not in message


def test_browser_runs_only_our_page_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser gets one file:// page (our SVG in a no-script, no-fetch page), with networking switched off."""
    log = tmp_path / "args"
    fake_browser(tmp_path / "bin", f'printf "%s\\n" "$@" > "{log}"\n/bin/cp "${{out%/*}}/figure.html" '
                                   f'"{tmp_path}/page.html"\nprintf "PNG" > "$out"\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert raster.svg_to(TINY, "png") == b"PNG"
    args = log.read_text().splitlines()
    urls = [a for a in args if not a.startswith("--")]
    assert len(urls) == 1 and urls[0].startswith("file:///") and urls[0].endswith("/figure.html")
    for flag in ("--headless", "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
                 "--window-size=120,50", "--force-device-scale-factor=2", "--default-background-color=00000000"):
        assert flag in args
    page = (tmp_path / "page.html").read_text()
    assert "default-src 'none'" in page and page.endswith(TINY)


def test_browser_timeout_kills_its_whole_process_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "child.pid"
    fake_browser(tmp_path / "bin", f'/bin/sleep 60 &\necho $! > "{pid_file}"\nwait\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(raster, "BROWSER_TIMEOUT", 1.0)
    start = time.monotonic()
    with pytest.raises(MissingTool, match=r"^chromium took longer than 1 s to draw the png; "):
        raster.svg_to(TINY, "png")
    assert time.monotonic() - start < 20
    child = int(pid_file.read_text())
    for _ in range(50):  # the orphaned child is gone (or a zombie waiting for init) once killed
        stat = Path(f"/proc/{child}/stat")
        if not stat.exists() or stat.read_text().split(") ")[-1].startswith("Z"):
            break
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        pytest.fail("the browser's child process survived the timeout")


def test_module_needs_only_the_standard_library_and_errors() -> None:
    src = (Path(__file__).resolve().parents[1] / "resnet_viz" / "render" / "raster.py").read_text(encoding="utf-8")
    imports = re.findall(r"^\s*(?:from|import) (\S+)", src, re.M)
    assert "..errors" in imports
    assert all(i == "..errors" or i.split(".")[0] in sys.stdlib_module_names for i in imports), imports
