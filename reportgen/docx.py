"""Stage 5a: the DOCX writer — each pledge's pages and the whole booklet.

Templates are Word documents with docxtpl tags (``templates/pledge.docx``,
``templates/booklet.docx``). docxtpl turns the tags Word scattered across runs
into a Jinja source; we do that once per template and compile the source in a
sandboxed, autoescaping Jinja environment with StrictUndefined.

Speed comes from rendering each pledge once: the body of ``document.xml`` is
split (at two processing instructions we insert, never by searching the XML)
into a static head, the Jinja-rendered content, and a static tail. A pledge's
own file is head + content + tail; the booklet is its own head, its front
matter (cover, 총괄표, 목차), every pledge's content, and its tail. Each
pledge's content is parsed once to prove it well-formed.
"""

from __future__ import annotations

import copy
import dataclasses
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from . import ooxml
from . import view as view_module
from .errors import TemplateError
from .view import PledgeView, ReportInfo, ReportView

DOCUMENT_PART = "word/document.xml"
STYLES_PART = "word/styles.xml"


class _ReportSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with a fast path for reportgen's own view objects.

    The view is frozen dataclasses of plain data (:mod:`reportgen.view`);
    their public fields are safe by construction, so attribute access on them
    skips the generic checks, which cost more than the rendering itself.
    Everything else (and any ``_private`` name) goes through the sandbox.
    """

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) in _VIEW_TYPES:
            return not attr.startswith("_")
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) in _VIEW_TYPES and not attribute.startswith("_"):
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass  # let Jinja produce its usual undefined / error
        return super().getattr(obj, attribute)


_VIEW_TYPES = frozenset(
    cls
    for cls in vars(view_module).values()
    if isinstance(cls, type)
    and dataclasses.is_dataclass(cls)
    and cls.__module__ == view_module.__name__
)


def _environment() -> SandboxedEnvironment:
    # Sandboxed: a template cannot reach files, modules or private attributes.
    # Autoescape: record text with < & " is data, never markup.
    return _ReportSandbox(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


_ENV = _environment()
_LENIENT = etree.XMLParser(recover=True)
_PARSER = etree.XMLParser(huge_tree=True)

_BEGIN = "reportgen-content-begin"
_END = "reportgen-content-end"


def _tag_near(source: str, lineno: int | None) -> str:
    """The visible text of the template around a Jinja error, tags stripped."""
    if not lineno:
        return ""
    lines = source.split("\n")
    snippet = "".join(lines[max(lineno - 1, 0) : lineno])
    try:
        text = "".join(etree.fromstring(f"<x>{snippet}</x>".encode(), _LENIENT).itertext())
    except etree.XMLSyntaxError:
        text = snippet
    text = " ".join(text.split())
    return f" near “{text[:160]}”" if text else ""


@dataclass
class CompiledTemplate:
    """A DOCX template read, pre-processed and compiled once.

    ``document.xml`` = ``head`` + rendered ``content`` + ``tail``; head and
    tail are the template's own bytes (root, body start, section properties).
    """

    path: Path
    package: dict[str, bytes]
    head: str
    tail: str
    content: jinja2.Template
    source: str
    styles_used: set[str]
    parts: dict[str, jinja2.Template] = field(default_factory=dict)  # headers/footers with tags

    @property
    def static_parts(self) -> frozenset[str]:
        """Parts copied unchanged from the template into every document."""
        return frozenset(self.package) - {DOCUMENT_PART} - set(self.parts)

    def render_content(self, context: dict[str, Any]) -> str:
        """The body content for ``context``, checked to be well-formed."""
        try:
            xml = self.content.render(context)
        except jinja2.TemplateError as exc:
            where = _tag_near(self.source, getattr(exc, "lineno", None))
            raise TemplateError(self.path, f"{exc}{where}") from None
        xml = xml.replace("\n<w:p", "<w:p")  # undo the line breaks added for line numbers
        try:
            etree.fromstring((self.head + xml + self.tail).encode("utf-8"), _PARSER)
        except etree.XMLSyntaxError as exc:
            raise TemplateError(
                self.path,
                f"the tags produce a broken document ({exc.msg}); check that each "
                "{%p …%} and {%tr …%} tag stands alone in its paragraph or row and "
                "every block is closed",
            ) from None
        return xml

    def content_of(self, document: bytes) -> str | None:
        """The body content of a DOCX this template made (None if it was not)."""
        try:
            xml = ooxml.read_package(document)[DOCUMENT_PART].decode("utf-8")
        except (KeyError, ValueError, OSError, zipfile.BadZipFile):
            return None
        if not (xml.startswith(self.head) and xml.endswith(self.tail)):
            return None
        return xml[len(self.head) : len(xml) - len(self.tail)]

    def package_with(self, content: str, context: dict[str, Any]) -> bytes:
        parts = dict(self.package)
        parts[DOCUMENT_PART] = (self.head + content + self.tail).encode("utf-8")
        for name, template in self.parts.items():
            try:
                parts[name] = template.render(context).encode("utf-8")
            except jinja2.TemplateError as exc:
                raise TemplateError(f"{self.path} ({name})", str(exc)) from None
        return ooxml.write_package(parts.items(), static=self.static_parts)


def _split_document(root: etree._Element, path: Path) -> tuple[str, str, str]:
    """Serialize ``root`` and cut it at the content markers into head, content, tail."""
    body = root.find(ooxml.w("body"))
    if body is None:
        raise TemplateError(path, "not a Word document (no w:body)")
    begin = etree.ProcessingInstruction(_BEGIN)
    end = etree.ProcessingInstruction(_END)
    body.insert(0, begin)
    sect = body.find(ooxml.w("sectPr"))
    if sect is not None:
        sect.addprevious(end)
    else:
        body.append(end)
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode(
        "utf-8"
    )
    begin_text = etree.tostring(begin).decode()
    end_text = etree.tostring(end).decode()
    body.remove(begin)
    body.remove(end)
    head, rest = text.split(begin_text, 1)
    content, tail = rest.split(end_text, 1)
    return head, content, tail


def compile_template(path: Path, *, bookmark: bool = False) -> CompiledTemplate:
    """Read a DOCX template and compile its tags; errors name the template and the tag.

    With ``bookmark``, the first paragraph gets a bookmark named after the
    pledge (the booklet's table of contents points at it with PAGEREF).
    """
    if not path.is_file():
        raise TemplateError(path, "template not found")
    try:
        package = ooxml.read_package(path.read_bytes())
        tpl = DocxTemplate(path)
        tpl.init_docx()
    except Exception as exc:  # a damaged or non-DOCX file: zipfile, lxml, python-docx errors
        raise TemplateError(path, f"not a readable DOCX file ({exc})") from None
    if DOCUMENT_PART not in package:
        raise TemplateError(path, "not a Word document (no word/document.xml)")

    root = copy.deepcopy(tpl.docx.element)
    body = root.find(ooxml.w("body"))
    ooxml.apply_vmerge_tags(body)
    if bookmark:
        first = body.find(ooxml.w("p"))
        if first is not None:
            # Filled by Jinja; only ever in memory, so Word never sees it.
            ooxml.add_bookmark(first, "{{ p_number }}", "{{ p.anchor }}")
    styles_used = ooxml.referenced_styles(body)
    head, content, tail = _split_document(root, path)
    for static in (head, tail):
        if "{{" in static or "{%" in static:
            raise TemplateError(path, "tags in the section properties are not supported")
    source = tpl.patch_xml(content)
    # One paragraph per line, so Jinja's line numbers point at a paragraph.
    source = source.replace("<w:p>", "\n<w:p>").replace("<w:p ", "\n<w:p ")
    try:
        compiled = _ENV.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            path, f"broken tag: {exc.message}{_tag_near(source, exc.lineno)}"
        ) from None

    parts: dict[str, jinja2.Template] = {}
    for name, blob in package.items():
        if name.startswith(("word/header", "word/footer")) and name.endswith(".xml"):
            text = blob.decode("utf-8")
            if "{{" in text or "{%" in text:
                try:
                    parts[name] = _ENV.from_string(tpl.patch_xml(text))
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateError(f"{path} ({name})", f"broken tag: {exc.message}") from None
    return CompiledTemplate(path, package, head, tail, compiled, source, styles_used, parts)


@dataclass
class DocxWriter:
    """Renders pledge pages and booklets from a pair of compiled templates."""

    pledge: CompiledTemplate
    booklet: CompiledTemplate

    @classmethod
    def from_directory(cls, templates: Path) -> DocxWriter:
        pledge = compile_template(templates / "pledge.docx", bookmark=True)
        booklet = compile_template(templates / "booklet.docx")
        defined = ooxml.defined_styles(booklet.package.get(STYLES_PART, b"<w:styles/>"))
        missing = sorted(pledge.styles_used - defined)
        if missing:
            raise TemplateError(
                booklet.path,
                f"lacks the style(s) {', '.join(missing)} used by {pledge.path.name}; "
                "copy them over (Word: 스타일 관리 > 가져오기/내보내기)",
            )
        return cls(pledge, booklet)

    # pledge.docx sees ``p`` (the pledge's view), ``p_number`` (its place in
    # the report, 1-based) and ``report`` (a ReportInfo: city, title, term,
    # period — nothing about other pledges), which makes its pages cacheable.
    def pledge_content(self, view: PledgeView, report: ReportInfo | ReportView, number: int) -> str:
        """One pledge's pages as body content (shared by its file and the booklet)."""
        return self.pledge.render_content({"p": view, "report": report, "p_number": number})

    def pledge_document(
        self, view: PledgeView, report: ReportInfo | ReportView, number: int, content: str
    ) -> bytes:
        context = {"p": view, "report": report, "p_number": number}
        return self.pledge.package_with(content, context)

    def booklet_document(self, report: ReportView, contents: list[str]) -> bytes:
        """Cover, 총괄표, 목차, then every pledge's pages (each starts a new page)."""
        context = {"report": report}
        front = self.booklet.render_content(context)
        return self.booklet.package_with(front + "".join(contents), context)
