"""The cache of compiled templates (reportgen.formats.codecache): the same documents, and
code only ever loaded from a file this user alone could have written."""

from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path

import pytest

from reportgen.errors import TemplateError
from reportgen.formats import codecache
from reportgen.formats.docx import DocumentProperties, compile_template
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import report_view

from .conftest import RECORDS, REPO

TEMPLATES = REPO / "templates"


@pytest.fixture
def cache(user_cache: Path) -> Path:
    return user_cache


def _entries(where: Path) -> list[Path]:
    """The entries of compiled templates (keys of :func:`codecache.key`), not the code's fingerprint's."""
    found = sorted(where.glob("*.bin")) if where.is_dir() else []
    return [p for p in found if len(p.stem) == 64]


def test_a_template_compiled_from_the_cache_renders_the_same_documents(cache: Path) -> None:
    records = load_records(RECORDS)
    assert records.settings is not None
    period = Period.parse("2022H1")
    report = report_view(records.pledges, period, records.settings)
    fresh = compile_template(TEMPLATES / "pledge.docx", bookmark=True)
    assert len(_entries(cache)) == 1
    cached = compile_template(TEMPLATES / "pledge.docx", bookmark=True)
    assert cached.content is not fresh.content  # made from the stored code, not this process's
    for number, view in enumerate(report.pledges, start=1):
        context = {"p": view, "report": report, "p_number": number}
        content = fresh.render_content(context)
        assert cached.render_content(context) == content
        assert cached.package_with(content, context) == fresh.package_with(content, context)
    assert (cached.head, cached.tail, cached.source, cached.styles_used, cached.text_width) == (
        fresh.head,
        fresh.tail,
        fresh.source,
        fresh.styles_used,
        fresh.text_width,
    )
    # Without the bookmark it is another compile, kept apart.
    compile_template(TEMPLATES / "pledge.docx")
    assert len(_entries(cache)) == 2


def test_the_parts_kept_with_a_compiled_template_make_the_same_package(cache: Path) -> None:
    """A template from the cache brings its parts, the static ones deflated already:
    the documents are those its parts zipped afresh make, previews included."""
    from reportgen.formats import ooxml

    records = load_records(RECORDS)
    assert records.settings is not None
    report = report_view(records.pledges, Period.parse("2022H1"), records.settings)
    fresh = compile_template(TEMPLATES / "pledge.docx", bookmark=True)
    cached = compile_template(TEMPLATES / "pledge.docx", bookmark=True)
    assert cached.packed_static is not None and cached.packed_static is not fresh.packed_static
    assert cached.package == fresh.package
    assert set(cached.deflated_static()) == cached.static_parts
    for name, part in cached.deflated_static().items():
        assert zlib.decompress(part.packed, -15) == cached.package[name]
    view = report.pledges[0]
    context = {"p": view, "report": report, "p_number": 1}
    content = cached.render_content_bytes(context)
    properties = DocumentProperties("제목 1-1-1", "고양시")
    for mark in ("", "초안"):
        document = cached.package_with(content, context, mark, properties)
        assert document == fresh.package_with(content, context, mark, properties)
        parts = ooxml.read_package(document)
        assert "제목 1-1-1".encode() in parts["docProps/core.xml"]  # set, not the template's
        assert ooxml.write_package(parts.items()) == document  # as if every part were deflated now

    # A kept part that is not what it should be: compiled again.
    (entry,) = _entries(cache)
    value = list(codecache.load(entry.stem))
    value[1] = {**value[1], "word/styles.xml": (0, 0, "not bytes")}
    codecache.store(entry.stem, tuple(value))
    again_compiled = compile_template(TEMPLATES / "pledge.docx", bookmark=True)
    assert again_compiled.deflated_static() == fresh.deflated_static()


def test_the_cache_is_private_to_this_user(cache: Path) -> None:
    compile_template(TEMPLATES / "booklet.docx")
    (entry,) = _entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o777 == 0o700
    assert cache.parent.stat().st_mode & 0o777 == 0o700
    name = entry.stem
    assert codecache.load(name) is not None

    entry.chmod(0o620)  # a file the group could have written is not code to run
    assert codecache.load(name) is None
    entry.chmod(0o600)
    cache.chmod(0o770)  # nor one in a directory others could write
    assert codecache.load(name) is None
    cache.chmod(0o700)
    assert codecache.load(name) is not None

    moved = cache.parent / "elsewhere.bin"
    entry.rename(moved)
    entry.symlink_to(moved)  # a symlink is never followed
    assert codecache.load(name) is None


def test_a_damaged_or_foreign_entry_is_compiled_again(cache: Path) -> None:
    first = compile_template(TEMPLATES / "booklet.docx")
    (entry,) = _entries(cache)
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short
    assert codecache.load(entry.stem) is None
    again = compile_template(TEMPLATES / "booklet.docx")
    assert again.source == first.source
    assert codecache.load(entry.stem) is not None  # and stored again, whole

    other = cache / ("0" * 64 + ".bin")
    shutil.copy(entry, other)  # an entry under a name that is not its own key
    os.chmod(other, 0o600)
    assert codecache.load("0" * 64) is None


def test_a_broken_template_is_refused_every_time_and_never_stored(
    cache: Path, tmp_path: Path
) -> None:
    import zipfile

    source = TEMPLATES / "pledge.docx"
    broken = tmp_path / "pledge.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(broken, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{ p.title }}", b"{{ p.title ", 1)
                assert b"{{ p.title " in data
            zout.writestr(info, data)
    for _ in range(2):
        with pytest.raises(TemplateError):
            compile_template(broken)
    assert _entries(cache) == []


def test_the_cache_can_be_turned_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTGEN_NO_CACHE", "1")
    assert codecache.directory() is None
    compile_template(TEMPLATES / "booklet.docx")
    assert not cache.exists()


def test_the_workbook_style_table_comes_back_from_the_cache_as_made(cache: Path) -> None:
    from reportgen.formats import xlsx

    template = TEMPLATES / "workbook.xlsx"
    made = xlsx._styles(xlsx.load_styles(template))
    first = xlsx.template_styles(template)
    assert len(_entries(cache)) == 1
    again = xlsx.template_styles(template)
    assert again is not first  # read back from the entry, not this process's table
    assert (again.part, again.index, again.theme) == (made.part, made.index, made.theme)
    assert list(again.index) == list(xlsx.CATALOGUE)


def test_a_workbook_built_with_the_cached_styles_is_the_same_bytes(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.formats import xlsx

    records = load_records(RECORDS)
    assert records.settings is not None
    report = report_view(records.pledges, Period.parse("2022H1"), records.settings)
    template = TEMPLATES / "workbook.xlsx"
    monkeypatch.setenv("REPORTGEN_NO_CACHE", "1")
    uncached = xlsx.render_workbook(report, template)
    monkeypatch.delenv("REPORTGEN_NO_CACHE")
    xlsx.template_styles(template)  # stores the entry
    # From here on a miss would need openpyxl: the cached build must not load the template.
    monkeypatch.setattr(xlsx, "load_styles", _no_load)
    assert xlsx.render_workbook(report, template) == uncached


def _no_load(template: Path) -> None:
    raise AssertionError(f"{template} was loaded although its style table is cached")


@pytest.mark.parametrize(
    "stored",
    [
        None,
        ("part", [], b""),  # text where bytes belong
        (b"<styleSheet/>", [["default", "", 0]], b""),  # not every (role, variant)
        (b"<styleSheet/>", [["default", "", "0"]], b""),  # an index that is not a number
        (b"<styleSheet/>", "not a list", b""),
    ],
)
def test_a_foreign_style_entry_is_not_used(
    cache: Path, monkeypatch: pytest.MonkeyPatch, stored: object
) -> None:
    from reportgen.formats import xlsx

    template = TEMPLATES / "workbook.xlsx"
    entry = codecache.key("xlsx-styles", template.read_bytes())
    codecache.store(entry, stored)
    made = xlsx.template_styles(template)
    assert (made.part, made.index) == (
        xlsx._styles(xlsx.load_styles(template)).part,
        xlsx._styles(xlsx.load_styles(template)).index,
    )
    assert xlsx._stored_styles(codecache.load(entry)) is not None  # replaced by a sound one


def test_a_broken_workbook_template_fails_every_time_and_is_never_cached(
    cache: Path, tmp_path: Path
) -> None:
    from reportgen.formats import xlsx

    broken = tmp_path / "workbook.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    for _ in range(2):
        with pytest.raises(TemplateError):
            xlsx.template_styles(broken)
    assert _entries(cache) == []


def test_the_booklet_templates_style_ids_come_back_from_the_cache_as_parsed(cache: Path) -> None:
    """The style ids a booklet template defines (checked against the pledge template's) are kept."""
    from reportgen.formats import ooxml
    from reportgen.formats.docx import STYLES_PART, DocxWriter

    fresh = compile_template(TEMPLATES / "booklet.docx")
    parsed = ooxml.defined_styles(fresh.package[STYLES_PART])
    assert parsed and fresh.defined_styles() == parsed
    cached = compile_template(TEMPLATES / "booklet.docx")
    assert cached.styles_defined == parsed  # from the cache, not parsed again
    assert cached.package[STYLES_PART] == fresh.package[STYLES_PART]  # inflated when asked
    # An entry whose ids are not text is not used: compiled again.
    (entry,) = _entries(cache)
    value = list(codecache.load(entry.stem))
    value[2] = [1, 2]
    codecache.store(entry.stem, tuple(value))
    assert compile_template(TEMPLATES / "booklet.docx").defined_styles() == parsed
    assert codecache.load(entry.stem)[2] == sorted(parsed)  # and stored again, whole
    DocxWriter.from_directory(TEMPLATES)  # the pledge template's styles are all defined


def test_a_booklet_without_a_style_the_pledge_pages_use_is_refused_every_time(
    cache: Path, tmp_path: Path
) -> None:
    from reportgen.formats import ooxml
    from reportgen.formats.docx import STYLES_PART, DocxWriter

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    parts = ooxml.read_package((templates / "booklet.docx").read_bytes())
    parts[STYLES_PART] = f'<w:styles xmlns:w="{ooxml.W_NS}"/>'.encode()
    (templates / "booklet.docx").write_bytes(ooxml.write_package(parts.items()))
    for _ in range(2):  # parsed, then from the cache: refused alike
        with pytest.raises(TemplateError, match="booklet.docx"):
            DocxWriter.from_directory(templates)
