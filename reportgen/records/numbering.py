"""Pledge numbers (공약번호) as each city writes them, and the order they sort in.

Goyang numbers 1-4-5 (분야-전략-과제), 송파 III-①-1, 광주 서구 1-1, 대전 중구
7-1), 보령 Ⅰ-3. A city describes its numbering by one example in
``report.json`` (``"numbering": "III-①-1"``): the example is cut into parts
(a number, a Roman numeral, a circled number, a letter) and the separators
between them, and every pledge number must have the same parts and
separators. No regular expression from a record ever runs: the shape is
compared part by part, in time linear in the number's length.

Numbers sort by their parts' values (1-4-10 after 1-4-9, Ⅳ after Ⅲ, ② after
①), as the city's own table of contents does.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Literal

from ..errors import quote
from ..i18n import tr
from .periods import ascii_digits

PartKind = Literal["number", "roman", "circled", "letter", "separator"]

MAX_ID_CHARS = 24
# Characters no file system or shell handles well in a file name, and blanks.
FORBIDDEN = frozenset('/\\:*?"<>|') | frozenset(" \t\r\n")

_ROMAN_ASCII = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
# Ⅰ (U+2160) … Ⅻ (U+216B), ⅰ (U+2170) … ⅻ (U+217B): one character per numeral.
_ROMAN_SINGLE = {chr(0x2160 + i): i + 1 for i in range(12)} | {
    chr(0x2170 + i): i + 1 for i in range(12)
}


def _circled(ch: str) -> int | None:
    """① … ⑳ (U+2460…), ㉑ … ㊿: their value, else None."""
    code = ord(ch)
    if 0x2460 <= code <= 0x2473:
        return code - 0x2460 + 1
    if 0x3251 <= code <= 0x325F:
        return code - 0x3251 + 21
    if 0x32B1 <= code <= 0x32BF:
        return code - 0x32B1 + 36
    return None


def _roman_value(text: str) -> int:
    total, last = 0, 0
    for ch in reversed(text):
        value = _ROMAN_ASCII[ch]
        total = total - value if value < last else total + value
        last = max(last, value)
    return total


@dataclass(frozen=True)
class Part:
    kind: PartKind
    text: str
    value: int  # for sorting: the number's value, a letter's code point, 0 for a separator


@functools.lru_cache(maxsize=16384)  # sorting and checking ask for each number's parts often
def parts(number: str) -> tuple[Part, ...]:
    """``III-①-1`` -> roman III, '-', circled 1, '-', number 1."""
    out: list[Part] = []
    i = 0
    while i < len(number):
        ch = number[i]
        if ch.isascii() and ch.isdigit():
            j = i
            while j < len(number) and number[j].isascii() and number[j].isdigit():
                j += 1
            out.append(Part("number", number[i:j], int(number[i:j])))
            i = j
        elif ch in _ROMAN_ASCII:
            j = i
            while j < len(number) and number[j] in _ROMAN_ASCII:
                j += 1
            text = number[i:j]
            out.append(Part("roman", text, _roman_value(text)))
            i = j
        elif ch in _ROMAN_SINGLE:
            out.append(Part("roman", ch, _ROMAN_SINGLE[ch]))
            i += 1
        elif _circled(ch) is not None:
            out.append(Part("circled", ch, _circled(ch) or 0))
            i += 1
        elif ch.isalpha():
            out.append(Part("letter", ch, ord(ch)))
            i += 1
        else:
            out.append(Part("separator", ch, 0))
            i += 1
    return tuple(out)


def _shape(number: str) -> tuple[tuple[PartKind, str], ...]:
    # Numbers, numerals and letters are placeholders; separators must match exactly.
    return tuple((p.kind, p.text if p.kind == "separator" else "") for p in parts(number))


def _kind_words(kind: PartKind) -> str:
    return {
        "number": tr("숫자", "a number"),
        "roman": tr("로마 숫자", "a Roman numeral"),
        "circled": tr("원문자 숫자", "a circled number"),
        "letter": tr("글자", "a letter"),
    }[kind]


def describe(example: str) -> str:
    """``1-4-5`` -> ``a number, '-', a number, '-', a number``."""
    return ", ".join(
        repr(p.text) if p.kind == "separator" else _kind_words(p.kind) for p in parts(example)
    )


def problem(number: str, example: str | None = None) -> str | None:
    """What is wrong with ``number`` as a pledge number (None: nothing).

    Any number must be usable as a file name; with ``example`` (the city's
    numbering), it must also have the example's shape.
    """
    if not number or number != number.strip():
        return tr(
            "공약 번호는 비어 있지 않고 앞뒤에 빈칸이 없어야 합니다.",
            "a pledge number is not empty and has no blanks around it",
        )
    if len(number) > MAX_ID_CHARS:
        return tr(
            f"공약 번호는 많아야 {MAX_ID_CHARS}자입니다.",
            f"a pledge number has at most {MAX_ID_CHARS} characters",
        )
    bad = sorted({ch for ch in number if ch in FORBIDDEN or unicodedata.category(ch)[0] == "C"})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        return tr(
            f"공약 번호에는 {shown}을(를) 쓸 수 없습니다(번호가 공약 파일의 이름이 됩니다).",
            f"a pledge number cannot hold {shown} (it names the pledge's files)",
        )
    if number.startswith("."):
        return tr(
            "공약 번호는 '.'으로 시작할 수 없습니다.", "a pledge number cannot start with '.'"
        )
    if unicodedata.normalize("NFC", number) != number:
        return tr(
            "공약 번호를 완성형(NFC)으로 쓰십시오.",
            "write the pledge number in composed form (NFC)",
        )
    if example is not None and _shape(number) != _shape(example):
        fixed = ascii_digits(number)
        if fixed != number and _shape(fixed) == _shape(example):
            return tr(f"반각 숫자(ASCII)로 쓰십시오: {fixed!r}", f"write ASCII digits: {fixed!r}")
        return tr(
            f"이 시·군·구는 공약 번호를 {example!r}처럼({describe(example)}) 씁니다. "
            f"{quote(number)}은(는) 그 모양이 아닙니다.",
            f"this city numbers its pledges like {example!r} ({describe(example)}); "
            f"{quote(number)} does not fit",
        )
    return None


def sort_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """Order pledges as the city does: part by part, by value (1-4-10 after 1-4-9)."""
    out: list[tuple[int, int | str]] = []
    for p in parts(number):
        if p.kind == "separator":
            out.append((0, p.text))
        elif p.kind == "letter":
            out.append((2, p.value))
        else:
            out.append((1, p.value))
    return tuple(out)


def anchor(number: str) -> str:
    """A bookmark name for the pledge: Word allows ASCII letters, digits and '_', 40 at most."""
    if all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in number):
        return "pledge_" + number.replace("-", "_")
    return "pledge_" + hashlib.sha256(number.encode()).hexdigest()[:16]


def group_keys(number: str, keys: list[str]) -> list[str]:
    """The group keys (분야 ``1``, 전략 ``1-4``) that ``number`` falls under, outermost first.

    A key is a group of the number when the number starts with it and a
    separator follows (``1`` holds ``1-4-5`` but not ``12-1``).
    """
    found = []
    for key in keys:
        if number.startswith(key) and len(number) > len(key):
            nxt = number[len(key)]
            if not (nxt.isalnum() or _circled(nxt) is not None):
                found.append(key)
    return sorted(found, key=len)
