"""The booklet PDF is joined part by part into a file, in bounded memory (issue 26).

Joining the tagged parts in qpdf held every part's structure tree until the
booklet was written: 3.0 GB at 300 pledges. :class:`reportgen.formats.pdfbooklet.Booklet`
now copies each part's objects into the file as it comes
(:mod:`reportgen.formats.pdfstream`) and keeps only their numbers. These tests
need no LibreOffice: the parts are tagged PDFs made here the way LibreOffice
makes them (a Document element of paragraphs of spans, one parent-tree entry
a page, the spans' layout attributes in objects of their own).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from reportgen.formats import pdfbooklet, pdfstream
from tests.test_pdf import _structure_problems

ROOT = Path(__file__).resolve().parent.parent


def tagged_part(label: str, pages: int, spans: int = 3, links: int = 0) -> bytes:
    """A tagged PDF/A-like part: each page a paragraph of ``spans`` spans, text ``label p<n>``."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array())
    )
    numbers = Array()
    for n in range(pages):
        marks = b"".join(
            b"/Span <</MCID %d>> BDC BT /F1 10 Tf 72 %d Td (%s p%d s%d) Tj ET EMC\n"
            % (k, 700 - 14 * k, label.encode(), n + 1, k)
            for k in range(spans)
        )
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(marks)
        page.obj.StructParents = n
        paragraph = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.P, P=document, Pg=page.obj, K=Array())
        )
        parents = Array()
        for k in range(spans):
            span = pdf.make_indirect(
                Dictionary(
                    Type=Name.StructElem,
                    S=Name.Span,
                    P=paragraph,
                    Pg=page.obj,
                    K=Array([k]),
                    Lang=String("en-US"),
                    A=pdf.make_indirect(Dictionary(O=Name.Layout, Placement=Name.Inline)),
                )
            )
            paragraph.K.append(span)
            parents.append(span)
        document.K.append(paragraph)
        numbers.append(n)
        numbers.append(parents)
    for n in range(links):
        page = pdf.pages[0].obj
        link = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array([72, 100 + 20 * n, 120, 115 + 20 * n]),
                Contents=String(str(n + 1)),
                Dest=Array([page, Name.XYZ, None, 842, None]),
                StructParent=pages + n,
            )
        )
        page.Annots = Array([*(page.get("/Annots") or ()), link])
        element = pdf.make_indirect(
            Dictionary(
                Type=Name.StructElem,
                S=Name.Link,
                P=document,
                Pg=page,
                K=Array([Dictionary(Type=Name.OBJR, Obj=link, Pg=page)]),
            )
        )
        document.K.append(element)
        numbers.append(pages + n)
        numbers.append(element)
    root.K = Array([document])
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=numbers))
    root.ParentTreeNextKey = pages + links
    root.RoleMap = Dictionary({"/공약시작": Name.P})
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = String("ko-KR")
    xmp = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">' + label.encode() + b"</rdf:li>"
        b"</rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>"
        b'<?xpacket end="w"?>'
    )
    pdf.Root.Metadata = pdf.make_stream(xmp, Type=Name.Metadata, Subtype=Name.XML)
    pdf.docinfo[Name.Title] = String(label)
    pdf.docinfo[Name.CreationDate] = String("D:20261205010203Z'")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _texts(data: bytes) -> list[str]:
    """Each page's text, as the content stream draws it."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = []
        for page in pdf.pages:
            shown = [
                str(operands[0])
                for operands, operator in pikepdf.parse_content_stream(page)
                if str(operator) == "Tj"
            ]
            out.append(" ".join(shown))
        return out


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_booklet_is_every_part_in_order_tagged_as_one(tmp_path: Path) -> None:
    front = tagged_part("front", 2, links=2)
    parts = [tagged_part(f"part{k}", 3 + k) for k in range(1, 4)]
    booklet = pdfbooklet.join([front, *parts], links={"1": 2, "2": 5})
    pages = _texts(booklet)
    assert len(pages) == 2 + 4 + 5 + 6
    assert pages[0].startswith("front p1 s0") and pages[2].startswith("part1 p1 s0")
    assert pages[-1].startswith("part3 p6 s0")
    assert _structure_problems_of(booklet, tmp_path) == []
    with pikepdf.open(io.BytesIO(booklet)) as pdf:
        tree = pdf.Root.StructTreeRoot
        (document,) = list(tree.K)
        assert document.S == "/Document"
        # Every paragraph under one Document, in page order; the links too.
        kids = list(document.K)
        assert len(kids) == 2 + 2 + 4 + 5 + 6
        # Each page's marked-content key its own (the front matter's follow the parts').
        keys = [int(p.obj.StructParents) for p in pdf.pages]
        assert len(set(keys)) == len(keys)
        assert int(tree.ParentTreeNextKey) > max(keys)
        assert tree.RoleMap["/공약시작"] == Name.P
        # The contents' links point at the booklet's pages of those indexes.
        links = list(pdf.pages[0].obj.Annots)
        targets = {str(a.Contents): a.Dest[0].objgen for a in links}
        assert targets == {"1": pdf.pages[2].obj.objgen, "2": pdf.pages[5].obj.objgen}
        # The document details are the front matter's, its time fixed.
        assert str(pdf.docinfo.Title) == "front"
        assert str(pdf.docinfo.CreationDate).startswith("D:20000101000000")
        assert b">front</rdf:li>" in pdf.Root.Metadata.read_bytes()
        assert str(pdf.Root.Lang) == "ko-KR"


def test_parts_given_in_any_order_make_the_same_bytes(tmp_path: Path) -> None:
    front = _write(tmp_path, "front.pdf", tagged_part("front", 1))
    parts = [_write(tmp_path, f"p{k}.pdf", tagged_part(f"part{k}", 2)) for k in range(1, 6)]

    def booklet(order: list[int]) -> bytes:
        buffer = io.BytesIO()
        made = pdfbooklet.Booklet(buffer)
        for k in order:
            made.add(k, parts[k - 1])
        made.add(0, front)
        made.finish()
        return buffer.getvalue()

    assert booklet([1, 2, 3, 4, 5]) == booklet([2, 1, 4, 5, 3]) == booklet([5, 4, 3, 2, 1])


def test_each_pledge_cut_out_keeps_its_own_tags_and_title(tmp_path: Path) -> None:
    part = tagged_part("part", 6)
    cut = pdfbooklet.cut_pages(part, [(1, 2), (3, 6)], ["첫 공약", "둘째 공약"])
    assert [len(_texts(c)) for c in cut] == [2, 4]
    assert _texts(cut[1])[0].startswith("part p3 s0")
    for data, title in zip(cut, ["첫 공약", "둘째 공약"], strict=True):
        assert _structure_problems_of(data, tmp_path) == []
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert str(pdf.docinfo.Title) == title
            assert f">{title}</rdf:li>".encode() in pdf.Root.Metadata.read_bytes()
            assert "/Filter" not in pdf.Root.Metadata  # PDF/A: the XMP unfiltered
            # Only its own pages' paragraphs, each naming a page of this PDF.
            (document,) = list(pdf.Root.StructTreeRoot.K)
            assert len(list(document.K)) == len(pdf.pages)


def test_the_file_is_sound_object_streams_and_a_cross_reference_stream() -> None:
    booklet = pdfbooklet.join([tagged_part("front", 1), tagged_part("part", 2)])
    assert booklet.startswith(b"%PDF-1.")
    assert booklet[9:15] == b"%\xbf\xf7\xa2\xfe\n"  # marked binary, as PDF/A asks
    assert booklet.rstrip().endswith(b"%%EOF")
    with pikepdf.open(io.BytesIO(booklet)) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert "/ID" in pdf.trailer
        assert any(
            o.get("/Type") == "/ObjStm" for o in pdf.objects if isinstance(o, pikepdf.Stream)
        )


def _structure_problems_of(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / f"check{zlib.crc32(data)}.pdf"
    path.write_bytes(data)
    return _structure_problems(path)


_MEASURE = """
import io, json, resource, sys
from pathlib import Path
from reportgen.formats import pdfbooklet, pdfstream
parts = sorted(Path(sys.argv[1]).glob("p*.pdf"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
buffer = open(sys.argv[2], "wb")
booklet = pdfbooklet.Booklet(buffer)
for k, part in enumerate(parts):
    booklet.add(k, part)
booklet.finish()
buffer.close()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_mb": before / 1024, "after_mb": after / 1024}))
"""


@pytest.mark.parametrize("count", [4, 16])
def test_joining_holds_one_part_at_a_time(tmp_path: Path, count: int) -> None:
    """The peak grows with the largest part, not with the booklet (3.0 GB at 300 pledges)."""
    part = tagged_part("part", 20, spans=150)  # ~9,000 objects, like a 15-page part
    for k in range(count):
        _write(tmp_path, f"p{k:03d}.pdf", part)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(tmp_path), str(tmp_path / "booklet.pdf")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    measured = json.loads(done.stdout)
    grown = measured["after_mb"] - measured["before_mb"]
    assert len(_texts((tmp_path / "booklet.pdf").read_bytes())) == 20 * count
    # Measured: nothing grown at 4 parts or at 16; joined in qpdf's memory as
    # before, 27 MB at 4 parts and 215 MB at 16 (~13 MB a part).
    assert grown < 40, measured


def test_objects_read_from_the_file_make_the_same_pdfs(tmp_path: Path) -> None:
    """Objects taken from the part's file (RawObjects), not through qpdf, make the same PDFs."""
    part = tagged_part("part", 6, links=1)
    raw = pdfstream.RawObjects.read(part)
    assert raw is not None
    plain = [key for key in raw.offsets if raw.body(key) is not None]
    assert len(plain) > len(raw.offsets) / 2  # most of them: not the streams
    ranges, titles = [(1, 2), (3, 6)], ["첫 공약", "둘째 공약"]
    with pdfbooklet.open_pdf(part) as pdf:
        cache: pdfbooklet.Cache = {}
        read = pdfbooklet.cut_pages(pdf, ranges, titles, cache, raw)
        buffer = io.BytesIO()
        booklet = pdfbooklet.Booklet(buffer)
        booklet.add(0, tagged_part("front", 1))
        booklet.add(1, part, opened=pdf, cache=cache, raw=raw)
        booklet.finish()
    unparsed = pdfbooklet.cut_pages(part, ranges, titles)
    whole = pdfbooklet.join([tagged_part("front", 1), part])
    for ours, theirs in [*zip(read, unparsed, strict=True), (buffer.getvalue(), whole)]:
        assert _texts(ours) == _texts(theirs)
        assert _structure_problems_of(ours, tmp_path) == []
        with pikepdf.open(io.BytesIO(ours)) as a, pikepdf.open(io.BytesIO(theirs)) as b:
            assert a.check_pdf_syntax() == []
            assert [int(p.obj.StructParents) for p in a.pages] == [
                int(p.obj.StructParents) for p in b.pages
            ]
            assert len(a.objects) == len(b.objects)


def test_only_plain_unchanged_objects_are_read_from_the_file() -> None:
    bodies = {
        b"1 0 R": b"<</Type/StructElem/S/Span/P 2 0 R/Pg 3 0 R/K[1]/Lang(en-US)>>",
        b"2 0 R": b"<</Alt(a (nested) string)>>",  # qpdf knows how to read it
        b"3 0 R": b"<</P 1 0\nR>>",  # a reference spelt otherwise
        b"4 0 R": b"<</Length 3>>\nstream\nabc\nendstream",
        b"5 0 R": b"<</Width -1.5/Height .5/Alt<FEFF0041>/Hidden false>>",
    }
    data, offsets = b"%PDF-1.6\n", {}
    for key, body in bodies.items():
        offsets[key] = len(data)
        data += key[:-1] + b"obj\n" + body + b"\nendobj\n"
    raw = pdfstream.RawObjects(data, offsets)
    assert raw.body(b"1 0 R") == bodies[b"1 0 R"]
    assert raw.body(b"5 0 R") == bodies[b"5 0 R"]
    assert [raw.body(k) for k in (b"2 0 R", b"3 0 R", b"4 0 R", b"9 0 R")] == [None] * 4
    raw.change((1, 0))  # changed in qpdf's copy: qpdf's it is
    assert raw.body(b"1 0 R") is None
    # A file without one classic cross-reference table is left to qpdf.
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(tagged_part("part", 1))) as pdf:
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert pdfstream.RawObjects.read(out.getvalue()) is None


def _profile(when: tuple[int, ...]) -> bytes:
    """An ICC profile's first 128 bytes (its header) stamped ``when``, and a tail."""
    header = bytearray(128)
    header[24:36] = b"".join(v.to_bytes(2, "big") for v in when)
    header[36:40] = b"acsp"
    return bytes(header) + b"\x00tag table and data" * 10


def test_an_icc_profile_gets_a_fixed_creation_time() -> None:
    made = [zlib.compress(_profile((2026, 12, 5, 7, m, s)), 6) for m, s in ((14, 52), (15, 0))]
    fixed = [pdfstream.fixed_profile(d, Name.FlateDecode, None) for d in made]
    assert fixed[0] == fixed[1]
    assert zlib.decompress(fixed[0]) == _profile((2000, 1, 1, 0, 0, 0))
    # Anything else is left as it is: not deflated, with parameters, no profile.
    assert pdfstream.fixed_profile(made[0], Name.DCTDecode, None) == made[0]
    assert pdfstream.fixed_profile(made[0], Name.FlateDecode, Dictionary(Predictor=12)) == made[0]
    other = zlib.compress(b"\x00" * 200)
    assert pdfstream.fixed_profile(other, Name.FlateDecode, None) == other
    assert pdfstream.fixed_profile(b"not zlib", Name.FlateDecode, None) == b"not zlib"
