"""The booklet by part (issue 26): its body deflated pledge by pledge, unchanged pledges reused by key."""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.formats import ooxml, pagination, writers
from reportgen.formats.docx import DocxWriter
from reportgen.formats.render import PreviousBuild
from reportgen.workspace.output import MANIFEST

from .synthetic import write_synthetic_records

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = "word/document.xml"


def _pieces(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    words = [b"<w:p><w:r><w:t>", "공약 추진실적".encode(), b"</w:t></w:r></w:p>", b"x" * 50]
    pieces = [b"".join(rng.choice(words) for _ in range(rng.randrange(0, 3000))) for _ in range(9)]
    pieces.insert(3, b"")  # an empty piece is a segment too
    pieces.append(rng.randbytes(70_000))  # and one deflate cannot shrink
    return pieces


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_segments_joined_are_the_deflate_and_crc_of_the_whole(seed: int) -> None:
    pieces = _pieces(seed)
    segments = [ooxml.deflate_segment(p) for p in pieces[:-1]]
    segments.append(ooxml.deflate_segment(pieces[-1], final=True))
    whole = b"".join(pieces)
    joined = ooxml.join_segments(segments)
    assert zlib.decompress(joined.packed, -15) == whole
    assert joined.crc == zlib.crc32(whole) and joined.size == len(whole)
    # A zip reader takes it as the part it is (its CRC checked at the end of the read).
    package = ooxml.write_package([("[Content_Types].xml", b"<Types/>"), (DOCUMENT, joined)])
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert zf.read(DOCUMENT) == whole
    # The segments a manifest describes are found again, exactly.
    assert ooxml.segments_of(joined, ooxml.spans(segments)) == segments


def test_crc32_combine_is_zlibs() -> None:
    rng = random.Random(5)
    for length_a, length_b in [(0, 0), (0, 7), (7, 0), (1, 1), (1000, 3), (5, 100_001)]:
        a, b = rng.randbytes(length_a), rng.randbytes(length_b)
        combined = ooxml.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b))
        assert combined == zlib.crc32(a + b)


def test_crc32_combine_by_table_is_zlibs_bit_by_bit() -> None:
    """The tabled product equals zlib's crc32_combine as crc32.c computes it, at any length."""

    def zlib_combine(crc1: int, crc2: int, len2: int) -> int:  # crc32.c, multmodp and x2nmodp
        shift, k, n = 1 << 31, 3, len2
        while n:
            if n & 1:
                shift = ooxml._multmodp(ooxml._X2N[k & 31], shift)
            n >>= 1
            k += 1
        return ooxml._multmodp(shift, crc1) ^ crc2

    rng = random.Random(6)
    lengths = [0, 1, 2, 3, 255, 256, 65_535, 1 << 29, 1 << 31, (1 << 40) + 12_345]
    lengths += [rng.getrandbits(bits) for bits in (8, 17, 24, 33, 48) for _ in range(40)]
    for n in lengths:
        crc1, crc2 = rng.getrandbits(32), rng.getrandbits(32)
        assert ooxml.crc32_combine(crc1, crc2, n) == zlib_combine(crc1, crc2, n)
        assert ooxml.crc32_combine(0xFFFFFFFF, 0, n) == zlib_combine(0xFFFFFFFF, 0, n)


def test_segments_that_do_not_add_up_are_refused() -> None:
    pieces = _pieces(4)
    segments = [ooxml.deflate_segment(p) for p in pieces[:-1]]
    segments.append(ooxml.deflate_segment(pieces[-1], final=True))
    joined = ooxml.join_segments(segments)
    held = ooxml.spans(segments)
    assert ooxml.segments_of(joined, held) is not None
    wrong_crc = [*held[:2], held[2]._replace(crc=held[2].crc ^ 1), *held[3:]]
    wrong_size = [*held[:2], held[2]._replace(size=held[2].size + 1), *held[3:]]
    # Two segments' boundary moved: the lengths still add up, the flush marks do not.
    moved = [*held[:1], held[1]._replace(length=held[1].length - 2)]
    moved += [held[2]._replace(offset=held[2].offset - 2, length=held[2].length + 2), *held[3:]]
    for bad in (wrong_crc, wrong_size, moved, held[1:], held[:-1], [], [*held, held[-1]]):
        assert ooxml.segments_of(joined, bad) is None
    # A name the manifest may hold: parsed back, or refused.
    name = ooxml.span_name(DOCUMENT, held[2], 4)
    assert ooxml.parse_span_name(name) == (DOCUMENT, held[2], 4)
    for bad_name in ("xl/worksheets/sheet1.xml", "a;1;2;3;4", "a;1;2;-3;4;5", "a;1;2;٣;4;5"):
        assert ooxml.parse_span_name(bad_name) is None


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    write_synthetic_records(tmp_path / "records", 30)
    return tmp_path


def _build(ws: Path, out: Path, *args: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "build",
            "2022H1",
            "--records",
            str(ws / "records"),
            "--templates",
            str(ws / "templates"),
            "--out",
            str(out),
            "-j",
            "1",
            *args,
        ],
    )
    assert result.exit_code == 0, result.output


def _tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def _change_one(ws: Path) -> None:
    path = ws / "records" / "1-1-3.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


class _Spy:
    """Counts the booklet segments deflated and the pledges measured for the 목차.

    The pledge template's own head and tail, deflated once a build to wrap
    each pledge's body segment into its own ``document.xml``
    (``CompiledTemplate.document_around``), are not the booklet's and not counted.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, templates: Path) -> None:
        self.deflated: list[int] = []
        self.measured: list[str] = []
        real_deflate, real_pages = ooxml.deflate_segment, pagination.pledge_pages
        pledge = DocxWriter.from_directory(templates).pledge
        wrapping = (pledge.head_bytes, pledge.tail_bytes)

        def deflate(data: bytes, *, final: bool = False) -> ooxml.Deflated:
            if data not in wrapping:
                self.deflated.append(len(data))
            return real_deflate(data, final=final)

        def pages(view):  # type: ignore[no-untyped-def]
            self.measured.append(view.id)
            return real_pages(view)

        monkeypatch.setattr(writers, "deflate_segment", deflate)
        monkeypatch.setattr(ooxml, "deflate_segment", deflate)
        monkeypatch.setattr(pagination, "pledge_pages", pages)


def _booklet(out: Path) -> str:
    (name,) = [p.name for p in out.glob("*.docx")]
    return name


def test_one_changed_pledge_deflates_only_its_segment_and_matches_a_cold_build(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cold = workspace / "out", workspace / "cold"
    _build(workspace, out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    booklet = _booklet(out)
    # Every pledge's segment, the front matter's and the tail's.
    assert len(manifest["part_keys"][booklet]) == 30 + 2
    _change_one(workspace)
    spy = _Spy(monkeypatch, workspace / "templates")
    _build(workspace, out)
    # The changed pledge's segment, the front matter (with the 목차) and the tail; one measured.
    assert len(spy.deflated) == 3
    assert spy.measured == ["1-1-3"]
    spy.deflated.clear()
    spy.measured.clear()
    _build(workspace, cold)
    assert len(spy.deflated) == 30 + 2 and len(spy.measured) == 30
    assert _tree(out) == _tree(cold)
    # The booklet reads as a Word document, every pledge in it.
    document = docx.Document(str(out / booklet))
    texts = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any("일자리경제과" in text for text in texts)
    with zipfile.ZipFile(out / booklet) as zf:
        assert zf.testzip() is None  # every part inflates to its CRC
    _build(workspace, out, "--check")


def _reuse_after(workspace: Path, monkeypatch: pytest.MonkeyPatch, damage: object) -> list[int]:
    out = workspace / "out"
    _build(workspace, out)
    damage(out)  # type: ignore[operator]
    _change_one(workspace)
    spy = _Spy(monkeypatch, workspace / "templates")
    _build(workspace, out, "--force")  # a file changed by hand is replaced only when asked
    cold = workspace / "cold"
    _build(workspace, cold)
    assert _tree(out) == _tree(cold)
    return spy.deflated[: len(spy.deflated) // 2]


def _edit_manifest(out: Path, change: object) -> None:
    path = out / MANIFEST
    doc = json.loads(path.read_text(encoding="utf-8"))
    parts = doc["part_keys"][_booklet(out)]
    doc["part_keys"][_booklet(out)] = dict(change(list(parts.items())))  # type: ignore[operator]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _altered_crc(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    name, key = items[5]
    fields = name.split(";")
    fields[3] = str(int(fields[3]) ^ 0x10)
    return [*items[:5], (";".join(fields), key), *items[6:]]


def _altered_length(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    name, key = items[5]
    fields = name.split(";")
    fields[2] = str(int(fields[2]) - 1)
    return [*items[:5], (";".join(fields), key), *items[6:]]


@pytest.mark.parametrize(
    "damage",
    [
        # The booklet's bytes changed: its digest no longer matches.
        lambda out: (out / _booklet(out)).write_bytes((out / _booklet(out)).read_bytes() + b"\0"),
        # A segment's CRC or length altered in the manifest.
        lambda out: _edit_manifest(out, _altered_crc),
        lambda out: _edit_manifest(out, _altered_length),
    ],
    ids=["booklet-bytes", "segment-crc", "segment-length"],
)
def test_a_tampered_previous_booklet_is_not_reused(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, damage: object
) -> None:
    deflated = _reuse_after(workspace, monkeypatch, damage)
    assert len(deflated) == 30 + 2  # every segment deflated again: a cold booklet


def test_a_booklet_rewritten_whole_is_not_taken_apart(workspace: Path) -> None:
    """The booklet a PDF build stores (its 목차 rewritten whole) does not match its segments."""
    out = workspace / "out"
    _build(workspace, out)
    booklet = _booklet(out)
    data = (out / booklet).read_bytes()
    parts = ooxml.read_package(data, own=True)
    rewritten = ooxml.write_package(
        parts.items()
    )  # one deflate stream, as with_page_numbers writes
    path = out / MANIFEST
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["files"][booklet] = hashlib.sha256(rewritten).hexdigest()
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (out / booklet).write_bytes(rewritten)
    previous = PreviousBuild(out)
    keys = [k for k, (name, _part) in previous.by_part.items() if name == booklet]
    assert keys and all(previous.get_segment(k) is None for k in keys)


def _page_counts(out: Path) -> list[int]:
    """The page counts the manifest keeps with the pledges' segments, in booklet order."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    spans = [ooxml.parse_span_name(name) for name in manifest["part_keys"][_booklet(out)]]
    ordered = sorted((s[1].offset, s[2]) for s in spans if s is not None)
    return [pages for _offset, pages in ordered[1:-1]]  # not the front matter's, not the tail's


def test_a_pledge_grown_by_pages_moves_the_later_pledges_in_the_contents_as_a_cold_build(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 목차 from kept page counts and one measured again: exactly a cold build's."""
    out, cold = workspace / "out", workspace / "cold"
    _build(workspace, out)
    before = _page_counts(out)
    path = workspace / "records" / "1-1-3.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    problems = record["reports"]["2022H1"]["problems"]["problems"]
    problems.extend({"text": f"추가 문제점 {i}: " + "긴 설명 " * 30} for i in range(60))
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    spy = _Spy(monkeypatch, workspace / "templates")
    _build(workspace, out)
    assert spy.measured == ["1-1-3"]
    after = _page_counts(out)
    grown = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(grown) == 1 and after[grown[0]] > before[grown[0]]
    _build(workspace, cold)
    assert _tree(out) == _tree(cold)


def test_a_pledges_own_document_wraps_the_booklets_segment_of_its_body() -> None:
    """The body is deflated once: the booklet's segment, and inside the pledge's own file."""
    from reportgen.records.periods import Period
    from reportgen.records.validate import check
    from reportgen.report.view import report_info, report_view

    records, _warnings = check(ROOT / "records")
    assert records.settings is not None
    period = Period.parse("2022H1")
    report = report_view(records.pledges, period, records.settings)
    info = report_info(period, records.settings)
    writer = DocxWriter.from_directory(ROOT / "templates")
    template = writer.pledge
    for number, view in enumerate(report.pledges, start=1):
        content = writer.pledge_content(view, info, number)
        segment = ooxml.deflate_segment(content)
        whole = template.document_around(content, segment)
        xml = template.head_bytes + content + template.tail_bytes
        assert zlib.decompress(whole.packed, -15) == xml
        assert (whole.crc, whole.size) == (zlib.crc32(xml), len(xml))
        assert segment.packed in whole.packed
        document = writer.pledge_document(view, info, number, whole)
        with zipfile.ZipFile(io.BytesIO(document)) as zf:
            assert zf.testzip() is None
            assert zf.read("word/document.xml") == xml
        # The same document as from the body given as bytes, but for how it is deflated.
        plain = writer.pledge_document(view, info, number, content)
        with zipfile.ZipFile(io.BytesIO(plain)) as a, zipfile.ZipFile(io.BytesIO(document)) as b:
            assert a.namelist() == b.namelist()
            assert all(a.read(n) == b.read(n) for n in a.namelist())
        tables = docx.Document(io.BytesIO(document)).tables
        assert view.title in "".join(c.text for t in tables for r in t.rows for c in r.cells)


def _segments(seed: int, count: int = 0) -> list[ooxml.Deflated]:
    rng = random.Random(seed)
    pieces = [rng.randbytes(rng.randrange(0, 400)) for _ in range(count or rng.randrange(1, 60))]
    return [ooxml.deflate_segment(p, final=i == len(pieces) - 1) for i, p in enumerate(pieces)]


@pytest.mark.parametrize("seed", range(6))
def test_a_join_by_blocks_is_the_join_whatever_the_earlier_part_shares(seed: int) -> None:
    rng = random.Random(seed)
    old = _segments(seed)
    old_joined, old_blocks = ooxml.join_blocks(old)
    assert old_joined.deflated() == ooxml.join_segments(old)
    earlier = ooxml.checked_segments(old_joined.deflated(), ooxml.spans(old))
    assert earlier is not None and earlier.blocks == old_blocks
    new = list(earlier.segments)
    fresh = ooxml.deflate_segment(rng.randbytes(rng.randrange(0, 300)))
    change = rng.choice(["replace", "insert", "remove", "none"])
    at = rng.randrange(len(new))
    if change == "replace":
        new[at] = fresh
    elif change == "insert":
        new.insert(at, fresh)
    elif change == "remove" and len(new) > 1:
        del new[at]
    joined, blocks = ooxml.join_blocks(new, earlier)
    plain, plain_blocks = ooxml.join_blocks(new)
    assert (joined, blocks) == (plain, plain_blocks)
    assert joined.size == sum(s.size for s in new)


def test_a_part_checked_by_its_kept_table_is_refused_where_the_table_does_not_hold() -> None:
    segments = _segments(7, 40)
    joined, blocks = ooxml.join_blocks(segments)
    entry, held = joined.deflated(), ooxml.spans(segments)
    found = ooxml.checked_segments(entry, held, blocks)
    assert found is not None and found.blocks == blocks
    assert list(found.segments) == segments
    # A table of other sizes is not taken: the part is checked segment by segment.
    other = ooxml.Blocks(blocks.crcs, (blocks.sizes[0] + 1, *blocks.sizes[1:]))
    assert ooxml.checked_segments(entry, held, other) == found
    # A table of the right shape whose CRCs do not add up to the part: refused.
    wrong = ooxml.Blocks((blocks.crcs[0] ^ 1, *blocks.crcs[1:]), blocks.sizes)
    assert ooxml.checked_segments(entry, held, wrong) is None
    # What it is kept under names every CRC and size.
    pairs = [(s.crc, s.size) for s in held]
    key = ooxml.blocks_key(pairs, entry.crc, entry.size)
    assert (
        ooxml.blocks_key([(pairs[0][0] ^ 1, pairs[0][1]), *pairs[1:]], entry.crc, entry.size) != key
    )
    assert ooxml.blocks_key(pairs, entry.crc, entry.size + 1) != key


def test_a_rebuild_checks_the_previous_booklet_by_the_table_its_build_kept(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(workspace / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    out, cold = workspace / "out", workspace / "cold"
    _build(workspace, out)
    _change_one(workspace)
    combined: list[int] = []
    real = ooxml.crc32_combine

    def counted(crc1: int, crc2: int, len2: int) -> int:
        combined.append(len2)
        return real(crc1, crc2, len2)

    monkeypatch.setattr(ooxml, "crc32_combine", counted)
    _build(workspace, out)
    # 32 segments, 2 blocks: checking the previous body and joining the new
    # one combine blocks and the changed block's segments, not every segment twice.
    assert 0 < len(combined) < 32
    monkeypatch.undo()
    monkeypatch.setenv("REPORTGEN_NO_CACHE", "1")
    _build(workspace, cold)
    assert _tree(out) == _tree(cold)


def test_crc32_tables_kept_for_the_next_process_are_taken_only_when_sound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = {k: ooxml._byte_map(k) for k in (3, 9, 20)}
    kept = {k: raw for k, raw in ooxml.byte_maps().items() if k in made}
    monkeypatch.setattr(ooxml, "_BYTE_MAPS", {})
    damaged = bytearray(kept[9])
    damaged[4 * 8 : 4 * 8 + 4] = b"\1\0\0\0"  # the entry of bit 3 of the first byte
    wrong = {3: kept[3][:-1], 9: bytes(damaged), 20: kept[20], 99: kept[20], "x": kept[3]}
    assert ooxml.add_byte_maps(wrong) == 1  # only the sound table of k=20
    assert set(ooxml._BYTE_MAPS) == {20} and ooxml._BYTE_MAPS[20] == made[20]
    assert ooxml.add_byte_maps(kept) == 2 and ooxml.add_byte_maps(None) == 0
    rng = random.Random(9)
    a, b = rng.randbytes(100), rng.randbytes(1 << 20)
    assert ooxml.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_deflated_parts_read_without_zipfile_are_zipfiles_reading() -> None:
    """write_package's own zips are read by struct; any other zip by zipfile, alike."""

    def by_zipfile(data: bytes) -> dict[str, tuple[int, int, bytes]]:
        out = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.compress_type == zipfile.ZIP_DEFLATED and not info.is_dir():
                    packed = ooxml.deflated_parts(data)[info.filename].packed
                    assert zlib.decompress(packed, -15) == zf.read(info)
                    out[info.filename] = (info.CRC, info.file_size, packed)
        return out

    parts = [("[Content_Types].xml", b"<Types/>"), ("word/문서.xml", b"<w:document/>" * 50)]
    parts += [("docProps/core.xml", b""), ("a/b.bin", bytes(range(256)) * 9)]
    plain = ooxml.write_package(parts)
    assert ooxml._plain_directory(plain) is not None
    assert {n: tuple(d) for n, d in ooxml.deflated_parts(plain).items()} == by_zipfile(plain)
    views = ooxml.deflated_parts(plain, views=True)
    assert {n: (d.crc, d.size, bytes(d.packed)) for n, d in views.items()} == by_zipfile(plain)
    # A zip with a comment, a stored entry and a directory: read by zipfile.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>" * 30)
        zf.writestr("stored.bin", b"x" * 10, compress_type=zipfile.ZIP_STORED)
        zf.writestr("dir/", b"")
        zf.comment = b"not ours"
    other = buffer.getvalue()
    assert ooxml._plain_directory(other) is None
    got = {n: tuple(d) for n, d in ooxml.deflated_parts(other).items()}
    assert got == by_zipfile(other) and set(got) == {"word/document.xml"}
    # Damaged: refused, never read past the bytes.
    for bad in (
        plain[:-30],
        b"XX" + plain[2:],  # a local header's signature
        plain[:-22] + b"PK\5\6" + b"\xff" * 18,
    ):
        with pytest.raises((zipfile.BadZipFile, ValueError, struct.error)):
            ooxml.deflated_parts(bad)
