"""The contract performance pages as each role uses them: KPIs, performance, the return grid and a return."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from commissioning.choices import Role
from commissioning.models import SupportingOutcome
from contracts.choices import DeductionRule, DeductionStatus, Frequency, KPIUnit, Polarity, ReturnStatus
from contracts.forms.performance import parse_measure
from contracts.models import KPI, Deduction, KPIReturn
from contracts.services import kpi_return_accept
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory, KPIFactory, kpi_return

pytestmark = pytest.mark.django_db

Q2 = "2024-25-Q2"  # July to September 2024


@pytest.fixture
def contract(directorate, commissioner):
    return ContractFactory(reference="KCC-ASC-001", directorate=directorate, commissioner=commissioner)


@pytest.fixture
def other_contract(other_directorate):
    return ContractFactory(reference="KCC-GET-001", directorate=other_directorate)


@pytest.fixture
def kpi(contract):
    return KPIFactory(
        contract=contract,
        code="KPI01",
        name="Visits on time",
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("500.00"),
    )


@pytest.fixture
def other_commissioner(other_directorate):
    return UserFactory(role=Role.COMMISSIONER, username="get-commissioner", directorate=other_directorate)


def grid_url(quarter=Q2, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"quarter": quarter, **params}.items())
    return f"{reverse('contracts:kpireturn_grid')}?{query}"


def cell(kpi: KPI, period_code: str, name: str = "actual") -> str:
    return f"{name}-{kpi.pk}-{period_code}"


def kpi_post_data(**overrides) -> dict:
    data = {
        "code": "kpi09",
        "name": "Assessments within 28 days",
        "description": "",
        "unit": KPIUnit.PERCENT,
        "polarity": Polarity.HIGHER,
        "target": "95%",
        "amber_threshold": "90",
        "red_threshold": "85",
        "tolerance": "1",
        "frequency": Frequency.QUARTERLY,
        "first_period": "2024-25 Q2",
        "weight": "2",
        "is_key": "on",
        "supporting_outcome": "",
        "deduction_rule": DeductionRule.PERCENT_OF_CHARGE,
        "deduction_amount": "",
        "deduction_percent": "2.5",
        "deduction_cap_percent": "10",
        "reason": "Agreed at contract mobilisation",
    }
    data.update(overrides)
    return data


# --- Who may open which page ---------------------------------------------------------------------------


def _urls(contract, kpi, ret) -> dict[str, str]:
    return {
        "kpi_list": reverse("contracts:kpi_list", args=[contract.pk]),
        "kpi_add": reverse("contracts:kpi_add", args=[contract.pk]),
        "kpi_edit": reverse("contracts:kpi_edit", args=[kpi.pk]),
        "kpi_copy": reverse("contracts:kpi_copy", args=[contract.pk]),
        "contract_performance": reverse("contracts:contract_performance", args=[contract.pk]),
        "kpireturn_grid": reverse("contracts:kpireturn_grid"),
        "kpireturn_detail": reverse("contracts:kpireturn_detail", args=[ret.pk]),
    }


PAGES = [
    "kpi_list",
    "kpi_add",
    "kpi_edit",
    "kpi_copy",
    "contract_performance",
    "kpireturn_grid",
    "kpireturn_detail",
]
READ_PAGES = {"kpi_list", "contract_performance", "kpireturn_detail"}


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, kpi, page):
    ret = kpi_return(kpi, "2024-25 Q1", "91")
    response = client.get(_urls(kpi.contract, kpi, ret)[page])
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
def test_member_reads_but_may_not_write(client, member, kpi, page):
    ret = kpi_return(kpi, "2024-25 Q1", "91")
    client.force_login(member)
    url = _urls(kpi.contract, kpi, ret)[page]
    assert client.get(url).status_code == (200 if page in READ_PAGES else 403)
    if page not in ("kpi_list", "contract_performance"):
        assert client.post(url, {"action": "accept"}).status_code == 403


@pytest.mark.parametrize("page", ["kpi_add", "kpi_edit", "kpi_copy"])
def test_commissioner_of_another_directorate_may_not_change_kpis(client, other_commissioner, kpi, page):
    ret = kpi_return(kpi, "2024-25 Q1", "91")
    client.force_login(other_commissioner)
    url = _urls(kpi.contract, kpi, ret)[page]
    assert client.get(url).status_code == 403
    assert client.post(url, kpi_post_data()).status_code == 403
    assert KPI.objects.count() == 1


def test_procurement_may_not_enter_returns(client, procurement, kpi):
    client.force_login(procurement)
    assert client.get(grid_url()).status_code == 403


def test_commissioner_of_another_directorate_may_not_review_a_return(client, other_commissioner, kpi):
    ret = kpi_return(kpi, "2024-25 Q1", "91")
    client.force_login(other_commissioner)
    url = reverse("contracts:kpireturn_detail", args=[ret.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Accept return" not in response.content.decode()
    assert client.post(url, {"action": "accept"}).status_code == 403
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED


# --- KPI list ------------------------------------------------------------------------------------------


def test_kpi_list_shows_each_kpi_with_its_rule(client, member, kpi):
    client.force_login(member)
    response = client.get(reverse("contracts:kpi_list", args=[kpi.contract.pk]))
    html = response.content.decode()
    assert "KPI01" in html and "Visits on time" in html
    assert "90%" in html and "85%" in html and "80%" in html
    assert "2024-25 Q1" in html
    assert "£500.00" in html
    assert reverse("contracts:kpi_edit", args=[kpi.pk]) not in html  # a member changes nothing


def test_empty_kpi_list_offers_add_and_copy_to_its_commissioner(client, commissioner, member, contract):
    url = reverse("contracts:kpi_list", args=[contract.pk])
    client.force_login(commissioner)
    html = client.get(url).content.decode()
    assert "No KPIs yet" in html
    assert reverse("contracts:kpi_add", args=[contract.pk]) in html
    assert reverse("contracts:kpi_copy", args=[contract.pk]) in html
    client.force_login(member)
    html = client.get(url).content.decode()
    assert "No KPIs yet" in html
    assert reverse("contracts:kpi_add", args=[contract.pk]) not in html


def test_kpi_list_warns_when_a_large_contract_lacks_three_key_kpis(client, member, directorate):
    big = ContractFactory(directorate=directorate, total_value=Decimal("6000000.00"))
    KPIFactory(contract=big, is_key=True)
    client.force_login(member)
    html = client.get(reverse("contracts:kpi_list", args=[big.pk])).content.decode()
    assert "Procurement Act 2023" in html and "It has 1." in html

    small = ContractFactory(directorate=directorate)
    html = client.get(reverse("contracts:kpi_list", args=[small.pk])).content.decode()
    assert "Procurement Act 2023" not in html


# --- Adding, changing and copying KPIs ------------------------------------------------------------------


def test_commissioner_adds_a_kpi_with_every_field(client, commissioner, contract, kcc_framework):
    outcome = SupportingOutcome.objects.filter(framework=kcc_framework).order_by("order", "code").first()
    client.force_login(commissioner)
    url = reverse("contracts:kpi_add", args=[contract.pk])
    form_html = client.get(url).content.decode()
    assert escape(f"{outcome.code} {outcome.title}") in form_html
    assert "Worse than this is amber" in form_html
    response = client.post(url, kpi_post_data(supporting_outcome=outcome.pk))
    assert response.status_code == 302
    kpi = KPI.objects.get(contract=contract)
    assert kpi.code == "KPI09"
    assert kpi.target == Decimal("95")
    assert kpi.first_period_start == datetime.date(2024, 7, 1)
    assert kpi.is_key and kpi.is_active and kpi.weight == 2
    assert kpi.supporting_outcome == outcome
    assert kpi.deduction_percent == Decimal("2.5") and kpi.deduction_cap_percent == Decimal("10")
    record = kpi.history.first()
    assert record.history_user == commissioner
    assert record.history_change_reason == "Agreed at contract mobilisation"


def test_first_period_may_be_given_as_a_date(client, commissioner, contract):
    client.force_login(commissioner)
    data = kpi_post_data(frequency=Frequency.MONTHLY, first_period="15/5/2024")
    assert client.post(reverse("contracts:kpi_add", args=[contract.pk]), data).status_code == 302
    assert KPI.objects.get().first_period_start == datetime.date(2024, 5, 1)


def test_kpi_form_shows_rule_refusals_at_their_fields(client, commissioner, kpi):
    client.force_login(commissioner)
    url = reverse("contracts:kpi_add", args=[kpi.contract.pk])
    response = client.post(
        url,
        kpi_post_data(
            code="kpi01",  # already on the contract
            amber_threshold="96",  # above the target although higher is better
            deduction_percent="",
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "already has a KPI with this code" in " ".join(form.errors["code"])
    assert "at or below the target" in " ".join(form.errors["amber_threshold"])
    assert "deduction_percent" in form.errors
    html = response.content.decode()
    assert "There is a problem" in html and 'href="#id_amber_threshold"' in html
    assert KPI.objects.count() == 1


def test_kpi_form_explains_a_badly_written_value_or_period(client, commissioner, contract):
    client.force_login(commissioner)
    response = client.post(
        reverse("contracts:kpi_add", args=[contract.pk]), kpi_post_data(target="ninety", first_period="Q5 2024")
    )
    form = response.context["form"]
    assert form.errors["target"] == ["Target must be a number, like 90, 12.5 or 1,250"]
    assert "is not a period" in form.errors["first_period"][0]


def test_commissioner_changes_a_kpi_and_the_change_is_attributed(client, commissioner, kpi):
    client.force_login(commissioner)
    url = reverse("contracts:kpi_edit", args=[kpi.pk])
    form = client.get(url).context["form"]
    assert form.initial["first_period"] == "2024-25 Q1"
    assert form.initial["target"] == "90"
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        target="92",
        deduction_rule=DeductionRule.FIXED,
        deduction_amount="500.00",
        is_active="on",
        reason="Target raised at annual review",
    )
    data.pop("is_key", None)
    data["supporting_outcome"] = ""
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    kpi.refresh_from_db()
    assert kpi.target == Decimal("92")
    assert kpi.history.first().history_change_reason == "Target raised at annual review"


def test_copy_kpis_from_another_contract_skips_codes_already_there(client, commissioner, contract, directorate):
    source = ContractFactory(reference="KCC-ASC-000", directorate=directorate)
    for code in ("KPI01", "KPI02", "KPI03"):
        KPIFactory(contract=source, code=code)
    KPIFactory(contract=contract, code="KPI02")
    client.force_login(commissioner)
    url = reverse("contracts:kpi_copy", args=[contract.pk])
    html = client.get(url).content.decode()
    assert "KCC-ASC-000" in html and "(3 KPIs)" in html
    response = client.post(url, {"source": source.pk, "first_period": "2025-26 Q1"}, follow=True)
    assert sorted(contract.kpis.values_list("code", flat=True)) == ["KPI01", "KPI02", "KPI03"]
    assert contract.kpis.get(code="KPI03").first_period_start == datetime.date(2025, 4, 1)
    message = str(list(response.context["messages"])[0])
    assert message.startswith("2 KPIs copied from KCC-ASC-000: KPI01, KPI03.")
    assert "Skipped KPI02" in message


# --- Contract performance ------------------------------------------------------------------------------


def test_performance_page_charts_and_tables_every_kpi(client, member, kpi):
    kpi_return(kpi, "2024-25 Q1", "91")
    kpi_return(kpi, "2024-25 Q2", "78")  # red: deduction proposed
    client.force_login(member)
    response = client.get(reverse("contracts:contract_performance", args=[kpi.contract.pk]))
    html = response.content.decode()
    assert 'role="img"' in html
    assert '<title id="chart-' in html and "2024-25 Q2: 78.0% (red)" in html
    assert escape("78.0% against a target of 90%; amber below 85%, red below 80%.") in html
    assert "Declining" in html
    deduction = Deduction.objects.get()
    assert reverse("contracts:deduction_detail", args=[deduction.pk]) in html
    assert "£500.00" in html
    assert reverse("contracts:kpireturn_detail", args=[deduction.kpi_return_id]) in html
    assert "2024-25 Q2" in html  # the quarter summary
    assert "<script" not in html.split('id="main-content"')[1]


def test_performance_page_lists_open_concerns(client, member, kpi):
    kpi_return(kpi, "2024-25 Q1", "70")
    kpi_return(kpi, "2024-25 Q2", "71")  # red two periods running
    client.force_login(member)
    html = client.get(reverse("contracts:contract_performance", args=[kpi.contract.pk])).content.decode()
    assert "Red in 2 periods running" in html


def test_performance_page_runs_a_fixed_number_of_queries(client, member, contract, django_assert_num_queries):
    def add_kpis(n):
        for _ in range(n):
            k = KPIFactory(contract=contract, deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("100"))
            kpi_return(k, "2024-25 Q1", "91")
            kpi_return(k, "2024-25 Q2", "75")

    add_kpis(2)
    client.force_login(member)
    url = reverse("contracts:contract_performance", args=[contract.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    add_kpis(10)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get(url)
    assert len(response.context["panels"]) == 12
    assert len(response.context["deductions"]) == 12


# --- The return-entry grid -----------------------------------------------------------------------------


def test_grid_shows_one_row_per_period_due_with_labelled_inputs(client, commissioner, kpi):
    monthly = KPIFactory(contract=kpi.contract, code="KPI02", name="Calls answered", frequency=Frequency.MONTHLY)
    client.force_login(commissioner)
    response = client.get(grid_url())
    rows = response.context["grid"].rows
    assert [(r.kpi.code, r.period.label) for r in rows] == [
        ("KPI01", "2024-25 Q2"),
        ("KPI02", "July 2024"),
        ("KPI02", "August 2024"),
        ("KPI02", "September 2024"),
    ]
    html = response.content.decode()
    assert f'id="{cell(monthly, "2024-25-M05")}"' in html
    assert "Actual for KPI01 Visits on time, 2024-25 Q2, KCC-ASC-001" in html
    assert len({r.actual_name for r in rows}) == 4


def test_grid_default_quarter_is_the_last_one_that_ended(client, commissioner, kpi):
    client.force_login(commissioner)
    response = client.get(reverse("contracts:kpireturn_grid"))
    quarter = response.context["quarter"]
    today = datetime.date.today()
    assert quarter.end < today
    assert quarter.next().end >= today


def test_grid_shows_only_my_contracts_unless_i_ask_for_my_directorate(client, commissioner, kpi, directorate):
    colleague = UserFactory(role=Role.COMMISSIONER, username="colleague", directorate=directorate)
    colleague_contract = ContractFactory(directorate=directorate, commissioner=colleague)
    KPIFactory(contract=colleague_contract)
    other = ContractFactory(directorate=directorate)  # no responsible commissioner yet
    KPIFactory(contract=other)
    client.force_login(commissioner)
    mine = client.get(grid_url()).context["grid"].rows
    assert {r.contract.pk for r in mine} == {kpi.contract.pk}
    everyone = client.get(grid_url(all=1)).context["grid"].rows
    assert {r.contract.pk for r in everyone} == {kpi.contract.pk, colleague_contract.pk, other.pk}


def test_commissioner_never_sees_or_saves_another_directorates_returns(
    client, commissioner, kpi, other_contract, other_commissioner
):
    foreign = KPIFactory(contract=other_contract)
    client.force_login(commissioner)
    rows = client.get(grid_url(all=1, directorate=other_contract.directorate_id)).context["grid"].rows
    assert foreign.pk not in {r.kpi.pk for r in rows}
    client.post(grid_url(all=1), {cell(foreign, "2024-25-Q2"): "50", "submit": "1"})
    assert not KPIReturn.objects.filter(kpi=foreign).exists()


def test_admin_may_choose_a_directorate(client, admin_user, kpi, other_contract):
    foreign = KPIFactory(contract=other_contract)
    client.force_login(admin_user)
    rows = client.get(grid_url(directorate=other_contract.directorate_id)).context["grid"].rows
    assert {r.kpi.pk for r in rows} == {foreign.pk}
    rows = client.get(grid_url()).context["grid"].rows
    assert {r.kpi.pk for r in rows} == {kpi.pk, foreign.pk}


def test_submitting_the_grid_derives_rag_and_proposes_a_deduction(client, commissioner, kpi):
    second = KPIFactory(contract=kpi.contract, code="KPI02", name="Reviews on time")
    client.force_login(commissioner)
    response = client.post(
        grid_url(),
        {
            cell(kpi, "2024-25-Q2"): "78%",
            cell(kpi, "2024-25-Q2", "commentary"): "Staff shortage in August",
            cell(second, "2024-25-Q2"): " 92.5 ",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    assert response.url == grid_url()
    red = KPIReturn.objects.get(kpi=kpi)
    assert (red.status, red.rag, red.actual) == (ReturnStatus.SUBMITTED, "red", Decimal("78"))
    assert red.commentary == "Staff shortage in August"
    assert red.submitted_by == commissioner
    assert KPIReturn.objects.get(kpi=second).rag == "green"
    deduction = Deduction.objects.get(kpi_return=red)
    assert deduction.status == DeductionStatus.PROPOSED and deduction.amount == Decimal("500.00")
    page = client.get(response.url)
    message = str(list(page.context["messages"])[0])
    assert message == "2 returns submitted: 1 green, 1 red; 1 deduction proposed."
    html = page.content.decode()
    assert "gt-rag--red" in html and "gt-rag--green" in html


def test_one_bad_cell_saves_nothing_and_says_which_cell(client, commissioner, kpi):
    second = KPIFactory(contract=kpi.contract, code="KPI02", name="Reviews on time")
    client.force_login(commissioner)
    response = client.post(
        grid_url(),
        {cell(kpi, "2024-25-Q2"): "88", cell(second, "2024-25-Q2"): "about 90", "submit": "1"},
    )
    assert response.status_code == 400
    assert not KPIReturn.objects.exists()
    html = response.content.decode()
    bad = cell(second, "2024-25-Q2")
    assert f'href="#{bad}"' in html
    assert f'id="{bad}-error"' in html
    assert "Actual for KPI02 2024-25 Q2 (KCC-ASC-001) must be a number" in html
    assert 'value="88"' in html and 'value="about 90"' in html  # what was typed is kept


def test_a_refusal_from_the_service_is_shown_at_its_row_and_saves_nothing(client, commissioner, kpi):
    second = KPIFactory(contract=kpi.contract, code="KPI02")
    client.force_login(commissioner)
    response = client.post(
        grid_url(),
        {
            cell(kpi, "2024-25-Q2"): "88",
            cell(second, "2024-25-Q2", "commentary"): "Figure to follow",  # no value, yet submitted
            "submit": "1",
        },
    )
    assert response.status_code == 400
    assert not KPIReturn.objects.exists()
    html = response.content.decode()
    assert f'href="#{cell(second, "2024-25-Q2")}"' in html
    assert "Enter the actual value before submitting the return." in html


@pytest.mark.parametrize(
    ("typed", "value"),
    [("82", "82"), ("82.5", "82.5"), ("82%", "82"), ("£1,250", "1250"), ("1,250", "1250"), ("", None)],
)
def test_grid_cells_accept_values_as_people_type_them(typed, value):
    assert parse_measure(typed) == (None if value is None else Decimal(value))


@pytest.mark.parametrize("typed", ["eighty", "8 2.5.1", "--1", "£"])
def test_grid_cells_refuse_what_is_not_a_number(typed):
    with pytest.raises(ValueError):
        parse_measure(typed)


def test_drafts_are_kept_then_submitted(client, commissioner, kpi):
    client.force_login(commissioner)
    response = client.post(grid_url(), {cell(kpi, "2024-25-Q2"): "86", "draft": "1"}, follow=True)
    assert str(list(response.context["messages"])[0]).startswith("1 return saved as draft")
    assert KPIReturn.objects.get().status == ReturnStatus.DRAFT
    client.post(grid_url(), {cell(kpi, "2024-25-Q2"): "86", "submit": "1"})
    ret = KPIReturn.objects.get()
    assert (ret.status, ret.rag) == (ReturnStatus.SUBMITTED, "green")


def test_saving_drafts_leaves_submitted_returns_alone(client, commissioner, kpi):
    second = KPIFactory(contract=kpi.contract, code="KPI02")
    kpi_return(kpi, "2024-25 Q2", "88")
    client.force_login(commissioner)
    client.post(grid_url(), {cell(kpi, "2024-25-Q2"): "88", cell(second, "2024-25-Q2"): "70", "draft": "1"})
    assert KPIReturn.objects.get(kpi=kpi).status == ReturnStatus.SUBMITTED
    assert KPIReturn.objects.get(kpi=second).status == ReturnStatus.DRAFT


def test_accepted_returns_are_read_only_in_the_grid(client, commissioner, kpi):
    ret = kpi_return(kpi, "2024-25 Q2", "88")
    kpi_return_accept(kpi_return=ret, actor=commissioner)
    client.force_login(commissioner)
    html = client.get(grid_url()).content.decode()
    assert f'name="{cell(kpi, "2024-25-Q2")}"' not in html
    client.post(grid_url(), {cell(kpi, "2024-25-Q2"): "50", "submit": "1"})
    ret.refresh_from_db()
    assert (ret.actual, ret.status) == (Decimal("88"), ReturnStatus.ACCEPTED)


def _grid_kpis(contract, n):
    return [
        KPIFactory(contract=contract, frequency=Frequency.MONTHLY if i % 2 else Frequency.QUARTERLY) for i in range(n)
    ]


def test_grid_runs_a_fixed_number_of_queries(client, commissioner, contract, django_assert_num_queries):
    kpis = _grid_kpis(contract, 2)
    for k in kpis:
        kpi_return(k, "2024-25 Q2" if k.frequency == Frequency.QUARTERLY else "July 2024", "88")
    client.force_login(commissioner)
    client.get(grid_url())
    with CaptureQueriesContext(connection) as ctx:
        client.get(grid_url())
    more = _grid_kpis(contract, 10)
    for k in more:
        kpi_return(k, "2024-25 Q2" if k.frequency == Frequency.QUARTERLY else "July 2024", "88")
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get(grid_url())
    assert len(response.context["grid"].rows) == 6 * 1 + 6 * 3  # 6 quarterly KPIs, 6 monthly


def test_refused_grid_runs_a_fixed_number_of_queries(client, commissioner, contract, django_assert_num_queries):
    def bad_post(kpis):
        return {**{cell(k, "2024-25-Q2"): "n/a" for k in kpis if k.frequency == Frequency.QUARTERLY}, "submit": "1"}

    kpis = _grid_kpis(contract, 2)
    client.force_login(commissioner)
    client.get(grid_url())
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(grid_url(), bad_post(kpis)).status_code == 400
    kpis += _grid_kpis(contract, 10)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.post(grid_url(), bad_post(kpis))
    assert len(response.context["grid"].errors) == 6


# --- One return: accept or send back -------------------------------------------------------------------


def test_return_page_explains_the_rag_and_direction_of_travel(client, member, kpi):
    kpi_return(kpi, "2024-25 Q1", "91")
    ret = kpi_return(kpi, "2024-25 Q2", "78", commentary="Staff shortage")
    client.force_login(member)
    html = client.get(reverse("contracts:kpireturn_detail", args=[ret.pk])).content.decode()
    assert escape(ret.rag_explanation) in html
    assert escape(ret.direction_previous_explanation) in html
    assert "Staff shortage" in html
    assert reverse("contracts:deduction_detail", args=[ret.deduction.pk]) in html
    assert "Accept return" not in html  # members only read
    assert "History" in html and "Return submitted" in html


def test_commissioner_accepts_a_submitted_return(client, commissioner, kpi):
    ret = kpi_return(kpi, "2024-25 Q1", "91")
    client.force_login(commissioner)
    url = reverse("contracts:kpireturn_detail", args=[ret.pk])
    assert "Accept return" in client.get(url).content.decode()
    response = client.post(url, {"action": "accept", "accept-reason": "Checked at monitoring visit"}, follow=True)
    ret.refresh_from_db()
    assert (ret.status, ret.reviewed_by) == (ReturnStatus.ACCEPTED, commissioner)
    html = response.content.decode()
    assert "Checked at monitoring visit" in html  # the history says why
    assert "Accept return" not in html  # only submitted returns are reviewed


def test_sending_back_needs_a_reason(client, commissioner, kpi):
    ret = kpi_return(kpi, "2024-25 Q1", "91")
    client.force_login(commissioner)
    url = reverse("contracts:kpireturn_detail", args=[ret.pk])
    response = client.post(url, {"action": "send_back", "send_back-returned_reason": "  "})
    assert response.status_code == 400
    assert "Say why the return is sent back" in response.content.decode()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED

    client.post(url, {"action": "send_back", "send_back-returned_reason": "Excludes weekend visits"})
    ret.refresh_from_db()
    assert (ret.status, ret.returned_reason) == (ReturnStatus.RETURNED, "Excludes weekend visits")
    html = client.get(url).content.decode()
    assert "Sent back to the provider" in html and "Excludes weekend visits" in html
