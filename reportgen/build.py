"""``reportgen build``: the pipeline, read top to bottom.

1. gather and validate every record (all problems at once, then abort once);
2. compute the format-neutral view of the report of one period;
3. render every file in memory: each pledge's DOCX, the booklet, the workbook,
   the manifest;
4. publish them all at once (:mod:`reportgen.output`), or, with ``--check``,
   compare them with what is on disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .bulk import bulk_allocation
from .errors import PeriodError, Problem, ReportgenError
from .fingerprint import code_fingerprint
from .load import RecordSet
from .output import (
    MANIFEST,
    Claim,
    Staging,
    claim,
    compare_with_disk,
    file_digest,
    manifest_bytes,
    pledge_file_stem,
    publish,
    read_manifest,
    read_member,
    real_path,
    recover,
    safe_file_name,
    sha256,
    walk_names,
)
from .periods import Period
from .render import render_documents
from .validate import check
from .view import ReportView

TEMPLATE_FILES = ("pledge.docx", "booklet.docx", "workbook.xlsx")
PLEDGE_DIR = "공약별"


@dataclass
class Build:
    """Everything one build produced, in memory, before anything is written."""

    period: Period
    files: dict[str, bytes]
    warnings: list[Problem]
    drafts: list[str] = field(default_factory=list)  # "1-4-5: reports.2022H1.status"
    notes: list[str] = field(default_factory=list)  # e.g. why no PDF was made


def booklet_name(report: ReportView) -> str:
    return f"{report.period} {safe_file_name(report.city, 40)} 공약 추진실적 보고서.docx"


def workbook_name(report: ReportView) -> str:
    return f"{report.period} 예산 집계.xlsx"


def _inputs(records: RecordSet, templates: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    # The bytes as read and validated, so the manifest hashes what was used.
    record_bytes = dict(records.sources)
    template_bytes = {
        name: (templates / name).read_bytes()
        for name in TEMPLATE_FILES
        if (templates / name).is_file()
    }
    return record_bytes, template_bytes


def render_report(
    period: Period,
    records_dir: Path,
    templates: Path,
    *,
    strict: bool = False,
    pdf: bool = False,
    workers: int | None = None,
    previous: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workdir: Path | None = None,
    pdf_progress: Callable[[int, int], None] | None = None,
) -> Build:
    """Validate the records and render every output file of ``period`` in memory.

    ``workdir`` is where LibreOffice may write (inside the build's staging
    directory, so a killed build leaves nothing anywhere else).
    ``pdf_progress(done, total)`` is called as PDFs are finished.
    """
    with bulk_allocation():
        return _render_report(
            period,
            records_dir,
            templates,
            strict,
            pdf,
            workers,
            previous,
            progress,
            workdir,
            pdf_progress,
        )


def _render_report(
    period: Period,
    records_dir: Path,
    templates: Path,
    strict: bool,
    pdf: bool,
    workers: int | None,
    previous: Path | None,
    progress: Callable[[int, int], None] | None,
    workdir: Path | None,
    pdf_progress: Callable[[int, int], None] | None = None,
) -> Build:
    records, warnings = check(records_dir, period)
    assert records.settings is not None  # check() raises when report.json is unusable
    records.settings.term.to_term().require(period)

    settings_bytes = records.sources.get("report.json", b"")
    sources = [
        b"\0".join((settings_bytes, str(period).encode(), records.sources.get(path.name, b"")))
        for _, path in records.origins
    ]
    rendered = render_documents(
        records.pledges,
        period,
        records.settings,
        templates,
        sources=sources,
        workers=workers,
        previous=previous,
        progress=progress,
    )
    report = rendered.report
    # Checked once the views exist; nothing has been published yet.
    drafts = [f"{v.id}: {source}" for v in report.pledges for source in v.drafts]
    if strict and drafts:
        raise ReportgenError(
            f"--strict: the report of {period} uses unconfirmed drafts:\n  "
            + "\n  ".join(drafts)
            + '\nCheck them, remove "draft": true, and build again.'
        )

    files: dict[str, bytes] = {}
    render_keys: dict[str, str] = {}
    for view, pledge, key in zip(
        report.pledges, rendered.pledges, rendered.pledge_keys, strict=True
    ):
        name = f"{PLEDGE_DIR}/{pledge_file_stem(view.id, view.title)}.docx"
        files[name] = pledge.document
        render_keys[name] = key
    files[booklet_name(report)] = rendered.booklet
    files[workbook_name(report)] = rendered.workbook
    render_keys[workbook_name(report)] = rendered.workbook_key

    notes: list[str] = []
    if pdf:
        from .pdf import missing, to_pdf

        hint = missing()
        if hint is not None:
            notes.append(hint)
        else:
            docs = {n: d for n, d in files.items() if n.endswith(".docx")}
            # Each pledge's PDF is cut from the booklet's (see reportgen.pdf).
            in_booklet = [
                (f"{PLEDGE_DIR}/{pledge_file_stem(v.id, v.title)}.docx", v.anchor)
                for v in report.pledges
            ]
            files.update(
                to_pdf(
                    docs,
                    workdir=workdir,
                    booklet=booklet_name(report),
                    pledges=in_booklet,
                    progress=pdf_progress,
                )
            )

    record_bytes, template_bytes = _inputs(records, templates)
    files[MANIFEST] = manifest_bytes(
        files,
        version=__version__,
        period=str(period),
        records=record_bytes,
        templates=template_bytes,
        drafts=drafts,
        render_keys=render_keys,
        code=code_fingerprint(),
    )
    return Build(period, files, warnings, drafts, notes)


def latest_reported(records_dir: Path) -> Period:
    """The newest half-year the records report on (``reportgen build`` without PERIOD)."""
    from .validate import latest_period

    records, _warnings = check(records_dir)
    found = latest_period(records)
    if found is None:
        raise PeriodError(
            f"{records_dir}: no period is recorded yet; name one, e.g. reportgen build 2022H1"
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
    pdf: bool = False,
    workers: int | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    pdf_progress: Callable[[int, int], None] | None = None,
) -> Build | None:
    """Render and publish atomically: ``out`` holds the whole new build or the old one.

    Returns None when ``out`` already holds exactly what these inputs give.
    Refuses, before any work, an ``out`` that reportgen may not replace
    (:func:`reportgen.output.claim`).
    """
    owned = claim(out, force=force, protected=protected_paths(records_dir, templates))
    recover(owned.target)  # what a killed build left, even when nothing is to be done
    if up_to_date(period, records_dir, templates, owned, pdf=pdf):
        return None
    with Staging(owned.target) as stage:
        result = render_report(
            period,
            records_dir,
            templates,
            strict=strict,
            pdf=pdf,
            workers=workers,
            previous=None if owned.damaged else owned.target,
            progress=progress,
            workdir=stage.work,
            pdf_progress=pdf_progress,
        )
        publish(owned, result.files, stage)
    result.notes[:0] = owned.notes
    if owned.carried:
        result.notes.append(
            f"kept {len(owned.carried)} file(s) in {out} that are not reportgen's: "
            + ", ".join(owned.carried[:5])
            + (" …" if len(owned.carried) > 5 else "")
        )
    return result


# Only to compare with the manifest: a file that is not a plain regular file,
# or a huge one, just makes the build run (where the loader explains why).
_INPUT_LIMIT = 64 * 1024 * 1024


def _read_inputs(records_dir: Path, templates: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    records = {}
    for path in sorted(records_dir.glob("*.json")):
        data = read_member(records_dir, path.name, _INPUT_LIMIT)
        records[path.name] = b"" if data is None else data
    template_bytes = {}
    for name in TEMPLATE_FILES:
        data = read_member(templates, name, _INPUT_LIMIT)
        if data is not None:
            template_bytes[name] = data
    return records, template_bytes


def up_to_date(
    period: Period, records_dir: Path, templates: Path, owned: Claim, *, pdf: bool
) -> bool:
    """True when the published manifest lists exactly these inputs and every file is intact.

    A rebuild where nothing changed then costs reading and hashing, nothing
    more; the output's files were hashed once, by :func:`~reportgen.output.claim`.
    A build that used unconfirmed drafts is never skipped, so the loud warning
    is printed every time.
    """
    manifest = owned.previous
    if not owned.intact or manifest is None or manifest.data.get("unconfirmed_drafts"):
        return False
    try:
        records, template_bytes = _read_inputs(records_dir, templates)
    except OSError:
        return False
    expected = {
        "generator": f"reportgen {__version__}",
        "code": code_fingerprint(),
        "period": str(period),
        "records": {n: sha256(d) for n, d in records.items()},
        "templates": {n: sha256(d) for n, d in template_bytes.items()},
    }
    if any(manifest.data.get(k) != v for k, v in expected.items()):
        return False
    return pdf == any(name.endswith(".pdf") for name in manifest.files)


def kept_files(out: Path) -> list[str]:
    """Files in ``out`` that its manifest does not list: not reportgen's, kept by every build."""
    manifest, _damage = read_manifest(out)
    listed = set(manifest.files if manifest else ()) | {MANIFEST}
    return [name for name in walk_names(out) if name not in listed]


def verify(period: Period, records_dir: Path, templates: Path, out: Path) -> list[str]:
    """Rebuild in memory and list every file in ``out`` that no longer matches.

    DOCX, XLSX and the manifest are compared byte for byte with a rebuild.
    PDFs are LibreOffice's work and not byte-reproducible (it may order a
    PDF's objects differently from one run to the next), so each PDF is
    checked against the digest the manifest recorded when it was published.
    """
    result = render_report(period, records_dir, templates)
    rebuilt_manifest = json.loads(result.files[MANIFEST])
    manifest, damage = read_manifest(out)
    on_disk = manifest.data if manifest is not None else None
    pdfs = {n: d for n, d in (manifest.files if manifest else {}).items() if n.endswith(".pdf")}
    expected = {n: d for n, d in result.files.items() if n != MANIFEST}
    # The manifest and PDFs only need to exist here; they are compared below.
    listed = {**expected, **{n: b"" for n in pdfs}, MANIFEST: b""}
    problems = compare_with_disk(out, listed, skip={*pdfs, MANIFEST})
    if on_disk is None:
        if damage is not None:
            problems.append(f"{MANIFEST}: damaged ({damage})")
    else:
        stripped = dict(on_disk)
        stripped["files"] = {n: d for n, d in on_disk["files"].items() if n not in pdfs}
        if stripped != rebuilt_manifest:
            problems.append(f"{MANIFEST}: differs from what the records and templates give")
    for name, digest in sorted(pdfs.items()):
        found = file_digest(out, name)
        if found is not None and found != digest:
            problems.append(f"{name}: differs from the digest in {MANIFEST}")
    return problems
