"""A hostile ``templates/report.hwpx`` is refused, not copied into every HWPX (issue 27).

Each template below once built with exit 0 and HWPX files python-hwpx's
validator rejects (an undefined entity in every section, a false mimetype).
Now the build refuses it in one line naming the template, before anything is
written; and whatever template is accepted, every HWPX written from it passes
the validator.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hwpx.tools.package_validator import validate_package

from reportgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SECTION = "Contents/section0.xml"


def _rebuilt(target: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    """templates/report.hwpx with its parts changed, mimetype first and stored as Hancom writes."""
    with zipfile.ZipFile(ROOT / "templates" / "report.hwpx") as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    change(parts)
    with zipfile.ZipFile(target, "w") as out:
        for name, data in parts.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            out.writestr(name, data, method)


def _after_declaration(blob: bytes, insert: bytes) -> bytes:
    head, sep, rest = blob.partition(b"?>")
    return head + sep + insert + rest


def _entity_in_section(parts: dict[str, bytes]) -> None:
    dtd = b'<!DOCTYPE x [<!ENTITY e "boom">]>'
    parts[SECTION] = _after_declaration(parts[SECTION], dtd).replace(b"<hp:t>", b"<hp:t>&e;", 1)


def _undefined_entity(parts: dict[str, bytes]) -> None:
    parts[SECTION] = parts[SECTION].replace(b"<hp:t>", b"<hp:t>&nowhere;", 1)


def _external_entity_in_header(parts: dict[str, bytes]) -> None:
    dtd = b'<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    parts["Contents/header.xml"] = _after_declaration(parts["Contents/header.xml"], dtd)


def _doctype_in_manifest(parts: dict[str, bytes]) -> None:
    parts["Contents/content.hpf"] = _after_declaration(
        parts["Contents/content.hpf"], b"<!DOCTYPE opf>"
    )


def _false_mimetype(parts: dict[str, bytes]) -> None:
    parts["mimetype"] = b"application/zip"


def _no_mimetype(parts: dict[str, bytes]) -> None:
    del parts["mimetype"]


HOSTILE = {
    "entity-in-section": (_entity_in_section, "DOCTYPE/ENTITY"),
    "undefined-entity": (_undefined_entity, "올바른 XML이 아닙니다"),
    "external-entity-in-header": (_external_entity_in_header, "DOCTYPE/ENTITY"),
    "doctype-in-manifest": (_doctype_in_manifest, "DOCTYPE/ENTITY"),
    "false-mimetype": (_false_mimetype, "application/zip"),
    "no-mimetype": (_no_mimetype, "mimetype"),
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "records", tmp_path / "records")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_hwpx_template_is_refused_naming_it(workspace: Path, kind: str) -> None:
    change, expected = HOSTILE[kind]
    _rebuilt(workspace / "templates" / "report.hwpx", change)
    result = CliRunner().invoke(main, ["build", "2022H1", "--hwpx", "-j", "1"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "report.hwpx" in line]
    assert len(lines) == 1, result.output
    assert "templates/report.hwpx" in lines[0] and expected in lines[0], lines[0]
    assert re.search(r"[가-힣]", lines[0])
    assert not (workspace / "output").exists()  # nothing written, not even the DOCX


def test_a_template_resaved_without_harm_builds_files_the_validator_accepts(
    workspace: Path,
) -> None:
    """The check refuses what breaks the files, not a template merely written again."""
    _rebuilt(workspace / "templates" / "report.hwpx", lambda parts: None)
    result = CliRunner().invoke(main, ["build", "2022H1", "--hwpx", "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    written = sorted((workspace / "output" / "2022H1").rglob("*.hwpx"))
    assert len(written) == 3  # two pledges and the booklet
    for path in written:
        report = validate_package(path.read_bytes())
        assert report.ok, (path.name, [str(e) for e in report.errors])
