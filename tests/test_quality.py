"""The code stays linted and type-checked: ruff and mypy run as part of the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


@pytest.mark.skipif(_tool("ruff") is None, reason="ruff not installed (pip install -e '.[test]')")
def test_ruff_is_clean():
    result = subprocess.run(
        [_tool("ruff"), "check", "reportgen", "tests", "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(_tool("mypy") is None, reason="mypy not installed (pip install -e '.[test]')")
def test_mypy_is_clean():
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ooxml_child_order_is_declared_once() -> None:
    """Word refuses out-of-order children: one table (ooxml.CHILD_ORDER) serves every writer."""
    import re

    from reportgen.formats.ooxml import CHILD_ORDER

    assert {"rPr", "pPr", "tcPr", "tblPr", "settings"} <= set(CHILD_ORDER)
    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("reportgen/*.py"), *root.glob("tools/*.py")]:
        if path.name == "ooxml.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'"(rStyle|pStyle|cnfStyle|tblStyle)",\s*\n?\s*"', text), path
