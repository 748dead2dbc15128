"""The booklet's LibreOffice schedule (:class:`reportgen.formats.pdf._BookletPlan`), without LibreOffice.

Two LibreOffices take documents as they come free, so the order in which
their answers arrive depends on the machine's load; these tests play the
orders a busy machine produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from reportgen.formats.pdf import _BookletPlan


@dataclass
class _Part:
    anchors: list[str]
    docx: bytes | None = None


@dataclass
class _Cut:
    parts: list[_Part]
    first_number: int = 1
    fronts: list[dict[str, int] | None] = field(default_factory=list)

    def front(self, numbers: dict[str, int] | None) -> bytes | None:
        self.fronts.append(numbers)
        return None  # nothing to glue: the test never writes a document


def _plan(tmp_path: Path, parts: int) -> tuple[_BookletPlan, _Cut]:
    cut = _Cut([_Part([f"p{i}"]) for i in range(parts)])
    labels = {f"p{i}": f"1-{i}" for i in range(parts)}
    return _BookletPlan(cut, "책자", labels, tmp_path, on_part=lambda _doc: None), cut


def _opened(plan: _BookletPlan, office: SimpleNamespace, doc, pages: int) -> None:  # type: ignore[no-untyped-def]
    doc.state, doc.pages = "open", pages
    doc.anchor_pages = {a: 1 for a in doc.anchors}
    office.open_docs.append(doc)
    plan.finished("open", doc, {})


def test_every_part_laid_out_before_the_front_matter_is_counted(tmp_path: Path) -> None:
    """One LibreOffice still counts the front matter while the other has laid out every part.

    The front matter's page numbers need that count: the plan waits for it
    (it used to fail an assertion here, seen on a loaded machine).
    """
    plan, cut = _plan(tmp_path, 1)
    a, b = SimpleNamespace(open_docs=[]), SimpleNamespace(open_docs=[])
    op, draft, _ = plan.next_for(a)  # a: opens the front matter to count it …
    assert (op, draft) == ("open", plan.draft)
    op, part, _ = plan.next_for(b)  # … b: the only part
    assert op == "open"
    _opened(plan, b, part, pages=5)
    assert plan.next_for(b) is None  # waits: the part's first page is not known yet
    assert cut.fronts == [None]  # the draft's only; no front matter numbered yet
    _opened(plan, a, draft, pages=3)
    op, doc, args = plan.next_for(b)
    assert (op, doc, args["first_page"]) == ("export", part, 4)
    op, front, _ = plan.next_for(a)  # the draft is counted: now closed …
    assert (op, front) == ("close", draft)
    a.open_docs.remove(draft)
    op, front, _ = plan.next_for(a)  # … and the front matter made with the parts' pages
    assert op == "open" and front is plan.front
    assert cut.fronts[-1] == {"p0": 4}
