"""Committee-ready PDF reports (issue 6): the shared frame in base.py, one module per report.

- golden_thread: the framework from its vision to every supporting outcome and the contracts serving it
- contract_review: one contract's review pack
- directorate_quarterly: a directorate's contracts in one quarter
- local_spend: the annual report's local spend table, by financial year

`REPORTS` maps each report's code (the name `manage.py report` takes) to its class; a class's
`options` name what it needs (`from_options` parses them as the command and the pages give them).
"""

from outcomes_link.reports.base import AsAtStamp, ContentsEntry, PdfReport, RenderedReport, ReportOptionError
from outcomes_link.reports.contract_review import ContractReviewReport, contract_by_reference
from outcomes_link.reports.directorate_quarterly import (
    DirectorateQuarterlyReport,
    directorate_by_code,
    quarter_from_text,
)
from outcomes_link.reports.golden_thread import GoldenThreadReport
from outcomes_link.reports.local_spend import LocalSpendPdfReport, financial_year_from_text

REPORTS: dict[str, type[PdfReport]] = {
    report.code: report
    for report in (GoldenThreadReport, ContractReviewReport, DirectorateQuarterlyReport, LocalSpendPdfReport)
}

__all__ = [
    "REPORTS",
    "AsAtStamp",
    "ContentsEntry",
    "ContractReviewReport",
    "DirectorateQuarterlyReport",
    "GoldenThreadReport",
    "LocalSpendPdfReport",
    "PdfReport",
    "RenderedReport",
    "ReportOptionError",
    "contract_by_reference",
    "directorate_by_code",
    "financial_year_from_text",
    "quarter_from_text",
]
