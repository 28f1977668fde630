"""The social value dashboard: committed against delivered by each grouping, the top and the
lagging contracts, who may read it, a fixed number of queries, downloads and bad query strings."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commissioning.models import SupportingOutcome
from social_value import charts
from social_value.models import CouncilArea, SocialValueOutcome, SocialValueTheme
from social_value.reports import OUTCOME_NOTE, SOCIAL_VALUE_GROUPINGS, SocialValueReport
from social_value.services import commitment_create, delivery_return_submit, delivery_return_verify
from tests.contracts.factories import ContractFactory, ProviderFactory
from tests.social_value.factories import measure

D = datetime.date
START, DUE = D(2025, 4, 1), D(2027, 4, 1)
ON = D(2026, 4, 1)  # half way: the straight line expects half of every commitment
ROLES = ["member", "commissioner", "procurement", "admin_user"]


def commit(contract, m, quantity, actor, *, delivered=None, verify=True):
    c = commitment_create(contract=contract, measure=m, quantity=Decimal(quantity), committed_on=START,
                          start_date=START, due_date=DUE, actor=actor)  # fmt: skip
    if delivered:
        r = delivery_return_submit(commitment=c, period_start=START, period_end=D(2025, 9, 30),
                                   quantity=Decimal(delivered), evidence_note="Payroll", actor=actor)  # fmt: skip
        if verify:
            delivery_return_verify(delivery=r, actor=actor)
    return c


@pytest.fixture
def dataset(kcc_framework, directorate, other_directorate, commissioner, admin_user):
    """Three contracts, four commitments, as on 1 April 2026 (half way through every one).

    Measures: J1 people at £100 (theme Jobs, employment, supporting outcomes 2.2 and 2.3);
    C1 hours at £10 (theme Green, communities, 3.1); W1 tonnes at £50 (Green, no area, unmapped).

    - A (ASCH, Alpha, £100,000): J1 10 = £1,000, 5 verified = £500, on track;
      C1 50 = £500, 40 verified = £400, on track.
    - B (GET, Beta, £50,000): J1 20 = £2,000, 8 verified = £800, at risk (80%), £200 short.
    - C (ASCH, Beta, £20,000): W1 10 = £500, 5 submitted but not verified, behind, £250 short.
    """
    so_22, so_23, so_31 = (SupportingOutcome.objects.get(code=c) for c in ("2.2", "2.3", "3.1"))
    jobs = measure("J1", proxies=[("100.00", D(2020, 1, 1))], supporting_outcomes=[so_22, so_23])
    care = measure("C1", unit="hours", proxies=[("10.00", D(2020, 1, 1))], supporting_outcomes=[so_31])
    waste = measure("W1", unit="tonnes", proxies=[("50.00", D(2020, 1, 1))])
    SocialValueTheme.objects.filter(code="T-LET").update(name="Jobs", order=1)
    green = SocialValueTheme.objects.create(code="T-GRN", name="Green", order=2)
    green_outcome = SocialValueOutcome.objects.create(theme=green, code="O-GRN", name="Less waste")
    for m, area in ((jobs, CouncilArea.EMPLOYMENT), (care, CouncilArea.COMMUNITIES), (waste, "")):
        m.area = area
        if m is not jobs:
            m.outcome = green_outcome
        m.save()
    alpha, beta = ProviderFactory(name="Alpha Care Ltd"), ProviderFactory(name="Beta Services Ltd")
    a = ContractFactory(reference="KCC-A", directorate=directorate, provider=alpha, total_value=Decimal("100000.00"))
    b = ContractFactory(reference="KCC-B", directorate=other_directorate, provider=beta, total_value=Decimal("50000"))
    c = ContractFactory(reference="KCC-C", directorate=directorate, provider=beta, total_value=Decimal("20000.00"))
    commit(a, jobs, "10", commissioner, delivered="5")
    commit(a, care, "50", commissioner, delivered="40")
    commit(b, jobs, "20", admin_user, delivered="8")
    commit(c, waste, "10", commissioner, delivered="5", verify=False)
    return {"a": a, "b": b, "c": c, "directorate": directorate, "other": other_directorate}


def figures(f) -> tuple:
    return (f.commitments, f.contracts, f.committed_value, f.delivered_value, f.delivered_share,
            f.committed_share_of_contract_value, (f.on_track, f.at_risk, f.behind))  # fmt: skip


def grouped(by: str, **kwargs) -> dict:
    return {g.label: figures(g.figures) for g in SocialValueReport(on=ON, **kwargs).groups(by)}


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("social_value:dashboard"), params)


def download(client, user, fmt, **params):
    client.force_login(user)
    return client.get(reverse("social_value:dashboard_download", args=[fmt]), params)


def text(response) -> str:
    return response.content.decode()


# ------------------------------------------------------------------ figures by grouping

M = Decimal


def test_total(dataset):
    total = SocialValueReport(on=ON).total()
    # £4,000 committed on £170,000 of contracts; £1,700 verified; C's unverified return does not count.
    assert figures(total) == (4, 3, M("4000.00"), M("1700.00"), M("42.5"), M("2.4"), (2, 1, 1))
    assert total.shortfall_value == M("450.00")


def test_by_theme_in_the_catalogue_order(dataset):
    groups = grouped("theme")
    assert list(groups) == ["Jobs", "Green"]
    assert groups["Jobs"] == (2, 2, M("3000.00"), M("1300.00"), M("43.3"), M("2.0"), (1, 1, 0))
    # Contract A counts once however many of its commitments are in the group: £120,000 with C.
    assert groups["Green"] == (2, 2, M("1000.00"), M("400.00"), M("40.0"), M("0.8"), (1, 0, 1))


def test_by_measure_with_units(dataset):
    groups = {g.code: g for g in SocialValueReport(on=ON).groups("measure")}
    assert list(groups) == ["C1", "J1", "W1"]
    jobs = groups["J1"]
    assert figures(jobs.figures) == (2, 2, M("3000.00"), M("1300.00"), M("43.3"), M("2.0"), (1, 1, 0))
    assert (jobs.figures.committed_units, jobs.figures.delivered_units, jobs.unit_label) == (M("30"), M("13"), "People")
    care = groups["C1"]
    assert (care.figures.committed_units, care.figures.delivered_units, care.unit_label) == (M("50"), M("40"), "Hours")


def test_by_council_area_with_measures_without_an_area_last(dataset):
    groups = grouped("area")
    assert list(groups) == ["Local employment and training", "Resilient communities", "No council area given"]
    assert groups["Resilient communities"][2:4] == (M("500.00"), M("400.00"))
    assert groups["No council area given"] == (1, 1, M("500.00"), M("0.00"), M("0.0"), M("2.5"), (0, 0, 1))


def test_by_directorate(dataset):
    groups = {g.key.code: figures(g.figures) for g in SocialValueReport(on=ON).groups("directorate")}
    assert groups["ASCH"] == (3, 2, M("2000.00"), M("900.00"), M("45.0"), M("1.7"), (2, 0, 1))
    assert groups["GET"] == (1, 1, M("2000.00"), M("800.00"), M("40.0"), M("4.0"), (0, 1, 0))


def test_by_provider(dataset):
    groups = grouped("provider")
    assert list(groups) == ["Alpha Care Ltd", "Beta Services Ltd"]
    assert groups["Alpha Care Ltd"] == (2, 1, M("1500.00"), M("900.00"), M("60.0"), M("1.5"), (2, 0, 0))
    assert groups["Beta Services Ltd"] == (2, 2, M("2500.00"), M("800.00"), M("32.0"), M("3.6"), (0, 1, 1))


def test_by_supporting_outcome_counts_a_commitment_for_each_of_its_measures_outcomes(dataset):
    groups = {g.code or g.label: figures(g.figures) for g in SocialValueReport(on=ON).groups("supporting_outcome")}
    assert list(groups) == ["2.2", "2.3", "3.1", "Not mapped to a supporting outcome"]
    assert groups["2.2"] == groups["2.3"] == (2, 2, M("3000.00"), M("1300.00"), M("43.3"), M("2.0"), (1, 1, 0))
    assert groups["3.1"][2:4] == (M("500.00"), M("400.00"))
    # Unmapped social value is shown, not dropped; the rows add up to more than the total.
    assert groups["Not mapped to a supporting outcome"][2:4] == (M("500.00"), M("0.00"))
    assert sum(g[2] for g in groups.values()) == M("7000.00")


def test_by_strategic_outcome_counts_a_commitment_once(dataset):
    groups = {g.code or g.label: figures(g.figures) for g in SocialValueReport(on=ON).groups("strategic_outcome")}
    assert list(groups) == ["2", "3", "Not mapped to a supporting outcome"]
    assert groups["2"] == (2, 2, M("3000.00"), M("1300.00"), M("43.3"), M("2.0"), (1, 1, 0))  # not £6,000
    assert groups["3"][2:4] == (M("500.00"), M("400.00"))


def test_filters_by_directorate_and_status(dataset):
    assert list(grouped("provider", directorate=dataset["other"])) == ["Beta Services Ltd"]
    report = SocialValueReport(on=ON, status="behind")
    assert figures(report.total()) == (1, 1, M("500.00"), M("0.00"), M("0.0"), M("2.5"), (0, 0, 1))


def test_status_depends_on_the_day(dataset):
    # Before anything starts nothing is expected, so every commitment is on track.
    total = SocialValueReport(on=D(2025, 3, 1)).total()
    assert (total.on_track, total.at_risk, total.behind) == (4, 0, 0)


# ------------------------------------------------------------------ top and lagging contracts


def test_top_contracts_by_delivered_value(dataset):
    top = SocialValueReport(on=ON).top_contracts()
    # C has delivered nothing verified, so it is not a top contract.
    assert [(r.contract.reference, r.figures.delivered_value) for r in top] == [
        ("KCC-A", M("900.00")), ("KCC-B", M("800.00"))]  # fmt: skip


def test_lagging_contracts_by_shortfall_against_the_profile(dataset):
    lagging = SocialValueReport(on=ON).lagging_contracts()
    # A is on track; C is £250 short (behind), B £200 (at risk).
    assert [(r.contract.reference, r.figures.shortfall_value, r.status) for r in lagging] == [
        ("KCC-C", M("250.00"), "behind"), ("KCC-B", M("200.00"), "at_risk")]  # fmt: skip


def test_top_and_lagging_keep_ten(kcc_framework, directorate, commissioner):
    jobs = measure("J1", proxies=[("100.00", D(2020, 1, 1))])
    contracts = [ContractFactory(directorate=directorate) for _ in range(12)]
    for n, contract in enumerate(contracts):
        commit(contract, jobs, "30", commissioner, delivered=str(n + 1))  # 15 expected by now
    report = SocialValueReport(on=ON)
    assert [r.contract for r in report.top_contracts()] == contracts[:1:-1]  # 12 verified first, 1 and 2 left out
    lagging = report.lagging_contracts()
    assert [r.contract for r in lagging] == contracts[:10]  # 1 verified is furthest behind
    assert lagging[0].figures.shortfall_value == M("1400.00")
    assert [r.status for r in lagging][-2:] == ["behind", "behind"]  # 11 of 15 is below 80%


# ------------------------------------------------------------------ the page


def test_anonymous_is_sent_to_sign_in(client):
    for name, args in (("social_value:dashboard", []), ("social_value:dashboard_download", ["csv"])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_user_without_a_role_is_refused(client, no_role_user):
    assert page(client, no_role_user).status_code == 403
    assert download(client, no_role_user, "csv").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_dashboard_and_downloads(client, request, dataset, role):
    user = request.getfixturevalue(role)
    response = page(client, user, on=ON.isoformat())
    assert response.status_code == 200
    body = text(response)
    assert "£4,000.00" in body
    assert "£1,700.00" in body
    assert download(client, user, "csv", on=ON.isoformat()).status_code == 200
    assert download(client, user, "xlsx", on=ON.isoformat()).status_code == 200


def test_page_shows_groups_contracts_links_and_accessible_charts(client, member, dataset):
    body = text(page(client, member, on=ON.isoformat(), by="supporting_outcome"))
    assert OUTCOME_NOTE in body
    assert f'href="{reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "2.2"})}"' in body
    a, c = dataset["a"], dataset["c"]
    assert f'href="{reverse("outcomes_link:contract_detail", kwargs={"pk": a.pk})}"' in body  # top
    assert f'href="{reverse("outcomes_link:contract_detail", kwargs={"pk": c.pk})}"' in body  # lagging
    assert body.count('role="img"') == 2
    assert '<desc id="chart-value-desc">' in body
    # The chart's description carries the figures the table shows.
    assert "2.2 " in body and "committed £3,000.00, delivered £1,300.00 (43.3%)" in body
    assert "<script>" not in body and "style=" not in body


def test_page_by_strategic_outcome_links_to_it(client, member, dataset):
    body = text(page(client, member, on=ON.isoformat(), by="strategic_outcome"))
    assert f'href="{reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "2"})}"' in body
    assert OUTCOME_NOTE in body


def test_page_by_theme_has_no_outcome_note_and_units_only_by_measure(client, member, dataset):
    body = text(page(client, member, on=ON.isoformat()))
    assert OUTCOME_NOTE not in body
    assert "Committed units" not in body
    body = text(page(client, member, on=ON.isoformat(), by="measure"))
    assert "Committed units" in body and "Hours" in body


def test_page_filters_by_directorate(client, member, dataset):
    body = text(page(client, member, on=ON.isoformat(), directorate=dataset["other"].pk, by="provider"))
    assert "Beta Services Ltd" in body
    assert "Alpha Care Ltd" not in body
    assert "£2,000.00" in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"on": "2026-13-45"}, "Enter the date as year-month-day, for example 2026-04-01."),
        ({"on": "yesterday"}, "Enter the date as year-month-day, for example 2026-04-01."),
        ({"by": "colour"}, "Group by theme, measure, council area"),
        ({"status": "late"}, "Choose on track, at risk or behind."),
        ({"directorate": "999999"}, "Choose a directorate from the list."),
    ],
)
def test_a_bad_query_string_gets_a_clear_message(client, member, dataset, params, message):
    response = page(client, member, **params)
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert message in text(response)
    response = download(client, member, "csv", **params)
    assert response.status_code == 400
    assert message in text(response)


def test_the_day_defaults_to_today(client, member, dataset):
    body = text(page(client, member))
    assert "(today)" in body


def test_an_unknown_download_format_is_not_found(client, member):
    assert download(client, member, "pdf").status_code == 404


def test_no_commitments_says_so(client, member, kcc_framework):
    response = page(client, member)
    assert response.status_code == 200
    assert "No social value commitments match these choices" in text(response)


@pytest.mark.parametrize("by", list(SOCIAL_VALUE_GROUPINGS))
def test_the_dashboard_runs_the_same_queries_for_2_and_12_commitments(
    client, member, kcc_framework, directorate, other_directorate, commissioner, admin_user, by,
    django_assert_max_num_queries
):  # fmt: skip
    so_22, so_31 = (SupportingOutcome.objects.get(code=c) for c in ("2.2", "3.1"))
    measures = [
        measure("J1", proxies=[("100.00", D(2020, 1, 1))], supporting_outcomes=[so_22, so_31]),
        measure("C1", unit="hours", proxies=[("10.00", D(2020, 1, 1))], supporting_outcomes=[so_31]),
    ]
    client.force_login(member)
    url = reverse("social_value:dashboard")
    params = {"by": by, "on": ON.isoformat()}
    made = 0
    counted = None
    for n in (2, 12):
        while made < n:
            home, actor = (directorate, commissioner) if made % 2 else (other_directorate, admin_user)
            commit(ContractFactory(directorate=home), measures[made % 2], "10", actor, delivered=str(made % 6))
            made += 1
        if counted is None:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, params).status_code == 200
            counted = len(queries)
        else:
            with django_assert_max_num_queries(counted):
                response = client.get(url, params)
            assert response.status_code == 200
            assert response.context["total"].commitments == 12


# ------------------------------------------------------------------ downloads


def test_csv_download_has_the_grouped_figures(client, member, dataset):
    response = download(client, member, "csv", on=ON.isoformat(), by="directorate")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="social-value-by-directorate-2026-04-01.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Grouped by", "Directorate"] in rows
    assert ["As on", "01/04/2026"] in rows
    header = rows.index(next(r for r in rows if r and r[0] == "Directorate" and len(r) > 2))
    by_name = {r[0]: r for r in rows[header + 1 :] if r}
    asch = by_name[dataset["directorate"].name]
    assert asch[2:12] == ["3", "2", "2000.00", "900.00", "45.0", "120000.00", "1.7", "2", "0", "1"]
    assert by_name["All commitments"][4:6] == ["4000.00", "1700.00"]


def test_csv_download_by_measure_has_units_and_by_outcome_the_note(client, member, dataset):
    rows = list(csv.reader(io.StringIO(download(client, member, "csv", on=ON.isoformat(), by="measure")
                                       .content.decode("utf-8-sig"))))  # fmt: skip
    jobs = next(r for r in rows if r[:2] == ["Measure J1", "J1"])
    assert jobs[-3:] == ["30.00", "13.00", "People"]
    body = download(client, member, "csv", on=ON.isoformat(), by="supporting_outcome").content.decode("utf-8-sig")
    assert OUTCOME_NOTE in body


def test_csv_download_neutralises_formulas(client, member, dataset):
    dataset["a"].provider.__class__.objects.filter(pk=dataset["a"].provider_id).update(name="=HYPERLINK(1)")
    body = download(client, member, "csv", on=ON.isoformat(), by="provider").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body


def test_xlsx_download_keeps_money_as_numbers(client, member, dataset):
    response = download(client, member, "xlsx", on=ON.isoformat(), by="theme")
    sheet = load_workbook(io.BytesIO(response.content))["Social value by theme"]
    rows = list(sheet.iter_rows(values_only=True))
    jobs = next(r for r in rows if r[0] == "Jobs")
    assert jobs[4] == 3000 and jobs[5] == 1300


# ------------------------------------------------------------------ navigation


def test_nav_highlights_social_value_on_the_dashboard_and_local_spend_on_spend_pages(client, member):
    body = text(page(client, member))
    assert f'href="{reverse("social_value:dashboard")}" aria-current="page"' in body
    assert f'href="{reverse("social_value:local_spend")}" aria-current="page"' not in body
    client.force_login(member)
    spend = text(client.get(reverse("social_value:local_spend")))
    assert f'href="{reverse("social_value:local_spend")}" aria-current="page"' in spend
    assert f'href="{reverse("social_value:dashboard")}" aria-current="page"' not in spend


# ------------------------------------------------------------------ charts


def test_value_chart_draws_committed_and_delivered_to_one_scale(dataset):
    report = SocialValueReport(on=ON)
    chart = charts.committed_delivered_chart([(g.label, g.figures) for g in report.groups("theme")], grouped_by="theme")
    jobs, green = chart.groups
    committed, delivered = jobs.bars
    assert (committed.kind, delivered.kind) == ("committed", "delivered")
    assert committed.end == chart.right  # £3,000 is the top of a £0 to £3,000 axis
    assert delivered.width == pytest.approx(committed.width * 1300 / 3000, abs=0.2)
    assert green.bars[0].width == pytest.approx(committed.width / 3, abs=0.2)
    assert "Jobs: committed £3,000.00, delivered £1,300.00 (43.3%)" in chart.description
    assert [t.label for t in chart.x_ticks] == ["£0", "£1.0k", "£2.0k", "£3.0k"]


def test_status_chart_splits_each_group_by_status(dataset):
    total = SocialValueReport(on=ON).total()
    chart = charts.status_chart([("All commitments", total)])
    (group,) = chart.groups
    assert [b.kind for b in group.bars] == ["on_track", "at_risk", "behind"]
    assert [b.value for b in group.bars] == [2, 1, 1]
    on_track, at_risk, behind = group.bars
    assert on_track.width == pytest.approx(chart.plot_width / 2, abs=0.2)
    assert behind.end == chart.right
    assert "All commitments: 2 on track, 1 at risk, 1 behind" in chart.description


def test_charts_without_commitments_say_so():
    assert charts.committed_delivered_chart([]).empty
    assert charts.status_chart([]).description == "No social value commitments to chart."
