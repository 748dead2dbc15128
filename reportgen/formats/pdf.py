"""PDF through LibreOffice (``reportgen build --pdf``): warm, in parallel, each page laid out once.

**How.** LibreOffice is an optional, external program, driven over UNO: one
LibreOffice per core (two here), each started once per build with a
private profile inside the build's staging directory, each served by a small
worker (:mod:`reportgen.formats.unoworker`, run by the Python that has LibreOffice's
``uno`` module: Debian's ``python3-uno``) that loads documents, fixes them
and exports them with ``writer_pdf_Export``. Every LibreOffice runs under
:mod:`reportgen.formats.guard`, so it dies with reportgen however reportgen ends;
each command has a time limit, and a LibreOffice that hangs or fails ends
the build with an error naming the file. A fontconfig file maps the official
Korean faces the templates name (휴먼명조, 맑은 고딕 …) to free Nanum faces.

**Spacing.** LibreOffice ignores Word's ``w:autoSpaceDE``/``w:autoSpaceDN``
and puts a quarter-em gap between Hangul and digits ("2018 년", "민선 7 기");
the worker switches that off (``ParaIsCharacterDistance``) in every document
before laying it out, so the PDF reads "2018년" as the DOCX does.

**Each page once.** LibreOffice spends ~60 ms of CPU a page (more per page
in a long document), and the booklet holds every pledge's pages: converting
the booklet and each pledge's DOCX would lay out every page twice, and the
booklet alone on one core takes minutes at 300 pledges. So the booklet is cut
at its pledges' bookmarks into the front matter and parts of ~50 pages
(:mod:`reportgen.formats.pdfbooklet`), the parts are laid out side by side, each
numbered from where it falls in the booklet, the table of contents gets the
page numbers once all parts are laid out (still links to the pledges' pages),
and pikepdf joins the parts into the booklet PDF and cuts each pledge's PDF out
of its part, both keeping LibreOffice's tags (the structure tree a screen
reader reads; see :mod:`reportgen.formats.pdfbooklet`).

A pledge's PDF is therefore **an extract of the booklet**: its pages carry
the booklet's page numbers (1-1-3 on pp. 12-16 prints "- 12 -" … "- 16 -"),
while its DOCX, opened on its own, numbers from 1. That is accepted: the
PDFs are what gets circulated and cited, and a pledge's pages then have the
same numbers everywhere, in the booklet, its table of contents and the
extract. A booklet that cannot be cut without changing a page (see
:func:`reportgen.formats.pdfbooklet.cut_booklet`) is converted whole, on one core,
and the pledges' PDFs cut from it the same way.

**Measured** (``python -m tests.bench_pdf``, 300 synthetic pledges, a
1,510-page booklet). Before the PDFs were tagged, with the machine idle:
every PDF in 51 s (LibreOffice 92 s of CPU, 61 ms a page; reportgen 8 s).
Tagged (the booklet and each pledge's PDF keep LibreOffice's structure
tree, :mod:`reportgen.formats.pdfbooklet`), measured back to back with the
untagged build on the shared machine (load 2-3, so wall times are long and
noisy; the same untagged build took 44 s and 61 s within an hour): every
PDF 66.4 s against 60.7 s; CPU LibreOffice 68.4 s against 62.4 s (45 and
41 ms a page), reportgen 23.1 s against 16.7 s; the booklet 25.6 MB
against 11.3 MB, the pledges' PDFs 69.5 MB against 56.4 MB; the build's
peak memory 3.0 GB with ``--pdf`` (qpdf held every part's structure tree,
about a million objects, until the booklet was written) against 145 MB
without; 0.7 GB since the booklet is written to a file part by part
(:class:`reportgen.formats.pdfbooklet.Booklet`). In isolation LibreOffice spends ~38 ms of CPU a page (1.45 s to
open and lay out a 55-page part, 0.6 s to export it; a 30-page part 41-46
ms a page, 110 pages 34-39, 200 pages 38: part size hardly matters); the
export filter's tagging costs nothing measurable (0.67 s tagged, 0.66 s
untagged, a 55-page part). Giving the digits and Latin letters the Korean
language (LibreOffice tags every run of another language as a Span of its
own, 8,600 of a part's 24,000 elements) would shrink the tree by a third,
but it moves line breaks in narrow cells ("307 (307)"), so it is not done.
Before, one ``soffice --convert-to`` call took 103 s for the booklet alone,
and its 300 pledge files on top did not finish; converting each pledge's
DOCX as well would add ~0.4 s of CPU a pledge.

**Laid out once.** Loaded the usual way (``loadComponentFromURL``), a
document is laid out as it loads, and switching off the Hangul-digit gap
and giving it the forbidden characters made LibreOffice lay it out again;
a DOCX is now loaded as a model alone, fixed, then given its hidden view
(:meth:`reportgen.formats.unoworker.Worker.open`). A 55-page part, alone
on the idle machine: 2.2-2.3 s of LibreOffice's CPU before, 1.75-1.9 s
after, the same PDF (only the ICC profile's time stamp, which
:func:`reportgen.formats.pdfstream.fixed_profile` fixes, differs). Also
taken off the critical path (2026-12-05): the booklet's cut (2.1 -> 1.2
s, LibreOffice waited for it at start-up), the 목차 page numbers written
into the booklet DOCX (~1 s, now while LibreOffice lays out the front
matter: ``on_pages``) and the booklet's last copies (while LibreOffice
quits). Every PDF at 300 pledges, one paired run on the idle machine:
46.5 s before, 40.5 s after (LibreOffice 67.8 -> 61.0 s of CPU, reportgen
21.4 -> 19.3 s); a later run of the new code alone, 42.9 s.

**Line breaking.** LibreOffice ignores the DOCX's forbidden characters
(「 never ends a line) and breaks "70개사" after the digits; the worker is
given the document's own lists and converts a copy in which what must stay
on one line is glued (:mod:`reportgen.formats.linebreak`). Each copy is glued as it
is opened, so the booklet's later parts are glued while LibreOffice lays out
the first. The glue costs about a tenth: 300 pledges, the same hour, the
machine busier than for the figures above: every PDF in 61 s without it,
68 s with it (LibreOffice 117 → 125 s of CPU, reportgen 8.5 → 11 s; 173,000
joiners in the booklet); the median of three runs with it, 70 s. The cost
is in LibreOffice's PDF export, which starts a new text operator after
each joiner (+40% on a 55-page part); U+FEFF, U+200D and U+034F do worse.

LibreOffice stamps each PDF with its creation time and a random file ID; both
are overwritten in place with fixed values of the same length. LibreOffice may
still order a PDF's objects differently from run to run, so PDFs are the one
output not promised byte-identical: ``build --check`` verifies them against
the digests the manifest recorded.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import ReportgenError
from ..i18n import tr
from . import linebreak
from .ooxml import read_regular_file


def _install_hint() -> str:
    return tr(
        "LibreOffice가 설치되어 있지 않아 PDF를 만들지 않았습니다(다른 파일은 썼습니다). "
        "Debian/Ubuntu에서는: sudo apt-get install libreoffice-writer-nogui python3-uno "
        "fonts-nanum",
        "LibreOffice is not installed, so no PDF was made (the other files were written). "
        "On Debian/Ubuntu: sudo apt-get install libreoffice-writer-nogui python3-uno fonts-nanum",
    )


def _uno_hint() -> str:
    return tr(
        "LibreOffice의 파이썬 연결(python3-uno)이 설치되어 있지 않아 PDF를 만들지 않았습니다"
        "(다른 파일은 썼습니다). Debian/Ubuntu에서는: sudo apt-get install python3-uno",
        "LibreOffice's Python bridge (python3-uno) is not installed, so no PDF was made "
        "(the other files were written). On Debian/Ubuntu: sudo apt-get install python3-uno",
    )


DEFAULT_TIMEOUT = 300.0  # for one step: starting LibreOffice, laying out or exporting a document
MAX_OFFICES = 4
MAX_OPEN = 3  # documents one LibreOffice holds open while waiting for page numbers
WORKER = Path(__file__).with_name("unoworker.py")

Progress = Callable[[int, int], None]


class PdfError(ReportgenError):
    """LibreOffice failed, hung, or produced no PDF."""


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


@functools.cache
def _has_uno(python: str) -> bool:
    try:
        return (
            subprocess.run(
                [python, "-I", "-c", "import uno"],
                capture_output=True,
                timeout=30,
                check=False,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


def find_uno_python(soffice: str | None = None) -> str | None:
    """A Python that can ``import uno``: $REPORTGEN_UNO_PYTHON, LibreOffice's own, the system's."""
    candidates = [os.environ.get("REPORTGEN_UNO_PYTHON", "")]
    soffice = soffice or find_soffice()
    if soffice:
        candidates.append(str(Path(os.path.realpath(soffice)).with_name("python")))
    candidates += ["/usr/bin/python3", shutil.which("python3") or ""]
    for python in candidates:
        if python and os.access(python, os.X_OK) and _has_uno(python):
            return python
    return None


def missing() -> str | None:
    """Why PDFs cannot be made here (an install hint), or None when they can."""
    soffice = find_soffice()
    if soffice is None:
        return _install_hint()
    if find_uno_python(soffice) is None:
        return _uno_hint()
    return None


def fontconfig_file() -> Path:
    return Path(str(resources.files("reportgen") / "resources" / "fonts.conf"))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------
# One LibreOffice and its worker


@dataclass
class _Doc:
    """A document some LibreOffice opens, lays out and exports (or only counts)."""

    label: str  # what an error names
    source: Path
    target: Path | None  # None: open to count its pages, then close
    anchors: list[str] = field(default_factory=list)
    docx: bytes | None = None  # written to source, glued, when it is opened (see _open)
    kinsoku: dict[str, str] | None = None  # forbidden characters, see reportgen.formats.linebreak
    pages: int | None = None
    anchor_pages: dict[str, int] = field(default_factory=dict)
    office: _Office | None = None
    state: str = "new"  # new, open, done

    def write_glued(self, docx: bytes) -> None:
        """Write the copy LibreOffice converts to ``source``: its line-breaking glue added."""
        data, rules = linebreak.glued_docx(docx)
        self.source.write_bytes(data)
        self.kinsoku = rules.as_command() if rules is not None else None


class _Office:
    """One LibreOffice (under the guard) with the UNO worker that drives it."""

    def __init__(self, index: int, scratch: Path, soffice: str, python: str) -> None:
        self.index = index
        self.fifo = scratch / f"commands{index}"
        os.mkfifo(self.fifo, 0o600)
        # Read-write, so opening never waits for the worker and its death never
        # makes a write fail half-way; the worker's answers tell us it lives.
        self.commands = os.open(self.fifo, os.O_RDWR)
        self.log_path = scratch / f"office{index}.log"
        profile = scratch / f"profile{index}"
        pipe = f"reportgen_{os.getpid()}_{index}_{secrets.token_hex(6)}"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
        env["FONTCONFIG_FILE"] = str(fontconfig_file())
        cmd = [
            sys.executable,
            "-m",
            "reportgen.formats.guard",
            python,
            "-I",  # isolated: nothing from reportgen's environment or folder
            str(WORKER),
            soffice,
            profile.as_uri(),
            pipe,
            str(self.fifo),
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.PIPE,  # never written: its end-of-file means "we are gone"
                env=env,
                start_new_session=True,  # a group of its own, killed as one
            )
        assert self.proc.stdout is not None
        self.out = self.proc.stdout.fileno()
        self.buffer = b""
        self.ready = False
        self.task: tuple[str, _Doc] | None = None
        self.deadline = 0.0
        self.open_docs: list[_Doc] = []

    def send(self, op: str, doc: _Doc, timeout: float, **extra: Any) -> None:
        command = {"op": op, "id": str(id(doc)), **extra}
        os.write(self.commands, (json.dumps(command, ensure_ascii=False) + "\n").encode())
        self.task = (op, doc)
        self.deadline = time.monotonic() + timeout

    def answers(self) -> list[dict[str, Any]] | None:
        """What the worker said since last time; None when it has gone."""
        data = os.read(self.out, 1 << 16)
        if not data:
            return None
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def log_tail(self) -> str:
        try:
            text = self.log_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""
        lines = [
            line.strip()
            for line in text.splitlines()
            if line.strip() and "javaldx" not in line and not line.startswith("Traceback")
        ]
        return " / ".join(lines[-2:])

    def quit(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.commands, b'{"op": "quit"}\n')

    def close(self, wait: float) -> None:
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.kill()
        finally:
            self.kill()  # the group: any helper LibreOffice left behind
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
            with contextlib.suppress(OSError):
                os.close(self.commands)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


class _Plan:
    """What to do next; told each answer."""

    def next_for(self, office: _Office) -> tuple[str, _Doc, dict[str, Any]] | None:
        raise NotImplementedError

    def finished(self, op: str, doc: _Doc, answer: dict[str, Any]) -> None:
        raise NotImplementedError

    def done(self) -> bool:
        raise NotImplementedError


def _run(
    plan: _Plan | Callable[[], _Plan],
    offices_wanted: int,
    scratch: Path,
    timeout: float,
    start_timeout: float | None = None,
    side_work: Callable[[], bool] | None = None,
    then: Callable[[], None] | None = None,
) -> None:
    """Run ``plan`` on LibreOffices; between their answers, ``side_work()``.

    ``side_work`` does one short piece of reportgen's own work and says
    whether it found any; it is called only when every LibreOffice has its
    next command and none has answered, so LibreOffice never waits for it
    longer than one piece (not on a thread: pikepdf holds the GIL while it
    works, and the loop would wait for it all the same). ``then()``, when
    the plan is done, runs while the LibreOffices quit (a few tenths of a
    second) instead of after.
    """
    soffice = find_soffice()
    if soffice is None:
        raise PdfError(_install_hint())
    python = find_uno_python(soffice)
    if python is None:
        raise PdfError(_uno_hint())
    offices: list[_Office] = []
    scratch = Path(tempfile.mkdtemp(prefix="office-", dir=scratch))  # fresh names each run
    try:
        for index in range(max(1, offices_wanted)):
            office = _Office(index, scratch, soffice, python)
            office.deadline = time.monotonic() + (start_timeout or timeout)
            offices.append(office)
        if not isinstance(plan, _Plan):
            plan = plan()  # made while LibreOffice starts
        while not plan.done():
            for office in offices:
                if office.ready and office.task is None:
                    action = plan.next_for(office)
                    if action is not None:
                        op, doc, extra = action
                        office.send(op, doc, timeout, **extra)
            busy = [o for o in offices if not o.ready or o.task is not None]
            if not busy:
                raise PdfError(
                    tr(
                        "PDF 변환이 멈췄습니다(reportgen의 결함입니다).",
                        "the PDF conversion stalled (a reportgen bug)",
                    )
                )
            wait = max(0.0, min(o.deadline for o in busy) - time.monotonic())
            readable, _, _ = select.select([o.out for o in busy], [], [], 0)
            if not readable and side_work is not None and side_work():
                continue
            if not readable:
                readable, _, _ = select.select([o.out for o in busy], [], [], wait)
            for office in busy:
                if office.out in readable:
                    _hear(office, plan, timeout)
                elif time.monotonic() > office.deadline:
                    if office.task is None:
                        raise PdfError(
                            tr(
                                f"LibreOffice가 {start_timeout or timeout:g}초 안에 시작하지 "
                                "않았습니다. 아무것도 변환하지 않았습니다.",
                                f"LibreOffice did not start within {start_timeout or timeout:g} "
                                "s; nothing was converted",
                            )
                        )
                    op, doc = office.task
                    raise PdfError(
                        tr(
                            f"LibreOffice가 {timeout:g}초 안에 {doc.label} {_doing(op)}을(를) "
                            "끝내지 못했습니다.",
                            f"LibreOffice did not finish {_doing(op)} {doc.label} within "
                            f"{timeout:g} s",
                        )
                    )
        for office in offices:
            office.quit()
        if then is not None:
            then()
        for office in offices:
            office.close(wait=10)
    except BaseException:  # an error, Ctrl-C, anything: LibreOffice goes with us
        for office in offices:
            office.kill()
            office.close(wait=0)
        raise


def _doing(op: str) -> str:
    return {
        "open": tr("조판", "laying out"),
        "export": tr("내보내기", "exporting"),
        "close": tr("닫기", "closing"),
    }.get(op, op)


def _hear(office: _Office, plan: _Plan, timeout: float) -> None:
    answers = office.answers()
    if answers is None:
        what = (
            tr(
                f"{office.task[1].label} {_doing(office.task[0])} 중에",
                f"while {_doing(office.task[0])} {office.task[1].label}",
            )
            if office.task
            else tr("시작하는 중에", "while starting")
        )
        raise PdfError(
            tr(
                f"LibreOffice가 {what} 멈췄습니다: {office.log_tail() or '메시지 없음'}",
                f"LibreOffice stopped {what}: {office.log_tail() or 'no message'}",
            )
        )
    for answer in answers:
        if office.task is None:  # the greeting
            if "error" in answer:
                raise PdfError(
                    tr(
                        f"LibreOffice가 시작하지 못했습니다: {answer['error']}",
                        f"LibreOffice could not start: {answer['error']}",
                    )
                )
            office.ready = True
            continue
        op, doc = office.task
        office.task = None
        if "error" in answer:
            raise PdfError(
                tr(
                    f"LibreOffice가 {doc.label}을(를) 변환하지 못했습니다: {answer['error']}",
                    f"LibreOffice could not convert {doc.label}: {answer['error']}",
                )
            )
        if op == "open":
            doc.state = "open"
            doc.office = office
            doc.pages = answer.get("pages")
            doc.anchor_pages = answer.get("anchors") or {}
            office.open_docs.append(doc)
        else:
            doc.state = "done"
            office.open_docs.remove(doc)
            if doc.target is not None and not doc.target.is_file():
                raise PdfError(
                    tr(
                        f"LibreOffice가 {doc.label}의 PDF를 쓰지 않았습니다.",
                        f"LibreOffice wrote no PDF for {doc.label}",
                    )
                )
        plan.finished(op, doc, answer)


def _open(doc: _Doc) -> tuple[str, _Doc, dict[str, Any]]:
    if doc.docx is not None:
        # Glued only now, so that the booklet's later parts are glued while
        # LibreOffice lays out the first ones.
        doc.write_glued(doc.docx)
        doc.docx = None
    return "open", doc, {"path": str(doc.source), "anchors": doc.anchors, "kinsoku": doc.kinsoku}


def _export(doc: _Doc, first_page: int | None = None) -> tuple[str, _Doc, dict[str, Any]]:
    if doc.target is None:
        return "close", doc, {}
    return "export", doc, {"path": str(doc.target), "first_page": first_page}


class _EachPlan(_Plan):
    """Open and export every document, on whichever LibreOffice is free."""

    def __init__(self, docs: list[_Doc], on_done: Callable[[_Doc], None]) -> None:
        self.queue = list(docs)
        self.left = len(docs)
        self.on_done = on_done

    def next_for(self, office: _Office) -> tuple[str, _Doc, dict[str, Any]] | None:
        if office.open_docs:
            return _export(office.open_docs[0])
        if self.queue:
            return _open(self.queue.pop(0))
        return None

    def finished(self, op: str, doc: _Doc, answer: dict[str, Any]) -> None:
        if doc.state == "done":
            self.left -= 1
            self.on_done(doc)

    def done(self) -> bool:
        return self.left == 0


# ---------------------------------------------------------------------------
# The booklet, cut in parts


@dataclass
class _PledgePdf:
    name: str  # output name, e.g. "공약별/01-04-05 ….pdf"
    anchor: str


class _BookletPlan(_Plan):
    """Front matter counted, parts laid out in parallel and numbered, front matter finished."""

    def __init__(
        self,
        cut: Any,  # pdfbooklet.CutBooklet
        booklet_label: str,
        labels: dict[str, str],
        scratch: Path,
        on_part: Callable[[_Doc], None],
        on_numbers: Callable[[dict[str, int]], None] = lambda numbers: None,
    ) -> None:
        self.cut = cut
        self.scratch = scratch
        self.on_part = on_part
        self.on_numbers = on_numbers
        self.booklet_label = booklet_label
        self.draft = _Doc(
            f"{booklet_label} (front matter)",
            scratch / "front-draft.docx",
            None,
            docx=cut.front(None),
        )
        self.parts: list[_Doc] = []
        for i, part in enumerate(cut.parts):
            first, last = labels[part.anchors[0]], labels[part.anchors[-1]]
            span = first if first == last else f"{first} … {last}"
            label = booklet_label + tr(f"({span}의 쪽)", f" (the pages of {span})")
            source, target = scratch / f"part{i:04d}.docx", scratch / f"part{i:04d}.pdf"
            self.parts.append(_Doc(label, source, target, part.anchors, docx=part.docx))
        self.front: _Doc | None = None
        self.queue: list[_Doc] = [self.draft, *self.parts]
        self.exported = 0

    # Page numbers, once known
    def first_number(self, index: int) -> int | None:
        counts = [self.draft.pages, *(p.pages for p in self.parts[:index])]
        if any(c is None for c in counts):
            return None
        return self.cut.first_number + sum(c for c in counts if c is not None)

    def numbers(self) -> dict[str, int]:
        out = {}
        for index, part in enumerate(self.parts):
            first = self.first_number(index)
            assert first is not None
            for anchor, page in part.anchor_pages.items():
                out[anchor] = first + page - 1
        return out

    def next_for(self, office: _Office) -> tuple[str, _Doc, dict[str, Any]] | None:
        for doc in office.open_docs:
            if doc is self.draft or doc is self.front:
                return _export(doc)
            first = self.first_number(self.parts.index(doc))
            if first is not None:
                return _export(doc, first)
        if len(office.open_docs) >= MAX_OPEN:
            return None
        if self.queue:
            return _open(self.queue.pop(0))
        if self.front is None and all(p.state != "new" for p in self.parts):
            # The page numbers need the draft's count too: on a busy machine the
            # other LibreOffice may lay out every part before this one has
            # counted the front matter.
            if self.draft.pages is not None and all(p.pages is not None for p in self.parts):
                numbers = self.numbers()
                self.front = _Doc(
                    f"{self.booklet_label} (front matter)",
                    self.scratch / "front.docx",
                    self.scratch / "front.pdf",
                    docx=self.cut.front(numbers),
                )
                self.on_numbers(numbers)
                return _open(self.front)
        return None

    def finished(self, op: str, doc: _Doc, answer: dict[str, Any]) -> None:
        if op == "open" and doc in self.parts:
            pages = [doc.anchor_pages.get(a, 0) for a in doc.anchors]
            if doc.pages is None or pages[0] != 1 or 0 in pages or pages != sorted(pages):
                raise PdfError(
                    tr(
                        f"LibreOffice가 {doc.label}을(를) 뜻밖으로 조판했습니다(쪽 {doc.pages}, "
                        f"공약이 시작하는 쪽 {pages}).",
                        f"LibreOffice laid out {doc.label} unexpectedly "
                        f"(pages {doc.pages}, pledges starting on {pages})",
                    )
                )
        if op == "open" and doc is self.front and doc.pages != self.draft.pages:
            raise PdfError(
                tr(
                    f"{self.booklet_label}의 앞부분이 쪽 번호를 넣으면 {doc.pages}쪽, 빼면 "
                    f"{self.draft.pages}쪽입니다.",
                    f"the front matter of {self.booklet_label} took {doc.pages} page(s) with "
                    f"its page numbers and {self.draft.pages} without",
                )
            )
        if op == "export":
            self.exported += 1
            if doc in self.parts:
                self.on_part(doc)

    def done(self) -> bool:
        return (
            self.front is not None
            and self.front.state == "done"
            and self.exported == len(self.parts) + 1
        )


# ---------------------------------------------------------------------------
# Public


def convert(
    sources: list[Path],
    outdir: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workdir: Path | None = None,
    start_timeout: float | None = None,
) -> list[Path]:
    """Convert documents (DOCX, XLSX …) to PDFs in ``outdir``; return their paths.

    Runs LibreOffice under :mod:`reportgen.formats.guard` with its profile in a
    scratch directory inside ``workdir``; an error names the file. ``timeout``
    bounds each step (LibreOffice's start: ``start_timeout`` if given).
    """
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reportgen-pdf-", dir=workdir) as tmp:
        docs = [_converted(s, Path(tmp), i) for i, s in enumerate(sources)]
        offices = min(_cores(), MAX_OFFICES, len(docs))
        _run(_EachPlan(docs, lambda d: None), offices, Path(tmp), timeout, start_timeout)
        results = []
        for source, doc in zip(sources, docs, strict=True):
            assert doc.target is not None
            result = outdir / (source.stem + ".pdf")
            shutil.move(doc.target, result)
            results.append(result)
        return results


def _converted(path: Path, scratch: Path, index: int) -> _Doc:
    target = scratch / f"doc{index:05d}.pdf"
    if path.suffix.lower() == ".docx":
        doc = _Doc(path.name, scratch / f"doc{index:05d}.docx", target)
        try:
            doc.write_glued(read_regular_file(path))  # bounded
            return doc
        except (OSError, ValueError, zipfile.BadZipFile, etree.LxmlError, ReportgenError):
            pass  # not a package we can read: LibreOffice gets it as it is, and names it if it fails
    return _Doc(path.name, Path(os.path.abspath(path)), target)


def to_pdf(
    documents: dict[str, bytes],
    timeout: float = DEFAULT_TIMEOUT,
    workdir: Path | None = None,
    *,
    booklet: str | None = None,
    pledges: Sequence[tuple[str, str]] = (),
    titles: dict[str, str] | None = None,
    progress: Progress | None = None,
    on_pages: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, bytes]:
    """Convert in-memory DOCX files (name -> bytes) to PDFs (name.pdf -> bytes).

    With ``booklet`` (its name in ``documents``) and ``pledges`` (each
    pledge's DOCX name and its bookmark in the booklet, in booklet order),
    the booklet is converted in parts and each pledge's PDF cut from it (see
    the module's docstring); other documents are converted each on its own.
    ``titles`` gives each pledge's PDF its own title (by bookmark), which an
    extract would otherwise inherit from the booklet. ``on_pages`` is called
    once with the page each pledge starts on in the booklet, as printed (its
    bookmark -> number: what the 목차 says), as soon as they are known: while
    LibreOffice lays out the front matter, so that what the caller does with
    them uses a core LibreOffice leaves idle then.
    ``progress(done, total)`` is called as PDFs are finished. Files go to a
    scratch directory inside ``workdir`` (the build's staging directory; the
    system's temporary directory if None), removed afterwards.
    """
    from . import pdfbooklet
    from .pdfstream import RawObjects

    names = sorted(documents)
    total = len(names)
    finished = 0
    out: dict[str, bytes] = {}

    def deliver(name: str, data: bytes) -> None:
        nonlocal finished
        out[str(Path(name).with_suffix(".pdf"))] = reproducible_pdf(data)
        finished += 1
        if progress is not None:
            progress(finished, total)

    pledge_names = {anchor: name for name, anchor in pledges}
    done: set[str] = set()
    with (
        tempfile.TemporaryDirectory(prefix="reportgen-pdf-", dir=workdir) as tmp,
        contextlib.ExitStack() as stack,
    ):
        scratch = Path(tmp)
        if booklet is not None and pledges and booklet in documents:
            labels = {a: Path(n).stem for n, a in pledges}
            part_pdfs: dict[int, Path] = {}
            whole_pages: dict[str, int] = {}  # pages of a booklet converted whole
            # The booklet's PDF, written to a file part by part as they are
            # exported, while LibreOffice lays out the rest; only the front
            # matter is left for the end. Only one part is held in memory.
            booklet_file = stack.enter_context(open(scratch / "booklet.pdf", "wb"))
            assembled = pdfbooklet.Booklet(booklet_file)
            # Copying a part into the booklet and cutting its pledges' PDFs out
            # (0.5-1 s of CPU a part), and the caller's work on the page numbers,
            # wait until every LibreOffice has its next command (see _run's
            # side_work): done at once, they held up the LibreOffice whose
            # answer brought them.
            waiting: collections.deque[Callable[[], None]] = collections.deque()

            def cut_pledges(doc: _Doc) -> None:
                waiting.append(functools.partial(cut_part, doc))

            def numbers_known(numbers: dict[str, int]) -> None:
                if on_pages is not None:
                    waiting.append(functools.partial(on_pages, numbers))

            def cut_next() -> bool:
                if not waiting:
                    return False
                waiting.popleft()()
                return True

            def cut_part(doc: _Doc) -> None:
                assert doc.target is not None
                # Opened once, for the cut and the booklet alike (pikepdf reads a
                # file faster than bytes), and closed before the next part.
                with pdfbooklet.open_pdf(doc.target) as pdf:
                    cut_opened(doc, pdf)

            def cut_opened(doc: _Doc, pdf: Any) -> None:
                assert doc.target is not None and doc.pages is not None
                exported = pdfbooklet.page_count(pdf)
                if exported != doc.pages:
                    raise PdfError(
                        tr(
                            f"LibreOffice가 {doc.label}을(를) {doc.pages}쪽으로 조판하고 "
                            f"{exported}쪽을 내보냈습니다.",
                            f"LibreOffice exported {exported} page(s) of "
                            f"{doc.label}, having laid out {doc.pages}",
                        )
                    )
                part_pdfs[id(doc)] = doc.target
                cache: pdfbooklet.Cache = {}  # the part's objects as unparsed, for both copies
                # The part's objects read from its file where they can be, not through qpdf.
                raw = RawObjects.read(doc.target.read_bytes())
                whole_pages.update(doc.anchor_pages)
                # Pledges not found in the booklet are converted on their own below.
                if all(a in doc.anchor_pages for a in doc.anchors):
                    starts = [doc.anchor_pages[a] for a in doc.anchors]
                    ends = [s - 1 for s in starts[1:]] + [doc.pages]
                    ranges = list(zip(starts, ends, strict=True))
                    named = [(titles or {}).get(a, "") for a in doc.anchors]
                    cut = pdfbooklet.cut_pages(pdf, ranges, named if all(named) else (), cache, raw)
                    for anchor, data in zip(doc.anchors, cut, strict=True):
                        deliver(pledge_names[anchor], data)
                        done.add(pledge_names[anchor])
                made = plans[0]
                if isinstance(made, _BookletPlan):
                    # After the cut, which reads the part's own marked-content keys.
                    index = next(i for i, p in enumerate(made.parts) if p is doc)
                    assembled.add(index + 1, doc.target, opened=pdf, cache=cache, raw=raw)

            plans: list[_Plan] = []

            def plan() -> _Plan:
                cut = pdfbooklet.cut_booklet(documents[booklet], [a for _, a in pledges])
                if cut is not None:
                    plans.append(
                        _BookletPlan(cut, booklet, labels, scratch, cut_pledges, numbers_known)
                    )
                else:
                    # Not cut: the whole booklet on one LibreOffice, pledges cut from it.
                    anchors = [a for _, a in pledges]
                    whole = _Doc(
                        booklet,
                        scratch / "booklet.docx",
                        scratch / "booklet.pdf",
                        anchors,
                        docx=documents[booklet],
                    )
                    plans.append(_EachPlan([whole], cut_pledges))
                return plans[0]

            def finish() -> None:
                # The parts left to copy, the front matter, the booklet's ends:
                # done while the LibreOffices quit (see _run's ``then``).
                while cut_next():
                    pass
                made = plans[0]
                if isinstance(made, _BookletPlan):
                    assert made.front is not None and made.front.target is not None
                    # The contents' page numbers link to the pledges' pages.
                    first = made.cut.first_number
                    links = {str(n): n - first for n in made.numbers().values()}
                    assembled.add(0, made.front.target, links)
                    assembled.finish()
                    booklet_file.close()
                    booklet_pdf = (scratch / "booklet.pdf").read_bytes()
                else:
                    booklet_pdf = next(iter(part_pdfs.values())).read_bytes()
                    if on_pages is not None:
                        on_pages(dict(whole_pages))  # converted whole: its first page is 1
                deliver(booklet, booklet_pdf)

            _run(
                plan,
                min(_cores(), MAX_OFFICES),
                scratch,
                timeout,
                side_work=cut_next,
                then=finish,
            )
            done.add(booklet)
        rest = [n for n in names if n not in done]
        if rest:
            docs = []
            for i, name in enumerate(rest):
                source = scratch / f"doc{i:05d}.docx"  # ASCII names, whatever the titles
                target = scratch / f"doc{i:05d}.pdf"
                docs.append(_Doc(name, source, target, docx=documents[name]))
            by_doc = {id(d): n for d, n in zip(docs, rest, strict=True)}

            def each(doc: _Doc) -> None:
                assert doc.target is not None
                deliver(by_doc[id(doc)], doc.target.read_bytes())

            _run(_EachPlan(docs, each), min(_cores(), MAX_OFFICES, len(docs)), scratch, timeout)
    return out


# "/CreationDate (D:20261123131500+00'00')" and "/ID [<hex><hex>]"
_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\((D:[0-9]{14})[0-9+\-Z']*\)")
# The same times in the XMP (PDF/A asks both to agree): "2026-11-23T13:15:00Z".
_XMP_DATE = re.compile(
    rb"<xmp:(CreateDate|ModifyDate|MetadataDate)>([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8})"
)
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
# LibreOffice's own checksum covers the time stamps above.
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")


def reproducible_pdf(data: bytes) -> bytes:
    """Fix the creation time and file ID LibreOffice writes, keeping every offset."""

    # Only the date and time are fixed; the time zone after them is kept, so
    # the document information and the XMP still say the same time.
    def date(m: re.Match[bytes]) -> bytes:
        return m.group(0).replace(m.group(2), b"D:20000101000000", 1)

    def xmp_date(m: re.Match[bytes]) -> bytes:
        return m.group(0).replace(m.group(2), b"2000-01-01T00:00:00", 1)

    def file_id(m: re.Match[bytes]) -> bytes:
        out = m.group(0)
        for g in (1, 2):
            out = out.replace(m.group(g), b"0" * len(m.group(g)), 1)
        return out

    def checksum(m: re.Match[bytes]) -> bytes:
        return m.group(0).replace(m.group(1), b"0" * len(m.group(1)))

    fixed = _XMP_DATE.sub(xmp_date, _DATE.sub(date, data))
    return _CHECKSUM.sub(checksum, _ID.sub(file_id, fixed))
