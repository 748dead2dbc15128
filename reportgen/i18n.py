"""The interface's language: Korean by default, English when the locale asks.

reportgen's users are Korean officials, so every message, warning, error and
help text is written in Korean first. A user whose locale is English
(``LANG=en_US.UTF-8``, or ``LC_ALL``/``LC_MESSAGES``/``LANGUAGE`` starting with
``en``) reads the English sentence instead. Both sentences stand side by side
where the message is composed (``tr("…을 찾을 수 없습니다", "… not found")``), so
a reader of the code sees the whole message in both languages at once and no
catalogue can drift from the code that formats it.
"""

from __future__ import annotations

import errno
import os

from .josa import resolve

# The POSIX order of precedence for the language of messages.
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def english() -> bool:
    """True when the user's locale asks for English messages."""
    for name in _LOCALE_VARIABLES:
        value = os.environ.get(name, "")
        if value:
            # LANGUAGE may list several ("en:ko"); the first one decides.
            first = value.split(":", 1)[0].lower()
            return first.startswith("en")
    return False


def tr(ko: str, en: str) -> str:
    """The Korean sentence, or the English one under an English locale.

    The Korean sentence's particles are chosen by the words before them
    (:func:`reportgen.josa.resolve`): a message written "{path}을(를)" reads
    "…/report.json을" or "…/1-4-5을" as a person would write it.
    """
    return en if english() else resolve(ko)


# What the operating system says (OSError.strerror) is English whatever the
# locale; the refusals a user meets most, in Korean.
_OS_REASONS = {
    errno.EACCES: "권한이 없습니다",
    errno.EPERM: "권한이 없습니다",
    errno.ENOENT: "없습니다",
    errno.ENOSPC: "디스크에 빈 공간이 없습니다",
    errno.EDQUOT: "디스크 할당량을 넘었습니다",
    errno.EROFS: "읽기 전용 파일 시스템입니다",
    errno.EISDIR: "폴더입니다",
    errno.ENOTDIR: "폴더가 아닙니다",
    errno.EEXIST: "이미 있습니다",
    errno.ENAMETOOLONG: "이름이 너무 깁니다",
    errno.ELOOP: "링크가 너무 많이 이어집니다",
    errno.EBUSY: "사용 중입니다",
    errno.EMFILE: "열린 파일이 너무 많습니다",
    errno.EIO: "입출력 오류입니다",
    errno.ENOTEMPTY: "비어 있지 않습니다",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in the interface's language."""
    said = exc.strerror or str(exc)
    if english():
        return said
    return _OS_REASONS.get(exc.errno or 0, said)
