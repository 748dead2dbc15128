"""This user's private cache (reportgen.workspace.usercache): bounded, least recently used out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reportgen.workspace import usercache


@pytest.fixture
def cache(user_cache: Path) -> Path:
    return user_cache


def _entries(where: Path) -> list[Path]:
    return sorted(where.glob("*.bin")) if where.is_dir() else []


def test_only_the_most_recently_used_entries_are_kept(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(usercache, "MAX_ENTRIES", 3)
    for i in range(5):
        usercache.store(f"{i:064d}", ("value", i))
        os.utime(cache / f"{i:064d}.bin", (1000 + i, 1000 + i))
    kept = [p.stem for p in _entries(cache)]
    assert kept == [f"{i:064d}" for i in (2, 3, 4)]
    assert usercache.load(f"{4:064d}") == ("value", 4)


def test_replacing_an_entry_removes_none(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usercache, "MAX_ENTRIES", 2)
    evicted: list[object] = []
    evict = usercache._evict
    monkeypatch.setattr(usercache, "_evict", lambda where: evicted.append(where) or evict(where))
    usercache.store("a" * 64, 1)
    usercache.store("b" * 64, 2)
    assert len(evicted) == 2
    usercache.store("a" * 64, 3)  # the same entry again: nothing new to make room for
    assert len(evicted) == 2 and usercache.load("a" * 64) == 3
    usercache.store("c" * 64, 4)
    assert len(evicted) == 3
