"""A department's workbook is hostile input: read it within bounds, or refuse it in one line.

A workbook comes back by mail from outside the office (부서 회신). Before
openpyxl sees it, reportgen makes sure it cannot hang, exhaust memory or leak
a parser error:

- :func:`read_untrusted` opens the path without blocking (a FIFO would wait
  forever for a writer), refuses anything that is not a regular file (a link
  to ``/dev/zero`` reports size 0 and never ends), and reads at most
  :data:`MAX_FILE_BYTES` bytes whatever the size the file system reports;
- :func:`check_package` reads the zip's own directory: a bounded number of
  entries, compressed with deflate only, each inflating to at most
  :data:`MAX_ENTRY_BYTES` and all together to :data:`MAX_INFLATED_BYTES`
  (:mod:`zipfile` never yields more than an entry's declared size, so the
  declared sizes bound what openpyxl inflates); then it streams every entry
  once, counting its markup — each XML element costs at least one ``<``, and
  openpyxl's memory and time grow with the elements it loads — and refusing
  a ``<!DOCTYPE``/``<!ENTITY`` (no spreadsheet part has one; an entity is
  how an XML bomb or a file reference gets in) and XML that is not UTF-8
  (the scan could not see its markup);
- :func:`check_loaded` bounds the rows and columns of every sheet once loaded
  (one cell at XFD1048576 would make a reader walk a million empty rows).

Each refusal is a :class:`WorkbookRefused` carrying one Korean sentence: what
is wrong and what to do. The caller names the file.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
from pathlib import Path
from typing import Any

from ..errors import ReportgenError
from ..i18n import os_reason, tr
from ..josa import attach

# The compressed file: a department's workbook of 50 pledges is about 0.5 MB.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 2_000
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_INFLATED_BYTES = 64 * 1024 * 1024
# Markup (``<``) over all parts. A workbook exported for 50 pledges holds
# about 150,000; openpyxl loads 1,000,000 in about 5 s and 120 MB here.
MAX_MARKUP = 1_000_000
# A pledge's sheet has about a hundred rows and twenty columns.
MAX_ROWS = 5_000
MAX_COLUMNS = 200

_CHUNK = 1 << 20
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_OVERLAP = 16  # bytes kept between chunks, so a declaration split across two is seen
# How an XML parser recognises a document that is not UTF-8 from its first
# bytes (XML 1.0, appendix F): UTF-16 and UTF-32 with or without a byte order
# mark, and EBCDIC. The scan for declarations reads UTF-8 (and ASCII) only.
_OTHER_ENCODINGS = (
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00\x00\xfe\xff",
    b"\x00\x00\x00<",
    b"<\x00\x00\x00",
    b"\x00<\x00?",
    b"<\x00?\x00",
    b"\x4c\x6f\xa7\x94",
)
_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_UTF8 = (b"utf-8", b"utf8")


class WorkbookRefused(ReportgenError):
    """A department's workbook reportgen will not open (the message says why and what to do)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _resend() -> str:
    return tr(
        "내보낸 통합 문서에 입력해 Excel 통합 문서(*.xlsx)로 저장한 파일을 다시 받아 가져오세요",
        "ask for the exported workbook, filled in and saved as Excel Workbook (*.xlsx), "
        "and import that",
    )


def read_untrusted(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit``; never blocks."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise WorkbookRefused(
            tr(f"읽을 수 없습니다 ({os_reason(exc)})", f"cannot be read ({os_reason(exc)})")
        ) from None
    # fstat before fdopen: FileIO refuses a folder's descriptor with a bare IsADirectoryError.
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise WorkbookRefused(
            tr(
                "일반 파일이 아닙니다(파이프·장치·폴더 등): 받은 통합 문서 파일 자체를 가져오세요",
                "not a regular file (a pipe, a device, a folder …): import the workbook "
                "file itself",
            )
        )
    with os.fdopen(fd, "rb", buffering=0) as fh:
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            try:
                chunk = fh.read(min(_CHUNK, limit + 1 - got))
            except OSError as exc:
                raise WorkbookRefused(
                    tr(f"읽을 수 없습니다 ({os_reason(exc)})", f"cannot be read ({os_reason(exc)})")
                ) from None
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    if got > limit:
        raise WorkbookRefused(
            tr(
                f"{limit // 1024 // 1024}MB가 넘어 부서 회신 통합 문서가 아닙니다: {_resend()}",
                f"larger than {limit // 1024 // 1024} MB, not a department's workbook: {_resend()}",
            )
        )
    return b"".join(chunks)


def _entry_count(data: bytes) -> int | None:
    """The number of entries the zip's end record declares (None: no end record found)."""
    # The end record is 22 bytes plus a comment of at most 65,535.
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535))
    if at < 0 or at + 22 > len(data):
        return None
    entries: int = struct.unpack_from("<H", data, at + 10)[0]
    return entries


def _not_xlsx() -> WorkbookRefused:
    return WorkbookRefused(
        tr(
            f"XLSX 통합 문서가 아닙니다: {_resend()}",
            f"not an XLSX workbook: {_resend()}",
        )
    )


def check_package(data: bytes) -> None:
    """Refuse a workbook whose parts would inflate, parse or load beyond the bounds."""
    entries = _entry_count(data)
    if entries is None:
        raise _not_xlsx()
    # 0xFFFF means a ZIP64 directory: no workbook has that many parts.
    if entries > MAX_ENTRIES:
        raise WorkbookRefused(
            tr(
                f"압축 안에 항목이 {MAX_ENTRIES:,}개가 넘습니다: {_resend()}",
                f"more than {MAX_ENTRIES:,} parts in the archive: {_resend()}",
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error):
        raise _not_xlsx() from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise WorkbookRefused(
                tr(
                    f"압축 안에 항목이 {MAX_ENTRIES:,}개가 넘습니다: {_resend()}",
                    f"more than {MAX_ENTRIES:,} parts in the archive: {_resend()}",
                )
            )
        total = 0
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _not_xlsx()
            total += info.file_size
            if info.file_size > MAX_ENTRY_BYTES or total > MAX_INFLATED_BYTES:
                raise _too_large(info.filename)
        markup = 0
        for info in infos:
            markup += _scan(archive, info)
            if markup > MAX_MARKUP:
                raise _too_large(info.filename)


def _too_large(part: str) -> WorkbookRefused:
    return WorkbookRefused(
        tr(
            f"압축을 풀면 너무 큽니다({part}: 부서 회신 한 부의 한도를 넘는 행·칸·글자): "
            f"내용을 줄이거나 {_resend()}",
            f"too large once unpacked ({part}: more rows, cells or text than a department's "
            f"workbook can hold): shorten it, or {_resend()}",
        )
    )


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The markup count of one part; refuses a DTD, an entity, or XML that is not UTF-8."""
    count = 0
    tail = b""
    first = True
    try:
        with archive.open(info) as part:
            while chunk := part.read(_CHUNK):
                if first:
                    first = False
                    body = chunk.removeprefix(b"\xef\xbb\xbf")
                    declared = _ENCODING.match(body[:256])
                    if chunk.startswith(_OTHER_ENCODINGS) or (
                        declared is not None and declared.group(1).lower() not in _UTF8
                    ):
                        raise _declared(info.filename, utf8=False)
                count += chunk.count(b"<")
                if _DECLARATION.search(tail + chunk):
                    raise _declared(info.filename, utf8=True)
                tail = chunk[-_OVERLAP:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise _not_xlsx() from None
    return count


def _declared(part: str, *, utf8: bool) -> WorkbookRefused:
    if not utf8:
        return WorkbookRefused(
            tr(
                f"{attach(part, '이')} UTF-8 XML이 아닙니다(Excel·한셀·LibreOffice는 UTF-8로 저장합니다): "
                f"{_resend()}",
                f"{part} is not UTF-8 XML (Excel, Hancell and LibreOffice save UTF-8): {_resend()}",
            )
        )
    return WorkbookRefused(
        tr(
            f"{part}에 DOCTYPE/ENTITY 선언이 있습니다(통합 문서에는 없는 것으로, 외부 파일을 "
            f"읽거나 내용을 부풀릴 수 있습니다): 열지 않았습니다. {_resend()}",
            f"{part} holds a DOCTYPE/ENTITY declaration (no workbook has one; it can read "
            f"other files or blow up its content): not opened. {_resend()}",
        )
    )


def check_loaded(workbook: Any) -> None:
    """Refuse a loaded workbook with a sheet larger than a pledge's sheet can be."""
    for ws in workbook.worksheets:
        if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLUMNS:
            raise WorkbookRefused(
                tr(
                    f"시트 {ws.title!r}가 {ws.max_row:,}행 {ws.max_column:,}열까지 있습니다"
                    f"(한 시트에 {MAX_ROWS:,}행, {MAX_COLUMNS:,}열까지): 그 바깥에 입력한 칸을 "
                    f"지우거나 {_resend()}",
                    f"the sheet {ws.title!r} reaches row {ws.max_row:,}, column "
                    f"{ws.max_column:,} (at most {MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns "
                    f"a sheet): clear the cells beyond, or {_resend()}",
                )
            )
