"""Column widths fitted to what the cells hold: one rule for the DOCX and the HWPX.

A table's columns have a preferred share of the page (a 공약사업명 wider than
a 구분). Where a column's longest word would not fit its share, the cell would
break it inside: "(20,609" / ")" in a 계 of 33,120 (20,609), "정상추/진" in a
status heading, a 분야 name wrapped over five lines. Korean text wraps between
words (the DOCX asks Word not to break words, and the HWPX paragraph shapes
keep words whole), so a column needs at least the width of its longest
unbroken stretch of text; this module measures that and gives each column
at least it, taking the room from the columns that have more than they need.

Widths are estimated from the characters, at the tables' size (10 pt): a
Hangul syllable is one em, a digit a little over half of one. The estimate
errs wide; it never measures a font.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence

TABLE_PT = 10.0  # every table cell's size (tools/make_templates.py TABLE_SIZE)
CM_PER_PT = 2.54 / 72
CELL_PADDING_CM = 0.2  # the left and right cell margins (0.1 cm each in the money tables)
TWIPS_PER_CM = 1440 / 2.54  # the cell's left and right margins, and a little air


# A report has some hundreds of distinct characters, measured a million times.
@functools.lru_cache(maxsize=4096)
def em(ch: str) -> float:
    """The advance of one character in ems (estimated, on the wide side)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0  # Hangul, Hanja, full-width forms, ①
    if ch in " ,.:;'`|!il":
        return 0.32
    if ch in "()[]{}-":
        return 0.4
    if ch.isdigit():
        return 0.58
    return 0.62  # Latin letters, %, ~ and the rest


def text_cm(text: str, pt: float = TABLE_PT) -> float:
    """How wide ``text`` is on one line, in cm, at ``pt``."""
    return sum(map(em, text)) * pt * CM_PER_PT


def longest_word_cm(texts: Iterable[str], pt: float = TABLE_PT) -> float:
    """The width a column needs so that no word of ``texts`` breaks inside (padding included)."""
    words = (w for text in texts for line in text.splitlines() for w in line.split())
    return max((text_cm(w, pt) for w in words), default=0.0) + CELL_PADDING_CM


def lines_cm(texts: Iterable[str], lines: int, pt: float = TABLE_PT) -> float:
    """The width that holds the longest of ``texts`` in about ``lines`` lines (and each word)."""
    texts = list(texts)
    longest = max((text_cm(t, pt) for t in texts), default=0.0)
    return max(longest / lines + CELL_PADDING_CM, longest_word_cm(texts, pt))


def fit(preferred: Sequence[float], needed: Sequence[float], total: float) -> tuple[float, ...]:
    """Widths summing to ``total``: each column its share of ``preferred``, at least ``needed``.

    A column below what it needs gets it; the difference comes from the
    others in proportion to what they have beyond their own need. When even
    the needs do not fit ``total`` the needs are scaled down together (the
    page is what it is): words then break, but evenly.
    """
    if not preferred:
        return ()
    if sum(needed) >= total:
        squeeze = total / sum(needed)
        return tuple(n * squeeze for n in needed)
    fixed: set[int] = set()  # columns held at their need
    while True:
        room = total - sum(needed[i] for i in fixed)
        free = [i for i in range(len(preferred)) if i not in fixed]
        have = sum(preferred[i] for i in free)
        widths = {i: room * preferred[i] / have for i in free}
        short = {i for i, w in widths.items() if w < needed[i]}
        if not short:
            return tuple(needed[i] if i in fixed else widths[i] for i in range(len(preferred)))
        fixed |= short


def as_weights(widths: Sequence[float]) -> tuple[int, ...]:
    """Widths as whole weights in twips (1/1440 inch) for a template's ``{% colwidth %}``.

    Twips are what a DOCX grid holds, so a column keeps its width to the twip.
    """
    return tuple(max(1, round(w * TWIPS_PER_CM)) for w in widths)
