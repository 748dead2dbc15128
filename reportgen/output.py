"""Stage 6: writing a build's files — all of them, or none.

A build produces every file in memory first; :func:`publish` writes them into
a temporary directory beside the target and swaps it into place only when
every file is on disk. A failed or killed build leaves the previous output
exactly as it was; nobody ever picks up a half-written file.

On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere it
is two renames, and a build interrupted between them is repaired by the next
one (:func:`recover`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from .errors import OutputError

MANIFEST = "manifest.json"
_TMP_PREFIX = ".reportgen-tmp-"
_OLD_PREFIX = ".reportgen-old-"

# Characters Windows forbids in file names, and control characters.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_file_name(text: str, limit: int = 80, max_bytes: int = 180) -> str:
    """A file name from record text, valid on Windows, macOS and Linux.

    At most ``limit`` characters and ``max_bytes`` UTF-8 bytes (file systems
    count bytes: 255 on Linux), cut on a character boundary.
    """
    name = unicodedata.normalize("NFC", text)
    name = _FORBIDDEN.sub(" ", name)
    name = " ".join(name.split())[:limit]
    name = name.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
    return name.rstrip(" .") or "_"


def pledge_file_stem(pledge_id: str, title: str) -> str:
    """``01-04-05 청년·여성·…`` — zero-padded so 1-4-10 sorts after 1-4-9 everywhere."""
    padded = "-".join(f"{int(part):02d}" for part in pledge_id.split("-"))
    return f"{padded} {safe_file_name(title, 60)}"


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def recover(target: Path) -> None:
    """Undo what an interrupted earlier publish left beside ``target``."""
    parent = target.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(_OLD_PREFIX + target.name + "."):
            if not target.exists():
                entry.rename(target)  # killed between the two renames: restore
            else:
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(_TMP_PREFIX + target.name + "."):
            shutil.rmtree(entry, ignore_errors=True)


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in sorted(files.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        path.chmod(0o644)


def publish(target: Path, files: Mapping[str, bytes]) -> None:
    """Make ``target`` hold exactly ``files`` (relative path -> bytes), atomically."""
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"{target} exists and is not a directory; remove it or choose another --out"
        )
    for rel in files:
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts or not parts:
            raise OutputError(f"refusing to write outside the output directory: {rel!r}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{target.name}.", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"cannot write to {target.parent}: {exc.strerror}") from None
    try:
        tmp.chmod(0o755)
        _write_tree(tmp, files)
        if target.exists():
            if _exchange(tmp, target):
                shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old output
                return
            old = target.parent / f"{_OLD_PREFIX}{target.name}.{tmp.name[-8:]}"
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(
            f"could not write {target} ({exc.strerror}); the previous output is unchanged"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_file_atomically(path: Path, data: bytes) -> None:
    """Replace one file atomically (temp file in the same directory, then rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def manifest_bytes(
    files: Mapping[str, bytes],
    *,
    version: str,
    period: str,
    records: Mapping[str, bytes],
    templates: Mapping[str, bytes],
    drafts: list[str] | None = None,
    render_keys: Mapping[str, str] | None = None,
) -> bytes:
    """``manifest.json``: each output's SHA-256 and the inputs it came from.

    No time and no path outside the output appear in it, so the manifest is
    as reproducible as the files it lists.
    """
    doc = {
        "generator": f"reportgen {version}",
        "period": period,
        "files": {name: sha256(data) for name, data in sorted(files.items())},
        "records": {name: sha256(data) for name, data in sorted(records.items())},
        "templates": {name: sha256(data) for name, data in sorted(templates.items())},
        "unconfirmed_drafts": sorted(drafts or []),
        # What each rendered file was made from: lets the next build reuse it.
        "render_keys": dict(sorted((render_keys or {}).items())),
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def compare_with_disk(
    target: Path,
    files: Mapping[str, bytes],
    digests: Mapping[str, str] | None = None,
    skip: set[str] | None = None,
) -> list[str]:
    """What differs between ``files`` and the directory ``target`` (for --check).

    ``digests`` gives expected SHA-256s by name instead of the files' bytes;
    names in ``skip`` are only required to exist.
    """
    problems = []
    if not target.is_dir():
        return [f"{target}: no output here; run reportgen build first"]
    on_disk = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    for rel in sorted(files):
        path = target / rel
        if rel not in on_disk:
            problems.append(f"{rel}: missing")
        elif (rel == MANIFEST and digests is not None) or (skip and rel in skip):
            continue  # the manifest is what the digests came from
        elif sha256(path.read_bytes()) != (
            digests[rel] if digests is not None else sha256(files[rel])
        ):
            problems.append(f"{rel}: differs from what the records and templates give")
    for rel in sorted(on_disk - set(files)):
        problems.append(f"{rel}: not produced by this build (added by hand?)")
    return problems
