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

# C0 and C1 controls and the other code points XML 1.0 forbids. Tab and
# newline are legal in XML but mean nothing inside one line of 개조식 text;
# they become a blank.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\U0010fffe\U0010ffff\ud800-\udfff]"
)
_BLANKING = re.compile("[\t\n\r\u2028\u2029]+")

# What the form prints for each level, plus look-alikes typed by hand
# (FORM.md §9: ㅁ for □; ㅇ ❍ ◦ ∘ for ○; ― for -; ㆍ ˙ for ·).
BULLETS = "□■ㅁ○●◯❍◦∘ㅇ-―–—·ㆍ˙•※▶►"
_LEADING_BULLET = re.compile(f"^[{re.escape(BULLETS)}](?=\\s)|^[□■○●◯❍◦∘•※▶►]")

Warn = Callable[[str, str], None]


_SUSPECT = re.compile(f"{_FORBIDDEN.pattern}|{_BLANKING.pattern}|^\\s|\\s$|^[{re.escape(BULLETS)}]")


def clean_text(value: str, path: str, warn: Warn, *, item_text: bool = False) -> str:
    # Fast path: nearly every string is clean already.
    if unicodedata.is_normalized("NFC", value) and not _SUSPECT.search(value):
        return value
    out = value
    if _FORBIDDEN.search(out):
        out = _FORBIDDEN.sub("", out)
        warn(path, "control characters removed (pasted from another program?)")
    if _BLANKING.search(out):
        out = _BLANKING.sub(" ", out)
        warn(path, "line breaks or tabs replaced by a blank: one item is one line")
    nfc = unicodedata.normalize("NFC", out)
    if nfc != out:
        out = nfc
        warn(path, "decomposed Hangul (NFD) recomposed to NFC")
    stripped = out.strip()
    if stripped != out:
        out = stripped
        warn(path, "leading or trailing blanks removed")
    if item_text:
        m = _LEADING_BULLET.match(out)
        if m:
            warn(
                path,
                f"item text starts with the symbol {m.group(0)!r}, which the form prints "
                "from the item's level; it was removed (nest the item instead)",
            )
            out = out[m.end() :].lstrip()
    return out


# Keys whose string values are 개조식 item text (symbols are printed, not typed).
_ITEM_TEXT_KEYS = {"text"}


def clean_tree(node: Any, warn: Warn, error: Warn, path: str = "$") -> Any:
    """Return a copy of a parsed JSON tree with every string cleaned (keys included).

    Two keys that become equal once cleaned (" 2022H1" and "2022H1", NFD and
    NFC "도비") would silently drop one section: that is an ``error``.
    """
    if isinstance(node, dict):
        out = {}
        original: dict[str, str] = {}
        for key, value in node.items():
            clean_key = clean_text(key, f"{path}.{key}", warn) if isinstance(key, str) else key
            child = f"{path}.{clean_key}"
            if clean_key in out:
                error(
                    child,
                    f"keys {original[clean_key]!r} and {key!r} are the same key once blanks and "
                    "Hangul composition are normalised; merge them into one",
                )
                continue
            original[clean_key] = key
            if isinstance(value, str):
                out[clean_key] = clean_text(value, child, warn, item_text=key in _ITEM_TEXT_KEYS)
            else:
                out[clean_key] = clean_tree(value, warn, error, child)
        return out
    if isinstance(node, list):
        return [
            clean_text(v, f"{path}[{i}]", warn)
            if isinstance(v, str)
            else clean_tree(v, warn, error, f"{path}[{i}]")
            for i, v in enumerate(node)
        ]
    return node


def blankless(text: str) -> str:
    """Compare spellings with blanks removed (이행 후 계속추진 == 이행후계속추진)."""
    return re.sub(r"\s+", "", text)
