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
from .load import RecordSet
from .output import (
    MANIFEST,
    compare_with_disk,
    manifest_bytes,
    pledge_file_stem,
    publish,
    safe_file_name,
    sha256,
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
) -> Build:
    """Validate the records and render every output file of ``period`` in memory."""
    with bulk_allocation():
        return _render_report(
            period, records_dir, templates, strict, pdf, workers, previous, progress
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
) -> Build:
    records, warnings = check(records_dir, period)
    assert records.settings is not None  # check() raises when report.json is unusable
    term = records.settings.term.to_term()
    if not term.contains(period):
        raise PeriodError(
            f"{period} is outside {term.name} ({term.span_label}); "
            f"reports of this term run from {term.start} to {term.end}"
        )

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
        from .pdf import find_soffice, to_pdf

        if find_soffice() is None:
            from .pdf import INSTALL_HINT

            notes.append(INSTALL_HINT)
        else:
            files.update(to_pdf({n: d for n, d in files.items() if n.endswith(".docx")}))

    record_bytes, template_bytes = _inputs(records, templates)
    files[MANIFEST] = manifest_bytes(
        files,
        version=__version__,
        period=str(period),
        records=record_bytes,
        templates=template_bytes,
        drafts=drafts,
        render_keys=render_keys,
    )
    return Build(period, files, warnings, drafts, notes)


def build(
    period: Period,
    records_dir: Path,
    templates: Path,
    out: Path,
    *,
    strict: bool = False,
    pdf: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Build | None:
    """Render and publish atomically: ``out`` holds the whole new build or the old one.

    Returns None when ``out`` already holds exactly what these inputs give.
    """
    if up_to_date(period, records_dir, templates, out, pdf=pdf):
        return None
    result = render_report(
        period,
        records_dir,
        templates,
        strict=strict,
        pdf=pdf,
        workers=workers,
        previous=out,
        progress=progress,
    )
    publish(out, result.files)
    return result


def _read_inputs(records_dir: Path, templates: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    records = {p.name: p.read_bytes() for p in sorted(records_dir.glob("*.json")) if p.is_file()}
    template_bytes = {
        name: (templates / name).read_bytes()
        for name in TEMPLATE_FILES
        if (templates / name).is_file()
    }
    return records, template_bytes


def up_to_date(period: Period, records_dir: Path, templates: Path, out: Path, *, pdf: bool) -> bool:
    """True when the published manifest lists exactly these inputs and every file is intact.

    A rebuild where nothing changed then costs reading and hashing, nothing more.
    A build that used unconfirmed drafts is never skipped, so the loud warning
    is printed every time.
    """
    manifest_path = out / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        records, template_bytes = _read_inputs(records_dir, templates)
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("unconfirmed_drafts"):
        return False
    listed = manifest.get("files", {})
    expected = {
        "generator": f"reportgen {__version__}",
        "period": str(period),
        "records": {n: sha256(d) for n, d in records.items()},
        "templates": {n: sha256(d) for n, d in template_bytes.items()},
    }
    if any(manifest.get(k) != v for k, v in expected.items()):
        return False
    if pdf != any(name.endswith(".pdf") for name in listed):
        return False
    return not compare_with_disk(out, {**{n: b"" for n in listed}, MANIFEST: b""}, listed)


def verify(period: Period, records_dir: Path, templates: Path, out: Path) -> list[str]:
    """Rebuild in memory and list every file in ``out`` that no longer matches.

    DOCX, XLSX and the manifest are compared byte for byte with a rebuild.
    PDFs are LibreOffice's work and not byte-reproducible (it may order a
    PDF's objects differently from one run to the next), so each PDF is
    checked against the digest the manifest recorded when it was published.
    """
    result = render_report(period, records_dir, templates)
    rebuilt_manifest = json.loads(result.files[MANIFEST])
    try:
        on_disk = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        pdfs = {n: d for n, d in on_disk.get("files", {}).items() if n.endswith(".pdf")}
    except (OSError, ValueError, AttributeError):
        on_disk, pdfs = None, {}
    expected = {n: d for n, d in result.files.items() if n != MANIFEST}
    # The manifest and PDFs only need to exist here; they are compared below.
    listed = {**expected, **{n: b"" for n in pdfs}, MANIFEST: b""}
    problems = compare_with_disk(out, listed, skip={*pdfs, MANIFEST})
    if on_disk is None:
        if (out / MANIFEST).is_file():
            problems.append(f"{MANIFEST}: unreadable")
    else:
        stripped = dict(on_disk)
        stripped["files"] = {n: d for n, d in on_disk.get("files", {}).items() if n not in pdfs}
        if stripped != rebuilt_manifest:
            problems.append(f"{MANIFEST}: differs from what the records and templates give")
    for name, digest in sorted(pdfs.items()):
        path = out / name
        if path.is_file() and sha256(path.read_bytes()) != digest:
            problems.append(f"{name}: differs from the digest in {MANIFEST}")
    return problems
