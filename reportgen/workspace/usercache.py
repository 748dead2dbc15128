"""This user's private cache: what one run keeps for the next, by entry name.

Compiled templates (:mod:`reportgen.formats.codecache`), earlier checks of
unchanged record files, the views of unchanged pledges, how publishing saw
the files it wrote, the code's fingerprint (:mod:`.fingerprint`): each is a
function of its inputs, kept under a name made from them, and read back by a
later run instead of being made again.

Some of it is code, and loading code runs it. So a cache file is only ever
read when it is a regular file that this user owns and that nobody else may
write, in a directory likewise this user's alone (and the one above it);
anything else — a symlink, a file of another user, a damaged or foreign
entry, a platform without user ids — is simply not used and the value is
made as before. ``REPORTGEN_NO_CACHE=1`` turns the cache off. Writes are
atomic (a temporary file renamed into place) and best-effort: a cache that
cannot be written costs the work again, never a build.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

#: Bumped whenever what is stored changes shape.
FORMAT = 1
#: A compiled pledge template is ~100 KB; anything far larger is not ours.
MAX_ENTRY_BYTES = 16 * 1024 * 1024
#: Entries kept: every change of reportgen or of a template makes new ones, so
#: the least recently used beyond these are removed. A records folder uses a
#: few (its checks, its views by period, what was published in its output),
#: so that a province's 31 cities built in turn do not push each other out;
#: most are tens of kilobytes, the largest (300 pledges' views) under 1 MB.
MAX_ENTRIES = 256
_DISABLE = "REPORTGEN_NO_CACHE"


def directory() -> Path | None:
    """Where the cache lives: ``$XDG_CACHE_HOME/reportgen/templates`` (None: off)."""
    if os.environ.get(_DISABLE) or not hasattr(os, "getuid"):
        return None
    root = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(root):  # the XDG rule: a relative value is ignored
        try:
            root = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory
            return None
    return Path(root) / "reportgen" / "templates"


def _owned_privately(st: os.stat_result) -> bool:
    """This user's, and writable by no one else (no group or other write bit)."""
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _private_directory(path: Path) -> bool:
    try:
        st = os.lstat(path)  # a symlink is not a directory here
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and _owned_privately(st)


def load(entry: str) -> Any | None:
    """The value stored under ``entry``, or None (absent, not private, damaged, foreign)."""
    where = directory()
    if where is None or not (_private_directory(where) and _private_directory(where.parent)):
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(where / f"{entry}.bin", flags | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            # The file itself decides: whoever could swap a directory above it
            # cannot make a file that is this user's and writable by no one else.
            if not (stat.S_ISREG(st.st_mode) and _owned_privately(st)):
                return None
            if st.st_size > MAX_ENTRY_BYTES:
                return None
            # Its own size, not the limit: read(n) sets n bytes aside before reading.
            data = f.read(st.st_size + 1)
            if len(data) != st.st_size:
                return None  # changed while read
            with contextlib.suppress(OSError, NotImplementedError):
                os.utime(f.fileno())  # used now: the last to be removed
        stored = marshal.loads(data)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(stored, tuple) and len(stored) == 3 and stored[:2] == (FORMAT, entry)):
        return None
    return stored[2]


def store(entry: str, value: Any) -> None:
    """Keep ``value`` (marshal-able: text, numbers, containers, code) under ``entry``; never fails."""
    where = directory()
    if where is None:
        return
    try:
        data = marshal.dumps((FORMAT, entry, value))
        if len(data) > MAX_ENTRY_BYTES:
            return
        with contextlib.suppress(FileExistsError):
            where.parent.mkdir(mode=0o700, parents=True)
        with contextlib.suppress(FileExistsError):
            where.mkdir(mode=0o700)
        if not (_private_directory(where) and _private_directory(where.parent)):
            return
        # A new entry may push the least recently used out; one replaced may not.
        new = not os.path.lexists(where / f"{entry}.bin")
        fd, temporary = tempfile.mkstemp(dir=where, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temporary, where / f"{entry}.bin")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        if new:
            _evict(where)
    except (OSError, ValueError):
        return


def _evict(where: Path) -> None:
    """Remove the least recently used entries beyond :data:`MAX_ENTRIES`."""
    entries = []
    for path in where.glob("*.bin"):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime, path.name, path))
    for _mtime, _name, path in sorted(entries)[: max(0, len(entries) - MAX_ENTRIES)]:
        with contextlib.suppress(OSError):
            path.unlink()
