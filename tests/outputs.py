"""A small output as a build hands it to publish: two files and their manifest."""

from __future__ import annotations

from reportgen.workspace.output import MANIFEST, manifest_bytes


def sample_files(**extra: bytes) -> dict[str, bytes]:
    """``a.docx`` and ``sub/b.docx`` (and ``extra``), with the manifest listing them."""
    files = {"a.docx": b"A" * 5000, "sub/b.docx": b"B" * 7000, **extra}
    files[MANIFEST] = manifest_bytes(
        {n: d for n, d in files.items() if n != MANIFEST},
        version="test",
        period="2022H1",
        records={},
        templates={},
    )
    return files
