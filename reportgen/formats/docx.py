"""Stage 5a: the DOCX writer — each pledge's pages and the whole booklet.

Templates are Word documents with docxtpl tags (``templates/pledge.docx``,
``templates/booklet.docx``). docxtpl turns the tags Word scattered across runs
into a Jinja source; we do that once per template and compile the source in a
sandboxed, autoescaping Jinja environment with StrictUndefined. What that
compile makes is kept in this user's cache (:mod:`reportgen.formats.codecache`),
keyed by the template's bytes and the code, so a rebuild does not compile again.

Speed comes from rendering each pledge once: the body of ``document.xml`` is
split (at two processing instructions we insert, never by searching the XML)
into a static head, the Jinja-rendered content, and a static tail. A pledge's
own file is head + content + tail; the booklet is its own head, its front
matter (cover, 총괄표, 목차), every pledge's content, and its tail. Each
pledge's content is parsed once to prove it well-formed.

The booklet's ``document.xml`` is deflated by part: each pledge's content
is a deflate segment of its own (:func:`reportgen.formats.ooxml.deflate_segment`),
the segments laid end to end. A rebuild takes every unchanged pledge's
segment back from the previous booklet by its key, checked against that
booklet's part, and deflates only the changed pledges' and the front matter
(:meth:`DocxWriter.booklet_segments`).

Templates are untrusted input: staff edit them in Word, and anyone may hand
over a hostile one. Every failure is a :class:`TemplateError` naming the file:

* the package is checked before anything inflates it (:mod:`reportgen.formats.ooxml`);
* every paragraph's tags must open and close in that paragraph, so docxtpl's
  regular expressions cannot swallow the XML between two paragraphs;
* compiling and rendering happen in :mod:`reportgen.formats.sandbox`, with bounded
  work and no other template reachable.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import re
import types
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from lxml import etree

from ..errors import TemplateError
from ..i18n import tr
from ..report.view import PledgeView, ReportInfo, ReportView
from . import codecache, ooxml, sandbox

DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
_CORE_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}


@dataclass(frozen=True)
class DocumentProperties:
    """A document's title, author and language (문서 정보), as Word's 속성 and a PDF show them.

    LibreOffice carries them into the PDF's document information and XMP
    (PDF/A asks for a title; a screen reader announces it and the language).
    """

    title: str
    author: str
    language: str = "ko-KR"

    def apply(self, core: bytes) -> bytes:
        """``docProps/core.xml`` with these properties (the template's others kept)."""
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(core, parser)
        for key, value in (
            ("dc:title", self.title),
            ("dc:creator", self.author),
            ("dc:language", self.language),
            ("cp:lastModifiedBy", self.author),
        ):
            prefix, name = key.split(":")
            found = root.find(key, _CORE_NS)
            if found is None:
                found = etree.SubElement(root, f"{{{_CORE_NS[prefix]}}}{name}")
            found.text = value
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


STYLES_PART = "word/styles.xml"
#: A4 less 2 cm margins (17.0 cm), for a template whose section gives no page size.
DEFAULT_TEXT_WIDTH = 9638


_PARSER = etree.XMLParser(huge_tree=True)
# Template parts as python-docx reads them: no entities, no network, no DTD.
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_BEGIN = "reportgen-content-begin"
_END = "reportgen-content-end"

# ---------------------------------------------------------------------------
# Tags must open and close within a paragraph

_TAG_MARK = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_CLOSING = {"{{": "}}", "{%": "%}", "{#": "#}"}


def _unbalanced(text: str) -> tuple[int, str] | None:
    """Where and how the tags in one paragraph's text fail to pair up, or None.

    Mirrors how docxtpl reads them: a tag ends at the first closing mark of
    its kind (``{{ … }}``, ``{% … %}``, ``{# … #}``); ``}}`` may stand inside
    ``{% … %}`` (a dict), anything inside a comment.
    """
    opened: str | None = None
    at = 0
    for match in _TAG_MARK.finditer(text):
        mark = match.group()
        if opened is None:
            if mark not in _CLOSING:
                return match.start(), tr(
                    f"“{mark}”이(가) 열리지 않은 태그를 닫습니다",
                    f"“{mark}” closes a tag that was never opened",
                )
            opened, at = mark, match.start()
        elif mark == _CLOSING[opened]:
            opened = None
        elif opened == "{#" or (opened == "{%" and mark == "}}"):
            continue
        elif mark in _CLOSING:
            return at, tr(
                f"“{opened}”이(가) 다음 “{mark}” 전에 닫히지 않았습니다",
                f"“{opened}” is not closed before the next “{mark}”",
            )
        else:
            return at, tr(
                f"“{opened}”을(를) “{mark}”(으)로 닫았습니다",
                f"“{opened}” is closed by “{mark}”",
            )
    if opened is not None:
        return at, tr(
            f"“{opened}”이(가) 그 문단 안에서 닫히지 않았습니다",
            f"“{opened}” is not closed in its paragraph",
        )
    return None


def _excerpt(text: str, at: int) -> str:
    start = max(at - 30, 0)
    cut = " ".join(text[start : at + 60].split())
    return ("…" if start else "") + cut + ("…" if at + 60 < len(text) else "")


def check_tags(root: etree._Element, where: Path | str) -> None:
    """Refuse a broken tag before docxtpl's regular expressions can swallow content.

    Each paragraph's visible text (its own ``w:t``, not those of a text box
    inside it) must open and close its tags; and no tag may be split over a
    paragraph's end (``{`` ending one paragraph, ``{`` or ``%`` starting the
    next), which docxtpl would join by deleting the paragraph break.
    """
    texts: dict[etree._Element, list[str]] = {}
    previous, previous_paragraph = "", None
    for t in root.iter(ooxml.w("t")):
        paragraph = next(t.iterancestors(ooxml.w("p")), None)
        text = t.text or ""
        if paragraph is None or not text:
            continue
        texts.setdefault(paragraph, []).append(text)
        seam = previous[-1:] + text[:1]
        if seam in ("{{", "{%", "{#", "%}", "}}", "#}") and previous_paragraph is not paragraph:
            raise TemplateError(
                where,
                tr(
                    f"태그 하나가 두 문단에 걸쳐 있습니다(“{_excerpt(previous, len(previous))} ¶ "
                    f"{_excerpt(text, 0)}” 근처). 태그는 한 문단 안에 두십시오.",
                    f"a tag is split over two paragraphs near “{_excerpt(previous, len(previous))} "
                    f"¶ {_excerpt(text, 0)}”; keep each tag within one paragraph",
                ),
            )
        previous, previous_paragraph = text, paragraph
    for pieces in texts.values():
        text = "".join(pieces)
        problem = _unbalanced(text)
        if problem is not None:
            at, what = problem
            raise TemplateError(
                where,
                tr(
                    f"깨진 태그: {what}(“{_excerpt(text, at)}” 근처). 아무것도 만들지 않았습니다.",
                    f"broken tag: {what}, near “{_excerpt(text, at)}”; nothing was rendered",
                ),
            )


@dataclass
class CompiledTemplate:
    """A DOCX template read, pre-processed and compiled once.

    ``document.xml`` = ``head`` + rendered ``content`` + ``tail``; head and
    tail are the template's own bytes (root, body start, section properties).
    """

    path: Path
    package: Mapping[str, bytes]
    head: str
    tail: str
    content: jinja2.Template
    source: str
    styles_used: set[str]
    parts: dict[str, jinja2.Template] = field(default_factory=dict)  # headers/footers with tags
    part_sources: dict[str, str] = field(default_factory=dict)
    # Twips between the margins: columns marked {% colwidth %} share what is left of it.
    text_width: int = DEFAULT_TEXT_WIDTH
    # The compiled Python code of ``content`` and of ``parts`` (what the cache keeps).
    code: types.CodeType | None = None
    part_codes: dict[str, types.CodeType] = field(default_factory=dict)
    # The static parts deflated as write_package deflates them (filled on
    # first use, or from the cache): every build deflated styles.xml (~0.4 MB)
    # again, ~2.5 ms of each rebuild.
    packed_static: dict[str, ooxml.Deflated] | None = None
    # The style ids its styles.xml defines (kept with it in the cache: parsing a
    # styles.xml of ~0.4 MB costs ~5 ms; else read on first use).
    styles_defined: frozenset[str] | None = None

    def defined_styles(self) -> frozenset[str]:
        """The style ids the template's ``styles.xml`` defines."""
        if self.styles_defined is None:
            styles = self.package.get(STYLES_PART, b"<w:styles/>")
            self.styles_defined = frozenset(ooxml.defined_styles(styles))
        return self.styles_defined

    def deflated_static(self) -> dict[str, ooxml.Deflated]:
        """:attr:`static_parts`, each deflated as :func:`ooxml.write_package` would (the same bytes)."""
        if self.packed_static is None:
            self.packed_static = {
                name: ooxml.deflate_part(self.package[name], static=True)
                for name in sorted(self.static_parts)
            }
        return self.packed_static

    @property
    def static_parts(self) -> frozenset[str]:
        """Parts copied unchanged from the template into every document."""
        return frozenset(self.package) - {DOCUMENT_PART} - set(self.parts)

    @functools.cached_property
    def head_bytes(self) -> bytes:
        return self.head.encode("utf-8")

    @functools.cached_property
    def tail_bytes(self) -> bytes:
        return self.tail.encode("utf-8")

    @functools.cached_property
    def _head_segment(self) -> ooxml.Deflated:
        return ooxml.deflate_segment(self.head_bytes)

    @functools.cached_property
    def _tail_segment(self) -> ooxml.Deflated:
        return ooxml.deflate_segment(self.tail_bytes, final=True)

    def document_around(self, content: bytes, body: ooxml.Deflated) -> ooxml.Deflated:
        """``document.xml`` = head + ``content`` + tail, deflated from ``body``, the content's segment.

        ``body`` is ``content`` as :func:`~reportgen.formats.ooxml.deflate_segment`
        made it for the booklet; the head's and tail's segments (made once)
        are laid around it, so a pledge's body is deflated once for both its
        own file and the booklet instead of twice (about 1 ms a pledge: its
        body is some 100 KB of XML). The CRC-32 runs over the bytes
        themselves, which costs less than combining the segments' in Python.
        """
        head, tail = self._head_segment, self._tail_segment
        crc = zlib.crc32(self.tail_bytes, zlib.crc32(content, head.crc))
        return ooxml.Deflated(
            crc, head.size + len(content) + tail.size, head.packed + body.packed + tail.packed
        )

    def render_content(self, context: dict[str, Any]) -> str:
        """The body content for ``context``, checked to be well-formed."""
        return self.render_content_bytes(context).decode("utf-8")

    def render_content_bytes(self, context: dict[str, Any], known: Pieces | None = None) -> bytes:
        """:meth:`render_content` as UTF-8, as the package and the booklet take it.

        Kept as bytes from the parse to the zip: a pledge's body is some
        100 kB, and decoding it only to encode it again twice cost more than
        deflating it for the booklet.

        ``known``: what earlier renders made of each top-level piece of the
        content (:class:`Pieces`): a piece rendered as before is neither
        parsed nor fitted again, nor serialized (the same bytes as without it).
        """
        xml = sandbox.render(self.content, context, self.path, self.source)
        # Undo the line breaks added for line numbers: in the UTF-8, where the
        # same bytes stand for them (no multi-byte sequence holds an ASCII
        # byte), at a third less than on the text (two bytes a Hangul syllable).
        content = xml.encode("utf-8").replace(b"\n<w:p", b"<w:p")
        if known is not None:
            done = self._by_pieces(content, known)
            if done is not None:
                return done
        try:
            root = etree.fromstring(self.head_bytes + content + self.tail_bytes, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise TemplateError(
                self.path,
                tr(
                    f"태그가 깨진 문서를 만듭니다({exc.msg}). {{%p …%}}와 {{%tr …%}} 태그가 "
                    "저마다 자기 문단이나 행에 홀로 있는지, 모든 블록이 닫혔는지 보십시오.",
                    f"the tags produce a broken document ({exc.msg}); check that each "
                    "{%p …%} and {%tr …%} tag stands alone in its paragraph or row and "
                    "every block is closed",
                ),
            ) from None
        body = root.find(ooxml.w("body"))
        # Column loops ({%tc for %}) leave the template's grid behind: settle
        # every table's grid and cell widths to the columns it now has.
        if body is not None and ooxml.fit_tables(body, self.text_width):
            head, content, tail = _cut_document_bytes(root)
            if (head, tail) != (self.head_bytes, self.tail_bytes):  # lxml reads back what it wrote
                raise TemplateError(
                    self.path,
                    tr(
                        "본문 밖의 문서 부분이 바뀌었습니다.",
                        "the document changed outside its body content",
                    ),
                )
        return content

    def _by_pieces(self, content: bytes, known: Pieces) -> bytes | None:
        """What the whole-document path below makes of ``content``, piece by piece; None: take that path.

        Each top-level piece (:func:`ooxml.top_level_pieces`) parsed on its
        own between the head and tail, its tables fitted, serialized and cut,
        unless ``known`` holds it already. Pieces each well-formed make
        well-formed content, a table is fitted from itself alone, and lxml
        writes an element the same wherever it stands under the same root:
        so the result is the whole path's, byte for byte — the content as it
        came when no table was fitted, else every piece serialized. Anything
        a piece cannot settle (a broken tag, a section break cut wrongly) is
        left to the whole path, which reports it.
        """
        pieces = ooxml.top_level_pieces(content)
        if pieces is None:
            return None
        out: list[bytes] = []
        fitted = False
        for piece in pieces:
            name = hashlib.sha256(piece).digest()
            found = known.get(name)
            if found is None:
                found = self._fit_piece(piece)
                if found is None:
                    return None
            known.use(name, found)
            out.append(found[0])
            fitted = fitted or found[1]
        return b"".join(out) if fitted else content

    def _fit_piece(self, piece: bytes) -> tuple[bytes, bool] | None:
        """One top-level piece serialized with its tables fitted, and whether any was; None if it is not one."""
        try:
            root = etree.fromstring(self.head_bytes + piece + self.tail_bytes, _PARSER)
        except etree.XMLSyntaxError:
            return None
        body = root.find(ooxml.w("body"))
        if body is None:
            return None
        fitted = ooxml.fit_tables(body, self.text_width)
        head, serialized, tail = _cut_document_bytes(root)
        if (head, tail) != (self.head_bytes, self.tail_bytes):
            return None
        return serialized, fitted

    def content_of(self, document: bytes) -> str | None:
        """The body content of a DOCX this template made (None if it was not)."""
        found = self.content_bytes_of(document)
        return None if found is None else found.decode("utf-8")

    def content_bytes_of(self, document: bytes) -> bytes | None:
        """:meth:`content_of` as UTF-8, as the booklet takes it (no decoding, no copy as text)."""
        try:
            xml = ooxml.read_parts(document, (DOCUMENT_PART,))[DOCUMENT_PART]
            xml.decode("utf-8")  # well-formed UTF-8, as content_of would have it
        except (KeyError, ValueError, OSError, zipfile.BadZipFile):
            return None
        head, tail = self.head.encode("utf-8"), self.tail.encode("utf-8")
        if not (xml.startswith(head) and xml.endswith(tail)):
            return None
        return xml[len(head) : len(xml) - len(tail)]

    def package_with(
        self,
        content: str | bytes | ooxml.Deflated | ooxml.Joined,
        context: dict[str, Any],
        mark: str = "",
        properties: DocumentProperties | None = None,
    ) -> bytes:
        """The document with ``content`` as its body (a pledge's), or as its whole ``document.xml``.

        :class:`~reportgen.formats.ooxml.Deflated` (or ``Joined``) content is the whole
        ``document.xml``, head and tail included, deflated already (the
        booklet's segments joined, :meth:`DocxWriter.booklet_segments`): a
        booklet's body of 300 pledges is some 30 MB of XML that never exists
        in one piece.
        """
        # The static parts as deflated once (a preview's go in as bytes: its
        # parts are rewritten whole).
        parts: dict[str, bytes | ooxml.Deflated | ooxml.Joined] = (
            {name: self.package[name] for name in self.static_parts}
            if mark
            else dict(self.deflated_static())
        )
        if isinstance(content, ooxml.Deflated | ooxml.Joined):
            parts[DOCUMENT_PART] = content
        elif isinstance(content, bytes):
            parts[DOCUMENT_PART] = self.head_bytes + content + self.tail_bytes
        else:
            parts[DOCUMENT_PART] = (self.head + content + self.tail).encode("utf-8")
        if properties is not None and CORE_PART in parts:
            parts[CORE_PART] = properties.apply(self.package[CORE_PART])
        for name, template in self.parts.items():
            where = f"{self.path} ({name})"
            text = sandbox.render(template, context, where, self.part_sources.get(name, ""))
            parts[name] = text.encode("utf-8")
        static = self.static_parts
        if mark:  # a preview: its body is read and rewritten whole, as it must be
            joined = {
                n: zlib.decompress(d.packed, -15)
                if isinstance(d, ooxml.Deflated)
                else zlib.decompress(b"".join(d.pieces), -15)
                if isinstance(d, ooxml.Joined)
                else d
                for n, d in parts.items()
            }
            changed = add_mark_header(joined, mark)
            return ooxml.write_package(joined.items(), static=static - changed)
        return ooxml.write_package(parts.items(), static=static)


class Pieces:
    """What rendering a template's content made of each top-level piece: serialized, and whether fitted.

    Kept in this user's cache (:mod:`reportgen.formats.codecache`) under the
    template's head, tail and text width and the code, by the SHA-256 of each
    piece's rendered bytes; only the pieces of the last build's renders are
    kept. The booklet's front matter (cover, 총괄표, 목차: some 300 KB) is
    rendered on every rebuild, and after one pledge changed most of its
    pieces are the same bytes as before: parsing, fitting and serializing
    them again cost ~7 ms of a one-pledge rebuild. A pledge edited again is
    mostly its earlier pieces too (DocxOutput keeps those of a few pledges).
    """

    #: A piece this large (the 목차's table) is kept in an entry of its own,
    #: named by its digest and written once: the entry of the others is
    #: rewritten whenever one of them changed.
    LARGE = 32 * 1024

    def __init__(self, template: CompiledTemplate) -> None:
        self.entry = codecache.key(
            "docx-pieces",
            template.head_bytes + b"\0" + template.tail_bytes,
            str(template.text_width),
        )
        stored = codecache.load(self.entry)
        # name -> (serialized, fitted); serialized None: in an entry of its own.
        self.known: dict[bytes, tuple[bytes | None, bool]] = {}
        if isinstance(stored, dict):
            self.known = {
                name: (value[0], value[1])
                for name, value in stored.items()
                if isinstance(name, bytes)
                and isinstance(value, tuple)
                and len(value) == 2
                and (value[0] is None or isinstance(value[0], bytes))
                and isinstance(value[1], bool)
            }
        self.used: dict[bytes, tuple[bytes, bool]] = {}

    def _large(self, name: bytes) -> str:
        return codecache.key("docx-piece", name, self.entry)

    def get(self, name: bytes) -> tuple[bytes, bool] | None:
        found = self.known.get(name)
        if found is None:
            return None
        serialized, fitted = found
        if serialized is None:
            serialized = codecache.load(self._large(name))
            if not isinstance(serialized, bytes):
                del self.known[name]  # gone from the cache: made again, and stored
                return None
        return serialized, fitted

    def use(self, name: bytes, found: tuple[bytes, bool]) -> None:
        self.used[name] = found

    def keep(self) -> None:
        """Store the pieces of this render, unless they are those already stored."""
        if not self.used or self.used.keys() == self.known.keys():
            return
        index: dict[bytes, tuple[bytes | None, bool]] = {}
        for name, (serialized, fitted) in self.used.items():
            if len(serialized) < self.LARGE:
                index[name] = (serialized, fitted)
                continue
            if self.known.get(name, (b"", False))[0] is not None:  # not stored on its own yet
                codecache.store(self._large(name), serialized)
            index[name] = (None, fitted)
        codecache.store(self.entry, index)


# ---------------------------------------------------------------------------
# The 초안 mark: a header line on every page


MARK_HEADER_PART = "word/header_draft.xml"
_MARK_REL_ID = "rIdReportgenDraftHeader"
_RELS_PART = "word/_rels/document.xml.rels"
_TYPES_PART = "[Content_Types].xml"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _mark_paragraph(mark: str) -> etree._Element:
    """The mark as a right-aligned line in bold dark red."""
    p = etree.Element(ooxml.w("p"), nsmap={"w": ooxml.W_NS})
    jc = etree.SubElement(etree.SubElement(p, ooxml.w("pPr")), ooxml.w("jc"))
    jc.set(ooxml.w("val"), "right")
    run = etree.SubElement(p, ooxml.w("r"))
    props = etree.SubElement(run, ooxml.w("rPr"))
    etree.SubElement(props, ooxml.w("b"))
    etree.SubElement(props, ooxml.w("color")).set(ooxml.w("val"), "C00000")
    etree.SubElement(props, ooxml.w("sz")).set(ooxml.w("val"), "20")
    text = etree.SubElement(run, ooxml.w("t"))
    text.text = mark
    return p


def add_mark_header(parts: dict[str, bytes], mark: str) -> set[str]:
    """Put ``mark`` at the top of every page: in each header the sections use, or a new one.

    Every section gets a default and a first-page header reference (a cover
    with its own first page shows the mark too); a header of the template
    keeps its content below the mark. Returns the parts changed.
    """
    changed = {DOCUMENT_PART}
    root = etree.fromstring(parts[DOCUMENT_PART], _PARSER)
    rels = etree.fromstring(parts[_RELS_PART], _SAFE_PARSER)
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    marked: set[str] = set()
    need_own = False
    for sect in root.iter(ooxml.w("sectPr")):
        present = {
            ref.get(ooxml.w("type"), "default"): ref
            for ref in sect.findall(ooxml.w("headerReference"))
        }
        for kind in ("default", "first"):
            ref = present.get(kind)
            target = targets.get(ref.get(_R_ID)) if ref is not None else None
            if ref is None or not target:
                if ref is not None:
                    sect.remove(ref)
                new = etree.Element(ooxml.w("headerReference"))
                new.set(ooxml.w("type"), kind)
                new.set(_R_ID, _MARK_REL_ID)
                sect.insert(0, new)
                need_own = True
                continue
            name = "word/" + target.lstrip("/").removeprefix("word/")
            if name in parts and name not in marked:
                header = etree.fromstring(parts[name], _SAFE_PARSER)
                header.insert(0, _mark_paragraph(mark))
                parts[name] = etree.tostring(
                    header, xml_declaration=True, encoding="UTF-8", standalone=True
                )
                marked.add(name)
                changed.add(name)
    parts[DOCUMENT_PART] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    if need_own:
        header = etree.Element(ooxml.w("hdr"), nsmap={"w": ooxml.W_NS})
        header.append(_mark_paragraph(mark))
        parts[MARK_HEADER_PART] = etree.tostring(
            header, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        rel = etree.SubElement(rels, f"{{{_PKG_RELS}}}Relationship")
        rel.set("Id", _MARK_REL_ID)
        rel.set("Type", _REL_HEADER)
        rel.set("Target", "header_draft.xml")
        parts[_RELS_PART] = etree.tostring(
            rels, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        types = etree.fromstring(parts[_TYPES_PART], _SAFE_PARSER)
        override = etree.SubElement(types, f"{{{_TYPES_NS}}}Override")
        override.set("PartName", "/" + MARK_HEADER_PART)
        override.set("ContentType", _HEADER_TYPE)
        parts[_TYPES_PART] = etree.tostring(
            types, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        changed |= {MARK_HEADER_PART, _RELS_PART, _TYPES_PART}
    return changed


def _cut_document(root: etree._Element) -> tuple[str, str, str]:
    """Serialize ``root`` and cut it into head, body content and tail."""
    head, content, tail = _cut_document_bytes(root)
    return head.decode("utf-8"), content.decode("utf-8"), tail.decode("utf-8")


def _cut_document_bytes(root: etree._Element) -> tuple[bytes, bytes, bytes]:
    """Serialize ``root`` and cut it into head, body content and tail, as UTF-8.

    The cuts are two processing instructions put at the body's start and
    before its section properties for the moment of serializing, never a
    search through the XML.
    """
    body = root.find(ooxml.w("body"))
    if body is None:
        raise ValueError("no w:body")
    begin = etree.ProcessingInstruction(_BEGIN)
    end = etree.ProcessingInstruction(_END)
    body.insert(0, begin)
    sect = body.find(ooxml.w("sectPr"))
    if sect is not None:
        sect.addprevious(end)
    else:
        body.append(end)
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    begin_text = etree.tostring(begin)
    end_text = etree.tostring(end)
    body.remove(begin)
    body.remove(end)
    head, rest = text.split(begin_text, 1)
    content, tail = rest.split(end_text, 1)
    return head, content, tail


def _split_document(root: etree._Element, path: Path) -> tuple[str, str, str]:
    """Serialize ``root`` and cut it at the content markers into head, content, tail."""
    if root.find(ooxml.w("body")) is None:
        raise TemplateError(
            path, tr("Word 문서가 아닙니다(w:body가 없음).", "not a Word document (no w:body)")
        )
    return _cut_document(root)


def compile_template(path: Path, *, bookmark: bool = False) -> CompiledTemplate:
    """Read a DOCX template and compile its tags; errors name the template and the tag.

    With ``bookmark``, the first paragraph gets a bookmark named after the
    pledge (the booklet's table of contents points at it with PAGEREF).
    """
    data = ooxml.read_template(path)
    # What compiling these bytes made before, if this user's cache holds it
    # (reportgen.formats.codecache), the package's parts with it: every check
    # below ran on these very bytes before they were stored. The key holds
    # zlib's version, as the static parts are kept deflated.
    entry = codecache.key("docx", data, "bookmark" if bookmark else "", zlib.ZLIB_RUNTIME_VERSION)
    cached = _from_cache(path, codecache.load(entry))
    if cached is not None:
        return cached
    try:
        package = ooxml.read_package(data)
    except ooxml.PackageError as exc:
        raise TemplateError(path, str(exc)) from None
    except Exception as exc:  # a damaged or non-DOCX file: zipfile errors
        raise TemplateError(
            path,
            tr(f"읽을 수 있는 DOCX 파일이 아닙니다({exc}).", f"not a readable DOCX file ({exc})"),
        ) from None
    compiled = _compile(path, package, bookmark)
    codecache.store(entry, _cache_value(compiled))
    return compiled


class _Package(Mapping[str, bytes]):
    """A template's parts as the cache keeps them: the static ones inflated only when asked for."""

    def __init__(self, plain: dict[str, bytes], packed: dict[str, ooxml.Deflated]) -> None:
        self._plain = dict(plain)
        self._packed = packed

    def __getitem__(self, name: str) -> bytes:
        found = self._plain.get(name)
        if found is None:
            part = self._packed[name]  # KeyError: no such part
            found = zlib.decompress(part.packed, -15)
            self._plain[name] = found  # a preview asks for each part once a document
        return found

    def __iter__(self) -> Iterator[str]:
        yield from self._plain
        yield from (name for name in self._packed if name not in self._plain)

    def __len__(self) -> int:
        return len(self._plain.keys() | self._packed.keys())


def _cache_value(template: CompiledTemplate) -> tuple[Any, ...]:
    """What :func:`_from_cache` needs, marshal-able: the parts, text, numbers and the compiled code."""
    static = template.deflated_static()
    return (
        # The parts that are not static inflated (the body, headers, footers);
        # the static ones only deflated (styles.xml alone is ~0.4 MB).
        {name: blob for name, blob in template.package.items() if name not in static},
        {name: tuple(part) for name, part in static.items()},
        sorted(template.defined_styles()),
        template.head,
        template.tail,
        template.source,
        sorted(template.styles_used),
        template.text_width,
        template.code,
        dict(template.part_sources),
        dict(template.part_codes),
    )


def _from_cache(path: Path, value: Any) -> CompiledTemplate | None:
    """The template :func:`_cache_value` kept; None if it is not that."""
    try:
        (
            package,
            packed,
            defined,
            head,
            tail,
            source,
            styles,
            text_width,
            code,
            part_sources,
            part_codes,
        ) = value
        static = {
            name: ooxml.Deflated(crc, size, data)
            for name, (crc, size, data) in packed.items()
            if isinstance(crc, int) and isinstance(size, int) and isinstance(data, bytes)
        }
        if not (
            isinstance(package, dict)
            and all(isinstance(n, str) and isinstance(b, bytes) for n, b in package.items())
            and set(static) == set(packed)
            and not set(static) & set(package)
            and DOCUMENT_PART in package
            and set(part_codes) <= set(package)
            and all(isinstance(s, str) for s in defined)
            and isinstance(head, str)
            and isinstance(tail, str)
            and isinstance(source, str)
            and isinstance(text_width, int)
            and isinstance(code, types.CodeType)
            and all(isinstance(s, str) for s in styles)
            and set(part_codes) == set(part_sources)
            and all(isinstance(c, types.CodeType) for c in part_codes.values())
        ):
            return None
        parts = {name: sandbox.from_code(c) for name, c in part_codes.items()}
        return CompiledTemplate(
            path,
            _Package(package, static),
            head,
            tail,
            sandbox.from_code(code),
            source,
            set(styles),
            parts,
            dict(part_sources),
            text_width,
            code=code,
            part_codes=dict(part_codes),
            packed_static=static,
            styles_defined=frozenset(defined),
        )
    except Exception:  # noqa: BLE001 - not what was stored: compile instead
        return None


def _compile(path: Path, package: dict[str, bytes], bookmark: bool) -> CompiledTemplate:
    """:func:`compile_template` without the cache."""
    from docxtpl import DocxTemplate  # here: a build whose templates are cached never loads it

    try:
        # python-docx gets the parts just checked, never the template's own zip.
        tpl = DocxTemplate(io.BytesIO(ooxml.repack(package)))
        tpl.init_docx()
    except ooxml.PackageError as exc:
        raise TemplateError(path, str(exc)) from None
    except Exception as exc:  # a damaged or non-DOCX file: zipfile, lxml, python-docx errors
        raise TemplateError(
            path,
            tr(f"읽을 수 있는 DOCX 파일이 아닙니다({exc}).", f"not a readable DOCX file ({exc})"),
        ) from None
    if DOCUMENT_PART not in package:
        raise TemplateError(
            path,
            tr(
                "Word 문서가 아닙니다(word/document.xml이 없음).",
                "not a Word document (no word/document.xml)",
            ),
        )

    root = copy.deepcopy(tpl.docx.element)
    body = root.find(ooxml.w("body"))
    if body is not None:
        check_tags(body, path)
    ooxml.apply_cell_tags(body)
    if bookmark:
        first = body.find(ooxml.w("p"))
        if first is not None:
            # Filled by Jinja; only ever in memory, so Word never sees it.
            ooxml.add_bookmark(first, "{{ p_number }}", "{{ p.anchor }}")
    styles_used = ooxml.referenced_styles(body)
    text_width = (ooxml.text_width(body) if body is not None else None) or DEFAULT_TEXT_WIDTH
    head, content, tail = _split_document(root, path)
    for static in (head, tail):
        if "{{" in static or "{%" in static:
            raise TemplateError(
                path,
                tr(
                    "구역 속성(용지, 여백 …)에는 태그를 쓸 수 없습니다.",
                    "tags in the section properties are not supported",
                ),
            )
    source = tpl.patch_xml(content)
    # One paragraph per line, so Jinja's line numbers point at a paragraph.
    source = source.replace("<w:p>", "\n<w:p>").replace("<w:p ", "\n<w:p ")
    code = sandbox.compile_code(source, path)

    parts: dict[str, jinja2.Template] = {}
    part_sources: dict[str, str] = {}
    part_codes: dict[str, types.CodeType] = {}
    for name, blob in package.items():
        if name.startswith(("word/header", "word/footer")) and name.endswith(".xml"):
            where = f"{path} ({name})"
            try:
                check_tags(etree.fromstring(blob, _SAFE_PARSER), where)
            except etree.XMLSyntaxError as exc:
                raise TemplateError(
                    where,
                    tr(f"XML 문법이 틀렸습니다({exc.msg}).", f"not well-formed XML ({exc.msg})"),
                ) from None
            text = blob.decode("utf-8")
            if "{{" in text or "{%" in text:
                part_sources[name] = tpl.patch_xml(text)
                part_codes[name] = sandbox.compile_code(part_sources[name], where)
                parts[name] = sandbox.from_code(part_codes[name])
    return CompiledTemplate(
        path,
        package,
        head,
        tail,
        sandbox.from_code(code),
        source,
        styles_used,
        parts,
        part_sources,
        text_width,
        code=code,
        part_codes=part_codes,
    )


@dataclass
class DocxWriter:
    """Renders pledge pages and booklets from a pair of compiled templates."""

    pledge: CompiledTemplate
    booklet: CompiledTemplate
    # What earlier builds made of the pledge template's pieces (:class:`Pieces`),
    # set by a rebuild that lays out only a few pledges.
    pledge_pieces: Pieces | None = None

    @classmethod
    def from_directory(cls, templates: Path) -> DocxWriter:
        pledge = compile_template(templates / "pledge.docx", bookmark=True)
        booklet = compile_template(templates / "booklet.docx")
        defined = booklet.defined_styles()
        missing = sorted(pledge.styles_used - defined)
        if missing:
            raise TemplateError(
                booklet.path,
                tr(
                    f"{pledge.path.name}이(가) 쓰는 스타일이 없습니다: {', '.join(missing)}. "
                    "Word의 스타일 관리 > 가져오기/내보내기로 복사해 오십시오.",
                    f"lacks the style(s) {', '.join(missing)} used by {pledge.path.name}; "
                    "copy them over (Word: 스타일 관리 > 가져오기/내보내기)",
                ),
            )
        return cls(pledge, booklet)

    # pledge.docx sees ``p`` (the pledge's view), ``p_number`` (its place in
    # the report, 1-based) and ``report`` (a ReportInfo: city, title, term,
    # period — nothing about other pledges), which makes its pages cacheable.
    def pledge_content(
        self, view: PledgeView, report: ReportInfo | ReportView, number: int
    ) -> bytes:
        """One pledge's pages as body content, UTF-8 (shared by its file and the booklet).

        By piece as earlier renders made them where :attr:`pledge_pieces` is set.
        """
        context = {"p": view, "report": report, "p_number": number}
        return self.pledge.render_content_bytes(context, self.pledge_pieces)

    def pledge_document(
        self,
        view: PledgeView,
        report: ReportInfo | ReportView,
        number: int,
        content: str | bytes | ooxml.Deflated,
    ) -> bytes:
        """One pledge's own DOCX: ``content`` its body (text or UTF-8), or its whole
        ``document.xml`` deflated already (:meth:`CompiledTemplate.document_around`)."""
        context = {"p": view, "report": report, "p_number": number}
        properties = DocumentProperties(view.document_title, report.city)
        return self.pledge.package_with(content, context, view.draft_mark, properties)

    def booklet_document(
        self,
        report: ReportView,
        contents: Sequence[str | bytes],
        pages: Mapping[str, int] | None = None,
    ) -> bytes:
        """Cover, 총괄표, 목차, then every pledge's pages (each starts a new page).

        ``contents``: each pledge's body content, as text or UTF-8.
        ``pages``: each pledge's first page by its bookmark, stored as the 목차's
        field results (LibreOffice's when a PDF was made, else the estimate of
        :mod:`reportgen.formats.pagination`).
        """
        from .pagination import estimate

        segments = [
            ooxml.deflate_segment(c.encode("utf-8") if isinstance(c, str) else c) for c in contents
        ]
        return self._booklet(report, segments, dict(pages or estimate(report)))[0]

    def booklet_segments(
        self,
        report: ReportView,
        pledges: Sequence[ooxml.Deflated],
        counts: Sequence[int] | None = None,
        earlier: ooxml.Earlier | None = None,
    ) -> tuple[bytes, list[ooxml.Span]]:
        """:meth:`booklet_document` from every pledge's body deflated already, each a segment.

        ``pledges``: each pledge's body content as
        :func:`~reportgen.formats.ooxml.deflate_segment` made it (a worker, or
        the previous booklet: a segment depends on its pledge's content alone).
        ``counts``: each pledge's estimated page count, for the 목차.
        ``earlier``: the previous booklet's body segments, checked, with its
        CRC table: the blocks of segments it shares are not combined again.

        Returns the booklet and where each segment lies in its
        ``document.xml`` (the front matter's, the pledges', the tail's), for the
        manifest, so that a rebuild can take them back; none for a preview,
        whose body is rewritten whole to carry its mark.
        """
        from .pagination import estimate

        return self._booklet(report, pledges, estimate(report, counts), earlier)

    def _booklet(
        self,
        report: ReportView,
        pledges: Sequence[ooxml.Deflated],
        pages: dict[str, int],
        earlier: ooxml.Earlier | None = None,
    ) -> tuple[bytes, list[ooxml.Span]]:
        """The booklet's ``document.xml`` as segments: the template's head with the
        front matter, every pledge's, and the template's tail (final), each
        deflated on its own and joined without inflating anything."""
        context = {"report": report, "pages": pages}
        # The front matter by piece, as earlier builds made them (none without the cache).
        known = Pieces(self.booklet) if codecache.directory() is not None else None
        front = self.booklet.render_content_bytes(context, known)
        if known is not None:
            known.keep()
        segments = [
            ooxml.deflate_segment(self.booklet.head_bytes + front),
            *pledges,
            ooxml.deflate_segment(self.booklet.tail_bytes, final=True),
        ]
        properties = DocumentProperties(report.document_title, report.city)
        cached = codecache.directory() is not None
        if cached:
            codecache.prime_crc_maps()  # the CRC-32 tables an earlier build made
        joined, blocks = ooxml.join_blocks(segments, earlier)
        document = self.booklet.package_with(joined, context, report.draft_mark, properties)
        if report.draft_mark:
            return document, []
        if cached:
            from .render import keep_blocks

            # The next build checks this body's segments by the table, not one by one.
            keep_blocks(joined, [(s.crc, s.size) for s in segments], blocks)
            codecache.keep_crc_maps()
        return document, ooxml.spans(segments)


_PAGEREF = re.compile(r"^\s*PAGEREF\s+(\S+)")


def with_page_numbers(document: bytes, pages: Mapping[str, int]) -> bytes:
    """``document`` with each 목차 ``PAGEREF`` field's stored result set to its page.

    What a viewer that never updates fields shows (Word updates them on
    open). Only the field results change: runs between the field's
    ``separate`` and ``end`` marks, the first given the number, the others emptied.
    """
    parts = ooxml.read_package(document, own=True)
    root = etree.fromstring(parts[DOCUMENT_PART], _PARSER)
    target: str | None = None
    instruction: list[str] = []
    state = ""  # "", "instr", "result"
    written = False
    for node in root.iter(ooxml.w("fldChar"), ooxml.w("instrText"), ooxml.w("t")):
        if node.tag == ooxml.w("fldChar"):
            kind = node.get(ooxml.w("fldCharType"))
            if kind == "begin":
                state, instruction, target, written = "instr", [], None, False
            elif kind == "separate" and state == "instr":
                m = _PAGEREF.match("".join(instruction))
                target = m.group(1) if m and m.group(1) in pages else None
                state = "result"
            elif kind == "end":
                state = ""
        elif node.tag == ooxml.w("instrText") and state == "instr":
            instruction.append(node.text or "")
        elif node.tag == ooxml.w("t") and state == "result" and target is not None:
            node.text = "" if written else str(pages[target])
            written = True
    parts[DOCUMENT_PART] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    return ooxml.write_package(parts.items())
