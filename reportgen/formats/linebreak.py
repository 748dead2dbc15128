"""Korean line breaking in the PDF: what Word is told, LibreOffice is made to do.

The DOCX asks for Korean line breaking the way Word reads it: ``w:kinsoku``
on every paragraph and, in ``word/settings.xml``, the characters that may
not end a line (``w:noLineBreaksAfter``: 「 ( “ …) and may not start one
(``w:noLineBreaksBefore``: 」 ) . , …). LibreOffice 7.4 imports neither
list, and its Korean line breaker, finding that a word does not fit, steps
back over the Hangul letters before the cut and breaks after the first
character that is not a letter: after a digit ("킨텍스 70 / 개사",
"(11월20일,22 / 일)") or an opening bracket ("… 「 / 고양시 …"); a cut that
falls on a digit breaks inside the number ("1,9 / 04").

What was found to work, probing LibreOffice 7.4 with documents whose lines
end at every character of such words (``tests/test_pdf.py`` keeps the probe):

- tell LibreOffice, through UNO, the document's own forbidden characters
  for Korean, with U+2060 WORD JOINER added to both lists
  (:mod:`reportgen.formats.unoworker`);
- in the copy LibreOffice converts, put a WORD JOINER between the
  characters of every stretch that must stay on one line (:func:`glue`):
  LibreOffice then walks any break inside the stretch back to before it.

The stretches are a number with the Hangul that follows it ("70개사",
"1,904백만원", "5.16.", "22일", "8075-3700") and an opening bracket or quote
with the rest of its word ("「고양시통합일자리센터」", "(22일)"). A stretch
longer than the line is still cut where the line ends, as before. Every
position inside a stretch needs its joiner: a break LibreOffice's Korean
rule finds (after the digits) is not checked against the lists again.

The DOCX reportgen publishes is never touched: Word and Hancom Office
follow the lists themselves. The joiner draws nothing and LibreOffice does
not put it in the PDF's text, so the PDF reads and searches as the DOCX does.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from lxml import etree

from .ooxml import W, read_package, repack

WORD_JOINER = "\u2060"
DOCUMENT = "word/document.xml"
SETTINGS = "word/settings.xml"

_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True, load_dtd=False)
# A number (digits, with the commas and points inside and after it, and
# hyphens between digits: 8075-3700, 1-4-5) and the Hangul syllables that
# follow it.
_NUMBER_AND_COUNTER = r"[0-9](?:[0-9,.]|-[0-9])*[\uac00-\ud7a3]*"
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Kinsoku:
    """금칙 문자: the characters a line may not end or start with, for one language."""

    language: str  # "ko-KR"
    not_at_end: str  # w:noLineBreaksAfter: opening brackets and quotes
    not_at_start: str  # w:noLineBreaksBefore: closing brackets, punctuation

    def as_command(self) -> dict[str, str]:
        """What the UNO worker sets as LibreOffice's forbidden characters."""
        return {
            "language": self.language,
            "end": self.not_at_end + WORD_JOINER,
            "start": self.not_at_start + WORD_JOINER,
        }


def kinsoku(settings_xml: bytes | None) -> Kinsoku | None:
    """The Korean lists of ``word/settings.xml``; None if it names none."""
    if not settings_xml:
        return None
    root = etree.fromstring(settings_xml, _PARSER)
    found: dict[str, str] = {}
    for tag in ("noLineBreaksAfter", "noLineBreaksBefore"):
        for el in root.findall(W + tag):
            if (el.get(W + "lang") or "").lower().startswith("ko"):
                found[tag] = el.get(W + "val") or ""
    if not found:
        return None
    return Kinsoku("ko-KR", found.get("noLineBreaksAfter", ""), found.get("noLineBreaksBefore", ""))


def _stretches(openers: str) -> re.Pattern[str]:
    if not openers:
        return re.compile(_NUMBER_AND_COUNTER)
    return re.compile(f"{_NUMBER_AND_COUNTER}|[{re.escape(openers)}]\\S*")


class _Glue:
    """Where the joiners go under one document's forbidden characters."""

    def __init__(self, rules: Kinsoku) -> None:
        self.rules = rules
        self.stretches = _stretches(rules.not_at_end)
        # what may need glue at all: a paragraph without either is passed by
        self.candidate = re.compile(f"[0-9{re.escape(rules.not_at_end)}]")

    def joints(self, text: str) -> list[int]:
        """Offsets in ``text`` a joiner goes after.

        Inside each stretch, after every character but the last, except where
        the forbidden characters already hold the two together (after 「 or
        (, before ) , or .): fewer joiners for LibreOffice to lay out.
        """
        out = []
        for m in self.stretches.finditer(text):
            for k in range(m.start(), m.end() - 1):
                if (
                    text[k] not in self.rules.not_at_end
                    and text[k + 1] not in self.rules.not_at_start
                ):
                    out.append(k)
        return out


def glue(text: str, rules: Kinsoku) -> str:
    """``text`` with WORD JOINERs that keep each stretch on one line (see the module)."""
    text = text.replace(WORD_JOINER, "")
    joints = set(_Glue(rules).joints(text))
    return "".join(c + WORD_JOINER if k in joints else c for k, c in enumerate(text))


_TEXT_AND_BREAKS = (W + "t", W + "tab", W + "br", W + "cr", W + "fldChar")


def _hidden(t: etree._Element) -> bool:
    run = t.getparent()
    props = run.find(W + "rPr") if run is not None else None
    vanish = props.find(W + "vanish") if props is not None else None
    return vanish is not None and vanish.get(W + "val") not in ("0", "false", "off")


def _glue_paragraph(p: etree._Element, glue: _Glue) -> None:
    # A paragraph's text runs across runs (a bold number, a plain counter), so
    # the stretches are found in the whole and the joiners put back run by
    # run. A tab or line break ends a stretch as a space does. Paragraphs
    # nested in this one (a text box) are glued on their own. A field's
    # shown value (a page number in the contents) and hidden text (the page
    # numbers the contents refer to) are left as they are: LibreOffice
    # computes them or copies them elsewhere, and a joiner would go along.
    texts: list[etree._Element] = []
    starts: list[int] = []  # where each of texts begins in the paragraph's text
    pieces: list[str] = []
    length = 0
    in_field = 0
    for el in p.iter(*_TEXT_AND_BREAKS):
        run = el.getparent()
        direct = run is not None and run.getparent() is p  # the usual w:p/w:r/w:t
        if not direct and next(el.iterancestors(W + "p")) is not p:
            continue
        if el.tag == W + "fldChar":
            kind = el.get(W + "fldCharType")
            if kind == "begin":
                in_field += 1
            elif kind == "end" and in_field:
                in_field -= 1
            continue
        if (
            el.tag != W + "t"
            or in_field
            or _hidden(el)
            or (not direct and next(el.iterancestors(W + "fldSimple"), None) is not None)
        ):
            pieces.append(" ")  # ends a stretch, gets no joiner
            length += 1
            continue
        value = el.text or ""
        texts.append(el)
        starts.append(length)
        pieces.append(value)
        length += len(value)
    joined = "".join(pieces)
    if not _LETTER.search(joined):
        return  # figures only ("1,904", "279 (278)", "(1-4-5)"): a cell they fit, or no help
    after: dict[int, list[int]] = {}  # index into texts -> offsets a joiner goes after
    for pos in glue.joints(joined):
        i = bisect.bisect_right(starts, pos) - 1
        after.setdefault(i, []).append(pos - starts[i])
    for i, offsets in after.items():
        value = texts[i].text or ""
        cuts = [0, *(k + 1 for k in offsets), len(value)]
        texts[i].text = WORD_JOINER.join(value[a:b] for a, b in zip(cuts, cuts[1:], strict=False))


def glued_docx(docx: bytes) -> tuple[bytes, Kinsoku | None]:
    """The copy of ``docx`` LibreOffice converts, and the forbidden characters to tell it.

    A document without Korean lists in its settings is returned as it is.
    """
    parts = read_package(docx, own=True)  # a document this build made
    rules = kinsoku(parts.get(SETTINGS))
    if rules is None or DOCUMENT not in parts:
        return docx, rules
    glue = _Glue(rules)
    root = etree.fromstring(parts[DOCUMENT], _PARSER)
    # Only paragraphs with a digit or an opening bracket can need glue: found
    # from their text, not by walking every paragraph of a booklet.
    digits: set[etree._Element] = set()
    letters: set[etree._Element] = set()
    for t in root.iter(W + "t"):
        text = t.text
        if not text:
            continue
        run = t.getparent()
        p = run.getparent() if run is not None else None
        if p is None or p.tag != W + "p":  # in a hyperlink, a content control …
            p = next(t.iterancestors(W + "p"), None)
        if glue.candidate.search(text):
            digits.add(p)
        if _LETTER.search(text):
            letters.add(p)
    for p in root.iter(W + "p"):  # document order, for the same bytes every time
        if p in digits and p in letters:
            _glue_paragraph(p, glue)
    parts[DOCUMENT] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    # stored, not deflated: LibreOffice reads it once, straight away
    return repack(parts), rules
