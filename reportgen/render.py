"""Stage 5: render every document of a report, on all cores, reusing what is unchanged.

Each pledge's pages are a pure function of the pledge template, the pledge's
view, its number in the report and the report's scalar fields (city, title,
period …): that tuple is hashed into a cache key, and a rebuild re-renders
only pledges whose key changed. The workbook is keyed by the whole report.

Work is spread over forked worker processes (the compiled templates and the
view are inherited, not pickled). Results are put back in report order, so
the bytes are the same whatever the number of workers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .docx import DocxWriter
from .view import ReportView

# Below this many pledges, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 24
CHUNK = 16


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass
class RenderedPledge:
    content: str  # body content, reused by the booklet
    document: bytes  # the pledge's own DOCX


class Cache:
    """Rendered pledges and workbooks on disk, keyed by what they are made of."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.used: set[str] = set()

    def _path(self, key: str, suffix: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}{suffix}"

    def get(self, key: str, suffix: str) -> bytes | None:
        self.used.add(key + suffix)
        path = self._path(key, suffix)
        if path is None or not path.is_file():
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def put(self, key: str, suffix: str, data: bytes) -> None:
        path = self._path(key, suffix)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache is an optimisation: never fail a build over it

    def prune(self) -> None:
        """Forget entries this build did not use, so the cache stays small."""
        if self.directory is None or not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if path.name not in self.used:
                path.unlink(missing_ok=True)


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def report_scalars(report: ReportView) -> ReportView:
    """What a pledge's pages may see of the report: everything but the other pledges."""
    return dataclasses.replace(report, pledges=(), summary=())


# Set in the parent just before forking; read by workers.
_JOB: tuple[DocxWriter, ReportView, ReportView, Path] | None = None


def _render_pledges(indexes: list[int]) -> list[tuple[int, str, bytes]]:
    assert _JOB is not None
    writer, report, scalars, _ = _JOB
    out = []
    for i in indexes:
        view = report.pledges[i]
        content = writer.pledge_content(view, scalars, i + 1)
        out.append((i, content, writer.pledge_document(view, scalars, i + 1, content)))
    return out


def _render_workbook() -> bytes:
    assert _JOB is not None
    from .xlsx import render_workbook

    _, report, _, templates = _JOB
    return render_workbook(report, templates / "workbook.xlsx")


def render_documents(
    report: ReportView,
    templates: Path,
    *,
    workers: int | None = None,
    cache_dir: Path | None = None,
    sources: list[bytes] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[RenderedPledge], bytes, bytes]:
    """Render every pledge, the booklet and the workbook: (pledges, booklet, workbook).

    ``sources`` are, per pledge, the bytes its view was made from (the report
    settings, the period and the pledge's record). They key the cache more
    cheaply than the view itself; without them the view's repr is used.
    """
    global _JOB
    writer = DocxWriter.from_directory(templates)
    scalars = report_scalars(report)
    cache = Cache(cache_dir)
    template_digest = _digest(
        __version__,
        (templates / "pledge.docx").read_bytes(),
    )
    scalar_digest = repr(scalars)

    made_of = sources or [repr(v).encode("utf-8") for v in report.pledges]
    keys = [
        _digest(template_digest, scalar_digest, str(i + 1), made_of[i])
        for i in range(len(report.pledges))
    ]
    rendered: list[RenderedPledge | None] = [None] * len(report.pledges)
    todo: list[int] = []
    for i, key in enumerate(keys):
        content = cache.get(key, ".xml")
        document = cache.get(key, ".docx")
        if content is not None and document is not None:
            rendered[i] = RenderedPledge(content.decode("utf-8"), document)
        else:
            todo.append(i)

    workbook_key = _digest(
        __version__, (templates / "workbook.xlsx").read_bytes(), scalar_digest, *keys
    )
    workbook = cache.get(workbook_key, ".xlsx")

    done = len(report.pledges) - len(todo)
    if progress and done:
        progress(done, len(report.pledges))

    def take(results: list[tuple[int, str, bytes]]) -> None:
        nonlocal done
        for i, content, document in results:
            rendered[i] = RenderedPledge(content, document)
            cache.put(keys[i], ".xml", content.encode("utf-8"))
            cache.put(keys[i], ".docx", document)
            done += 1
            if progress:
                progress(done, len(report.pledges))

    n_workers = workers if workers is not None else default_workers()
    _JOB = (writer, report, scalars, templates)
    try:
        if n_workers > 1 and len(todo) >= PARALLEL_THRESHOLD and _can_fork():
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
                # The workbook is the longest single task: start it first.
                book: Future[bytes] | None = None
                if workbook is None:
                    book = pool.submit(_render_workbook)
                futures = [
                    pool.submit(_render_pledges, todo[i : i + CHUNK])
                    for i in range(0, len(todo), CHUNK)
                ]
                for future in futures:
                    take(future.result())
                if book is not None:
                    workbook = book.result()
                    cache.put(workbook_key, ".xlsx", workbook)
        else:
            take(_render_pledges(todo))
            if workbook is None:
                workbook = _render_workbook()
                cache.put(workbook_key, ".xlsx", workbook)
    finally:
        _JOB = None

    pledges = [r for r in rendered if r is not None]
    booklet = writer.booklet_document(report, [r.content for r in pledges])
    cache.prune()
    assert workbook is not None
    return pledges, booklet, workbook


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
