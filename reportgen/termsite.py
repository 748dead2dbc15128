"""``reportgen publish --all``: the term's website, every reported period in one folder.

Layout (each address stays the same when a later period is added)::

    DIR/index.html            the periods, latest first, with their 총괄 lines
    DIR/feed.atom             what changed, one entry per period (Atom 1.0)
    DIR/assets/               the term index's style sheet
    DIR/<period>/…            that period's site, as ``publish PERIOD`` writes it:
                              index.html, pledge/…, changes.html, formula.html,
                              data/, the downloads
    DIR/manifest.json         every file's digest (reportgen.workspace.output's rules)

Every period is rendered in memory by the same pipeline as ``build`` (each
report as of its own period: a later period never changes an earlier one's
pages), then the whole folder is published at once: a failed run leaves the
previous site exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .build import Build, earlier_report, protected_paths, render_report, reported_periods
from .errors import PeriodError, Problem
from .formats.opendata import FeedEntry, atom_feed
from .formats.site import build_term_index
from .i18n import tr
from .records.periods import Period
from .records.validate import check
from .report.citizen import citizen_summary
from .report.diff import diff_views
from .report.view import report_view
from .workspace.output import (
    MANIFEST,
    Content,
    Staging,
    claim,
    manifest_bytes,
    output_lock,
    publish,
    real_path,
    recover,
    refuse_protected,
)

TERM_INDEX = "../index.html"  # from a period's root to the term's list of periods


@dataclass
class TermBuild:
    """The term's site in memory: every file, and what each period's build reported."""

    periods: list[Period]
    files: dict[str, Content]
    warnings: list[Problem] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)  # "2022H1 1-4-5: reports.2022H1.status"
    notes: list[str] = field(default_factory=list)


def render_term(
    records_dir: Path,
    templates: Path,
    formats: Sequence[str],
    *,
    workers: int | None = None,
    workdir: Path | None = None,
    preview: bool = False,
) -> TermBuild:
    """Every reported period's site and downloads under ``<period>/``, and the term's index.

    As ``publish PERIOD``: a draft feeding any period's report refuses the
    whole site (naming them), unless ``preview`` marks every page 초안.
    """
    records, _ = check(records_dir)
    assert records.settings is not None
    periods = reported_periods(records)
    if not periods:
        raise PeriodError(
            tr(
                f"{records_dir}: 보고된 기간이 없습니다. 공약 기록의 reports에 반기(예: 2022H1)를 "
                "기록한 뒤 다시 실행하십시오.",
                f"{records_dir}: no period is reported yet; record reports.<half-year> "
                "(e.g. 2022H1) in the pledges first.",
            )
        )
    term = TermBuild(periods, {})
    views = []
    entries = []
    for period in periods:
        result: Build = render_report(
            period,
            records_dir,
            templates,
            workers=workers,
            workdir=workdir,
            formats=formats,
            term_index=TERM_INDEX,
            # What is published is confirmed: a draft in any period refuses the term's site.
            strict=not preview,
            preview=preview,
        )
        for name, data in result.files.items():
            if name != MANIFEST:  # one manifest, the term's, lists every file
                term.files[f"{period}/{name}"] = data
        term.warnings += result.warnings
        term.drafts += [f"{period} {d}" for d in result.drafts]
        term.notes += [n for n in result.notes if n not in term.notes]
        view = report_view(records.pledges, period, records.settings)
        views.append(view)
        earlier = earlier_report(records, period)
        if earlier is not None:
            summary = citizen_summary(diff_views(earlier, view), view)
            entries.append(
                FeedEntry(str(period), view.period_words, summary, f"{period}/changes.html")
            )
    latest = views[-1]
    term.files.update(build_term_index(latest, views))
    term.files["feed.atom"] = atom_feed(latest, entries)
    term.files[MANIFEST] = manifest_bytes(
        term.files,
        version=__version__,
        period="+".join(str(p) for p in periods),
        records={name: records.digest(name) for name in records.sources},
        templates={},
        drafts=term.drafts,
    )
    return term


def publish_term(
    records_dir: Path,
    templates: Path,
    out: Path,
    formats: Sequence[str],
    *,
    workers: int | None = None,
    force: bool = False,
    preview: bool = False,
) -> TermBuild:
    """Render the term's site and publish it into ``out`` at once (reportgen.workspace.output's rules).

    One run at a time writes ``out``, as for ``build`` (:func:`reportgen.workspace.output.output_lock`).
    """
    protected = protected_paths(records_dir, templates)
    refuse_protected(real_path(out), out, protected)  # before anything is made beside it
    with output_lock(out):
        owned = claim(out, force=force, protected=protected)
        recover(owned.target)
        with Staging(owned.target) as stage:
            result = render_term(
                records_dir,
                templates,
                formats,
                workers=workers,
                workdir=stage.work,
                preview=preview,
            )
            publish(owned, result.files, stage)
    result.notes[:0] = owned.notes
    return result
