"""The shipped report, rendered now, matches the reviewed dumps in tests/golden/ (issue 14).

A change to a template, a writer or the records that alters the printed
report fails here with a diff; if it is intended, regenerate the dumps
(``.venv/bin/python -m tests.golden_dump --update``) and commit the reviewed
diff with the change.
"""

from __future__ import annotations

import pytest

from tests import golden_dump


@pytest.mark.parametrize("period", golden_dump.PERIODS)
def test_rendering_matches_golden_dumps(period: str) -> None:
    fresh = golden_dump.dumps_for(period)
    mismatches = [
        golden_dump.unified_diff(name, golden_dump.read_golden(name), text)
        for name, text in sorted(fresh.items())
        if golden_dump.read_golden(name) != text
    ]
    if mismatches:
        pytest.fail("\n\n".join(mismatches), pytrace=False)


def test_no_stale_golden_files() -> None:
    produced = set(golden_dump.all_dumps())
    stale = [name for name in golden_dump.golden_files() if name not in produced]
    assert not stale, (
        f"tests/golden/ holds dumps no longer produced: {', '.join(stale)}; "
        f"regenerate with {golden_dump.UPDATE_COMMAND} (it removes them)"
    )


def test_golden_dumps_are_deterministic_and_portable() -> None:
    """A second, independent build dumps to the same text, with nothing machine-specific."""
    cached = golden_dump.dumps_for("2022H1")
    rebuilt = golden_dump.render.__wrapped__("2022H1")
    assert golden_dump.dumps_for("2022H1", rebuilt) == cached
    text = "\n".join(cached.values())
    for leak in (str(golden_dump.REPO), "/tmp/", "rId", 'w:id="'):
        assert leak not in text, leak
