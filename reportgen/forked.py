"""A process forked to do a share of a large job and send its answers back over a pipe.

Checking a thousand record files (:func:`reportgen.records.validate.check`)
or diffing a hundred pledges (:func:`reportgen.report.diff.diff_reports`) pays
for a second process on the second core: it inherits what this one has read
(forked, nothing is sent to it) and writes its answers to a pipe, which this
process reads as they come. The callers own what the answers mean, and do
the work themselves for whatever a worker did not answer: a worker can only
ever save time.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import IO


def can_fork(workers: int | None) -> bool:
    """Whether a forked worker may help: two cores, fork, and no other thread to copy.

    A thread that held a lock when the process forked would hold it in the
    worker forever; so only a process with one thread forks (``reportgen``
    validates before it starts any).
    """
    if workers == 1 or not hasattr(os, "fork"):
        return False
    if workers is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if (cores or 1) < 2:
            return False
    return threading.active_count() == 1 and threading.current_thread() is threading.main_thread()


def fork_worker(work: Callable[[IO[bytes]], None]) -> tuple[int, IO[bytes]] | None:
    """Fork a process that runs ``work(pipe)`` and exits; its pid and the pipe's reading end.

    None when the process cannot be forked. SIGINT is blocked while forking,
    so a Ctrl-C never reaches a worker that has not yet learnt to ignore it
    (the terminal signals both); the worker ignores it, and ends with
    ``os._exit``: none of this process's cleanup (its files, its handlers)
    runs twice. The caller reads the pipe, and ends and reaps the worker.
    """
    read_end, write_end = os.pipe()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the worker: never returns
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                work(out)
            code = 0
        finally:
            os._exit(code)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    os.close(write_end)
    return pid, os.fdopen(read_end, "rb")
