"""Performance along the golden thread (issue 3): the contract page's performance section, RAG and
concerns on the outcome pages, the home page's performance figures and the RAG matrix."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from commissioning.choices import Role
from commissioning.models import SupportingOutcome
from commissioning.templatetags.gt import money
from contracts.choices import DeductionRule, DeductionStatus, Frequency
from contracts.models import Deduction, PerformanceConcern
from contracts.periods import financial_year_label, financial_year_of
from contracts.selectors import recent_quarters
from contracts.services import deduction_apply, kpi_return_save
from tests.contracts.factories import ContractFactory, KPIFactory
from tests.outcomes_link.factories import OutcomeLinkFactory

pytestmark = pytest.mark.django_db

QUARTERS = recent_quarters(count=8, today=datetime.date.today())
LAST = QUARTERS[-1]


def _so(code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(code=code, framework__is_default=True)


def _returns(kpi, actuals, quarters=QUARTERS) -> None:
    """Submitted returns for the last len(actuals) quarters (None: nothing returned that quarter)."""
    for quarter, actual in zip(quarters[-len(actuals) :], actuals, strict=True):
        if actual is not None:
            kpi_return_save(kpi=kpi, period=quarter, actual=Decimal(str(actual)), submit=True)


def _kpi(contract, **kwargs):
    return KPIFactory(contract=contract, first_period_start=QUARTERS[0].start, **kwargs)


def _url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@pytest.fixture
def performing(kcc_framework, directorate, other_directorate, commissioner):
    """An ASCH contract on outcome 3.5 with a KPI red twice running (a concern and a deduction), one green
    KPI evidencing 3.5 directly; and a GET contract on 2.2 with a green quarter."""
    asch = ContractFactory(
        reference="AS-HOMECARE", title="Home care Ashford", directorate=directorate, commissioner=commissioner
    )
    OutcomeLinkFactory(contract=asch, supporting_outcome=_so("3.5"), contribution_share=Decimal("100"), is_primary=True)
    visits = _kpi(
        asch,
        code="KPI01",
        name="Care visits delivered on time",
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("750"),
    )
    safe = _kpi(asch, code="KPI02", name="Service users reporting they feel safe", supporting_outcome=_so("3.5"))
    _returns(visits, [92, 78, 75])
    _returns(safe, [93, 91, 88])
    get = ContractFactory(reference="GT-LIGHTS", title="Streetlight repairs", directorate=other_directorate)
    OutcomeLinkFactory(contract=get, supporting_outcome=_so("2.2"), contribution_share=Decimal("100"), is_primary=True)
    _returns(_kpi(get, code="KPI01", name="Streetlight repairs within 7 days"), [95])
    return {"asch": asch, "get": get, "visits": visits, "safe": safe}


# --- The contract page ---------------------------------------------------------------------------


def test_contract_page_shows_the_latest_quarter_concern_and_deductions(client, performing, member):
    concern = PerformanceConcern.objects.get(kpi=performing["visits"])
    deduction = Deduction.objects.get(kpi=performing["visits"], kpi_return__period_start=QUARTERS[-2].start)
    deduction_apply(deduction=deduction)
    client.force_login(member)
    html = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": performing["asch"].pk})).content.decode()
    assert "Performance</h2>" in html
    # Latest quarter: KPI01 red (75%), KPI02 green (88%): score 50.0, amber.
    assert f"{LAST.label}:" in html
    assert "Amber 50.0" in html
    assert "1 red, 0 amber, 1 green" in html
    assert escape(concern.explanation) in html
    concern_url = _url("contracts:concern_detail", pk=concern.pk)
    if concern_url:
        assert f'href="{concern_url}"' in html
    # £750 applied (the quarter before last) and £750 proposed (the last), counted in this financial year only.
    year = financial_year_of(datetime.date.today())
    by_status = {DeductionStatus.APPLIED: Decimal("0"), DeductionStatus.PROPOSED: Decimal("0")}
    for d in Deduction.objects.filter(kpi=performing["visits"]):
        assert d.amount == Decimal("750.00")
        if d.financial_year == year:
            by_status[d.status] += d.amount
    assert f"Deductions {financial_year_label(year)}" in html
    assert (
        f"{money(by_status[DeductionStatus.APPLIED])} applied; {money(by_status[DeductionStatus.PROPOSED])} proposed"
        in html
    )
    assert "Procurement Act 2023" not in html  # not over £5m


def test_contract_page_flags_a_contract_over_5m_without_3_key_kpis(client, kcc_framework, directorate, member):
    big = ContractFactory(directorate=directorate, annual_value=Decimal("2000000"), total_value=Decimal("8000000"))
    _kpi(big, is_key=True)
    client.force_login(member)
    html = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": big.pk})).content.decode()
    assert "fewer than 3 key KPIs and no reason recorded" in html
    assert "Procurement Act 2023" in html


def test_contract_page_without_kpis_says_so(client, kcc_framework, directorate, member):
    contract = ContractFactory(directorate=directorate)
    client.force_login(member)
    html = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": contract.pk})).content.decode()
    assert "No KPIs are recorded for this contract yet." in html


# --- The outcome pages ---------------------------------------------------------------------------


def test_member_sees_the_concern_and_rag_on_the_supporting_outcome_page(client, performing, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "3.5"})).content.decode()
    assert "Performance concerns</h2>" in html
    assert "1 open performance concern " in html
    concern = PerformanceConcern.objects.get(kpi=performing["visits"])
    assert escape(concern.explanation) in html
    assert "KPI01 Care visits delivered on time" in html
    # The contract table's latest quarter, and the KPI that evidences 3.5 directly with its latest RAG.
    assert "Latest quarter" in html
    assert "Amber 50.0" in html
    assert "KPIs that evidence this outcome" in html
    assert "KPI02 Service users reporting they feel safe" in html
    assert "88.0%" in html and f"({LAST.label})" in html
    # Outcome 2.2 has no concern.
    html = client.get(reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "2.2"})).content.decode()
    assert "No open performance concerns on the contracts that deliver this outcome." in html
    assert "Green 100.0" in html


def test_strategic_outcome_page_lists_its_contracts_with_rag_and_concerns(client, performing, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "3"})).content.decode()
    assert "AS-HOMECARE" in html and "GT-LIGHTS" not in html
    assert "Amber 50.0" in html
    assert escape(PerformanceConcern.objects.get().explanation) in html
    html = client.get(reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "2"})).content.decode()
    assert "GT-LIGHTS" in html and "AS-HOMECARE" not in html
    assert "Green 100.0" in html


def test_a_resolved_concern_leaves_the_outcome_page(client, performing, member):
    from contracts.services import performance_concern_resolve

    performance_concern_resolve(concern=PerformanceConcern.objects.get(), note="Recovery plan delivered.")
    client.force_login(member)
    html = client.get(reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "3.5"})).content.decode()
    assert "No open performance concerns on the contracts that deliver this outcome." in html


# --- Home --------------------------------------------------------------------------------------


def test_home_for_commissioner_shows_concerns_overdue_returns_and_the_grid(client, performing, commissioner):
    client.force_login(commissioner)
    html = client.get(reverse("outcomes_link:home")).content.decode()
    assert escape(PerformanceConcern.objects.get().explanation) in html
    assert "KPI returns overdue" not in html or "0 KPI returns overdue" in html  # both KPIs returned every quarter
    grid = _url("contracts:kpireturn_grid")
    if grid:
        assert "Enter this quarter&#x27;s returns" in html or "Enter this quarter's returns" in html
        assert f'href="{grid}"' in html


def test_home_counts_overdue_returns_of_the_commissioners_directorate(client, kcc_framework, directorate, commissioner):
    contract = ContractFactory(directorate=directorate)
    _returns(_kpi(contract), [90] * 6 + [None, None])  # the last two quarters not returned
    client.force_login(commissioner)
    html = client.get(reverse("outcomes_link:home")).content.decode()
    # The quarter before last is always overdue; the last one once 30 days have passed since it ended.
    overdue = 1 + (datetime.date.today() > LAST.end + datetime.timedelta(days=31))
    assert f"{overdue} KPI returns overdue" in html or f"{overdue} KPI return overdue" in html


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT, Role.ADMIN, Role.COMMISSIONER])
def test_home_for_every_role_counts_open_concerns(client, performing, users, role):
    client.force_login(users[role])
    html = client.get(reverse("outcomes_link:home")).content.decode()
    assert "1 open performance concern" in html
    assert reverse("outcomes_link:rag_matrix") in html
    concern_list = _url("contracts:concern_list")
    if concern_list:
        assert f'href="{concern_list}"' in html


def test_home_for_member_does_not_offer_the_grid(client, performing, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:home")).content.decode()
    assert "Enter this quarter" not in html


# --- The RAG matrix ----------------------------------------------------------------------------


def _matrix(client, **params) -> str:
    response = client.get(reverse("outcomes_link:rag_matrix"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_rag_matrix_shows_each_contracts_quarters_with_counts_for_screen_readers(client, performing, member):
    client.force_login(member)
    html = _matrix(client)
    assert "2 contracts with KPIs" in html
    for quarter in QUARTERS:
        assert f'<th scope="col" class="govuk-table__header gt-nowrap">{quarter.label}</th>' in html
    assert "<caption" in html and '<th scope="row"' in html
    # AS-HOMECARE: last quarter amber (KPI01 red, KPI02 green); the one before amber; before that green.
    assert 'Amber 50.0</strong><span class="govuk-visually-hidden">: 1 red, 0 amber, 1 green</span>' in html
    assert 'Green 100.0</strong><span class="govuk-visually-hidden">: 0 red, 0 amber, 2 green</span>' in html
    # Quarters with KPIs due but nothing returned say so.
    assert "Not returned" in html


def test_rag_matrix_says_no_kpis_due_before_a_kpi_starts(client, kcc_framework, directorate, member):
    contract = ContractFactory(directorate=directorate)
    KPIFactory(contract=contract, first_period_start=LAST.start)
    KPIFactory(contract=contract, frequency=Frequency.ANNUAL, first_period_start=datetime.date(2020, 4, 1))
    client.force_login(member)
    html = _matrix(client)
    assert "No KPIs due" in html
    assert "Not returned" in html  # the last quarter: the quarterly KPI was due


def test_rag_matrix_filters_by_directorate_and_outcome(client, performing, member, directorate):
    client.force_login(member)
    html = _matrix(client, directorate_id=directorate.pk)
    assert "AS-HOMECARE" in html and "GT-LIGHTS" not in html
    html = _matrix(client, supporting_outcome_id=_so("2.2").pk)
    assert "GT-LIGHTS" in html and "AS-HOMECARE" not in html
    strategic = _so("3.5").strategic_outcome
    html = _matrix(client, strategic_outcome_id=strategic.pk)
    assert "AS-HOMECARE" in html and "GT-LIGHTS" not in html
    html = _matrix(client, directorate_id="not-a-number")
    assert "govuk-error-summary" in html


def test_rag_matrix_pages_50_contracts_at_a_time(client, kcc_framework, directorate, member):
    for _ in range(51):
        _kpi(ContractFactory(directorate=directorate))
    client.force_login(member)
    html = _matrix(client)
    assert "51 contracts with KPIs" in html
    assert html.count('<th scope="row"') == 50
    assert "page=2" in html
    html = _matrix(client, page=2)
    assert html.count('<th scope="row"') == 1


def test_rag_matrix_needs_a_role(client, performing, no_role_user):
    url = reverse("outcomes_link:rag_matrix")
    assert client.get(url).status_code == 302
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403


def test_navigation_offers_performance_to_all_and_returns_to_those_who_enter_them(client, performing, users):
    grid = _url("contracts:kpireturn_grid")
    for role, user in users.items():
        client.force_login(user)
        html = client.get(reverse("outcomes_link:home")).content.decode()
        nav = html[html.index('aria-label="Menu"') : html.index("</nav>", html.index('aria-label="Menu"'))]
        assert f'href="{reverse("outcomes_link:rag_matrix")}"' in nav
        assert ">Performance<" in nav
        if grid:
            assert (f'href="{grid}"' in nav) == (role in (Role.COMMISSIONER, Role.ADMIN)), role
    client.force_login(users[Role.MEMBER])
    html = _matrix(client)
    assert 'aria-current="page"><strong class="govuk-service-navigation__active-fallback">Performance' in html


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_rag_matrix_runs_a_fixed_number_of_queries(client, kcc_framework, directorate, member):
    def add(n):
        for i in range(n):
            contract = ContractFactory(directorate=directorate)
            OutcomeLinkFactory(
                contract=contract, supporting_outcome=_so("3.5"), contribution_share=Decimal("100"), is_primary=True
            )
            kpi = _kpi(contract)
            _returns(kpi, [90, 70, 75][: 1 + i % 3])

    add(2)
    client.force_login(member)
    url = reverse("outcomes_link:rag_matrix")
    filtered = url + f"?supporting_outcome_id={_so('3.5').pk}"
    few = (_count(client, url), _count(client, filtered))
    add(10)
    assert (_count(client, url), _count(client, filtered)) == few
