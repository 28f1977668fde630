"""Importing KPI returns from providers' files: the formats they send, every error named by row and
column, all or nothing, re-imports that add nothing, dry runs that write nothing, and the command."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from contracts.choices import RAG, Frequency, KPIUnit, Polarity, ReturnStatus
from contracts.importers.returns import (
    ImportFileError,
    ImportRow,
    parse_value,
    read_returns_file,
    returns_import,
    returns_import_file,
)
from contracts.models import KPIReturn
from contracts.services import kpi_return_accept
from tests.contracts.factories import ContractFactory, KPIFactory, kpi_return

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "returns"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def asc_contract(directorate, commissioner):
    """KCC-ASC-001 with the KPIs the fixture files name: KPI01 (%), KPI02 complaints (count), KPI03 (£)."""
    contract = ContractFactory(reference="KCC-ASC-001", directorate=directorate, commissioner=commissioner)
    KPIFactory(contract=contract, code="KPI01", name="Visits on time")
    KPIFactory(
        contract=contract,
        code="KPI02",
        name="Complaints received",
        unit=KPIUnit.COUNT,
        polarity=Polarity.LOWER,
        target=Decimal("5"),
        amber_threshold=Decimal("8"),
        red_threshold=Decimal("10"),
    )
    KPIFactory(
        contract=contract,
        code="KPI03",
        name="Budget variance",
        unit=KPIUnit.MONEY,
        target=Decimal("0"),
        amber_threshold=Decimal("-500"),
        red_threshold=Decimal("-1000"),
    )
    return contract


@pytest.fixture
def get_contract(other_directorate):
    contract = ContractFactory(reference="KCC-GET-001", directorate=other_directorate)
    KPIFactory(contract=contract, code="KPI01")
    return contract


def returns_of(contract) -> dict[str, KPIReturn]:
    return {r.kpi.code: r for r in KPIReturn.objects.filter(contract=contract).select_related("kpi")}


# --- Reading what providers send ---


def test_a_utf8_csv_with_usual_headings_is_imported_and_submitted(asc_contract, commissioner):
    result = returns_import_file(content=fixture("q2_utf8.csv"), filename="q2_utf8.csv", actor=commissioner)
    assert result.errors == []
    assert result.counts == {"new": 3, "changed": 0, "unchanged": 0}
    saved = returns_of(asc_contract)
    assert {code: r.actual for code, r in saved.items()} == {
        "KPI01": Decimal("82.5"),
        "KPI02": Decimal("3"),  # named by its KPI name, "Complaints received"
        "KPI03": Decimal("-5"),  # "(5)"
    }
    assert saved["KPI01"].commentary == "Two carers off sick"
    assert saved["KPI01"].period_start == datetime.date(2025, 7, 1)
    assert {r.status for r in saved.values()} == {ReturnStatus.SUBMITTED}
    assert saved["KPI01"].submitted_by == commissioner
    assert saved["KPI01"].history.first().history_user == commissioner


def test_a_csv_with_a_byte_order_mark_keeps_its_first_heading_and_its_accents(asc_contract, commissioner):
    result = returns_import_file(content=fixture("q2_bom.csv"), filename="q2_bom.csv", actor=commissioner)
    assert result.errors == []
    ret = returns_of(asc_contract)["KPI01"]
    assert ret.actual == Decimal("91")
    assert ret.commentary == "Café staff “on time” again"


def test_a_cp1252_csv_with_a_pound_sign_is_read_as_excel_wrote_it(asc_contract, commissioner):
    result = returns_import_file(content=fixture("q2_cp1252.csv"), filename="q2_cp1252.csv", actor=commissioner)
    assert result.errors == []
    ret = returns_of(asc_contract)["KPI03"]
    assert ret.actual == Decimal("1250")
    assert ret.commentary == "Saving of £1250 – agreed with the provider"


def test_an_excel_workbook_reads_percent_cells_numbers_and_date_periods(asc_contract, commissioner):
    monthly = KPIFactory(contract=asc_contract, code="KPI04", name="Calls answered", frequency=Frequency.MONTHLY)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Contract Reference", "KPI Code", "Month", "Result", "Commentary"])
    sheet.append(["KCC-ASC-001", "KPI01", "2025-26 Q2", 0.825, "As a percentage cell"])
    sheet["D2"].number_format = "0.0%"
    sheet.append(["KCC-ASC-001", "kpi02", "2025-26 Q2", 4, None])
    sheet.append([None, None, None, None, None])  # a blank row is skipped, not an error
    sheet.append(["KCC-ASC-001", "KPI04", datetime.datetime(2025, 5, 31), 93.25, "Dated in the month"])
    out = io.BytesIO()
    workbook.save(out)
    result = returns_import_file(content=out.getvalue(), filename="Returns Q2.XLSX", actor=commissioner)
    assert result.errors == []
    saved = returns_of(asc_contract)
    assert saved["KPI01"].actual == Decimal("82.5")
    assert saved["KPI02"].actual == Decimal("4")
    assert (saved["KPI04"].kpi, saved["KPI04"].period_start) == (monthly, datetime.date(2025, 5, 1))
    assert saved["KPI04"].actual == Decimal("93.25")


@pytest.mark.parametrize(
    "headings",
    [
        "Contract ref,KPI,Period,Value,Comments",
        "contract reference,kpi code,quarter,actual,commentary",
        "CONTRACT REF.,Indicator,Reporting period,Result,Notes",
        "Contract Ref;KPI;Period;Value;Comments",
        "Unit,Contract_Reference,KPI Name,Period,Value",
    ],
)
def test_usual_heading_variants_are_recognised(headings):
    separator = ";" if ";" in headings else ","
    names = headings.split(separator)
    values = {
        "Unit": "%",
        "KPI Name": "Visits on time",
    }
    row = separator.join(values.get(name, "x") for name in names)
    rows = read_returns_file(content=f"{headings}\n{row}\n".encode(), filename="r.csv")
    assert len(rows) == 1
    assert rows[0].row == 2
    assert rows[0].contract == "x"
    assert rows[0].kpi in ("x", "Visits on time")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("82", Decimal("82")),
        ("82.5%", Decimal("82.5")),
        ("£1,250", Decimal("1250")),
        ("£1,250.75", Decimal("1250.75")),
        ("(5)", Decimal("-5")),
        ("(£5.50)", Decimal("-5.50")),
        ("-3", Decimal("-3")),
        ("\u22123", Decimal("-3")),
        (" 12 ", Decimal("12")),
        ("", None),
    ],
)
def test_values_are_read_as_providers_type_them(text, expected):
    assert parse_value(text) == expected


@pytest.mark.parametrize("text", ["lots", "82..5", "1,2,3x", "n/a", "5-"])
def test_a_value_that_is_not_a_number_says_how_to_write_one(text):
    with pytest.raises(ValueError, match="is not a number: write it like 82, 82.5%, £1,250 or \\(5\\)"):
        parse_value(text)


def test_a_file_without_a_value_column_says_what_to_head_it():
    with pytest.raises(ImportFileError) as caught:
        read_returns_file(content=fixture("no_value_column.csv"), filename="no_value_column.csv")
    assert caught.value.messages == ["Row 1: there is no value column: head it 'Value' (or 'Actual' or 'Result')."]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"a,b\n", "returns.txt", "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."),
        (b"\n\n", "returns.csv", "The file is empty."),
        (
            b"not a workbook",
            "returns.xlsx",
            "The file is not a readable Excel workbook (.xlsx). Save it again from Excel.",
        ),
        (
            b"Period,Quarter,KPI,Value,Contract ref\n",
            "r.csv",
            "Two columns give the period ('Period' and 'Quarter'): keep one.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_says_why(content, filename, message):
    with pytest.raises(ImportFileError) as caught:
        read_returns_file(content=content, filename=filename)
    assert caught.value.messages == [message]


# --- Every error named, nothing saved ---


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_saved(asc_contract, get_contract, commissioner):
    result = returns_import_file(content=fixture("q2_errors.csv"), filename="q2_errors.csv", actor=commissioner)
    assert [str(e) for e in result.errors] == [
        "Row 3, contract: there is no contract 'KCC-XXX-999'.",
        "Row 4, KPI: KCC-ASC-001 has no KPI 'KPI99' (its KPIs: KPI01, KPI02, KPI03).",
        f"Row 5, contract: KCC-GET-001 is a contract of {get_contract.directorate.name}: you can only import "
        "returns for your own directorate's contracts.",
        "Row 6, value: 'lots' is not a number: write it like 82, 82.5%, £1,250 or (5) for minus 5.",
        "Row 7, period: '2025-26 Q5' is not a period: write it like 2025-26 Q2.",
        "Row 8, period: KPI01 2025-26 Q2 is also given in row 2.",
    ]
    assert not KPIReturn.objects.exists()  # row 2 was fine, but an import is all or nothing


def test_an_error_found_by_the_service_is_given_its_row(asc_contract, commissioner):
    rows = [
        ImportRow(row=2, contract="KCC-ASC-001", kpi="KPI01", period="2025-26 Q1", value="90"),
        ImportRow(row=3, contract="kcc-asc-001", kpi="KPI02", period="2023-24 Q4", value="4"),
    ]
    result = returns_import(rows=rows, actor=commissioner)
    assert [str(e) for e in result.errors] == ["Row 3, period: KPI02 is reported from 2024-25 Q1, not 2023-24 Q4."]
    assert not KPIReturn.objects.exists()


def test_a_retired_kpi_takes_no_more_returns(asc_contract, commissioner):
    asc_contract.kpis.filter(code="KPI02").update(is_active=False)
    rows = [ImportRow(row=2, contract="KCC-ASC-001", kpi="KPI02", period="2025-26 Q1", value="4")]
    result = returns_import(rows=rows, actor=commissioner)
    assert [str(e) for e in result.errors] == ["Row 2, KPI: KPI02 of KCC-ASC-001 is retired: it takes no more returns."]


def test_an_admin_imports_any_directorates_returns(asc_contract, get_contract, admin_user):
    rows = [
        ImportRow(row=2, contract="KCC-ASC-001", kpi="KPI01", period="2025-26 Q1", value="90"),
        ImportRow(row=3, contract="KCC-GET-001", kpi="KPI01", period="2025-26 Q1", value="70"),
    ]
    result = returns_import(rows=rows, actor=admin_user)
    assert result.errors == []
    assert KPIReturn.objects.count() == 2


def test_changing_an_accepted_return_needs_a_reason(asc_contract, commissioner):
    kpi = asc_contract.kpis.get(code="KPI01")
    kpi_return_accept(kpi_return=kpi_return(kpi, "2025-26 Q1", "90"), actor=commissioner)
    rows = [ImportRow(row=2, contract="KCC-ASC-001", kpi="KPI01", period="2025-26 Q1", value="70")]
    refused = returns_import(rows=rows, actor=commissioner)
    assert [str(e) for e in refused.errors] == [
        "Row 2, value: KPI01 2025-26 Q1 is accepted: give a reason to change it."
    ]
    accepted = returns_import(rows=rows, actor=commissioner, reason="Corrected after audit")
    assert accepted.errors == []
    assert KPIReturn.objects.get(kpi=kpi).actual == Decimal("70")


# --- Re-imports and dry runs ---


def test_importing_the_same_file_again_adds_and_changes_nothing(asc_contract, commissioner):
    returns_import_file(content=fixture("q2_utf8.csv"), filename="q2_utf8.csv", actor=commissioner)
    history_rows = KPIReturn.history.count()
    again = returns_import_file(content=fixture("q2_utf8.csv"), filename="q2_utf8.csv", actor=commissioner)
    assert again.errors == []
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 3}
    assert KPIReturn.objects.count() == 3
    assert KPIReturn.history.count() == history_rows  # nothing written at all


def test_a_changed_value_updates_its_return_in_place(asc_contract, commissioner):
    returns_import_file(content=fixture("q2_utf8.csv"), filename="q2_utf8.csv", actor=commissioner)
    changed = fixture("q2_utf8.csv").replace(b"82.5%", b"78%")
    result = returns_import_file(content=changed, filename="q2_utf8.csv", actor=commissioner)
    assert result.counts == {"new": 0, "changed": 1, "unchanged": 2}
    [row] = [r for r in result.rows if r.outcome == "changed"]
    assert (row.row, row.kpi.code, row.rag) == (2, "KPI01", RAG.RED)
    assert KPIReturn.objects.count() == 3
    assert returns_of(asc_contract)["KPI01"].actual == Decimal("78")


def test_a_dry_run_previews_counts_and_rag_and_writes_nothing(asc_contract, commissioner):
    kpi_return(asc_contract.kpis.get(code="KPI02"), "2025-26 Q2", "3")
    history_rows = KPIReturn.history.count()
    result = returns_import_file(
        content=fixture("q2_utf8.csv"), filename="q2_utf8.csv", actor=commissioner, dry_run=True
    )
    assert result.errors == []
    assert result.counts == {"new": 2, "changed": 0, "unchanged": 1}
    assert [(r.row, r.kpi.code, r.outcome, r.rag) for r in result.rows] == [
        (2, "KPI01", "new", RAG.AMBER),
        (3, "KPI02", "unchanged", RAG.GREEN),
        (4, "KPI03", "new", RAG.GREEN),
    ]
    assert result.rows[0].rag_explanation.startswith("82.5% against a target of 90%")
    assert KPIReturn.objects.count() == 1
    assert KPIReturn.history.count() == history_rows
    assert "would be submitted" in result.summary()


def test_a_draft_import_keeps_the_returns_as_drafts(asc_contract, commissioner):
    result = returns_import_file(
        content=fixture("q2_utf8.csv"), filename="q2_utf8.csv", actor=commissioner, submit=False
    )
    assert result.errors == []
    assert {r.status for r in KPIReturn.objects.all()} == {ReturnStatus.DRAFT}


# --- The management command ---


def test_the_command_imports_and_prints_a_summary(asc_contract, commissioner, capsys):
    call_command("import_returns", str(FIXTURES / "q2_utf8.csv"), user="commissioner")
    out = capsys.readouterr().out
    assert "3 rows: 3 new, 0 changed and 0 unchanged returns were submitted." in out
    assert KPIReturn.objects.count() == 3


def test_the_command_dry_run_lists_each_row_and_writes_nothing(asc_contract, commissioner, capsys):
    call_command("import_returns", str(FIXTURES / "q2_utf8.csv"), user="commissioner", dry_run=True, draft=True)
    out = capsys.readouterr().out
    assert "Row 2: KCC-ASC-001 KPI01 2025-26 Q2 82.5% – new AMBER" in out
    assert "Dry run, nothing written. 3 rows: 3 new, 0 changed and 0 unchanged returns would be saved as drafts." in out
    assert not KPIReturn.objects.exists()


def test_the_command_prints_every_error_and_fails(asc_contract, get_contract, commissioner, capsys):
    with pytest.raises(CommandError, match="6 problems in q2_errors.csv: nothing was imported."):
        call_command("import_returns", str(FIXTURES / "q2_errors.csv"), user="commissioner")
    err = capsys.readouterr().err
    assert "Row 7, period: '2025-26 Q5' is not a period: write it like 2025-26 Q2." in err
    assert not KPIReturn.objects.exists()


def test_the_command_refuses_an_unknown_user_or_a_role_without_the_right(asc_contract, member):
    with pytest.raises(CommandError, match="There is no user 'nobody'."):
        call_command("import_returns", str(FIXTURES / "q2_utf8.csv"), user="nobody")
    with pytest.raises(CommandError, match="role does not allow"):
        call_command("import_returns", str(FIXTURES / "q2_utf8.csv"), user="member")
