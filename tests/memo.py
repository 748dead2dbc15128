"""A memo in memory (reportgen.records.validate.Memo), as the per-user cache keeps one on disk."""

from __future__ import annotations

from typing import Any

from reportgen.formats import codecache


class MemoryMemo:
    """Keeps entries in a dict under codecache's keys; counts what is stored."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}
        self.stored = 0

    def key(self, kind: str, data: bytes, *options: str) -> str:
        return codecache.key(kind, data, *options)

    def load(self, entry: str) -> Any | None:
        return self.entries.get(entry)

    def store(self, entry: str, value: Any) -> None:
        self.stored += 1
        self.entries[entry] = value
