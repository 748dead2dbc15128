"""Hostile templates: every one ends in a TemplateError naming the file, quickly and in bounded memory.

Templates are untrusted input (staff edit them in Word; anyone may hand one
over). Each test builds a template that breaks something, then shows the
failure is a clear :class:`reportgen.errors.TemplateError`: never a hang, a
traceback of another type, a MemoryError, or silently dropped content.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import struct
import threading
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import openpyxl
import pytest
from docxtpl import DocxTemplate
from lxml import etree

from reportgen.errors import TemplateError
from reportgen.formats import ooxml, sandbox
from reportgen.formats.docx import DocxWriter, compile_template
from reportgen.formats.pagination import estimate
from reportgen.formats.xlsx import load_styles
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import ReportView, report_view

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MB = 1024 * 1024


# ---------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module")
def report() -> ReportView:
    rs = load_records(ROOT / "records")
    assert rs.settings is not None
    return report_view(rs.pledges, Period.parse("2022H1"), rs.settings)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _edit_texts(part: bytes, edit: Callable[[list[etree._Element]], None]) -> bytes:
    root = etree.fromstring(part)
    edit([t for t in root.iter(f"{W}t") if t.text])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _template_texts(tmp_path: Path, edits: dict[str, str], name: str = "pledge.docx") -> Path:
    """A copy of a shipped template with the first w:t holding each key's text changed."""
    parts = _parts(TEMPLATES / name)

    def edit(ts: list[etree._Element]) -> None:
        for old, new in edits.items():
            t = next(t for t in ts if old in t.text)
            t.text = t.text.replace(old, new)

    parts["word/document.xml"] = _edit_texts(parts["word/document.xml"], edit)
    out = tmp_path / name
    out.write_bytes(_zip(parts))
    return out


def _template(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of pledge.docx with the text ``old`` of one w:t replaced by ``new``."""
    return _template_texts(tmp_path, {old: new})


def _render(path: Path, report: ReportView) -> str:
    template = compile_template(path, bookmark=True)
    return template.render_content({"p": report.pledges[0], "report": report, "p_number": 1})


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    """Fail (rather than hang) if the block blocks longer than ``seconds``."""

    def expire(signum: int, frame: Any) -> None:
        raise AssertionError(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _bounded(seconds: float = 5.0, megabytes: int = 150) -> Iterator[None]:
    """The block must finish within ``seconds`` and allocate at most ``megabytes`` at once."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < megabytes * MB, f"peak {peak / MB:.0f} MB"


def _fails_quickly_in_bounded_memory(
    work: Callable[[], object], seconds: float = 5.0, megabytes: int = 150
) -> TemplateError:
    """Run ``work`` twice: timed, then with allocations traced (which slows it)."""
    started = time.monotonic()
    with pytest.raises(TemplateError) as info:
        work()
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    with _bounded(seconds=60, megabytes=megabytes), pytest.raises(TemplateError):
        work()
    return info.value


def _declare(data: bytes, name: str, *, size: int, crc: int | None = None) -> bytes:
    """``data`` with the central directory claiming ``size`` (and ``crc``) for ``name``."""
    out = bytearray(data)
    raw = name.encode()
    at = data.find(b"PK\x01\x02")
    found = False
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == raw:
            struct.pack_into("<I", out, at + 24, size)
            if crc is not None:
                struct.pack_into("<I", out, at + 16, crc)
            found = True
        at = data.find(b"PK\x01\x02", at + 4)
    assert found, name
    return bytes(out)


def _zeros_entry(zf: zipfile.ZipFile, name: str, size: int) -> None:
    """A deflated part of ``size`` zero bytes (a few dozen kilobytes in the zip)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w") as f:
        chunk = bytes(MB)
        for _ in range(size // MB):
            f.write(chunk)
        f.write(bytes(size % MB))


# ---------------------------------------------------------------------------
# 1. A broken tag never silently drops content


def test_docxtpl_alone_silently_drops_the_paragraphs_after_an_unclosed_tag():
    """The failure the balance check prevents: patch_xml joins three paragraphs
    into one comment, and "KEEP ME" vanishes from a well-formed document."""
    xml = (
        "<w:body><w:p><w:r><w:t>{# note</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>KEEP ME</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>end #}</w:t></w:r></w:p></w:body>"
    )
    patched = DocxTemplate.patch_xml(None, xml)  # type: ignore[arg-type]
    rendered = jinja2.Environment().from_string(patched).render()
    etree.fromstring(rendered.replace("w:", ""))  # well-formed: nothing would notice
    assert "KEEP ME" not in rendered
    assert rendered.count("<w:p>") == 1


def test_an_unclosed_tag_across_paragraphs_is_refused(tmp_path):
    path = _template_texts(
        tmp_path, {"소관부서": "{# note", "{{ p.department }}": "KEEP ME", "연락처": "end #}"}
    )
    with pytest.raises(TemplateError) as info:
        compile_template(path)
    assert info.value.message == (
        f"{path}: broken tag: “{{#” is not closed in its paragraph, near “{{# note”; "
        "nothing was rendered"
    )


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ("{{ p.department }", "“{{” is not closed in its paragraph"),
        ("{{ p.department", "“{{” is not closed in its paragraph"),
        ("{% if p.department }", "“{%” is not closed in its paragraph"),
        ("{% if p.department }{{ p.department }}", "“{%” is not closed before the next “{{”"),
        ("{{ p.department %}", "“{{” is closed by “%}”"),
        ("p.department }}", "“}}” closes a tag that was never opened"),
        ("p.department %}", "“%}” closes a tag that was never opened"),
        ("{# p.department", "“{#” is not closed in its paragraph"),
    ],
)
def test_unbalanced_tag_in_a_paragraph_is_refused(tmp_path, new, expected):
    path = _template(tmp_path, "{{ p.department }}", new)
    with pytest.raises(TemplateError) as info:
        compile_template(path)
    message = info.value.message
    assert message.startswith(f"{path}: broken tag")
    assert expected in message
    assert "p.department" in message  # the text near the tag


def test_balanced_oddities_are_accepted(tmp_path, report):
    """A dict inside a block tag and anything inside a comment are not broken tags."""
    path = _template(
        tmp_path,
        "{{ p.department }}",
        "{% set d = {'a': {'b': 1}} %}{# }} %} #}{{ p.department }}{{ d.a.b }}",
    )
    assert f"{report.pledges[0].department}1" in _render(path, report)


def test_tag_split_over_two_paragraphs_is_refused(tmp_path):
    """'{' ending one paragraph and '{' starting the next: docxtpl would join the paragraphs."""
    path = _template(tmp_path, "소관부서", "소관부서{")  # the next paragraph is {{ p.department }}
    with pytest.raises(TemplateError, match="split over two paragraphs") as info:
        compile_template(path)
    assert str(path) in info.value.message
    assert "소관부서{" in info.value.message


def _with_footer_text(tmp_path: Path, text: str) -> Path:
    parts = _parts(TEMPLATES / "pledge.docx")

    def edit(ts: list[etree._Element]) -> None:
        ts[0].text = text

    parts["word/footer1.xml"] = _edit_texts(parts["word/footer1.xml"], edit)
    out = tmp_path / "pledge.docx"
    out.write_bytes(_zip(parts))
    return out


def test_unbalanced_tag_in_a_footer_is_refused(tmp_path):
    path = _with_footer_text(tmp_path, "{{ p.title } - ")
    with pytest.raises(TemplateError) as info:
        compile_template(path)
    assert info.value.message.startswith(f"{path} (word/footer1.xml): broken tag")
    assert "{{ p.title }" in info.value.message


def test_tags_in_a_footer_still_render(tmp_path, report):
    path = _with_footer_text(tmp_path, "{{ p.id }} - ")
    template = compile_template(path, bookmark=True)
    context = {"p": report.pledges[0], "report": report, "p_number": 1}
    document = template.package_with(template.render_content(context), context)
    footer = ooxml.read_package(document)["word/footer1.xml"].decode()
    assert f"{report.pledges[0].id} - " in footer


def test_runtime_error_in_a_footer_names_the_part_and_the_tag(tmp_path, report):
    path = _with_footer_text(tmp_path, "{{ 1 / 0 }} - ")
    template = compile_template(path, bookmark=True)
    context = {"p": report.pledges[0], "report": report, "p_number": 1}
    with pytest.raises(TemplateError) as info:
        template.package_with(template.render_content(context), context)
    message = info.value.message
    assert message.startswith(f"{path} (word/footer1.xml): ZeroDivisionError")
    assert "1 / 0" in message


# ---------------------------------------------------------------------------
# 2. No other templates


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("{% include 'other.xml' %}", "{% include %}"),
        ("{% extends 'base.xml' %}", "{% extends %}"),
        ("{% import 'macros.xml' as m %}", "{% import %}"),
        ("{% from 'macros.xml' import m %}", "{% from … import %}"),
    ],
)
def test_other_templates_are_refused_when_compiling(tmp_path, tag, name):
    """Before: an include compiled, then failed at render time with a bare TypeError."""
    path = _template(tmp_path, "{{ p.department }}", tag)
    with pytest.raises(TemplateError) as info:
        compile_template(path)
    message = info.value.message
    assert message.startswith(f"{path}: {name} is not supported")
    assert tag.split("'")[1] in message  # near the tag


# ---------------------------------------------------------------------------
# 3. Rendering is bounded

HOSTILE = {
    "huge range": "{{ range(10**9)|length }}",
    "range loop": "{% for i in range(10**9) %}x{% endfor %}",
    "power": "{{ 9**999999999 }}",
    "string repeat": "{{ 'x' * 10**9 }}",
    "list repeat": "{{ ([1] * 10**9)|length }}",
    "format width": "{{ '{:>999999999}'.format(1) }}",
    "format precision": "{{ '{:.999999999f}'.format(1.5) }}",
    "percent width": "{{ '%999999999d' % 1 }}",
    "percent star": "{{ '%*d' % (999999999, 1) }}",
    "center": "{{ 'x'|center(999999999) }}",
    "indent": "{{ ('x\n' * 1000)|indent(999999) }}",
    "wordwrap": "{{ ('x ' * 1000)|wordwrap(1, wrapstring='y' * 100000) }}",
    "format filter": "{{ '%999999999s'|format(1) }}",
    "replace": "{{ ('x' * 100000)|replace('', 'y' * 100) }}",
    "join": "{{ ('x' * 1000000)|list|join('y' * 1000) }}",
    "map center": "{{ ['x']|map('center', 999999999)|list }}",
    "ljust": "{{ 'x'.ljust(999999999) }}",
    "expandtabs": "{{ ('\t' * 1000).expandtabs(999999) }}",
    "str replace": "{{ ('x' * 100000).replace('', 'y' * 100) }}",
    "str join": "{{ ('y' * 1000).join('x' * 1000000) }}",
    "to_bytes": "{{ (1).to_bytes(10**9, 'big') }}",
    "list.extend doubling": (
        "{% set a = [1] %}{% for i in range(40) %}{{ a.extend(a) }}{% endfor %}"
    ),
    "~ doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
    ),
    "+ doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}"
    ),
    "int doubling": (
        "{% set ns = namespace(n=3) %}{% for i in range(40) %}"
        "{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n % 7 }}"
    ),
    "printing many references": "{% set s = 'x' * 900000 %}{{ [s, s, s, s, s, s, s, s] }}",
    "set block": (
        "{% set s = 'x' * 900000 %}{% set b %}{% for i in range(50000) %}{{ s }}"
        "{% endfor %}{% endset %}{{ b|length }}"
    ),
    "literal loop": "{% for i in range(50000) %}{% for j in range(50000) %}"
    + "LITERAL " * 20
    + "{% endfor %}{% endfor %}",
    "nested loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    ),
    "nested loops under the range cap": (
        "{% for i in range(40000) %}{% for j in range(40000) %}{% endfor %}{% endfor %}"
    ),
    "nested loops over text": (
        "{% set s = 'x' * 10000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}"
    ),
    "nested loops over constant lists": (
        "{% for a in [CONST] %}{% for b in [CONST] %}{% for c in [CONST] %}"
        + "LITERAL " * 100
        + "{% endfor %}{% endfor %}{% endfor %}"
    ).replace("CONST", ", ".join(["0"] * 100)),
    "self-calling macro": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "slices in a macro": "{% macro f(s) %}{{ f(s[1:]) }}{% endmacro %}{{ f('x' * 900000) }}",
    "sum of lists": "{{ [[1] * 1000] * 1000|sum(start=[]) }}",
    "lipsum": "{{ lipsum(10**9) }}",
    "safe": "{{ p.title|safe }}",
    "division by zero": "{{ 1 / 0 }}",
    "big integer printed": "{{ 2**4000 * 2**4000 }}",
    "attribute escape": "{{ p.__class__.__init__.__globals__ }}",
    "format attribute escape": "{{ '{0.__class__}'.format(p) }}",
    # The finished tables (report.tables) take the view's fast path: private
    # names and calls are refused there as on the view itself.
    "table attribute escape": "{{ report.status_table.__class__.__init__.__globals__ }}",
    "table cell attribute escape": "{{ report.status_table.rows[0].cells[0]._fields }}",
    "table method call": "{{ report.status_table.__eq__(report.status_table) }}",
}


@pytest.mark.parametrize("tag", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_tag_is_a_template_error_quickly_and_in_bounded_memory(tmp_path, report, tag):
    path = _template(tmp_path, "{{ p.department }}", tag)
    try:
        template = compile_template(path, bookmark=True)
    except TemplateError as exc:  # refused when compiling (safe, lipsum: no such filter, name)
        assert exc.message.startswith(f"{path}: ")
        return
    context = {"p": report.pledges[0], "report": report, "p_number": 1}
    error = _fails_quickly_in_bounded_memory(lambda: template.render_content(context))
    assert error.message.startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("{{ range(10**9)|length }}", ["range()", "50,000", "range(10**9)"]),
        ("{{ 9**999999999 }}", ["'**'", "bits", "9**999999999"]),
        ("{{ 'x' * 10**9 }}", ["'*'", "1,000,000"]),
        ("{{ 'x'|center(999999999) }}", ["center", "999,999,999"]),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", ["calls itself too deeply"]),
        ("{{ (1).to_bytes(10**9, 'big') }}", ["to_bytes", "cannot be called"]),
        (
            "{% for i in range(40000) %}{% for j in range(40000) %}{% endfor %}{% endfor %}",
            ["loops run more than 1,000,000 times"],
        ),
    ],
)
def test_limit_messages_say_what_and_where(tmp_path, report, tag, words):
    path = _template(tmp_path, "{{ p.department }}", tag)
    with pytest.raises(TemplateError) as info:
        _render(path, report)
    for word in words:
        assert word in info.value.message


def test_a_render_that_never_ends_is_stopped_by_the_clock(tmp_path, report, monkeypatch):
    """2**60 macro calls: no budget is spent, so only the wall clock ends it."""
    tag = (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"
    )
    path = _template(tmp_path, "{{ p.department }}", tag)
    template = compile_template(path, bookmark=True)
    # Only the render is timed here: compiling on a busy machine may itself take
    # more than half a second, and its own deadline would then end it first.
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0.5)
    context = {"p": report.pledges[0], "report": report, "p_number": 1}

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        started = time.monotonic()
        with pytest.raises(TemplateError, match=r"took longer than 0\.5 seconds") as info:
            template.render_content(context)
        assert time.monotonic() - started < 3
        assert "f(60)" in info.value.message
        # the outer handler and timer are back, the timer less the time spent
        assert signal.getsignal(signal.SIGALRM) is not None
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90 < left <= 100
        assert not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_budgets_hold_outside_the_main_thread(tmp_path, report):
    """No alarm there, but the size and loop limits still end a hostile render."""
    tag = "{% for i in range(40000) %}{% for j in range(40000) %}{% endfor %}{% endfor %}"
    path = _template(tmp_path, "{{ p.department }}", tag)
    template = compile_template(path, bookmark=True)
    context = {"p": report.pledges[0], "report": report, "p_number": 1}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            template.render_content(context)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], TemplateError), errors


def test_ordinary_template_features_still_work(tmp_path, report):
    pledge = report.pledges[0]
    tag = (
        "{{ p.id|upper|center(20)|trim }}|{{ '%s-%d'|format(p.id, p_number) }}|"
        "{{ '{}/{}'.format(p_number, 2) }}|{{ p.id ~ '!' }}|{{ p.id[:3] }}|"
        "{% for i in range(3) %}{{ i }}{{ ',' if not loop.last else '' }}{% endfor %}|"
        "{{ p.id.replace('-', '.') }}|{{ [p.id, p.id]|join('+') }}|{{ 2**10 * 3 + 1 }}|"
        "{{ 'ab' * 2 }}|{{ 7 % 4 }}|{{ '%05.1f' % 2.5 }}|{{ (p.id ~ ' x')|wordwrap(40) }}|"
        "{% macro twice(s) %}{{ s }}{{ s }}{% endmacro %}{{ twice('o') }}|"
        "{% set ns = namespace(n=0) %}{% for c in p.id %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }}|{{ {'a': 1}.get('a') }}|{{ [3, 1, 2]|sort|list }}"
    )
    path = _template(tmp_path, "{{ p.department }}", tag)
    template = compile_template(path, bookmark=True)
    xml = template.render_content({"p": pledge, "report": report, "p_number": 1})
    text = "".join(etree.fromstring((template.head + xml + template.tail).encode()).itertext())
    expected = (
        f"{pledge.id.upper()}|{pledge.id}-1|1/2|{pledge.id}!|{pledge.id[:3]}|0,1,2|"
        f"{pledge.id.replace('-', '.')}|{pledge.id}+{pledge.id}|3073|abab|3|002.5|{pledge.id} x|"
        f"oo|{len(pledge.id)}|1|[1, 2, 3]"
    )
    assert expected in text


def test_shipped_templates_fit_well_within_the_budgets(report):
    writer = DocxWriter.from_directory(TEMPLATES)
    used = []
    for template, context in [
        (writer.pledge, {"p": p, "report": report, "p_number": n})
        for n, p in enumerate(report.pledges, start=1)
    ] + [(writer.booklet, {"report": report, "pages": estimate(report)})]:
        token = sandbox._BUDGET.set(sandbox._Budget())
        try:
            template.content.render(context)
            budget = sandbox._BUDGET.get()
            assert budget is not None
            used.append(
                (
                    sandbox.MAX_RENDER_CHARS - budget.chars,
                    sandbox.MAX_LOOP_ITERATIONS - budget.loops,
                )
            )
        finally:
            sandbox._BUDGET.reset(token)
    for chars, loops in used:
        assert 0 < chars < sandbox.MAX_RENDER_CHARS / 100
        assert loops < sandbox.MAX_LOOP_ITERATIONS / 1000


# ---------------------------------------------------------------------------
# 4. Zip bombs and files that are not files


def test_zipfile_alone_inflates_beyond_the_declared_size_but_read_package_does_not():
    """A part that claims 1,000 bytes (with the CRC of those) but inflates to 50 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        _zeros_entry(zf, "word/document.xml", 50 * MB)
    data = _declare(buffer.getvalue(), "word/document.xml", size=1000, crc=zlib.crc32(bytes(1000)))

    tracemalloc.start()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert len(zf.read("word/document.xml")) == 1000
        _, zipfile_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        assert ooxml.read_package(data) == {"word/document.xml": bytes(1000)}
        _, ours_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert zipfile_peak > 40 * MB  # the failure: everything inflated, then cut
    assert ours_peak < 2 * MB


def test_a_part_declared_too_large_is_refused_before_inflating(tmp_path):
    parts = _parts(TEMPLATES / "pledge.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
        _zeros_entry(zf, "word/media/image1.png", ooxml.MAX_PART_BYTES + 1)
    path = tmp_path / "pledge.docx"
    path.write_bytes(buffer.getvalue())
    with _bounded(seconds=2, megabytes=10), pytest.raises(TemplateError) as info:
        compile_template(path)
    assert info.value.message == (
        f"{path}: has a part 'word/media/image1.png' of {ooxml.MAX_PART_BYTES + 1:,} bytes "
        f"inflated; at most {ooxml.MAX_PART_BYTES:,} are read"
    )


def _bomb(name: str, tmp_path: Path) -> Path:
    """A copy of a shipped template whose parts claim 150 MB together."""
    parts = _parts(TEMPLATES / name)
    data = _zip(parts)
    big = sorted(parts, key=lambda n: len(parts[n]))[-3:]
    for part in big:
        data = _declare(data, part, size=50 * MB)
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["pledge.docx", "booklet.docx", "workbook.xlsx"])
def test_parts_declared_too_large_together_are_refused(tmp_path, name):
    path = _bomb(name, tmp_path)
    with _bounded(seconds=2, megabytes=10), pytest.raises(TemplateError) as info:
        if name == "workbook.xlsx":
            load_styles(path)
        elif name == "booklet.docx":
            shutil.copy(TEMPLATES / "pledge.docx", tmp_path / "pledge.docx")
            DocxWriter.from_directory(tmp_path)
        else:
            compile_template(path)
    assert info.value.message.startswith(f"{path}: inflates to ")
    assert f"at most {ooxml.MAX_PACKAGE_BYTES:,} are read" in info.value.message


def test_too_many_entries_are_refused_before_zipfile_parses_them(tmp_path):
    parts = _parts(TEMPLATES / "pledge.docx")
    for i in range(ooxml.MAX_ENTRIES):
        parts[f"customXml/x{i}.xml"] = b""
    path = tmp_path / "pledge.docx"
    path.write_bytes(_zip(parts))
    with pytest.raises(TemplateError) as info:
        compile_template(path)
    assert info.value.message == (
        f"{path}: has {len(parts):,} zip entries; at most {ooxml.MAX_ENTRIES:,} are read"
    )


def test_checked_parts_are_what_python_docx_and_openpyxl_read(tmp_path):
    """They never see the template's own zip, only the parts read within the limits."""
    data = (TEMPLATES / "workbook.xlsx").read_bytes()
    repacked = ooxml.repack(ooxml.read_package(data))
    assert ooxml.read_package(repacked) == ooxml.read_package(data)
    assert openpyxl.load_workbook(io.BytesIO(repacked))["styles"]["A1"].value is not None


@pytest.mark.parametrize("name", ["pledge.docx", "workbook.xlsx"])
@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_template_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path, name, kind):
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")  # read_bytes() would fill memory forever
    with _watchdog(5), pytest.raises(TemplateError) as info:
        if name == "workbook.xlsx":
            load_styles(path)
        else:
            compile_template(path)
    assert info.value.message == f"{path}: is not a regular file (a directory, pipe or device?)"


def test_a_missing_template_is_still_not_found(tmp_path):
    with pytest.raises(TemplateError, match="template not found"):
        load_styles(tmp_path / "workbook.xlsx")
    with pytest.raises(TemplateError, match="template not found"):
        compile_template(tmp_path / "pledge.docx")


def test_a_file_larger_than_the_limit_is_not_read(tmp_path):
    path = tmp_path / "big.docx"
    path.write_bytes(bytes(11))
    with pytest.raises(ooxml.PackageError, match="at most 10 are read"):
        ooxml.read_regular_file(path, limit=10)
    assert ooxml.read_regular_file(path, limit=11) == bytes(11)


def test_a_fifo_workbook_template_does_not_hang_a_build(tmp_path: Path) -> None:
    """The build hashes every template for its render keys: a FIFO there is an error too."""
    import shutil as _shutil

    from click.testing import CliRunner

    from reportgen.cli import main

    root = Path(__file__).resolve().parent.parent
    templates = tmp_path / "templates"
    _shutil.copytree(root / "templates", templates)
    (templates / "workbook.xlsx").unlink()
    os.mkfifo(templates / "workbook.xlsx")
    result = CliRunner().invoke(
        main,
        [
            "build",
            "2022H1",
            "--records",
            str(root / "records"),
            "--templates",
            str(templates),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "workbook.xlsx" in result.output and "Traceback" not in result.output


def test_an_alarm_lost_in_a_callback_comes_again() -> None:
    """A deadline whose first alarm is swallowed (as in a gc callback or __del__) still ends the work."""
    swallowed = 0
    with pytest.raises(sandbox._Timeout), sandbox._deadline(0.05):
        for _ in range(30):  # 3 s at most: a one-shot timer would let this loop end quietly
            try:
                time.sleep(0.1)
            except sandbox._Timeout:
                if swallowed:
                    raise
                swallowed += 1  # "Exception ignored in …": the work goes on
    assert swallowed == 1
