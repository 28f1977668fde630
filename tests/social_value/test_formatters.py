"""Downloads of the local spend report: CSV and Excel, money as numbers, formulas neutralised."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from contracts.models import SpendLine
from social_value import formatters
from social_value.formatters import neutralise
from social_value.reports import LocalSpendReport, LocalSpendSummary
from tests.social_value.factories import SpendLines, spend_dataset

# ------------------------------------------------------------------ neutralise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 1622 000000", "'+44 1622 000000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Kent Care Ltd", "Kent Care Ltd"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_text_that_a_spreadsheet_would_run(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("value", [Decimal("-12.50"), -5, 0, 3.5, None, True])
def test_neutralise_leaves_numbers_and_none_alone(value):
    assert neutralise(value) is value


# ------------------------------------------------------------------ summary


def _summary() -> LocalSpendSummary:
    return LocalSpendSummary(
        lines=10,
        suppliers=4,
        kent_suppliers=1,
        unknown_location_suppliers=1,
        total_spend=100_000,
        kent_spend=54_000,
        outside_spend=30_000,
        unknown_location_spend=10_000,
        sme_spend=40_000,
        kent_sme_spend=30_000,
        kent_micro_spend=5_000,
        unknown_size_spend=12_000,
        vcs_spend=20_000,
        kent_vcs_spend=8_000,
        unknown_sector_spend=11_000,
        unmatched_spend=9_000,
        redacted_spend=6_000,
    )


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_summary_rows_follow_the_annual_report_with_unknowns_beside():
    rows = {r.key: r for r in formatters.summary_rows(_summary())}
    assert [r.label for r in formatters.summary_rows(_summary())][:2] == ["Total spend", "Kent spend"]
    kent = rows["kent_spend"]
    assert kent.value == Decimal("540.00")
    assert kent.share == Decimal("54.0")
    assert kent.share_of == "total spend"
    assert kent.beside == [
        ("Location not known", Decimal("100.00"), True),
        ("Of the not known, unmatched suppliers", Decimal("90.00"), True),
        ("Redacted", Decimal("60.00"), True),
    ]
    suppliers = rows["kent_suppliers"]
    assert (suppliers.value, suppliers.share, suppliers.share_of) == (1, Decimal("25.0"), "suppliers")
    assert suppliers.beside == [("Suppliers whose location is not known", 1, False)]
    assert rows["vcs_spend"].beside[0] == ("Sector not known", Decimal("110.00"), True)
    assert rows["sme_spend"].beside[0] == ("Size not known", Decimal("120.00"), True)


def test_summary_csv_writes_money_as_plain_numbers_with_two_decimals():
    rows = _csv_rows(formatters.summary_csv(_summary()))
    assert rows[0][:5] == ["Figure", "Spend (£)", "Suppliers", "Share (%)", "Share of"]
    by_label = {r[0]: r for r in rows[1:]}
    assert by_label["Total spend"][1] == "1000.00"
    assert by_label["Kent spend"][1:5] == ["540.00", "", "54.0", "total spend"]
    assert by_label["Suppliers"][2] == "4"


def test_summary_csv_has_a_byte_order_mark_for_excel_unless_asked_not_to():
    assert formatters.summary_csv(_summary()).startswith(b"\xef\xbb\xbf")
    assert formatters.summary_csv(_summary(), bom=False).startswith(b"Figure,")


def test_negative_amounts_stay_numbers_in_csv_and_excel():
    summary = _summary()
    summary.kent_micro_spend = -1250
    rows = {r[0]: r for r in _csv_rows(formatters.summary_csv(summary))}
    assert rows["Spend with Kent-based micro enterprises"][1] == "-12.50"  # a number, no apostrophe
    sheet = load_workbook(io.BytesIO(formatters.summary_xlsx(summary))).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    cell = cells["Spend with Kent-based micro enterprises"][1]
    assert cell.data_type == "n"
    assert cell.value == -12.5


def test_summary_xlsx_money_is_numeric_with_a_pound_format():
    sheet = load_workbook(io.BytesIO(formatters.summary_xlsx(_summary()))).active
    assert sheet.title == "Local spend summary"
    assert [c.value for c in sheet[1]][:4] == ["Figure", "Spend (£)", "Suppliers", "Share (%)"]
    total = sheet["B2"]
    assert total.value == 1000
    assert total.data_type == "n"
    assert "£" in total.number_format
    assert sheet["D3"].value == 54  # Kent share, a number
    assert sheet["D3"].number_format == "0.0"


def test_xlsx_writes_decimal_values_exactly():
    table = formatters.Table("Money", [formatters.Column("Amount", formatters.MONEY)], [[Decimal("0.10")]])
    table.rows.append([Decimal("1234567.89")])
    sheet = load_workbook(io.BytesIO(formatters.tables_xlsx([table]))).active
    assert [sheet["A2"].value, sheet["A3"].value] == [0.1, 1234567.89]


# ------------------------------------------------------------------ the whole report


@pytest.mark.django_db
def test_report_csv_has_every_section_and_neutralises_supplier_names():
    dataset = spend_dataset()
    lines = SpendLines()
    lines.add("2024-05-01", "=cmd|' /C calc'!A0", "10.00", service_area="@Highways")
    content = formatters.report_csv(
        LocalSpendReport(SpendLine.objects.all()), filters=[("Service area", "+evil")], top=20
    )
    rows = _csv_rows(content)
    titles = [r[0] for r in rows if len(r) == 1 and r[0]]
    assert titles == [
        "Filters",
        "Local spend summary",
        "By financial year",
        "By quarter",
        "By month",
        "By service area or directorate",
        "By expense type",
        "Capital or revenue",
        "Top 20 suppliers",
        "Spend per contract",
    ]
    text = content.decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text
    assert "'@Highways" in text
    assert "'+evil" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text and ",+" not in text
    supplier_rows = [r for r in rows if len(r) == 8 and r[0].isdigit()]
    assert supplier_rows[0][1:] == [
        "Big Outsourcing plc",
        "Yes",
        "Outside Kent",
        "Large (250 staff or more)",
        "Private sector",
        "1",
        "10000.00",
    ]
    bob = next(r for r in supplier_rows if r[1] == "Bob's Plumbing")
    assert bob[2:6] == ["No", "Not known (unmatched)", "Not known (unmatched)", "Not known (unmatched)"]
    assert dataset.kent_sme.name in text


@pytest.mark.django_db
def test_report_xlsx_has_a_sheet_per_section_with_text_neutralised():
    spend_dataset()
    SpendLines().add("2024-05-01", "-Minus Ltd", "-25.00", expense_type="=1+2")
    book = load_workbook(io.BytesIO(formatters.report_xlsx(LocalSpendReport(SpendLine.objects.all()))))
    assert book.sheetnames[:3] == ["Filters", "Local spend summary", "By financial year"]
    assert "Top 20 suppliers" in book.sheetnames
    expense = book["By expense type"]
    labels = [row[0].value for row in expense.iter_rows(min_row=2)]
    assert "'=1+2" in labels
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    summary = book["Local spend summary"]
    assert summary["B2"].value == 18075  # 18,100.00 less the 25.00 credit
    assert summary["A1"].font.bold


def test_breakdown_and_supplier_tables_render_without_a_database():
    from social_value.reports import BreakdownRow, SupplierRow

    row = BreakdownRow("2024", "2024-25", 3, 1000, 400, 300, 200, 100, 250, 50)
    table = formatters.breakdown_table([row], "financial_year")
    assert table.headings[0] == "Financial year"
    assert table.rows[0][:8] == [
        "2024-25",
        3,
        Decimal("10.00"),
        Decimal("4.00"),
        Decimal("40.0"),
        Decimal("3.00"),  # outside Kent: total less Kent, location not known and redacted
        Decimal("2.50"),
        Decimal("0.50"),
    ]
    suppliers = formatters.suppliers_table([SupplierRow(None, "=Bad", "bad", 1, 500, None, None, None)])
    rows = _csv_rows(formatters.tables_csv([suppliers]))
    assert rows[1] == ["1", "'=Bad", "No", "Not known (unmatched)", "Not known (unmatched)", "Not known (unmatched)",
                       "1", "5.00"]  # fmt: skip
