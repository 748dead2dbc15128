"""The views of unchanged pledges, carried from one build to the next.

A pledge's view in the report of a period (:func:`~reportgen.report.view.pledge_view`)
is a function of its record's bytes, ``report.json``, the period and the code.
In the review week a build follows every department's import, and all but a
few records are as they were: making their views again (and typing their
records, which only the view reads) was a third of such a rebuild (issue 26).

So each build keeps, in a :class:`~reportgen.records.validate.Memo` (the
per-user cache, :mod:`reportgen.formats.codecache`), every pledge's view
without its pages' parts, under the key of its record's bytes; the
entry's key covers ``report.json``, the period, the records directory and the
code. The next build takes a view back when the record's bytes are the same.
A view taken back has every field the report's totals, the 목차 and the
workbook's summary sheets read; what only its own pages print (progress
lines, money rows, contacts …, :func:`~reportgen.bulk.made_on_first_use`) is
made again from the record, typed then, if a writer reads it — which a
rebuild does not for the pages it takes back by key (tests/test_build_lazy.py).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..bulk import Deferred, lazy_fields, made_from
from ..records.load import SETTINGS_FILE, RecordFile, RecordSet
from ..records.model import ReportSettings
from ..records.periods import FiscalColumn, Period, Term
from .view import MoneyTable, PledgeView, pledge_view

if TYPE_CHECKING:
    from ..records.validate import Memo

_KIND = "pledge-views"

# What a view is kept without: its pages' parts (made again when read) and
# what they are made from (beside the fields, under private names).
_VIEW_PARTS = frozenset(lazy_fields(PledgeView))
_TABLE_PARTS = frozenset(lazy_fields(MoneyTable))
_VIEW_KEPT = frozenset(f.name for f in dataclasses.fields(PledgeView)) - _VIEW_PARTS
_TABLE_KEPT = frozenset(f.name for f in dataclasses.fields(MoneyTable)) - _TABLE_PARTS
_TABLES = ("plan_table", "secured_table")


def pledge_views(
    records: RecordSet,
    period: Period,
    memo: Memo | None = None,
    keys: Sequence[str] | None = None,
    carry: bool = True,
) -> tuple[PledgeView, ...]:
    """Every pledge's view in the report of ``period``, in the records' order.

    With a ``memo``, the view of a record whose bytes an earlier build of
    this period viewed is taken back (its pledge not even typed), and the
    views of this build are kept for the next. ``keys``: a digest of each
    record's bytes (with report.json's and the period, as the build has them
    for its pages), in the order of ``records.files``; else their SHA-256.
    ``carry=False`` makes every view anew (and keeps them for the next build):
    a build with no pages to take back lays every pledge out, and a view
    taken back would make its pages' parts again from the record in every
    process that lays them out (the DOCX workers, the workbook's).
    """
    settings = records.settings
    assert settings is not None  # check() refuses records without usable settings
    shared = (settings.term.to_term(), settings.money_columns())
    if memo is None:
        return tuple(pledge_view(f.pledge, period, settings, shared) for f in records.files)
    entry = memo.key(
        _KIND,
        records.sources.get(SETTINGS_FILE, b""),
        str(period),
        os.path.abspath(records.directory),
    )
    stored = memo.load(entry)
    before: dict[Any, Any] = stored if isinstance(stored, dict) else {}
    after: dict[str, Any] = {}
    views = []
    if keys is None:
        keys = [
            hashlib.sha256(records.sources.get(f.path.name, b"")).hexdigest() for f in records.files
        ]
    for f, key in zip(records.files, keys, strict=True):
        kept = before.get(key) if carry else None
        view = unpacked_view(kept, f, period, settings, shared) if isinstance(kept, bytes) else None
        if view is None:
            view = pledge_view(f.pledge, period, settings, shared)
            kept = packed_view(view)
        views.append(view)
        after[key] = kept  # bytes: either way
    if after != before:
        memo.store(entry, after)
    return tuple(views)


def packed_view(view: PledgeView) -> bytes:
    """The view's fields without its pages' parts, its money tables' heights beside theirs."""
    tables = [getattr(view, name) for name in _TABLES]
    states = []
    for table in tables:
        state = {k: v for k, v in table.__dict__.items() if k in _TABLE_KEPT}
        states.append((state, table.height))
    fields = {k: v for k, v in view.__dict__.items() if k in _VIEW_KEPT and k not in _TABLES}
    # Which of the two tables it prints, by position: they are the same objects.
    fields["money_tables"] = tuple(
        next(i for i, t in enumerate(tables) if t is printed) for printed in view.money_tables
    )
    return pickle.dumps((fields, states), pickle.HIGHEST_PROTOCOL)


class _CarriedFigures:
    """A carried money table's ``_figures``: its height known, the rest made again when read."""

    __slots__ = ("height", "_make")

    def __init__(self, height: int, make: Callable[[], Any]) -> None:
        self.height, self._make = height, make

    def __getattr__(self, name: str) -> Any:
        return getattr(self._make(), name)


def unpacked_view(
    data: bytes,
    file: RecordFile,
    period: Period,
    settings: ReportSettings,
    shared: tuple[Term, list[FiscalColumn]],
) -> PledgeView | None:
    """The view :func:`packed_view` kept, whose pages' parts are made from ``file`` if read; None if damaged."""
    try:
        fields, states = pickle.loads(data)
        if not (
            isinstance(fields, dict)
            and fields.keys() == _VIEW_KEPT - {*_TABLES}
            and isinstance(states, list)
            and len(states) == len(_TABLES)
            and all(
                isinstance(s, tuple)
                and len(s) == 2
                and isinstance(s[0], dict)
                and s[0].keys() == _TABLE_KEPT
                and isinstance(s[1], int)
                for s in states
            )
        ):
            return None
        printed = fields.pop("money_tables")
        tables = []
        # The whole view made again, once, if any part of its pages is read.
        remake = functools.cache(lambda: pledge_view(file.pledge, period, settings, shared))
        for name, (state, height) in zip(_TABLES, states, strict=True):
            table = object.__new__(MoneyTable)
            table.__dict__.update(state)
            table.__dict__["_figures"] = _CarriedFigures(
                height, functools.partial(_figures_of, remake, name)
            )
            tables.append(table)
        view = object.__new__(PledgeView)
        view.__dict__.update(fields)
        view.__dict__.update(zip(_TABLES, tables, strict=True))
        view.__dict__["money_tables"] = tuple(tables[i] for i in printed)
        view.__dict__["_asof"] = Deferred(lambda: made_from(remake(), "_asof"))
        view.__dict__["_settings"] = settings
        return view
    except Exception:  # a damaged entry is no entry: the view is made again
        return None


def _figures_of(remake: Callable[[], PledgeView], table: str) -> Any:
    return made_from(getattr(remake(), table), "_figures")
