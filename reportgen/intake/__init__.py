"""Half-year intake (issue 15): departments fill in a workbook, not JSON.

The compiling office (총괄부서) exports one workbook per department
(:func:`export_workbooks`); each department fills in its pledges' sheets in
Excel, Hancom Cell or LibreOffice; :func:`import_workbooks` reads them back
into the records, which stay the single source of truth. See
:mod:`reportgen.intake_export` (the sheet), :mod:`reportgen.intake_import`
(reading, checking, writing) and :mod:`reportgen.intake_common` (what a sheet
holds, and the rule for a confirmed report).
"""

from __future__ import annotations

from .common import period_confirmed
from .export import export_workbooks
from .importer import ImportResult, IntakeInvalid, PledgeImport, import_workbooks

__all__ = [
    "ImportResult",
    "IntakeInvalid",
    "PledgeImport",
    "export_workbooks",
    "import_workbooks",
    "period_confirmed",
]
