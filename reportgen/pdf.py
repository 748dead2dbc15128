"""PDF through LibreOffice in headless mode (``reportgen build --pdf``).

LibreOffice is an optional, external program. Each conversion runs with a
private profile directory (two instances sharing the default profile collide)
and a time limit, converts many files in one start (each cold start costs
seconds), and uses a fontconfig file that maps the official Korean faces the
templates name (휴먼명조, 맑은 고딕 …) to free Nanum faces.

LibreOffice stamps each PDF with its creation time and a random file ID; both
are overwritten in place with fixed values of the same length. LibreOffice may
still order a PDF's objects differently from run to run, so PDFs are the one
output not promised byte-identical: ``build --check`` verifies them against
the digests the manifest recorded.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from .errors import ReportgenError

INSTALL_HINT = (
    "LibreOffice is not installed, so no PDF was made (the other files were written). "
    "On Debian/Ubuntu: sudo apt-get install libreoffice-writer-nogui fonts-nanum"
)
DEFAULT_TIMEOUT = 300.0


class PdfError(ReportgenError):
    """LibreOffice failed, hung, or produced no PDF."""


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def fontconfig_file() -> Path:
    return Path(str(resources.files("reportgen") / "resources" / "fonts.conf"))


def convert(
    sources: list[Path], outdir: Path, *, to: str = "pdf", timeout: float = DEFAULT_TIMEOUT
) -> list[Path]:
    """Convert ``sources`` into ``outdir`` with one LibreOffice start; return the outputs."""
    soffice = find_soffice()
    if soffice is None:
        raise PdfError(INSTALL_HINT)
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="reportgen-lo-"))
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fontconfig_file())
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(outdir),
        *[str(s) for s in sources],
    ]
    try:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # so a hung LibreOffice and its children can be killed
        )
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfError(
                f"LibreOffice did not finish within {timeout:.0f} s converting "
                f"{len(sources)} file(s); nothing was converted"
            ) from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    suffix = "." + to.split(":")[0]
    results = [outdir / (s.stem + suffix) for s in sources]
    missing = [r.name for r in results if not r.is_file()]
    if proc.returncode != 0 or missing:
        detail = output.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise PdfError(
            f"LibreOffice could not convert {', '.join(missing) or 'the files'} "
            f"(exit {proc.returncode}): {' / '.join(detail)}"
        )
    return results


# "/CreationDate (D:20261123131500+00'00')" and "/ID [<hex><hex>]"
_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\((D:[0-9+\-Z']+)\)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
# LibreOffice's own checksum covers the time stamps above.
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")


def _same_length(value: bytes, fill: bytes) -> bytes:
    return (fill * (len(value) // len(fill) + 1))[: len(value)]


def reproducible_pdf(data: bytes) -> bytes:
    """Fix the creation time and file ID LibreOffice writes, keeping every offset."""

    def date(m: re.Match[bytes]) -> bytes:
        fixed = _same_length(m.group(2), b"D:20000101000000")
        return m.group(0).replace(m.group(2), fixed)

    def file_id(m: re.Match[bytes]) -> bytes:
        out = m.group(0)
        for g in (1, 2):
            out = out.replace(m.group(g), b"0" * len(m.group(g)), 1)
        return out

    def checksum(m: re.Match[bytes]) -> bytes:
        return m.group(0).replace(m.group(1), b"0" * len(m.group(1)))

    return _CHECKSUM.sub(checksum, _ID.sub(file_id, _DATE.sub(date, data)))


def to_pdf(documents: dict[str, bytes], timeout: float = DEFAULT_TIMEOUT) -> dict[str, bytes]:
    """Convert in-memory DOCX files (name -> bytes) to PDFs (name.pdf -> bytes)."""
    with tempfile.TemporaryDirectory(prefix="reportgen-pdf-") as tmp:
        src = Path(tmp) / "in"
        out = Path(tmp) / "out"
        src.mkdir()
        # Plain names on disk: LibreOffice is given ASCII paths whatever the titles.
        plain = {}
        for i, (name, data) in enumerate(sorted(documents.items())):
            path = src / f"doc{i:05d}.docx"
            path.write_bytes(data)
            plain[path] = name
        results = convert(list(plain), out, timeout=timeout)
        return {
            str(Path(plain[s]).with_suffix(".pdf")): reproducible_pdf(r.read_bytes())
            for s, r in zip(plain, results, strict=True)
        }
