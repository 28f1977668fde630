"""Reading published spend files (issue 4): the reader's units, the four real files as councils
publish them, the variants councils' files come in, and a corpus of malformed files each rejected
with a clear message naming the row and field, leaving the database exactly as it was.

The real files are in tests/fixtures/spend/real, unchanged from the councils' sites. Their row
counts and totals are checked against an independent reading (the csv module and Decimal over the
file's text), never against the importer's own parsing.
"""

import csv
import datetime
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from contracts.importers.spend import (
    FIELDS,
    MAX_PROBLEMS_SHOWN,
    ColumnPlan,
    SpendColumnsMissing,
    SpendFileError,
    SpendProblem,
    find_heading_row,
    heading_key,
    open_spend_file,
    parse_amount_pence,
    parse_spend_date,
    plan_columns,
    publisher_column,
    read_row,
)
from contracts.models import SpendImport, SpendLine, SpendPublisher, SpendStagingLine, SupplierAlias
from contracts.services import spend as spend_service
from tests.contracts.factories import ProviderFactory, import_spend, spend_csv

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spend"
REAL = FIXTURES / "real"
MALFORMED = FIXTURES / "malformed"
MANGLED_BOM = "ï»¿"  # a UTF-8 byte-order mark read as cp1252 and saved again as UTF-8


# ---------------------------------------------------------------- reader units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-04-01", datetime.date(2015, 4, 1)),
        ("2015-04-01 00:00:00", datetime.date(2015, 4, 1)),
        ("2015-04-01T10:30:00", datetime.date(2015, 4, 1)),
        ("2015/04/01", datetime.date(2015, 4, 1)),
        ("01/04/2015", datetime.date(2015, 4, 1)),
        ("1/4/2015", datetime.date(2015, 4, 1)),
        ("01/04/15", datetime.date(2015, 4, 1)),
        ("01.04.2015", datetime.date(2015, 4, 1)),
        ("01/04/2015 00:00", datetime.date(2015, 4, 1)),
        ("01-Apr-2015", datetime.date(2015, 4, 1)),
        ("1 April 2015", datetime.date(2015, 4, 1)),
        ("01-APR-15", datetime.date(2015, 4, 1)),
        ("30-Sept-2015", datetime.date(2015, 9, 30)),
        ("20150401", datetime.date(2015, 4, 1)),
        ("42095", datetime.date(2015, 4, 1)),
        ("42095.0", datetime.date(2015, 4, 1)),
        ("42095.75", datetime.date(2015, 4, 1)),
        (" 01/04/2015 ", datetime.date(2015, 4, 1)),
    ],
)
def test_parse_spend_date_reads_the_formats_councils_publish(text, expected):
    assert parse_spend_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "31/02/2022", "2022-13-01", "04/30/2015", "next Tuesday", "01-Foo-2015", "01-Aprx-2015", "12345", "99999"],
)
def test_parse_spend_date_refuses_what_is_not_a_real_date(text):
    assert parse_spend_date(text) is None


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("1234.50", 123450),
        ("1,234.50", 123450),
        ("£1,234.50", 123450),
        ("£ 1 234.50", 123450),
        ("GBP 12.00", 1200),
        ("1234.5", 123450),
        ("1234", 123400),
        (".5", 50),
        ("12.340", 1234),
        ("0", 0),
        ("-250", -25000),
        ("-£250.00", -25000),
        ("(250.00)", -25000),
        ("(£1,250.00)", -125000),
        ("250.00-", -25000),
        ("250.00 CR", -25000),
        ("-114746", -11474600),
        ("\u00a01\u00a0234.56", 123456),
    ],
)
def test_parse_amount_pence_reads_pounds_pence_and_credits(text, pence):
    assert parse_amount_pence(text) == pence


@pytest.mark.parametrize("text", ["", "abc", "12.345", "1.234,50", "12.5.0", "1e5", "£", "--5", "12 pounds"])
def test_parse_amount_pence_refuses_what_is_not_pounds_and_pence(text):
    assert parse_amount_pence(text) is None


def test_heading_key_ignores_a_byte_order_mark_even_a_mangled_one_case_and_punctuation():
    assert heading_key("\ufeffBody Name") == "body name"
    assert heading_key(f"{MANGLED_BOM}Body Name") == "body name"
    assert heading_key("Supplier(Beneficiary) Name") == "supplier beneficiary name"
    assert heading_key("  Capital / Revenue ") == "capital revenue"


def test_plan_columns_recognises_the_usual_headings():
    headings = [
        "Body Name",
        "Invoice Payment Date",
        "Transaction No.",
        "Supplier Name",
        "Net Amount",
        "Directorate",
        "Expenses Type",
        "Capital / Revenue",
        "Company Registration Number",
        "Registered Charity Number",
        "VAT Registration Number",
        "VCSE Flag",
    ]
    plan = plan_columns(headings, 1)
    assert plan.columns == {
        "publisher": "Body Name",
        "date": "Invoice Payment Date",
        "transaction_number": "Transaction No.",
        "supplier": "Supplier Name",
        "amount": "Net Amount",
        "service_area": "Directorate",
        "expense_type": "Expenses Type",
        "capital_revenue": "Capital / Revenue",
        "company_number": "Company Registration Number",
        "charity_number": "Registered Charity Number",
        "vat_number": "VAT Registration Number",
        "vcse_flag": "VCSE Flag",
    }
    assert plan.unused_headings == []


def test_plan_columns_prefers_the_net_amount_and_reads_gross_and_vat_only_beside_it():
    plan = plan_columns(["Date of Payment", "Vendor Name", "Gross", "VAT", "Net"], 1)
    assert plan.columns["amount"] == "Net"
    assert plan.columns["gross"] == "Gross"
    without_net = plan_columns(["Date of Payment", "Vendor Name", "Gross", "VAT"], 1)
    assert "amount" not in without_net.columns
    assert {without_net.columns["gross"], without_net.columns["vat"]} == {"Gross", "VAT"}


def test_plan_columns_mapping_wins_and_names_what_is_wrong_with_it():
    plan = plan_columns(
        ["When", "Paid To", "Sum", "Supplier Name"], 1, {"date": "when", "supplier": "Paid To", "amount": "Sum"}
    )
    assert plan.columns["supplier"] == "Paid To"
    assert plan.columns["date"] == "When"
    with pytest.raises(SpendColumnsMissing):
        plan_columns(["When", "Paid To", "Sum"], 1, {"date": "When"})
    with pytest.raises(SpendFileError) as excinfo:
        plan_columns(["When", "Paid To", "Sum"], 1, {"supplier": "Beneficiary", "colour": "Sum"})
    assert excinfo.value.messages == [
        "File, supplier: there is no column headed 'Beneficiary' (the headings are: When, Paid To, Sum)",
        f"File: 'colour' is not a field; the fields are {', '.join(FIELDS)}",
    ]


def test_plan_columns_says_which_required_columns_are_missing_and_what_the_headings_are():
    with pytest.raises(SpendColumnsMissing) as excinfo:
        plan_columns(["Body Name", "When", "Supplier Name", "How Much"], 1)
    error = excinfo.value
    assert error.missing == ["date", "amount"]
    assert error.headings == ["Body Name", "When", "Supplier Name", "How Much"]
    assert "no column recognised for the date and amount" in error.messages[0]
    assert "--column FIELD=HEADER" in error.messages[0]


def test_find_heading_row_skips_a_preamble_and_leaves_the_rows_after_the_headings():
    rows = iter(
        [
            (1, ["Spend over £500, August 2022", "", ""]),
            (2, ["", "", ""]),
            (3, ["Payment Date", "Supplier Name", "Net Amount"]),
            (4, ["2022-08-01", "Acme Ltd", "10"]),
        ]
    )
    assert find_heading_row(rows) == (3, ["Payment Date", "Supplier Name", "Net Amount"])
    assert next(rows) == (4, ["2022-08-01", "Acme Ltd", "10"])


def test_find_heading_row_offers_the_widest_row_when_no_heading_is_recognised():
    """The headings must then be mapped by a person, who must see them and not the title above."""
    rows = iter([(1, ["Spend report", "", ""]), (2, ["Pay Dt", "Paid To", "Sum"]), (3, ["2022-08-01", "Acme", "1"])])
    assert find_heading_row(rows) == (2, ["Pay Dt", "Paid To", "Sum"])
    assert find_heading_row(iter([])) is None


def test_publisher_column_prefers_the_organisation_name_to_a_uri_column():
    assert publisher_column(["Body", "Organisation Name", "Date"]) == 1
    assert publisher_column(["Date", "Supplier"]) is None


PLAN = ColumnPlan(
    heading_row=1,
    headings=[
        "Payment Date",
        "Supplier Name",
        "Net Amount",
        "Capital / Revenue",
        "Company Number",
        "Charity Number",
        "VCSE",
        "Transaction Number",
    ],
    index={
        "date": 0,
        "supplier": 1,
        "amount": 2,
        "capital_revenue": 3,
        "company_number": 4,
        "charity_number": 5,
        "vcse_flag": 6,
        "transaction_number": 7,
    },
)


def _read(cells, plan=PLAN, number=5):
    problems: list[SpendProblem] = []
    row = read_row(number, cells, plan, problems)
    return row, [str(p) for p in problems]


def test_read_row_reads_a_good_line():
    row, problems = _read(
        ["01/08/2022", "  Acme   Care Ltd ", "(1,250.00)", "Capital", "4869035", "1123456", "Y", "T1"]
    )
    assert problems == []
    assert row.payment_date == datetime.date(2022, 8, 1)
    assert row.supplier_name == "Acme Care Ltd"
    assert row.normalised_supplier == "acme care"
    assert row.amount_pence == -125000
    assert row.capital_revenue == "capital"
    assert row.company_number == "04869035"  # leading zero restored
    assert row.charity_number == "1123456"
    assert row.vcse_flag is True
    assert row.transaction_number == "T1"
    assert row.redacted is False


def test_read_row_collects_every_problem_of_a_row_in_clear_english():
    row, problems = _read(["32/01/2022", " ", "abc", "Maybe", "ABC-123", "charity", "Perhaps", "x" * 101])
    assert row is None
    assert problems == [
        "Row 5, date: '32/01/2022' is not a date (use 31/03/2016 or 2016-03-31)",
        "Row 5, supplier: is blank",
        "Row 5, amount: 'abc' is not an amount of money in pounds and pence (such as 1234.56, £1,234.56 or (1,234.56))",
        "Row 5, capital or revenue: 'Maybe' is not Capital or Revenue (C or R, or leave it blank)",
        "Row 5, company number: 'ABC-123' is not a Companies House number (8 characters, such as 01234567 or SC123456)",
        "Row 5, charity number: 'charity' is not a registered charity number (such as 1234567, SC012345 or NIC101234)",
        "Row 5, VCSE flag: 'Perhaps' is not Y or N (or blank)",
        "Row 5, transaction number: is longer than 100 characters",
    ]


def test_read_row_names_fractions_of_a_penny_and_blank_values():
    assert _read(["2022-08-01", "Acme", "12.345", "", "", "", "", ""])[1] == [
        "Row 5, amount: '12.345' has fractions of a penny (use pounds and pence, such as 1234.56)"
    ]
    assert _read(["", "Acme", "", "", "", "", "", ""])[1] == ["Row 5, date: is blank", "Row 5, amount: is blank"]


def test_read_row_drops_an_extra_trailing_empty_or_na_value_but_refuses_other_extra_values():
    good = ["2022-08-01", "Acme", "10.00", "R", "", "", "", "T1"]
    assert _read([*good, ""])[0].amount_pence == 1000
    assert _read([*good, "#N/A"])[0].amount_pence == 1000
    assert _read([*good, "", "#N/A"])[0].amount_pence == 1000
    row, problems = _read([*good, "Jones Ltd"])
    assert row is None
    assert problems == [
        "Row 5: has 9 values but the heading row has 8 columns (a value containing a comma must be in double quotes)"
    ]


def test_read_row_takes_gross_less_vat_when_there_is_no_net_column():
    plan = ColumnPlan(1, ["Date", "Supplier", "Gross", "VAT"], {"date": 0, "supplier": 1, "gross": 2, "vat": 3})
    assert _read(["2022-08-01", "Acme", "1,200.00", "200.00"], plan)[0].amount_pence == 100000
    assert _read(["2022-08-01", "Acme", "1,200.00", "N/A"], plan)[0].amount_pence == 120000
    assert _read(["2022-08-01", "Acme", "", "twenty"], plan)[1] == [
        "Row 5, amount: gross amount is blank",
        "Row 5, amount: VAT 'twenty' is not an amount of money in pounds and pence "
        "(such as 1234.56, £1,234.56 or (1,234.56))",
    ]


@pytest.mark.parametrize(
    "supplier",
    [
        "Redacted Personal Information",
        "Redacted Data",
        "REDACTED – PERSONAL DATA",
        "REDACTED \x96 PERSONAL DATA",  # Harrogate's dash, a cp1252 byte carried as a control character
        "REDACTED",
        "Personal Data Withheld",
    ],
)
def test_read_row_keeps_redacted_lines_as_redacted_spend_not_a_supplier(supplier):
    row, problems = _read(["2022-08-01", supplier, "575", "", "", "", "", ""])
    assert problems == []
    assert row.redacted is True
    assert row.normalised_supplier == ""


@pytest.mark.parametrize("supplier", ["REDACTIVE PUBLISHING LIMITED", "Redhill Data Services Ltd", "Credacted Ltd"])
def test_read_row_does_not_mistake_similar_names_for_redaction(supplier):
    row, _problems = _read(["2022-08-01", supplier, "950", "", "", "", "", ""])
    assert row.redacted is False
    assert row.normalised_supplier


def test_read_row_turns_cp1252_control_characters_back_into_the_dashes_they_were():
    row, _problems = _read(["2022-08-01", "Smith \x96 Jones \x93Care\x94", "1", "", "", "", "", ""])
    assert row.supplier_name == "Smith – Jones “Care”"


@pytest.mark.parametrize(
    ("capital", "vcse", "company", "charity", "expected"),
    [
        ("C", "N", "SC123456", "SC012345", ("capital", False, "SC123456", "SC012345")),
        ("R", "yes", "12345678", "1123456-1", ("revenue", True, "12345678", "1123456-1")),
        ("rev", "", "N/A", "NIC101234", ("revenue", None, "", "NIC101234")),
        ("", "n/a", "", "n/a", ("", None, "", "")),
    ],
)
def test_read_row_reads_capital_revenue_vcse_flags_and_registration_numbers(capital, vcse, company, charity, expected):
    row, problems = _read(["2022-08-01", "Acme", "1", capital, company, charity, vcse, ""])
    assert problems == []
    assert (row.capital_revenue, row.vcse_flag, row.company_number, row.charity_number) == expected


def test_spend_file_error_keeps_the_first_problems_and_counts_the_rest():
    error = SpendFileError([SpendProblem(2, "date", "is blank"), SpendProblem(None, "", "the file is empty")], more=7)
    assert error.messages == ["Row 2, date: is blank", "File: the file is empty"]
    assert error.more == 7
    assert str(error) == "Row 2, date: is blank; File: the file is empty (and 7 more)"


def test_open_spend_file_finds_cp1252_by_a_pound_sign_far_into_the_file():
    """The encoding is sniffed over the whole file, in chunks: a £ a megabyte in still counts."""
    content = spend_csv([("2022-08-01", f"T{i}", "Acme Ltd", "1.00") for i in range(30_000)])
    content += "Kent County Council,2022-08-02,T-last,Café Ltd,£5.00,,,\r\n".encode("cp1252")
    assert len(content) > 1 << 20
    spend_file = open_spend_file(io.BytesIO(content), "spend.csv")
    assert spend_file.encoding == "cp1252"
    assert spend_file.kind == "csv"
    *_rest, (_number, last) = spend_file.rows()
    assert last[3:5] == ["Café Ltd", "£5.00"]
    assert open_spend_file(io.BytesIO(content[:5000]), "spend.csv").encoding == "utf-8-sig"


def test_the_reader_can_be_imported_before_the_services():
    """A command or test importing the reader first must not trip over the services importing it."""
    code = "import django; django.setup(); import contracts.importers.spend as s; print(s.parse_amount_pence('£1.50'))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "commissioning.settings.test"}
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "150"), done.stderr


# ---------------------------------------------------------------- the four real files


def _independent(path: Path, amount: str, publisher: str) -> dict:
    """Rows, total, publisher and dates read with the csv module and Decimal, not the importer."""
    text = path.read_bytes().decode("utf-8")
    rows = [
        {key.replace("\ufeff", "").replace(MANGLED_BOM, ""): value for key, value in row.items()}
        for row in csv.DictReader(io.StringIO(text, newline=""))
    ]
    return {
        "rows": len(rows),
        "total": sum((Decimal(row[amount]) for row in rows), Decimal("0")),
        "publisher": rows[0][publisher],
        "rows_data": rows,
    }


# file, amount heading (Salford: the Net column), publisher heading, rows, total, date heading
REAL_FILES = [
    ("calderdale_2022-08_spend.csv", "Net Amount", "Organisation Name", 1956, "15901508.75", "Date"),
    ("harrogate_2022-08_supplier_spend.csv", "Net Amount", "Body Name", 1873, "5385270.74", "Payment Date"),
    ("manchester_2022-05_spend.csv", "Net Amount", "Body Name", 3564, "97400227.10", "Invoice Payment Date"),
    ("salford_2022-06_spend.csv", "Net", "Authority Name", 1809, "21292074.37", "Date of Payment"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "amount", "publisher", "rows", "total", "date"), REAL_FILES)
def test_real_file_imports_unedited_to_the_penny_and_again_adds_nothing(
    procurement, name, amount, publisher, rows, total, date
):
    path = REAL / name
    expected = _independent(path, amount, publisher)
    assert (expected["rows"], expected["total"]) == (rows, Decimal(total))  # the fixture is the published file

    with path.open("rb") as handle:
        result = spend_service.spend_file_import(handle=handle, file_name=name, actor=procurement)

    assert result.rows == expected["rows"]
    assert result.total == expected["total"]
    assert result.lines_added == expected["rows"]
    assert result.added == expected["total"]
    assert result.publisher == expected["publisher"]  # read from the file
    record = SpendImport.objects.get()
    assert record.publisher.name == expected["publisher"]
    assert (record.rows, record.total, record.lines_added) == (rows, Decimal(total), rows)
    assert record.file_name == name
    assert record.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record.imported_by == procurement
    dates = sorted(datetime.date.fromisoformat(r[date]) for r in expected["rows_data"])
    assert (record.first_date, record.last_date) == (dates[0], dates[-1])
    lines = SpendLine.objects.filter(publisher=record.publisher)
    assert lines.count() == rows
    assert sum(lines.values_list("amount_pence", flat=True)) == int(Decimal(total) * 100)
    assert SpendStagingLine.objects.count() == 0

    with path.open("rb") as handle:
        again = spend_service.spend_file_import(handle=handle, file_name=name, actor=procurement)
    assert (again.rows, again.total, again.lines_added, again.added_pence) == (rows, Decimal(total), 0, 0)
    assert again.previous_import == record
    assert SpendLine.objects.count() == rows
    assert SpendImport.objects.count() == 2


def _import_real(name: str):
    with (REAL / name).open("rb") as handle:
        return spend_service.spend_file_import(handle=handle, file_name=name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "supplier", "count"),
    [
        ("manchester_2022-05_spend.csv", "Redacted Personal Information", 171),
        ("salford_2022-06_spend.csv", "Redacted Data", 239),
        ("harrogate_2022-08_supplier_spend.csv", "REDACTED – PERSONAL DATA", 3),
    ],
)
def test_real_file_redacted_lines_are_redacted_spend_with_no_provider(name, supplier, count):
    # A provider whose name looks like the redaction must not collect the payments to individuals.
    ProviderFactory(name=f"{supplier} Ltd")
    result = _import_real(name)
    redacted = SpendLine.objects.filter(redacted=True)
    assert result.redacted_lines == count
    assert redacted.count() == count
    assert set(redacted.values_list("supplier_name", flat=True)) == {supplier}
    assert not redacted.filter(provider__isnull=False).exists()
    assert set(redacted.values_list("normalised_supplier", flat=True)) == {""}
    assert not SpendLine.objects.filter(redacted=False, supplier_name__iexact=supplier).exists()


@pytest.mark.django_db
def test_harrogate_redactive_publishing_is_a_supplier_not_a_redaction():
    _import_real("harrogate_2022-08_supplier_spend.csv")
    lines = SpendLine.objects.filter(supplier_name="REDACTIVE PUBLISHING LIMITED")
    assert lines.count() == 2
    assert set(lines.values_list("redacted", "normalised_supplier", "amount_pence")) == {
        (False, "redactive publishing", 95000)
    }
    # Identical lines in the file (same transaction, date, supplier and amount): both count.
    assert sorted(lines.values_list("occurrence", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_calderdale_vcse_flags_and_company_numbers_are_read():
    expected = _independent(REAL / "calderdale_2022-08_spend.csv", "Net Amount", "Organisation Name")["rows_data"]
    flagged = sum(1 for r in expected if r["Voluntary Community and Social Enterprise Supplier"] == "Y")
    numbers = {r["Supplier Registered Company Number"].zfill(8) for r in expected} - {"00000000"}
    assert flagged == 165

    _import_real("calderdale_2022-08_spend.csv")

    assert SpendLine.objects.filter(vcse_flag=True).count() == 165
    assert SpendLine.objects.filter(vcse_flag=False).count() == 0  # blank is "not said", not "no"
    assert set(SpendLine.objects.exclude(company_number="").values_list("company_number", flat=True)) == numbers
    assert SpendLine.objects.exclude(company_number="").count() == 326
    assert SpendLine.objects.filter(company_number="04869035").count() == 22  # published as 4869035
    assert set(SpendLine.objects.values_list("publisher__name", flat=True)) == {"The Borough of Calderdale"}


@pytest.mark.django_db
def test_salford_net_is_the_amount_not_the_gross():
    _import_real("salford_2022-06_spend.csv")
    line = SpendLine.objects.get(transaction_number="601414480")
    assert line.amount == Decimal("600.00")  # Gross 720.00, VAT 120.00, Net 600.00
    assert line.service_area == "Place Directorate"
    assert line.expense_type == "Advertising"


# ---------------------------------------------------------------- variants of a real file


def _sample(name: str = "harrogate_2022-08_supplier_spend.csv", lines: int = 50) -> tuple[list[str], list[list[str]]]:
    """The headings and first rows of a real file, as parsed by the csv module."""
    text = (REAL / name).read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))[:lines]
    return [h.replace(MANGLED_BOM, "") for h in rows[0]], rows[1:]


def _csv_bytes(headings, rows, *, encoding="utf-8", newline="\n", before: list[list[str]] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerows(before or [])
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _column(headings, name):
    return headings.index(name)


def _expected(headings, rows, amount="Net Amount") -> tuple[int, Decimal]:
    i = _column(headings, amount)
    return len(rows), sum((Decimal(r[i]) for r in rows), Decimal("0"))


def _pounds_with_commas(value: str, *, pound: str = "", credit: str = "minus") -> str:
    amount = Decimal(value).quantize(Decimal("0.01"))
    text = f"{pound}{abs(amount):,}"
    if amount >= 0:
        return text
    return f"({text})" if credit == "brackets" else f"-{text}"


def _with(rows, index, change):
    return [[change(v) if i == index else v for i, v in enumerate(r)] for r in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [(b"\xef\xbb\xbf", "utf-8-sig"), (MANGLED_BOM.encode("utf-8"), "utf-8-sig"), (b"", "utf-8-sig")],
    ids=["bom", "mangled-bom", "no-bom"],
)
def test_utf8_files_with_or_without_a_byte_order_mark_import(prefix, encoding):
    headings, rows = _sample()
    result = import_spend(prefix + _csv_bytes(headings, rows))
    assert (result.rows, result.total) == _expected(headings, rows)
    assert result.encoding == encoding
    assert result.publisher == "Harrogate Borough Council"  # the first heading was read through the mark
    assert result.columns["publisher"] == "Body Name"


@pytest.mark.django_db
def test_cp1252_file_with_pound_signs_and_accents_imports():
    headings, rows = _sample()
    amount = _column(headings, "Net Amount")
    supplier = _column(headings, "Supplier Name")
    rows[0][supplier] = "Café Crème – Harrogate"
    priced = _with(rows, amount, lambda v: _pounds_with_commas(v, pound="£"))
    assert any(r[amount].startswith("£") and "," in r[amount] for r in priced)
    content = _csv_bytes(headings, priced, encoding="cp1252", newline="\r\n")

    result = import_spend(content)

    assert result.encoding == "cp1252"
    assert (result.rows, result.total) == _expected(headings, rows)
    assert SpendLine.objects.filter(supplier_name="Café Crème – Harrogate").count() == 1


@pytest.mark.django_db
def test_crlf_line_endings_import_the_same():
    headings, rows = _sample("manchester_2022-05_spend.csv")
    result = import_spend(_csv_bytes(headings, rows, newline="\r\n"))
    assert (result.rows, result.total) == _expected(headings, rows)
    assert not SpendLine.objects.filter(supplier_name__contains="\r").exists()


def _dmy(iso: str) -> str:
    return datetime.date.fromisoformat(iso).strftime("%d/%m/%Y")


def _d_mon_y(iso: str) -> str:
    return datetime.date.fromisoformat(iso).strftime("%d-%b-%Y")


def _serial(iso: str) -> str:
    return str((datetime.date.fromisoformat(iso) - datetime.date(1899, 12, 30)).days)


@pytest.mark.django_db
@pytest.mark.parametrize("write_date", [_dmy, _d_mon_y, _serial], ids=["dd/mm/yyyy", "01-Apr-2015", "excel-serial"])
def test_dates_as_published_import_to_the_same_days(write_date):
    headings, rows = _sample()
    date = _column(headings, "Payment Date")
    transaction = _column(headings, "Transaction No.")
    changed = _with(rows, date, write_date)
    assert changed[0][date] != rows[0][date]

    result = import_spend(_csv_bytes(headings, changed))

    assert (result.rows, result.total) == _expected(headings, rows)
    for row in rows[:5]:
        line = SpendLine.objects.filter(transaction_number=row[transaction]).first()
        assert line.payment_date == datetime.date.fromisoformat(row[date])


@pytest.mark.django_db
def test_xlsx_with_date_cells_serial_numbers_and_number_cells_imports():
    headings, rows = _sample()
    date, amount = _column(headings, "Payment Date"), _column(headings, "Net Amount")
    transaction = _column(headings, "Transaction No.")
    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for n, row in enumerate(rows):
        cells: list = list(row)
        day = datetime.date.fromisoformat(row[date])
        # Half the dates are real date cells, half numeric Excel serials.
        cells[date] = datetime.datetime.combine(day, datetime.time()) if n % 2 else int(_serial(row[date]))
        cells[amount] = float(row[amount])
        cells[transaction] = int(row[transaction])
        sheet.append(cells)
    # A cached formula result as Excel stores it: 0.1 + 0.2 is 0.30000000000000004.
    sheet.append(
        ["Harrogate Borough Council", "", "R", "", "", "", datetime.datetime(2022, 8, 31), "Acme", 1, 0.1 + 0.2]
    )
    handle = io.BytesIO()
    book.save(handle)

    result = import_spend(handle.getvalue(), file_name="harrogate.xlsx")

    count, total = _expected(headings, rows)
    assert (result.rows, result.total) == (count + 1, total + Decimal("0.30"))
    assert result.encoding == ""
    first = SpendLine.objects.get(transaction_number=rows[0][transaction], row_number=2)
    assert first.payment_date == datetime.date.fromisoformat(rows[0][date])
    assert SpendLine.objects.get(transaction_number=rows[1][transaction], row_number=3).payment_date == (
        datetime.date.fromisoformat(rows[1][date])
    )
    assert SpendLine.objects.get(supplier_name="Acme").amount_pence == 30


@pytest.mark.django_db
def test_xlsx_with_a_wrong_size_recorded_in_the_sheet_reads_every_row():
    """Some systems write <dimension ref="A1"/> whatever the sheet holds; every row must still be read."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Body Name", "Payment Date", "Supplier Name", "Net Amount"])
    for n in range(30):
        sheet.append(["Kent County Council", datetime.datetime(2022, 5, 3), f"Supplier {n}", n + 0.5])
    saved = io.BytesIO()
    book.save(saved)
    damaged = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1"/>', data)
                assert count == 1
            target.writestr(item, data)

    result = import_spend(damaged.getvalue(), file_name="spend.xlsx")

    assert (result.rows, result.total) == (30, sum(Decimal(n) + Decimal("0.5") for n in range(30)))


@pytest.mark.django_db
@pytest.mark.parametrize("credit", ["brackets", "minus"])
def test_credits_in_brackets_or_with_a_minus_and_thousands_separators_import(credit):
    headings, rows = _sample("manchester_2022-05_spend.csv")
    amount = _column(headings, "Net Amount")
    changed = _with(rows, amount, lambda v: _pounds_with_commas(v, credit=credit))
    assert any(r[amount].startswith("(" if credit == "brackets" else "-") for r in changed)
    assert any("," in r[amount] for r in changed)

    result = import_spend(_csv_bytes(headings, changed))

    assert (result.rows, result.total) == _expected(headings, rows)
    assert SpendLine.objects.filter(amount_pence__lt=0).count() == sum(1 for r in rows if r[amount].startswith("-"))


@pytest.mark.django_db
def test_gross_vat_and_net_reads_the_net_and_gross_with_vat_only_reads_gross_less_vat():
    headings, rows = _sample("salford_2022-06_spend.csv")
    result = import_spend(_csv_bytes(headings, rows))
    assert (result.rows, result.total) == _expected(headings, rows, amount="Net")
    assert result.columns["amount"] == "Net"

    gross, vat, net = (_column(headings, h) for h in ("Gross", "VAT", "Net"))
    keep = [i for i in range(len(headings)) if i != net]
    without_net = [[r[i] for i in keep] for r in rows]
    expected = sum((Decimal(r[gross]) - Decimal(r[vat]) for r in rows), Decimal("0"))
    other = import_spend(_csv_bytes([headings[i] for i in keep], without_net), publisher="Salford (gross and VAT)")
    assert "amount" not in other.columns
    assert (other.rows, other.total) == (len(rows), expected)


@pytest.mark.django_db
def test_rows_with_an_extra_trailing_empty_or_na_value_are_read_as_the_file_means():
    headings, rows = _sample()
    ragged = [[*r, ""] if n % 3 == 0 else [*r, "#N/A"] if n % 3 == 1 else r for n, r in enumerate(rows)]
    result = import_spend(_csv_bytes(headings, ragged))
    assert (result.rows, result.total) == _expected(headings, rows)


@pytest.mark.django_db
def test_a_title_row_above_the_headings_is_skipped():
    headings, rows = _sample()
    title = [["Harrogate Borough Council: spend over £500, August 2022"], []]
    result = import_spend(_csv_bytes(headings, rows, before=title))
    assert (result.rows, result.total) == _expected(headings, rows)
    assert SpendLine.objects.order_by("row_number").first().row_number == 4  # title 1, blank 2, headings 3


@pytest.mark.django_db
def test_unknown_headings_are_mapped_once_and_the_mapping_is_saved_for_the_publisher():
    headings, rows = _sample()
    renamed = {"Payment Date": "Pay Dt", "Supplier Name": "Paid To", "Net Amount": "Sum (£)"}
    odd = [renamed.get(h, h) for h in headings]
    # Split after row 30: rows 20 to 23 are one line paid four times, kept in one file here.
    first, second = _csv_bytes(odd, rows[:30]), _csv_bytes(odd, rows[30:])

    with pytest.raises(SpendColumnsMissing) as excinfo:
        import_spend(first)
    assert excinfo.value.missing == ["date", "supplier", "amount"]
    assert "Paid To" in excinfo.value.headings
    assert SpendPublisher.objects.count() == 0

    mapping = {"date": "Pay Dt", "supplier": "Paid To", "amount": "Sum (£)", "vat_number": ""}
    result = import_spend(first, columns=mapping)
    assert result.rows == 30
    assert result.mapping_saved == {"date": "Pay Dt", "supplier": "Paid To", "amount": "Sum (£)"}
    publisher = SpendPublisher.objects.get()
    assert publisher.name == "Harrogate Borough Council"
    assert publisher.column_mapping == {"date": "Pay Dt", "supplier": "Paid To", "amount": "Sum (£)"}

    # The next file of that publisher needs no mapping, whether it is named or read from the file.
    named = import_spend(second[: second.index(b"\n", 1000) + 1], publisher="harrogate borough council")
    assert named.columns["supplier"] == "Paid To"
    read = import_spend(second)
    assert read.columns["supplier"] == "Paid To"
    assert read.rows == len(rows) - 30
    assert SpendLine.objects.count() == len(rows)
    assert sum(SpendLine.objects.values_list("amount_pence", flat=True)) == int(_expected(headings, rows)[1] * 100)


# ---------------------------------------------------------------- malformed files


# file, what the messages must say (in order), how many problems are listed
MALFORMED_FILES = [
    ("empty.csv", ["File: the file is empty"], 1),
    ("blank_lines_only.csv", ["File: the file has no rows"], 1),
    ("header_only.csv", ["Row 1: the file has headings but no spend lines under them"], 1),
    ("binary.csv", ["File: the file is not text: upload a CSV or an Excel (.xlsx) file"], 1),
    ("utf16.csv", ['File: the file is saved as UTF-16 ("Unicode Text")'], 1),
    ("semicolons.csv", ["Row 1: the columns are separated by semicolons, not commas"], 1),
    ("semicolons_decimal_comma.csv", ["Row 1: the columns are separated by semicolons, not commas"], 1),
    ("tabs.csv", ["Row 1: the columns are separated by tabs, not commas"], 1),
    (
        "bad_dates.csv",
        [
            "Row 3, date: '31/02/2022' is not a date",
            "Row 4, date: 'next Tuesday' is not a date",
            "Row 5, date: '2022-13-01' is not a date",
            "Row 6, date: is blank",
        ],
        4,
    ),
    (
        "bad_amounts.csv",
        [
            "Row 3, amount: 'twelve pounds' is not an amount of money in pounds and pence",
            "Row 4, amount: is blank",
            "Row 5, amount: '1.234,50' is not an amount of money",
            "Row 6, amount: '12.5.0' is not an amount of money",
        ],
        4,
    ),
    ("fraction_of_penny.csv", ["Row 4, amount: '1250.505' has fractions of a penny"], 1),
    ("missing_supplier_column.csv", ["File: no column recognised for the supplier; the headings are: Body Name"], 1),
    ("missing_date_and_amount_columns.csv", ["File: no column recognised for the date and amount"], 1),
    ("cut_off_in_quoted_field.csv", ['Row 5: the file ends inside a quoted value (a " with no closing ")'], 1),
    ("old_excel.xls", ["File: this is an Excel 97-2003 (.xls) workbook: save it as .xlsx or CSV"], 1),
    ("csv_named_xls.xls", ["File: Excel 97-2003 (.xls) files cannot be read: save it as .xlsx or CSV"], 1),
    ("not_a_workbook.xlsx", ["File: the file is named .xlsx but is not an Excel workbook"], 1),
    ("zip_not_a_workbook.xlsx", ["File: the Excel file cannot be opened: it is damaged or not an Excel workbook"], 1),
    ("damaged_sheet.xlsx", ["Row 21: the Excel sheet cannot be read from here: the file is damaged"], 1),
    ("too_many_fields.csv", ["Row 4: has 9 values but the heading row has 8 columns"], 1),
    ("blank_supplier.csv", ["Row 4, supplier: is blank"], 1),
    ("bad_capital_revenue.csv", ["Row 4, capital or revenue: 'Maybe' is not Capital or Revenue"], 1),
    ("invalid_company_number.csv", ["Row 3, company number: 'ABC-123' is not a Companies House number"], 1),
    ("invalid_charity_number.csv", ["Row 3, charity number: 'charity' is not a registered charity number"], 1),
    ("bad_vcse_flag.csv", ["Row 3, VCSE flag: 'Perhaps' is not Y or N"], 1),
    (
        "several_problems_in_one_row.csv",
        [
            "Row 3, date: '32/01/2022' is not a date",
            "Row 3, supplier: is blank",
            "Row 3, amount: 'abc' is not an amount",
            "Row 3, capital or revenue: 'X' is not Capital or Revenue",
        ],
        4,
    ),
    ("gross_vat_bad.csv", ["Row 3, amount: gross amount is blank", "Row 4, amount: VAT 'twenty' is not an amount"], 2),
    ("many_bad_rows.csv", ["Row 7, amount: 'n/k' is not an amount", "Row 8, amount: 'n/k'"], MAX_PROBLEMS_SHOWN),
]


def test_the_malformed_corpus_is_all_in_the_table():
    assert len(MALFORMED_FILES) >= 15
    assert {name for name, _m, _n in MALFORMED_FILES} == {p.name for p in MALFORMED.iterdir()}


def _database_state() -> dict:
    """Everything an import could write, to compare before and after a rejected file."""
    return {
        "lines": SpendLine.objects.count(),
        "line_pence": sum(SpendLine.objects.values_list("amount_pence", flat=True)),
        "imports": list(SpendImport.objects.order_by("pk").values_list("pk", "status", "rows", "lines_added")),
        "publishers": list(SpendPublisher.objects.order_by("pk").values_list("pk", "name", "column_mapping")),
        "staging": SpendStagingLine.objects.count(),
        "aliases": SupplierAlias.objects.count(),
        "matched": SpendLine.objects.filter(provider__isnull=False).count(),
    }


@pytest.fixture
def imported_before(db):
    """Kent's earlier file, with a column mapping saved for Kent, so a rejected file has something to spoil."""
    ProviderFactory(name="Acme Care Ltd")
    content = spend_csv(
        [("2022-04-01", "900", "Acme Care Ltd", "1250.00"), ("2022-04-02", "901", "Beta Homes Ltd", "99.99")],
        headings=[
            "Body Name",
            "Payment Date",
            "Ref",
            "Supplier Name",
            "Net Amount",
            "Service Area",
            "Expense Type",
            "Capital / Revenue",
        ],  # fmt: skip
    )
    result = import_spend(content, columns={"transaction_number": "Ref"})
    assert result.lines_added == 2
    assert SpendPublisher.objects.get().column_mapping == {"transaction_number": "Ref"}
    return result


@pytest.mark.parametrize(("name", "messages", "count"), MALFORMED_FILES)
@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_malformed_file_is_rejected_naming_row_and_field_and_changes_nothing(
    imported_before, procurement, name, messages, count, dry_run
):
    before = _database_state()
    with pytest.raises(SpendFileError) as excinfo:
        import_spend(
            (MALFORMED / name).read_bytes(),
            file_name=name,
            publisher="Kent County Council",
            actor=procurement,
            dry_run=dry_run,
        )
    error = excinfo.value
    assert len(error.problems) == count
    shown = error.messages
    position = 0
    for expected in messages:
        found = [i for i, message in enumerate(shown) if message.startswith(expected) or expected in message]
        assert found, f"{expected!r} not in {shown}"
        assert found[0] >= position, f"{expected!r} out of order in {shown}"
        position = found[0]
    assert _database_state() == before


def test_more_than_100_problems_shows_the_first_100_and_counts_the_rest(imported_before):
    with pytest.raises(SpendFileError) as excinfo:
        import_spend((MALFORMED / "many_bad_rows.csv").read_bytes(), publisher="Kent County Council")
    error = excinfo.value
    assert len(error.problems) == 100
    assert error.more == 30
    assert [p.row for p in error.problems] == list(range(7, 107))
    assert {p.field for p in error.problems} == {"amount"}
    assert str(error).endswith("(and 127 more)")  # three shown in the summary, 127 behind them


def test_a_bad_row_after_staged_batches_rolls_back_everything(imported_before, procurement, monkeypatch):
    """6,000 good rows, so a batch of 5,000 is already in the staging table, then one bad row."""
    staged = []
    real_stage = spend_service._stage

    def counting_stage(rows, spend_import_id):
        staged.append(len(rows))
        real_stage(rows, spend_import_id)

    monkeypatch.setattr(spend_service, "_stage", counting_stage)
    good = [("2022-05-01", f"T{n}", f"Supplier {n % 50}", f"{n}.01") for n in range(6000)]
    content = spend_csv([*good, ("2022-05-02", "T-bad", "Acme Care Ltd", "ten pounds")], publisher="New Council")
    before = _database_state()

    with pytest.raises(SpendFileError) as excinfo:
        import_spend(content, publisher="New Council", columns={"service_area": "Expense Type"}, actor=procurement)

    assert staged == [spend_service.BATCH_ROWS]  # written to staging before the bad row was reached
    assert excinfo.value.messages == [
        "Row 6002, amount: 'ten pounds' is not an amount of money in pounds and pence "
        "(such as 1234.56, £1,234.56 or (1,234.56))"
    ]
    assert _database_state() == before
    assert not SpendPublisher.objects.filter(name="New Council").exists()  # nor its mapping


def test_bad_rows_and_a_cut_off_end_are_reported_together(imported_before):
    content = spend_csv([("2022-05-01", "T1", "Acme", "1.00"), ("2022-05-01", "T2", "Acme", "one")])
    content += b'Kent County Council,2022-05-01,T3,"Acme'
    before = _database_state()
    with pytest.raises(SpendFileError) as excinfo:
        import_spend(content)
    assert [p.row for p in excinfo.value.problems] == [3, 4]
    assert excinfo.value.messages[0].startswith("Row 3, amount: 'one' is not an amount")
    assert "the file ends inside a quoted value" in excinfo.value.messages[1]
    assert _database_state() == before


def test_a_file_that_names_no_publisher_is_refused(db):
    content = b"Payment Date,Supplier Name,Net Amount\n2022-05-01,Acme,1.00\n"
    with pytest.raises(SpendFileError) as excinfo:
        import_spend(content)
    assert excinfo.value.messages == [
        "File: the file does not say which council published it: give the publisher's name"
    ]
    assert SpendPublisher.objects.count() == 0
    assert import_spend(content, publisher="Kent County Council").rows == 1
