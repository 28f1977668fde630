"""Open data out (issue 7): the Transparency Code contracts register (CSV) and the contracts as OCDS 1.1."""

import copy
import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.choices import ContractStatus, DeductionRule, EmployeeBand, LegalForm, ProcurementRoute
from contracts.exports import (
    INVITATION_TO_QUOTE,
    NEITHER,
    PUBLISHED_TENDER,
    REGISTER_HEADINGS,
    contracts_register_csv,
    contracts_release_package,
    package_counts,
    result_of,
)
from contracts.models import Contract, Deduction
from contracts.ocds import EXTENSIONS, validate_release_package
from contracts.services import contract_update, deduction_apply
from tests.api_testing import ALL_ROLES, ANONYMOUS, NO_ROLE, READ_ROLES, api_client, assert_refused
from tests.contracts.factories import ContractFactory, KPIFactory, ProviderFactory, import_spend, kpi_return, spend_csv

pytestmark = pytest.mark.django_db

REGISTER_COLUMNS = [
    "Reference",
    "Title",
    "Department responsible",
    "Description",
    "Supplier name",
    "Supplier address",
    "Supplier postcode",
    "Companies House number",
    "Charity number",
    "SME",
    "VCS",
    "Total value (£)",
    "Annual value (£)",
    "VAT that cannot be recovered (£)",
    "Start date",
    "End date",
    "Review date",
    "Procurement route",
    "Result of",
    "Status",
]


def register(contracts=None) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(contracts_register_csv(contracts=contracts))))


@pytest.fixture
def small_company(kcc_framework):
    return ProviderFactory(
        name="Weald Care Ltd",
        companies_house_number="01234567",
        employee_band=EmployeeBand.FROM_10,
        legal_form=LegalForm.PRIVATE_COMPANY,
        address_line_1="1 High Street",
        address_line_2="Unit 4",
        town="Maidstone",
        postcode="ME14 1XX",
    )


@pytest.fixture
def charity(kcc_framework):
    return ProviderFactory(
        name="Swale Carers Trust",
        charity_number="1098765",
        legal_form=LegalForm.CHARITY,
        employee_band=EmployeeBand.UNKNOWN,
        address_line_1="",
        town="Sittingbourne",
        postcode="ME10 4AA",
    )


@pytest.fixture
def large_company(kcc_framework):
    return ProviderFactory(
        name="Britannia Facilities plc",
        companies_house_number="07654321",
        legal_form=LegalForm.PLC,
        employee_band=EmployeeBand.FROM_250,
    )


# --- The contracts register -------------------------------------------------------------------------------


def test_register_has_the_transparency_code_columns(small_company, directorate):
    ContractFactory(directorate=directorate, provider=small_company)
    text = contracts_register_csv()
    assert next(csv.reader(io.StringIO(text))) == REGISTER_COLUMNS
    assert REGISTER_HEADINGS == REGISTER_COLUMNS


def test_register_lists_only_contracts_over_5000(small_company, directorate):
    def make(reference, total, annual):
        ContractFactory(
            reference=reference,
            directorate=directorate,
            provider=small_company,
            total_value=None if total is None else Decimal(total),
            annual_value=None if annual is None else Decimal(annual),
        )

    make("R-AT-5000", "5000.00", "5000.00")  # not over £5,000
    make("R-OVER", "5000.01", "1000.00")
    make("R-ANNUAL-ONLY", None, "6000.00")  # total not known: judged on the annual value
    make("R-SMALL-ANNUAL", None, "4000.00")
    make("R-UNKNOWN", None, None)  # cannot be shown to be over £5,000
    make("R-TOTAL-WINS", "4000.00", "9000.00")  # the whole-life value decides when it is known

    assert [row["Reference"] for row in register()] == ["R-ANNUAL-ONLY", "R-OVER"]


def test_register_rows_give_the_supplier_its_numbers_and_sme_and_vcs_flags(
    small_company, charity, large_company, directorate
):
    ContractFactory(
        reference="KCC-ASC-001",
        title="Home care in Swale",
        description="Home care for adults in Swale.",
        directorate=directorate,
        provider=small_company,
        procurement_route=ProcurementRoute.OPEN,
        start_date=datetime.date(2024, 4, 1),
        end_date=datetime.date(2029, 3, 31),
        extension_months_available=24,
        extension_months_taken=12,
        annual_value=Decimal("250000"),
        total_value=Decimal("1500000.5"),
    )
    Contract.objects.filter(reference="KCC-ASC-001").update(
        review_date=datetime.date(2026, 9, 30), irrecoverable_vat=Decimal("1234.5")
    )
    ContractFactory(
        reference="KCC-ASC-002", directorate=directorate, provider=charity, procurement_route="below_threshold"
    )
    ContractFactory(
        reference="KCC-ASC-003",
        directorate=directorate,
        provider=large_company,
        procurement_route=ProcurementRoute.FRAMEWORK,
        status=ContractStatus.PIPELINE,
    )
    rows = {row["Reference"]: row for row in register()}

    first = rows["KCC-ASC-001"]
    assert first["Title"] == "Home care in Swale"
    assert first["Department responsible"] == directorate.name
    assert first["Description"] == "Home care for adults in Swale."
    assert first["Supplier name"] == "Weald Care Ltd"
    assert first["Supplier address"] == "1 High Street, Unit 4, Maidstone"
    assert first["Supplier postcode"] == "ME14 1XX"
    assert first["Companies House number"] == "01234567"
    assert first["Charity number"] == ""
    assert (first["SME"], first["VCS"]) == ("Yes", "No")
    assert first["Total value (£)"] == "1500000.50"
    assert first["Annual value (£)"] == "250000.00"
    assert first["VAT that cannot be recovered (£)"] == "1234.50"
    assert first["Start date"] == "2024-04-01"
    assert first["End date"] == "2030-03-31"  # the current end date, after the 12-month extension
    assert first["Review date"] == "2026-09-30"
    assert first["Procurement route"] == "Open procedure"
    assert first["Result of"] == "Published invitation to tender"
    assert first["Status"] == "Active"

    second = rows["KCC-ASC-002"]
    assert (second["Charity number"], second["Companies House number"]) == ("1098765", "")
    assert (second["SME"], second["VCS"]) == ("Not known", "Yes")
    assert second["VAT that cannot be recovered (£)"] == ""  # not known
    assert second["Review date"] == ""
    assert second["Result of"] == "Invitation to quote"

    third = rows["KCC-ASC-003"]
    assert (third["SME"], third["VCS"]) == ("No", "No")
    assert third["Result of"] == "Neither"
    assert third["Status"] == "Pipeline"


def test_register_leaves_unknown_dates_and_values_blank(small_company, directorate):
    ContractFactory(
        reference="KCC-TBC",
        directorate=directorate,
        provider=small_company,
        start_date=None,
        end_date=None,
        extension_months_available=0,
        total_value=None,
        annual_value=Decimal("12000"),
    )
    (row,) = register()
    assert (row["Start date"], row["End date"], row["Total value (£)"]) == ("", "", "")
    assert row["Annual value (£)"] == "12000.00"


def test_register_neutralises_a_title_that_a_spreadsheet_would_run_as_a_formula(small_company, directorate):
    ContractFactory(
        reference="KCC-EVIL",
        title='=HYPERLINK("http://example.com","Click")',
        directorate=directorate,
        provider=small_company,
    )
    (row,) = register()
    assert row["Title"] == '\'=HYPERLINK("http://example.com","Click")'


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (ProcurementRoute.OPEN, PUBLISHED_TENDER),
        (ProcurementRoute.RESTRICTED, PUBLISHED_TENDER),
        (ProcurementRoute.COMPETITIVE_FLEXIBLE, PUBLISHED_TENDER),
        (ProcurementRoute.COMPETITIVE_DIALOGUE, PUBLISHED_TENDER),
        (ProcurementRoute.BELOW_THRESHOLD, INVITATION_TO_QUOTE),
        (ProcurementRoute.FRAMEWORK, NEITHER),
        (ProcurementRoute.DYNAMIC_MARKET, NEITHER),
        (ProcurementRoute.DIRECT_AWARD, NEITHER),
        (ProcurementRoute.GRANT, NEITHER),
        (ProcurementRoute.OTHER, NEITHER),
    ],
)
def test_result_of_follows_the_procurement_route(route, expected):
    assert result_of(route) == expected


def test_register_runs_one_query_whatever_the_number_of_contracts(small_company, directorate):
    for _ in range(2):
        ContractFactory(directorate=directorate, provider=small_company)
    with CaptureQueriesContext(connection) as two:
        assert len(register()) == 2
    for _ in range(10):
        ContractFactory(directorate=directorate, provider=small_company)
    with CaptureQueriesContext(connection) as twelve:
        assert len(register()) == 12
    assert len(twelve) == len(two) == 1


# --- OCDS --------------------------------------------------------------------------------------------------


@pytest.fixture
def contract(directorate, commissioner, small_company):
    return ContractFactory(
        reference="KCC-ASC-100",
        title="Home care in Swale",
        directorate=directorate,
        commissioner=commissioner,
        provider=small_company,
        total_value=Decimal("1250000.00"),
    )


@pytest.fixture
def delivered(contract, commissioner, procurement):
    """Payments (one a credit note), two KPIs with counted returns and a draft, an applied deduction and a
    variation of more than 10%."""
    import_spend(
        spend_csv(
            [
                ("2024-05-01", "T1001", "Weald Care Ltd", "1,250.50"),
                ("2024-06-03", "T1002", "Weald Care Ltd", "300.00"),
                ("2024-06-20", "T1003", "Weald Care Ltd", "(99.99)"),
                ("2024-06-20", "T9999", "Someone Else Ltd", "10.00"),
            ]
        ),
        actor=procurement,
    )
    visits = KPIFactory(
        contract=contract,
        code="KPI01",
        name="Visits on time",
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("1250.00"),
    )
    kpi_return(visits, "2024-25 Q1", "92")
    kpi_return(visits, "2024-25 Q2", "70")  # red: proposes a deduction
    kpi_return(visits, "2024-25 Q3", "95", submit=False)  # a draft does not count
    KPIFactory(contract=contract, code="KPI02", name="Carers' assessments")  # no returns yet
    deduction_apply(deduction=Deduction.objects.get(kpi=visits), actor=commissioner)
    contract_update(
        contract=Contract.objects.get(pk=contract.pk),
        data={"total_value": Decimal("1400000.00")},
        actor=commissioner,
        reason="Additional hours commissioned for winter",
        varied_on=datetime.date(2024, 11, 4),
    )
    return contract


def _block(package, index=0) -> dict:
    return package["releases"][index]["contracts"][0]


def test_package_of_a_delivered_contract_validates(delivered):
    package = contracts_release_package()
    assert validate_release_package(package) == []
    assert package["version"] == "1.1"
    assert package["extensions"] == [url for url, _ in EXTENSIONS]
    assert package["publisher"]["name"] == "Kent County Council"
    (release,) = package["releases"]
    assert release["ocid"].endswith("-KCC-ASC-100")
    assert release["tag"] == ["contract", "implementation"]
    assert release["buyer"]["name"] == "Kent County Council"
    supplier = next(p for p in release["parties"] if "supplier" in p["roles"])
    assert supplier["id"] == "GB-COH-01234567"
    assert supplier["identifier"] == {"scheme": "GB-COH", "id": "01234567", "legalName": "Weald Care Ltd"}


def test_transactions_are_the_payments_with_credits_negative(delivered):
    package = contracts_release_package()
    release = package["releases"][0]
    transactions = _block(package)["implementation"]["transactions"]
    assert [t["value"] for t in transactions] == [
        {"amount": 1250.5, "currency": "GBP"},
        {"amount": 300.0, "currency": "GBP"},
        {"amount": -99.99, "currency": "GBP"},
    ]
    assert [t["date"] for t in transactions] == ["2024-05-01T00:00:00Z", "2024-06-03T00:00:00Z", "2024-06-20T00:00:00Z"]
    assert transactions[0]["id"].startswith("T1001/")
    assert {t["payer"]["id"] for t in transactions} == {release["buyer"]["id"]}
    assert {t["payee"]["id"] for t in transactions} == {"GB-COH-01234567"}
    roles = {party["id"]: party["roles"] for party in release["parties"]}
    assert roles["GB-COH-01234567"] == ["supplier", "payee"]
    assert roles[release["buyer"]["id"]] == ["buyer", "payer"]


def test_metrics_hold_the_counted_returns_and_agreed_metrics_the_targets(delivered):
    block = _block(contracts_release_package())
    (metric,) = block["implementation"]["metrics"]  # KPI02 has no returns yet
    assert (metric["id"], metric["title"]) == ("KPI01", "Visits on time")
    assert [o["measure"] for o in metric["observations"]] == [92.0, 70.0]  # the draft Q3 is left out
    first = metric["observations"][0]
    assert first["unit"] == {"name": "percent"}
    assert first["period"] == {"startDate": "2024-04-01T00:00:00Z", "endDate": "2024-06-30T23:59:59Z"}
    assert first["notes"] == "2024-25 Q1: green"
    agreed = {m["id"]: m["observations"][0] for m in block["agreedMetrics"]}
    assert set(agreed) == {"KPI01", "KPI02"}
    assert agreed["KPI01"]["measure"] == 90.0


def test_performance_failures_are_the_applied_deductions(delivered):
    (failure,) = _block(contracts_release_package())["implementation"]["performanceFailures"]
    assert failure["penaltyValue"] == {"amount": 1250.0, "currency": "GBP"}
    assert failure["category"] == "KPI01 Visits on time"
    assert failure["suppliers"] == [{"id": "GB-COH-01234567", "name": "Weald Care Ltd"}]


def test_amendments_are_the_variations_saying_when_a_change_notice_is_needed(delivered, commissioner):
    contract_update(
        contract=Contract.objects.get(pk=delivered.pk),
        data={"total_value": Decimal("1450000.00")},
        actor=commissioner,
        reason="Uplift for the National Living Wage",
        varied_on=datetime.date(2025, 4, 1),
    )
    package = contracts_release_package()
    assert validate_release_package(package) == []
    block = _block(package)
    assert block["value"] == {"amount": 1450000.0, "currency": "GBP"}
    first, second = block["amendments"]
    assert first["date"] == "2024-11-04T00:00:00Z"
    assert first["rationale"] == "Additional hours commissioned for winter"
    assert "+12.0%" in first["description"]
    assert "contract change notice" in first["description"]
    assert "Procurement Act 2023" in first["description"]
    assert second["rationale"] == "Uplift for the National Living Wage"
    assert "+3.6%" in second["description"]
    assert "Not flagged as needing a contract change notice" in second["description"]


def test_unknown_dates_and_values_are_left_out_not_invented(small_company, directorate):
    ContractFactory(
        reference="KCC-TBC",
        directorate=directorate,
        provider=small_company,
        status=ContractStatus.PIPELINE,
        start_date=None,
        end_date=None,
        extension_months_available=0,
        total_value=None,
        annual_value=None,
    )
    package = contracts_release_package()
    assert validate_release_package(package) == []
    release = package["releases"][0]
    block, award = release["contracts"][0], release["awards"][0]
    for part in (block, award):
        assert "value" not in part
    assert "period" not in block and "contractPeriod" not in award
    assert (block["status"], award["status"]) == ("pending", "pending")
    assert release["tag"] == ["contract"]
    assert "implementation" not in block


def test_a_broken_package_is_reported(delivered):
    package = copy.deepcopy(contracts_release_package())
    release = package["releases"][0]
    release["tag"] = ["finished"]
    release["contracts"][0]["implementation"]["transactions"][0]["value"]["amount"] = "lots"
    del release["ocid"]
    errors = validate_release_package(package)
    assert any("releases/0/tag/0" in e and "'finished'" in e for e in errors), errors
    assert any("transactions/0/value/amount" in e for e in errors), errors
    assert any("'ocid' is a required property" in e for e in errors), errors


def test_one_contract_or_all(delivered, small_company, directorate):
    ContractFactory(reference="KCC-ASC-200", directorate=directorate, provider=small_company)
    assert [r["ocid"][-11:] for r in contracts_release_package()["releases"]] == ["KCC-ASC-100", "KCC-ASC-200"]
    one = contracts_release_package(contracts=Contract.objects.filter(reference="KCC-ASC-200"))
    assert [r["contracts"][0]["id"] for r in one["releases"]] == ["KCC-ASC-200"]
    with pytest.raises(ValueError, match="no contracts"):
        contracts_release_package(contracts=Contract.objects.none())


def test_the_same_data_gives_the_same_release_and_a_change_a_new_id(delivered, commissioner):
    first, again = contracts_release_package(), contracts_release_package()
    assert first == again
    contract_update(
        contract=Contract.objects.get(pk=delivered.pk), data={"title": "Home care in Swale and Sheppey"}, actor=None
    )
    changed = contracts_release_package()
    assert changed["releases"][0]["id"] != first["releases"][0]["id"]
    assert changed["releases"][0]["ocid"] == first["releases"][0]["ocid"]


def test_package_counts(delivered):
    counts = package_counts(contracts_release_package())
    assert (counts.releases, counts.transactions, counts.metrics, counts.observations) == (1, 3, 1, 2)
    assert (counts.performance_failures, counts.amendments) == (1, 1)


def _delivered_contracts(count, directorate, provider, procurement):
    for _ in range(count):
        contract = ContractFactory(directorate=directorate, provider=provider)
        kpi = KPIFactory(contract=contract)
        kpi_return(kpi, "2024-25 Q1", "91")
        contract_update(contract=contract, data={"total_value": Decimal("1300000.00")}, reason="Uplift")


def test_package_runs_a_fixed_number_of_queries(small_company, directorate, procurement):
    _delivered_contracts(2, directorate, small_company, procurement)
    with CaptureQueriesContext(connection) as two:
        assert len(contracts_release_package()["releases"]) == 2
    _delivered_contracts(10, directorate, small_company, procurement)
    with CaptureQueriesContext(connection) as twelve:
        package = contracts_release_package()
    assert len(package["releases"]) == 12
    assert package_counts(package).amendments == 12
    assert len(twelve) == len(two) == 6


# --- Pages -------------------------------------------------------------------------------------------------


def _login(client, users, no_role_user, role):
    user = {**users, NO_ROLE: no_role_user, ANONYMOUS: None}[role]
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", ["export_contracts_register", "export_ocds"])
def test_every_role_downloads_the_exports(client, users, no_role_user, contract, role, name):
    _login(client, users, no_role_user, role)
    response = client.get(reverse(f"contracts:{name}"))
    if role == ANONYMOUS:
        assert response.status_code == 302
        return
    if role == NO_ROLE:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


def test_register_download_is_csv_excel_reads(client, member, contract):
    client.force_login(member)
    response = client.get(reverse("contracts:export_contracts_register"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())  # so Excel reads the £ signs
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["Reference"] for row in rows] == ["KCC-ASC-100"]
    assert ".csv" in response["Content-Disposition"]


def test_ocds_download_of_one_contract(client, member, delivered, small_company, directorate):
    ContractFactory(reference="KCC-ASC-200", directorate=directorate, provider=small_company)
    client.force_login(member)
    url = reverse("contracts:export_ocds")
    every = json.loads(client.get(url).content)
    assert len(every["releases"]) == 2
    response = client.get(url, {"contract": "kcc-asc-100"})
    assert response.status_code == 200
    package = json.loads(response.content)
    assert [r["contracts"][0]["id"] for r in package["releases"]] == ["KCC-ASC-100"]
    assert validate_release_package(package) == []
    assert "kcc-asc-100" in response["Content-Disposition"]
    assert client.get(url, {"contract": "NO-SUCH"}).status_code == 404


def test_an_invalid_ocds_export_is_never_handed_out(client, member, contract, monkeypatch):
    monkeypatch.setattr("contracts.views.exports.validate_release_package", lambda package: ["releases: wrong"])
    client.force_login(member)
    response = client.get(reverse("contracts:export_ocds"))
    assert response.status_code == 500
    assert "did not pass validation" in response.text


@pytest.mark.parametrize("name", ["export_contracts_register", "export_ocds"])
def test_export_pages_run_a_fixed_number_of_queries(client, member, small_company, directorate, procurement, name):
    client.force_login(member)
    url = reverse(f"contracts:{name}")
    _delivered_contracts(2, directorate, small_company, procurement)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    _delivered_contracts(10, directorate, small_company, procurement)
    with CaptureQueriesContext(connection) as twelve:
        assert client.get(url).status_code == 200
    assert len(twelve) == len(two)


def test_the_open_data_partial_links_the_exports_and_variations():
    from django.template.loader import render_to_string

    html = render_to_string("contracts/_open_data_exports.html")
    for name in ("export_contracts_register", "export_ocds", "variation_list"):
        assert f'href="{reverse(f"contracts:{name}")}"' in html


# --- API ---------------------------------------------------------------------------------------------------


def _api_user(users, no_role_user, role):
    return {**users, NO_ROLE: no_role_user, ANONYMOUS: None}[role]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_register_is_csv_for_every_role(users, no_role_user, contract, role):
    response = api_client(_api_user(users, no_role_user, role)).get(reverse("contracts-api:export-contracts-register"))
    if role not in READ_ROLES:
        assert_refused(response, role)
        return
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["Reference"] for row in rows] == ["KCC-ASC-100"]


def test_api_register_answers_a_client_asking_for_csv(member, contract):
    response = api_client(member).get(reverse("contracts-api:export-contracts-register"), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_ocds_for_every_role(users, no_role_user, delivered, role):
    response = api_client(_api_user(users, no_role_user, role)).get(reverse("contracts-api:export-ocds"))
    if role not in READ_ROLES:
        assert_refused(response, role)
        return
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    package = response.json()
    assert validate_release_package(package) == []
    assert package_counts(package).transactions == 3


def test_api_ocds_of_one_contract_and_of_an_unknown_one(member, delivered, small_company, directorate):
    ContractFactory(reference="KCC-ASC-200", directorate=directorate, provider=small_company)
    client = api_client(member)
    url = reverse("contracts-api:export-ocds")
    package = client.get(url, {"contract": "KCC-ASC-200"}).json()
    assert [r["contracts"][0]["id"] for r in package["releases"]] == ["KCC-ASC-200"]
    assert client.get(url, {"contract": "NO-SUCH"}).status_code == 404


def test_api_root_lists_the_exports_and_variations(member):
    data = api_client(member).get(reverse("api-root")).json()
    assert data["exports-contracts-register"].endswith(reverse("contracts-api:export-contracts-register"))
    assert data["exports-ocds"].endswith(reverse("contracts-api:export-ocds"))
    assert data["contract-variations"].endswith(reverse("contracts-api:contractvariation-list"))


@pytest.mark.parametrize("name", ["export-contracts-register", "export-ocds"])
def test_api_exports_run_a_fixed_number_of_queries(member, small_company, directorate, procurement, name):
    client = api_client(member)
    url = reverse(f"contracts-api:{name}")
    _delivered_contracts(2, directorate, small_company, procurement)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    _delivered_contracts(10, directorate, small_company, procurement)
    with CaptureQueriesContext(connection) as twelve:
        assert client.get(url).status_code == 200
    assert len(twelve) == len(two)


# --- Commands ----------------------------------------------------------------------------------------------


def test_export_contracts_register_command_writes_the_file(tmp_path, contract, small_company, directorate):
    ContractFactory(reference="KCC-SMALL", directorate=directorate, provider=small_company, total_value=Decimal("10"))
    path = tmp_path / "register.csv"
    out = io.StringIO()
    call_command("export_contracts_register", "--output", str(path), stdout=out)
    assert "Wrote 1 contract over £5,000" in out.getvalue()
    content = path.read_bytes()
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["Reference"] for row in rows] == ["KCC-ASC-100"]


def test_export_ocds_command_validates_writes_and_counts(tmp_path, delivered):
    path = tmp_path / "ocds.json"
    out = io.StringIO()
    call_command("export_ocds", "--output", str(path), stdout=out)
    text = out.getvalue()
    assert "Wrote 1 release" in text
    assert "3 transactions, 1 metrics with 2 observations, 1 performance failures, 1 amendments" in text
    package = json.loads(path.read_text(encoding="utf-8"))
    assert validate_release_package(package) == []

    one = tmp_path / "one.json"
    call_command("export_ocds", "--contract", "kcc-asc-100", "--output", str(one), stdout=io.StringIO())
    assert json.loads(one.read_text())["releases"][0]["contracts"][0]["id"] == "KCC-ASC-100"


def test_export_ocds_command_refuses_an_unknown_contract_and_writes_nothing_invalid(tmp_path, contract, monkeypatch):
    path = tmp_path / "ocds.json"
    with pytest.raises(CommandError, match="No contract with the reference"):
        call_command("export_ocds", "--contract", "NO-SUCH", "--output", str(path))
    monkeypatch.setattr(
        "contracts.management.commands._common.validate_release_package", lambda package: ["releases: wrong"]
    )
    with pytest.raises(CommandError, match="not valid OCDS; nothing was written"):
        call_command("export_ocds", "--output", str(path))
    assert not path.exists()


def test_export_ocds_command_with_no_contracts_writes_nothing(tmp_path, db):
    path = tmp_path / "ocds.json"
    with pytest.raises(CommandError, match="no contracts to publish"):
        call_command("export_ocds", "--output", str(path))
    assert not path.exists()
