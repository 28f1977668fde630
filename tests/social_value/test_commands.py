"""spend_summary: the annual report's local spend table on the command line (issue 4, point 6)."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contracts.choices import EmployeeBand, LegalForm
from tests.contracts.factories import ProviderFactory, import_spend, spend_csv

# Financial year 2015-16: Kent micro £1,250.50; Kent VCS (small) £4,000.00 in two identical lines;
# outside Kent (large) £5,000.00 less a £100.25 credit; unmatched £300.00; redacted £75.00.
FY_2015 = [
    ("2015-04-10", "T1", "Maidstone Care Ltd", "1,000.00", "Adult Social Care", "Homecare", "R"),
    ("2015-05-10", "T2", "Maidstone Care Ltd", "250.50", "Adult Social Care", "Homecare", "R"),
    ("01/06/2015", "T3", "Ashford Youth Trust", "£2,000.00", "Children's Services", "Grants", "R"),
    ("01/06/2015", "T3", "Ashford Youth Trust", "£2,000.00", "Children's Services", "Grants", "R"),
    ("2015-07-01", "T4", "London Facilities PLC", "5000", "Corporate", "Facilities", "C"),
    ("2015-07-02", "T5", "London Facilities PLC", "(100.25)", "Corporate", "Facilities", "C"),
    ("2015-08-01", "T6", "Unmatched Supplies Ltd", "300.00", "Corporate", "Stationery", "R"),
    ("2015-09-01", "T7", "Redacted Personal Information", "75.00", "Adult Social Care", "Direct payments", "R"),
]
FY_2016 = [("2016-04-15", "T8", "Maidstone Care Ltd", "400.00", "Adult Social Care", "Homecare", "R")]


@pytest.fixture
def spend(kcc_framework):
    ProviderFactory(name="Maidstone Care Ltd", postcode="ME14 1XQ", employee_band=EmployeeBand.UNDER_10)
    ProviderFactory(
        name="Ashford Youth Trust",
        postcode="ME14 1XQ",
        legal_form=LegalForm.CHARITY,
        charity_number="1100001",
        employee_band=EmployeeBand.FROM_10,
    )
    ProviderFactory(
        name="London Facilities PLC", postcode="M1 1AE", legal_form=LegalForm.PLC, employee_band=EmployeeBand.FROM_250
    )
    import_spend(spend_csv(FY_2015 + FY_2016))
    import_spend(spend_csv([("2015-06-01", "M1", "Maidstone Care Ltd", "999.99")], publisher="Medway Council"))


def summary(*args) -> str:
    out = io.StringIO()
    call_command("spend_summary", *args, stdout=out)
    return out.getvalue()


def test_json_gives_the_annual_report_figures_to_the_penny(spend):
    data = json.loads(summary("--format", "json", "--financial-year", "2015-16", "--publisher", "Kent County Council"))

    assert data["lines"] == 8
    assert data["total_spend"] == "10525.25"
    assert data["kent_spend"] == "5250.50"
    assert data["sme_spend"] == "5250.50"
    assert data["kent_sme_spend"] == "5250.50"
    assert data["kent_micro_spend"] == "1250.50"
    assert data["vcs_spend"] == "4000.00"
    assert data["kent_vcs_spend"] == "4000.00"
    assert data["unknown_location_spend"] == "300.00"
    assert data["redacted_spend"] == "75.00"
    assert (data["suppliers"], data["kent_suppliers"]) == (4, 2)
    assert data["kent_share"] == "49.9"
    assert data["kent_supplier_share"] == "50.0"
    assert (data["first_payment"], data["last_payment"]) == ("2015-04-10", "2015-09-01")


def test_json_has_every_key_the_issue_names_with_money_as_two_decimal_strings(spend):
    data = json.loads(summary("--format", "json"))

    money = ["total_spend", "kent_spend", "sme_spend", "kent_sme_spend", "kent_micro_spend", "vcs_spend",
             "kent_vcs_spend", "unknown_location_spend", "redacted_spend"]  # fmt: skip
    for key in ["lines", "suppliers", "kent_suppliers", *money]:
        assert key in data
    for key in money:
        assert isinstance(data[key], str) and data[key].split(".")[1].isdigit() and len(data[key].split(".")[1]) == 2
    # Both publishers and both years: 10,525.25 + 400.00 + 999.99 (Medway's line).
    assert (data["lines"], data["total_spend"]) == (10, "11925.24")


def test_financial_year_runs_april_to_march(spend):
    data = json.loads(summary("--format", "json", "--financial-year", "2016-17"))

    assert (data["lines"], data["total_spend"], data["kent_micro_spend"]) == (1, "400.00", "400.00")


def test_date_range_is_inclusive_and_reads_uk_dates(spend):
    iso = json.loads(summary("--format", "json", "--from", "2015-06-01", "--to", "2015-07-01"))
    uk = json.loads(summary("--format", "json", "--from", "1/6/2015", "--to", "1/7/2015"))

    # Two identical Ashford lines, the London line, and Medway's line on 1 June.
    assert (iso["lines"], iso["total_spend"]) == (4, "9999.99")
    assert uk == iso


def test_publisher_is_matched_without_regard_to_case(spend):
    data = json.loads(summary("--format", "json", "--publisher", "medway council"))

    assert (data["lines"], data["total_spend"], data["kent_spend"]) == (1, "999.99", "999.99")


def test_table_is_laid_out_as_the_annual_report(spend):
    text = summary("--financial-year", "2015-16", "--publisher", "Kent County Council")
    lines = text.splitlines()

    assert lines[0] == "Local spend: financial year 2015-16; published by Kent County Council"
    assert lines[1] == "8 lines paid 10/04/2015 to 01/09/2015"
    by_label = {line.split("  ")[0]: line.split() for line in lines if "  " in line}
    assert by_label["Total spend"][-1] == "£10,525.25"
    assert "£5,250.50" in by_label["Kent spend"]
    assert "49.9%" in by_label["Kent spend"]
    assert "£1,250.50" in by_label["Spend with Kent-based micro enterprises"]
    assert by_label["Suppliers"][-1] == "4"
    assert by_label["Kent-based suppliers"][-4:] == ["2", "50.0%", "of", "suppliers"]
    assert "£300.00" in text  # location not known is shown, never counted as outside Kent


def test_csv_gives_the_same_rows_as_the_table(spend):
    text = summary("--format", "csv", "--financial-year", "2015-16", "--publisher", "Kent County Council")
    rows = list(csv.reader(io.StringIO(text)))

    assert not text.startswith("\ufeff")
    heading, body = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert heading[:4] == ["Figure", "Spend (£)", "Suppliers", "Share (%)"]
    assert body["Total spend"]["Spend (£)"] == "10525.25"
    assert (body["Kent spend"]["Spend (£)"], body["Kent spend"]["Share (%)"]) == ("5250.50", "49.9")
    assert body["Kent-based suppliers"]["Suppliers"] == "2"
    assert body["Spend with Kent-based VCS organisations"]["Spend (£)"] == "4000.00"


def test_no_spend_gives_zeros_not_an_error(db):
    data = json.loads(summary("--format", "json"))

    assert (data["lines"], data["total_spend"], data["kent_share"]) == (0, "0.00", None)
    assert "No spend lines." in summary()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--publisher", "Nowhere Council"], "There is no spend publisher called 'Nowhere Council'"),
        (["--from", "2015-13-01"], "--from '2015-13-01': Enter a valid date."),
        (["--to", "yesterday"], "--to 'yesterday': Enter a valid date."),
        (["--financial-year", "2015-17"], "write the council's financial year (April to March) as 2015-16"),
        (["--financial-year", "2001-02"], "--financial-year '2001-02': the financial years are 2010-11 to"),
        (["--from", "2016-01-01", "--to", "2015-01-01"], "--from 2016-01-01 is after --to 2015-01-01"),
    ],
)
def test_bad_options_give_a_clear_error(spend, args, message):
    with pytest.raises(CommandError) as error:
        summary(*args)

    assert message in str(error.value)


def test_unknown_publisher_error_lists_the_publishers(spend):
    with pytest.raises(CommandError, match="Publishers: Kent County Council, Medway Council."):
        summary("--publisher", "Kent")
