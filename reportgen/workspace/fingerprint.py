"""What shapes an output's bytes besides the records and templates: the code that wrote it.

A rebuild reuses an earlier file only when everything that made it is
unchanged. ``__version__`` is not enough: a developer who changes a writer
without bumping it would otherwise be told "up to date" while ``--check``
finds differences. So the key covers reportgen's own source, the versions of
the libraries that lay out the files, and Python's.

Reading and hashing 1.4 MB of source and looking up seven libraries' metadata
cost ~10 ms, a twelfth of a rebuild after one pledge changed (issue 26). So
the fingerprint is kept in this user's cache (:mod:`.usercache`) under what
stat() shows of everything it was made from: each source file seen as it was
when it was hashed (git's rule, :mod:`.stamps`), and each directory Python
finds libraries in, whose modification time moves whenever a library is
installed, upgraded or removed there (the rule Python's own import system
trusts to see new modules). Anything else is hashed again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from . import usercache
from .stamps import Seen, file_clock, seen, settled

# reportgen's own files that shape outputs: code, the fonts map, the site's pages.
RESOURCE_SUFFIXES = (".py", ".conf", ".html", ".css", ".js")

# The libraries whose behaviour reaches the bytes of a DOCX or XLSX.
LIBRARIES = ("docxtpl", "python-docx", "jinja2", "lxml", "XlsxWriter", "openpyxl", "pydantic")

#: The package whose source is fingerprinted: the whole of reportgen.
PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 over reportgen's source files, its resources and the library versions."""
    clock = file_clock()
    sources = _sources(PACKAGE)
    places = _library_places()
    python = f"python {platform.python_implementation()} {platform.python_version()}"
    sight = repr(([(name, stamp) for name, _path, stamp in sources], places, python, LIBRARIES))
    entry = "fingerprint-" + hashlib.sha256(sight.encode("utf-8", "surrogateescape")).hexdigest()
    kept = usercache.load(entry)
    if isinstance(kept, str) and len(kept) == 64:
        return kept
    made, trusted = _hash(sources, python)
    # Kept only when what was hashed is what stat() showed, and no change to
    # it could still hide within the file system's tick.
    if trusted and all(settled(stamp, clock) for _name, _path, stamp in sources):
        usercache.store(entry, made)
    return made


def _sources(package: Path) -> list[tuple[str, str, Seen]]:
    """Each source and resource file of ``package``: its name inside it, its path, how stat() sees it."""
    found: list[tuple[str, str, Seen]] = []
    root = os.fspath(package)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(RESOURCE_SUFFIXES):
                path = os.path.join(folder, name)
                try:
                    stamp = seen(os.stat(path))
                except OSError:
                    continue
                found.append((os.path.relpath(path, root).replace(os.sep, "/"), path, stamp))
    found.sort()
    return found


def _library_places() -> list[tuple[str, tuple[int, int, int] | None]]:
    """Each directory on ``sys.path`` as stat() sees it (None: not a directory there)."""
    places: list[tuple[str, tuple[int, int, int] | None]] = []
    for entry in sys.path:
        try:
            info = os.stat(entry or ".")
        except OSError:
            places.append((entry, None))
            continue
        places.append((entry, (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)))
    return places


def _hash(sources: list[tuple[str, str, Seen]], python: str) -> tuple[str, bool]:
    """The fingerprint, and whether every file read was still the one stat() saw."""
    h = hashlib.sha256()
    trusted = True
    for name, path, stamp in sources:
        raw = name.encode()
        with open(path, "rb") as fh:
            data = fh.read()
            trusted = trusted and seen(os.fstat(fh.fileno())) == stamp
        h.update(len(raw).to_bytes(4, "big") + raw + len(data).to_bytes(8, "big") + data)
    for library in LIBRARIES:
        h.update(f"{library}=={_version(library)}\n".encode())
    h.update(python.encode())
    return h.hexdigest(), trusted


def _version(library: str) -> str:
    """``importlib.metadata.version(library)`` ("absent" if not installed), read off its header.

    ``version()`` parses the whole metadata file with the e-mail parser (a
    millisecond a library, most of a rebuild's fingerprint); the core
    metadata's headers come first, one ``Version:`` among them.
    """
    try:
        found = metadata.distribution(library)
    except metadata.PackageNotFoundError:
        return "absent"
    text = found.read_text("METADATA") or found.read_text("PKG-INFO") or ""
    for line in text.splitlines():
        if not line.strip():
            break  # the end of the headers
        if line.startswith("Version:"):
            return line[len("Version:") :].strip()
    return found.version
