"""Stage 5: render every document of a report, on all cores, reusing what is unchanged.

Each pledge's pages are a pure function of the pledge template, the report
settings, the period, the pledge's record and its number in the report: that
tuple is hashed into a key, recorded in the manifest, and a rebuild reuses
the already-published file of every pledge whose key is unchanged (nothing
else is written to disk). The workbook is keyed by all pledges' keys.

Work is spread over forked worker processes: each inherits the records and
the compiled templates (nothing is pickled on the way in), makes the views of
its share of the pledges and renders them; views and documents come back and
are put in report order, so the bytes are the same whatever the number of
workers. The workbook, which needs every view, is written by one more worker
while this process assembles the booklet.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .docx import DocxWriter
from .model import Pledge, ReportSettings
from .output import MANIFEST, sha256
from .periods import Period
from .view import PledgeView, ReportInfo, ReportView, assemble_report, pledge_view, report_info

# Below this many pledges, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 24
CHUNK = 16


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass
class RenderedPledge:
    content: str  # body content, reused by the booklet
    document: bytes  # the pledge's own DOCX


@dataclass
class Rendered:
    """A report's documents, and the keys of what each was made from (for the manifest)."""

    report: ReportView
    pledges: list[RenderedPledge]
    booklet: bytes
    workbook: bytes
    pledge_keys: list[str]
    workbook_key: str


class PreviousBuild:
    """The output already published: files whose inputs are unchanged are reused.

    ``manifest.json`` records, for each rendered file, the key of what it was
    made from (``render_keys``) and its SHA-256. A file is reused only when
    its key matches and its bytes still match the digest, so nothing is
    written besides the output itself and a tampered file is re-rendered.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.by_key: dict[str, tuple[str, str]] = {}  # key -> (file name, sha256)
        if directory is None:
            return
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            digests = manifest["files"]
            for name, key in manifest.get("render_keys", {}).items():
                self.by_key[key] = (name, digests[name])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.by_key = {}

    def get(self, key: str) -> bytes | None:
        found = self.by_key.get(key)
        if found is None or self.directory is None:
            return None
        name, digest = found
        try:
            data = (self.directory / name).read_bytes()
        except OSError:
            return None
        return data if sha256(data) == digest else None


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


# Set in the parent just before forking; read by workers.
@dataclass
class _Job:
    writer: DocxWriter
    pledges: list[Pledge]
    period: Period
    settings: ReportSettings
    info: ReportInfo
    keys: list[str]
    previous: PreviousBuild
    templates: Path
    report: ReportView | None = None  # set once every view is known (for the workbook)


_JOB: _Job | None = None


def _render_pledges(indexes: list[int]) -> list[tuple[int, PledgeView, str, bytes]]:
    """View and render the given pledges (in a worker or in-process), reusing unchanged ones."""
    job = _JOB
    assert job is not None
    out = []
    for i in indexes:
        view = pledge_view(job.pledges[i], job.period, job.settings)
        document = job.previous.get(job.keys[i])
        text = job.writer.pledge.content_of(document) if document is not None else None
        if document is None or text is None:
            text = job.writer.pledge_content(view, job.info, i + 1)
            document = job.writer.pledge_document(view, job.info, i + 1, text)
        out.append((i, view, text, document))
    return out


def _render_workbook(key: str) -> bytes:
    job = _JOB
    assert job is not None and job.report is not None
    from .xlsx import render_workbook

    data = job.previous.get(key)
    return (
        data if data is not None else render_workbook(job.report, job.templates / "workbook.xlsx")
    )


def render_documents(
    pledges: list[Pledge],
    period: Period,
    settings: ReportSettings,
    templates: Path,
    *,
    sources: list[bytes],
    workers: int | None = None,
    previous: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Rendered:
    """View and render every pledge, then the booklet and the workbook.

    ``sources`` are, per pledge, the bytes its view is made from (report
    settings, period, the pledge's record): they make its key. Returns the
    report view, each pledge's rendering, the booklet and the workbook.
    """
    global _JOB
    writer = DocxWriter.from_directory(templates)
    info = report_info(period, settings)
    template_digest = _digest(__version__, (templates / "pledge.docx").read_bytes(), repr(info))
    keys = [_digest(template_digest, str(i + 1), src) for i, src in enumerate(sources)]
    workbook_key = _digest(__version__, (templates / "workbook.xlsx").read_bytes(), *keys)
    earlier = PreviousBuild(previous)

    n = len(pledges)
    views: list[PledgeView | None] = [None] * n
    rendered: list[RenderedPledge | None] = [None] * n
    done = 0

    def take(results: list[tuple[int, PledgeView, str, bytes]]) -> None:
        nonlocal done
        for i, view, content, document in results:
            views[i] = view
            rendered[i] = RenderedPledge(content, document)
            done += 1
            if progress:
                progress(done, n)

    def assemble() -> ReportView:
        return assemble_report(tuple(v for v in views if v is not None), period, settings)

    n_workers = workers if workers is not None else default_workers()
    _JOB = _Job(writer, pledges, period, settings, info, keys, earlier, templates)
    try:
        if n_workers > 1 and n >= PARALLEL_THRESHOLD and _can_fork():
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                max_workers=n_workers, mp_context=context, initializer=_die_with_parent
            ) as pool:
                chunk = max(4, min(CHUNK, n // (n_workers * 4) or 1))
                futures = [
                    pool.submit(_render_pledges, list(range(i, min(i + chunk, n))))
                    for i in range(0, n, chunk)
                ]
                for future in futures:
                    take(future.result())
            report = assemble()
            # The workbook needs every view: a fresh worker, forked now that
            # they are known, writes it while this process makes the booklet.
            _JOB.report = report
            with ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=_die_with_parent
            ) as pool:
                book = pool.submit(_render_workbook, workbook_key)
                booklet = writer.booklet_document(report, [r.content for r in rendered if r])
                workbook = book.result()
        else:
            take(_render_pledges(list(range(n))))
            report = assemble()
            _JOB.report = report
            booklet = writer.booklet_document(report, [r.content for r in rendered if r])
            workbook = _render_workbook(workbook_key)
    finally:
        _JOB = None
    return Rendered(
        report, [r for r in rendered if r is not None], booklet, workbook, keys, workbook_key
    )


def _die_with_parent() -> None:
    """Worker initializer: exit when the build process dies (Linux).

    A build killed with kill -9 cannot shut its pool down; without this its
    workers would wait forever for work that never comes.
    """
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    try:
        pr_set_pdeathsig = 1
        ctypes.CDLL(libc_name, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: workers then end when their pipe closes, as usual


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
