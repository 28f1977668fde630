"""API of the local spend summary (issue 4): the annual report's table for the filtered spend lines, exact
to the penny, with breakdowns by financial year, quarter, month, service area, expense type, capital/revenue.

The dataset is imported through the real spend-file service, and its suppliers are matched to providers
whose classification is derived from their postcode, staff and legal form, as in use."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.choices import Role
from contracts.choices import EmployeeBand, LegalForm, Location, Sector, SizeBand
from contracts.models import Provider
from tests.api_testing import ALL_ROLES, READ_ROLES, api_client, assert_refused
from tests.commissioning.factories import DirectorateFactory, UserFactory
from tests.contracts.factories import ProviderFactory, import_spend, spend_csv

URL = "social_value-api:local-spend"

# (date, transaction, supplier, amount, service area, expense type, capital/revenue)
ROWS_2024_25 = [
    ("2024-05-10", "1", "ACME CARE LIMITED", "1,000.00", "Adult Social Care", "Homecare", "Revenue"),
    ("2025-03-31", "2", "Acme Care Ltd", "500.50", "Adult Social Care", "Homecare", "Revenue"),
    ("2024-06-01", "3", "Hope Charity", "250.25", "Children's Services", "Grants", "Revenue"),
    ("2024-07-01", "4", "London Big PLC", "2,000.00", "Highways", "Construction", "Capital"),
    ("2024-08-01", "5", "London Big PLC", "(100.00)", "Highways", "Construction", "Capital"),
    ("2024-09-01", "6", "Nobody We Know Ltd", "300.00", "Highways", "Materials", ""),
    ("2024-10-01", "7", "Redacted Personal Information", "75.00", "Adult Social Care", "Direct Payments", ""),
]
ROWS_2025_26 = [
    ("2025-04-01", "8", "Acme Care Ltd", "400.00", "Adult Social Care", "Homecare", "Revenue"),
    ("2025-06-01", "9", "London Big PLC", "600.00", "Highways", "Construction", "Capital"),
]


@pytest.fixture
def dataset(kcc_framework, procurement) -> dict[str, Provider]:
    """Nine lines, £5,025.75 in all, over two financial years:

    | supplier (provider)                                   | 2024-25             | 2025-26 |
    |-------------------------------------------------------|---------------------|---------|
    | Acme Care Ltd: Maidstone ME14, 10-49 staff (Kent SME) | 1,000.00 + 500.50   | 400.00  |
    | Hope Charity: Canterbury CT1, under 10, charity       | 250.25              |         |
    | London Big PLC: London SW1A, 250+ staff (outside)     | 2,000.00 - 100.00   | 600.00  |
    | Nobody We Know Ltd (unmatched: location unknown)      | 300.00              |         |
    | Redacted Personal Information (redacted)              | 75.00               |         |
    """
    providers = {
        "acme": ProviderFactory(name="Acme Care Ltd", postcode="ME14 1XX", employee_band=EmployeeBand.FROM_10),
        "hope": ProviderFactory(
            name="Hope Charity",
            postcode="CT1 2AA",
            employee_band=EmployeeBand.UNDER_10,
            legal_form=LegalForm.CHARITY,
            charity_number="1100001",
        ),
        "london": ProviderFactory(name="London Big plc", postcode="SW1A 1AA", employee_band=EmployeeBand.FROM_250),
    }
    # The classification the figures below rely on, derived as in use.
    assert [(p.location, p.size, p.sector) for p in providers.values()] == [
        (Location.LOCAL, SizeBand.SMALL, Sector.PRIVATE),
        (Location.LOCAL, SizeBand.MICRO, Sector.VCS),
        (Location.OUTSIDE, SizeBand.LARGE, Sector.PRIVATE),
    ]
    result = import_spend(spend_csv(ROWS_2024_25 + ROWS_2025_26), actor=procurement)
    assert (result.rows, result.matched_lines) == (9, 7)
    return providers


def summary(client, **params):
    return client.get(reverse(URL), params)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_summary_and_no_one_else(member, procurement, admin_user, no_role_user, role):
    commissioner = (
        UserFactory(role=Role.COMMISSIONER, directorate=DirectorateFactory()) if role == "commissioner" else None
    )
    user = {
        Role.MEMBER: member,
        Role.COMMISSIONER: commissioner,
        Role.PROCUREMENT: procurement,
        Role.ADMIN: admin_user,
        "no_role": no_role_user,
        "anonymous": None,
    }[role]
    response = summary(api_client(user))
    if role not in READ_ROLES:
        assert_refused(response, role)
        return
    assert response.status_code == 200
    assert response.data["lines"] == 0
    assert response.data["total_spend"] == "0.00"
    assert response.data["kent_share"] is None


def test_the_summary_figures_are_exact(dataset, member):
    data = summary(api_client(member)).data
    assert data == {
        "lines": 9,
        "suppliers": 4,  # Acme, Hope, London Big and the unmatched name; redacted spend is no supplier
        "kent_suppliers": 2,
        "unknown_location_suppliers": 1,
        "total_spend": "5025.75",
        "kent_spend": "2150.75",
        "outside_spend": "2500.00",
        "unknown_location_spend": "300.00",
        "sme_spend": "2150.75",
        "kent_sme_spend": "2150.75",
        "kent_micro_spend": "250.25",
        "unknown_size_spend": "300.00",
        "vcs_spend": "250.25",
        "kent_vcs_spend": "250.25",
        "unknown_sector_spend": "300.00",
        "unmatched_spend": "300.00",
        "redacted_spend": "75.00",
        "first_payment": "2024-05-10",
        "last_payment": "2025-06-01",
        "kent_share": "42.8",  # 2150.75 / 5025.75 = 42.795...
        "kent_supplier_share": "50.0",
    }


def test_the_summary_filters_by_financial_year(dataset, member):
    client = api_client(member)
    year_2024 = summary(client, financial_year=2024).data
    assert (year_2024["lines"], year_2024["total_spend"], year_2024["kent_spend"]) == (7, "4025.75", "1750.75")
    assert year_2024["kent_share"] == "43.5"  # 1750.75 / 4025.75 = 43.489...
    assert (year_2024["first_payment"], year_2024["last_payment"]) == ("2024-05-10", "2025-03-31")
    assert year_2024["redacted_spend"] == "75.00"
    year_2025 = summary(client, financial_year=2025).data
    assert (year_2025["lines"], year_2025["total_spend"], year_2025["kent_spend"]) == (2, "1000.00", "400.00")
    assert (year_2025["suppliers"], year_2025["kent_suppliers"], year_2025["kent_share"]) == (2, 1, "40.0")


def test_the_summary_takes_the_spend_line_filters(dataset, member):
    client = api_client(member)
    highways = summary(client, service_area="Highways").data
    assert (highways["lines"], highways["total_spend"], highways["unknown_location_spend"]) == (4, "2800.00", "300.00")
    acme = summary(client, provider_id=dataset["acme"].pk).data
    assert (acme["lines"], acme["total_spend"], acme["suppliers"]) == (3, "1900.50", 1)
    dated = summary(client, date_after="2024-07-01", date_before="2024-08-31").data
    assert (dated["lines"], dated["total_spend"]) == (2, "1900.00")
    unmatched = summary(client, matched="false").data
    assert unmatched["total_spend"] == "375.00"  # the unmatched name and the redacted line


def test_the_breakdown_by_financial_year_has_money_as_strings(dataset, member):
    data = summary(api_client(member), breakdown="financial_year").data
    assert data["total_spend"] == "5025.75"
    assert data["breakdown"]["by"] == "financial_year"
    assert data["breakdown"]["rows"] == [
        {
            "key": "2024",
            "label": "2024-25",
            "lines": 7,
            "total_spend": "4025.75",
            "kent_spend": "1750.75",
            "sme_spend": "1750.75",
            "kent_sme_spend": "1750.75",
            "vcs_spend": "250.25",
            "unknown_location_spend": "300.00",
            "redacted_spend": "75.00",
            "kent_share": "43.5",
        },
        {
            "key": "2025",
            "label": "2025-26",
            "lines": 2,
            "total_spend": "1000.00",
            "kent_spend": "400.00",
            "sme_spend": "400.00",
            "kent_sme_spend": "400.00",
            "vcs_spend": "0.00",
            "unknown_location_spend": "0.00",
            "redacted_spend": "0.00",
            "kent_share": "40.0",
        },
    ]


@pytest.mark.parametrize(
    ("breakdown", "expected"),
    [
        (
            "quarter",
            {"2024-Q1": "1250.25", "2024-Q2": "2200.00", "2024-Q3": "75.00", "2024-Q4": "500.50", "2025-Q1": "1000.00"},
        ),
        ("month", {"2024-05": "1000.00", "2024-08": "-100.00", "2025-03": "500.50", "2025-06": "600.00"}),
        ("service_area", {"Adult Social Care": "1975.50", "Highways": "2800.00", "Children's Services": "250.25"}),
        ("expense_type", {"Homecare": "1900.50", "Construction": "2500.00", "Materials": "300.00"}),
        ("capital_revenue", {"capital": "2500.00", "revenue": "2150.75", "": "375.00"}),
    ],
)
def test_each_breakdown_totals_the_spend(dataset, member, breakdown, expected):
    rows = summary(api_client(member), breakdown=breakdown).data["breakdown"]["rows"]
    totals = {row["key"]: row["total_spend"] for row in rows}
    assert expected.items() <= totals.items()
    assert sum(int(row["total_spend"].replace(".", "")) for row in rows) == 502575
    assert sum(row["lines"] for row in rows) == 9


def test_the_breakdown_is_filtered_too(dataset, member):
    rows = summary(api_client(member), breakdown="quarter", financial_year=2025).data["breakdown"]["rows"]
    assert [(row["key"], row["label"], row["total_spend"]) for row in rows] == [("2025-Q1", "2025-26 Q1", "1000.00")]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"financial_year": "last year"}, "financial_year"),
        ({"date_after": "31/02/2025"}, "date_after"),
        ({"publisher_id": "999999"}, "publisher_id"),
        ({"breakdown": "supplier"}, "breakdown"),
    ],
)
def test_a_bad_filter_or_breakdown_is_a_400_naming_it(member, params, field):
    response = summary(api_client(member), **params)
    assert response.status_code == 400
    assert field in response.data


def test_the_summary_runs_the_same_number_of_queries_with_2_or_12_lines(member, procurement):
    providers = [ProviderFactory(name=f"Supplier {n} Ltd") for n in range(12)]
    client = api_client(member)

    def add(numbers):
        rows = [("2025-05-01", f"T{n}", providers[n].name, f"{n + 1}.00") for n in numbers]
        import_spend(spend_csv(rows), actor=procurement)

    add(range(2))
    with CaptureQueriesContext(connection) as with_two:
        first = summary(client, breakdown="month")
    add(range(2, 12))
    with CaptureQueriesContext(connection) as with_twelve:
        second = summary(client, breakdown="month")
    assert (first.data["lines"], second.data["lines"]) == (2, 12)
    assert second.data["suppliers"] == 12
    assert len(with_twelve) == len(with_two), [q["sql"] for q in with_twelve.captured_queries]


def test_the_api_root_and_schema_list_the_summary(member):
    client = api_client(member)
    assert client.get(reverse("api-root")).data["local-spend"].endswith(reverse(URL))
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"][reverse(URL)]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"breakdown", "financial_year", "date_after", "date_before", "publisher_id", "service_area"} <= names


def test_the_schema_names_every_figure_the_summary_answers(dataset, member):
    client = api_client(member)
    data = summary(client, breakdown="month").data
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    described = schema["components"]["schemas"]["LocalSpend"]["properties"]
    assert set(data) == set(described)
    row = schema["components"]["schemas"]["LocalSpendBreakdownRow"]["properties"]
    assert set(data["breakdown"]["rows"][0]) == set(row)
