"""The LibreOffice side of reportgen's PDF converter (see :mod:`reportgen.formats.pdf`).

Run by a Python that has LibreOffice's ``uno`` module (Debian's
``python3-uno``: ``/usr/bin/python3``, not reportgen's virtualenv), under
:mod:`reportgen.formats.guard`::

    python3 unoworker.py SOFFICE PROFILE_URL PIPE_NAME COMMAND_FIFO

It starts one LibreOffice (in the guard's process group, so it dies with
reportgen), connects to it over a named pipe and then serves commands, one
JSON object a line, read from ``COMMAND_FIFO``; each answer is one JSON line
on standard output:

``{"op": "open", "id": ID, "path": DOCX, "anchors": [BOOKMARK, ...], "kinsoku": K}``
    load a document, give it the forbidden characters ``K``
    (``{"language": "ko-KR", "end": CHARS, "start": CHARS}`` or null: see
    :mod:`reportgen.formats.linebreak`), switch off the gap LibreOffice puts between
    Hangul and digits (it ignores Word's ``w:autoSpaceDE``/``w:autoSpaceDN``),
    lay it out; answer ``{"id": ID, "pages": N, "anchors": {BOOKMARK: PAGE}}``
    (physical pages, 1-based).
``{"op": "export", "id": ID, "path": PDF, "first_page": N or null}``
    number the first page N (the rest follow), export the PDF (PDF/A-2b,
    tagged), close the document; answer ``{"id": ID, "pages": N}``.
``{"op": "close", "id": ID}``, ``{"op": "quit"}``.

A failure answers ``{"id": ID, "error": MESSAGE}``. This file imports only
the standard library and ``uno``: it does not run inside reportgen's
environment.
"""

import contextlib
import json
import subprocess
import sys
import time
import traceback

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.i18n import ForbiddenCharacters  # type: ignore[import-not-found]
from com.sun.star.lang import Locale  # type: ignore[import-not-found]

CONNECT_SECONDS = 60.0
DOCX_FILTER = "MS Word 2007 XML"  # LibreOffice's import filter for .docx (Word 2007-365)


def _tr(ko, en):  # type: ignore[no-untyped-def]
    """reportgen.i18n.tr, restated: this file runs in LibreOffice's Python, not reportgen's.

    The locale variables reach it from reportgen's process, so it answers in
    the language reportgen speaks.
    """
    import os

    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return en if value.split(":", 1)[0].lower().startswith("en") else ko
    return ko


def _props(**values):  # type: ignore[no-untyped-def]
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def _answer(message):  # type: ignore[no-untyped-def]
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _start(soffice, profile_url, pipe_name):  # type: ignore[no-untyped-def]
    """Start LibreOffice listening on ``pipe_name``; return (process, its context, desktop)."""
    connect = f"pipe,name={pipe_name};urp;StarOffice.ComponentContext"
    office = subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation={profile_url}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            f"--accept={connect}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr,  # standard output carries the answers
        stderr=sys.stderr,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            context = resolver.resolve(f"uno:{connect}")
            break
        except Exception as exc:
            code = office.poll()
            if code is not None:
                raise RuntimeError(
                    _tr(
                        f"LibreOffice가 연결을 받기 전에 끝났습니다(코드 {code})",
                        f"LibreOffice exited (code {code}) before it accepted a connection",
                    )
                ) from exc
            if time.monotonic() > deadline:
                raise RuntimeError(
                    _tr(
                        f"LibreOffice가 {CONNECT_SECONDS:.0f}초 안에 연결을 받지 않았습니다",
                        f"LibreOffice did not accept a connection within {CONNECT_SECONDS:.0f} s",
                    )
                ) from exc
            time.sleep(0.05)
    desktop = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context
    )
    return office, context, desktop


def _no_gap_between_hangul_and_digits(doc):  # type: ignore[no-untyped-def]
    """What Word's ``w:autoSpaceDE="0"``/``w:autoSpaceDN="0"`` mean, which LibreOffice ignores.

    Its DOCX import leaves ``ParaIsCharacterDistance`` at the document
    default, True, on every style and paragraph. The default goes to False
    (styles, headers, footers inherit it), and every paragraph of the body,
    table cells included, gets False as direct formatting: one cursor over
    the whole text reaches them all in one call.
    """
    defaults = doc.createInstance("com.sun.star.text.Defaults")
    defaults.setPropertyValue("ParaIsCharacterDistance", False)
    cursor = doc.getText().createTextCursor()
    cursor.gotoStart(False)
    cursor.gotoEnd(True)
    cursor.setPropertyValue("ParaIsCharacterDistance", False)


def _forbidden_characters(doc, kinsoku):  # type: ignore[no-untyped-def]
    """What Word's ``w:noLineBreaksAfter``/``w:noLineBreaksBefore`` say, which LibreOffice ignores.

    LibreOffice knows no forbidden characters for Korean of its own. Set
    before the document is laid out (a DOCX, see :meth:`Worker.open`) or
    before the gap pass formats its paragraphs again, so every line is
    broken with them.
    """
    language, _, country = kinsoku["language"].partition("-")
    rules = ForbiddenCharacters()
    rules.beginLine = kinsoku["start"]
    rules.endLine = kinsoku["end"]
    settings = doc.createInstance("com.sun.star.document.Settings")
    table = settings.getPropertyValue("ForbiddenCharacters")
    table.setForbiddenCharacters(Locale(language, country, ""), rules)


def _is_text(doc):  # type: ignore[no-untyped-def]
    return doc.supportsService("com.sun.star.text.TextDocument")


def _page_count(doc):  # type: ignore[no-untyped-def]
    controller = doc.getCurrentController()
    return int(controller.PageCount) if controller is not None else None


def _fix(doc, kinsoku):  # type: ignore[no-untyped-def]
    if kinsoku:
        _forbidden_characters(doc, kinsoku)
    _no_gap_between_hangul_and_digits(doc)


class Worker:
    def __init__(self, context, desktop):  # type: ignore[no-untyped-def]
        self.context = context
        self.desktop = desktop
        self.docs = {}

    def _model(self, url):  # type: ignore[no-untyped-def]
        """A DOCX loaded as a model only, with no view and so not laid out; None if it won't load."""
        model = self.context.ServiceManager.createInstanceWithContext(
            "com.sun.star.text.TextDocument", self.context
        )
        try:
            model.load(_props(URL=url, FilterName=DOCX_FILTER, Hidden=True))
        except Exception:
            with contextlib.suppress(Exception):
                model.close(True)
            return None
        return model

    def open(self, ident, path, anchors, kinsoku=None):  # type: ignore[no-untyped-def]
        url = uno.systemPathToFileUrl(path)
        # loadComponentFromURL lays a document out as it loads it, and the
        # fixes below made LibreOffice lay it out again (about a sixth of its
        # work on a booklet's part). A DOCX is therefore loaded as a model
        # alone, fixed, and only then given its (hidden) view, which lays it
        # out once. Anything else, or a DOCX the Word filter refuses, is
        # loaded as before, letting LibreOffice detect what it is.
        model = self._model(url) if path.lower().endswith(".docx") else None
        if model is not None:
            _fix(model, kinsoku)
            doc = self.desktop.loadComponentFromURL(
                "private:object", "_blank", 0, _props(Model=model, Hidden=True)
            )
            if doc is None:
                model.close(True)
        else:
            doc = self.desktop.loadComponentFromURL(url, "_blank", 0, _props(Hidden=True))
        if doc is None:
            raise RuntimeError(
                _tr("LibreOffice가 열지 못했습니다", "LibreOffice could not open it")
            )
        self.docs[ident] = doc
        if not _is_text(doc):
            return {"pages": None, "anchors": {}}
        if model is None:
            # Locked, the change is laid out once, not once per paragraph.
            doc.lockControllers()
            try:
                _fix(doc, kinsoku)
            finally:
                doc.unlockControllers()
        pages = _page_count(doc)
        found = {}
        if anchors:
            marks = doc.getBookmarks()
            cursor = doc.getCurrentController().getViewCursor()
            for name in anchors:
                if marks.hasByName(name):
                    cursor.gotoRange(marks.getByName(name).getAnchor(), False)
                    found[name] = int(cursor.getPage())
        return {"pages": pages, "anchors": found}

    def export(self, ident, path, first_page):  # type: ignore[no-untyped-def]
        doc = self.docs[ident]
        if _is_text(doc):
            # The PDF's /Lang comes from the document's language, which
            # LibreOffice takes from w:lang's western value (en-US in Korean
            # documents): the report is Korean, and a screen reader should say so.
            korean = Locale("ko", "KR", "")
            doc.getDocumentProperties().Language = korean
            doc.createInstance("com.sun.star.text.Defaults").setPropertyValue("CharLocale", korean)
            if first_page is not None:
                first = doc.getText().createEnumeration().nextElement()
                first.setPropertyValue("PageNumberOffset", int(first_page))
            filter_name = "writer_pdf_Export"
        else:
            filter_name = "calc_pdf_Export"
        # Automatically inserted blank pages (a first page numbered even) stay out.
        # PDF/A-2b (국가기록원 keeps records as PDF/A: fonts embedded, XMP with
        # the title, author and language) and tagged for screen readers.
        options = uno.Any(
            "[]com.sun.star.beans.PropertyValue",
            _props(IsSkipEmptyPages=True, SelectPdfVersion=2, UseTaggedPDF=True),
        )
        doc.storeToURL(
            uno.systemPathToFileUrl(path), _props(FilterName=filter_name, FilterData=options)
        )
        self.close(ident)
        return {}

    def close(self, ident):  # type: ignore[no-untyped-def]
        doc = self.docs.pop(ident, None)
        if doc is not None:
            doc.close(True)
        return {}


def main(argv):  # type: ignore[no-untyped-def]
    soffice, profile_url, pipe_name, fifo = argv
    try:
        office, context, desktop = _start(soffice, profile_url, pipe_name)
    except Exception as exc:
        _answer({"id": None, "error": str(exc)})
        return 1
    worker = Worker(context, desktop)
    _answer({"id": None, "ready": True})
    with open(fifo, "rb") as commands:
        for line in commands:
            command = json.loads(line)
            op = command.get("op")
            ident = command.get("id")
            if op == "quit":
                break
            try:
                if op == "open":
                    result = worker.open(
                        ident, command["path"], command.get("anchors") or [], command.get("kinsoku")
                    )
                elif op == "export":
                    result = worker.export(ident, command["path"], command.get("first_page"))
                elif op == "close":
                    result = worker.close(ident)
                else:
                    raise ValueError(f"unknown command {op!r}")
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                message = getattr(exc, "Message", "") or str(exc) or type(exc).__name__
                _answer({"id": ident, "error": message.strip().splitlines()[0]})
                continue
            result["id"] = ident
            _answer(result)
    for ident in list(worker.docs):
        with contextlib.suppress(Exception):
            worker.close(ident)
    with contextlib.suppress(Exception):  # the bridge goes down with LibreOffice
        desktop.terminate()
    try:
        office.wait(timeout=10)
    except subprocess.TimeoutExpired:
        office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
