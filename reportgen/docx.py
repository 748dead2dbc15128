"""Stage 5a: the DOCX writer — each pledge's pages and the whole booklet.

Templates are Word documents with docxtpl tags (``templates/pledge.docx``,
``templates/booklet.docx``). docxtpl turns the tags Word scattered across runs
into a Jinja source once per template; we compile that source once in a
sandboxed, autoescaping Jinja environment with StrictUndefined and render it
per pledge. Rendering a string and parsing it once per pledge is what makes a
300-pledge booklet take seconds: docxtpl's own ``render()`` reloads and
re-patches the template for every document.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from . import ooxml
from .errors import TemplateError
from .view import PledgeView, ReportView

DOCUMENT_PART = "word/document.xml"
STYLES_PART = "word/styles.xml"


def _environment() -> SandboxedEnvironment:
    # Sandboxed: a template cannot reach files, modules or private attributes.
    # Autoescape: record text with < & " is data, never markup.
    return SandboxedEnvironment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


_ENV = _environment()


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


_LENIENT = etree.XMLParser(recover=True)
_PARSER = etree.XMLParser(huge_tree=True)


@dataclass
class CompiledTemplate:
    """A DOCX template read, pre-processed and compiled once."""

    path: Path
    package: dict[str, bytes]
    document: etree._Element  # word/document.xml; its body is replaced per render
    body: jinja2.Template
    source: str
    parts: dict[str, jinja2.Template] = field(default_factory=dict)  # headers/footers with tags

    def render_body(self, context: dict[str, Any]) -> etree._Element:
        try:
            xml = self.body.render(context)
        except jinja2.TemplateError as exc:
            raise TemplateError(
                self.path, f"{exc}{_tag_near(self.source, getattr(exc, 'lineno', None))}"
            ) from None
        xml = xml.replace("\n<w:p", "<w:p")
        try:
            return etree.fromstring(xml.encode("utf-8"), _PARSER)
        except etree.XMLSyntaxError as exc:
            raise TemplateError(
                self.path,
                f"the tags produce a broken document ({exc.msg}); check that each {{%p …%}}, "
                "{%tr …%} tag stands alone in its paragraph or row and every block is closed",
            ) from None

    def package_with(self, body: etree._Element, context: dict[str, Any]) -> bytes:
        """The template's package with ``body`` as the document body."""
        # A new root around the new body; only the template's small
        # non-body children (background …) are copied.
        document = etree.Element(self.document.tag, nsmap=self.document.nsmap)
        document.attrib.update(self.document.attrib)
        for child in self.document:
            document.append(body if child.tag == ooxml.w("body") else copy.deepcopy(child))
        parts = dict(self.package)
        parts[DOCUMENT_PART] = etree.tostring(
            document, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        for name, template in self.parts.items():
            try:
                parts[name] = template.render(context).encode("utf-8")
            except jinja2.TemplateError as exc:
                raise TemplateError(f"{self.path} ({name})", str(exc)) from None
        return ooxml.write_package(parts.items())


def compile_template(path: Path) -> CompiledTemplate:
    """Read a DOCX template and compile its tags; errors name the template and the tag."""
    if not path.is_file():
        raise TemplateError(path, "template not found")
    try:
        data = path.read_bytes()
        package = ooxml.read_package(data)
        tpl = DocxTemplate(path)
        tpl.init_docx()
    except Exception as exc:  # a damaged or non-DOCX file: zipfile, lxml, python-docx errors
        raise TemplateError(path, f"not a readable DOCX file ({exc})") from None
    if DOCUMENT_PART not in package:
        raise TemplateError(path, "not a Word document (no word/document.xml)")

    body = tpl.docx.element.body
    ooxml.apply_vmerge_tags(body)
    source = tpl.patch_xml(tpl.xml_to_string(body))
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
                patched = tpl.patch_xml(text)
                try:
                    parts[name] = _ENV.from_string(patched)
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateError(f"{path} ({name})", f"broken tag: {exc.message}") from None

    document = etree.fromstring(package[DOCUMENT_PART], _PARSER)
    return CompiledTemplate(path, package, document, compiled, source, parts)


@dataclass
class DocxWriter:
    """Renders pledge pages and booklets from a pair of compiled templates."""

    pledge: CompiledTemplate
    booklet: CompiledTemplate

    @classmethod
    def from_directory(cls, templates: Path) -> DocxWriter:
        pledge = compile_template(templates / "pledge.docx")
        booklet = compile_template(templates / "booklet.docx")
        used = ooxml.referenced_styles(pledge.document)
        defined = ooxml.defined_styles(booklet.package.get(STYLES_PART, b"<w:styles/>"))
        missing = sorted(used - defined)
        if missing:
            raise TemplateError(
                booklet.path,
                f"lacks the style(s) {', '.join(missing)} used by {pledge.path.name}; "
                "copy them over (Word: 스타일 관리 > 가져오기/내보내기)",
            )
        return cls(pledge, booklet)

    def pledge_body(self, view: PledgeView, report: ReportView) -> etree._Element:
        return self.pledge.render_body({"p": view, "report": report})

    def pledge_document(self, view: PledgeView, report: ReportView, body: etree._Element) -> bytes:
        return self.pledge.package_with(body, {"p": view, "report": report})

    def booklet_document(self, report: ReportView, bodies: list[etree._Element]) -> bytes:
        """Cover, 총괄표, 목차, then every pledge's pages (each on a new page).

        ``bodies`` are the rendered pledge bodies in report order; their
        elements are moved, so pass copies if you still need them.
        """
        context = {"report": report}
        body = self.booklet.render_body(context)
        sect = body.find(ooxml.w("sectPr"))
        for index, (view, pledge_body) in enumerate(zip(report.pledges, bodies, strict=True)):
            content = ooxml.body_content(pledge_body)
            first = next((el for el in content if el.tag == ooxml.w("p")), None)
            if first is not None:
                ooxml.add_bookmark(first, index + 1, view.anchor)
            for element in content:
                if sect is not None:
                    sect.addprevious(element)
                else:
                    body.append(element)
        return self.booklet.package_with(body, context)
