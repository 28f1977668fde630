"""Outcome scorecards (issue 6): each strategic and supporting outcome's contracts, value attributed,
RAG this quarter and last with the direction of travel, open concerns, deductions applied this
financial year, social value, spend with Kent-based SMEs and the VCS, contracts ending within 12
months and contracts without KPIs; the pages that show them, their downloads, a fixed number of
queries however many contracts an outcome has, and the scorecard as it stood on a past day."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from commissioning.choices import Role
from commissioning.models import StrategicOutcome, SupportingOutcome
from contracts.choices import ContractStatus, DeductionRule, DeductionStatus, Location, Sector, SizeBand
from contracts.models import ContractPeriodSummary, Deduction, PerformanceConcern
from contracts.periods import financial_year_label, financial_year_of, financial_year_start
from contracts.selectors import recent_quarters
from contracts.services import contract_update, deduction_apply, kpi_return_save, kpi_update
from outcomes_link.selectors import (
    DIRECTION_RULE,
    outcome_scorecards,
    strategic_outcome_scorecard,
    supporting_outcome_scorecard,
)
from tests.contracts.factories import ContractFactory, KPIFactory
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import SpendLines, classified_provider

pytestmark = pytest.mark.django_db


def _today() -> datetime.date:
    return timezone.localdate()


def _so(code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(code=code, framework__is_default=True)


def _strategic(code: str) -> StrategicOutcome:
    return StrategicOutcome.objects.prefetch_related("supporting_outcomes").get(code=code, framework__is_default=True)


def _contract(directorate, reference, *, links=(), annual="10000.00", **kwargs):
    """A contract (ending in 3 years unless said otherwise) linked to supporting outcomes: (code, share)."""
    today = _today()
    kwargs.setdefault("start_date", today - relativedelta(years=2))
    kwargs.setdefault("end_date", today + relativedelta(years=3))
    contract = ContractFactory(
        directorate=directorate,
        reference=reference,
        annual_value=Decimal(annual),
        extension_months_available=0,
        **kwargs,
    )
    for index, (code, share) in enumerate(links):
        OutcomeLinkFactory(
            contract=contract, supporting_outcome=_so(code), contribution_share=Decimal(share), is_primary=index == 0
        )
    return contract


def _kpi(contract, **kwargs):
    quarters = recent_quarters(count=8, today=_today())
    return KPIFactory(contract=contract, first_period_start=quarters[0].start, **kwargs)


def _returns(kpi, actuals: list, *, today: datetime.date | None = None) -> None:
    """Submitted returns for the last len(actuals) ended quarters (target 90, amber below 85, red below 80)."""
    quarters = recent_quarters(count=8, today=today or _today())
    for quarter, actual in zip(quarters[-len(actuals) :], actuals, strict=True):
        if actual is not None:
            kpi_return_save(kpi=kpi, period=quarter, actual=Decimal(str(actual)), submit=True)


@pytest.fixture
def scored(kcc_framework, directorate):
    """Contracts of supporting outcome 1.2 (strategic outcome 1), with RAG, a concern, deductions and spend.

    - KCC-A £100,000.00, 100% to 1.2, a Kent-based small business. KPI1 (£333.33 a failure): green
      then red; KPI2 (£0.67 a failure): red three quarters running (a concern). Quarter before: amber
      (score 50.0); last quarter: red (0.0).
    - KCC-B £50,000.01, 60% to 1.2 (£30,000.01) and 40% to 1.3 (£20,000.00), a VCS organisation
      outside Kent. Amber (82%) then green (95%).
    - KCC-E £20,000.00 to 1.2, a large firm: a KPI with no return (not reported).
    - KCC-F £10,000.00 to 1.2: no KPI.
    - KCC-X expired, to 1.2: spend only. KCC-U: not linked, spend only.
    """
    today = _today()
    year = financial_year_of(today)
    kent_sme = classified_provider("Kent Care Ltd", Location.LOCAL, SizeBand.SMALL, Sector.PRIVATE)
    vcs = classified_provider("Outside Charity", Location.OUTSIDE, SizeBand.MICRO, Sector.VCS)
    large = classified_provider("Big Outsourcing plc", Location.OUTSIDE, SizeBand.LARGE, Sector.PRIVATE)
    a = _contract(directorate, "KCC-A", links=[("1.2", "100")], annual="100000.00", provider=kent_sme)
    b = _contract(directorate, "KCC-B", links=[("1.2", "60"), ("1.3", "40")], annual="50000.01", provider=vcs)
    e = _contract(directorate, "KCC-E", links=[("1.2", "100")], annual="20000.00", provider=large)
    f = _contract(directorate, "KCC-F", links=[("1.2", "100")], annual="10000.00", provider=large)
    x = _contract(
        directorate, "KCC-X", links=[("1.2", "100")], provider=large, status=ContractStatus.EXPIRED,
        end_date=today - datetime.timedelta(days=30),
    )  # fmt: skip
    u = _contract(directorate, "KCC-U", provider=large)

    kpi1 = _kpi(a, code="KPI1", deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("333.33"))
    kpi2 = _kpi(a, code="KPI2", deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("0.67"))
    _returns(kpi1, [95, 75])
    _returns(kpi2, [70, 70, 70])
    _returns(_kpi(b, code="KPI1"), [82, 95])
    _kpi(e, code="KPI1")

    # Deductions: KPI1's last quarter and KPI2's last quarter applied this year (£334.00); KPI2's
    # quarter before applied, but in the financial year before; KPI2's first still proposed.
    quarters = recent_quarters(count=3, today=today)
    by_quarter = {d.kpi_return.period_start: d for d in Deduction.objects.filter(kpi=kpi2)}
    for d in [Deduction.objects.get(kpi=kpi1), by_quarter[quarters[-1].start], by_quarter[quarters[-2].start]]:
        deduction_apply(deduction=d)
    Deduction.objects.filter(kpi__contract=a).update(financial_year=year)
    Deduction.objects.filter(pk=by_quarter[quarters[-2].start].pk).update(financial_year=year - 1)

    # Spend in the last full financial year (1 April to 31 March, both included; the days either
    # side are the years before and after, and do not count).
    last_year_end = financial_year_start(year) - datetime.timedelta(days=1)
    lines = SpendLines()
    lines.add(last_year_end, "Kent Care Ltd", "1000.01", provider=kent_sme, contract=a)
    lines.add(financial_year_start(year - 1), "Kent Care Ltd", "0.02", provider=kent_sme, contract=a)
    lines.add(
        financial_year_start(year - 1) - datetime.timedelta(days=1),
        "Kent Care Ltd",
        "5000.00",
        provider=kent_sme,
        contract=a,
    )
    lines.add(financial_year_start(year), "Kent Care Ltd", "4000.00", provider=kent_sme, contract=a)
    lines.add(last_year_end, "Outside Charity", "250.10", provider=vcs, contract=b)
    lines.add(last_year_end, "Big Outsourcing plc", "99.99", provider=large, contract=e)
    lines.add(last_year_end, "Big Outsourcing plc", "10.00", provider=large, contract=x)
    lines.add(last_year_end, "Big Outsourcing plc", "777.77", provider=large, contract=u)
    lines.add(last_year_end, "Big Outsourcing plc", "55.55", provider=large)
    return {"a": a, "b": b, "e": e, "f": f, "x": x, "u": u, "kpi1": kpi1, "kpi2": kpi2, "year": year}


# --- The figures --------------------------------------------------------------------------------


def test_active_contracts_count_in_full_and_only_the_value_attributed_is_shared(scored):
    card = supporting_outcome_scorecard(supporting_outcome=_so("1.2"))
    assert card.contract_count == 4  # A, B, E, F; X has expired
    assert card.attributed_value == Decimal("160000.01")  # 100,000.00 + 30,000.01 + 20,000.00 + 10,000.00
    other = supporting_outcome_scorecard(supporting_outcome=_so("1.3"))
    assert (other.contract_count, other.attributed_value) == (1, Decimal("20000.00"))
    # Every linked contract is there to drill down to, whatever its status.
    assert sorted(r.contract.reference for r in card.contracts) == ["KCC-A", "KCC-B", "KCC-E", "KCC-F", "KCC-X"]


def test_rag_counts_active_contracts_in_the_last_quarter_and_the_one_before(scored):
    card = supporting_outcome_scorecard(supporting_outcome=_so("1.2"))
    previous, last = recent_quarters(count=2, today=_today())
    assert card.rag.quarter == last and card.rag_previous.quarter == previous
    # A red, B green; E (nothing returned) and F (no KPIs) not reported.
    assert (card.rag.green, card.rag.amber, card.rag.red, card.rag.not_reported) == (1, 0, 1, 2)
    assert card.rag.average_score == Decimal("50.0")
    # A amber (one green KPI, one red), B amber.
    assert (card.rag_previous.green, card.rag_previous.amber, card.rag_previous.red) == (0, 2, 0)
    assert card.rag_previous.not_reported == 2
    assert card.direction.direction == "no_change"
    assert card.direction.compared == 2
    improving = supporting_outcome_scorecard(supporting_outcome=_so("1.3")).direction
    assert (improving.direction, improving.score, improving.previous_score) == (
        "improving",
        Decimal("100.0"),
        Decimal("50.0"),
    )
    assert improving.label == "Improving" and "against 50.0" in improving.explanation


@pytest.mark.parametrize(
    ("before", "now", "direction"),
    [
        ("80.0", "85.0", "improving"),  # up by the band: improving
        ("80.0", "84.9", "no_change"),  # up by less than the band
        ("85.0", "80.1", "no_change"),
        ("85.0", "80.0", "declining"),  # down by the band
        (None, "85.0", ""),  # nothing to compare: not known
    ],
)
def test_direction_of_travel_moves_by_5_points_of_average_score(kcc_framework, directorate, before, now, direction):
    contract = _contract(directorate, "KCC-D", links=[("3.1", "100")])
    previous, last = recent_quarters(count=2, today=_today())
    for quarter, score in ((previous, before), (last, now)):
        if score is not None:
            rag = "green" if Decimal(score) >= 85 else "amber"
            ContractPeriodSummary.objects.create(
                contract=contract, period_start=quarter.start, financial_year=quarter.financial_year,
                green=1, score=Decimal(score), rag=rag,
            )  # fmt: skip
    card = supporting_outcome_scorecard(supporting_outcome=_so("3.1"))
    assert card.direction.direction == direction
    assert card.direction.label == {"improving": "Improving", "no_change": "No change", "declining": "Declining"}.get(
        direction, "Not known"
    )


def test_open_concerns_and_deductions_applied_this_financial_year_only(scored):
    card = supporting_outcome_scorecard(supporting_outcome=_so("1.2"))
    assert card.open_concerns == 1 == PerformanceConcern.objects.filter(resolved_at__isnull=True).count()
    # £333.33 + £0.67 applied this year; £0.67 applied last year and £0.67 proposed are left out.
    assert card.deductions_applied == Decimal("334.00")
    assert Deduction.objects.filter(status=DeductionStatus.PROPOSED).count() == 1
    assert [(r.contract.reference, r.deductions_applied) for r in card.contracts_with_deductions] == [
        ("KCC-A", Decimal("334.00"))
    ]
    assert card.financial_year == scored["year"]
    assert supporting_outcome_scorecard(supporting_outcome=_so("1.3")).deductions_applied == Decimal("0.00")


def test_spend_in_the_last_full_financial_year_with_kent_smes_and_the_vcs_to_the_penny(scored):
    card = supporting_outcome_scorecard(supporting_outcome=_so("1.2"))
    # 1,000.01 + 0.02 (A, Kent-based SME) + 250.10 (B, VCS) + 99.99 (E) + 10.00 (X, expired but paid that year).
    assert card.spend.total == Decimal("1360.12")
    assert card.spend.kent_sme == Decimal("1000.03")
    assert card.spend.vcs == Decimal("250.10")
    assert card.spend.kent_sme_share == Decimal("73.5")  # 100,003 / 136,012 pence
    assert card.spend.vcs_share == Decimal("18.4")
    b_only = supporting_outcome_scorecard(supporting_outcome=_so("1.3")).spend
    assert (b_only.total, b_only.vcs_share, b_only.kent_sme_share) == (
        Decimal("250.10"),
        Decimal("100.0"),
        Decimal("0.0"),
    )
    nothing = supporting_outcome_scorecard(supporting_outcome=_so("2.1")).spend
    assert (nothing.total, nothing.kent_sme_share, nothing.vcs_share) == (Decimal("0.00"), None, None)


def test_a_strategic_outcome_counts_a_contract_linked_to_two_of_its_supporting_outcomes_once(scored):
    card = strategic_outcome_scorecard(strategic_outcome=_strategic("1"))
    assert card.contract_count == 4
    assert card.attributed_value == Decimal("180000.01")  # B's 60% and 40% add up to its whole value
    assert (card.rag.green, card.rag.red, card.rag.not_reported) == (1, 1, 2)
    assert card.spend.total == Decimal("1360.12")
    assert card.deductions_applied == Decimal("334.00") and card.open_concerns == 1
    assert [s.outcome.code for s in card.supporting] == [s.code for s in _strategic("1").supporting_outcomes.all()]
    b = next(r for r in card.contracts if r.contract.reference == "KCC-B")
    assert (b.share, b.attributed_value) == (Decimal("100"), Decimal("50000.01"))


def test_outcome_scorecards_gives_every_outcome_the_same_figures_as_its_own_scorecard(scored):
    every = outcome_scorecards()
    assert len(every.supporting) == 20 and len(every.strategic) == 3
    assert [c.outcome.code for c in every.strategic.values()] == ["1", "2", "3"]
    for code in ("1.2", "1.3", "2.1"):
        one, from_all = supporting_outcome_scorecard(supporting_outcome=_so(code)), every.supporting[_so(code).pk]
        for name in ("contract_count", "attributed_value", "rag", "rag_previous", "direction", "open_concerns"):
            assert getattr(one, name) == getattr(from_all, name), (code, name)
        assert (one.deductions_applied, one.spend) == (from_all.deductions_applied, from_all.spend)
    strategic = every.strategic[_strategic("1").pk]
    alone = strategic_outcome_scorecard(strategic_outcome=_strategic("1"))
    assert (strategic.contract_count, strategic.attributed_value, strategic.spend) == (
        alone.contract_count, alone.attributed_value, alone.spend)  # fmt: skip
    assert strategic.supporting[1] is every.supporting[_so("1.2").pk]


def test_a_contract_that_has_ended_keeps_its_concerns_deductions_and_spend_but_leaves_the_count_and_rag(scored):
    contract_update(contract=scored["a"], data={"status": ContractStatus.EXPIRED}, reason="Ended early")
    card = supporting_outcome_scorecard(supporting_outcome=_so("1.2"))
    assert card.contract_count == 3 and card.attributed_value == Decimal("60000.01")
    assert (card.rag.green, card.rag.red, card.rag.not_reported) == (1, 0, 2)
    assert card.open_concerns == 1 and card.deductions_applied == Decimal("334.00")
    assert card.spend.total == Decimal("1360.12")


def test_contracts_ending_within_12_months_from_today_to_the_same_day_a_year_on(kcc_framework, directorate):
    today = _today()
    horizon = today + relativedelta(months=12)
    _contract(directorate, "KCC-TODAY", links=[("2.1", "100")], end_date=today)
    _contract(directorate, "KCC-HORIZON", links=[("2.1", "100")], end_date=horizon)
    _contract(directorate, "KCC-AFTER", links=[("2.1", "100")], end_date=horizon + datetime.timedelta(days=1))
    _contract(directorate, "KCC-ENDED", links=[("2.1", "100")], end_date=today - datetime.timedelta(days=1))
    _contract(
        directorate, "KCC-EXPIRED", links=[("2.1", "100")], end_date=today + relativedelta(months=1),
        status=ContractStatus.EXPIRED,
    )  # fmt: skip
    card = supporting_outcome_scorecard(supporting_outcome=_so("2.1"))
    assert [c.reference for c in card.contracts_ending_within_12_months] == ["KCC-TODAY", "KCC-HORIZON"]
    assert card.ending_within_12_months_count == 2


def test_contracts_without_kpis_are_active_ones_with_no_active_kpi(kcc_framework, directorate):
    _contract(directorate, "KCC-NONE", links=[("2.1", "100")])
    retired = _contract(directorate, "KCC-RETIRED", links=[("2.1", "100")])
    kpi_update(kpi=_kpi(retired), data={"is_active": False}, reason="Retired")
    _kpi(_contract(directorate, "KCC-MEASURED", links=[("2.1", "100")]))
    _contract(directorate, "KCC-OLD", links=[("2.1", "100")], status=ContractStatus.EXPIRED)
    card = supporting_outcome_scorecard(supporting_outcome=_so("2.1"))
    assert [c.reference for c in card.contracts_without_kpis] == ["KCC-NONE", "KCC-RETIRED"]
    assert card.without_kpis_count == 2


def test_an_outcome_without_contracts_has_an_empty_scorecard(kcc_framework):
    card = supporting_outcome_scorecard(supporting_outcome=_so("3.7"))
    assert (card.contract_count, card.attributed_value, card.open_concerns, card.deductions_applied) == (
        0, Decimal("0.00"), 0, Decimal("0.00"))  # fmt: skip
    assert card.rag.total == 0 and card.direction.direction == "" and card.contracts == []


# --- A fixed number of queries ------------------------------------------------------------------


def _add_contracts(directorate, n: int, provider, lines: SpendLines) -> None:
    """n contracts linked to 1.2 (every other one also to 1.3), each with a KPI red two quarters
    running (a concern and two deductions, one applied), spend last year, and one in three without KPIs."""
    for i in range(n):
        links = [("1.2", "50"), ("1.3", "50")] if i % 2 else [("1.2", "100")]
        contract = _contract(directorate, f"KCC-N{i:03d}-{n}", links=links, provider=provider)
        last_year = financial_year_start(financial_year_of(_today())) - datetime.timedelta(days=1)
        lines.add(last_year, provider.name, "12.34", provider=provider, contract=contract)
        if i % 3 == 0:
            continue
        kpi = _kpi(contract, deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("10.00"))
        _returns(kpi, [95, 70, 70])
        deduction_apply(deduction=Deduction.objects.filter(kpi=kpi).order_by("kpi_return__period_start").last())


def _count(read) -> int:
    with CaptureQueriesContext(connection) as ctx:
        read()
    return len(ctx.captured_queries)


def test_scorecard_selectors_run_a_fixed_number_of_queries_however_many_contracts(
    kcc_framework, directorate, django_assert_num_queries
):
    provider = classified_provider("Kent Care Ltd", Location.LOCAL, SizeBand.SMALL, Sector.PRIVATE)
    lines = SpendLines()
    _add_contracts(directorate, 2, provider, lines)
    so, st = _so("1.2"), _strategic("1")
    reads = {
        "supporting": lambda: supporting_outcome_scorecard(supporting_outcome=so),
        "strategic": lambda: strategic_outcome_scorecard(strategic_outcome=st),
        "all": lambda: outcome_scorecards(),
    }
    few = {name: _count(read) for name, read in reads.items()}
    before = supporting_outcome_scorecard(supporting_outcome=so)
    _add_contracts(directorate, 10, provider, lines)
    for name, read in reads.items():
        with django_assert_num_queries(few[name]):
            read()
    after = supporting_outcome_scorecard(supporting_outcome=so)
    assert after.contract_count == before.contract_count + 10
    assert after.open_concerns > before.open_concerns and after.deductions_applied > before.deductions_applied
    assert after.spend.total == before.spend.total + Decimal("123.40")
    assert few == {"supporting": 6, "strategic": 7, "all": 10}


def _pages() -> dict[str, str]:
    supporting = reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"})
    strategic = reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "1"})
    outcomes = reverse("outcomes_link:outcome_list")
    return {
        "outcome_list": outcomes,
        "strategic": strategic,
        "supporting": supporting,
        "supporting_sorted": supporting + "?sort=-attributed",
        "download_all": outcomes + "?download=scorecards&format=xlsx",
        **{f"supporting_{name}": f"{supporting}?download={name}" for name in _SUPPORTING_DOWNLOADS},
        **{f"strategic_{name}": f"{strategic}?download={name}" for name in _STRATEGIC_DOWNLOADS},
    }


_SCORECARD_DOWNLOADS = ["scorecard", "contract_figures", "concerns", "deductions", "spend", "ending", "without_kpis"]
_SUPPORTING_DOWNLOADS = [
    *_SCORECARD_DOWNLOADS,
    "kpis",
    "social_value_measures",
    "social_value_commitments",
    "contracts",
]
_STRATEGIC_DOWNLOADS = [*_SCORECARD_DOWNLOADS, "supporting_outcomes", "social_value", "contracts"]


def test_scorecard_pages_and_downloads_run_a_fixed_number_of_queries(client, kcc_framework, directorate, member):
    provider = classified_provider("Kent Care Ltd", Location.LOCAL, SizeBand.SMALL, Sector.PRIVATE)
    lines = SpendLines()
    _add_contracts(directorate, 2, provider, lines)
    client.force_login(member)
    pages = _pages()
    for url in pages.values():
        assert client.get(url).status_code == 200, url  # warm per-process caches
    few = {name: _count(lambda url=url: client.get(url)) for name, url in pages.items()}
    _add_contracts(directorate, 10, provider, lines)
    many = {name: _count(lambda url=url: client.get(url)) for name, url in pages.items()}
    assert many == few


# --- The pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
def test_every_role_reads_the_scorecards(client, scored, users, role):
    client.force_login(users[role])
    for name in ("outcome_list", "strategic", "supporting"):
        response = client.get(_pages()[name])
        assert response.status_code == 200, name
        assert "£334.00" in response.content.decode(), name


def test_anonymous_is_sent_to_sign_in_and_no_role_refused(client, scored, no_role_user):
    urls = [_pages()[name] for name in ("outcome_list", "strategic", "supporting", "supporting_scorecard")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    client.force_login(no_role_user)
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_supporting_outcome_page_is_its_scorecard(client, scored, member):
    client.force_login(member)
    html = client.get(_pages()["supporting"]).content.decode()
    previous, last = recent_quarters(count=2, today=_today())
    assert "Scorecard</h2>" in html
    assert f"RAG {last.label}</dt>" in html and "1 green, 0 amber, 1 red, 2 not reported" in html
    assert f"RAG {previous.label}</dt>" in html and "0 green, 2 amber, 0 red, 2 not reported" in html
    # The direction of travel in words, with the rule that decides it, and how contracts count.
    assert 'class="gt-dot gt-dot--no_change">No change</strong>' in html
    assert escape(DIRECTION_RULE) in html
    assert "A contract counts in full for each outcome it serves" in html
    assert "£334.00" in html and "£1,360.12" in html and "(73.5%)" in html and "(18.4%)" in html
    # The sections, in order, then the contracts to drill down to.
    order = ["Scorecard</h2>", 'id="performance-concerns"', 'id="deductions"', 'id="social-value"', 'id="spend"',
             'id="ending"', 'id="without-kpis"', 'id="contracts-heading"']  # fmt: skip
    assert [html.index(marker) for marker in order] == sorted(html.index(marker) for marker in order)
    without = html[html.index('id="without-kpis"') : html.index('id="contracts-heading"')]
    assert "KCC-F" in without and "KCC-E" not in without
    for reference in ("KCC-A", "KCC-B", "KCC-E", "KCC-F", "KCC-X"):
        assert reverse("outcomes_link:contract_detail", kwargs={"pk": scored[reference[-1].lower()].pk}) in html


def test_strategic_outcome_page_is_its_scorecard_with_each_supporting_outcomes_figures(client, scored, member):
    client.force_login(member)
    html = client.get(_pages()["strategic"]).content.decode()
    assert "Scorecard</h2>" in html and "£180,000.01" in html and "£1,360.12" in html
    title = escape(_so("1.3").title)
    row = html[html.index(title) : html.index("</tr>", html.index(title))]
    assert "£20,000.00" in row and "Improving" in row
    assert "1 green, 0 amber, 0 red, 0 not reported" in row


def test_outcome_list_shows_each_outcomes_headline_figures(client, scored, member):
    client.force_login(member)
    html = client.get(_pages()["outcome_list"]).content.decode()
    title = escape(_so("1.2").title)
    row = html[html.index(title) : html.index("</tr>", html.index(title))]
    assert "£160,000.01" in row and "£334.00" in row
    assert "1 green, 0 amber, 1 red, 2 not reported" in row and "No change" in row
    assert escape(DIRECTION_RULE) in html
    assert "?download=scorecards&amp;format=csv" in html


# --- Downloads -------------------------------------------------------------------------------


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_scorecard_downloads_with_its_figures_as_numbers(client, scored, member):
    client.force_login(member)
    rows = _csv(client, _pages()["supporting_scorecard"])
    figures = dict(zip(rows[0], rows[1], strict=True))
    assert figures["Code"] == "1.2" and figures["Active contracts"] == "4"
    assert figures["Contract value attributed a year (£)"] == "160000.01"
    assert figures[f"Deductions applied {financial_year_label(scored['year'])} (£)"] == "334.00"
    assert figures["Kent-based SME share of spend (%)"] == "73.5" and figures["VCS share of spend (%)"] == "18.4"
    assert figures["Direction of travel"] == "No change"
    everything = _csv(client, _pages()["outcome_list"] + "?download=scorecards")
    assert len(everything) == 1 + 23 and [r[0] for r in everything[1:5]] == ["1", "1.1", "1.2", "1.3"]


def test_every_table_on_the_scorecard_pages_downloads(client, scored, member):
    client.force_login(member)
    pages = _pages()
    for name in _SUPPORTING_DOWNLOADS:
        _csv(client, pages[f"supporting_{name}"])
    for name in _STRATEGIC_DOWNLOADS:
        _csv(client, pages[f"strategic_{name}"])
    assert [r[0] for r in _csv(client, pages["supporting_ending"])[1:]] == []
    assert [r[0] for r in _csv(client, pages["supporting_without_kpis"])[1:]] == ["KCC-F"]
    assert _csv(client, pages["supporting_deductions"])[1][0::4] == ["KCC-A", "334.00"]
    spend = {r[0]: r[4:] for r in _csv(client, pages["supporting_spend"])[1:]}
    assert spend == {"KCC-A": ["1000.03", "1000.03", "0.00"], "KCC-B": ["250.10", "0.00", "250.10"],
                     "KCC-E": ["99.99", "0.00", "0.00"], "KCC-X": ["10.00", "0.00", "0.00"]}  # fmt: skip
    figures = _csv(client, pages["supporting_contract_figures"])
    assert sorted(r[0] for r in figures[1:]) == ["KCC-A", "KCC-B", "KCC-E", "KCC-F", "KCC-X"]
    contracts = _csv(client, pages["supporting"] + "?download=contracts&q=KCC-B")
    assert [r[0] for r in contracts[1:]] == ["KCC-B"]  # the page's filters apply
    supporting = _csv(client, pages["strategic_supporting_outcomes"])
    assert [r[0] for r in supporting[1:]] == [s.code for s in _strategic("1").supporting_outcomes.all()]
    excel = client.get(pages["supporting"] + "?download=scorecard&format=xlsx")
    assert excel.status_code == 200 and excel["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(pages["supporting"] + "?download=nothing").status_code == 404


# --- As at a past day -------------------------------------------------------------------------


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_scorecard_as_at_a_past_day_is_unchanged_by_later_changes(
    client, kcc_framework, directorate, member, backdate
):
    past = _today() - datetime.timedelta(days=7)
    a = _contract(directorate, "KCC-PAST-A", links=[("2.2", "100")], annual="40000.00")
    kpi = _kpi(a, deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("123.45"))
    _returns(kpi, [95, 70], today=past)
    b = _contract(directorate, "KCC-PAST-B", links=[("2.2", "100")])
    b_kpi = _kpi(b)
    _returns(b_kpi, [95, 95], today=past)
    backdate(past)

    client.force_login(member)
    url = reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "2.2"}) + f"?as_at={past.isoformat()}"
    before = _without_tokens(client.get(url).content.decode())
    assert "KCC-PAST-A" in before and "KCC-LATER" not in before and "£123.45" not in before

    # A deduction applied (counted this year), a return turning red and a new contract linked.
    deduction = Deduction.objects.get(kpi=kpi)
    Deduction.objects.filter(pk=deduction.pk).update(financial_year=financial_year_of(_today()))
    deduction_apply(deduction=Deduction.objects.get(pk=deduction.pk))
    kpi_return_save(kpi=b_kpi, period=recent_quarters(count=1, today=past)[-1], actual=Decimal("60"), submit=True)
    _contract(directorate, "KCC-LATER", links=[("2.2", "100")])

    after = _without_tokens(client.get(url).content.decode())
    assert after == before
    live = client.get(reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "2.2"})).content.decode()
    assert "KCC-LATER" in live and "£123.45" in live
    assert _without_tokens(live) != before
