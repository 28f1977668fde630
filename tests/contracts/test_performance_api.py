"""API of contract performance: KPIs, returns, concerns, deductions, assessments and quarter summaries.

The shared API test set covers KPIs and returns (every role, audit, query counts); the rest
are read-only endpoints with actions, tested for what a commissioner and a councillor rely on.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.choices import Role
from contracts.choices import (
    RAG,
    AssessmentStatus,
    DeductionRule,
    DeductionStatus,
    PerformanceRating,
    ReturnStatus,
)
from contracts.models import KPI, Deduction, KPIReturn, PerformanceAssessment, PerformanceConcern
from contracts.ocds import ocid_for, validate_release_package
from tests.api_testing import REASON, APITestSet, api_client, detail_url, latest_history, list_url
from tests.contracts.factories import ContractFactory, KPIFactory, kpi_return

KPIS = "contracts-api:kpi"
RETURNS = "contracts-api:kpireturn"
CONCERNS = "contracts-api:performanceconcern"
DEDUCTIONS = "contracts-api:deduction"
ASSESSMENTS = "contracts-api:performanceassessment"
SUMMARIES = "contracts-api:contractperiodsummary"


def action_url(basename: str, name: str, pk: int | None = None) -> str:
    return reverse(f"{basename}-{name}", kwargs={"pk": pk} if pk is not None else None)


def as_decimal(value):
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return value


class _NumbersAsDecimals:
    def assert_sent_values_returned(self, sent, returned):
        # Values are answered to four decimal places ("82.5000"); compare them as numbers.
        for key, value in sent.items():
            if key in returned:
                if isinstance(value, str) and value.replace(".", "").isdigit():
                    assert as_decimal(returned[key]) == Decimal(value), (key, returned[key], value)
                else:
                    assert str(returned[key]) == str(value), (key, returned[key], value)


class TestKPIAPI(_NumbersAsDecimals, APITestSet):
    basename = KPIS
    model = KPI
    add_roles = change_roles = frozenset({Role.COMMISSIONER, Role.ADMIN})
    deletable = False  # retired with is_active=false, never deleted

    def make_object(self, world):
        return KPIFactory(contract=ContractFactory(directorate=world.directorate))

    def create_data(self, world):
        return {
            "contract_id": ContractFactory(directorate=world.directorate).pk,
            "code": "KPI99",
            "name": "Reviews completed on time",
            "unit": "percent",
            "polarity": "higher",
            "target": "95",
            "amber_threshold": "90",
            "red_threshold": "85",
            "frequency": "quarterly",
            "first_period_start": "2024-04-01",
            "is_key": True,
        }

    def update_data(self, world, obj):
        return {"name": "Visits made within 15 minutes", "target": "92"}


class TestKPIReturnAPI(_NumbersAsDecimals, APITestSet):
    basename = RETURNS
    model = KPIReturn
    add_roles = change_roles = frozenset({Role.COMMISSIONER, Role.ADMIN})
    deletable = False  # corrected or sent back, never deleted

    def make_object(self, world):
        kpi = KPIFactory(contract=ContractFactory(directorate=world.directorate))
        return kpi_return(kpi, "2024-25 Q1", "88")

    def create_data(self, world):
        kpi = KPIFactory(contract=ContractFactory(directorate=world.directorate))
        return {"kpi_id": kpi.pk, "period": "2024-25 Q2", "actual": "82.5", "commentary": "Two staff off sick"}

    def update_data(self, world, obj):
        return {"actual": "79", "commentary": "Corrected after audit"}


@pytest.fixture
def contract(directorate, commissioner):
    return ContractFactory(reference="KCC-ASC-100", directorate=directorate, commissioner=commissioner)


@pytest.fixture
def other_contract(other_directorate):
    return ContractFactory(reference="KCC-GET-100", directorate=other_directorate)


@pytest.fixture
def kpi(contract):
    return KPIFactory(contract=contract, code="KPI01", name="Visits on time")


def failing_kpi(contract, **extra) -> KPI:
    """A KPI with a £500 fixed deduction, red in 2024-25 Q1 and Q2: a concern and two deductions."""
    kpi = KPIFactory(contract=contract, deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("500.00"), **extra)
    kpi_return(kpi, "2024-25 Q1", "70")
    kpi_return(kpi, "2024-25 Q2", "72")
    return kpi


# --- Returns ---


def test_a_return_written_as_a_code_answers_its_label_rag_and_submitter(commissioner, kpi):
    response = api_client(commissioner).post(
        list_url(RETURNS),
        {"kpi_id": kpi.pk, "period": "2025-26-Q2", "actual": "82", "submit": True},
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["period"], data["period_code"], data["period_start"]) == ("2025-26 Q2", "2025-26-Q2", "2025-07-01")
    assert data["rag"] == RAG.AMBER
    assert data["rag_explanation"].startswith("82.0% against a target of 90%")
    assert data["status"] == ReturnStatus.SUBMITTED
    assert data["submitted_by"]["id"] == commissioner.pk
    assert data["actual"] == "82.0000"


def test_a_return_is_a_draft_unless_submitted(commissioner, kpi):
    response = api_client(commissioner).post(
        list_url(RETURNS), {"kpi_id": kpi.pk, "period": "2025-26 Q1", "actual": "95"}, format="json"
    )
    assert response.status_code == 201
    assert response.data["status"] == ReturnStatus.DRAFT
    assert response.data["submitted_by"] is None


def test_a_period_that_is_not_one_names_the_field_and_the_form_expected(commissioner, kpi):
    response = api_client(commissioner).post(
        list_url(RETURNS), {"kpi_id": kpi.pk, "period": "2025-26 Q5", "actual": "82"}, format="json"
    )
    assert response.status_code == 400
    assert response.data["period"] == ["'2025-26 Q5' is not a period: write it like 2025-26 Q2."]
    assert not KPIReturn.objects.exists()


def test_a_month_for_a_quarterly_kpi_is_refused(commissioner, kpi):
    response = api_client(commissioner).post(
        list_url(RETURNS), {"kpi_id": kpi.pk, "period": "May 2025", "actual": "82"}, format="json"
    )
    assert response.status_code == 400
    assert "reported quarterly" in response.data["period"][0]


def test_a_second_return_for_the_same_period_is_refused_naming_the_first(commissioner, kpi):
    first = kpi_return(kpi, "2025-26 Q1", "91")
    response = api_client(commissioner).post(
        list_url(RETURNS), {"kpi_id": kpi.pk, "period": "2025-26 Q1", "actual": "50"}, format="json"
    )
    assert response.status_code == 400
    assert f"(id {first.pk})" in response.data["period"][0]
    first.refresh_from_db()
    assert first.actual == Decimal("91")


def test_a_commissioner_cannot_record_or_change_another_directorates_return(commissioner, other_contract):
    other_kpi = KPIFactory(contract=other_contract)
    client = api_client(commissioner)
    created = client.post(
        list_url(RETURNS), {"kpi_id": other_kpi.pk, "period": "2025-26 Q1", "actual": "90"}, format="json"
    )
    assert created.status_code == 403
    ret = kpi_return(other_kpi, "2025-26 Q2", "90")
    changed = client.patch(detail_url(RETURNS, ret.pk), {"actual": "10"}, format="json")
    assert changed.status_code == 403
    ret.refresh_from_db()
    assert ret.actual == Decimal("90")


def test_changing_a_return_keeps_its_kpi_and_period_and_derives_rag_again(commissioner, kpi):
    ret = kpi_return(kpi, "2025-26 Q1", "95")
    response = api_client(commissioner).patch(
        detail_url(RETURNS, ret.pk), {"actual": "70", "period": "2025-26 Q3"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert (response.data["period"], response.data["rag"]) == ("2025-26 Q1", RAG.RED)
    assert response.data["status"] == ReturnStatus.SUBMITTED  # was submitted, stays submitted
    assert KPIReturn.objects.count() == 1


def test_the_commissioner_accepts_a_submitted_return(commissioner, kpi):
    ret = kpi_return(kpi, "2025-26 Q1", "95")
    response = api_client(commissioner).post(action_url(RETURNS, "accept", ret.pk), {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == ReturnStatus.ACCEPTED
    assert response.data["reviewed_by"]["id"] == commissioner.pk
    assert latest_history(KPIReturn, ret.pk).history_user_id == commissioner.pk


def test_a_draft_cannot_be_accepted(commissioner, kpi):
    ret = kpi_return(kpi, "2025-26 Q1", "95", submit=False)
    response = api_client(commissioner).post(action_url(RETURNS, "accept", ret.pk), {}, format="json")
    assert response.status_code == 400
    assert "Only a submitted return can be accepted" in response.data["non_field_errors"][0]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT])
def test_only_commissioners_and_admins_accept_returns(users, kpi, role):
    ret = kpi_return(kpi, "2025-26 Q1", "95")
    response = api_client(users[role]).post(action_url(RETURNS, "accept", ret.pk), {}, format="json")
    assert response.status_code == 403
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED


def test_a_commissioner_of_another_directorate_cannot_accept(commissioner, other_contract):
    ret = kpi_return(KPIFactory(contract=other_contract), "2025-26 Q1", "95")
    response = api_client(commissioner).post(action_url(RETURNS, "accept", ret.pk), {}, format="json")
    assert response.status_code == 403


def test_sending_a_return_back_needs_a_reason(commissioner, kpi):
    ret = kpi_return(kpi, "2025-26 Q1", "95")
    client = api_client(commissioner)
    refused = client.post(action_url(RETURNS, "send-back", ret.pk), {"reason": " "}, format="json")
    assert refused.status_code == 400
    assert list(refused.data) == ["reason"]
    sent = client.post(action_url(RETURNS, "send-back", ret.pk), {"reason": "Figures do not add up"}, format="json")
    assert sent.status_code == 200, sent.data
    assert (sent.data["status"], sent.data["returned_reason"]) == (ReturnStatus.RETURNED, "Figures do not add up")


def test_returns_are_filtered_by_rag_and_status(member, kpi):
    kpi_return(kpi, "2025-26 Q1", "95")
    kpi_return(kpi, "2025-26 Q2", "70")
    response = api_client(member).get(list_url(RETURNS), {"rag": RAG.RED})
    assert [row["period"] for row in response.data["results"]] == ["2025-26 Q2"]


# --- KPIs ---


def test_a_kpi_is_retired_not_deleted(commissioner, kpi):
    client = api_client(commissioner)
    response = client.patch(detail_url(KPIS, kpi.pk), {"is_active": False, "reason": REASON}, format="json")
    assert response.status_code == 200
    assert response.data["is_active"] is False
    assert latest_history(KPI, kpi.pk).history_change_reason == REASON


def test_a_kpi_cannot_move_to_another_contract(commissioner, kpi, directorate):
    elsewhere = ContractFactory(directorate=directorate)
    response = api_client(commissioner).patch(detail_url(KPIS, kpi.pk), {"contract_id": elsewhere.pk}, format="json")
    assert response.status_code == 200
    kpi.refresh_from_db()
    assert kpi.contract_id != elsewhere.pk


def test_bad_thresholds_are_refused_at_the_field(commissioner, kpi):
    response = api_client(commissioner).patch(detail_url(KPIS, kpi.pk), {"amber_threshold": "95"}, format="json")
    assert response.status_code == 400
    assert "amber_threshold" in response.data


def test_copying_kpis_skips_codes_the_contract_has(commissioner, contract, directorate):
    KPIFactory(contract=contract, code="KPI01")
    KPIFactory(contract=contract, code="KPI02")
    KPIFactory(contract=contract, code="KPI03", is_active=False)
    target = ContractFactory(directorate=directorate, start_date=datetime.date(2025, 5, 15))
    KPIFactory(contract=target, code="KPI02")
    response = api_client(commissioner).post(
        action_url(KPIS, "copy"), {"source_contract_id": contract.pk, "contract_id": target.pk}, format="json"
    )
    assert response.status_code == 201, response.data
    assert [row["code"] for row in response.data] == ["KPI01"]
    assert response.data[0]["first_period_start"] == "2025-07-01"  # first quarter on or after the start
    assert sorted(target.kpis.values_list("code", flat=True)) == ["KPI01", "KPI02"]


def test_copying_kpis_onto_another_directorates_contract_is_refused(commissioner, contract, other_contract):
    KPIFactory(contract=contract)
    response = api_client(commissioner).post(
        action_url(KPIS, "copy"), {"source_contract_id": contract.pk, "contract_id": other_contract.pk}, format="json"
    )
    assert response.status_code == 403
    assert not other_contract.kpis.exists()


def test_a_member_cannot_copy_kpis(member, contract, directorate):
    response = api_client(member).post(
        action_url(KPIS, "copy"),
        {"source_contract_id": contract.pk, "contract_id": ContractFactory(directorate=directorate).pk},
        format="json",
    )
    assert response.status_code == 403


# --- Concerns ---


def test_a_concern_raised_by_two_reds_is_resolved_with_a_note(commissioner, contract):
    kpi = failing_kpi(contract)
    concern = PerformanceConcern.objects.get(kpi=kpi)
    client = api_client(commissioner)
    listed = client.get(list_url(CONCERNS), {"is_open": True}).data
    assert [row["id"] for row in listed["results"]] == [concern.pk]
    assert listed["results"][0]["raised_by_return"]["display"] == f"{kpi.code} 2024-25 Q2"
    refused = client.post(action_url(CONCERNS, "resolve", concern.pk), {"note": ""}, format="json")
    assert refused.status_code == 400
    assert list(refused.data) == ["note"]
    resolved = client.post(
        action_url(CONCERNS, "resolve", concern.pk), {"note": "Improvement plan agreed"}, format="json"
    )
    assert resolved.status_code == 200, resolved.data
    assert resolved.data["is_open"] is False
    assert resolved.data["resolved_by"]["id"] == commissioner.pk


def test_concerns_cannot_be_written_directly(admin_user, contract):
    concern = PerformanceConcern.objects.get(kpi=failing_kpi(contract))
    client = api_client(admin_user)
    assert client.patch(detail_url(CONCERNS, concern.pk), {"explanation": "x"}, format="json").status_code == 405
    assert client.delete(detail_url(CONCERNS, concern.pk)).status_code == 405


def test_another_directorates_commissioner_cannot_resolve_a_concern(commissioner, other_contract):
    concern = PerformanceConcern.objects.get(kpi=failing_kpi(other_contract))
    response = api_client(commissioner).post(action_url(CONCERNS, "resolve", concern.pk), {"note": "x"}, format="json")
    assert response.status_code == 403
    concern.refresh_from_db()
    assert concern.is_open


# --- Deductions ---


def test_a_proposed_deduction_is_applied_and_the_decision_attributed(commissioner, contract):
    kpi = failing_kpi(contract)
    deduction = Deduction.objects.filter(kpi=kpi).order_by("kpi_return__period_start").first()
    response = api_client(commissioner).post(action_url(DEDUCTIONS, "apply", deduction.pk), {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == DeductionStatus.APPLIED
    assert response.data["amount"] == "500.00"
    assert response.data["period"] == "2024-25 Q1"
    assert latest_history(Deduction, deduction.pk).history_user_id == commissioner.pk


@pytest.mark.parametrize("name", ["waive", "dispute"])
def test_waiving_or_disputing_needs_a_reason(commissioner, contract, name):
    deduction = Deduction.objects.filter(kpi=failing_kpi(contract)).first()
    client = api_client(commissioner)
    refused = client.post(action_url(DEDUCTIONS, name, deduction.pk), {}, format="json")
    assert refused.status_code == 400
    assert list(refused.data) == ["reason"]
    done = client.post(action_url(DEDUCTIONS, name, deduction.pk), {"reason": "Agreed at review"}, format="json")
    assert done.status_code == 200
    assert done.data["reason"] == "Agreed at review"


def test_a_member_cannot_apply_a_deduction(member, contract):
    deduction = Deduction.objects.filter(kpi=failing_kpi(contract)).first()
    assert api_client(member).post(action_url(DEDUCTIONS, "apply", deduction.pk), {}).status_code == 403


def test_deduction_totals_are_pence_exact_strings_over_the_filtered_set(member, contract, other_contract):
    failing_kpi(contract)  # 2 × £500
    failing_kpi(other_contract)
    first = Deduction.objects.filter(contract=contract).order_by("kpi_return__period_start").first()
    first.status = DeductionStatus.APPLIED
    first.save()
    client = api_client(member)
    by_contract = client.get(action_url(DEDUCTIONS, "totals"), {"by": "contract"}).data
    assert [(row["label"], row["proposed"], row["applied"]) for row in by_contract["results"]] == [
        (f"KCC-ASC-100 {contract.title}", "500.00", "500.00"),
        (f"KCC-GET-100 {other_contract.title}", "1000.00", "0.00"),
    ]
    assert (by_contract["total"]["proposed"], by_contract["total"]["applied"]) == ("1500.00", "500.00")
    filtered = client.get(
        action_url(DEDUCTIONS, "totals"), {"by": "directorate", "directorate_id": contract.directorate_id}
    ).data
    assert [(row["id"], row["proposed"]) for row in filtered["results"]] == [(contract.directorate_id, "500.00")]
    by_year = client.get(action_url(DEDUCTIONS, "totals"), {"by": "financial_year"}).data
    assert [(row["id"], row["label"]) for row in by_year["results"]] == [(2024, "2024-25")]


def test_deduction_totals_by_something_else_is_refused(member):
    response = api_client(member).get(action_url(DEDUCTIONS, "totals"), {"by": "colour"})
    assert response.status_code == 400
    assert list(response.data) == ["by"]


# --- Assessments ---


def assessment_payload(contract) -> dict:
    return {"contract_id": contract.pk, "period_start": "2024-04-01", "period_end": "2025-03-31", "reason": "annual"}


def test_an_assessment_is_proposed_from_the_returns_and_confirmed(commissioner, contract):
    key = KPIFactory(contract=contract, code="KEY1", is_key=True)
    for quarter in ("Q1", "Q2", "Q3", "Q4"):
        kpi_return(key, f"2024-25 {quarter}", "95")
    client = api_client(commissioner)
    proposed = client.post(list_url(ASSESSMENTS), assessment_payload(contract), format="json")
    assert proposed.status_code == 201, proposed.data
    assert proposed.data["status"] == AssessmentStatus.PROPOSED
    [rating] = proposed.data["ratings"]
    assert (rating["kpi"]["code"], rating["proposed_rating"]) == ("KEY1", PerformanceRating.GOOD)
    pk = proposed.data["id"]
    without_note = client.post(
        action_url(ASSESSMENTS, "confirm", pk),
        {"ratings": [{"kpi_id": key.pk, "rating": PerformanceRating.APPROACHING}]},
        format="json",
    )
    assert without_note.status_code == 400
    assert "KEY1" in without_note.data["ratings"][0]
    confirmed = client.post(
        action_url(ASSESSMENTS, "confirm", pk),
        {
            "ratings": [{"kpi_id": key.pk, "rating": PerformanceRating.APPROACHING, "note": "Complaints rose"}],
            "note": "Reviewed at contract board",
        },
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.data
    assert confirmed.data["status"] == AssessmentStatus.CONFIRMED
    assert confirmed.data["ratings"][0]["rating"] == PerformanceRating.APPROACHING
    assert confirmed.data["confirmed_by"]["id"] == commissioner.pk


def test_confirming_a_rating_of_a_kpi_not_assessed_is_refused(commissioner, contract):
    KPIFactory(contract=contract, is_key=True)
    other = KPIFactory(contract=contract, is_key=False)
    pk = api_client(commissioner).post(list_url(ASSESSMENTS), assessment_payload(contract), format="json").data["id"]
    response = api_client(commissioner).post(
        action_url(ASSESSMENTS, "confirm", pk),
        {"ratings": [{"kpi_id": other.pk, "rating": PerformanceRating.GOOD}]},
        format="json",
    )
    assert response.status_code == 400
    assert PerformanceAssessment.objects.get(pk=pk).status == AssessmentStatus.PROPOSED


def test_a_contract_without_key_kpis_cannot_be_assessed(commissioner, contract):
    response = api_client(commissioner).post(list_url(ASSESSMENTS), assessment_payload(contract), format="json")
    assert response.status_code == 400
    assert "no key KPIs" in response.data["non_field_errors"][0]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT])
def test_only_commissioners_and_admins_propose_assessments(users, contract, role):
    KPIFactory(contract=contract, is_key=True)
    response = api_client(users[role]).post(list_url(ASSESSMENTS), assessment_payload(contract), format="json")
    assert response.status_code == 403
    assert not PerformanceAssessment.objects.exists()


def test_another_directorates_commissioner_cannot_propose_an_assessment(commissioner, other_contract):
    KPIFactory(contract=other_contract, is_key=True)
    response = api_client(commissioner).post(list_url(ASSESSMENTS), assessment_payload(other_contract), format="json")
    assert response.status_code == 403


# --- Quarter summaries ---


def test_quarter_summaries_are_the_rag_matrix_cells(member, contract, other_contract):
    kpi = KPIFactory(contract=contract)
    kpi_return(kpi, "2024-25 Q1", "95")
    kpi_return(KPIFactory(contract=other_contract), "2024-25 Q1", "70")
    response = api_client(member).get(list_url(SUMMARIES), {"contract_id": contract.pk})
    assert response.status_code == 200
    [row] = response.data["results"]
    assert (row["period"], row["period_code"], row["green"], row["rag"], row["score"]) == (
        "2024-25 Q1",
        "2024-25-Q1",
        1,
        RAG.GREEN,
        "100.0",
    )


def test_quarter_summaries_cannot_be_written(admin_user, contract):
    response = api_client(admin_user).post(list_url(SUMMARIES), {}, format="json")
    assert response.status_code == 405


# --- Query counts of the read-only lists, and the API root ---


def _concern_row(world_directorate):
    failing_kpi(ContractFactory(directorate=world_directorate))


def _assessment_row(world_directorate):
    contract = ContractFactory(directorate=world_directorate)
    KPIFactory(contract=contract, is_key=True)
    KPIFactory(contract=contract, is_key=True)
    from contracts.services import performance_assessment_propose

    performance_assessment_propose(
        contract=contract,
        period_start=datetime.date(2024, 4, 1),
        period_end=datetime.date(2025, 3, 31),
        reason="annual",
    )


def _summary_row(world_directorate):
    kpi_return(KPIFactory(contract=ContractFactory(directorate=world_directorate)), "2024-25 Q1", "95")


@pytest.mark.parametrize(
    ("basename", "make_row", "per_row"),
    [(CONCERNS, _concern_row, 1), (DEDUCTIONS, _concern_row, 2), (ASSESSMENTS, _assessment_row, 1)]
    + [(SUMMARIES, _summary_row, 1)],
)
def test_read_only_lists_run_the_same_number_of_queries_with_2_or_12_rows(
    member, directorate, basename, make_row, per_row
):
    client = api_client(member)
    for _ in range(2):
        make_row(directorate)
    with CaptureQueriesContext(connection) as with_two:
        first = client.get(list_url(basename), {"page_size": 500})
    for _ in range(10):
        make_row(directorate)
    with CaptureQueriesContext(connection) as with_twelve:
        second = client.get(list_url(basename), {"page_size": 500})
    assert first.status_code == second.status_code == 200
    assert second.data["count"] == first.data["count"] + 10 * per_row
    assert len(with_twelve) == len(with_two), [q["sql"] for q in with_twelve.captured_queries]


@pytest.mark.parametrize("basename", [CONCERNS, DEDUCTIONS, ASSESSMENTS, SUMMARIES])
def test_read_only_lists_refuse_anonymous_and_roleless_users(no_role_user, basename):
    assert api_client().get(list_url(basename)).status_code in (401, 403)
    assert api_client(no_role_user).get(list_url(basename)).status_code == 403


def test_the_api_root_lists_the_performance_endpoints(member):
    data = api_client(member).get(reverse("api-root")).data
    for name in ("kpis", "kpi-returns", "performance-concerns", "deductions", "performance-assessments"):
        assert name in data
    assert data["contract-period-summaries"].endswith(list_url(SUMMARIES))


# --- Contract performance notice ---


def test_a_confirmed_assessment_answers_its_contract_performance_notice(member, commissioner, contract):
    key = KPIFactory(contract=contract, code="KEY1", is_key=True)
    for quarter in ("Q1", "Q2", "Q3", "Q4"):
        kpi_return(key, f"2024-25 {quarter}", "95")
    pk = api_client(commissioner).post(list_url(ASSESSMENTS), assessment_payload(contract), format="json").data["id"]
    unconfirmed = api_client(member).get(action_url(ASSESSMENTS, "notice", pk))
    assert unconfirmed.status_code == 404
    assert "not confirmed yet" in str(unconfirmed.data["detail"])
    api_client(commissioner).post(action_url(ASSESSMENTS, "confirm", pk), {}, format="json")
    notice = api_client(member).get(action_url(ASSESSMENTS, "notice", pk))
    assert notice.status_code == 200, notice.data
    [release] = notice.data["releases"]
    assert release["tag"] == ["implementation"]
    assert release["ocid"] == ocid_for(contract)
    assert validate_release_package(notice.data) == []
