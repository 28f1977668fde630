"""Performance assessment pages and the contract performance notice download, as each role uses them."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning.choices import Role
from contracts.choices import AssessmentReason, AssessmentStatus, ContractStatus, PerformanceRating
from contracts.forms.assessments import default_assessment_period
from contracts.models import PerformanceAssessment
from contracts.ocds import validate_release_package
from contracts.services import performance_assessment_confirm, performance_assessment_propose
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory, KPIFactory, kpi_return

pytestmark = pytest.mark.django_db

YEAR_START, YEAR_END = datetime.date(2024, 4, 1), datetime.date(2025, 3, 31)


@pytest.fixture
def contract(directorate, commissioner):
    contract = ContractFactory(reference="KCC-ASC-300", directorate=directorate, commissioner=commissioner)
    for code, actual in (("KPI01", "92"), ("KPI02", "82")):
        kpi = KPIFactory(contract=contract, code=code, name=f"Measure {code}", is_key=True)
        for quarter in ("2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4"):
            kpi_return(kpi, quarter, actual)
    return contract


@pytest.fixture
def other_contract(other_directorate):
    contract = ContractFactory(reference="KCC-GET-300", directorate=other_directorate)
    KPIFactory(contract=contract, code="KPI01", is_key=True)
    return contract


@pytest.fixture
def proposed(contract) -> PerformanceAssessment:
    return performance_assessment_propose(
        contract=contract, period_start=YEAR_START, period_end=YEAR_END, reason=AssessmentReason.ANNUAL
    )


@pytest.fixture
def confirmed(proposed) -> PerformanceAssessment:
    return performance_assessment_confirm(assessment=proposed)


@pytest.fixture
def other_commissioner(other_directorate):
    return UserFactory(role=Role.COMMISSIONER, username="get-commissioner", directorate=other_directorate)


def confirm_data(assessment, **overrides) -> dict:
    data = {"note": ""}
    for row in assessment.ratings.all():
        data[f"rating_{row.kpi_id}"] = row.proposed_rating
        data[f"note_{row.kpi_id}"] = ""
    data.update(overrides)
    return data


# --- Anonymous and read-only ------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, contract, confirmed):
    for url in (
        reverse("contracts:assessment_list"),
        reverse("contracts:assessment_add", args=[contract.pk]),
        reverse("contracts:assessment_detail", args=[confirmed.pk]),
        reverse("contracts:assessment_notice", args=[confirmed.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


def test_member_reads_but_cannot_assess_or_confirm(client, member, contract, proposed):
    client.force_login(member)

    detail = client.get(reverse("contracts:assessment_detail", args=[proposed.pk]))
    assert detail.status_code == 200
    assert b"Confirm the assessment" not in detail.content
    assert client.get(reverse("contracts:assessment_list")).status_code == 200
    assert client.get(reverse("contracts:assessment_add", args=[contract.pk])).status_code == 403
    response = client.post(reverse("contracts:assessment_detail", args=[proposed.pk]), confirm_data(proposed))
    assert response.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == AssessmentStatus.PROPOSED


def test_user_without_a_role_is_refused(client, no_role_user, proposed):
    client.force_login(no_role_user)
    assert client.get(reverse("contracts:assessment_detail", args=[proposed.pk])).status_code == 403


# --- Commissioners: their own directorate only ------------------------------------------------------------


def test_commissioner_of_another_directorate_cannot_assess_or_confirm(client, other_commissioner, contract, proposed):
    client.force_login(other_commissioner)

    detail = client.get(reverse("contracts:assessment_detail", args=[proposed.pk]))
    assert detail.status_code == 200
    assert b"Confirm the assessment" not in detail.content
    assert client.get(reverse("contracts:assessment_add", args=[contract.pk])).status_code == 403
    add = client.post(
        reverse("contracts:assessment_add", args=[contract.pk]),
        {"period_start": "2024-04-01", "period_end": "2025-02-28", "reason": AssessmentReason.OTHER},
    )
    assert add.status_code == 403
    confirm = client.post(reverse("contracts:assessment_detail", args=[proposed.pk]), confirm_data(proposed))
    assert confirm.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == AssessmentStatus.PROPOSED
    assert PerformanceAssessment.objects.count() == 1


def test_commissioner_proposes_an_assessment_from_the_returns(client, commissioner, contract):
    client.force_login(commissioner)
    url = reverse("contracts:assessment_add", args=[contract.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["reason"] == AssessmentReason.ANNUAL

    response = client.post(
        url, {"period_start": "01/04/2024", "period_end": "31/03/2025", "reason": AssessmentReason.ANNUAL}
    )

    assessment = PerformanceAssessment.objects.get(contract=contract)
    assert response.status_code == 302
    assert response.url == reverse("contracts:assessment_detail", args=[assessment.pk])
    assert {r.kpi.code: r.proposed_rating for r in assessment.ratings.all()} == {
        "KPI01": PerformanceRating.GOOD,
        "KPI02": PerformanceRating.REQUIRES_IMPROVEMENT,
    }
    assert assessment.history.first().history_user == commissioner


def test_assessment_period_over_12_months_is_refused_at_the_field(client, commissioner, contract):
    client.force_login(commissioner)
    response = client.post(
        reverse("contracts:assessment_add", args=[contract.pk]),
        {"period_start": "2024-04-01", "period_end": "2025-06-30", "reason": AssessmentReason.ANNUAL},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["period_end"] == ["An assessment covers at most 12 months."]
    assert not PerformanceAssessment.objects.exists()


def test_second_assessment_ending_on_the_same_day_is_refused(client, commissioner, contract, proposed):
    client.force_login(commissioner)
    response = client.post(
        reverse("contracts:assessment_add", args=[contract.pk]),
        {"period_start": "2024-06-01", "period_end": "2025-03-31", "reason": AssessmentReason.OTHER},
    )

    assert response.status_code == 200
    assert b"already has an assessment ending on this date" in response.content
    assert PerformanceAssessment.objects.count() == 1


def test_commissioner_confirms_keeping_the_proposed_ratings(client, commissioner, proposed):
    client.force_login(commissioner)
    url = reverse("contracts:assessment_detail", args=[proposed.pk])

    page = client.get(url)
    assert b"Confirm the assessment" in page.content
    assert b"Download contract performance notice" not in page.content

    response = client.post(url, confirm_data(proposed, note="Reviewed at the quarterly meeting."))

    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == AssessmentStatus.CONFIRMED
    assert proposed.confirmed_by == commissioner
    assert proposed.note == "Reviewed at the quarterly meeting."
    after = client.get(url)
    assert b"Download contract performance notice (OCDS JSON)" in after.content
    assert reverse("contracts:assessment_notice", args=[proposed.pk]).encode() in after.content


def test_changed_rating_needs_a_note_shown_at_that_kpi(client, commissioner, proposed):
    client.force_login(commissioner)
    kpi02 = proposed.ratings.get(kpi__code="KPI02").kpi
    data = confirm_data(proposed, **{f"rating_{kpi02.pk}": PerformanceRating.INADEQUATE})

    response = client.post(reverse("contracts:assessment_detail", args=[proposed.pk]), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [f"note_{kpi02.pk}"]
    assert errors[f"note_{kpi02.pk}"] == ["Say why the rating differs from the one proposed from the returns."]
    assert b"There is a problem" in response.content
    proposed.refresh_from_db()
    assert proposed.status == AssessmentStatus.PROPOSED
    assert proposed.ratings.get(kpi=kpi02).rating == PerformanceRating.REQUIRES_IMPROVEMENT


def test_changed_rating_with_a_note_is_confirmed(client, commissioner, proposed):
    client.force_login(commissioner)
    kpi02 = proposed.ratings.get(kpi__code="KPI02").kpi
    data = confirm_data(
        proposed,
        **{f"rating_{kpi02.pk}": PerformanceRating.INADEQUATE, f"note_{kpi02.pk}": "Complaints from residents."},
    )

    response = client.post(reverse("contracts:assessment_detail", args=[proposed.pk]), data)

    assert response.status_code == 302
    row = proposed.ratings.get(kpi=kpi02)
    assert (row.rating, row.note) == (PerformanceRating.INADEQUATE, "Complaints from residents.")
    page = client.get(reverse("contracts:assessment_detail", args=[proposed.pk]))
    assert b"KPI02 rated Inadequate" in page.content  # the history


def test_admin_confirms_in_any_directorate(client, admin_user, other_contract):
    assessment = performance_assessment_propose(
        contract=other_contract, period_start=YEAR_START, period_end=YEAR_END, reason=AssessmentReason.ANNUAL
    )
    client.force_login(admin_user)

    response = client.post(reverse("contracts:assessment_detail", args=[assessment.pk]), confirm_data(assessment))

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CONFIRMED


def test_confirmed_assessment_cannot_be_confirmed_again(client, commissioner, confirmed):
    client.force_login(commissioner)
    response = client.post(reverse("contracts:assessment_detail", args=[confirmed.pk]), confirm_data(confirmed))

    assert response.status_code == 302
    assert confirmed.history.count() == 2  # proposed, confirmed: nothing more


# --- The notice download ----------------------------------------------------------------------------------


def test_notice_is_not_available_while_proposed(client, member, proposed):
    client.force_login(member)
    assert client.get(reverse("contracts:assessment_notice", args=[proposed.pk])).status_code == 404


def test_notice_downloads_as_a_valid_release_package(client, member, confirmed):
    client.force_login(member)
    response = client.get(reverse("contracts:assessment_notice", args=[confirmed.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        'attachment; filename="contract-performance-notice-kcc-asc-300-2025-03-31.json"'
    )
    package = json.loads(response.content)
    assert validate_release_package(package) == []
    assert package["uri"] == f"http://testserver{reverse('contracts:assessment_notice', args=[confirmed.pk])}"
    assert [r["contracts"][0]["id"] for r in package["releases"]] == ["KCC-ASC-300"]


# --- The list: overdue, missing key KPIs, assessments -------------------------------------------------


def test_list_shows_overdue_assessments_with_assess_links_for_their_commissioner(
    client, commissioner, contract, other_contract
):
    client.force_login(commissioner)
    response = client.get(reverse("contracts:assessment_list"))

    overdue = {item.contract.reference: can for item, can in response.context["overdue"]}
    assert overdue == {"KCC-ASC-300": True, "KCC-GET-300": False}
    assert reverse("contracts:assessment_add", args=[contract.pk]).encode() in response.content
    assert reverse("contracts:assessment_add", args=[other_contract.pk]).encode() not in response.content


def test_list_flags_contracts_over_5m_lacking_key_kpis(client, commissioner, directorate):
    big = ContractFactory(reference="KCC-ASC-BIG", directorate=directorate, total_value=Decimal("5000000.01"))
    KPIFactory(contract=big, is_key=True)
    ContractFactory(
        reference="KCC-ASC-EXEMPT",
        directorate=directorate,
        total_value=Decimal("9000000"),
        key_kpi_exemption_reason="A single-outcome grant",
    )
    client.force_login(commissioner)

    response = client.get(reverse("contracts:assessment_list"))

    assert [c.reference for c, _ in response.context["missing_key_kpis"]] == ["KCC-ASC-BIG"]
    assert reverse("contracts:contract_edit", args=[big.pk]).encode() in response.content
    assert reverse("contracts:kpi_list", args=[big.pk]).encode() in response.content


def test_list_filters_assessments_by_status(client, member, contract, other_contract, confirmed):
    performance_assessment_propose(
        contract=other_contract, period_start=YEAR_START, period_end=YEAR_END, reason=AssessmentReason.ANNUAL
    )
    client.force_login(member)

    response = client.get(reverse("contracts:assessment_list"), {"status": AssessmentStatus.CONFIRMED})

    assert [a.contract.reference for a in response.context["object_list"]] == ["KCC-ASC-300"]


def _contracts_with_assessments(directorate, count: int, start: int) -> None:
    for n in range(start, start + count):
        contract = ContractFactory(
            reference=f"KCC-Q-{n:03d}",
            directorate=directorate,
            total_value=Decimal("6000000"),
            status=ContractStatus.ACTIVE,
        )
        KPIFactory(contract=contract, code="KPI01", is_key=True)
        performance_assessment_propose(
            contract=contract, period_start=YEAR_START, period_end=YEAR_END, reason=AssessmentReason.ANNUAL
        )


def test_list_runs_a_fixed_number_of_queries(client, commissioner, directorate, django_assert_max_num_queries):
    client.force_login(commissioner)
    url = reverse("contracts:assessment_list")
    _contracts_with_assessments(directorate, 2, 0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _contracts_with_assessments(directorate, 10, 2)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["object_list"]) == 12
    assert len(response.context["missing_key_kpis"]) == 12


# --- The default period -----------------------------------------------------------------------------------


def test_default_period_is_the_12_months_to_the_last_quarter_end(contract):
    assert default_assessment_period(contract, today=datetime.date(2025, 5, 14)) == {
        "period_start": datetime.date(2024, 4, 1),
        "period_end": datetime.date(2025, 3, 31),
        "reason": AssessmentReason.ANNUAL,
    }


def test_default_period_never_starts_before_the_contract(contract):
    assert default_assessment_period(contract, today=datetime.date(2024, 11, 2))["period_start"] == YEAR_START


def test_default_period_of_an_ended_contract_runs_to_its_end(directorate):
    ended = ContractFactory(
        directorate=directorate,
        status=ContractStatus.EXPIRED,
        start_date=datetime.date(2022, 4, 1),
        end_date=datetime.date(2024, 12, 31),
        extension_months_available=0,
    )
    assert default_assessment_period(ended, today=datetime.date(2025, 6, 1)) == {
        "period_start": datetime.date(2024, 1, 1),
        "period_end": datetime.date(2024, 12, 31),
        "reason": AssessmentReason.CONTRACT_END,
    }
