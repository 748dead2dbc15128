"""Rendering helpers every writer shares: reuse of unchanged files, and worker processes.

A file's *key* digests everything it is made from (the template, the report
settings, the period, a pledge's record and its number, the code): the
manifest records it, and a rebuild reuses the already-published file of every
key that is unchanged (:class:`PreviousBuild`), so nothing else is written.

:func:`parallel_map` spreads a writer's per-pledge work over forked worker
processes. The writer passes its state explicitly; the workers inherit it when
they fork (nothing is pickled on the way in) and send back only bytes, in
order, so the output is the same whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import multiprocessing.pool
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..errors import ReportgenError
from ..i18n import tr
from ..workspace.output import (
    Content,
    libc,
    published_files,
    read_manifest,
    read_proven,
    sha256,
    take_proven,
)
from . import codecache, ooxml

# Below this many pledges, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 24
CHUNK = 16  # pledges a worker takes at once, at most (each costs an exchange with it)
LAST_CHUNK = 2  # at the end, so that no core waits long for the other's last chunk


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


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
        self.by_part: dict[str, tuple[str, str]] = {}  # part key -> (file name, part name)
        self.digests: dict[str, str] = {}  # file name -> sha256
        self._packages: dict[str, dict[str, bytes] | None] = {}
        self._deflated: dict[str, dict[str, ooxml.Deflated] | None] = {}
        self._parts_of: dict[str, dict[str, str]] = {}  # file name -> its part keys
        self._segments: dict[str, dict[tuple[str, int], ooxml.Deflated]] = {}
        # Each part's segments in order, checked, with its CRC table (join_blocks).
        self._earlier: dict[str, ooxml.Earlier] = {}  # part -> (one file's)
        # What each span name of the manifest says, parsed once (300 a booklet).
        self._spans: dict[str, tuple[str, ooxml.Span, int] | None] = {}
        self.code: str | None = None  # the fingerprint of the code that made it
        # What get() gave, by identity, with the digest it was checked against:
        # the manifest of the new build does not hash those bytes again.
        self._given: dict[int, tuple[bytes, str]] = {}
        self._record: dict[str, tuple[tuple[int, int, int, int, int], str]] = {}
        if directory is None:
            return
        # How reportgen recorded the output's files once it had published them:
        # a file still seen so is its digest's bytes, unhashed (read_proven).
        self._record = published_files(codecache, directory)
        manifest, _damage = read_manifest(directory)
        if manifest is not None:
            code = manifest.data.get("code")
            self.code = code if isinstance(code, str) else None
            self.digests = dict(manifest.files)
            for name, key in manifest.render_keys.items():
                self.by_key[key] = (name, manifest.files[name])
            for name, parts in manifest.part_keys.items():
                self._parts_of[name] = parts
                for part, key in parts.items():
                    self.by_part[key] = (name, part)

    def get(self, key: str) -> bytes | None:
        found = self.by_key.get(key)
        if found is None or self.directory is None:
            return None
        name, expected = found
        data = read_proven(self.directory, name, expected, self._record)
        if data is None:
            return None
        self._given[id(data)] = (data, expected)
        return data

    def take(self, key: str) -> Content | None:
        """The file made from ``key``, by reference when reportgen's record proves it unread; else :meth:`get`'s bytes.

        A rebuild hands the previous output's unchanged files on as they lie
        (:class:`~reportgen.workspace.output.Taken`): publish links them, and
        only a writer that needs their bytes reads them (issue 26).
        """
        found = self.by_key.get(key)
        if found is None or self.directory is None:
            return None
        name, expected = found
        taken = take_proven(self.directory, name, expected, self._record)
        return taken if taken is not None else self.get(key)

    def _read(self, name: str) -> bytes | None:
        """The published file ``name`` if it still holds the bytes the manifest lists."""
        expected = self.digests.get(name)
        if expected is None or self.directory is None:
            return None
        return read_proven(self.directory, name, expected, self._record)

    def digest_of(self, data: bytes) -> str | None:
        """The SHA-256 of ``data`` when it is the very bytes :meth:`get` gave (checked then), else None."""
        given = self._given.get(id(data))
        return given[1] if given is not None and given[0] is data else None

    def get_part(self, key: str) -> bytes | None:
        """A part of a published package (a workbook's sheet) made from ``key``, or None.

        The package is read once, checked against its digest and the package
        limits; a part is only ever taken from a file that is intact.
        """
        found = self.by_part.get(key)
        if found is None or self.directory is None:
            return None
        name, part = found
        if name not in self._packages:
            data = self._read(name)
            package = None
            if data is not None:
                try:
                    package = ooxml.read_package(data, own=True)  # its digest matched
                except Exception:  # noqa: BLE001 - a damaged file is simply not reused
                    package = None
            self._packages[name] = package
        package = self._packages[name]
        return None if package is None else package.get(part)

    def get_deflated_part(self, key: str) -> ooxml.Deflated | None:
        """Like :meth:`get_part`, the part still deflated: it goes into the new package as it is.

        Nothing is inflated, so reusing 300 sheets of a workbook costs neither
        inflating nor deflating them again; the file is checked against its
        digest first, so its entries' CRCs can be trusted.
        """
        found = self.by_part.get(key)
        if found is None:
            return None
        return self.deflated_entry(*found)

    def deflated_entry(self, name: str, part: str) -> ooxml.Deflated | None:
        """Part ``part`` of the published package ``name``, still deflated, or None.

        Read once per file and checked against its digest; any part, keyed
        or not (a caller that takes one unkeyed compares it with what it made).
        """
        if self.directory is None:
            return None
        if name not in self._deflated:
            data = self._read(name)
            package = None
            if data is not None:
                try:
                    package = ooxml.deflated_parts(data)
                except Exception:  # noqa: BLE001 - a damaged file is simply not reused
                    package = None
            self._deflated[name] = package
        package = self._deflated[name]
        return None if package is None else package.get(part)

    def get_segment(self, key: str) -> tuple[ooxml.Deflated, int] | None:
        """A segment of a published package's part (a pledge's pages in the booklet) and its note.

        The manifest names each segment of a part by where it lies (offset,
        length, CRC-32, size: :func:`reportgen.formats.ooxml.span_name`). The
        file is read once and checked against its digest, then its segments
        all together against the part they make up
        (:func:`reportgen.formats.ooxml.segments_of`): one altered length or
        CRC and no segment of that file is given, nothing is inflated.
        """
        found = self.by_part.get(key)
        if found is None or self.directory is None:
            return None
        name, record = found
        parsed = self._span(record)
        if parsed is None:
            return None
        part, span, note = parsed
        if name not in self._segments:
            self._segments[name] = self._read_segments(name)
        segment = self._segments[name].get((part, span.offset))
        return None if segment is None else (segment, note)

    def _span(self, record: str) -> tuple[str, ooxml.Span, int] | None:
        if record not in self._spans:
            self._spans[record] = ooxml.parse_span_name(record)
        return self._spans[record]

    def _read_segments(self, name: str) -> dict[tuple[str, int], ooxml.Deflated]:
        """Every segment the manifest names in file ``name``, by (part, offset), once verified."""
        held: dict[str, list[ooxml.Span]] = {}
        for record in self._parts_of.get(name, {}):
            parsed = self._span(record)
            if parsed is not None:
                held.setdefault(parsed[0], []).append(parsed[1])
        if not held or self.directory is None:
            return {}
        data = self._read(name)
        if data is None:
            return {}
        try:
            # Views into the file's bytes: the segments are only sliced and joined.
            entries = ooxml.deflated_parts(data, views=True)
        except Exception:  # noqa: BLE001 - a damaged file is simply not reused
            return {}
        out: dict[tuple[str, int], ooxml.Deflated] = {}
        for part, spans in held.items():
            entry = entries.get(part)
            if entry is None:
                continue
            ordered = sorted(spans)
            # The part's CRC table as the build that joined it kept it, under
            # exactly these CRC-32s and sizes (ooxml.checked_segments).
            pairs = [(span.crc, span.size) for span in ordered]
            codecache.prime_crc_maps()
            kept = codecache.remembered(BLOCKS_SLOT, ooxml.blocks_key(pairs, entry.crc, entry.size))
            found = ooxml.checked_segments(entry, ordered, blocks_from(kept))
            if found is None:
                continue
            self._earlier.setdefault(part, found)
            for span, segment in zip(ordered, found.segments, strict=True):
                out[(part, span.offset)] = segment
        return out

    def earlier(self, part: str) -> ooxml.Earlier | None:
        """The segments of ``part`` read back from the previous build (:meth:`get_segment`), in order."""
        return self._earlier.get(part)


#: Where a segmented part's CRC table is kept (:mod:`reportgen.formats.codecache`).
BLOCKS_SLOT = "segment-blocks"


def blocks_from(kept: object) -> ooxml.Blocks | None:
    """The :class:`~reportgen.formats.ooxml.Blocks` :func:`keep_blocks` stored, or None."""
    if not (isinstance(kept, tuple) and len(kept) == 2):
        return None
    crcs, sizes = kept
    if not (
        isinstance(crcs, tuple)
        and isinstance(sizes, tuple)
        and len(crcs) == len(sizes)
        and all(isinstance(c, int) and 0 <= c <= 0xFFFFFFFF for c in crcs)
        and all(isinstance(n, int) and n >= 0 for n in sizes)
    ):
        return None
    return ooxml.Blocks(crcs, sizes)


def keep_blocks(joined: ooxml.Joined, pairs: list[tuple[int, int]], blocks: ooxml.Blocks) -> None:
    """Keep a part's CRC table for the next build, which checks the part by it."""
    name = ooxml.blocks_key(pairs, joined.crc, joined.size)
    codecache.remember(BLOCKS_SLOT, name, (blocks.crcs, blocks.sizes))


def template_digest(path: Path) -> str:
    """SHA-256 of a template; a FIFO, device or oversized file is a TemplateError, not a hang."""
    return sha256(ooxml.read_template(path))


def digest(*parts: bytes | str) -> str:
    """One key from several inputs; each is length-prefixed, so no two lists share a key."""
    pieces = []
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        pieces.append(len(data).to_bytes(8, "big"))
        pieces.append(data)
    # One update: the same digest as one update per piece, with fewer calls
    # (a rebuild makes some 1,000 keys).
    return hashlib.sha256(b"".join(pieces)).hexdigest()


S = TypeVar("S")
R = TypeVar("R")


class _Task(Generic[S, R]):
    """A writer's function and state, installed in each worker as it starts."""

    def __init__(self, function: Callable[[S, int], R], state: S) -> None:
        self.function, self.state = function, state


_TASK: _Task[Any, Any] | None = None  # in a worker: set once by its initializer


def _worker_task(parent: int, task: _Task[Any, Any]) -> None:
    global _TASK
    _worker_setup(parent)
    _TASK = task


def _run_chunk(indexes: list[int]) -> list[Any]:
    task = _TASK
    assert task is not None
    try:
        return [task.function(task.state, i) for i in indexes]
    except Exception as exc:
        # The pool sends the error back pickled; one that cannot make the
        # trip must not leave the build waiting for an answer that never comes.
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise


def parallel_map(
    function: Callable[[S, int], R],
    count: int,
    state: S,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """``[function(state, i) for i in range(count)]``, on ``workers`` processes when it pays.

    ``state`` reaches the workers by fork, not by pickling; results come back in
    order. ``progress(done, count)`` is called as results arrive.
    """
    results: list[R] = []
    if workers > 1 and count >= PARALLEL_THRESHOLD and _can_fork():
        chunks = chunk_plan(count, workers)
        task = _Task(function, state)
        with worker_pool(workers, _worker_task, task) as pool:
            for part in pool.imap(_run_chunk, chunks):
                results.extend(part)
                if progress:
                    progress(len(results), count)
        return results
    for i in range(count):
        results.append(function(state, i))
        if progress:
            progress(i + 1, count)
    return results


def chunk_plan(count: int, workers: int) -> list[list[int]]:
    """The indexes ``0 … count-1`` in order, in chunks that shrink toward the end.

    Large chunks first (each costs an exchange with a worker), then smaller
    ones (guided scheduling: a chunk is at most the share of what is left that
    keeps every worker busy twice over), so that when the work runs out no
    worker is left finishing a large chunk while the others wait: with 300
    pledges in fixed chunks of 16 (~0.1 s each) one core could idle that long.
    """
    chunks: list[list[int]] = []
    start = 0
    while start < count:
        size = max(LAST_CHUNK, min(CHUNK, (count - start) // (workers * 2)))
        chunks.append(list(range(start, min(start + size, count))))
        start += size
    return chunks


@contextlib.contextmanager
def in_background(
    function: Callable[[S, int], R], state: S, enabled: bool = True
) -> Iterator[Callable[[], R]]:
    """Run ``function(state, 0)`` in a forked process while the caller goes on.

    Yields a function that waits for the result. ``state`` reaches the
    process by fork; only the result (or the error) comes back, pickled,
    through a pipe. Without ``enabled`` (one core, ``-j 1``) or fork, it runs
    here, at once.

    A bare fork rather than a one-worker pool (:func:`worker_pool`): starting
    and joining a pool, with its three threads, cost ~8 ms of a one-pledge
    rebuild's critical path. The same guarantees: SIGINT is blocked while
    forking and ignored in the process (only the build handles Ctrl-C), the
    process dies with the build (:func:`die_with_parent`), and leaving the
    ``with`` block before the result came (an error, Ctrl-C) kills it. A
    process that dies without an answer (killed, out of memory) is an error
    here, never a wait without end.
    """
    if not (enabled and _can_fork()):
        result = function(state, 0)
        yield lambda: result
        return
    parent = os.getpid()
    read_end, write_end = os.pipe()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # the forked process: never returns
        _answer(parent, function, state, read_end, write_end)
    # A Ctrl-C that came while forking is raised here, before the try below
    # could leave the process behind: hence the kill in the except.
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(write_end)
    except BaseException:
        _end(pid)
        os.close(read_end)
        raise
    answer: list[tuple[bool, Any]] = []

    def wait() -> R:
        if not answer:
            with os.fdopen(os.dup(read_end), "rb") as pipe:
                data = pipe.read()
            _pid, status = os.waitpid(pid, 0)
            if not data:
                raise BackgroundDied(os.waitstatus_to_exitcode(status))
            answer.append(pickle.loads(data))
        ok, value = answer[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    try:
        yield wait
    finally:
        if not answer:
            _end(pid)
        os.close(read_end)


def _answer(
    parent: int, function: Callable[[S, int], Any], state: S, read_end: int, write_end: int
) -> None:
    """In the forked process: ``function(state, 0)``, its result or error pickled to the pipe, then exit."""
    code = 1
    try:
        os.close(read_end)
        _worker_setup(parent)
        try:
            payload: tuple[bool, Any] = (True, function(state, 0))
        except Exception as exc:  # noqa: BLE001 - sent to the build, which raises it
            payload = (False, exc)
        try:
            data = pickle.dumps(payload, pickle.HIGHEST_PROTOCOL)
            pickle.loads(data)  # an error that cannot make the trip must not be lost
        except Exception:  # noqa: BLE001
            error = payload[1]
            text = f"{type(error).__name__}: {error}"
            data = pickle.dumps((False, RuntimeError(text)), pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        os._exit(code)  # no atexit handler, no flush of the parent's buffers


def _end(pid: int) -> None:
    """Kill a background process that is no longer waited for, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


class BackgroundDied(ReportgenError):
    """A background writer's process ended without an answer (killed, out of memory)."""

    def __init__(self, status: int) -> None:
        self.status = status
        how = (
            tr(f"신호 {-status}", f"signal {-status}")
            if status < 0
            else tr(f"종료 상태 {status}", f"status {status}")
        )
        super().__init__(
            tr(
                f"함께 실행하던 작성 프로세스가 결과를 내지 못하고 끝났습니다({how}). "
                "메모리가 부족했거나 프로세스가 중단되었을 수 있습니다. 다시 실행하십시오. "
                "아무것도 쓰지 않았습니다.",
                f"a writer's background process ended without a result ({how}); memory "
                "may have run out, or it was killed. Run again. Nothing was written.",
            )
        )


@contextlib.contextmanager
def worker_pool(
    processes: int, setup: Callable[..., None] | None = None, *args: Any
) -> Iterator[multiprocessing.pool.Pool]:
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
        pool = context.Pool(
            processes, initializer=setup or _worker_setup, initargs=(os.getpid(), *args)
        )
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
