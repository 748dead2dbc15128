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

import contextlib
import hashlib
import multiprocessing
import multiprocessing.pool
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import ooxml
from .docx import DocxWriter
from .fingerprint import code_fingerprint
from .model import Pledge, ReportSettings
from .output import libc, read_manifest, read_member, sha256
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
    The manifest is untrusted: a name that is not a plain path inside the
    output, or a damaged manifest, means nothing is reused.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.by_key: dict[str, tuple[str, str]] = {}  # key -> (file name, sha256)
        if directory is None:
            return
        manifest, _damage = read_manifest(directory)
        if manifest is not None:
            for name, key in manifest.render_keys.items():
                self.by_key[key] = (name, manifest.files[name])

    def get(self, key: str) -> bytes | None:
        found = self.by_key.get(key)
        if found is None or self.directory is None:
            return None
        name, digest = found
        data = read_member(self.directory, name)
        return data if data is not None and sha256(data) == digest else None


def _template_digest(path: Path) -> str:
    """SHA-256 of a template; a FIFO, device or oversized file is a TemplateError, not a hang."""
    return sha256(ooxml.read_template(path))


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
    code = code_fingerprint()
    template_digest = _digest(code, _template_digest(templates / "pledge.docx"), repr(info))
    keys = [_digest(template_digest, str(i + 1), src) for i, src in enumerate(sources)]
    workbook_key = _digest(code, _template_digest(templates / "workbook.xlsx"), *keys)
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
            chunk = max(4, min(CHUNK, n // (n_workers * 4) or 1))
            with worker_pool(n_workers) as pool:
                chunks = [list(range(i, min(i + chunk, n))) for i in range(0, n, chunk)]
                for results in pool.imap(_render_pledges, chunks):
                    take(results)
            report = assemble()
            # The workbook needs every view: a fresh worker, forked now that
            # they are known, writes it while this process makes the booklet.
            _JOB.report = report
            with worker_pool(1) as pool:
                book = pool.apply_async(_render_workbook, (workbook_key,))
                booklet = writer.booklet_document(report, [r.content for r in rendered if r])
                workbook = book.get()
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


@contextlib.contextmanager
def worker_pool(processes: int) -> Iterator[multiprocessing.pool.Pool]:
    """Forked workers that end with the build, however it ends.

    - Ctrl-C: the workers ignore SIGINT (the terminal sends it to the whole
      process group), so only this process handles it; leaving the ``with``
      block on any exception terminates them, and none prints a traceback.
      SIGINT is blocked while forking, so a Ctrl-C in the first milliseconds
      reaches this process once the pool exists, never a half-started worker.
    - kill -9 of this process: each worker asks the kernel for SIGKILL when
      its parent dies, then checks that the parent has not died already.
    """
    context = multiprocessing.get_context("fork")
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = context.Pool(processes, initializer=_worker_setup, initargs=(os.getpid(),))
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        raise
    try:
        # A Ctrl-C that came while forking is raised here, inside the try.
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        yield pool
        pool.close()
        pool.join()
    finally:
        pool.terminate()


def _worker_setup(parent: int) -> None:
    """Worker initializer: no Ctrl-C of its own, and death with the build (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when ``parent`` dies; exit now if it already has.

    A build killed with kill -9 cannot shut its workers down; without this
    they would wait forever for work that never comes. The parent may die
    between the fork and the request, which the kernel would then never
    report: hence the check after it.
    """
    try:
        pr_set_pdeathsig = 1
        libc().prctl(pr_set_pdeathsig, signal.SIGKILL)  # type: ignore[union-attr]
    except AttributeError:
        pass  # not Linux: workers then end when their pipe closes, as usual
    if os.getppid() != parent:
        os._exit(1)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
