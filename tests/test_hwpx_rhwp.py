"""rhwp, a reader never fitted to our files, finds every line of each pledge's DOCX in its HWPX.

rhwp (PyPI ``rhwp-python``) parses HWPX on its own (Rust). Its wheel bundles an
old FreeType that fails to load on these machines (``undefined symbol:
FT_Palette_Data_Get``), so it runs in a child Python with the system's
``libfreetype`` and ``libfontconfig`` preloaded (PITFALLS.md). Text only: its
layout of our files is not trusted (it has no stored line layout to go by).

Every non-empty paragraph of a pledge's DOCX (body and table cells, tabs read
as a space) must be a paragraph of its HWPX, in the same order: the header
block with its 담 당 label, the 분야 › 전략 line, each □ ○ - · line, every
table cell and figure, the notes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn

from reportgen.cli import main
from reportgen.records.load import load_records

from .conftest import RECORDS, REPO

LIBRARIES = ("libfreetype.so.6", "libfontconfig.so.1")
READ = """
import json, sys, rhwp
out = {}
for path in sys.argv[1:]:
    blocks = rhwp.parse(path).to_ir().iter_blocks(scope="body", recurse=True)
    out[path] = [b.text for b in blocks if type(b).__name__ == "ParagraphBlock"]
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def _system_library(name: str) -> str:
    for folder in (
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
    ):
        path = Path(folder) / name
        if path.exists():
            return str(path)
    raise AssertionError(f"{name} not found: install libfreetype6 and libfontconfig1")


def rhwp_paragraphs(paths: list[Path]) -> dict[str, list[str]]:
    """Each HWPX's paragraphs (table cells included, in order) as rhwp reads them."""
    env = dict(os.environ, LD_PRELOAD=":".join(_system_library(n) for n in LIBRARIES))
    done = subprocess.run(
        [sys.executable, "-c", READ, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def docx_lines(path: Path) -> list[str]:
    """Every non-empty paragraph of the DOCX body, table cells included, in order."""
    out = []
    for p in docx.Document(str(path)).element.body.iter(qn("w:p")):
        text = "".join(
            (x.text or "") if x.tag == qn("w:t") else " "
            for x in p.iter(qn("w:t"), qn("w:tab"), qn("w:br"))
        )
        if text.strip():
            out.append(text)
    return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize(
    "records", [RECORDS, REPO / "examples" / "gun", REPO / "examples" / "gu"], ids=lambda p: p.name
)
def test_rhwp_reads_every_line_of_each_pledges_docx_from_its_hwpx(records: Path, tmp_path: Path):
    loaded = load_records(records)
    period = max(p for pledge in loaded.pledges for p in pledge.reports if not p.is_year)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(period), "--records", str(records), "--out", str(out), "--hwpx", "-q"]
    )
    assert result.exit_code == 0, result.output
    documents = sorted((out / "공약별").glob("*.docx"))
    assert len(documents) == len(loaded.pledges)
    read = rhwp_paragraphs([d.with_suffix(".hwpx") for d in documents])
    for document in documents:
        hwpx = [_norm(t) for t in read[str(document.with_suffix(".hwpx"))]]
        lines = [_norm(t) for t in docx_lines(document)]
        assert len(lines) > 20, document.name
        # In order: each DOCX line is found after the one before it.
        at = 0
        for line in lines:
            assert line in hwpx[at:], (document.name, line, hwpx[at : at + 5])
            at = hwpx.index(line, at) + 1
