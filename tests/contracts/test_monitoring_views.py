"""Monitoring pages: overdue KPI returns, deductions with their totals, performance concerns, as each role uses them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape

from commissioning.choices import Role
from contracts.choices import DeductionRule, DeductionStatus
from contracts.models import Deduction, PerformanceConcern
from contracts.selectors import overdue_returns
from contracts.services import deduction_apply, performance_concern_resolve
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory, KPIFactory, ProviderFactory, kpi_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(kcc_framework):
    return ProviderFactory(name="Maidstone Community Care Ltd")


@pytest.fixture
def contract(directorate, commissioner, provider):
    return ContractFactory(
        reference="KCC-ASC-001", directorate=directorate, commissioner=commissioner, provider=provider
    )


@pytest.fixture
def other_commissioner(other_directorate):
    return UserFactory(role=Role.COMMISSIONER, username="get-commissioner", directorate=other_directorate)


def deducting_kpi(contract, amount="500", **kwargs):
    return KPIFactory(contract=contract, deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal(amount), **kwargs)


def red_deduction(kpi, period="2024-25 Q1") -> Deduction:
    """A red return for the KPI, which proposes its deduction."""
    ret = kpi_return(kpi, period, "70")
    return Deduction.objects.select_related("contract").get(kpi_return=ret)


@pytest.fixture
def deduction(contract) -> Deduction:
    return red_deduction(deducting_kpi(contract, code="KPI01"))


@pytest.fixture
def concern(contract) -> PerformanceConcern:
    kpi = KPIFactory(contract=contract, code="KPI07", name="Visits on time")
    kpi_return(kpi, "2024-25 Q1", "70")
    kpi_return(kpi, "2024-25 Q2", "75")
    return PerformanceConcern.objects.get(kpi=kpi)


def _login(client, user):
    if user is not None:
        client.force_login(user)


def _grid_exists() -> bool:
    try:
        reverse("contracts:kpireturn_grid")
    except NoReverseMatch:
        return False
    return True


# --- Who may see and do what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["overdue_returns", "deduction_list", "deduction_detail", "concern_list", "concern_detail"]
)
def test_anonymous_visitor_is_sent_to_sign_in(client, deduction, concern, page):
    args = {"deduction_detail": [deduction.pk], "concern_detail": [concern.pk]}.get(page, [])
    response = client.get(reverse(f"contracts:{page}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
@pytest.mark.parametrize(
    "page", ["overdue_returns", "deduction_list", "deduction_detail", "concern_list", "concern_detail"]
)
def test_every_role_reads_every_monitoring_page(client, users, deduction, concern, role, page):
    client.force_login(users[role])
    args = {"deduction_detail": [deduction.pk], "concern_detail": [concern.pk]}.get(page, [])
    response = client.get(reverse(f"contracts:{page}", args=args))
    assert response.status_code == 200
    assert b"<h1" in response.content


def test_user_without_a_role_is_refused(client, no_role_user, deduction):
    client.force_login(no_role_user)
    assert client.get(reverse("contracts:deduction_list")).status_code == 403


def test_unknown_deduction_or_concern_is_not_found(client, member):
    client.force_login(member)
    assert client.get(reverse("contracts:deduction_detail", args=[999999])).status_code == 404
    assert client.get(reverse("contracts:concern_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["member", "procurement", "other_commissioner"])
def test_only_the_directorates_commissioners_may_decide_a_deduction(client, request, deduction, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("contracts:deduction_detail", args=[deduction.pk])
    page = client.get(url)
    assert b"Apply deduction" not in page.content
    assert b"Waive deduction" not in page.content
    for action in ("apply", "waive", "dispute"):
        response = client.post(url, {"action": action, "reason": "Agreed with the provider"})
        assert response.status_code == 403
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.PROPOSED


@pytest.mark.parametrize("who", ["member", "procurement", "other_commissioner"])
def test_only_the_directorates_commissioners_may_resolve_a_concern(client, request, concern, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("contracts:concern_detail", args=[concern.pk])
    assert b"Resolve concern" not in client.get(url).content
    response = client.post(url, {"resolution_note": "Improvement plan agreed"})
    assert response.status_code == 403
    concern.refresh_from_db()
    assert concern.is_open


# --- Overdue returns -----------------------------------------------------------------------------------


def test_overdue_returns_lists_periods_without_a_counted_return(client, commissioner, contract):
    kpi = KPIFactory(contract=contract, code="KPI01", name="Visits on time")
    kpi_return(kpi, "2024-25 Q1", "92")  # submitted: not overdue
    kpi_return(kpi, "2024-25 Q2", "91", submit=False)  # a draft does not count
    client.force_login(commissioner)
    response = client.get(reverse("contracts:overdue_returns"))
    labels = [item.period.label for item, _ in response.context["rows"]]
    assert "2024-25 Q1" not in labels
    assert labels[:2] == ["2024-25 Q2", "2024-25 Q3"]
    first, days = response.context["rows"][0]
    assert days == (timezone.localdate() - first.due_date).days
    assert days > 0
    content = response.content.decode()
    assert "30 days after the period ended" in content
    assert "Draft" in content
    assert "KCC-ASC-001" in content
    assert contract.provider.name in content
    assert str(commissioner) in content
    if _grid_exists():
        assert f"{reverse('contracts:kpireturn_grid')}?quarter=2024-25-Q2" in content


def test_overdue_returns_shows_a_commissioners_own_contracts_by_default(
    client, commissioner, contract, other_directorate, provider
):
    KPIFactory(contract=contract, code="KPI01")
    other = ContractFactory(reference="KCC-GET-001", directorate=other_directorate, provider=provider)
    KPIFactory(contract=other, code="KPI01")
    client.force_login(commissioner)

    mine = client.get(reverse("contracts:overdue_returns"))
    assert {item.contract.reference for item, _ in mine.context["rows"]} == {"KCC-ASC-001"}
    assert mine.context["form"]["commissioner"].value() == "mine"

    everyone = client.get(reverse("contracts:overdue_returns"), {"commissioner": ""})
    assert {item.contract.reference for item, _ in everyone.context["rows"]} == {"KCC-ASC-001", "KCC-GET-001"}


def test_overdue_returns_filters_by_directorate_and_reference(client, member, contract, other_directorate, provider):
    KPIFactory(contract=contract, code="KPI01")
    other = ContractFactory(reference="KCC-GET-001", directorate=other_directorate, provider=provider)
    KPIFactory(contract=other, code="KPI01")
    client.force_login(member)
    url = reverse("contracts:overdue_returns")

    by_directorate = client.get(url, {"directorate": other_directorate.pk})
    assert {item.contract.reference for item, _ in by_directorate.context["rows"]} == {"KCC-GET-001"}
    by_reference = client.get(url, {"q": "asc-0"})
    assert {item.contract.reference for item, _ in by_reference.context["rows"]} == {"KCC-ASC-001"}
    nothing = client.get(url, {"q": "NO-SUCH"})
    assert nothing.context["total"] == 0
    assert b"No overdue KPI returns match these filters" in nothing.content


def test_overdue_returns_are_paged_fifty_at_a_time(client, member, contract):
    for n in range(6):  # 6 KPIs x 10 or more overdue quarters
        KPIFactory(contract=contract, code=f"KPI{n:02d}")
    client.force_login(member)
    url = reverse("contracts:overdue_returns")
    total = len(overdue_returns(contracts=contract.__class__.objects.filter(pk=contract.pk)))
    first = client.get(url)
    assert first.context["total"] == total > 50
    assert len(first.context["rows"]) == 50
    second = client.get(url, {"page": 2})
    assert len(second.context["rows"]) == total - 50


def test_overdue_returns_page_runs_a_fixed_number_of_queries(
    client, member, directorate, provider, django_assert_max_num_queries
):
    def add_contracts(count):
        for _ in range(count):
            KPIFactory(contract=ContractFactory(directorate=directorate, provider=provider))

    client.force_login(member)
    url = reverse("contracts:overdue_returns")
    add_contracts(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_contracts(10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.context["total"] > 12


# --- Deductions ----------------------------------------------------------------------------------------


def test_deduction_totals_are_exact_to_the_penny(client, member, contract):
    for code, amount in (("KPI01", "333.33"), ("KPI02", "333.33"), ("KPI03", "333.34")):
        red_deduction(deducting_kpi(contract, amount, code=code))
    client.force_login(member)
    response = client.get(reverse("contracts:deduction_list"))
    assert response.context["grand_total"].proposed == Decimal("1000.00")
    assert [t.proposed for t in response.context["totals"]] == [Decimal("1000.00")]
    content = response.content.decode()
    assert "£1,000.00" in content
    assert "£333.34" in content
    assert "govuk-table__cell--numeric" in content


def test_deduction_totals_by_status_and_grouping(client, member, commissioner, contract, other_directorate):
    applied = red_deduction(deducting_kpi(contract, "120.50", code="KPI01"))
    deduction_apply(deduction=applied, actor=commissioner)
    red_deduction(deducting_kpi(contract, "79.50", code="KPI02"))
    other = ContractFactory(reference="KCC-GET-001", directorate=other_directorate)
    red_deduction(deducting_kpi(other, "10.01", code="KPI01"))
    client.force_login(member)

    by_directorate = client.get(reverse("contracts:deduction_list"), {"by": "directorate"})
    totals = {t.label: (t.proposed, t.applied) for t in by_directorate.context["totals"]}
    assert totals == {
        contract.directorate.name: (Decimal("79.50"), Decimal("120.50")),
        other_directorate.name: (Decimal("10.01"), Decimal("0.00")),
    }
    grand = by_directorate.context["grand_total"]
    assert (grand.proposed, grand.applied, grand.waived, grand.disputed) == (
        Decimal("89.51"),
        Decimal("120.50"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert "Totals by directorate" in by_directorate.content.decode()

    by_year = client.get(reverse("contracts:deduction_list"), {"by": "financial_year"})
    assert [t.label for t in by_year.context["totals"]] == ["2024-25"]


def test_deduction_list_filters_narrow_the_table_and_the_totals(
    client, member, commissioner, contract, other_directorate
):
    applied = red_deduction(deducting_kpi(contract, "100", code="KPI01"))
    deduction_apply(deduction=applied, actor=commissioner)
    red_deduction(deducting_kpi(contract, "200", code="KPI02"))
    other = ContractFactory(reference="KCC-GET-001", directorate=other_directorate)
    red_deduction(deducting_kpi(other, "300", code="KPI01"))
    client.force_login(member)
    url = reverse("contracts:deduction_list")

    only_applied = client.get(url, {"status": DeductionStatus.APPLIED})
    assert [row.record.pk for row in only_applied.context["table"].rows] == [applied.pk]
    assert only_applied.context["grand_total"].applied == Decimal("100.00")
    assert only_applied.context["grand_total"].proposed == Decimal("0.00")

    only_get = client.get(url, {"directorate_id": other_directorate.pk})
    assert only_get.context["count"] == 1
    assert only_get.context["grand_total"].proposed == Decimal("300.00")

    by_contract = client.get(url, {"contract_id": contract.pk})
    assert by_contract.context["count"] == 2

    none = client.get(url, {"financial_year": 2030})
    assert none.context["count"] == 0
    assert b"No deductions match these filters" in none.content


def test_deduction_list_with_no_deductions_explains_where_they_come_from(client, member):
    client.force_login(member)
    response = client.get(reverse("contracts:deduction_list"))
    assert b"A deduction is proposed when a return is submitted as red" in response.content


def test_deduction_list_shows_calculation_and_links_to_the_deduction(client, member, deduction):
    client.force_login(member)
    content = client.get(reverse("contracts:deduction_list")).content.decode()
    assert deduction.calculation in content or deduction.calculation.replace("'", "&#x27;") in content
    assert reverse("contracts:deduction_detail", args=[deduction.pk]) in content
    assert "£500.00" in content
    assert "2024-25 Q1" in content


def test_deduction_list_runs_a_fixed_number_of_queries(client, member, directorate, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            red_deduction(deducting_kpi(ContractFactory(directorate=directorate)))

    client.force_login(member)
    url = reverse("contracts:deduction_list")
    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"by": "provider"})
    add(10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"by": "provider"})
    assert response.context["count"] == 12


# --- Deciding a deduction ------------------------------------------------------------------------------


def test_deduction_page_explains_the_deduction(client, member, deduction):
    client.force_login(member)
    response = client.get(reverse("contracts:deduction_detail", args=[deduction.pk]))
    content = response.content.decode()
    assert "Deduction of £500.00 for KPI01, 2024-25 Q1" in content
    assert "No cap" in content
    assert "Red" in content
    assert "History" in content


def test_commissioner_applies_a_deduction_and_the_history_says_who(client, commissioner, deduction):
    client.force_login(commissioner)
    url = reverse("contracts:deduction_detail", args=[deduction.pk])
    assert b"Apply deduction" in client.get(url).content
    response = client.post(url, {"action": "apply", "reason": ""}, follow=True)
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.APPLIED
    assert deduction.decided_by == commissioner
    content = response.content.decode()
    assert "Deduction of £500.00 applied." in content
    assert f"changed by {escape(str(commissioner))}" in content  # a name may hold an apostrophe
    assert 'Proposed <span aria-hidden="true">→</span>' in content


def test_waiving_without_a_reason_is_refused_naming_the_field(client, commissioner, deduction):
    client.force_login(commissioner)
    url = reverse("contracts:deduction_detail", args=[deduction.pk])
    response = client.post(url, {"action": "waive", "reason": "  "})
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "Reason: Say why the deduction is waived." in content
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.PROPOSED


def test_waiving_with_a_reason_is_recorded(client, commissioner, deduction):
    client.force_login(commissioner)
    url = reverse("contracts:deduction_detail", args=[deduction.pk])
    client.post(url, {"action": "waive", "reason": "Staff shortage notified in advance"})
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.WAIVED
    assert deduction.reason == "Staff shortage notified in advance"
    page = client.get(url).content.decode()
    assert "Staff shortage notified in advance" in page
    assert "can no longer be changed" in page


def test_disputing_needs_a_reason(client, commissioner, deduction):
    client.force_login(commissioner)
    url = reverse("contracts:deduction_detail", args=[deduction.pk])
    refused = client.post(url, {"action": "dispute", "reason": ""})
    assert "Reason: Say why the deduction is disputed." in refused.content.decode()
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.PROPOSED

    client.post(url, {"action": "dispute", "reason": "Provider says the data was late from the NHS"})
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.DISPUTED


def test_a_refused_transition_shows_the_services_message(client, commissioner, deduction):
    deduction_apply(deduction=deduction, actor=commissioner)
    client.force_login(commissioner)
    url = reverse("contracts:deduction_detail", args=[deduction.pk])
    page = client.get(url).content.decode()
    assert "Mark as disputed" in page
    assert "Apply deduction" not in page  # already applied
    response = client.post(url, {"action": "apply"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "A deduction that is applied cannot be marked applied." in content


def test_an_unknown_action_is_refused(client, commissioner, deduction):
    client.force_login(commissioner)
    response = client.post(reverse("contracts:deduction_detail", args=[deduction.pk]), {"action": "delete"})
    assert response.status_code == 200
    assert "Choose apply, waive or mark as disputed" in response.content.decode()
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.PROPOSED


def test_admin_decides_any_directorates_deduction(client, admin_user, other_directorate):
    other = ContractFactory(reference="KCC-GET-001", directorate=other_directorate)
    deduction = red_deduction(deducting_kpi(other))
    client.force_login(admin_user)
    client.post(reverse("contracts:deduction_detail", args=[deduction.pk]), {"action": "apply"})
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.APPLIED


# --- Performance concerns ------------------------------------------------------------------------------


def test_concern_list_shows_open_concerns_by_default(client, member, commissioner, concern, contract):
    resolved_kpi = KPIFactory(contract=contract, code="KPI08")
    kpi_return(resolved_kpi, "2024-25 Q1", "70")
    kpi_return(resolved_kpi, "2024-25 Q2", "70")
    resolved = PerformanceConcern.objects.get(kpi=resolved_kpi)
    performance_concern_resolve(concern=resolved, note="Improvement plan delivered", actor=commissioner)
    client.force_login(member)
    url = reverse("contracts:concern_list")

    default = client.get(url)
    assert [row.record.pk for row in default.context["table"].rows] == [concern.pk]
    content = default.content.decode()
    assert "KCC-ASC-001" in content
    assert contract.provider.name in content
    assert "KPI07 Visits on time" in content
    assert concern.explanation in content or concern.get_rule_display() in content

    only_resolved = client.get(url, {"is_open": "false"})
    assert [row.record.pk for row in only_resolved.context["table"].rows] == [resolved.pk]
    both = client.get(url, {"is_open": ""})
    assert both.context["count"] == 2


def test_concern_list_filters_by_directorate_and_commissioner(client, member, concern, commissioner, other_directorate):
    other = ContractFactory(reference="KCC-GET-001", directorate=other_directorate)
    kpi = KPIFactory(contract=other, code="KPI01")
    kpi_return(kpi, "2024-25 Q1", "70")
    kpi_return(kpi, "2024-25 Q2", "70")
    client.force_login(member)
    url = reverse("contracts:concern_list")
    assert client.get(url).context["count"] == 2
    get_only = client.get(url, {"directorate_id": other_directorate.pk})
    assert [row.record.contract.reference for row in get_only.context["table"].rows] == ["KCC-GET-001"]
    mine = client.get(url, {"commissioner_id": commissioner.pk})
    assert [row.record.pk for row in mine.context["table"].rows] == [concern.pk]


def test_concern_list_with_none_open_says_so(client, member):
    client.force_login(member)
    response = client.get(reverse("contracts:concern_list"))
    assert b"No open performance concerns" in response.content


def test_concern_list_runs_a_fixed_number_of_queries(client, member, directorate, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            kpi = KPIFactory(contract=ContractFactory(directorate=directorate))
            kpi_return(kpi, "2024-25 Q1", "70")
            kpi_return(kpi, "2024-25 Q2", "70")

    client.force_login(member)
    url = reverse("contracts:concern_list")
    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.context["count"] == 12


def test_concern_page_shows_the_kpis_recent_returns(client, member, concern):
    client.force_login(member)
    response = client.get(reverse("contracts:concern_detail", args=[concern.pk]))
    assert [r.period.label for r in response.context["recent_returns"]] == ["2024-25 Q1", "2024-25 Q2"]
    content = response.content.decode()
    assert "govuk-tag--red" in content
    assert concern.explanation in content or concern.explanation.replace("'", "&#x27;") in content


def test_resolving_without_a_note_is_refused(client, commissioner, concern):
    client.force_login(commissioner)
    url = reverse("contracts:concern_detail", args=[concern.pk])
    response = client.post(url, {"resolution_note": " "})
    assert response.status_code == 200
    assert "Resolution note: Say how the concern was resolved." in response.content.decode()
    concern.refresh_from_db()
    assert concern.is_open


def test_commissioner_resolves_a_concern(client, commissioner, concern):
    client.force_login(commissioner)
    url = reverse("contracts:concern_detail", args=[concern.pk])
    assert b"Resolve concern" in client.get(url).content
    response = client.post(url, {"resolution_note": "Improvement plan agreed on 12 May"}, follow=True)
    concern.refresh_from_db()
    assert not concern.is_open
    assert concern.resolved_by == commissioner
    content = response.content.decode()
    assert "Improvement plan agreed on 12 May" in content
    assert "Resolve concern" not in content
    assert f"changed by {escape(str(commissioner))}" in content  # a name may hold an apostrophe
