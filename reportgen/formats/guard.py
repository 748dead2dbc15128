"""Run a program so that it dies with reportgen: ``python -m reportgen.formats.guard PROGRAM ARGS…``.

LibreOffice is started through this small guard. The guard leads a process
group of its own (so a terminal's Ctrl-C reaches only reportgen, which then
ends the group) and runs the program in it. Its standard input is a pipe from
reportgen that is never written to: when reportgen exits in any way,
``kill -9`` included, the kernel closes that pipe, the guard reads end-of-file
and kills the whole group — LibreOffice's helper processes too, which a
parent-death signal on one process would not reach.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

POLL_SECONDS = 0.2


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m reportgen.formats.guard PROGRAM [ARGS…]", file=sys.stderr)
        return 2
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    while True:
        readable, _, _ = select.select([sys.stdin], [], [], POLL_SECONDS)
        if readable and not os.read(sys.stdin.fileno(), 1):
            os.killpg(0, signal.SIGKILL)  # reportgen is gone: so are we, all of us
        code = child.poll()
        if code is not None:
            return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
