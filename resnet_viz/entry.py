"""The command's entry point: Ctrl-C is one line and exit 130 from the first moment our code runs.

Importing the CLI takes a while (click); until the CLI's own handler is in place, SIGINT ends the process here.
"""

from __future__ import annotations

import os
import signal


def _interrupted(signum: int, frame: object) -> None:
    os.write(2, b"resnet-viz: error: interrupted\n")
    os._exit(130)


def run() -> None:
    previous = signal.signal(signal.SIGINT, _interrupted)
    from .cli import main  # the CLI turns KeyboardInterrupt into the same line once it runs

    signal.signal(signal.SIGINT, previous)
    main(prog_name="resnet-viz")
