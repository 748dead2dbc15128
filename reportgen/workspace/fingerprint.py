"""What shapes an output's bytes besides the records and templates: the code that wrote it.

A rebuild reuses an earlier file only when everything that made it is
unchanged. ``__version__`` is not enough: a developer who changes a writer
without bumping it would otherwise be told "up to date" while ``--check``
finds differences. So the key covers reportgen's own source, the versions of
the libraries that lay out the files, and Python's.
"""

from __future__ import annotations

import functools
import hashlib
import platform
from importlib import metadata
from pathlib import Path

# reportgen's own files that shape outputs: code, the fonts map, the site's pages.
RESOURCE_SUFFIXES = (".py", ".conf", ".html", ".css", ".js")

# The libraries whose behaviour reaches the bytes of a DOCX or XLSX.
LIBRARIES = ("docxtpl", "python-docx", "jinja2", "lxml", "XlsxWriter", "openpyxl", "pydantic")


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 over reportgen's source files, its resources and the library versions."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent  # the whole reportgen package
    for path in sorted(package.rglob("*")):
        if path.suffix in RESOURCE_SUFFIXES and "__pycache__" not in path.parts:
            name = path.relative_to(package).as_posix().encode()
            data = path.read_bytes()
            h.update(len(name).to_bytes(4, "big") + name + len(data).to_bytes(8, "big") + data)
    for library in LIBRARIES:
        h.update(f"{library}=={_version(library)}\n".encode())
    h.update(f"python {platform.python_implementation()} {platform.python_version()}".encode())
    return h.hexdigest()


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
