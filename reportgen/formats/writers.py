"""Stage 5: the writers. Each lays out the one report view; none computes a figure.

The pipeline (:mod:`reportgen.build`) computes the :class:`~reportgen.report.view.ReportView`
once and hands it to every writer of the build through one small protocol:

    class Writer(Protocol):
        name: str                      # "docx", "xlsx", "hwpx", "pdf", "html"
        templates: tuple[str, ...]     # files of templates/ it reads (hashed into the manifest)
        needs: tuple[str, ...]         # what it is made from besides the view (see below)
        gives: tuple[str, ...]         # what it hands the writers after it ("pages")
        background: bool               # run in a process of its own while the others write
        reproducible: bool             # same inputs, same bytes (a check rebuilds and compares)
        extensions: tuple[str, ...]    # its files' extensions: what a published output holds
        def write(self, report: ReportView, job: WriteJob) -> list[OutputFile]: ...

The registry is the one place a format lives: :func:`write_all` orders the
writers by what they declare they need, and the pipeline names no format.
``needs`` holds other formats (the PDF is made from the DOCX: ``"docx"``) and:

- ``"pages"``: the booklet's page numbers for the 목차 — LibreOffice's when the
  build has a writer that ``gives`` them (the PDF's; the writer then runs after
  it), else the estimate;
- ``"history"``: the term's earlier reports (the website's "what changed");
- ``"files"``: every other file of the build (the website offers them for
  download, with their sizes): it runs last.

``job`` carries the explicit inputs a writer may need: the templates folder,
the previous build (to reuse a file whose inputs are unchanged, by its key),
per-pledge input digests to make such keys, how many worker processes it
may use (:func:`reportgen.formats.render.parallel_map`), and what it declared it
needs. Adding a format is one module that lays the view out and one entry in
:data:`WRITERS`.

A writer whose output is not ``reproducible`` (LibreOffice may order a PDF's
objects differently from one run to the next) is not rebuilt by ``build
--check``: its files are checked against the digests the manifest recorded.
The formats a build writes unless asked otherwise are :data:`DEFAULT_FORMATS`;
the others are opt-in (a flag of the command adds each).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..records.model import ReportSettings
from ..report.view import PledgeView, ReportInfo, ReportView
from ..workspace.output import (
    Content,
    content_bytes,
    content_size,
    pledge_file_stem,
    safe_file_name,
)
from .ooxml import SEGMENT_LEVEL, Deflated, deflate_segment, span_name
from .render import (
    PreviousBuild,
    digest,
    in_background,
    parallel_map,
    template_digest,
)

if TYPE_CHECKING:  # imported where used: a no-op rebuild never loads docxtpl
    from .docx import DocxWriter

PLEDGE_DIR = "공약별"


def pledge_file(view: PledgeView, extension: str) -> str:
    """``공약별/01-04-05 청년·여성….docx``: one pledge's file of a format."""
    return f"{PLEDGE_DIR}/{pledge_file_stem(view.id, view.title)}.{extension}"


def _titled(report: ReportView, title: str) -> str:
    """``고창군 민선8기 군수 공약사업 추진상황 보고 (2024년 상반기)``: as an official names it.

    The city's own title and the period in words, never an internal code
    (2024H1); the city is not repeated when its title already begins with it.
    """
    city = report.city.strip()
    named = title if title.startswith(city) else f"{city} {title}"
    return safe_file_name(f"{named} ({report.period_words})", 120)


def booklet_name(report: ReportView, extension: str = "docx") -> str:
    """The booklet's file: ``가람군 민선8기 군수 공약 추진실적 보고서 (2024년 상반기).docx``."""
    return f"{_titled(report, report.title)}.{extension}"


def workbook_name(report: ReportView) -> str:
    """The workbook's file: ``가람군 공약사업 예산 집계 (2024년 상반기).xlsx``."""
    return f"{_titled(report, '공약사업 예산 집계')}.xlsx"


@dataclass(frozen=True)
class OutputFile:
    """One file a writer made; ``key`` digests its inputs, so a rebuild may reuse it.

    ``data``: its bytes, or the previous output's file of the same key taken
    by reference (:class:`~reportgen.workspace.output.Taken`), read only where needed.
    """

    name: str
    data: Content
    key: str | None = None
    parts: Mapping[str, str] | None = None  # part name -> key, for parts reusable alone


@dataclass
class WriteJob:
    """What a writer may use besides the view: nothing is global."""

    templates: Path
    info: ReportInfo
    code: str  # fingerprint of reportgen and its libraries
    pledge_sources: list[str]  # per pledge: digest of settings, period and its record
    previous: PreviousBuild = field(default_factory=lambda: PreviousBuild(None))
    workers: int = 1
    progress: Callable[[int, int], None] | None = None
    formats: tuple[str, ...] = ()  # every format of this build (a site links to the others)
    earlier: ReportView | None = None  # the previous period's report, for "what changed"
    reports: tuple[ReportView, ...] = ()  # the term's earlier reports, for each pledge's history
    settings: ReportSettings | None = None  # the city's rules, for the 산식 page
    term_index: str | None = None  # the term site's list of periods, from this period's root
    built: Mapping[str, int] = field(default_factory=dict)  # files made so far -> size in bytes
    # What the writers this one needs have made (by file name), and the booklet's
    # page numbers by pledge bookmark once LibreOffice has laid it out ("pages").
    # (A file taken from the previous output is read where a writer needs its bytes: content_bytes.)
    files: Mapping[str, Content] = field(default_factory=dict)
    pages: Mapping[str, int] | None = None
    notes: list[str] = field(default_factory=list)  # said to the user after the build
    workdir: Path | None = None  # where an external program may write (inside the staging dir)
    pdf_progress: Callable[[int, int], None] | None = None

    def pledge_keys(self, template: str) -> list[str]:
        """Per pledge: what its file of ``template`` is made from (its number included)."""
        base = digest(self.code, template_digest(self.templates / template), repr(self.info))
        return [digest(base, str(i + 1), src) for i, src in enumerate(self.pledge_sources)]

    def report_key(self, template: str) -> str:
        """What a file made from the whole report and ``template`` is made from."""
        return digest(self.code, template_digest(self.templates / template), *self.pledge_sources)


class Writer(Protocol):
    name: str
    templates: tuple[str, ...]
    # Formats this one is made from, and "pages", "history" or "files" (module docstring).
    needs: tuple[str, ...]
    # What it hands the writers after it: "pages" (LibreOffice's 목차 pages).
    gives: tuple[str, ...]
    # True for a writer that works alone on one core (the workbook): the
    # pipeline runs it in a process of its own while the others write.
    background: bool
    # False where the same inputs may give other bytes (LibreOffice's PDFs):
    # ``build --check`` then compares its files with the manifest's digests.
    reproducible: bool
    # Its files' extensions: which formats a published output holds.
    extensions: tuple[str, ...]

    def write(self, report: ReportView, job: WriteJob) -> list[OutputFile]: ...


# ---------------------------------------------------------------------------
# DOCX: each pledge's pages (in parallel, reused when unchanged) and the booklet

# What is made of one pledge: its booklet segment (None: the previous booklet's
# is taken back), its estimated page count (None: taken back, or not measured
# yet) and its own DOCX.
_Made = tuple[Deflated | None, int | None, Content]


@dataclass(frozen=True)
class _DocxPledges:
    """What a worker needs to lay out pledge pages (inherited when it forks, never pickled)."""

    writer: DocxWriter
    report: ReportView
    keys: list[str]
    previous: PreviousBuild
    info: ReportInfo
    # Per pledge: whether the previous booklet gives its segment and page count back.
    kept: tuple[bool, ...] = ()


#: Pledges laid out at most for their pieces to be taken from, and kept in, the
#: cache (docx.Pieces): a rebuild after an edit or two, not a cold build.
PIECES_AT_MOST = 4


def booklet_segment_key(key: str) -> str:
    """The key of a pledge's segment of the booklet, from the key of its pages (``pledge_keys``).

    The segment is its body deflated: the same bytes for the same body, with
    the same zlib at the same level (both are in the key; reportgen's own
    code is in ``key`` already).
    """
    return digest(key, "booklet segment", zlib.ZLIB_RUNTIME_VERSION, str(SEGMENT_LEVEL))


def _docx_taken(previous: PreviousBuild, key: str, segment_key: str) -> tuple[Content, bool] | None:
    """A pledge's DOCX as the previous build made it, and whether the previous booklet gives its segment back.

    The file by reference where it is proven unread (:meth:`PreviousBuild.take`):
    publish links it. None when the previous build has no file of its key
    (or one altered since: its digest is checked).
    """
    document = previous.take(key)
    if document is None:
        return None
    return document, previous.get_segment(segment_key) is not None


def _docx_pledge_of(pair: tuple[_DocxPledges, list[int]], k: int) -> _Made:
    state, todo = pair
    return _docx_pledge(state, todo[k])


def _docx_pledge(state: _DocxPledges, i: int) -> _Made:
    """Pledge ``i``'s booklet segment and page count, and its own DOCX, reused when unchanged.

    The segment is the pledge's body deflated on its own, here in the worker
    (:func:`~reportgen.formats.ooxml.deflate_segment`), the page count the
    estimate's (:func:`~reportgen.formats.pagination.pledge_pages`); neither
    is made for a pledge whose both the previous booklet gives back.
    """
    from .pagination import pledge_pages

    view = state.report.pledges[i]
    document = state.previous.get(state.keys[i])
    if document is not None and state.kept and state.kept[i]:
        return None, None, document
    content = state.writer.pledge.content_bytes_of(document) if document is not None else None
    if document is None or content is None:
        content = state.writer.pledge_content(view, state.info, i + 1)
        segment = deflate_segment(content)
        # The body deflated once: the booklet's segment and, with the template's
        # head and tail around it, the pledge's own document.xml.
        whole = state.writer.pledge.document_around(content, segment)
        document = state.writer.pledge_document(view, state.info, i + 1, whole)
        return segment, pledge_pages(view), document
    return deflate_segment(content), pledge_pages(view), document


class DocxOutput:
    """공약별/*.docx and the booklet (:mod:`reportgen.formats.docx`)."""

    name: str = "docx"
    templates: tuple[str, ...] = ("pledge.docx", "booklet.docx")
    needs: tuple[str, ...] = ()  # the 목차's pages: estimated here, LibreOffice's from "pdf"
    background: bool = False  # parallel itself: a worker per core
    gives: tuple[str, ...] = ()
    reproducible: bool = True
    extensions: tuple[str, ...] = ("docx",)

    def write(self, report: ReportView, job: WriteJob) -> list[OutputFile]:
        keys = job.pledge_keys("pledge.docx")
        # The booklet by part: each unchanged pledge's segment of the previous
        # booklet's body, and its page count, taken back by key (verified
        # against that booklet, else made again: PreviousBuild.get_segment).
        segment_keys = [booklet_segment_key(key) for key in keys]
        from . import codecache
        from .docx import DOCUMENT_PART, DocxWriter, Pieces, with_page_numbers
        from .pagination import pledge_pages

        writer = DocxWriter.from_directory(job.templates)
        # Each unchanged pledge's DOCX, read back from the previous build.
        # Read here, not on a thread beside the imports and the compiling:
        # that took as long (both need the one interpreter lock; medians of
        # 6 one-pledge rebuilds each way: 0.081 s threaded, 0.078 s here).
        previous = job.previous
        found = (
            [_docx_taken(previous, k, s) for k, s in zip(keys, segment_keys, strict=True)]
            if any(key in previous.by_key for key in keys)
            else [None] * len(keys)
        )
        kept = [job.previous.get_segment(key) for key in segment_keys]
        given: list[_Made | None] = []
        for got, held in zip(found, kept, strict=True):
            if got is None:
                given.append(None)  # laid out now
                continue
            document, segment_kept = got
            if segment_kept and held is not None:
                given.append((None, None, document))  # its segment taken back below
                continue
            # Not in the previous booklet: its segment is its body, deflated.
            content = writer.pledge.content_bytes_of(content_bytes(document))
            given.append(None if content is None else (deflate_segment(content), None, document))
        # A pledge changed again is mostly the pieces it was before (its tables
        # of figures, its text): those are taken as the last build made them.
        # Only for a few pledges, laid out here (the cache keeps their pieces).
        laid_out = sum(1 for got in given if got is None)
        known = (
            Pieces(writer.pledge)
            if 0 < laid_out <= PIECES_AT_MOST and codecache.directory() is not None
            else None
        )
        writer.pledge_pieces = known
        state = _DocxPledges(
            writer, report, keys, job.previous, job.info, tuple(k is not None for k in kept)
        )
        rendered = self._render_rest(job, state, given)
        if known is not None:
            known.keep()
        out = [
            OutputFile(pledge_file(view, "docx"), document, key)
            for view, (_s, _n, document), key in zip(report.pledges, rendered, keys, strict=True)
        ]
        segments: list[Deflated] = []
        counts: list[int] = []
        for i, (segment, count, _document) in enumerate(rendered):
            taken = kept[i]
            if segment is None and taken is None:  # not taken back after all: made now
                segment, count, _document = _docx_pledge(
                    _DocxPledges(writer, report, keys, job.previous, job.info), i
                )
            if segment is None and taken is not None:
                segment, count = taken
            assert segment is not None
            segments.append(segment)
            counts.append(count if count is not None else pledge_pages(report.pledges[i]))
        booklet, spans = writer.booklet_segments(
            report, segments, counts, job.previous.earlier(DOCUMENT_PART)
        )
        parts: dict[str, str] | None = None
        if job.pages:
            # The pages LibreOffice laid out (a --check of a build with PDFs):
            # stored exactly as the PDF writer stored them, the body rewritten whole.
            booklet = with_page_numbers(booklet, job.pages)
        elif spans:
            # Where each segment lies, for the next build: the pledges' by their
            # keys, the front matter and tail (always made again) by what they hold.
            front, *middle, tail = spans
            parts = {
                span_name(DOCUMENT_PART, span, count): key
                for span, count, key in zip(middle, counts, segment_keys, strict=True)
            }
            for role, span in (("front", front), ("tail", tail)):
                parts[span_name(DOCUMENT_PART, span)] = digest(
                    "booklet " + role, booklet_name(report), str(span)
                )
        out.append(OutputFile(booklet_name(report), booklet, None, parts))
        return out

    @staticmethod
    def _render_rest(job: WriteJob, state: _DocxPledges, found: list[_Made | None]) -> list[_Made]:
        """The pledges the previous build gave back, and the others laid out now."""
        todo = [i for i, got in enumerate(found) if got is None]
        count, done = len(found), len(found) - len(todo)
        progress = job.progress
        if progress is not None and done:
            progress(done, count)
        fresh = parallel_map(
            _docx_pledge_of,
            len(todo),
            (state, todo),
            job.workers,
            (lambda k, _n: progress(done + k, count)) if progress is not None else None,
        )
        rendered = list(found)
        for i, made in zip(todo, fresh, strict=True):
            rendered[i] = made
        return rendered  # type: ignore[return-value]  # every None was replaced


# ---------------------------------------------------------------------------
# XLSX: the budget workbook


class XlsxOutput:
    """The budget workbook (:mod:`reportgen.formats.xlsx`)."""

    name: str = "xlsx"
    templates: tuple[str, ...] = ("workbook.xlsx",)
    needs: tuple[str, ...] = ()
    background: bool = True  # one workbook, one core: written while the pages are
    gives: tuple[str, ...] = ()
    reproducible: bool = True
    extensions: tuple[str, ...] = ("xlsx",)

    def write(self, report: ReportView, job: WriteJob) -> list[OutputFile]:
        from .xlsx import build_workbook

        # Each pledge sheet is a part of its own, reused when its inputs are
        # unchanged; the summary sheets, which read every pledge, are rewritten.
        keys = dict(
            zip(
                (view.id for view in report.pledges),
                job.pledge_keys("workbook.xlsx"),
                strict=True,
            )
        )
        template = job.templates / "workbook.xlsx"
        # The parts around the sheets are reused too, keyed by the code and
        # template with the sheet list; reused parts are taken still deflated.
        frame = digest(job.code, template_digest(template))
        name = workbook_name(report)
        previous = job.previous
        # The summary sheets are written each time; where one comes out as the
        # previous build's (made by this very code), its part is taken as it
        # lies rather than deflated again.
        earlier = (
            (lambda part: previous.deflated_entry(name, part))
            if previous.code is not None and previous.code == job.code
            else None
        )
        data, parts = build_workbook(
            report, template, keys, previous.get_deflated_part, frame, earlier
        )
        return [OutputFile(name, data, None, parts)]


# ---------------------------------------------------------------------------
# HWPX: each pledge's pages and the booklet for Hancom Office


@dataclass(frozen=True)
class _HwpxPledges:
    report: ReportView
    keys: list[str]
    previous: PreviousBuild
    info: ReportInfo
    template: Path


def _hwpx_pledge(state: _HwpxPledges, i: int) -> Content:
    data = state.previous.take(state.keys[i])  # by reference where proven: publish links it
    if data is not None:
        return data
    from .hwpx import pledge_hwpx

    return pledge_hwpx(state.report.pledges[i], state.info, template=state.template)


class HwpxOutput:
    """공약별/*.hwpx and the booklet as HWPX (:mod:`reportgen.formats.hwpx`)."""

    name: str = "hwpx"
    templates: tuple[str, ...] = ("report.hwpx",)
    needs: tuple[str, ...] = ("pages",)  # its 목차 stores LibreOffice's pages when known
    background: bool = False
    gives: tuple[str, ...] = ()
    reproducible: bool = True
    extensions: tuple[str, ...] = ("hwpx",)

    def write(self, report: ReportView, job: WriteJob) -> list[OutputFile]:
        from .hwpx import booklet_hwpx, load_template

        template = job.templates / "report.hwpx"
        # Loaded and checked once, here: a bad template is refused before any
        # worker starts, and the workers inherit the checked template.
        load_template(template)
        keys = job.pledge_keys("report.hwpx")
        state = _HwpxPledges(report, keys, job.previous, job.info, template)
        documents = parallel_map(_hwpx_pledge, len(report.pledges), state, job.workers, None)
        out = [
            OutputFile(pledge_file(view, "hwpx"), data, key)
            for view, data, key in zip(report.pledges, documents, keys, strict=True)
        ]
        out.append(
            OutputFile(
                booklet_name(report, "hwpx"),
                booklet_hwpx(report, template=template, pages=job.pages),
            )
        )
        return out


# ---------------------------------------------------------------------------
# HTML: the period's website (웹소통), linking to the other files of the build


class SiteOutput:
    """index.html, a page per pledge, changes.html, formula.html, data/ and assets/ (:mod:`reportgen.formats.site`)."""

    name: str = "html"
    templates: tuple[str, ...] = ()  # the site's pages ship with reportgen
    # The previous report (what changed) and the term's reports (each pledge's
    # history); every file of the build, offered for download with its size.
    needs: tuple[str, ...] = ("history", "files")
    background: bool = False
    gives: tuple[str, ...] = ()
    reproducible: bool = True
    extensions: tuple[str, ...] = ("html",)

    def write(self, report: ReportView, job: WriteJob) -> list[OutputFile]:
        from ..report.citizen import citizen_summary
        from ..report.diff import diff_views
        from ..report.formula import rate_formulas
        from ..report.history import pledge_histories
        from .opendata import open_data
        from .site import build_site

        links: dict[str, list[tuple[str, str]]] = {
            view.id: [
                (download_label("이 공약의 보고서", kind, job.built[name]), name)
                for kind in DOWNLOAD_KINDS
                if (name := pledge_file(view, kind)) in job.built
            ]
            for view in report.pledges
        }
        whole = [
            (download_label("보고서 전체", kind, job.built[name]), name)
            for kind in DOWNLOAD_KINDS
            if (name := booklet_name(report, kind)) in job.built
        ]
        if (name := workbook_name(report)) in job.built:
            whole.append((download_label("예산 집계", "xlsx", job.built[name]), name))
        links[""] = whole
        summary = (
            citizen_summary(diff_views(job.earlier, report), report)
            if job.earlier is not None
            else None
        )
        data = open_data(report, summary)
        labels = {
            "data/pledges.csv": "공약별 추진상황과 예산",
            "data/pledges.json": "공약별 추진상황과 예산",
            "data/money.csv": "공약사업·재원·기간별 금액",
            "data/dictionary.csv": "데이터 사전 (항목 설명, 단위, 코드값)",
            "data/metadata.csv": "데이터 설명 (파일데이터 정보)",
            "data/changes.atom": "변경 사항 구독 (Atom)",
        }
        site = build_site(
            report,
            summary,
            links,
            history=pledge_histories((*job.reports, report)),
            formulas=rate_formulas(report, job.settings) if job.settings is not None else None,
            term_index=job.term_index,
            data=[
                (download_label(labels[name], name.rsplit(".", 1)[1], len(body)), name)
                for name, body in data.items()
            ],
        )
        return [OutputFile(name, body) for name, body in (site | data).items()]


# ---------------------------------------------------------------------------
# PDF: the DOCX files through LibreOffice (PDF/A-2b)


class PdfOutput:
    """A PDF of every DOCX (:mod:`reportgen.formats.pdf`): each pledge's cut from the booklet's.

    LibreOffice lays the booklet out once; the page each pledge starts on is
    then known, and the booklet DOCX's 목차 stores it (a new copy of that file),
    as the writers that need ``"pages"`` do. Without LibreOffice the build
    writes everything else and says what to install.
    """

    name: str = "pdf"
    templates: tuple[str, ...] = ()
    needs: tuple[str, ...] = ("docx",)
    background: bool = False
    gives: tuple[str, ...] = ("pages",)
    reproducible: bool = False
    extensions: tuple[str, ...] = ("pdf",)

    def write(self, report: ReportView, job: WriteJob) -> list[OutputFile]:
        from .pdf import missing, to_pdf

        hint = missing()
        if hint is not None:
            job.notes.append(hint)
            return []
        # LibreOffice converts the bytes: a file taken by reference is read here.
        docs = {n: content_bytes(d) for n, d in job.files.items() if n.endswith(".docx")}
        booklet = booklet_name(report)
        numbered: list[OutputFile] = []

        def number_contents(pages: dict[str, int]) -> None:
            # Called while LibreOffice lays out the front matter (a core is free then).
            if pages and booklet in docs:
                from .docx import with_page_numbers

                job.pages = pages
                numbered.append(OutputFile(booklet, with_page_numbers(docs[booklet], pages)))

        pdfs = to_pdf(
            docs,
            workdir=job.workdir,
            booklet=booklet,
            # Each pledge's PDF is cut from the booklet's (see reportgen.formats.pdf).
            pledges=[(pledge_file(v, "docx"), v.anchor) for v in report.pledges],
            titles={v.anchor: v.document_title for v in report.pledges},
            progress=job.pdf_progress,
            on_pages=number_contents,
        )
        return [OutputFile(name, data) for name, data in pdfs.items()] + numbered


DOWNLOAD_KINDS = ("pdf", "hwpx", "docx")


def download_label(what: str, extension: str, size: int) -> str:
    """``보고서 전체 (PDF, 1.2 MB)``: a download's name with its format and size."""
    kind = extension.upper()
    if size >= 1024 * 1024:
        amount = f"{size / (1024 * 1024):.1f} MB"
    else:
        amount = f"{max(1, round(size / 1024))} KB"
    return f"{what} ({kind}, {amount})"


def _write_one(state: tuple[Writer, ReportView, WriteJob], _i: int) -> list[OutputFile]:
    writer, report, job = state
    return writer.write(report, job)


def _after(name: str, chosen: Sequence[str]) -> set[str]:
    """The formats of this build that ``name`` must follow, by what it declares it needs."""
    needs = WRITERS[name].needs
    first = {f for f in needs if f in chosen and f != name}
    first |= {f for f in chosen if f != name and set(WRITERS[f].gives) & set(needs)}
    if "files" in needs:
        first |= {f for f in chosen if f != name and "files" not in WRITERS[f].needs}
    return first


def write_order(formats: Sequence[str]) -> list[str]:
    """The formats in an order that honours every writer's ``needs`` (stable otherwise)."""
    chosen = list(dict.fromkeys(formats))
    missing = {f for name in chosen for f in WRITERS[name].needs if f in WRITERS} - set(chosen)
    if missing:
        raise ValueError(f"{', '.join(sorted(missing))} must be built for {', '.join(chosen)}")
    order: list[str] = []
    while len(order) < len(chosen):
        ready = [n for n in chosen if n not in order and _after(n, chosen) <= set(order)]
        if not ready:
            raise ValueError(f"writers that need each other: {', '.join(chosen)}")
        order.append(ready[0])
    return order


def write_all(
    report: ReportView,
    job: WriteJob,
    formats: Sequence[str],
    kept: Mapping[str, Content] | None = None,
) -> list[OutputFile]:
    """Every file of ``formats``, each writer after those it needs (:func:`write_order`).

    A background writer runs in a process of its own from the start, meanwhile
    the rest; a writer that needs its files waits for it. A writer sees the
    files made before it (``job.files``, ``job.built``), and the page numbers
    once the PDF writer has them (``job.pages``). ``kept``: files of writers
    not run this time (a ``--check`` does not remake the PDFs), seen by every
    writer as made before it, and not returned.
    """
    order = write_order(formats)
    files: dict[str, Content] = dict(kept or {})
    out: list[OutputFile] = []

    def take(made: list[OutputFile]) -> None:
        for output in made:
            files[output.name] = output.data
        out.extend(made)

    with contextlib.ExitStack() as stack:
        waits = {
            name: stack.enter_context(
                in_background(_write_one, (WRITERS[name], report, job), job.workers > 1)
            )
            for name in order
            if WRITERS[name].background and not _after(name, order)
        }
        for name in order:
            for first in _after(name, order) & set(waits):
                take(waits.pop(first)())
            if name in waits:
                continue
            job.files = dict(files)
            job.built = {n: content_size(d) for n, d in files.items()}
            take(WRITERS[name].write(report, job))
        for name in list(waits):
            take(waits.pop(name)())
    return out


_ALL: tuple[Writer, ...] = (DocxOutput(), XlsxOutput(), HwpxOutput(), PdfOutput(), SiteOutput())
WRITERS: dict[str, Writer] = {w.name: w for w in _ALL}
"""Every format reportgen writes, by name. A new format registers here."""

DEFAULT_FORMATS = ("docx", "xlsx")
"""What a build writes unless asked for more; every other format is opt-in."""


def formats_held(names: Iterable[str]) -> set[str]:
    """The formats a published output holds, from its files' extensions."""
    extensions = {name.rsplit(".", 1)[-1] for name in names}
    return {w.name for w in _ALL if extensions & set(w.extensions)}


def unreproducible(name: str) -> bool:
    """A file that a rebuild may not give byte for byte: checked by its recorded digest."""
    extension = name.rsplit(".", 1)[-1]
    return any(extension in w.extensions and not w.reproducible for w in _ALL)
