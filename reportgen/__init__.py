"""reportgen: regenerates a city's 공약 추진실적 보고서 from canonical records.

A folder per layer, each importing only the layers beneath it
(tests/test_imports.py):

- ``records``: the JSON read and checked, typed models, the as-of rule, derived totals;
- ``report``: the report view — every label, figure, rate and table, finished;
- ``formats``: one writer per format (DOCX, HWPX, XLSX, PDF, the website), laying the view out;
- ``intake``: the half-year cycle with the departments (pledge list, workbooks, returns, confirm);
- ``workspace``: the output folder reportgen owns (lock, manifest, atomic publish).

On top: ``build`` (the pipeline), ``termsite`` (the term's website), ``cli``.
"""

__version__ = "0.1.0"

from pathlib import Path as _Path

# The templates shipped with reportgen: a wheel installs the repository's
# top-level templates/ as reportgen/shipped_templates (pyproject's
# package-dir); in a source checkout or an editable install they are that
# folder itself. A build uses them when the city has no templates of its own.
_PACKAGE = _Path(__file__).resolve().parent
SHIPPED_TEMPLATES = (
    _PACKAGE / "shipped_templates"
    if (_PACKAGE / "shipped_templates").is_dir()
    else _PACKAGE.parent / "templates"
)
