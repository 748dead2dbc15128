"""The report view (보고서 보기): every label, figure, rate and table a report prints, computed once and finished, and the comparison of two reports."""
