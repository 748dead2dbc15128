"""reportgen: regenerates a city's 공약 추진실적 보고서 from canonical records.

Pipeline, one module per stage: load → validate → asof/budget (model rules)
→ view (format-neutral) → docx/xlsx writers → output (atomic write, manifest).
"""

__version__ = "0.1.0"
