"""A contract whose start, end and values are not known (a published register said "TBC", "-" or
nothing): every page, download, API and report that reads them copes, and says "Not known" where
the fact would be; people entering a contract by hand must still give them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commissioning.models import SupportingOutcome
from commissioning.templatetags.gt import date_or_not_known, money_or_not_known, money_short_or_not_known
from contracts.choices import AssessmentReason, DeductionRule, DeductionStatus, Frequency
from contracts.models import Contract, Deduction
from contracts.notices import performance_notice_package
from contracts.ocds import validate_release_package
from contracts.rules import DeductionRuleSpec, deduction_for
from contracts.selectors import recent_quarters
from contracts.services import performance_assessment_confirm, performance_assessment_propose
from outcomes_link.reports import ContractReviewReport, DirectorateQuarterlyReport, GoldenThreadReport
from social_value.services import commitment_create
from tests.api_testing import api_client, detail_url, list_url
from tests.contracts.factories import ContractFactory, KPIFactory, ProviderFactory, kpi_return
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import measure

pytestmark = pytest.mark.django_db

NOT_KNOWN = "Not known"
FACTS = ("start_date", "end_date", "annual_value", "total_value")
TODAY = datetime.date.today()
LAST_QUARTER = recent_quarters(count=2, today=TODAY)[-1]


@pytest.fixture
def unknown(kcc_framework, directorate, commissioner):
    """A contract taken from a register that gave neither its dates nor its values, serving 1.2, with a
    KPI whose deduction is a share of the period's charge (which cannot be worked out) returned red."""
    contract = ContractFactory(
        reference="REG-TBC", title="Floating support (register)", directorate=directorate, commissioner=commissioner
    )
    for name in (*FACTS, "current_end_date"):
        setattr(contract, name, None)
    contract.save()
    outcome = SupportingOutcome.objects.get(code="1.2", framework__is_default=True)
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome, contribution_share=Decimal("100"), is_primary=True
    )
    kpi = KPIFactory(
        contract=contract,
        code="KPI01",
        is_key=True,
        first_period_start=LAST_QUARTER.start,
        deduction_rule=DeductionRule.PERCENT_OF_CHARGE,
        deduction_percent=Decimal("5"),
        deduction_cap_percent=Decimal("10"),
    )
    kpi_return(kpi, LAST_QUARTER.label, 70, actor=commissioner)
    return Contract.objects.get(pk=contract.pk)


def test_the_pages_write_an_unknown_fact_as_not_known_and_a_known_one_as_before():
    assert (money_or_not_known(None), money_short_or_not_known(None), date_or_not_known(None)) == (NOT_KNOWN,) * 3
    assert money_or_not_known(Decimal("1250.5")) == "£1,250.50"
    assert date_or_not_known(datetime.date(2025, 4, 1)) == "1 April 2025"
    assert date_or_not_known(datetime.date(2025, 4, 1), "d M Y") == "01 Apr 2025"


def test_a_fixed_deduction_is_proposed_in_full_without_the_cap_it_cannot_work_out():
    spec = DeductionRuleSpec(DeductionRule.FIXED, amount=Decimal("1000"), cap_percent=Decimal("1"))
    calc = deduction_for(spec, annual_value=None, frequency=Frequency.QUARTERLY, failures_running=1)
    assert calc.amount == Decimal("1000.00")
    assert "the cap of 1% of the annual value a financial year is not applied" in calc.explanation


def test_a_red_return_on_a_contract_of_unknown_value_proposes_nothing_it_cannot_work_out(unknown):
    deduction = Deduction.objects.get(contract=unknown)
    assert deduction.status == DeductionStatus.PROPOSED
    assert deduction.amount == Decimal("0.00")
    assert "annual value is not known" in deduction.calculation


def test_the_contract_register_and_its_download_say_not_known(client, member, unknown):
    client.force_login(member)
    url = reverse("outcomes_link:contract_list")
    response = client.get(url)
    assert response.status_code == 200
    assert NOT_KNOWN in response.content.decode()
    rows = client.get(url, {"download": "contracts", "format": "csv"}).content.decode("utf-8-sig").splitlines()
    row = next(r for r in rows if r.startswith("REG-TBC"))
    assert "None" not in row and NOT_KNOWN not in row


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("outcomes_link:contract_detail", NOT_KNOWN),
        # The deduction of the red return says why it is £0.
        ("contracts:contract_performance", "annual value is not known"),
        # The KPI list shows none of the contract's dates or values: it only has to work.
        ("contracts:kpi_list", "KPI01"),
        ("outcomes_link:explorer_contract", NOT_KNOWN),
        ("social_value:contract_social_value", NOT_KNOWN),
    ],
)
def test_the_contracts_own_pages_say_not_known(client, member, unknown, name, shown):
    client.force_login(member)
    response = client.get(reverse(name, kwargs={"pk": unknown.pk}))
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_the_outcome_scorecard_explorer_search_and_provider_page_say_not_known(client, member, unknown):
    client.force_login(member)
    pages = [
        (reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"}), NOT_KNOWN),
        # The explorer says it in a sentence: "REG-TBC ... – 100%, value not known".
        (reverse("outcomes_link:explorer") + "?outcome=1.2", "100%, value not known"),
        (reverse("outcomes_link:search") + "?q=REG-TBC", NOT_KNOWN),
        (reverse("contracts:provider_detail", kwargs={"pk": unknown.provider_id}), NOT_KNOWN),
    ]
    for url, shown in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert shown in response.content.decode(), url


def test_the_api_gives_unknown_facts_as_null(member, unknown):
    client = api_client(member)
    detail = client.get(detail_url("contracts-api:contract", unknown.pk))
    assert detail.status_code == 200
    assert all(detail.json()[name] is None for name in (*FACTS, "current_end_date"))
    listed = client.get(list_url("contracts-api:contract"))
    assert listed.status_code == 200
    row = next(r for r in listed.json()["results"] if r["reference"] == "REG-TBC")
    assert row["annual_value"] is None and row["is_ending_soon"] is False
    thread = client.get(reverse("outcomes_link-api:golden-thread"))
    assert thread.status_code == 200
    contract = client.get(reverse("outcomes_link-api:golden-thread-contract", kwargs={"pk": unknown.pk}))
    assert contract.status_code == 200


def test_the_other_pages_reading_the_facts_work(client, commissioner, unknown):
    # The home page's lists, the outcome pages' totals, the RAG matrix, the assessments due and the
    # returns overdue all read the facts; an unknown value adds nothing and an unknown date never
    # makes a contract "ending soon".
    client.force_login(commissioner)
    pages = [
        reverse("outcomes_link:home"),
        reverse("outcomes_link:outcome_list"),
        reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "1"}),
        reverse("outcomes_link:rag_matrix"),
        reverse("contracts:assessment_list"),
        reverse("contracts:overdue_returns"),
        reverse("contracts:deduction_list"),
        reverse("outcomes_link:contract_outcomes", kwargs={"pk": unknown.pk}),
    ]
    scorecard = reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"})
    pages += [f"{scorecard}?download={name}&format=xlsx" for name in ("contracts", "contract_figures")]
    for url in pages:
        assert client.get(url).status_code == 200, url
    outcome = client.get(reverse("outcomes_link-api:golden-thread-supporting-outcome", kwargs={"code": "1.2"}))
    assert outcome.status_code == 200
    row = next(c for c in outcome.json()["contracts"] if c["contract"]["id"] == unknown.pk)
    assert (row["annual_value"], row["attributed_value"], row["end_date"]) == (None, None, None)


def test_the_reports_say_not_known(unknown, directorate):
    review = ContractReviewReport(contract=unknown).render_html()
    assert NOT_KNOWN in review
    assert GoldenThreadReport().render_html()
    assert DirectorateQuarterlyReport(directorate=directorate, quarter=LAST_QUARTER).render_html()


def test_the_performance_notice_leaves_out_what_is_not_known(unknown, commissioner):
    assessment = performance_assessment_propose(
        contract=unknown,
        period_start=LAST_QUARTER.start,
        period_end=LAST_QUARTER.end,
        reason=AssessmentReason.ANNUAL,
        actor=commissioner,
    )
    package = performance_notice_package([performance_assessment_confirm(assessment=assessment, actor=commissioner)])
    assert validate_release_package(package) == []
    release = package["releases"][0]
    assert "value" not in release["awards"][0] and "contractPeriod" not in release["awards"][0]
    assert "value" not in release["contracts"][0] and "period" not in release["contracts"][0]


# --- People entering a contract must still give the facts -----------------------------------------


def _contract_data(directorate, **changes) -> dict:
    data = {
        "reference": "KCC-API-TBC",
        "title": "Supported living, West Kent",
        "directorate_id": directorate.pk,
        "provider_id": ProviderFactory().pk,
        "start_date": "2025-04-01",
        "end_date": "2028-03-31",
        "annual_value": "120000.00",
        "total_value": "360000.00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


@pytest.mark.parametrize("name", FACTS)
def test_the_api_refuses_a_new_contract_without_a_fact(commissioner, directorate, name):
    response = api_client(commissioner).post(
        list_url("contracts-api:contract"), _contract_data(directorate, **{name: ...}), format="json"
    )
    assert response.status_code == 400
    assert name in response.json()
    assert not Contract.objects.filter(reference="KCC-API-TBC").exists()


@pytest.mark.parametrize("name", FACTS)
def test_the_api_refuses_null_for_a_fact(commissioner, directorate, name):
    contract = ContractFactory(directorate=directorate)
    response = api_client(commissioner).patch(
        detail_url("contracts-api:contract", contract.pk), {name: None}, format="json"
    )
    assert response.status_code == 400
    assert name in response.json()


def test_the_contract_form_requires_the_facts(client, commissioner, directorate):
    client.force_login(commissioner)
    response = client.post(reverse("contracts:contract_add"), {"reference": "KCC-FORM-TBC", "title": "Day care"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(FACTS) <= set(form.errors)


# --- Dates the commissioner must give ---------------------------------------------------------------


def test_a_social_value_commitment_needs_its_dates_when_the_contracts_are_not_known(unknown, commissioner):
    jobs = measure("UNK1", proxies=[("10.00", datetime.date(2020, 1, 1))])
    with pytest.raises(ValidationError) as refused:
        commitment_create(contract=unknown, measure=jobs, quantity=Decimal("5"), committed_on=TODAY)
    assert {"start_date", "due_date"} <= set(refused.value.message_dict)
    commitment = commitment_create(
        contract=unknown,
        measure=jobs,
        quantity=Decimal("5"),
        committed_on=TODAY,
        start_date=datetime.date(2025, 4, 1),
        due_date=datetime.date(2026, 3, 31),
        actor=commissioner,
    )
    assert commitment.due_date == datetime.date(2026, 3, 31)


def test_the_commitment_form_asks_for_the_dates_it_cannot_default(client, commissioner, unknown):
    jobs = measure("UNK2", proxies=[("10.00", datetime.date(2020, 1, 1))])
    client.force_login(commissioner)
    url = reverse("social_value:commitment_add", kwargs={"pk": unknown.pk})
    page = client.get(url).content.decode()
    assert "The contract&#x27;s start date is not known, so enter it" in page
    assert "The contract&#x27;s end date is not known, so enter it" in page
    response = client.post(
        url, {"measure": jobs.pk, "basis": "by_date", "quantity": "5", "committed_on": TODAY.isoformat()}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["start_date"] == ["Enter the start date"] and errors["due_date"] == ["Enter the due date"]


def test_the_assessment_form_asks_for_the_dates_it_cannot_default(client, commissioner, unknown):
    client.force_login(commissioner)
    url = reverse("contracts:assessment_add", kwargs={"pk": unknown.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["period_start"] is None
    assert "This contract&#x27;s start date is not known" in response.content.decode()
    response = client.post(url, {"reason": AssessmentReason.ANNUAL})
    assert response.status_code == 200
    assert "period_start" in response.context["form"].errors
