"""reportgen: regenerates a city's 공약 추진실적 보고서 from canonical records.

Pipeline, one module per stage: load → validate → asof/budget (model rules)
→ view (format-neutral) → docx/xlsx writers → output (atomic write, manifest).
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
