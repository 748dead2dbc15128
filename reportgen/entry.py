"""The ``reportgen`` command's entry point: a Ctrl-C while the program loads ends it in one line.

Click turns a Ctrl-C into one line ("Aborted!") once a command runs; before
that, while Python imports reportgen and its libraries (a few hundred
milliseconds on a busy machine), a Ctrl-C would print a traceback through
the import machinery. This module's first statement installs a handler that
ends the program quietly with the shell's code for an interrupt (130); Ctrl-C
goes back to Python (and so to click) just before the command starts.
Nothing is written before that, so nothing is left half-done. The handler is
set through the built-in ``_signal`` so that nothing is read from disk first.

Once the command runs, a Ctrl-C raises KeyboardInterrupt as usual, but it is
also remembered: a library that catches everything can turn it into another
exception (openpyxl's descriptors say ``except: raise TypeError``, and the
commands import openpyxl lazily), and that exception is then said as the
interrupt it was, not as a traceback.
"""

import _signal
import sys

_KO, _EN = "중단했습니다 (Ctrl-C).", "Interrupted (Ctrl-C)."


def _interrupted(_signum: int, _frame: object) -> None:
    try:
        from .i18n import tr

        said = tr(_KO, _EN)
    except ImportError:
        # The Ctrl-C came in the middle of an import that tr itself needs
        # (``typing`` half-initialised under josa, or i18n itself): it cannot
        # be finished from inside the handler, so the line is said in both languages.
        said = f"{_KO} / {_EN}"
    sys.stderr.write(said + "\n")
    raise SystemExit(130)


# Only in the ``reportgen`` command: a program importing this module keeps its own Ctrl-C.
if sys.argv and sys.argv[0].replace("\\", "/").rsplit("/", 1)[-1].startswith("reportgen"):
    _signal.signal(_signal.SIGINT, _interrupted)


_seen: list[int] = []


def _remember_and_raise(signum: int, frame: object) -> None:
    _seen.append(signum)
    _signal.default_int_handler(signum, frame)


def run() -> None:
    """``reportgen …``: the command line of :mod:`reportgen.cli`."""
    from .cli import main

    _signal.signal(_signal.SIGINT, _remember_and_raise)
    try:
        main()
    except Exception:
        # click said "Aborted!" for a KeyboardInterrupt that reached it; one a
        # library swallowed and re-raised as something else arrives here instead.
        if not _seen:
            raise
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a second Ctrl-C while saying it
        _interrupted(_signal.SIGINT, None)
