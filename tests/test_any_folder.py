"""Builds from any folder (issue 24): the shipped templates come with the package.

``reportgen build --records ../city`` outside the repository must work: the
templates used are the city's own (``<records>/templates/``, or a
``templates/`` beside the records folder) or else the ones installed with
reportgen, also from a wheel; and nothing is left in the working directory
when ``--out`` points elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from reportgen import SHIPPED_TEMPLATES
from reportgen.build import ALL_TEMPLATES, templates_for

ROOT = Path(__file__).resolve().parent.parent
GUN = ROOT / "examples" / "gun"


def _reportgen(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-c", "from reportgen.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_shipped_templates_are_the_repository_s() -> None:
    for name in ALL_TEMPLATES:
        assert (SHIPPED_TEMPLATES / name).read_bytes() == (ROOT / "templates" / name).read_bytes()


def test_templates_are_the_city_s_own_else_the_shipped_ones(tmp_path: Path) -> None:
    records = tmp_path / "city" / "records"
    shutil.copytree(GUN, records)
    assert templates_for(None, records) == SHIPPED_TEMPLATES
    beside = tmp_path / "city" / "templates"
    beside.mkdir()
    (beside / "booklet.docx").write_bytes((SHIPPED_TEMPLATES / "booklet.docx").read_bytes())
    assert templates_for(None, records) == beside
    own = records / "templates"
    own.mkdir()
    (own / "pledge.docx").write_bytes((SHIPPED_TEMPLATES / "pledge.docx").read_bytes())
    assert templates_for(None, records) == own
    assert templates_for(tmp_path, records) == tmp_path  # --templates decides


def test_build_from_another_folder_leaves_it_untouched(tmp_path: Path) -> None:
    city = tmp_path / "city"
    shutil.copytree(GUN, city)
    here = tmp_path / "work"
    here.mkdir()
    result = _reportgen("build", "--records", "../city", "--out", "../out", cwd=here)
    assert result.returncode == 0, result.stdout + result.stderr
    assert any((tmp_path / "out").glob("*.docx"))
    assert list(here.iterdir()) == []  # nothing left in the working directory
    assert sorted(p.name for p in city.iterdir() if p.is_dir()) == ["schema"]


def test_a_wheel_carries_the_templates_and_builds_with_them(tmp_path: Path) -> None:
    """The wheel installs templates/ as reportgen/shipped_templates, and a build finds them."""
    # From a copy of the sources: setuptools leaves build/ in the tree it builds.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("reportgen", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("reportgen-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        z.extractall(site)
    for name in ALL_TEMPLATES:
        assert f"reportgen/shipped_templates/{name}" in names
    # The unpacked wheel alone (no repository beside it) builds 가람군 from another folder.
    env = {**os.environ, "PYTHONPATH": str(site)}
    here = tmp_path / "work"
    here.mkdir()
    probe = subprocess.run(
        [sys.executable, "-c", "import reportgen; print(reportgen.SHIPPED_TEMPLATES)"],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == str(site / "reportgen" / "shipped_templates")
    result = _reportgen("build", "--records", str(GUN), "--out", "../out", cwd=here, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(here.iterdir()) == []
