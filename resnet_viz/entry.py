"""The command's entry point: Ctrl-C is one line and exit 130 from the first moment our code runs, and the
process runs without the cyclic garbage collector.

Importing the CLI takes a while (click); until the CLI's own handler is in place, SIGINT ends the process here.

Why no collector: a command is one short process whose objects (torch's ~10⁵ from its import, the model, the
traces, the report) live until it ends, and frees what it drops by reference counting; a command leaves a few KB
of reference cycles (tests/test_cli.py holds it to that). Each automatic collection still walks every object, and
they cost 0.3–0.4 s of a 2 s `render -d 152` (bench/RESULTS.md). Only this entry point does it: `import
resnet_viz` in a user's process leaves the collector alone.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys


def _interrupted(signum: int, frame: object) -> None:
    os.write(2, b"resnet-viz: error: interrupted\n")
    os._exit(130)


def run() -> None:
    gc.disable()
    previous = signal.signal(signal.SIGINT, _interrupted)
    from .cli import main  # the CLI turns KeyboardInterrupt into the same line once it runs

    signal.signal(signal.SIGINT, previous)
    try:
        main(prog_name="resnet-viz")
        code = 0
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
    _leave(code)


def _leave(code: int) -> None:
    """End without the interpreter's teardown, which spends ~0.3 s unloading torch: by now every output file is
    written and closed (writes go through their own descriptors), so only the standard streams need flushing."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`) or a closed stream
            stream.flush()
    os._exit(code)
