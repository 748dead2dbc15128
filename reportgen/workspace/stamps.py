"""How stat() sees a file, and when that sight can be trusted (git's rule).

A file that stat() sees exactly as it was seen when its bytes were hashed —
device, inode, size, modification and change time — still holds those bytes:
any write, truncation, chmod or utime since moves its change time. That holds
only once the change time is "settled": a change within the same tick of the
file system's clock as the sighting could leave every field as it was.
Publishing (:mod:`.output`) and the code's fingerprint (:mod:`.fingerprint`)
both trust files this way.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

#: A file as stat() saw it: device, inode, size, modification and change times (ns).
Seen = tuple[int, int, int, int, int]


def seen(info: os.stat_result) -> Seen:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


# The clock the kernel stamps file times from (Linux: every change time is at
# or after its reading); elsewhere the wall clock less a FAT file system's tick.
_COARSE_CLOCK = getattr(time, "CLOCK_REALTIME_COARSE", 5 if sys.platform == "linux" else None)


def file_clock() -> int:
    """An instant (ns) no later than the change time of any change made from now on."""
    if _COARSE_CLOCK is not None:
        with contextlib.suppress(OSError):
            return time.clock_gettime_ns(_COARSE_CLOCK)
    return time.time_ns() - 2_000_000_000


def settled(sight: Seen, clock: int) -> bool:
    """True when a change after ``clock`` (:func:`file_clock`) would surely move the change time.

    The file system stamps a change with the clock cut to its own grain: ns
    on most, a second or two on some (ext3, FAT). A change time with nothing
    below the millisecond may be of a coarse one: then it must lie two
    seconds before the clock; any other, a millisecond.
    """
    ctime = sight[4]
    grain = 2_000_000_000 if ctime % 1_000_000 == 0 else 1_000_000
    return ctime + grain <= clock
