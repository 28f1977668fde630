"""API of social value.

Local spend (issue 4): the summary of the annual report, exact to the penny, with breakdowns by financial
year, quarter, month, service area, expense type, capital/revenue. The dataset is imported through the
real spend-file service, and its suppliers are matched to providers whose classification is derived from
their postcode, staff and legal form, as in use.

Social value (issue 5): the measures catalogue, commitments (added, varied with a reason, never deleted),
delivery returns (submitted, verified or rejected by the contract's commissioner) and grouped figures.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.choices import Role
from commissioning.models import SupportingOutcome
from contracts.choices import EmployeeBand, LegalForm, Location, Sector, SizeBand
from contracts.models import Provider
from social_value.models import (
    CouncilArea,
    DeliveryReturn,
    DeliveryStatus,
    SocialValueCommitment,
    SocialValueMeasure,
    SocialValueOutcome,
    SocialValueTheme,
)
from social_value.services import commitment_create, delivery_return_submit, delivery_return_verify
from tests.api_testing import (
    ALL_ROLES,
    READ_ROLES,
    REASON,
    APITestSet,
    World,
    api_client,
    assert_refused,
    detail_url,
    latest_history,
    list_url,
)
from tests.commissioning.factories import DirectorateFactory, UserFactory
from tests.contracts.factories import ContractFactory, ProviderFactory, import_spend, spend_csv
from tests.social_value.factories import measure

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


# ================================================================================ social value (issue 5)

D = datetime.date
START = datetime.date(2025, 4, 1)
ON = "2026-04-01"  # a year into commitments running from 2025-04-01 to 2027-04-01: half the profile is due
MEASURES = "social_value-api:socialvaluemeasure"
COMMITMENTS = "social_value-api:socialvaluecommitment"
RETURNS = "social_value-api:deliveryreturn"
FIGURES = "social_value-api:social-value-figures"
WRITERS = frozenset({Role.COMMISSIONER, Role.ADMIN})

_numbers = itertools.count(1)


def action_url(name: str, pk: int) -> str:
    return reverse(f"{RETURNS}-{name}", kwargs={"pk": pk})


def a_measure(**kwargs) -> SocialValueMeasure:
    """A measure of its own (so that a list doing a query per measure would show), £100 a unit since 2020."""
    kwargs.setdefault("proxies", [("100.00", D(2020, 1, 1))])
    return measure(f"M{next(_numbers)}", **kwargs)


def a_commitment(directorate, actor, *, quantity="10", of=None, contract=None, committed_on=START):
    """A commitment running from 2025-04-01 to 2027-04-01, under a contract of its own unless given."""
    return commitment_create(
        contract=contract or ContractFactory(directorate=directorate),
        measure=of or a_measure(),
        quantity=Decimal(quantity),
        committed_on=committed_on,
        start_date=D(2025, 4, 1),
        due_date=D(2027, 4, 1),
        actor=actor,
    )


def a_return(commitment, actor, quantity="1", *, verified=False, period_start=START) -> DeliveryReturn:
    delivery = delivery_return_submit(
        commitment=commitment,
        period_start=period_start,
        period_end=period_start + datetime.timedelta(days=90),
        quantity=Decimal(quantity),
        evidence_note="Payroll extract",
        actor=actor,
    )
    return delivery_return_verify(delivery=delivery, actor=actor) if verified else delivery


@pytest.fixture
def other_commissioner(other_directorate):
    return UserFactory(role=Role.COMMISSIONER, username="other-commissioner", directorate=other_directorate)


class _ServiceNamesTheChange:
    """The services write the history's reason for an addition themselves ("Commitment recorded"); a
    variation records the reason given. Each write names the user who made it."""

    reasons: dict[str, str] = {}

    def assert_audited(self, pk, user, history_type):
        row = latest_history(self.model, pk)
        assert row is not None
        assert row.history_type == history_type
        assert row.history_user_id == user.pk
        assert row.history_change_reason == self.reasons[history_type]


# --- The measures catalogue: every role reads, admins write ---


class TestSocialValueMeasureAPI(APITestSet):
    basename = MEASURES
    model = SocialValueMeasure

    def make_object(self, world: World):
        return a_measure(
            proxies=[("100.00", D(2020, 1, 1)), ("120.00", D(2024, 4, 1))],
            supporting_outcomes=[world.supporting_outcome("2.2"), world.supporting_outcome("3.1")],
        )

    def create_data(self, world: World) -> dict:
        outcome = a_measure().outcome
        return {
            "outcome_id": outcome.pk,
            "code": "NEW1",
            "name": "Apprenticeships",
            "unit": "people",
            "area": "employment",
        }

    def update_data(self, world: World, obj) -> dict:
        return {"name": "Apprenticeship weeks", "is_active": False}


def test_a_measure_answers_its_outcome_supporting_outcomes_and_the_proxy_in_force_today(kcc_framework, member):
    so_22, so_23 = SupportingOutcome.objects.get(code="2.2"), SupportingOutcome.objects.get(code="2.3")
    jobs = a_measure(
        proxies=[("100.00", D(2020, 1, 1)), ("120.00", D(2024, 4, 1)), ("999.00", D(2999, 1, 1))],
        supporting_outcomes=[so_22, so_23],
    )
    data = api_client(member).get(detail_url(MEASURES, jobs.pk)).data
    assert (data["code"], data["unit"], data["unit_label"], data["is_active"]) == (jobs.code, "people", "People", True)
    assert data["outcome"]["code"] == "O-LET"
    assert data["outcome"]["theme"] == {"code": "T-LET", "name": "Local employment"}
    assert sorted(data["supporting_outcomes"]) == ["2.2", "2.3"]
    assert [(p["value"], p["valid_from"]) for p in data["proxy_values"]] == [
        ("999.00", "2999-01-01"),
        ("120.00", "2024-04-01"),
        ("100.00", "2020-01-01"),
    ]
    assert data["proxy_values"][1]["source"] == "Test source 2024"
    assert data["proxy_values"][1]["source_year"] == 2024
    # The version starting in 2999 is not in force yet.
    assert data["proxy_in_force"] == {"value": "120.00", "source": "Test source 2024", "valid_from": "2024-04-01"}


def test_a_measure_counted_in_pounds_is_worth_its_face_value_and_one_without_a_proxy_nothing(db, member):
    spend = a_measure(unit="pounds", proxies=[])
    hours = a_measure(unit="hours", proxies=[])
    client = api_client(member)
    assert client.get(detail_url(MEASURES, spend.pk)).data["proxy_in_force"]["value"] == "1.00"
    assert client.get(detail_url(MEASURES, spend.pk)).data["proxy_in_force"]["valid_from"] is None
    assert client.get(detail_url(MEASURES, hours.pk)).data["proxy_in_force"] is None


def test_a_measure_with_commitments_cannot_be_deleted(directorate, commissioner, admin_user):
    commitment = a_commitment(directorate, commissioner)
    response = api_client(admin_user).delete(detail_url(MEASURES, commitment.measure_id))
    assert response.status_code == 400
    assert "cannot be deleted" in str(response.data)
    assert SocialValueMeasure.objects.filter(pk=commitment.measure_id).exists()


# --- Commitments ---


class TestSocialValueCommitmentAPI(_ServiceNamesTheChange, APITestSet):
    basename = COMMITMENTS
    model = SocialValueCommitment
    add_roles = WRITERS
    change_roles = WRITERS
    delete_roles = frozenset()
    deletable = False  # a commitment is varied, never deleted
    reasons = {"+": "Commitment recorded", "~": f"Varied: {REASON}"}

    def make_object(self, world: World):
        commitment = a_commitment(world.directorate, world.users[Role.COMMISSIONER])
        a_return(commitment, world.users[Role.COMMISSIONER], verified=True)
        return commitment

    def create_data(self, world: World) -> dict:
        return {
            "contract_id": ContractFactory(directorate=world.directorate).pk,
            "measure_id": a_measure().pk,
            "quantity": "10.00",
            "committed_on": "2025-04-01",
            "notes": "Ten local people into work",
        }

    def update_data(self, world: World, obj) -> dict:
        return {"quantity": "12.00", "notes": "Raised at the annual review"}


def test_a_commitment_is_valued_at_the_proxy_in_force_on_the_day_it_was_made(directorate, commissioner):
    jobs = a_measure(proxies=[("100.00", D(2020, 1, 1)), ("150.00", D(2025, 1, 1))])
    contract = ContractFactory(directorate=directorate)
    client = api_client(commissioner)

    def commit(day: str) -> dict:
        data = {"contract_id": contract.pk, "measure_id": jobs.pk, "quantity": "4", "committed_on": day}
        response = client.post(list_url(COMMITMENTS), data, format="json")
        assert response.status_code == 201, response.data
        return response.data

    before, after = commit("2024-12-31"), commit("2025-01-01")
    assert (before["proxy_value"], before["proxy_source"], before["committed_value"]) == (
        "100.00",
        "Test source 2020",
        "400.00",
    )
    assert (after["proxy_value"], after["proxy_source"], after["committed_value"]) == (
        "150.00",
        "Test source 2025",
        "600.00",
    )
    # Start and due dates default to the contract's.
    assert (before["start_date"], before["due_date"]) == (str(contract.start_date), str(contract.current_end_date))
    assert before["contract"]["reference"] == contract.reference
    assert before["measure"]["code"] == jobs.code
    assert SocialValueCommitment.objects.get(pk=before["id"]).proxy_value == Decimal("100.00")


def test_a_commitment_answers_its_progress_on_a_day(directorate, commissioner, member):
    commitment = a_commitment(directorate, commissioner, quantity="10")  # 10 people at £100
    a_return(commitment, commissioner, "4", verified=True)
    a_return(commitment, commissioner, "3")  # submitted, not verified: does not count
    data = api_client(member).get(detail_url(COMMITMENTS, commitment.pk), {"on": ON}).data
    progress = ("total_quantity", "committed_value", "delivered", "delivered_value", "delivered_share", "expected",
                "shortfall", "status", "status_label")  # fmt: skip
    # Half way, 5 are expected; 4 verified is 80% of that: at risk.
    assert {name: data[name] for name in progress} == {
        "total_quantity": "10.00",
        "committed_value": "1000.00",
        "delivered": "4.00",
        "delivered_value": "400.00",
        "delivered_share": "40.0",
        "expected": "5.00",
        "shortfall": "1.00",
        "status": "at_risk",
        "status_label": "At risk",
    }


def test_varying_a_commitment_needs_a_reason_and_without_one_changes_nothing(directorate, commissioner):
    commitment = a_commitment(directorate, commissioner, quantity="10")
    versions = commitment.history.count()
    client = api_client(commissioner)

    response = client.patch(detail_url(COMMITMENTS, commitment.pk), {"quantity": "20"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.data
    commitment.refresh_from_db()
    assert (commitment.quantity, commitment.committed_value) == (Decimal("10.00"), Decimal("1000.00"))
    assert commitment.history.count() == versions

    varied = {"quantity": "20", "basis": "per_year", "committed_on": "2020-01-01", "reason": "Scope extended"}
    response = client.patch(detail_url(COMMITMENTS, commitment.pk), varied, format="json")
    assert response.status_code == 200, response.data
    # 20 a year over the two contract years, still at the proxy of the day it was committed.
    assert (response.data["total_quantity"], response.data["committed_value"]) == ("40.00", "4000.00")
    assert (response.data["proxy_value"], response.data["committed_on"]) == ("100.00", "2025-04-01")
    row = latest_history(SocialValueCommitment, commitment.pk)
    assert (row.history_user_id, row.history_change_reason) == (commissioner.pk, "Varied: Scope extended")


def test_a_commitment_is_varied_whole_with_put_and_a_reason(directorate, commissioner):
    commitment = a_commitment(directorate, commissioner, quantity="10")
    whole = {"quantity": "8", "basis": "by_date", "start_date": "2025-04-01", "due_date": "2026-04-01", "notes": ""}
    client = api_client(commissioner)
    assert client.put(detail_url(COMMITMENTS, commitment.pk), whole, format="json").status_code == 400
    response = client.put(detail_url(COMMITMENTS, commitment.pk), {**whole, "reason": "Shorter term"}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["due_date"], response.data["committed_value"]) == ("2026-04-01", "800.00")


def test_a_commissioner_adds_and_varies_commitments_of_their_own_directorate_only(directorate, other_commissioner):
    contract = ContractFactory(directorate=directorate)
    client = api_client(other_commissioner)
    data = {"contract_id": contract.pk, "measure_id": a_measure().pk, "quantity": "4", "committed_on": "2025-04-01"}
    assert client.post(list_url(COMMITMENTS), data, format="json").status_code == 403
    assert not SocialValueCommitment.objects.exists()
    commitment = a_commitment(directorate, None, contract=contract)
    response = client.patch(detail_url(COMMITMENTS, commitment.pk), {"quantity": "99", "reason": "x"}, format="json")
    assert response.status_code == 403
    assert SocialValueCommitment.objects.get().quantity == Decimal("10.00")


def test_a_bad_contract_or_quantity_is_a_400_naming_the_field(directorate, commissioner):
    data = {"contract_id": 999999, "measure_id": a_measure().pk, "quantity": "-1", "committed_on": "2025-04-01"}
    response = api_client(commissioner).post(list_url(COMMITMENTS), data, format="json")
    assert response.status_code == 400
    assert {"contract_id", "quantity"} <= set(response.data)


# --- Delivery returns ---


class TestDeliveryReturnAPI(_ServiceNamesTheChange, APITestSet):
    basename = RETURNS
    model = DeliveryReturn
    add_roles = WRITERS
    change_roles = frozenset()
    delete_roles = frozenset()
    deletable = False
    reasons = {"+": "Delivery return submitted"}

    def make_object(self, world: World):
        commissioner = world.users[Role.COMMISSIONER]
        return a_return(a_commitment(world.directorate, commissioner), commissioner)

    def create_data(self, world: World) -> dict:
        commitment = a_commitment(world.directorate, world.users[Role.ADMIN])
        return {
            "commitment_id": commitment.pk,
            "period_start": "2025-04-01",
            "period_end": "2025-06-30",
            "quantity": "3.00",
            "evidence_note": "Payroll extract",
        }

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_update(self, world, role):
        """A return is never changed: it is verified or rejected. Whoever may change returns is told the
        method is not allowed; everyone else is refused."""
        obj = self.make_object(world)
        response = self.client_for(world, role).patch(detail_url(RETURNS, obj.pk), {"quantity": "9"}, format="json")
        user = world.users[role]
        if user is not None and user.has_perm("social_value.change_deliveryreturn"):
            assert response.status_code == 405
        else:
            assert_refused(response, role)
        assert DeliveryReturn.objects.get(pk=obj.pk).quantity == Decimal("1.00")


def test_a_return_is_submitted_with_an_evidence_file(directorate, commissioner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    commitment = a_commitment(directorate, commissioner)
    data = {
        "commitment_id": commitment.pk,
        "period_start": "2025-04-01",
        "period_end": "2025-06-30",
        "quantity": "2",
        "evidence_file": SimpleUploadedFile("payroll.csv", b"name,hours\nA,10\n", content_type="text/csv"),
    }
    response = api_client(commissioner).post(list_url(RETURNS), data, format="multipart")
    assert response.status_code == 201, response.data
    assert "payroll" in response.data["evidence_file"]
    assert (response.data["status"], response.data["submitted_by"]["username"]) == ("submitted", "commissioner")
    assert response.data["contract"]["reference"] == commitment.contract.reference
    stored = DeliveryReturn.objects.get()
    assert stored.evidence_file.name.startswith("social_value/evidence/")
    assert stored.evidence_file.read() == b"name,hours\nA,10\n"


def test_a_return_without_evidence_is_a_400_and_writes_nothing(directorate, commissioner):
    commitment = a_commitment(directorate, commissioner)
    data = {"commitment_id": commitment.pk, "period_start": "2025-04-01", "period_end": "2025-06-30", "quantity": "2"}
    response = api_client(commissioner).post(list_url(RETURNS), data, format="json")
    assert response.status_code == 400
    assert "evidence_note" in response.data
    assert not DeliveryReturn.objects.exists()


def test_the_contracts_commissioner_verifies_a_return_and_then_it_counts(directorate, commissioner, member):
    commitment = a_commitment(directorate, commissioner)
    delivery = a_return(commitment, commissioner, "4")
    client = api_client(commissioner)
    assert client.get(detail_url(COMMITMENTS, commitment.pk)).data["delivered"] == "0.00"

    response = client.post(action_url("verify", delivery.pk))
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["verified_by"]["username"]) == ("verified", "commissioner")
    assert response.data["verified_at"]
    assert api_client(member).get(detail_url(COMMITMENTS, commitment.pk)).data["delivered"] == "4.00"
    row = latest_history(DeliveryReturn, delivery.pk)
    assert (row.history_user_id, row.history_change_reason) == (commissioner.pk, "Delivery return verified")


def test_an_admin_rejects_a_return_saying_why_and_it_does_not_count(directorate, commissioner, admin_user):
    commitment = a_commitment(directorate, commissioner)
    delivery = a_return(commitment, commissioner, "4")
    response = api_client(admin_user).post(action_url("reject", delivery.pk), {"reason": "No payroll"}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["rejection_reason"]) == ("rejected", "No payroll")
    assert api_client(admin_user).get(detail_url(COMMITMENTS, commitment.pk)).data["delivered"] == "0.00"
    row = latest_history(DeliveryReturn, delivery.pk)
    assert (row.history_user_id, row.history_change_reason) == (admin_user.pk, "Delivery return rejected: No payroll")


@pytest.mark.parametrize("who", ["member", "procurement", "other_commissioner", "no_role_user"])
def test_only_the_contracts_commissioner_or_an_admin_verifies_or_rejects(request, directorate, commissioner, who):
    delivery = a_return(a_commitment(directorate, commissioner), commissioner)
    client = api_client(request.getfixturevalue(who))
    assert client.post(action_url("verify", delivery.pk)).status_code == 403
    assert client.post(action_url("reject", delivery.pk), {"reason": "No evidence"}, format="json").status_code == 403
    assert DeliveryReturn.objects.get(pk=delivery.pk).status == DeliveryStatus.SUBMITTED


@pytest.mark.parametrize("body", [{}, {"reason": "   "}])
def test_rejecting_a_return_needs_a_reason(directorate, commissioner, body):
    delivery = a_return(a_commitment(directorate, commissioner), commissioner)
    response = api_client(commissioner).post(action_url("reject", delivery.pk), body, format="json")
    assert response.status_code == 400
    assert "reason" in response.data
    assert DeliveryReturn.objects.get(pk=delivery.pk).status == DeliveryStatus.SUBMITTED


def test_only_a_submitted_return_is_verified_or_rejected(directorate, commissioner):
    delivery = a_return(a_commitment(directorate, commissioner), commissioner, verified=True)
    client = api_client(commissioner)
    for response in (
        client.post(action_url("verify", delivery.pk)),
        client.post(action_url("reject", delivery.pk), {"reason": "Too late"}, format="json"),
    ):
        assert response.status_code == 400
        assert "Only a submitted return" in str(response.data)
    assert DeliveryReturn.objects.get(pk=delivery.pk).status == DeliveryStatus.VERIFIED


# --- A small dataset for the filters and figures ---


@pytest.fixture
def sv(kcc_framework, directorate, other_directorate, admin_user):
    """Two contracts, two measures in two themes, three commitments from 2025-04-01 to 2027-04-01; on ON
    (half way) the profile expects half of each:

    | commitment | contract (directorate, value) | measure (theme, unit, £/unit, SOs) | qty | verified | on ON    |
    |------------|-------------------------------|------------------------------------|-----|----------|----------|
    | c1         | A (ASCH, £100,000), provider P1 | J1 (T-LET, people, £100, 2.2 2.3) | 10  | 4        | at risk  |
    | c2         | A                             | C1 (T-COM, hours, £10, 3.1)        | 50  | 0        | behind   |
    | c3         | B (GET, £50,000), provider P2 | J1                                 | 6   | 3        | on track |

    plus a return of 2 on c1 submitted but not verified, and a retired measure R1 counted in pounds.
    """
    so = {code: SupportingOutcome.objects.get(code=code) for code in ("2.2", "2.3", "3.1")}
    jobs = measure("J1", proxies=[("100.00", D(2020, 1, 1))], supporting_outcomes=[so["2.2"], so["2.3"]])
    care = measure("C1", unit="hours", proxies=[("10.00", D(2020, 1, 1))], supporting_outcomes=[so["3.1"]])
    retired = measure("R1", unit="pounds")
    theme = SocialValueTheme.objects.create(code="T-COM", name="Resilient communities")
    outcome = SocialValueOutcome.objects.create(theme=theme, code="O-COM", name="Stronger communities")
    SocialValueMeasure.objects.filter(pk=jobs.pk).update(area=CouncilArea.EMPLOYMENT)
    SocialValueMeasure.objects.filter(pk=care.pk).update(area=CouncilArea.COMMUNITIES, outcome=outcome)
    SocialValueMeasure.objects.filter(pk=retired.pk).update(is_active=False)
    p1, p2 = ProviderFactory(name="Acme Care Ltd"), ProviderFactory(name="Beta Works Ltd")
    a = ContractFactory(directorate=directorate, provider=p1, total_value=Decimal("100000.00"))
    b = ContractFactory(directorate=other_directorate, provider=p2, total_value=Decimal("50000.00"))
    c1 = a_commitment(None, admin_user, quantity="10", of=jobs, contract=a, committed_on=D(2025, 4, 1))
    c2 = a_commitment(None, admin_user, quantity="50", of=care, contract=a, committed_on=D(2025, 6, 1))
    c3 = a_commitment(None, admin_user, quantity="6", of=jobs, contract=b, committed_on=D(2025, 9, 1))
    r1 = a_return(c1, admin_user, "4", verified=True)
    r2 = a_return(c1, admin_user, "2", period_start=D(2025, 7, 1))
    r3 = a_return(c3, admin_user, "3", verified=True)
    return {
        "jobs": jobs, "care": care, "retired": retired, "p1": p1, "p2": p2, "a": a, "b": b,
        "c1": c1, "c2": c2, "c3": c3, "r1": r1, "r2": r2, "r3": r3,
    }  # fmt: skip


def _ids(client, basename, **params) -> set[int]:
    response = client.get(list_url(basename), params)
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def test_each_commitment_filter_narrows_the_list(sv, member, directorate, other_directorate):
    client = api_client(member)
    c1, c2, c3 = sv["c1"].pk, sv["c2"].pk, sv["c3"].pk
    assert _ids(client, COMMITMENTS) == {c1, c2, c3}
    assert _ids(client, COMMITMENTS, contract_id=sv["a"].pk) == {c1, c2}
    assert _ids(client, COMMITMENTS, contract=sv["b"].reference.lower()) == {c3}
    assert _ids(client, COMMITMENTS, measure="j1") == {c1, c3}
    assert _ids(client, COMMITMENTS, theme="T-COM") == {c2}
    assert _ids(client, COMMITMENTS, directorate_id=other_directorate.pk) == {c3}
    assert _ids(client, COMMITMENTS, provider_id=sv["p1"].pk) == {c1, c2}
    assert _ids(client, COMMITMENTS, supporting_outcome="2.3") == {c1, c3}
    assert _ids(client, COMMITMENTS, supporting_outcome="3.1") == {c2}
    assert _ids(client, COMMITMENTS, supporting_outcome="1.1") == set()
    assert _ids(client, COMMITMENTS, committed_on_after="2025-06-01") == {c2, c3}
    assert _ids(client, COMMITMENTS, committed_on_before="2025-06-01") == {c1, c2}
    assert _ids(client, COMMITMENTS, status="at_risk", on=ON) == {c1}
    assert _ids(client, COMMITMENTS, status="on_track", on=ON) == {c3}
    assert _ids(client, COMMITMENTS, status=["at_risk", "behind"], on=ON) == {c1, c2}
    assert _ids(client, COMMITMENTS, status="on_track", on=ON, directorate_id=directorate.pk) == set()
    # Before anything is due, every commitment is on track.
    assert _ids(client, COMMITMENTS, status="on_track", on="2025-03-01") == {c1, c2, c3}
    # The delivered sum is not repeated by the supporting outcome filter (the measure serves two).
    [row] = client.get(list_url(COMMITMENTS), {"supporting_outcome": "2.2", "contract_id": sv["a"].pk}).data["results"]
    assert row["delivered"] == "4.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "late"}, "status"), ({"on": "next week"}, "on"), ({"directorate_id": "999999"}, "directorate_id")],
)
def test_a_bad_commitment_filter_is_a_400_naming_it(member, params, field):
    response = api_client(member).get(list_url(COMMITMENTS), params)
    assert response.status_code == 400
    assert field in response.data


def test_the_status_filter_runs_the_same_number_of_queries_with_2_or_12_commitments(directorate, commissioner, member):
    client = api_client(member)
    jobs = a_measure()
    counts = []
    for n in (2, 12):
        while SocialValueCommitment.objects.count() < n:
            a_commitment(directorate, commissioner, of=jobs)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(list_url(COMMITMENTS), {"status": "behind", "on": ON, "page_size": 500})
        assert response.data["count"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_each_delivery_return_filter_narrows_the_list(sv, member, other_directorate):
    client = api_client(member)
    r1, r2, r3 = sv["r1"].pk, sv["r2"].pk, sv["r3"].pk
    assert _ids(client, RETURNS) == {r1, r2, r3}
    assert _ids(client, RETURNS, commitment_id=sv["c1"].pk) == {r1, r2}
    assert _ids(client, RETURNS, contract_id=sv["b"].pk) == {r3}
    assert _ids(client, RETURNS, status="submitted") == {r2}
    assert _ids(client, RETURNS, status="verified") == {r1, r3}
    assert _ids(client, RETURNS, directorate_id=other_directorate.pk) == {r3}
    assert _ids(client, RETURNS, period_start_after="2025-07-01") == {r2}
    assert _ids(client, RETURNS, period_start_before="2025-06-30") == {r1, r3}


def test_each_measure_filter_narrows_the_catalogue(sv, member):
    client = api_client(member)
    jobs, care, retired = sv["jobs"].pk, sv["care"].pk, sv["retired"].pk
    assert _ids(client, MEASURES) == {jobs, care, retired}
    assert _ids(client, MEASURES, q="j1") == {jobs}
    assert _ids(client, MEASURES, q="measure c") == {care}
    assert _ids(client, MEASURES, theme="t-com") == {care}
    assert _ids(client, MEASURES, area="employment") == {jobs}
    assert _ids(client, MEASURES, unit="hours") == {care}
    assert _ids(client, MEASURES, supporting_outcome="2.3") == {jobs}
    assert _ids(client, MEASURES, is_active="false") == {retired}
    assert _ids(client, MEASURES, is_active="true") == {jobs, care}


# --- Figures ---


def figures(client, **params):
    return client.get(reverse(FIGURES), {"on": ON, **params})


def test_figures_by_theme_are_exact_and_count_each_contracts_value_once(sv, member):
    response = figures(api_client(member), by="theme")
    assert response.status_code == 200, response.data
    data = response.data
    assert (data["by"], data["on"], data["note"]) == ("theme", ON, "")
    assert data["total"] == {
        "key": "",
        "label": "All commitments",
        "commitments": 3,
        "contracts": 2,
        "committed_value": "2100.00",
        "delivered_value": "700.00",
        "expected_value": "1050.00",
        "shortfall_value": "350.00",
        "contract_value": "150000.00",
        "delivered_share": "33.3",
        "committed_share_of_contract_value": "1.4",
        "on_track": 1,
        "at_risk": 1,
        "behind": 1,
    }
    assert data["rows"] == [
        {
            "key": "T-COM",
            "label": "Resilient communities",
            "commitments": 1,
            "contracts": 1,
            "committed_value": "500.00",
            "delivered_value": "0.00",
            "expected_value": "250.00",
            "shortfall_value": "250.00",
            "contract_value": "100000.00",
            "delivered_share": "0.0",
            "committed_share_of_contract_value": "0.5",
            "on_track": 0,
            "at_risk": 0,
            "behind": 1,
        },
        {
            "key": "T-LET",
            "label": "Local employment",
            "commitments": 2,
            "contracts": 2,
            "committed_value": "1600.00",
            "delivered_value": "700.00",
            "expected_value": "800.00",
            "shortfall_value": "100.00",
            "contract_value": "150000.00",
            "delivered_share": "43.8",  # 700 / 1600 = 43.75, half up
            "committed_share_of_contract_value": "1.1",
            "on_track": 1,
            "at_risk": 1,
            "behind": 0,
        },
    ]


def test_figures_by_measure_add_the_units(sv, member):
    data = figures(api_client(member), by="measure").data
    units = [
        (r["key"], r["unit"], r["committed_units"], r["delivered_units"], r["committed_value"]) for r in data["rows"]
    ]
    assert units == [("C1", "hours", "50.00", "0.00", "500.00"), ("J1", "people", "16.00", "7.00", "1600.00")]
    assert data["total"]["unit"] is None  # people and hours do not add up


def test_units_are_given_only_by_measure(sv, member):
    data = figures(api_client(member), by="directorate").data
    assert "unit" not in data["total"]
    assert all("committed_units" not in row for row in data["rows"])


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("area", {"employment": ("1600.00", "700.00"), "communities": ("500.00", "0.00")}),
        ("directorate", {"ASCH": ("1500.00", "400.00"), "GET": ("600.00", "300.00")}),
        # A commitment counts in full for each supporting outcome its measure serves ...
        ("supporting_outcome", {"2.2": ("1600.00", "700.00"), "2.3": ("1600.00", "700.00"), "3.1": ("500.00", "0.00")}),
        # ... and once for a strategic outcome.
        ("strategic_outcome", {"2": ("1600.00", "700.00"), "3": ("500.00", "0.00")}),
    ],
)
def test_figures_by_area_directorate_and_outcome(sv, member, by, expected):
    data = figures(api_client(member), by=by).data
    assert {row["key"]: (row["committed_value"], row["delivered_value"]) for row in data["rows"]} == expected
    assert data["total"]["committed_value"] == "2100.00"
    assert bool(data["note"]) == by.endswith("outcome")


def test_figures_by_provider_and_filtered(sv, member, other_directorate):
    client = api_client(member)
    rows = figures(client, by="provider").data["rows"]
    assert [(r["key"], r["label"], r["committed_value"]) for r in rows] == [
        (str(sv["p1"].pk), "Acme Care Ltd", "1500.00"),
        (str(sv["p2"].pk), "Beta Works Ltd", "600.00"),
    ]
    data = figures(client, by="theme", directorate_id=other_directorate.pk).data
    assert [(r["key"], r["committed_value"]) for r in data["rows"]] == [("T-LET", "600.00")]
    assert data["total"]["contract_value"] == "50000.00"
    behind = figures(client, by="theme", status="behind").data
    assert [(r["key"], r["commitments"]) for r in behind["rows"]] == [("T-COM", 1)]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"by": "contract"}, "by", "theme, measure, area, directorate, provider"),
        ({"by": "theme", "on": "31/03/2026"}, "on", "YYYY-MM-DD"),
        ({"by": "theme", "status": "late"}, "status", ""),
    ],
)
def test_a_bad_grouping_day_or_filter_is_a_400_saying_what_to_give(member, params, field, message):
    response = api_client(member).get(reverse(FIGURES), params)
    assert response.status_code == 400
    assert message in str(response.data[field])


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_figures_and_no_one_else(kcc_framework, users, no_role_user, role):
    user = {**users, "no_role": no_role_user, "anonymous": None}[role]
    response = api_client(user).get(reverse(FIGURES), {"by": "supporting_outcome"})
    if role not in READ_ROLES:
        assert_refused(response, role)
        return
    assert response.status_code == 200
    assert (response.data["rows"], response.data["total"]["committed_value"]) == ([], "0.00")


@pytest.mark.parametrize("by", ["supporting_outcome", "provider"])
def test_figures_run_the_same_number_of_queries_with_2_or_12_commitments(kcc_framework, directorate, commissioner,
                                                                        member, by):  # fmt: skip
    so = SupportingOutcome.objects.get(code="2.2")
    client = api_client(member)
    counts = []
    for n in (2, 12):
        while SocialValueCommitment.objects.count() < n:
            commitment = a_commitment(directorate, commissioner, of=a_measure(supporting_outcomes=[so]))
            a_return(commitment, commissioner, verified=True)
        with CaptureQueriesContext(connection) as queries:
            response = figures(client, by=by, status=["on_track", "at_risk", "behind"])
        assert response.data["total"]["commitments"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Root and schema ---


def test_the_api_root_and_schema_list_the_social_value_endpoints(member, tmp_path):
    client = api_client(member)
    root = client.get(reverse("api-root")).data
    assert root["social-value-measures"].endswith(list_url(MEASURES))
    assert root["social-value-commitments"].endswith(list_url(COMMITMENTS))
    assert root["delivery-returns"].endswith(list_url(RETURNS))
    assert root["social-value-figures"].endswith(reverse(FIGURES))
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert "delete" not in paths[detail_url(COMMITMENTS, 1).replace("/1/", "/{id}/")]
    assert "post" in paths[action_url("verify", 1).replace("/1/", "/{id}/")]
    assert "multipart/form-data" in paths[list_url(RETURNS)]["post"]["requestBody"]["content"]
    names = {p["name"] for p in paths[reverse(FIGURES)]["get"]["parameters"]}
    assert {"by", "on", "directorate_id", "theme", "status"} <= names
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
