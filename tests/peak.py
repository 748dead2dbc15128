"""Run ``reportgen`` in a process of its own and measure its time and peak memory.

The peak is the process's own high-water mark (``VmHWM``), read by the
process itself as it exits. ``wait4``'s ``ru_maxrss`` will not do from a
test: Linux carries the high-water mark of the forking process (pytest, often
hundreds of MB) across ``fork`` and ``exec`` into the child's figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_HARNESS = """
import atexit, os, sys

def _peak():
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                with open(os.environ["REPORTGEN_TEST_PEAK"], "w", encoding="ascii") as out:
                    out.write(line.split()[1])

atexit.register(_peak)
sys.argv[0] = "reportgen"
from reportgen.entry import run
run()
"""


def run_measured(
    args: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 120,
) -> tuple[int, str, float, float]:
    """(exit code, stdout and stderr, seconds, peak resident MB) of ``reportgen ARGS``."""
    with tempfile.NamedTemporaryFile(prefix="reportgen-peak-", delete=False) as fh:
        peak_file = fh.name
    try:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", _HARNESS, *args],
            cwd=cwd,
            env={**(env or os.environ), "REPORTGEN_TEST_PEAK": peak_file},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec_fn,
            timeout=timeout,
        )
        seconds = time.monotonic() - started
        text = Path(peak_file).read_text(encoding="ascii").strip()
    finally:
        os.unlink(peak_file)
    peak_mb = int(text) / 1024 if text.isdigit() else float("inf")
    return done.returncode, done.stdout.decode("utf-8", "replace"), seconds, peak_mb
