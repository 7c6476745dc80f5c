"""The external programs, in one place: Graphviz `dot` lays out graphs, a headless Chromium rasterises SVG.

Standard library only. Every failure is a MissingTool whose message is one line naming the problem: dot's own
first error line, or the one line of Chromium's chatter that explains why no file was written.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import MissingTool, choice

DOT_HINT = ("Graphviz `dot` is not on PATH "
            "(install it: apt install graphviz, brew install graphviz, or conda install graphviz)")
BROWSER_HINT = "a headless Chromium on PATH (install chromium, or Google Chrome)"
DOT_FORMATS = ("svg", "png", "pdf")
SVG_FORMATS = ("png", "pdf")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DOT_TIMEOUT = 60.0
BROWSER_TIMEOUT = 120.0


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- Graphviz ---------------------------------------------------------------------------------------
def dot_available() -> bool:
    """Whether Graphviz's `dot` is on PATH (graph SVG/PNG/PDF need it; DOT source does not)."""
    return shutil.which("dot") is not None


def run_dot(source: str, format: str) -> bytes:
    """`dot -T<format>` of DOT source (svg, png or pdf), with file loading switched off and a timeout.

    SERVER_NAME without GV_FILE_PATH is Graphviz's own switch that refuses to read any file a graph names
    (image=, shapefile=), whoever wrote the source.
    """
    if format not in DOT_FORMATS:
        raise choice("format", format, DOT_FORMATS)
    dot = shutil.which("dot")
    if dot is None:
        raise MissingTool(f"drawing a graph as {format} needs {DOT_HINT}")
    env = {k: v for k, v in os.environ.items() if k != "GV_FILE_PATH"} | {"SERVER_NAME": "resnet-viz"}
    try:
        run = subprocess.run([dot, f"-T{format}"], input=source.encode("utf-8", "replace"), capture_output=True,
                             timeout=DOT_TIMEOUT, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise MissingTool(f"dot took longer than {DOT_TIMEOUT:g} s to draw the graph as {format}") from None
    except OSError as e:
        raise MissingTool(f"dot could not be run ({_one_line(e.strerror or str(e))})") from None
    if run.returncode != 0 or not run.stdout:
        lines = [ln for ln in run.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.lstrip().lower().startswith("error")]
        why = (errors or lines or [f"no output, exit code {run.returncode}"])[0]
        raise MissingTool(f"dot could not draw the graph as {format}: {_one_line(why)}")
    return run.stdout


# --- headless Chromium ------------------------------------------------------------------------------
def browser() -> str | None:
    """The first Chromium-family browser on PATH, or None."""
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.S)
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_NOISE = re.compile(r"dbus|bus\.cc|the bus\b|gpu|sandbox|fontconfig|viz_|\bgl_|\begl|angle|vaapi|vulkan|ozone|crashpad"
                    r"|dconf|alsa|pulse|udev|devtools listening|unexpected operator", re.I)
_PROBLEM = re.compile(r"\b(error|fatal|failed|cannot|can't|could not|unable)\b", re.I)
_LOG_PREFIX = re.compile(r"^\[[^\]]*:(?:ERROR|FATAL|WARNING|INFO|VERBOSE\d*):[^\]]*\]\s*")


def _size(svg: str) -> tuple[int, int]:
    """The CSS pixel size of the root <svg> (px or pt width/height, else its viewBox), rounded up."""
    tag = _SVG_TAG.search(svg)
    head = tag.group() if tag else ""
    dims = []
    for attr in ("width", "height"):
        m = re.search(rf'\s{attr}\s*=\s*["\']\s*({_NUMBER})\s*(px|pt)?\s*["\']', head)
        dims.append(float(m.group(1)) * (4 / 3 if m.group(2) == "pt" else 1) if m else 0.0)
    box = re.search(rf'\sviewBox\s*=\s*["\']\s*-?{_NUMBER}[\s,]+-?{_NUMBER}[\s,]+({_NUMBER})[\s,]+({_NUMBER})', head)
    if not all(dims) and box:
        dims = [float(box.group(1)), float(box.group(2))]
    w, h = (math.ceil(d) for d in dims)
    return (w, h) if w > 0 and h > 0 else (1200, 800)


def _reason(stderr: str, out: Path, returncode: int) -> str:
    """The line of Chromium's stderr that says why `out` was not written, without the launcher's noise."""
    lines = stderr.splitlines()  # the noise test sees the log prefix too: it names the source file (dbus/bus.cc)
    about_out = [ln for ln in lines if str(out) in ln or out.name in ln]
    problems = [ln for ln in lines if _PROBLEM.search(ln) and not _NOISE.search(ln)]
    if about_out or problems:
        return _one_line(_LOG_PREFIX.sub("", (about_out or problems)[-1].strip()))
    return f"no output file was written, exit code {returncode}"


def _run(args: list[str], timeout: float) -> tuple[int, str]:
    """Run a browser in its own process group; on timeout the whole group (renderers, zygote) is killed."""
    with subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as proc:
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        return proc.returncode, err.decode("utf-8", "replace")


def svg_to(svg: str, format: str) -> bytes:
    """PNG (2× pixels, transparent background) or PDF of an SVG, drawn by a headless Chromium.

    The page holds only the SVG, under a Content-Security-Policy that allows no script and no fetch but data:
    images, and the browser starts with its background networking off and every host name unresolvable.
    """
    if format not in SVG_FORMATS:
        raise choice("format", format, SVG_FORMATS)
    exe = browser()
    if exe is None:
        raise MissingTool(f"{format} of a drawing needs {BROWSER_HINT}; --format svg needs nothing")
    name = Path(exe).name
    w, h = _size(svg)
    page = ("<!doctype html><meta charset='utf-8'><meta http-equiv='Content-Security-Policy' content=\""
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:\">"
            f"<style>@page{{size:{w}px {h}px;margin:0}}html,body{{margin:0;padding:0;background:transparent}}"
            f"svg{{display:block}}</style>{svg}")
    with tempfile.TemporaryDirectory(prefix="resnet-viz-") as tmp:
        html, out = Path(tmp) / "figure.html", Path(tmp) / f"figure.{format}"
        html.write_text(page, encoding="utf-8")
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={Path(tmp) / 'profile'}"]
        if format == "png":
            args += [f"--window-size={w},{h}", "--force-device-scale-factor=2",
                     "--default-background-color=00000000", f"--screenshot={out}"]
        else:
            args += ["--no-pdf-header-footer", f"--print-to-pdf={out}"]
        try:
            code, err = _run([*args, html.as_uri()], BROWSER_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise MissingTool(f"{name} took longer than {BROWSER_TIMEOUT:g} s to draw the {format}; "
                              "--format svg needs nothing") from None
        except OSError as e:
            raise MissingTool(f"{name} could not be run ({_one_line(e.strerror or str(e))}); "
                              "--format svg needs nothing") from None
        if not out.is_file() or out.stat().st_size == 0:
            raise MissingTool(f"{name} could not draw the {format} ({_reason(err, out, code)}); "
                              "--format svg needs nothing")
        return out.read_bytes()
