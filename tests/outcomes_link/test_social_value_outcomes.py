"""Social value on the golden thread: what members see on the outcome pages (and the outcomes API)
about the social value committed and delivered for each outcome, apart from the contract value
attributed to it; who may see it; and a fixed number of queries whatever the commitments."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from commissioning.choices import Role
from commissioning.models import StrategicOutcome, SupportingOutcome
from outcomes_link.selectors import supporting_outcome_figures
from social_value.selectors import outcome_social_value, social_value_on_thread, strategic_outcome_social_value
from social_value.services import (
    commitment_create,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
)
from tests.api_testing import api_client
from tests.contracts.factories import ContractFactory, ProviderFactory
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import measure

pytestmark = pytest.mark.django_db

D = datetime.date


def _so(code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(code=code, framework__is_default=True)


def _today() -> datetime.date:
    return timezone.localdate()


def _commit(contract, m, quantity, actor):
    """A commitment half way through its profile today (a year started, a year to go)."""
    today = _today()
    return commitment_create(
        contract=contract,
        measure=m,
        quantity=Decimal(quantity),
        committed_on=D(2024, 4, 1),
        start_date=today - datetime.timedelta(days=365),
        due_date=today + datetime.timedelta(days=365),
        actor=actor,
    )


def _return(commitment, quantity, actor, *, status="verified"):
    delivery = delivery_return_submit(
        commitment=commitment,
        period_start=D(2025, 4, 1),
        period_end=D(2025, 9, 30),
        quantity=Decimal(quantity),
        evidence_note="Payroll extract",
        actor=actor,
    )
    if status == "verified":
        delivery_return_verify(delivery=delivery, actor=actor)
    elif status == "rejected":
        delivery_return_reject(delivery=delivery, reason="No evidence of residence", actor=actor)
    return delivery


@pytest.fixture
def dataset(kcc_framework, directorate, other_directorate, commissioner, admin_user):
    """Three contracts' commitments, half way through their profiles today:

    - KCC-SV-A (our directorate, linked 100% to 1.2): J1, people at £100, serving 2.2 and 2.3;
      10 committed = £1,000; returns of 3 verified, 2 submitted, 4 rejected: £300 delivered, behind.
    - KCC-SV-B (GET, £50,000 a year linked 100% to 2.2): H1, hours at £20, serving 2.2;
      50 committed = £1,000; 22 verified: £440 delivered, at risk.
    - KCC-SV-C (our directorate, not linked): C1, hours at £10, serving 3.1;
      50 committed = £500; 40 verified: £400 delivered, on track.
    """
    jobs = measure("J1", proxies=[("100.00", D(2020, 1, 1))], supporting_outcomes=[_so("2.2"), _so("2.3")])
    hours = measure("H1", unit="hours", proxies=[("20.00", D(2020, 1, 1))], supporting_outcomes=[_so("2.2")])
    care = measure("C1", unit="hours", proxies=[("10.00", D(2020, 1, 1))], supporting_outcomes=[_so("3.1")])
    a = ContractFactory(
        reference="KCC-SV-A",
        title="Family hubs",
        directorate=directorate,
        provider=ProviderFactory(name="Kent Family Partnership"),
    )
    OutcomeLinkFactory(contract=a, supporting_outcome=_so("1.2"), contribution_share=Decimal("100"), is_primary=True)
    b = ContractFactory(
        reference="KCC-SV-B",
        title="Highways skills academy",
        directorate=other_directorate,
        provider=ProviderFactory(name="Roads Training Ltd"),
        annual_value=Decimal("50000.00"),
    )
    OutcomeLinkFactory(contract=b, supporting_outcome=_so("2.2"), contribution_share=Decimal("100"), is_primary=True)
    c = ContractFactory(reference="KCC-SV-C", title="Carers' breaks", directorate=directorate)
    ca = _commit(a, jobs, "10", commissioner)
    _return(ca, "3", commissioner)
    _return(ca, "2", commissioner, status="submitted")
    _return(ca, "4", commissioner, status="rejected")
    _return(_commit(b, hours, "50", admin_user), "22", admin_user)
    _return(_commit(c, care, "50", commissioner), "40", commissioner)
    return {"a": a, "b": b, "c": c}


def _page(client, user, name, code) -> str:
    client.force_login(user)
    response = client.get(reverse(f"outcomes_link:{name}", kwargs={"code": code}))
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str) -> str:
    """The page's social value section, from its heading to the next h2 at the same level."""
    start = html.index('id="social-value"')
    end = html.find('<h2 class="govuk-heading-l"', start)
    return html[start : end if end != -1 else len(html)]


# --- The supporting outcome page -----------------------------------------------------------------


def test_supporting_outcome_page_counts_only_verified_returns_as_delivered(client, member, dataset):
    section = _section(_page(client, member, "supportingoutcome_detail", "2.2"))
    # J1 £1,000 + H1 £1,000 committed; delivered 3 × £100 + 22 × £20. The submitted 2 and the
    # rejected 4 jobs would make it £940 or £1,140.
    assert "£2,000.00" in section
    assert "£740.00" in section
    assert "37.0%" in section
    assert "£940.00" not in section and "£1,140.00" not in section


def test_supporting_outcome_page_lists_the_measures_with_units_and_pounds(client, member, dataset):
    section = _section(_page(client, member, "supportingoutcome_detail", "2.2"))
    measures = section[section.index('id="social-value-measures"') : section.index('id="social-value-contracts"')]
    assert "Measure J1" in measures and "Measure H1" in measures and "Measure C1" not in measures
    assert "People" in measures and "Hours" in measures
    # J1: 10 people committed, 3 delivered; H1: 50 hours, 22 delivered.
    j1 = measures[measures.index("Measure J1") : measures.index("</tr>", measures.index("Measure J1"))]
    assert [">10<" in j1, ">3<" in j1, "£1,000.00" in j1, "£300.00" in j1] == [True] * 4
    h1 = measures[measures.index("Measure H1") : measures.index("</tr>", measures.index("Measure H1"))]
    assert [">50<" in h1, ">22<" in h1, "£1,000.00" in h1, "£440.00" in h1] == [True] * 4


def test_supporting_outcome_page_lists_the_contracts_whose_commitments_serve_it(client, member, dataset):
    section = _section(_page(client, member, "supportingoutcome_detail", "2.2"))
    contracts = section[section.index('id="social-value-contracts"') :]
    for key, provider in (("a", "Kent Family Partnership"), ("b", "Roads Training Ltd")):
        assert reverse("outcomes_link:contract_detail", kwargs={"pk": dataset[key].pk}) in contracts
        assert provider in contracts
    assert "KCC-SV-C" not in contracts
    row_a = contracts[contracts.index("KCC-SV-A") : contracts.index("</tr>", contracts.index("KCC-SV-A"))]
    row_b = contracts[contracts.index("KCC-SV-B") : contracts.index("</tr>", contracts.index("KCC-SV-B"))]
    # Status in words, not colour alone: 3 of the 5 jobs expected by now is behind, 22 of 25 hours at risk.
    assert "Behind" in row_a and "30.0%" in row_a and "£300.00" in row_a
    assert "At risk" in row_b and "44.0%" in row_b and "£440.00" in row_b
    assert escape(dataset["a"].directorate.name) in row_a and escape(dataset["b"].directorate.name) in row_b
    # A delivers social value for 2.2 though none of its contract value is attributed to 2.2.
    assert "No contract value attributed to this outcome" in row_a
    assert "No contract value attributed to this outcome" not in row_b


def test_a_measure_serving_two_supporting_outcomes_shows_on_both_pages(client, member, dataset):
    on_23 = _section(_page(client, member, "supportingoutcome_detail", "2.3"))
    assert "KCC-SV-A" in on_23 and "KCC-SV-B" not in on_23
    assert "£1,000.00" in on_23 and "£300.00" in on_23
    assert "KCC-SV-A" in _section(_page(client, member, "supportingoutcome_detail", "2.2"))
    assert "KCC-SV-A" not in _section(_page(client, member, "supportingoutcome_detail", "3.1"))


def test_a_supporting_outcome_without_commitments_says_so(client, member, dataset):
    section = _section(_page(client, member, "supportingoutcome_detail", "1.2"))
    assert "No social value commitments serve this outcome yet." in section
    # KCC-SV-A's contract value is attributed to 1.2, but its social value is not for 1.2.
    assert "KCC-SV-A" not in section


def test_contract_value_attributed_is_unchanged_and_shown_apart_from_social_value(client, member, dataset):
    html = _page(client, member, "supportingoutcome_detail", "2.2")
    # Only B is linked to 2.2: 100% of its £50,000 a year. A's commitments add nothing to it.
    assert supporting_outcome_figures(supporting_outcome=_so("2.2")).attributed_value == Decimal("50000.00")
    figures = html[: html.index('id="social-value"')]
    assert '£50,000.00</span><span class="gt-figure__label">a year of contract value attributed to it' in figures
    assert "social value committed</a>, £740.00 delivered" in figures
    assert "£50,000.00" not in _section(html)


# --- The strategic outcome page ------------------------------------------------------------------


def test_strategic_outcome_counts_a_commitment_once_and_each_supporting_outcome_in_full(client, member, dataset):
    section = _section(_page(client, member, "strategicoutcome_detail", "2"))
    figures = section[: section.index("<table")]
    # J1 serves 2.2 and 2.3 and counts once here: £2,000 committed, not £3,000; £740 delivered.
    assert "£2,000.00" in figures and "£740.00" in figures and "37.0%" in figures
    assert "£3,000.00" not in section
    rows = section[section.index("<tbody") :]
    row_22 = rows[rows.index(escape(_so("2.2").title)) : rows.index("</tr>", rows.index(escape(_so("2.2").title)))]
    row_23 = rows[rows.index(escape(_so("2.3").title)) : rows.index("</tr>", rows.index(escape(_so("2.3").title)))]
    assert "£2,000.00" in row_22 and "£740.00" in row_22
    assert "£1,000.00" in row_23 and "£300.00" in row_23
    # Every supporting outcome of 2 has a row, those without commitments too.
    assert rows.count("<tr") == _so("2.2").strategic_outcome.supporting_outcomes.count()
    assert escape(_so("3.1").title) not in section


def test_strategic_outcome_without_commitments_says_so(client, member, dataset):
    section = _section(_page(client, member, "strategicoutcome_detail", "1"))
    assert "No social value commitments serve this strategic outcome yet." in section


def test_selectors_count_a_commitment_once_for_its_strategic_outcome(dataset):
    today = _today()
    two = StrategicOutcome.objects.get(code="2", framework__is_default=True)
    strategic = strategic_outcome_social_value(two, on=today)
    assert (strategic.figures.commitments, strategic.figures.committed_value) == (2, Decimal("2000.00"))
    committed = {row.outcome.code: row.figures.committed_value for row in strategic.supporting}
    assert (committed["2.2"], committed["2.3"], committed["2.1"]) == (
        Decimal("2000.00"),
        Decimal("1000.00"),
        Decimal("0.00"),
    )
    by_outcome = social_value_on_thread(on=today).supporting
    assert by_outcome[_so("2.2").pk].delivered_value == Decimal("740.00")
    assert by_outcome[_so("3.1").pk].delivered_value == Decimal("400.00")
    assert _so("1.2").pk not in by_outcome
    one = outcome_social_value(_so("2.2"), on=today)
    assert [p.commitment.contract.reference for p in one.commitments] == ["KCC-SV-A", "KCC-SV-B"]
    assert [row.measure.code for row in one.measures] == ["H1", "J1"]


# --- The outcomes list and the API ---------------------------------------------------------------


def test_outcome_list_shows_social_value_beside_contract_value_attributed(client, member, dataset):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:outcome_list")).content.decode()
    assert "Contract value attributed a year" in html and "Social value committed" in html
    title = escape(_so("2.2").title)
    row = html[html.index(title) : html.index("</tr>", html.index(title))]
    assert "£50,000.00" in row and "£2,000.00" in row and "£740.00" in row
    assert "£50,000.00 a year of contract value attributed; £2,000.00 social value committed, £740.00 delivered" in html


def test_the_outcomes_api_gives_social_value_as_decimal_strings(member, dataset):
    response = api_client(member).get(reverse("outcomes_link-api:golden-thread"))
    assert response.status_code == 200
    strategic = {row["outcome"]["code"]: row for row in response.data["strategic_outcomes"]}
    supporting = {row["outcome"]["code"]: row for row in strategic["2"]["supporting_outcomes"]}
    assert (supporting["2.2"]["social_value_committed"], supporting["2.2"]["social_value_delivered"]) == (
        "2000.00", "740.00")  # fmt: skip
    assert supporting["2.2"]["attributed_value"] == "50000.00"
    assert supporting["2.3"]["social_value_committed"] == "1000.00"
    assert supporting["2.1"]["social_value_committed"] == "0.00"
    assert (strategic["2"]["social_value_committed"], strategic["2"]["social_value_delivered"]) == (
        "2000.00", "740.00")  # fmt: skip


# --- Who may see it ------------------------------------------------------------------------------


def _urls() -> dict[str, str]:
    return {
        "supporting": reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "2.2"}),
        "strategic": reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "2"}),
        "outcome_list": reverse("outcomes_link:outcome_list"),
    }


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT, Role.COMMISSIONER, Role.ADMIN])
def test_every_role_reads_social_value_on_the_outcome_pages(client, dataset, users, role):
    client.force_login(users[role])
    for name, url in _urls().items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "£740.00" in response.content.decode(), name


def test_anonymous_is_sent_to_sign_in_and_no_role_refused(client, dataset, no_role_user):
    for name, url in _urls().items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    client.force_login(no_role_user)
    for name, url in _urls().items():
        response = client.get(url)
        assert response.status_code == 403, name
        assert "£740.00" not in response.content.decode(), name


# --- Fixed query counts --------------------------------------------------------------------------


def _add_commitments(n, directorate, commissioner, measures) -> None:
    """n commitments on new contracts, alternating measures, each with a verified and a submitted return."""
    for i in range(n):
        contract = ContractFactory(directorate=directorate)
        if i % 2:
            OutcomeLinkFactory(contract=contract, supporting_outcome=_so("2.2"), contribution_share=Decimal("100"))
        c = _commit(contract, measures[i % len(measures)], "10", commissioner)
        _return(c, "3", commissioner)
        _return(c, "1", commissioner, status="submitted")


def _queries(client, url) -> int:
    client.get(url)  # warm up per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_outcome_pages_run_the_same_number_of_queries_with_2_and_12_commitments(
    client, kcc_framework, directorate, commissioner, member, django_assert_max_num_queries
):
    measures = [
        measure("J1", proxies=[("100.00", D(2020, 1, 1))], supporting_outcomes=[_so("2.2"), _so("2.3")]),
        measure("H1", unit="hours", proxies=[("20.00", D(2020, 1, 1))], supporting_outcomes=[_so("2.2")]),
        measure("G1", unit="tonnes_co2e", supporting_outcomes=[_so("2.2"), _so("3.1")]),  # no proxy: units only
    ]
    client.force_login(member)
    urls = {**_urls(), "api": reverse("outcomes_link-api:golden-thread")}
    _add_commitments(2, directorate, commissioner, measures)
    few = {name: _queries(client, url) for name, url in urls.items()}
    _add_commitments(10, directorate, commissioner, measures)
    for name, url in urls.items():
        client.get(url)
        with django_assert_max_num_queries(few[name]):
            response = client.get(url)
        assert response.status_code == 200, name
    html = client.get(urls["supporting"]).content.decode()
    assert _section(html).count("KCC-") == 12
