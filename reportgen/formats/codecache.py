"""A per-user cache of compiled templates: a build skips compiling a template it has compiled before.

Reading ``pledge.docx`` and ``booklet.docx`` and compiling their tags costs
~0.1 s of CPU (Jinja's parser and code generator, python-docx, docxtpl),
paid by every build that renders anything — a tenth of a rebuild after one
pledge changed. What the compile makes is a function of the template's bytes
and the code that compiled it, so it is kept under a key of both
(:func:`key`) and read back on the next build. The workbook's style table
(:func:`reportgen.formats.xlsx.template_styles`: ``styles.xml`` and the index
of every cell format, made from ``workbook.xlsx`` with openpyxl and
XlsxWriter) is kept the same way.

Entries live in this user's private cache (:mod:`reportgen.workspace.usercache`:
only ever read from a file this user alone could have written, since loading
compiled code runs it; ``REPORTGEN_NO_CACHE=1`` turns it off). This module
makes their keys and passes its ``load``/``store`` on, so the build hands it
to the stages that keep their own memos there.

Only what compiled cleanly is kept: a template with a broken tag or beyond
the limits fails every time, before the cache is asked.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..workspace.fingerprint import code_fingerprint

# Where entries are kept, and how: this user's private cache (a Keeper for
# build's memos too).
from ..workspace.usercache import FORMAT, directory, load, store

__all__ = [
    "directory",
    "keep_crc_maps",
    "key",
    "load",
    "prime_crc_maps",
    "remember",
    "remembered",
    "store",
]


def key(kind: str, data: bytes, *options: str) -> str:
    """The key of what ``kind`` compiles from ``data``: the bytes, the options, the code."""
    h = hashlib.sha256()
    for part in (str(FORMAT), code_fingerprint(), kind, *options):
        raw = part.encode("utf-8")
        h.update(len(raw).to_bytes(8, "big") + raw)
    h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def remembered(slot: str, name: str) -> Any | None:
    """What :func:`remember` kept under ``name`` in ``slot``, or None."""
    kept = load(key(slot, b""))
    return kept.get(name) if isinstance(kept, dict) else None


def remember(slot: str, name: str, value: Any, *, keep: int = 4) -> None:
    """Keep ``value`` under ``name`` in ``slot``, one entry holding the last ``keep`` names.

    For small facts every build makes anew (a booklet's CRC table): one
    entry rewritten, rather than a new one each time that would push the
    compiled templates out of the cache.
    """
    entry = key(slot, b"")
    kept = load(entry)
    names = dict(kept) if isinstance(kept, dict) else {}
    names.pop(name, None)
    names[name] = value
    store(entry, dict(list(names.items())[-keep:]))


# The CRC-32 tables of this process, as many as were there when primed.
_crc_maps_primed: list[int] = []


def prime_crc_maps() -> None:
    """Take the CRC-32 tables an earlier build kept (:func:`reportgen.formats.ooxml.add_byte_maps`), once."""
    if _crc_maps_primed:
        return
    from . import ooxml

    ooxml.add_byte_maps(load(key("crc32-maps", b"")))
    _crc_maps_primed.append(len(ooxml.byte_maps()))


def keep_crc_maps() -> None:
    """Keep this process's CRC-32 tables for the next build, if it made new ones."""
    from . import ooxml

    maps = ooxml.byte_maps()
    if _crc_maps_primed and len(maps) <= _crc_maps_primed[-1]:
        return
    store(key("crc32-maps", b""), maps)
    _crc_maps_primed.append(len(maps))
