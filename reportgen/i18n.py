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
