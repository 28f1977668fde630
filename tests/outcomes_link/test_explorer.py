"""The golden thread explorer and search (issue 6): down from the vision to each KPI return, up from
a contract to the vision, search across contracts, providers and outcomes; who may see them; as at a
past day; downloads; and a fixed number of queries whatever the number of rows."""

import csv
import datetime
import io
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.choices import Role
from commissioning.models import SupportingOutcome
from contracts.choices import ContractStatus
from contracts.models import Contract
from contracts.selectors import recent_quarters
from contracts.services import kpi_return_save
from outcomes_link.selectors import golden_thread_down, golden_thread_search, golden_thread_up
from outcomes_link.selectors.explorer import EXPLORER_RETURNS, SEARCH_LIMIT, search_words
from social_value.services import commitment_create, delivery_return_submit, delivery_return_verify
from tests.contracts.factories import ContractFactory, KPIFactory, ProviderFactory
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import measure

pytestmark = pytest.mark.django_db

PAST = datetime.date(2025, 3, 31)


def _so(code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(code=code, framework__is_default=True)


def _quarters(n: int):
    return recent_quarters(count=n, today=timezone.localdate())


def _kpi(contract, actuals, *, submit=True, **kwargs):
    """A quarterly % KPI (red below 80) with returns for the last len(actuals) ended quarters."""
    quarters = _quarters(len(actuals))
    kpi = KPIFactory(contract=contract, first_period_start=quarters[0].start, **kwargs)
    for quarter, actual in zip(quarters, actuals, strict=True):
        kpi_return_save(kpi=kpi, period=quarter, actual=Decimal(actual), submit=submit)
    return kpi


@pytest.fixture
def thread(kcc_framework, directorate, other_directorate):
    """Contract A (red) serves 1.2 (60%) and 3.1 (40%); B (green) serves 1.2; an expired contract
    serves 1.2 too, and one active contract serves nothing."""
    provider = ProviderFactory(
        name="Medway Care Partnership Ltd",
        companies_house_number="01234567",
        charity_number="1122334",
        postcode="CT1 2AB",  # the factory gives every other provider ME14 1XX
    )
    a = ContractFactory(
        reference="KCC-EXP-A",
        title="Family support hubs",
        description="Early help for families in Swale",
        directorate=directorate,
        provider=provider,
        annual_value=Decimal("100000.00"),
    )
    OutcomeLinkFactory(
        contract=a,
        supporting_outcome=_so("1.2"),
        contribution_share=Decimal("60"),
        is_primary=True,
        rationale="Keeps families out of crisis.",
    )
    OutcomeLinkFactory(
        contract=a, supporting_outcome=_so("3.1"), contribution_share=Decimal("40"), rationale="Supports carers."
    )
    # Ten quarters, the newest red: the explorer shows the newest eight.
    kpi1 = _kpi(a, ["90"] * 9 + ["70"], code="KPI01", name="Visits on time", supporting_outcome=_so("1.2"))
    # Evidences an outcome A is not linked to; only a draft so far.
    kpi2 = _kpi(a, ["55"], submit=False, code="KPI02", name="Carers assessed", supporting_outcome=_so("2.2"))
    b = ContractFactory(
        reference="KCC-EXP-B", title="Carers breaks", directorate=other_directorate, annual_value=Decimal("250000.00")
    )
    OutcomeLinkFactory(contract=b, supporting_outcome=_so("1.2"), contribution_share=Decimal("100"), is_primary=True)
    _kpi(b, ["95", "96"], code="KPI01", name="Breaks delivered")
    expired = ContractFactory(reference="KCC-EXP-OLD", title="Old family service", status=ContractStatus.EXPIRED)
    OutcomeLinkFactory(contract=expired, supporting_outcome=_so("1.2"), contribution_share=Decimal("100"))
    unlinked = ContractFactory(reference="KCC-EXP-GAP", title="Unlinked service", directorate=directorate)
    return {"a": a, "b": b, "expired": expired, "unlinked": unlinked, "kpi1": kpi1, "kpi2": kpi2, "provider": provider}


def _get(client, user, url, *, raw: bool = False) -> str:
    """The page, with entities (&#x27; for the apostrophes in outcome titles) unescaped unless `raw`."""
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    return page if raw else unescape(page)


def _explore(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("outcomes_link:explorer") + (f"?{query}" if query else "")


def _download(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- Down the thread: the selector ---------------------------------------------------------------


def test_down_counts_active_contracts_and_reds_per_outcome_once_per_strategic_outcome(thread):
    explorer = golden_thread_down()
    strategic = {s.outcome.code: s for s in explorer.strategic}
    supporting = {sup.outcome.code: sup for s in explorer.strategic for sup in s.supporting}
    assert (supporting["1.2"].contract_count, supporting["1.2"].red_count) == (2, 1)
    assert supporting["1.2"].attributed == Decimal("310000.00")  # 60% of £100,000 + all of £250,000
    assert (supporting["3.1"].contract_count, supporting["3.1"].red_count) == (1, 1)
    assert supporting["3.1"].attributed == Decimal("40000.00")
    assert (strategic["1"].contract_count, strategic["1"].red_count) == (2, 1)
    assert (strategic["2"].contract_count, strategic["2"].red_count) == (0, 0)
    # A serves two strategic outcomes but is one contract of the council's.
    assert (explorer.contract_count, explorer.red_count) == (2, 1)
    assert len(explorer.strategic) == 3 and sum(len(s.supporting) for s in explorer.strategic) == 20


def test_down_opens_only_the_chosen_outcome_in_full(thread):
    assert not any(sup.expanded for s in golden_thread_down().strategic for sup in s.supporting)
    explorer = golden_thread_down(outcome_code="1.2")
    opened = [sup for s in explorer.strategic for sup in s.supporting if sup.expanded]
    assert [sup.outcome.code for sup in opened] == ["1.2"]
    # By annual value, largest first; the expired contract is not there.
    assert [c.contract.reference for c in opened[0].contracts] == ["KCC-EXP-B", "KCC-EXP-A"]
    by_strategic = golden_thread_down(strategic_code="3")
    assert {sup.outcome.code for s in by_strategic.strategic for sup in s.supporting if sup.expanded} == {
        f"3.{n}" for n in range(1, 8)
    }


def test_down_shows_each_kpis_newest_returns_and_its_latest_counted_return(thread):
    explorer = golden_thread_down(outcome_code="1.2")
    a = next(c for _, _, c in explorer.expanded_contracts() if c.contract.reference == "KCC-EXP-A")
    kpis = {k.kpi.code: k for k in a.kpis}
    kpi1 = kpis["KPI01"]
    quarters = _quarters(10)
    assert [r.period_start for r in kpi1.returns] == [q.start for q in reversed(quarters[-EXPLORER_RETURNS:])]
    assert (kpi1.return_count, kpi1.more_returns) == (10, 2)
    assert kpi1.latest.period_start == quarters[-1].start and kpi1.latest.rag == "red"
    # A draft is shown among the returns but is not the KPI's latest result.
    assert kpis["KPI02"].latest is None and [r.status for r in kpis["KPI02"].returns] == ["draft"]


def test_down_unknown_outcome_code_is_refused(thread):
    with pytest.raises(SupportingOutcome.DoesNotExist):
        golden_thread_down(outcome_code="9.9")


# --- Down the thread: the page -------------------------------------------------------------------


def test_explorer_shows_the_vision_and_every_outcome_with_counts_in_its_summary(client, member, thread, kcc_framework):
    html = _get(client, member, _explore())
    assert kcc_framework.vision in html
    assert "1. Children and young people in Kent get the best start in life – 2 contracts, 1 red" in html
    so = _so("1.2")
    assert f"1.2 {so.title} – 2 contracts, 1 red" in html
    assert f"2.2 {_so('2.2').title} – no active contracts" in html
    assert html.count('<details class="govuk-details"') >= 23
    # Summaries only: no contract, KPI or return until an outcome is opened.
    assert "KCC-EXP-A" not in html and "Visits on time" not in html
    assert f"?outcome=1.2#outcome-{so.pk}" in html and "?strategic=1#strategic-1" in html


def test_explorer_opened_at_an_outcome_goes_down_to_each_kpi_return(client, member, thread):
    a, kpi1 = thread["a"], thread["kpi1"]
    so = _so("1.2")
    html = _get(client, member, _explore(outcome="1.2"))
    assert f'id="outcome-{so.pk}" open' in html and 'id="strategic-1" open' in html
    assert "KCC-EXP-A Family support hubs – 60%, £60,000.00 a year, latest quarter red" in html
    assert "Keeps families out of crisis." in html and "its primary outcome" in html
    assert "KCC-EXP-OLD" not in html
    assert reverse("outcomes_link:contract_detail", kwargs={"pk": a.pk}) in html
    assert reverse("outcomes_link:explorer_contract", kwargs={"pk": a.pk}) in html
    # The KPI with its target and latest result, and its newest eight returns, each linked.
    quarters = _quarters(10)
    assert f"KPI01 Visits on time – latest red ({quarters[-1].label})" in html
    assert "Target 90%" in html
    assert "KPI01 returns, newest first: the latest 8 of 10" in html
    newest = kpi1.returns.get(period_start=quarters[-1].start)
    assert reverse("contracts:kpireturn_detail", args=[newest.pk]) in html
    assert "70.0%" in html
    for quarter in quarters[:2]:
        assert quarter.label not in html
    assert reverse("contracts:contract_performance", kwargs={"pk": a.pk}) + f"#kpi-{kpi1.pk}" in html
    assert "All 10 returns of KPI01" in html
    # KPI02 evidences another outcome, which is linked; its draft shows with its status.
    assert reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "2.2"}) in html
    assert "KPI02 Carers assessed – no return yet" in html and "Draft" in html
    assert reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"}) in html


def test_explorer_opened_at_a_strategic_outcome_shows_each_of_its_supporting_outcomes_in_full(client, member, thread):
    html = _get(client, member, _explore(strategic="3"))
    assert 'id="strategic-3" open' in html
    assert "KCC-EXP-A Family support hubs – 40%, £40,000.00 a year" in html
    assert "Supports carers." in html
    assert "KCC-EXP-B" not in html  # serves 1.2 only


def test_explorer_unknown_code_is_404(client, member, thread):
    client.force_login(member)
    assert client.get(_explore(outcome="9.9")).status_code == 404
    assert client.get(_explore(strategic="7")).status_code == 404


def test_explorer_downloads_every_return_not_just_the_eight_shown(client, member, thread):
    client.force_login(member)
    rows = _download(client, _explore(outcome="1.2", download="returns", format="csv"))
    assert rows[0][:4] == ["Contract reference", "KPI", "KPI name", "Period"]
    a_kpi1 = [r for r in rows[1:] if r[0] == "KCC-EXP-A" and r[1] == "KPI01"]
    assert len(a_kpi1) == 10
    contracts = _download(client, _explore(outcome="1.2", download="contracts", format="csv"))
    assert [r[2] for r in contracts[1:]] == ["KCC-EXP-B", "KCC-EXP-A"]
    assert contracts[2][6] == "60000.00"
    # Nothing is opened in full, so there is nothing to download.
    assert client.get(_explore(download="returns", format="csv")).status_code == 404


def test_explorer_as_at_a_past_day_leaves_out_a_later_contract_and_return(client, member, kcc_framework, backdate):
    quarters = [q for q in recent_quarters(count=12, today=PAST)]
    a = ContractFactory(reference="KCC-EXP-THEN", title="There then", start_date=datetime.date(2022, 4, 1))
    OutcomeLinkFactory(contract=a, supporting_outcome=_so("1.2"), contribution_share=Decimal("100"), is_primary=True)
    kpi = KPIFactory(contract=a, code="KPI01", name="Visits on time", first_period_start=quarters[0].start)
    kpi_return_save(kpi=kpi, period=quarters[-2], actual=Decimal("91.5"), submit=True)
    backdate(PAST - datetime.timedelta(days=5))
    later = ContractFactory(reference="KCC-EXP-LATER", title="Added later")
    OutcomeLinkFactory(contract=later, supporting_outcome=_so("1.2"), contribution_share=Decimal("100"))
    kpi_return_save(kpi=kpi, period=quarters[-1], actual=Decimal("77.5"), submit=True)

    then = _get(client, member, _explore(outcome="1.2", as_at=PAST.isoformat()))
    assert "Data as at 31 March 2025" in then
    assert "KCC-EXP-THEN" in then and "91.5%" in then
    assert "KCC-EXP-LATER" not in then and "77.5%" not in then
    assert f"1.2 {_so('1.2').title} – 1 contract, 0 red" in then
    now = _get(client, member, _explore(outcome="1.2"))
    assert "KCC-EXP-LATER" in now and "77.5%" in now


# --- Up the thread -------------------------------------------------------------------------------


def _up(contract) -> str:
    return reverse("outcomes_link:explorer_contract", kwargs={"pk": contract.pk})


def test_up_selector_reads_kpis_links_strategic_outcomes_and_vision(thread, kcc_framework):
    up = golden_thread_up(contract=thread["a"])
    assert [(k.kpi.code, k.outside_links) for k in up.kpis] == [("KPI01", False), ("KPI02", True)]
    assert up.kpis[0].latest.rag == "red" and up.kpis[1].latest is None
    assert [(t.outcome.code, t.attributed, t.link.is_primary) for t in up.links] == [
        ("1.2", Decimal("60000.00"), True),
        ("3.1", Decimal("40000.00"), False),
    ]
    assert [s.outcome.code for s in up.strategic] == ["1", "3"]
    assert up.frameworks == [kcc_framework]


def test_up_page_climbs_from_the_contract_to_the_vision(client, procurement, thread, kcc_framework):
    a = thread["a"]
    html = _get(client, procurement, _up(a))
    order = ["1. The contract", "2. Its KPIs", "3. The supporting outcomes it serves", "4. Their strategic outcomes"]
    positions = [html.index(h) for h in [*order, "5. The council's vision"]]
    assert positions == sorted(positions)
    assert "Medway Care Partnership Ltd" in html
    assert "KPI01 Visits on time" in html and "70.0%" in html
    assert "Not one of the outcomes this contract is linked to" in html  # KPI02 evidences 2.2
    assert "Keeps families out of crisis." in html and "£60,000.00" in html and "Primary" in html
    assert "Older and vulnerable residents are safe and supported" in html
    assert kcc_framework.vision in html
    assert _explore(outcome="1.2") in html and _explore(strategic="1") in html
    assert reverse("contracts:contract_performance", kwargs={"pk": a.pk}) in html


def test_up_page_of_an_unlinked_contract_names_the_gap_and_shows_the_vision(client, member, thread, kcc_framework):
    html = _get(client, member, _up(thread["unlinked"]))
    assert "It is a gap in the golden thread" in html
    assert kcc_framework.vision in html
    assert "No active KPIs are recorded for this contract." in html


def test_up_page_shows_the_outcomes_its_social_value_reaches(client, member, thread, commissioner):
    today = timezone.localdate()
    jobs = measure("J1", proxies=[("100.00", datetime.date(2020, 1, 1))], supporting_outcomes=[_so("2.2"), _so("2.3")])
    commitment = commitment_create(
        contract=thread["a"],
        measure=jobs,
        quantity=Decimal("10"),
        committed_on=datetime.date(2024, 4, 1),
        start_date=today - datetime.timedelta(days=365),
        due_date=today + datetime.timedelta(days=365),
        actor=commissioner,
    )
    delivery = delivery_return_submit(
        commitment=commitment,
        period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2025, 9, 30),
        quantity=Decimal("3"),
        evidence_note="Payroll extract",
        actor=commissioner,
    )
    delivery_return_verify(delivery=delivery, actor=commissioner)
    html = _get(client, member, _up(thread["a"]))
    section = html[html.index('id="social-value"') :]
    assert "1 commitment worth £1,000.00; £300.00 delivered (verified)" in section
    assert _so("2.2").title in section and _so("2.3").title in section
    client.force_login(member)
    rows = _download(client, _up(thread["a"]) + "?download=social_value&format=csv")
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [("2.2", "1000.00", "300.00"), ("2.3", "1000.00", "300.00")]


def test_up_page_downloads_its_kpis_and_outcomes(client, member, thread):
    client.force_login(member)
    kpis = _download(client, _up(thread["a"]) + "?download=kpis&format=csv")
    assert [r[0] for r in kpis[1:]] == ["KPI01", "KPI02"]
    outcomes = _download(client, _up(thread["a"]) + "?download=outcomes&format=csv")
    assert [(r[0], r[4], r[5]) for r in outcomes[1:]] == [("1.2", "60.00", "60000.00"), ("3.1", "40.00", "40000.00")]
    assert client.get(_up(thread["a"]) + "?download=kpis&format=xlsx").status_code == 200


def test_up_page_of_an_unknown_contract_is_404(client, member, thread):
    client.force_login(member)
    assert client.get(reverse("outcomes_link:explorer_contract", kwargs={"pk": 999999})).status_code == 404


# --- Search --------------------------------------------------------------------------------------


def _search(q: str) -> str:
    from urllib.parse import urlencode

    return reverse("outcomes_link:search") + "?" + urlencode({"q": q})


def _found(q: str) -> dict[str, list[str]]:
    results = golden_thread_search(q=q)
    return {
        "contracts": [c.reference for c in results.contracts.items],
        "providers": [p.name for p in results.providers.items],
        "strategic": [s.code for s in results.strategic_outcomes.items],
        "supporting": [s.code for s in results.supporting_outcomes.items],
    }


@pytest.mark.parametrize(
    ("q", "kind", "expected"),
    [
        ("kcc-exp-a", "contracts", ["KCC-EXP-A"]),  # reference, any case
        ("SUPPORT HUBS", "contracts", ["KCC-EXP-A"]),  # title
        ("swale", "contracts", ["KCC-EXP-A"]),  # description
        ("medway partnership", "providers", ["Medway Care Partnership Ltd"]),  # name
        ("01234567", "providers", ["Medway Care Partnership Ltd"]),  # Companies House number
        ("1122334", "providers", ["Medway Care Partnership Ltd"]),  # charity number
        ("ct1 2ab", "providers", ["Medway Care Partnership Ltd"]),  # postcode
        ("CT12AB", "providers", ["Medway Care Partnership Ltd"]),  # postcode without its space
        ("2.3", "supporting", ["2.3"]),  # supporting outcome code, whole
        ("2", "strategic", ["2"]),  # strategic outcome code, whole
        ("deprivation", "supporting", ["2.3"]),  # supporting outcome title
        ("best start", "strategic", ["1"]),  # strategic outcome title
    ],
)
def test_search_matches_each_field(thread, q, kind, expected):
    assert _found(q)[kind] == expected


def test_search_needs_every_word_to_match(thread):
    assert _found("family hubs")["contracts"] == ["KCC-EXP-A"]
    assert _found("family breaks")["contracts"] == []  # "family" is A's, "breaks" is B's
    # Each word may match a different field of the same contract.
    assert _found("swale hubs kcc-exp")["contracts"] == ["KCC-EXP-A"]
    assert search_words(' "family,"  Family  hubs. ') == ["family", "hubs"]


def test_search_treats_sql_wildcards_as_text(thread, directorate):
    ContractFactory(reference="KCC-PCT", title="100% recycled paper", directorate=directorate)
    ContractFactory(reference="KCC-THOU", title="1000 homes insulated", directorate=directorate)
    assert _found("100%")["contracts"] == ["KCC-PCT"]
    assert _found("kcc_pct")["contracts"] == []


def test_search_page_groups_results_by_kind_with_counts_and_links(client, member, thread):
    a = thread["a"]
    html = _get(client, member, _search("Medway"))
    # A provider's name finds its contracts too, as the contract register's search does.
    by_medway = list(Contract.objects.filter(provider=thread["provider"]))
    assert by_medway
    assert f"Contracts ({len(by_medway)})" in html and "Providers (1)" in html and "Outcomes (0)" in html
    assert reverse("outcomes_link:contract_detail", kwargs={"pk": by_medway[0].pk}) in html
    assert reverse("contracts:provider_detail", kwargs={"pk": thread["provider"].pk}) in html
    html = _get(client, member, _search("hubs"))
    assert "Contracts (1)" in html
    assert reverse("outcomes_link:contract_detail", kwargs={"pk": a.pk}) in html
    assert reverse("outcomes_link:explorer_contract", kwargs={"pk": a.pk}) in html
    html = _get(client, member, _search("2.3"))
    assert reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "2.3"}) in html
    assert f"?outcome=2.3#outcome-{_so('2.3').pk}" in html
    html = _get(client, member, _search("1."))
    assert reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "1"}) in html
    assert "?strategic=1#strategic-1" in html


def test_search_with_nothing_found_says_so_and_helps(client, member, thread):
    html = _get(client, member, _search("zebra crossing"))
    assert "Nothing matches “zebra crossing”" in html
    assert "use fewer words" in html
    assert reverse("outcomes_link:contract_list") in html


def test_search_without_words_invites_a_search(client, member, thread):
    html = _get(client, member, _search("   "))
    assert "Enter a word or more to search" in html
    assert golden_thread_search(q="  ").total == 0


def test_search_escapes_what_was_typed_and_what_was_found(client, member, thread, directorate):
    ContractFactory(reference="KCC-XSS", title="<b>Bold</b> service", directorate=directorate)
    page = _get(client, member, _search("<script>alert(1)</script>"), raw=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = _get(client, member, _search("<b>bold"), raw=True)
    assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt; service" in page


def test_search_caps_each_group_and_links_to_the_register_for_more(client, member, thread, directorate):
    for n in range(SEARCH_LIMIT + 2):
        ContractFactory(reference=f"KCC-W{n:03d}", title=f"Widget maintenance {n}", directorate=directorate)
    html = _get(client, member, _search("widget"))
    assert "Contracts (22)" in html
    assert f"The first {SEARCH_LIMIT} of 22 contracts" in html
    assert html.count("Widget maintenance") == SEARCH_LIMIT
    assert reverse("outcomes_link:contract_list") + "?q=widget" in html
    rows = _download(client, _search("widget") + "&download=contracts&format=csv")
    assert len(rows) == 1 + SEARCH_LIMIT + 2


# --- Who may see them, and where they are linked from --------------------------------------------


def _pages(thread) -> dict[str, str]:
    return {
        "explorer": _explore(),
        "explorer_outcome": _explore(outcome="1.2"),
        "explorer_contract": _up(thread["a"]),
        "search": _search("care"),
    }


def test_anonymous_is_sent_to_sign_in(client, thread):
    for name, url in _pages(thread).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_user_without_a_role_is_refused(client, thread, no_role_user):
    client.force_login(no_role_user)
    for name, url in _pages(thread).items():
        assert client.get(url).status_code == 403, name


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
def test_every_role_reads_the_explorer_and_search(client, thread, users, role):
    client.force_login(users[role])
    for name, url in _pages(thread).items():
        assert client.get(url).status_code == 200, name


def test_search_box_and_explorer_link_on_every_page_for_signed_in_users(client, member, thread):
    for url in [reverse("outcomes_link:home"), reverse("outcomes_link:contract_list"), _explore()]:
        html = _get(client, member, url)
        assert 'id="header-search"' in html and 'for="header-search"' in html
        assert f'action="{reverse("outcomes_link:search")}"' in html
        assert f'href="{reverse("outcomes_link:explorer")}"' in html
    html = _get(client, member, _explore())
    assert 'aria-current="page"' in html[html.index('href="/explore/"') - 200 : html.index('href="/explore/"') + 200]
    client.logout()
    assert 'id="header-search"' not in client.get(reverse("login")).content.decode()


def test_outcome_list_and_contract_page_link_to_the_explorer(client, member, thread):
    assert f'href="{reverse("outcomes_link:explorer")}"' in _get(client, member, reverse("outcomes_link:outcome_list"))
    page = _get(client, member, reverse("outcomes_link:contract_detail", kwargs={"pk": thread["a"].pk}))
    assert _up(thread["a"]) in page


# --- Fixed query counts --------------------------------------------------------------------------


def _count_queries(client, url) -> int:
    client.get(url)  # warm up per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _add(directorate, n: int, *, commissioner=None) -> None:
    """n linked contracts with "care" in their titles, providers named "Care", KPIs and returns."""
    for i in range(n):
        contract = ContractFactory(
            title=f"Home care {i}", directorate=directorate, provider=ProviderFactory(name=f"Care Co {i}")
        )
        OutcomeLinkFactory(
            contract=contract, supporting_outcome=_so("1.2"), contribution_share=Decimal("50"), is_primary=True
        )
        OutcomeLinkFactory(contract=contract, supporting_outcome=_so("1.3"), contribution_share=Decimal("50"))
        _kpi(contract, ["90", "70", "85"], supporting_outcome=_so("1.2"))
        _kpi(contract, ["88"] * (i % 4 + 1))


def test_explorer_and_search_run_a_fixed_number_of_queries(client, member, directorate, commissioner, thread):
    _add(directorate, 2)
    a = thread["a"]
    jobs = measure("J1", proxies=[("100.00", datetime.date(2020, 1, 1))], supporting_outcomes=[_so("2.2")])
    today = timezone.localdate()

    def commit():
        commitment_create(
            contract=a,
            measure=jobs,
            quantity=Decimal("10"),
            committed_on=datetime.date(2024, 4, 1),
            start_date=today - datetime.timedelta(days=365),
            due_date=today + datetime.timedelta(days=365),
            actor=commissioner,
        )

    commit()
    client.force_login(member)
    urls = {
        **_pages(thread),
        "explorer_strategic": _explore(strategic="1"),
        "search_words": _search("home care"),
        "returns_download": _explore(outcome="1.2", download="returns", format="csv"),
    }
    few = {name: _count_queries(client, url) for name, url in urls.items()}
    _add(directorate, 10)
    for _ in range(3):
        _kpi(a, ["60", "65", "70", "75", "80", "85", "90", "95", "99", "91"])
        commit()
    many = {name: _count_queries(client, url) for name, url in urls.items()}
    assert many == few, (few, many)
