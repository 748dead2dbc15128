"""``reportgen build``: the pipeline, read top to bottom.

1. gather and validate every record (all problems at once, then abort once);
2. compute the format-neutral report view of one period, once;
3. hand it to each writer of the build (:mod:`reportgen.formats.writers`, in the
   order their declarations give), then the manifest — every file in memory;
4. publish them all at once (:mod:`reportgen.workspace.output`), or, with ``--check``,
   compare them with what is on disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import SHIPPED_TEMPLATES, __version__
from .bulk import bulk_allocation
from .errors import PeriodError, Problem, ReportgenError
from .formats import codecache
from .formats.render import PreviousBuild, default_workers, digest
from .formats.writers import (
    DEFAULT_FORMATS,
    WRITERS,
    WriteJob,
    formats_held,
    unreproducible,
    write_all,
)
from .i18n import tr
from .records.load import RecordSet
from .records.periods import Period
from .records.validate import check
from .report.carried import pledge_views
from .report.view import (
    PREVIEW_MARK,
    ReportView,
    as_preview,
    assemble_report,
    report_info,
    report_view,
)
from .workspace.capacity import require_memory
from .workspace.fingerprint import code_fingerprint
from .workspace.output import (
    MANIFEST,
    Claim,
    Content,
    InputsSeen,
    Recorded,
    Staging,
    claim,
    compare_with_disk,
    content_bytes,
    file_digest,
    manifest_bytes,
    output_lock,
    publish,
    read_manifest,
    read_member,
    real_path,
    recover,
    refuse_protected,
    remember_output,
    sha256,
    walk_names,
)


@dataclass
class Build:
    """Everything one build produced, in memory, before anything is written."""

    period: Period
    # Each file's bytes, or the previous output's file taken by reference (Taken).
    files: dict[str, Content]
    warnings: list[Problem]
    drafts: list[str] = field(default_factory=list)  # "1-4-5: reports.2022H1.status"
    notes: list[str] = field(default_factory=list)  # e.g. why no PDF was made


class DraftsRefused(ReportgenError):
    """초안이 남아 있어 만들지 않습니다: ``publish`` (and ``build --strict``) name every draft."""

    def __init__(self, period: Period, drafts: Sequence[str]) -> None:
        self.drafts = list(drafts)
        shown = "\n  ".join(self.drafts[:50])
        more = len(self.drafts) - 50
        if more > 0:
            shown += tr(f"\n  … 그 밖에 {more}개", f"\n  … and {more} more")
        super().__init__(
            tr(
                f"{period} 보고에 확정되지 않은 초안 {len(self.drafts)}개가 쓰입니다:\n  {shown}\n"
                f"확인한 뒤 확정하고(reportgen status {period}, reportgen confirm {period}) "
                "다시 실행하십시오. 내부 검토용은 publish --preview로 만듭니다. "
                "아무것도 쓰지 않았습니다.",
                f"the report of {period} uses {len(self.drafts)} unconfirmed draft(s):\n  "
                f"{shown}\nCheck and confirm them (reportgen status {period}, reportgen "
                f"confirm {period}) and run again; publish --preview makes an internal "
                "preview. Nothing was written.",
            )
        )


ALL_TEMPLATES = tuple(dict.fromkeys(n for w in WRITERS.values() for n in w.templates))


def templates_for(given: Path | None, records_dir: Path) -> Path:
    """The templates a build of ``records_dir`` uses.

    ``--templates`` when given; else the city's own, ``<records>/templates/``
    or a ``templates/`` beside the records folder (the repository's layout,
    a city's folder holding ``records/`` and ``templates/``) when it holds a
    template; else the ones shipped with reportgen, so a build from any folder
    works without a copy of the repository.
    """
    if given is not None:
        return given
    for own in (records_dir / "templates", records_dir.parent / "templates"):
        if any((own / name).is_file() for name in ALL_TEMPLATES):
            return own
    return SHIPPED_TEMPLATES


def template_files(formats: Sequence[str]) -> tuple[str, ...]:
    """The files of templates/ that the writers of ``formats`` read."""
    return tuple(name for f in formats for name in WRITERS[f].templates)


def _inputs(
    records: RecordSet, templates: Path, formats: Sequence[str]
) -> tuple[dict[str, str], dict[str, bytes]]:
    # The records' digests as the check hashed (or proved) the bytes it used.
    record_digests = {name: records.digest(name) for name in records.sources}
    template_bytes = {
        name: (templates / name).read_bytes()
        for name in template_files(formats)
        if (templates / name).is_file()
    }
    return record_digests, template_bytes


def render_report(
    period: Period,
    records_dir: Path,
    templates: Path,
    *,
    strict: bool = False,
    workers: int | None = None,
    previous: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workdir: Path | None = None,
    pdf_progress: Callable[[int, int], None] | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    term_index: str | None = None,
    preview: bool = False,
    pages: Mapping[str, int] | None = None,
    kept: Mapping[str, bytes] | None = None,
    unread: Mapping[str, str] | None = None,
) -> Build:
    """Validate the records and render every output file of ``period`` in memory.

    ``formats`` names the writers of the build (:data:`reportgen.formats.writers.WRITERS`).

    ``preview`` marks every page 초안 (``publish --preview``), drafts or not.

    ``kept``: files already published by writers that are not run again (a
    ``--check`` does not remake the PDFs): the writers see them as made
    before them (the site offers them for download, with their sizes), and
    they are not part of the result.

    ``unread``: record files proven unchanged since the last run (by name,
    with their SHA-256: :func:`unchanged_records`), not read unless needed.

    ``workdir`` is where LibreOffice may write (inside the build's staging
    directory, so a killed build leaves nothing anywhere else).
    ``pdf_progress(done, total)`` is called as PDFs are finished. A build
    that would not fit in memory is refused first (:mod:`reportgen.workspace.capacity`).
    """
    require_memory(records_dir, formats)
    with bulk_allocation():
        return _render_report(
            period,
            records_dir,
            templates,
            strict,
            workers,
            previous,
            progress,
            workdir,
            pdf_progress,
            formats,
            term_index,
            preview,
            pages,
            kept,
            unread,
        )


def _render_report(
    period: Period,
    records_dir: Path,
    templates: Path,
    strict: bool,
    workers: int | None,
    previous: Path | None,
    progress: Callable[[int, int], None] | None,
    workdir: Path | None,
    pdf_progress: Callable[[int, int], None] | None,
    formats: Sequence[str],
    term_index: str | None = None,
    preview: bool = False,
    pages: Mapping[str, int] | None = None,
    kept: Mapping[str, bytes] | None = None,
    unread: Mapping[str, str] | None = None,
) -> Build:
    # 1. Gather and validate everything: all problems at once, before any work.
    # The memo: an unchanged pledge file is not proved and checked again, nor
    # even read when stat() shows it as the last run recorded it (issue 26).
    records, warnings = check(records_dir, period, workers=workers, memo=codecache, unread=unread)
    assert records.settings is not None  # check() raises when report.json is unusable
    records.settings.term.to_term().require(period)

    settings = records.settings

    # What every writer's files are made from (the view aside): a pledge's key
    # digests its inputs, so a rebuild reuses the files of every unchanged pledge.
    settings_bytes = records.sources.get("report.json", b"")
    # (Each record by the SHA-256 its check hashed: the memo's key and the manifest's.)
    keys = [digest(settings_bytes, str(period), records.digest(f.path.name)) for f in records.files]
    job = WriteJob(
        templates=templates,
        info=report_info(period, settings),
        code=code_fingerprint(),
        # A preview's pages carry its mark: never reused for, or from, a real build.
        pledge_sources=[key + ("+preview" if preview else "") for key in keys],
        previous=PreviousBuild(previous),
        workers=workers if workers is not None else default_workers(),
        progress=progress,
        formats=tuple(formats),
        settings=settings,
        term_index=term_index,
        workdir=workdir,
        pdf_progress=pdf_progress,
        pages=pages,  # a --check of a build with PDFs: the 목차 pages it stored
    )
    files: dict[str, Content] = {}
    render_keys: dict[str, str] = {}
    part_keys: dict[str, dict[str, str]] = {}
    # 2. The report view, once: every writer lays out the same figures and words.
    # In a rebuild, an unchanged record's view is taken back from the last
    # build (its record not even typed).
    # (A preview's pages are never taken back: see pledge_sources.)
    carry = bool(job.previous.by_key) and not preview
    views = pledge_views(records, period, codecache, keys, carry=carry)
    report = assemble_report(views, period, settings)
    drafts = [f"{v.id}: {source}" for v in report.pledges for source in v.drafts]
    if strict and drafts:
        raise DraftsRefused(period, drafts)
    if preview:
        report = as_preview(report)

    # 3. Each writer lays it out. What each writer needs besides the view is
    # its own declaration (reportgen.formats.writers): the PDF's the DOCX,
    # the site's the term's reports.
    chosen = list(formats)
    if any("history" in WRITERS[name].needs for name in chosen):
        job.earlier = earlier_report(records, period)
        job.reports = earlier_reports(records, period)
    for output in write_all(report, job, chosen, kept):
        files[output.name] = output.data
        if output.key is not None:
            render_keys[output.name] = output.key
        if output.parts:
            part_keys[output.name] = dict(output.parts)
        else:  # a later writer's copy of a file (the PDF's booklet): its earlier parts are gone
            part_keys.pop(output.name, None)
    notes = list(job.notes)

    record_digests, template_bytes = _inputs(records, templates, formats)
    files[MANIFEST] = manifest_bytes(
        files,
        version=__version__,
        period=str(period),
        records=record_digests,
        templates=template_bytes,
        # A preview is never "up to date" for a real build of the same records.
        drafts=[*drafts, PREVIEW_MARK] if preview else drafts,
        render_keys=render_keys,
        code=job.code,
        part_keys=part_keys,
        pages=job.pages,
        # The files taken back were hashed as they were read.
        known=job.previous.digest_of,
    )
    return Build(period, files, warnings, drafts, notes)


def reported_periods(records: RecordSet, until: Period | None = None) -> list[Period]:
    """The term's half-years that some pledge records a report for (up to ``until``), oldest first."""
    assert records.settings is not None
    term = records.settings.term.to_term()
    found = {
        p
        for pledge in records.pledges
        for p in pledge.reports
        if not p.is_year and term.contains(p) and (until is None or not until < p)
    }
    return sorted(found)


def earlier_reports(records: RecordSet, period: Period) -> tuple[ReportView, ...]:
    """The report of each earlier reported period of the term, oldest first (a pledge's history)."""
    assert records.settings is not None
    return tuple(
        report_view(records.pledges, p, records.settings)
        for p in reported_periods(records, period)
        if p < period
    )


def earlier_report(records: RecordSet, period: Period) -> ReportView | None:
    """The previous report of the term: the latest reported period before ``period``.

    The site's "what changed" compares with it. None when ``period`` is the
    term's first report: a half nobody reported on is no report to compare
    with (every status would read "추진상황 미기재 → …").
    """
    assert records.settings is not None
    before = [p for p in reported_periods(records, period) if p < period]
    if not before:
        return None
    return report_view(records.pledges, before[-1], records.settings)


def latest_reported(records_dir: Path) -> Period:
    """The newest half-year the records report on (``reportgen build`` without PERIOD)."""
    from .records.validate import latest_period

    records, _warnings = check(records_dir, memo=codecache)
    found = latest_period(records)
    if found is None:
        raise PeriodError(
            tr(
                f"{records_dir}: 아직 기록된 반기가 없습니다. 반기를 주십시오. 예: "
                "reportgen build 2022H1",
                f"{records_dir}: no period is recorded yet; name one, e.g. reportgen build 2022H1",
            )
        )
    return found


def protected_paths(records_dir: Path, templates: Path) -> dict[str, Path]:
    """Directories no output may replace: the inputs, and the workspace around them."""
    return {
        "the workspace (the current directory)": Path.cwd(),
        "the workspace of the records": real_path(records_dir).parent,
        "the records directory": records_dir,
        "the templates directory": templates,
    }


def build(
    period: Period,
    records_dir: Path,
    templates: Path,
    out: Path,
    *,
    strict: bool = False,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    pdf_progress: Callable[[int, int], None] | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    preview: bool = False,
) -> Build | None:
    """Render and publish atomically: ``out`` holds the whole new build or the old one.

    Returns None when ``out`` already holds exactly what these inputs give.
    Refuses, before any work, an ``out`` that reportgen may not replace
    (:func:`reportgen.workspace.output.claim`). One run at a time writes ``out``: a
    second one waits for the first (:func:`reportgen.workspace.output.output_lock`).
    """
    protected = protected_paths(records_dir, templates)
    refuse_protected(real_path(out), out, protected)  # before anything is made beside it
    with output_lock(out):
        return _build_locked(
            period,
            records_dir,
            templates,
            out,
            protected,
            strict=strict,
            workers=workers,
            force=force,
            progress=progress,
            pdf_progress=pdf_progress,
            formats=formats,
            preview=preview,
        )


def _build_locked(
    period: Period,
    records_dir: Path,
    templates: Path,
    out: Path,
    protected: dict[str, Path],
    *,
    strict: bool,
    workers: int | None,
    force: bool,
    progress: Callable[[int, int], None] | None,
    pdf_progress: Callable[[int, int], None] | None,
    formats: Sequence[str],
    preview: bool = False,
) -> Build | None:
    # The per-user cache keeps how stat() saw each published file: claim()
    # hashes only the files not seen so (issue 26).
    owned = claim(out, force=force, protected=protected, keeper=codecache)
    recover(owned.target)  # what a killed build left, even when nothing is to be done
    inputs = _look_at_inputs(records_dir, templates, formats)
    if not preview and up_to_date(
        period, records_dir, templates, owned, formats=formats, inputs=inputs
    ):
        assert owned.previous is not None
        # What claim() and up_to_date() hashed is not hashed again.
        remember_output(owned, _inputs_proven(inputs, records_dir, templates, owned.previous.data))
        return None
    with Staging(owned.target) as stage:
        result = render_report(
            period,
            records_dir,
            templates,
            strict=strict,
            workers=workers,
            previous=None if owned.damaged else owned.target,
            progress=progress,
            workdir=stage.work,
            pdf_progress=pdf_progress,
            formats=formats,
            preview=preview,
            unread=unchanged_records(inputs, owned, records_dir),
        )
        manifest = content_bytes(result.files[MANIFEST])
        made = json.loads(manifest)  # this build's own: what it lists is so
        digests = {**made["files"], MANIFEST: sha256(manifest)}
        publish(owned, result.files, stage, digests)
    # Once the old output, in the staging directory, is gone.
    remember_output(owned, _inputs_proven(inputs, records_dir, templates, made))
    result.notes[:0] = owned.notes
    if owned.carried:
        result.notes.append(
            tr(
                f"{out}에 있는 reportgen의 것이 아닌 파일 {len(owned.carried)}개를 그대로 "
                "두었습니다: ",
                f"kept {len(owned.carried)} file(s) in {out} that are not reportgen's: ",
            )
            + ", ".join(owned.carried[:5])
            + (" …" if len(owned.carried) > 5 else "")
        )
    return result


# Only to compare with the manifest: a file that is not a plain regular file,
# or a huge one, just makes the build run (where the loader explains why).
_INPUT_LIMIT = 64 * 1024 * 1024


def _look_at_inputs(records_dir: Path, templates: Path, formats: Sequence[str]) -> InputsSeen:
    """The records and the templates of ``formats`` as lstat() sees them now."""
    return InputsSeen.look([(records_dir, None), (templates, template_files(formats))])


def _inputs_proven(
    before: InputsSeen, records_dir: Path, templates: Path, manifest: Mapping[str, object]
) -> Recorded:
    """The input files seen alike before and after the run, with the digests ``manifest`` lists.

    Seen alike throughout (and changed before it began), a file held the
    bytes the run read: the next ``up_to_date`` need not read it again.
    """
    digests: dict[str, str] = {}
    for kind, folder in (("records", records_dir), ("templates", templates)):
        listed = manifest.get(kind)
        for name, found in listed.items() if isinstance(listed, dict) else ():
            if isinstance(name, str) and isinstance(found, str):
                digests[InputsSeen.path(folder, name)] = found
    folders = [(records_dir, before.names(records_dir)), (templates, manifest_names(manifest))]
    return before.proven(InputsSeen.look(folders), digests)


def _unchanged(seen: InputsSeen, owned: Claim, folder: Path, name: str) -> str | None:
    """The digest the last run recorded of an input file that lstat() sees as it was recorded then.

    None for any other (and for one too large to be an input).
    """
    path = InputsSeen.path(folder, name)
    how, recorded = seen.seen.get(path), owned.inputs.get(path)
    if how is None or recorded is None or recorded[0] != how or how[2] > _INPUT_LIMIT:
        return None
    return recorded[1]


def unchanged_records(seen: InputsSeen, owned: Claim, records_dir: Path) -> dict[str, str]:
    """The record files (by name, with their SHA-256) unchanged since the last run recorded them."""
    found = {}
    for name in seen.names(records_dir):
        digest = _unchanged(seen, owned, records_dir, name)
        if digest is not None:
            found[name] = digest
    return found


def manifest_names(manifest: Mapping[str, object]) -> list[str]:
    """The template names ``manifest`` lists."""
    listed = manifest.get("templates")
    return [n for n in listed if isinstance(n, str)] if isinstance(listed, dict) else []


def up_to_date(
    period: Period,
    records_dir: Path,
    templates: Path,
    owned: Claim,
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    inputs: InputsSeen | None = None,
) -> bool:
    """True when the published manifest lists exactly these inputs and every file is intact.

    A rebuild where nothing changed then costs reading and hashing, nothing
    more; the output's files were proven once, by :func:`~reportgen.workspace.output.claim`.
    An input file that lstat() sees (``inputs``, looked at before anything
    was read) exactly as the last run recorded it after reading it
    (:func:`~reportgen.workspace.output.remember_output`) is not read again;
    the first input found changed ends the comparison.
    A build that used unconfirmed drafts is never skipped, so the loud warning
    is printed every time.
    """
    manifest = owned.previous
    if not owned.intact or manifest is None or manifest.data.get("unconfirmed_drafts"):
        return False
    data = manifest.data
    if (
        data.get("generator") != f"reportgen {__version__}"
        or data.get("period") != str(period)
        or set(formats) != formats_held(manifest.files)
        or data.get("code") != code_fingerprint()
    ):
        return False
    seen = inputs if inputs is not None else _look_at_inputs(records_dir, templates, formats)

    records, listed_records = seen.names(records_dir), data.get("records")
    # Each template of the formats that is a plain file, as the build reads them.
    template_names = [
        name
        for name in template_files(formats)
        if (how := seen.seen.get(InputsSeen.path(templates, name))) and how[2] <= _INPUT_LIMIT
    ]
    listed_templates = data.get("templates")
    if not (isinstance(listed_records, dict) and isinstance(listed_templates, dict)):
        return False
    if set(records) != set(listed_records) or set(template_names) != set(listed_templates):
        return False
    try:
        for name in records:
            found = _unchanged(seen, owned, records_dir, name)
            if found is None:
                data_read = read_member(records_dir, name, _INPUT_LIMIT)
                found = sha256(b"" if data_read is None else data_read)
            if found != listed_records[name]:
                return False
        for name in template_names:
            found = _unchanged(seen, owned, templates, name)
            if found is None:
                data_read = read_member(templates, name, _INPUT_LIMIT)
                if data_read is None:
                    return False
                found = sha256(data_read)
            if found != listed_templates[name]:
                return False
    except OSError:
        return False
    return True


def kept_files(out: Path) -> list[str]:
    """Files in ``out`` that its manifest does not list: not reportgen's, kept by every build."""
    manifest, _damage = read_manifest(out)
    listed = set(manifest.files if manifest else ()) | {MANIFEST}
    return [name for name in walk_names(out) if name not in listed]


def verify(period: Period, records_dir: Path, templates: Path, out: Path) -> list[str]:
    """Rebuild in memory and list every file in ``out`` that no longer matches.

    The files of every reproducible writer and the manifest are compared byte
    for byte with a rebuild. A writer that declares its output not
    reproducible (LibreOffice's PDFs: it may order a PDF's objects differently
    from one run to the next) is not run again: each of its files is checked
    against the digest the manifest recorded when it was published.
    The output is read under a shared lock: never half-way through a run's swap.
    """
    with output_lock(out, shared=True):
        return _verify(period, records_dir, templates, out)


# A published PDF read back for --check (to give the site its size): the
# largest booklet PDF of a 3,000-pledge report is far below this.
_KEPT_LIMIT = 1024 * 1024 * 1024


def _verify(period: Period, records_dir: Path, templates: Path, out: Path) -> list[str]:
    manifest, damage = read_manifest(out)
    # Rebuild the formats the output holds (a build with --hwpx is checked with
    # them), but those whose bytes a rebuild may not give again.
    held = formats_held(manifest.files) if manifest is not None else set()
    formats = [f for f in WRITERS if f in held and WRITERS[f].reproducible]
    formats = formats or list(DEFAULT_FORMATS)
    # A build with PDFs stored LibreOffice's 목차 pages in its booklets (and the
    # manifest): the rebuild stores the same, without laying anything out.
    stored = manifest.data.get("booklet_pages") if manifest is not None else None
    pages = stored if isinstance(stored, dict) else None
    # The files of the writers not run again, as published: the writers after
    # them saw them (the site links each PDF with its size).
    kept = {
        name: data
        for name in (manifest.files if manifest is not None else {})
        if unreproducible(name) and (data := read_member(out, name, _KEPT_LIMIT)) is not None
    }
    result = render_report(period, records_dir, templates, formats=formats, pages=pages, kept=kept)
    rebuilt_manifest = json.loads(content_bytes(result.files[MANIFEST]))
    on_disk = manifest.data if manifest is not None else None
    pdfs = {n: d for n, d in (manifest.files if manifest else {}).items() if unreproducible(n)}
    expected = {n: d for n, d in result.files.items() if n != MANIFEST}
    # The manifest and the PDFs only need to exist here; they are compared below.
    listed = {**expected, **{n: b"" for n in pdfs}, MANIFEST: b""}
    problems = compare_with_disk(out, listed, skip={*pdfs, MANIFEST})
    if on_disk is None:
        if damage is not None:
            problems.append(
                tr(f"{MANIFEST}: 손상되었습니다({damage})", f"{MANIFEST}: damaged ({damage})")
            )
    else:
        stripped = dict(on_disk)
        stripped["files"] = {n: d for n, d in on_disk["files"].items() if n not in pdfs}
        if stripped != rebuilt_manifest:
            problems.append(
                tr(
                    f"{MANIFEST}: 기록과 서식으로 만든 것과 다릅니다",
                    f"{MANIFEST}: differs from what the records and templates give",
                )
            )
    for name, recorded in sorted(pdfs.items()):
        found = file_digest(out, name)
        if found is not None and found != recorded:
            problems.append(
                tr(
                    f"{name}: {MANIFEST}의 다이제스트와 다릅니다",
                    f"{name}: differs from the digest in {MANIFEST}",
                )
            )
    return problems
