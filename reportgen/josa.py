"""Korean particles (조사) chosen as a person writes them, after a word or a figure read aloud.

A particle pair depends on how the word before it *sounds*: 은/이/을/과/으로
after a final consonant (받침), 는/가/를/와/로 after a vowel, and 로 also after
ㄹ. Text composed from records cannot write "은(는)" and leave the reader to
choose: "908(595)을 1,220(907)으로 바로잡음" is what an official would type.

Figures are read as Sino-Korean numbers: "908" is 구백팔 (ends in 팔, ㄹ),
"1,220" is 천이백이십 (십, ㅂ), "10,000" is 만 (ㄴ), "12.5" ends in 오.
What a reader does not say is skipped: a bracket after the word ("908(595)"
is read 구백팔, the bracket aside), closing punctuation, blanks. Inside
closing quotes (「…」, “…”) the quoted words are what is read. Latin
letters are read by their names (A 에이, L 엘, M 엠 …) and ``%`` as 퍼센트.
A word whose sound cannot be told (nothing readable) gets both forms,
"은(는)", as before: better a visible choice than a wrong particle.
"""

from __future__ import annotations

import re
from typing import Final

# Each pair: (after a final consonant, after a vowel). 으로/로 is apart: ㄹ takes 로.
_PAIRS: Final[dict[str, tuple[str, str]]] = {
    "은": ("은", "는"),
    "는": ("은", "는"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
    "이다": ("이다", "다"),
    "이나": ("이나", "나"),
}
# The spellings that leave the choice to the reader, accepted as the pair's name.
_PAIR_NAMES: Final[dict[str, str]] = {
    "은(는)": "은",
    "는(은)": "은",
    "이(가)": "이",
    "가(이)": "이",
    "을(를)": "을",
    "를(을)": "을",
    "과(와)": "과",
    "와(과)": "과",
    "(으)로": "으로",
    "으로(로)": "으로",
    "은/는": "은",
    "이/가": "이",
    "을/를": "을",
    "과/와": "과",
    "으로/로": "으로",
}

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # index of ㄹ among the final consonants

# How each digit is said (Sino-Korean): 영 일 이 삼 사 오 육 칠 팔 구.
_DIGITS: Final = "영일이삼사오육칠팔구"
# Place words, smallest first: a figure ends in the last place word with a
# non-zero digit before it when every digit after it is 0 ("1,220" -> 십).
_PLACES: Final = (("십", 1), ("백", 2), ("천", 3))
_MYRIADS: Final = (("만", 4), ("억", 8), ("조", 12), ("경", 16))

# Latin letters as Koreans read them (the last syllable is what matters).
_LETTERS: Final[dict[str, str]] = {
    "a": "이",
    "b": "비",
    "c": "씨",
    "d": "디",
    "e": "이",
    "f": "프",
    "g": "지",
    "h": "치",
    "i": "이",
    "j": "이",
    "k": "이",
    "l": "엘",
    "m": "엠",
    "n": "엔",
    "o": "오",
    "p": "피",
    "q": "큐",
    "r": "알",
    "s": "스",
    "t": "티",
    "u": "유",
    "v": "이",
    "w": "유",
    "x": "스",
    "y": "이",
    "z": "트",
}
_SYMBOLS: Final[dict[str, str]] = {"%": "트", "℃": "씨", "㎡": "터", "㎞": "터", "㎏": "램"}

_CLOSING_BRACKETS: Final = {")": "(", "]": "[", "）": "（", "〕": "〔", "］": "［"}
# Closing quotes: the quoted words are read, so look inside them.
_CLOSING_QUOTES: Final = "」』”’\"'》〉"
_SILENT: Final = " \t\u00a0.,;:!?…·ㆍ~-"


def _number_syllable(digits: str) -> str:
    """The last syllable said when reading a run of digits (commas removed) as a number."""
    if not digits:
        return ""
    if set(digits) == {"0"}:
        return "영"
    last = int(digits[-1])
    if last:
        return _DIGITS[last]
    # Ends in zeros: the place word of the lowest non-zero digit is said last,
    # and past 9,999 the myriad it belongs to (20,000,000 = 이천만: 만).
    zeros = len(digits.lstrip("0")) - len(digits.rstrip("0").lstrip("0"))
    if zeros >= 4:
        return _MYRIADS[min(zeros // 4, len(_MYRIADS)) - 1][0]
    return _PLACES[zeros - 1][0]


def spoken_tail(word: str) -> str:
    """The last syllable (or Hangul letter) a reader says for ``word``; "" if none can be told."""
    text = word
    depth: list[str] = []
    i = len(text)
    while i > 0:
        ch = text[i - 1]
        if depth:
            if ch == depth[-1]:
                depth.pop()
            elif ch in _CLOSING_BRACKETS:
                depth.append(_CLOSING_BRACKETS[ch])
            i -= 1
            continue
        if ch in _CLOSING_BRACKETS:
            depth.append(_CLOSING_BRACKETS[ch])
            i -= 1
            continue
        if ch in _SILENT or ch in _CLOSING_QUOTES:
            i -= 1
            continue
        break
    text = text[:i]
    if not text:
        # Only a bracket ("(가)"): its content is what is read.
        inner = word.strip("".join(_CLOSING_BRACKETS) + "".join(_CLOSING_BRACKETS.values()))
        return spoken_tail(inner) if inner and inner != word else ""
    ch = text[-1]
    if _HANGUL_FIRST <= ord(ch) <= _HANGUL_LAST:
        return ch
    if ch.isascii() and ch.isdigit():
        j = len(text)
        while j > 0 and (text[j - 1].isdigit() and text[j - 1].isascii() or text[j - 1] == ","):
            j -= 1
        run = text[j:].replace(",", "")
        # A decimal "12.50" is read digit by digit after the point: 오, 영.
        if j > 0 and text[j - 1] == "." and j > 1 and text[j - 2].isdigit():
            return _DIGITS[int(run[-1])]
        return _number_syllable(run)
    if ch.isascii() and ch.isalpha():
        return _LETTERS[ch.lower()]
    return _SYMBOLS.get(ch, "")


def _final(syllable: str) -> int | None:
    """The final consonant's index (0 = none, 8 = ㄹ) of a Hangul syllable, None otherwise."""
    if not syllable:
        return None
    code = ord(syllable) - _HANGUL_FIRST
    if 0 <= code <= _HANGUL_LAST - _HANGUL_FIRST:
        return code % 28
    return None


def particle(word: str, pair: str) -> str:
    """The particle of ``pair`` (은, 을, 이, 과, 으로 or "을(를)" …) that follows ``word``.

    >>> particle("908(595)", "을"), particle("1,220(907)", "(으)로"), particle("고양시", "은")
    ('을', '으로', '는')
    """
    named = _PAIR_NAMES.get(pair, pair)
    if named not in _PAIRS:
        raise ValueError(f"{pair!r} is not a particle this module chooses")
    consonant, vowel = _PAIRS[named]
    name = consonant
    final = _final(spoken_tail(word))
    if final is None:
        return f"{consonant}({vowel})" if name != "으로" else "(으)로"
    if name == "으로":
        return vowel if final in (0, _RIEUL) else consonant
    return consonant if final else vowel


def attach(word: str, pair: str) -> str:
    """``word`` followed by its particle: ``attach("908(595)", "을")`` -> ``908(595)을``."""
    return f"{word}{particle(word, pair)}"


# Both forms written for the reader to choose ("은(는)", "(으)로" …).
_BOTH = re.compile(
    "|".join(re.escape(form) for form in sorted(_PAIR_NAMES, key=len, reverse=True) if "(" in form)
)


def resolve(text: str) -> str:
    """``text`` with every "은(는)", "이(가)", "(으)로" … chosen by the word before it.

    ``"908(595)을(를) 1,220(907)(으)로 바로잡음"`` -> ``"908(595)을 1,220(907)으로 바로잡음"``.
    Every Korean message passes through it (:func:`reportgen.i18n.tr`), so a
    message may write both forms after a value it only knows when it runs.
    A form after nothing readable stays as written.
    """
    if "(" not in text:
        return text
    out: list[str] = []
    done = 0
    for m in _BOTH.finditer(text):
        out.append(text[done : m.start()])
        before = "".join(out)
        out.append(particle(before, m.group(0)))
        done = m.end()
    out.append(text[done:])
    return "".join(out)
