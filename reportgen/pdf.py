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

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
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
    sources: list[Path],
    outdir: Path,
    *,
    to: str = "pdf",
    timeout: float = DEFAULT_TIMEOUT,
    workdir: Path | None = None,
) -> list[Path]:
    """Convert ``sources`` into ``outdir`` with one LibreOffice start; return the outputs.

    LibreOffice runs under :mod:`reportgen.guard`, so it dies with this
    process however this process ends; its profile lives in ``workdir``.
    """
    soffice = find_soffice()
    if soffice is None:
        raise PdfError(INSTALL_HINT)
    outdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=workdir)))
        profile = scratch / "profile"
        log_path = scratch / "soffice.log"
        env = dict(os.environ)
        env["FONTCONFIG_FILE"] = str(fontconfig_file())
        cmd = [
            sys.executable,
            "-m",
            "reportgen.guard",
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
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.PIPE,  # never written: its end-of-file means "we are gone"
                env=env,
                start_new_session=True,  # a group of its own, killed as one
            )
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise PdfError(
                f"LibreOffice did not finish within {timeout:.0f} s converting "
                f"{len(sources)} file(s); nothing was converted"
            ) from None
        except BaseException:  # Ctrl-C, or anything else: LibreOffice goes with us
            _kill_group(proc)
            raise
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
        output = log_path.read_bytes()
    suffix = "." + to.split(":")[0]
    results = [outdir / (s.stem + suffix) for s in sources]
    missing = [r.name for r in results if not r.is_file()]
    if returncode != 0 or missing:
        detail = output.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise PdfError(
            f"LibreOffice could not convert {', '.join(missing) or 'the files'} "
            f"(exit {returncode}): {' / '.join(detail)}"
        )
    return results


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


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


def to_pdf(
    documents: dict[str, bytes], timeout: float = DEFAULT_TIMEOUT, workdir: Path | None = None
) -> dict[str, bytes]:
    """Convert in-memory DOCX files (name -> bytes) to PDFs (name.pdf -> bytes).

    Files go to a scratch directory inside ``workdir`` (the build's staging
    directory; the system's temporary directory if None), removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="reportgen-pdf-", dir=workdir) as tmp:
        src = Path(tmp) / "in"
        out = Path(tmp) / "out"
        src.mkdir()
        # Plain names on disk: LibreOffice is given ASCII paths whatever the titles.
        plain = {}
        for i, (name, data) in enumerate(sorted(documents.items())):
            path = src / f"doc{i:05d}.docx"
            path.write_bytes(data)
            plain[path] = name
        results = convert(list(plain), out, timeout=timeout, workdir=Path(tmp))
        return {
            str(Path(plain[s]).with_suffix(".pdf")): reproducible_pdf(r.read_bytes())
            for s, r in zip(plain, results, strict=True)
        }
