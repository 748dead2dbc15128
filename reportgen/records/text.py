"""Text hygiene: text is data, and pasted text must never corrupt a document.

Staff paste from Hancom Office, Excel and e-mail. That brings control
characters (invalid in XML 1.0), decomposed Hangul (NFD, from macOS), stray
blanks, and bullet symbols the form prints by itself. :func:`clean_tree`
repairs a freshly parsed JSON tree and reports each repair as a warning with
its JSON path, before the records are typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ..errors import quote
from ..i18n import tr

# C0 and C1 controls and the other code points XML 1.0 forbids. Tab and
# newline are legal in XML but mean nothing inside one line of 개조식 text;
# they become a blank.
_FORBIDDEN_CHARS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\U0010fffe\U0010ffff\ud800-\udfff"
)
_FORBIDDEN = re.compile(f"[{_FORBIDDEN_CHARS}]")
_BLANKING_CHARS = "\t\n\r\u2028\u2029"
_BLANKING = re.compile(f"[{_BLANKING_CHARS}]+")

# Invisible format characters: bidirectional controls (LRE RLE PDF LRO RLO, the
# isolates LRI RLI FSI PDI, LRM RLM ALM) can show text in another order than it
# is stored, and zero-width ones (ZWSP ZWNJ ZWJ, word joiner, invisible
# operators, a byte-order mark inside text) hide differences between two
# spellings. Neither may reach a document or a file name. A ZWJ that joins two
# emoji (👩‍👩‍👧) is part of the picture and stays.
_INVISIBLE_CHARS = (
    "\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
)
_EMOJI = "\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]|\u200d(?:(?<![{_EMOJI}]\u200d)|(?![{_EMOJI}]))")

# What the form prints for each level, plus look-alikes typed by hand
# (FORM.md §9: ㅁ for □; ㅇ ❍ ◦ ∘ for ○; ― for -; ㆍ ˙ for ·).
BULLETS = "□■ㅁ○●◯❍◦∘ㅇ-―–—·ㆍ˙•※▶►"
_LEADING_BULLET = re.compile(f"^[{re.escape(BULLETS)}](?=\\s)|^[□■○●◯❍◦∘•※▶►]")

Warn = Callable[[str, str], None]


# Any of the above, in one pass (a ZWJ is looked at closely only when present).
_SUSPECT = re.compile(
    f"[{_FORBIDDEN_CHARS}{_BLANKING_CHARS}{_INVISIBLE_CHARS}\u200d]"
    f"|^\\s|\\s$|^[{re.escape(BULLETS)}]"
)


def _chars(spec: str) -> str:
    """The characters of a regex class body such as ``"\\x00-\\x08\\x0b"`` (literal ranges only)."""
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(map(chr, range(ord(spec[i]), ord(spec[i + 2]) + 1)))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


# Every character _SUSPECT looks for is a control (Cc), format (Cf), surrogate
# (Cs), noncharacter (Cn) or separator (Zl, Zp): none is printable in Python's
# sense, and the only printable blank (what ``\s`` matches) is the space U+0020.
# So a printable string needs cleaning only if it starts with a blank or a
# bullet, ends with a blank, or is not NFC: a check in C, with no regex. The
# claim is verified here, once; were it ever false the regex decides alone.
PRINTABLE_IS_ENOUGH = not any(
    c.isprintable()
    for c in _chars(_FORBIDDEN_CHARS + _BLANKING_CHARS + _INVISIBLE_CHARS + "\u200d")
)
# A string starting with one of these goes to clean_text (a bullet is removed
# only from item text; elsewhere it stays, and nothing is reported).
FIRST_SUSPECT = frozenset(" " + BULLETS)


def is_clean(value: str) -> bool:
    """True if ``value`` needs no cleaning; False if :func:`clean_text` may change it or warn."""
    if PRINTABLE_IS_ENOUGH and value.isprintable():
        if value[:1] in FIRST_SUSPECT or value[-1:] == " ":
            return False
    elif _SUSPECT.search(value):
        return False
    return unicodedata.is_normalized("NFC", value)


def clean_text(value: str, path: str, warn: Warn, *, item_text: bool = False) -> str:
    # Fast path: nearly every string is clean already.
    if is_clean(value):
        return value
    out = value
    if _FORBIDDEN.search(out):
        out = _FORBIDDEN.sub("", out)
        warn(
            path,
            tr(
                "제어 문자를 지웠습니다(다른 프로그램에서 붙여 넣었나요?).",
                "control characters removed (pasted from another program?)",
            ),
        )
    if _INVISIBLE.search(out):
        out = _INVISIBLE.sub("", out)
        warn(
            path,
            tr(
                "보이지 않는 문자(방향 제어 문자나 폭 없는 문자)를 지웠습니다. 웹 페이지에서 "
                "붙여 넣었나요? 이런 문자는 글의 순서를 바꾸거나 글을 숨길 수 있습니다.",
                "invisible characters removed (bidirectional controls or zero-width "
                "characters, pasted from a web page?): they can reorder or hide text",
            ),
        )
    if _BLANKING.search(out):
        out = _BLANKING.sub(" ", out)
        warn(
            path,
            tr(
                "줄바꿈이나 탭을 빈칸으로 바꾸었습니다. 항목 하나는 한 줄입니다.",
                "line breaks or tabs replaced by a blank: one item is one line",
            ),
        )
    nfc = unicodedata.normalize("NFC", out)
    if nfc != out:
        out = nfc
        warn(
            path,
            tr(
                "풀어 쓴 한글(NFD)을 완성형(NFC)으로 모았습니다.",
                "decomposed Hangul (NFD) recomposed to NFC",
            ),
        )
    stripped = out.strip()
    if stripped != out:
        out = stripped
        warn(path, tr("앞뒤 빈칸을 지웠습니다.", "leading or trailing blanks removed"))
    if item_text:
        m = _LEADING_BULLET.match(out)
        if m:
            warn(
                path,
                tr(
                    f"항목의 글이 기호 {quote(m.group(0))}(으)로 시작합니다. 기호는 서식이 "
                    "항목의 단계에 따라 찍으므로 지웠습니다(하위 항목으로 넣으십시오).",
                    f"item text starts with the symbol {quote(m.group(0))}, which the form "
                    "prints from the item's level; it was removed (nest the item instead)",
                ),
            )
            out = out[m.end() :].lstrip()
    return out


# Keys whose string values are 개조식 item text (symbols are printed, not typed).
_ITEM_TEXT_KEYS = {"text"}


def printable(key: str) -> str:
    """A key or file name as a message shows it: invisible and control characters escaped."""
    if key.isprintable():
        return key
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in key)


def clean_tree(node: Any, warn: Warn, error: Warn, path: str = "$") -> Any:
    """Return a copy of a parsed JSON tree with every string cleaned (keys included).

    Two keys that become equal once cleaned (" 2022H1" and "2022H1", NFD and
    NFC "도비") would silently drop one section: that is an ``error``.
    """
    # Paths are built only where something is repaired or nested: most strings
    # are clean, and this runs over every string of every record.
    if isinstance(node, dict):
        out = {}
        original: dict[str, str] = {}  # cleaned key -> key as written, where they differ
        for key, value in node.items():
            clean_key = key
            if isinstance(key, str) and not is_clean(key):
                clean_key = clean_text(key, f"{path}.{printable(key)}", warn)
            if clean_key in out:
                first = original.get(clean_key, clean_key)
                error(
                    f"{path}.{clean_key}",
                    tr(
                        f"키 {quote(first)}와(과) {quote(key)}은(는) 빈칸, 보이지 않는 문자, "
                        "한글 조합을 고르고 나면 같은 키입니다. 하나로 합치십시오.",
                        f"keys {quote(first)} and {quote(key)} are the same key once "
                        "blanks, invisible characters and Hangul composition are normalised; "
                        "merge them into one",
                    ),
                )
                continue
            if clean_key is not key:
                original[clean_key] = key
            if isinstance(value, str):
                out[clean_key] = (
                    value
                    if is_clean(value)
                    else clean_text(
                        value, f"{path}.{clean_key}", warn, item_text=key in _ITEM_TEXT_KEYS
                    )
                )
            elif isinstance(value, (dict, list)):
                out[clean_key] = clean_tree(value, warn, error, f"{path}.{clean_key}")
            else:
                out[clean_key] = value
        return out
    if isinstance(node, list):
        return [
            (v if is_clean(v) else clean_text(v, f"{path}[{i}]", warn))
            if isinstance(v, str)
            else clean_tree(v, warn, error, f"{path}[{i}]")
            if isinstance(v, (dict, list))
            else v
            for i, v in enumerate(node)
        ]
    return node


def blankless(text: str) -> str:
    """Compare spellings with blanks removed (이행 후 계속추진 == 이행후계속추진)."""
    return re.sub(r"\s+", "", text)
