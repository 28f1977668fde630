"""`manage.py demo`: the seeded demonstration set people see first (issue: demo data).

The command runs once per module inside a transaction that is rolled back afterwards, so
the ~250 contracts do not leak into other tests and each test below reads the same set. With
pytest-xdist the Makefile sends each file's tests to one worker (`--dist loadfile`), so the demo
is loaded once, not once a worker.
"""

import csv
import datetime
import io
import re
import statistics
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from commissioning.choices import Role
from commissioning.models import Framework, SupportingOutcome, User
from contracts.choices import ContractCategory, ContractStatus, Location, Sector, SizeBand
from contracts.models import Contract, Provider
from outcomes_link.demo import DEFAULT_SEED, DEMO_PASSWORD, DemoResult, demo_plan
from outcomes_link.demo_social_value import FITTING, demo_social_value_load, social_value_figures
from outcomes_link.models import OutcomeLink
from social_value.models import DeliveryReturn, DeliveryStatus, SocialValueCommitment, SocialValueMeasure
from social_value.selectors import commitment_list, commitment_progress
from social_value.services import proxy_for

DIRECTORATE_PREFIX = {"ASCH": "AS", "CYPE": "CY", "PH": "PH", "GET": "GT", "SCS": "SC"}


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            out = StringIO()
            call_command("demo", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def test_demo_loads_the_kcc_framework(demo):
    framework = Framework.objects.get(is_default=True)
    assert framework.council == "Kent County Council"
    assert framework.strategic_outcomes.count() == 3
    assert framework.supporting_outcomes.count() == 20


def test_demo_loads_about_250_contracts_across_all_five_directorates(demo):
    contracts = Contract.objects.select_related("directorate")
    assert 230 <= contracts.count() <= 270
    per_directorate = dict(contracts.values_list("directorate__code").annotate(n=Count("id")))
    assert set(per_directorate) == set(DIRECTORATE_PREFIX)
    assert min(per_directorate.values()) >= 20
    for contract in contracts:
        # "SC15001": directorate prefix, two-digit start year, number within the year
        match = re.fullmatch(r"([A-Z]{2})(\d{2})(\d{3})", contract.reference)
        assert match, contract.reference
        assert match[1] == DIRECTORATE_PREFIX[contract.directorate.code]
        assert int(match[2]) == contract.start_date.year % 100
        assert Decimal("20000") <= contract.annual_value <= Decimal("60000000")
        assert contract.end_date > contract.start_date
        assert contract.commissioner.directorate_id == contract.directorate_id


def test_demo_contracts_are_mostly_active_with_some_pipeline_expired_terminated_and_ending_soon(demo):
    by_status = dict(Contract.objects.values_list("status").annotate(n=Count("id")))
    total = sum(by_status.values())
    assert by_status[ContractStatus.ACTIVE] / total > 0.6
    assert by_status[ContractStatus.PIPELINE] > 0
    assert by_status[ContractStatus.EXPIRED] > 0
    assert by_status[ContractStatus.TERMINATED] > 0
    today = datetime.date.today()
    for contract in Contract.objects.filter(status=ContractStatus.ACTIVE):
        assert contract.start_date <= today <= contract.current_end_date, contract.reference
    for contract in Contract.objects.filter(status=ContractStatus.EXPIRED):
        assert contract.current_end_date < today, contract.reference
    for contract in Contract.objects.filter(status=ContractStatus.PIPELINE):
        assert contract.start_date > today, contract.reference
    ending_soon = [c for c in Contract.objects.filter(status=ContractStatus.ACTIVE) if c.is_ending_soon(today)]
    assert 3 <= len(ending_soon) <= 15


def test_demo_providers_are_a_realistic_mix_about_63_percent_kent_based(demo):
    # The contracted providers; the spend file's long tail of other suppliers is tested below.
    providers = Provider.objects.filter(pk__in=Contract.objects.values("provider_id"))
    total = providers.count()
    assert 130 <= total <= 170
    kent_based = providers.filter(location=Location.LOCAL).count()
    assert 58 <= 100 * kent_based / total <= 68
    assert providers.filter(size=SizeBand.MICRO).exists()
    assert providers.filter(size__in=[SizeBand.SMALL, SizeBand.MEDIUM]).exists()
    assert providers.filter(size=SizeBand.LARGE).exists()
    assert providers.filter(sector=Sector.VCS).count() >= 15
    assert providers.filter(sector=Sector.PUBLIC).exists()
    assert providers.filter(location=Location.OUTSIDE).count() >= 20
    # Medway and Bexley are outside Kent County Council's area; no postcode means unknown.
    assert providers.filter(postcode__regex=r"^(ME4|ME5|ME7|ME8|DA5|DA6|DA7|DA8) ").exists()
    assert (
        not providers.filter(postcode__regex=r"^(ME4|ME5|ME7|ME8|DA5|DA6|DA7|DA8) ")
        .exclude(location=Location.OUTSIDE)
        .exists()
    )
    unknown = providers.filter(location=Location.UNKNOWN)
    assert unknown.filter(postcode="").exists()
    assert unknown.exclude(postcode="").exists()  # a split postcode district, never guessed
    # Every provider holds a contract or is paid in the spend file.
    assert not Provider.objects.filter(contracts__isnull=True, spend_lines__isnull=True).exists()


def test_every_active_demo_contract_is_linked_with_shares_totalling_100_and_one_primary(demo):
    active = Contract.objects.filter(status=ContractStatus.ACTIVE).annotate(
        share_total=Sum("outcome_links__contribution_share"),
        primaries=Count("outcome_links", filter=Q(outcome_links__is_primary=True)),
    )
    assert active.count() > 150
    for contract in active:
        assert contract.share_total == Decimal("100"), contract.reference
        assert contract.primaries == 1, contract.reference
    assert not OutcomeLink.objects.filter(rationale="").exists()
    homecare = Contract.objects.filter(title__startswith="Home care and support", outcome_links__isnull=False).first()
    shares = {
        link.supporting_outcome.code: (link.contribution_share, link.is_primary)
        for link in homecare.outcome_links.all()
    }
    assert shares == {"3.5": (Decimal("70"), True), "3.1": (Decimal("30"), False)}


@pytest.mark.parametrize(
    "username,role",
    [
        ("cllr.member", Role.MEMBER),
        ("commissioner", Role.COMMISSIONER),
        ("procurement", Role.PROCUREMENT),
        ("admin", Role.ADMIN),
    ],
)
def test_one_demo_user_per_role_can_sign_in(demo, client, username, role):
    assert client.login(username=username, password=DEMO_PASSWORD)
    user = User.objects.get(username=username)
    assert user.has_role(role)


def test_demo_commissioner_belongs_to_adult_social_care_and_admin_is_superuser(demo):
    assert User.objects.get(username="commissioner").directorate.code == "ASCH"
    assert User.objects.get(username="admin").is_superuser
    commissioned = set(Contract.objects.values_list("directorate__code", flat=True).distinct())
    with_commissioner = set(
        User.objects.filter(groups__name=Role.COMMISSIONER).values_list("directorate__code", flat=True)
    )
    assert commissioned <= with_commissioner


def test_demo_output_prints_the_credentials(demo):
    for username in ("cllr.member", "commissioner", "procurement", "admin"):
        assert username in demo
    assert DEMO_PASSWORD in demo


def test_running_demo_twice_creates_and_changes_nothing(demo):
    models = [m for m in apps.get_models() if not m._meta.proxy]
    before = {m._meta.label: m.objects.count() for m in models}
    history_models = [label for label in before if label.split(".")[1].startswith("Historical")]
    assert len(history_models) >= 8
    out = StringIO()
    call_command("demo", stdout=out)
    after = {m._meta.label: m.objects.count() for m in models}
    assert after == before
    assert "nothing was changed" in out.getvalue()


def test_the_same_seed_plans_the_same_set_and_another_seed_keeps_the_kent_share():
    today = datetime.date(2026, 4, 1)
    first, again = demo_plan(seed=2015, today=today), demo_plan(seed=2015, today=today)
    assert [c.fields for c in first.contracts] == [c.fields for c in again.contracts]
    assert [p.fields for p in first.providers] == [p.fields for p in again.providers]
    other = demo_plan(seed=99, today=today)
    assert [p.fields["name"] for p in other.providers] != [p.fields["name"] for p in first.providers]
    kent = sum(p.where == "kent" for p in other.providers) / len(other.providers)
    assert 0.58 <= kent <= 0.68


# --- Contract performance (issue 3) ------------------------------------------------------------


def _performance_plan():
    from django.utils import timezone

    from outcomes_link.demo import DEFAULT_SEED, performance_plan

    today = timezone.localdate()
    return performance_plan(plan=demo_plan(seed=DEFAULT_SEED, today=today), seed=DEFAULT_SEED, today=today)


def test_demo_gives_a_subset_of_active_contracts_3_to_5_kpis_and_two_years_of_returns(demo):
    from contracts.models import KPI, KPIReturn

    plan = _performance_plan()
    with_kpis = Contract.objects.annotate(n=Count("kpis")).filter(n__gt=0)
    assert 25 <= with_kpis.count() <= 45
    assert with_kpis.count() == len(plan.contracts)
    for contract in with_kpis:
        assert 3 <= contract.n <= 5, contract.reference
        assert contract.status == ContractStatus.ACTIVE
    assert KPI.objects.count() == sum(len(c.kpis) for c in plan.contracts)
    assert KPIReturn.objects.count() == plan.return_count
    frequencies = dict(KPI.objects.values_list("frequency").annotate(n=Count("id")))
    assert frequencies["quarterly"] > frequencies["monthly"] > 0
    assert 0 < frequencies["annual"] < frequencies["monthly"]
    names = set(KPI.objects.values_list("name", flat=True))
    assert {"Care visits delivered on time", "Missed visits"} <= names
    assert KPI.objects.filter(name="Missed visits", polarity="lower", unit="count").exists()
    assert KPI.objects.exclude(deduction_rule="none").values("deduction_rule").distinct().count() == 3
    # Returns span the last 8 ended quarters: older ones accepted, the last two submitted.
    first, last = plan.quarters[0], plan.quarters[-1]
    assert not KPIReturn.objects.filter(period_end__gt=last.end).exists()
    assert not KPIReturn.objects.filter(period_end__lt=first.start).exists()
    assert not KPIReturn.objects.filter(period_end__lt=plan.quarters[-2].start).exclude(status="accepted").exists()
    assert not KPIReturn.objects.filter(period_end__gte=plan.quarters[-2].start).exclude(status="submitted").exists()


def test_demo_commissioner_has_this_quarters_returns_still_to_enter(demo):
    from contracts.models import KPIReturn
    from contracts.selectors import overdue_returns, returns_due_in_quarter

    plan = _performance_plan()
    last = plan.quarters[-1]
    theirs = Contract.objects.filter(commissioner__username="commissioner", kpis__isnull=False).distinct()
    assert theirs.count() >= 4
    due = returns_due_in_quarter(contracts=theirs, quarter=last)
    assert due and all(d.kpi_return is None for d in due)
    assert not KPIReturn.objects.filter(contract__in=theirs, period_end__gte=last.start).exists()
    # Others returned the last quarter, and a few of them missed the one before (overdue whatever the date).
    others = Contract.objects.exclude(commissioner__username="commissioner").filter(kpis__isnull=False).distinct()
    assert KPIReturn.objects.filter(contract__in=others, period_end__gte=last.start).exists()
    overdue_elsewhere = [d for d in overdue_returns(contracts=others) if d.period.quarter() == plan.quarters[-2]]
    assert 1 <= len({d.kpi.contract_id for d in overdue_elsewhere}) <= 3


def test_demo_has_concerns_deductions_and_assessments_derived_by_the_services(demo, client):
    from contracts.models import Deduction, PerformanceAssessment, PerformanceConcern
    from contracts.selectors import contracts_missing_key_kpis, overdue_assessments

    open_concerns = PerformanceConcern.objects.filter(resolved_at__isnull=True)
    assert 2 <= open_concerns.count() <= 10
    asch = open_concerns.filter(contract__directorate__code="ASCH", contract__outcome_links__isnull=False).first()
    assert asch is not None
    assert PerformanceConcern.objects.filter(resolved_at__isnull=False).exclude(resolution_note="").count() == 1
    # The ASCH concern shows on its contract's supporting outcome page, for a member.
    code = asch.contract.outcome_links.first().supporting_outcome.code
    assert client.login(username="cllr.member", password=DEMO_PASSWORD)
    html = client.get(reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": code})).content.decode()
    assert escape(asch.explanation) in html

    statuses = dict(Deduction.objects.values_list("status").annotate(n=Count("id")))
    assert statuses.get("proposed", 0) >= 2 and statuses.get("applied", 0) >= 2
    assert statuses.get("waived") == 1 and statuses.get("disputed") == 1
    assert not Deduction.objects.filter(status__in=["waived", "disputed"], reason="").exists()

    assert PerformanceAssessment.objects.filter(status="confirmed").count() >= 3
    assert overdue_assessments()
    # Procurement Act 2023 s.52: one contract over £5m is left short of key KPIs with no reason.
    assert contracts_missing_key_kpis().count() == 1
    with_three = Contract.objects.filter(total_value__gt=5_000_000, kpis__is_key=True).annotate(n=Count("kpis"))
    assert with_three.filter(n__gte=3).exists()


def test_demo_output_prints_the_performance_figures(demo):
    from contracts.models import KPI, KPIReturn, PerformanceConcern

    line = next(line for line in demo.splitlines() if line.startswith("Performance:"))
    assert f"{KPI.objects.count()} KPIs" in line
    assert f"{KPIReturn.objects.count()} KPI returns" in line
    assert f"{PerformanceConcern.objects.filter(resolved_at__isnull=True).count()} open performance concern" in line
    assert re.search(r"deductions £[\d,]+\.\d\d proposed and £[\d,]+\.\d\d applied", line)


def test_the_same_seed_plans_the_same_kpis_and_returns():
    first, again = _performance_plan(), _performance_plan()
    assert [(c.reference, [(k.fields, k.values) for k in c.kpis]) for c in first.contracts] == [
        (c.reference, [(k.fields, k.values) for k in c.kpis]) for c in again.contracts
    ]
    assert first.waive[0] and first.dispute[0] and first.flagged


# --- Local spend (issue 4) ---------------------------------------------------------------------


def _financial_year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


def test_spend_years_are_the_two_most_recent_complete_financial_years():
    from outcomes_link.demo_spend import spend_years

    assert spend_years(datetime.date(2026, 3, 31)) == [2023, 2024]
    assert spend_years(datetime.date(2026, 4, 1)) == [2024, 2025]
    assert spend_years(datetime.date(2026, 11, 24)) == [2024, 2025]


def test_demo_imports_a_spend_file_of_about_50000_lines_over_two_financial_years(demo):
    from django.utils import timezone

    from contracts.models import SpendImport, SpendLine
    from outcomes_link.demo_spend import SPEND_PUBLISHER, spend_years

    spend_import = SpendImport.objects.select_related("publisher", "imported_by").get()
    assert spend_import.publisher.name == SPEND_PUBLISHER
    assert spend_import.imported_by.username == "procurement"
    assert spend_import.status == "imported"
    assert spend_import.encoding == "cp1252"
    assert spend_import.file_name.startswith("kcc-spend-") and spend_import.file_name.endswith(".csv")
    # Every line counts: repeated and identical lines included, so the file and the table agree.
    assert 48_000 <= spend_import.rows <= 52_000
    assert spend_import.lines_added == spend_import.rows == SpendLine.objects.count()
    assert spend_import.total_pence == SpendLine.objects.aggregate(p=Sum("amount_pence"))["p"]

    first, last = spend_years(timezone.localdate())
    assert last == first + 1
    assert spend_import.first_date == _financial_year(first)[0]
    assert spend_import.last_date == _financial_year(last)[1] < timezone.localdate()
    for year in (first, last):
        in_year = SpendLine.objects.filter(payment_date__range=_financial_year(year)).count()
        assert 24_000 <= in_year <= 26_000
    assert not SpendLine.objects.filter(payment_date__week_day__in=(1, 7)).exists()  # payment runs on weekdays


def test_demo_spend_resembles_the_councils_2015_16_table_in_each_financial_year(demo):
    from django.utils import timezone

    from contracts.models import SpendLine
    from outcomes_link.demo_spend import spend_years
    from social_value.reports import LocalSpendReport

    pounds_m = 100_000_000  # pence in £1m
    for year in spend_years(timezone.localdate()):
        s = LocalSpendReport(SpendLine.objects.filter(payment_date__range=_financial_year(year))).summary()
        # 2016 Annual Report: £1.19bn; £639.64m (54.0%) Kent; 63% of suppliers Kent-based; £452m SMEs;
        # £335m Kent SMEs; £67m Kent micro; £170m VCS, £78.2m of it Kent-based.
        assert 1_180 * pounds_m <= s.total_spend <= 1_195 * pounds_m
        assert Decimal("53.5") <= s.kent_share <= Decimal("54.5")
        assert Decimal("61") <= s.kent_supplier_share <= Decimal("65")
        for figure, millions in (
            ("kent_spend", 639.64),
            ("sme_spend", 452),
            ("kent_sme_spend", 335),
            ("kent_micro_spend", 67),
            ("vcs_spend", 170),
            ("kent_vcs_spend", 78.2),
        ):
            assert abs(getattr(s, figure) / pounds_m - millions) <= millions * 0.02, figure
        assert s.suppliers >= 900
        # Unknowns are shown, never counted as not local; most spend is matched and classified.
        assert 0 < s.redacted_spend < s.total_spend * 0.03
        assert 0 < s.unmatched_spend < s.total_spend * 0.02
        assert s.unknown_location_spend > s.unmatched_spend


def test_demo_spend_has_what_real_files_have(demo):
    from contracts.models import SpendLine

    lines = SpendLine.objects.all()
    assert lines.filter(amount_pence__lt=0).count() >= 50  # credit notes
    assert lines.filter(occurrence__gt=1).exists()  # identical lines, each counted
    invoices = lines.values("transaction_number").annotate(n=Count("id"), amounts=Count("amount_pence", distinct=True))
    assert invoices.filter(n__gt=1, amounts__gt=1).count() >= 500  # one invoice paid over several lines
    redacted = lines.filter(redacted=True)
    assert redacted.count() >= 1_000
    assert not redacted.filter(provider__isnull=False).exists()
    assert set(redacted.values_list("supplier_name", flat=True)) == {"Redacted Personal Information", "REDACTED"}
    assert lines.filter(capital_revenue="capital").exists() and lines.filter(capital_revenue="revenue").exists()
    assert lines.exclude(service_area="").values("service_area").distinct().count() >= 15
    # Names written differently by the finance system ("LIMITED", "and") still match their provider.
    written = lines.filter(provider__isnull=False).exclude(supplier_name=models.F("provider__name"))
    assert written.exists()
    # Spend follows the contracts: where a provider holds one contract in force, lines are put against it.
    linked = lines.filter(contract__isnull=False).select_related("contract")
    assert linked.count() >= 5_000
    for line in linked[:200]:
        assert line.contract.start_date <= line.payment_date <= line.contract.current_end_date
        assert line.contract.provider_id == line.provider_id


def test_unmatched_demo_suppliers_include_misspelt_providers_with_suggestions(demo):
    from contracts.selectors import unmatched_suppliers, unmatched_suppliers_queryset

    rows = unmatched_suppliers(list(unmatched_suppliers_queryset()))
    assert 20 <= len(rows) <= 100
    suggested = [row for row in rows if row.suggestions]
    assert len(suggested) >= 10
    for row in suggested:
        best = row.suggestions[0]
        assert best.score >= 85
        assert best.provider_name != row.name
    # Some names nobody has registered: nothing to suggest, for a person to create or leave.
    assert any(not row.suggestions for row in rows)


def test_demo_output_prints_the_local_spend_figures(demo):
    from django.utils import timezone

    from contracts.periods import financial_year_label
    from outcomes_link.demo_spend import spend_years

    lines = [line for line in demo.splitlines() if line.startswith("Local spend ")]
    assert [line.split(":")[0] for line in lines] == [
        f"Local spend {financial_year_label(year)}" for year in spend_years(timezone.localdate())
    ]
    for line in lines:
        assert re.search(r"total £1,1\d\d\.\d\dm", line)
        assert re.search(r"Kent-based £6\d\d\.\d\dm \(5\d\.\d%\)", line)
        assert re.search(r"[\d,]+ suppliers, [\d,]+ Kent-based \(6\d\.\d%\)", line)
        assert "redacted £" in line and "unmatched £" in line


def test_the_same_seed_writes_the_same_spend_file_in_the_councils_layout(tmp_path):
    from outcomes_link.demo_spend import (
        SPEND_HEADINGS,
        file_digest,
        spend_file_write,
        spend_plan,
        tail_supplier_plan,
    )

    today = datetime.date(2026, 4, 1)
    paths = []
    for name in ("first.csv", "again.csv"):
        plan = demo_plan(seed=2015, today=today)
        spend = spend_plan(plan=plan, tail=tail_supplier_plan(plan=plan, seed=2015), seed=2015, today=today)
        paths.append(spend_file_write(spend, tmp_path / name))
    assert file_digest(paths[0]) == file_digest(paths[1])
    assert spend.file_name == "kcc-spend-2024-25-to-2025-26.csv"
    assert [y.label for y in spend.years] == ["2024-25", "2025-26"]

    raw = paths[0].read_bytes()
    assert b"\xa3" in raw  # £ in Windows cp1252, as the council's finance system writes it
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("cp1252"))))
    assert tuple(rows[0]) == SPEND_HEADINGS
    assert len(rows) - 1 == spend.line_count
    assert 48_000 <= spend.line_count <= 52_000
    body = rows[1:]
    assert all(re.fullmatch(r"\d\d/\d\d/20\d\d", row[4]) for row in body[:1000])
    assert all(re.fullmatch(r"-?£\d{1,3}(,\d{3})*\.\d\d", row[6]) for row in body)
    assert any(row[6].startswith("-£") for row in body)
    assert {row[8] for row in body} == {"Capital", "Revenue"}
    assert {row[0] for row in body} == {"Kent County Council"}


def test_the_demos_golden_thread_report_covers_all_20_supporting_outcomes_with_a_contents_page(demo):
    """Issue 6's acceptance: in the demo, the golden thread report opens as a PDF with a contents page
    and a section (and bookmark) for every supporting outcome, with the figures of the outcomes page."""
    from pypdf import PdfReader

    from commissioning.templatetags.gt import money
    from outcomes_link.reports.golden_thread import GoldenThreadReport
    from outcomes_link.selectors import outcome_scorecards

    rendered = GoldenThreadReport().render()
    pdf = PdfReader(io.BytesIO(rendered.content))
    assert rendered.pages == len(pdf.pages) > 20
    contents = pdf.pages[1].extract_text()
    assert contents.startswith("Contents") and "Kent County Council" in contents
    text = "\n".join(page.extract_text() for page in pdf.pages)
    bookmarks = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                bookmarks.append(item.title)

    walk(pdf.outline)
    cards = outcome_scorecards()
    outcomes = SupportingOutcome.objects.filter(framework__is_default=True)
    assert outcomes.count() == 20
    for outcome in outcomes:
        assert any(title.startswith(f"{outcome.code} ") for title in bookmarks), outcome.code
        assert outcome.code in contents
        assert money(cards.supporting[outcome.pk].attributed_value) in text, outcome.code


# --- The demo's social value (issue 5) ------------------------------------------------------------
# Commitments on about half of the demo contracts, delivery returns verified, rejected and awaiting
# verification, and a mix of statuses today. In this module so the demo is loaded once.


def test_the_demo_loads_the_default_catalogue(demo):
    assert SocialValueMeasure.objects.count() == 21
    assert "21 social value measures" in demo


def test_about_half_of_the_demo_contracts_have_one_to_four_commitments_favouring_large_active_ones(demo):
    contracts = list(Contract.objects.annotate(n=Count("social_value_commitments")))
    committed = [c for c in contracts if c.n]
    others = [c for c in contracts if not c.n]
    assert 0.4 <= len(committed) / len(contracts) <= 0.6
    assert {c.n for c in committed} <= {1, 2, 3, 4}
    assert len({c.n for c in committed}) >= 3

    def active_share(group):
        return sum(c.status == ContractStatus.ACTIVE for c in group) / len(group)

    assert active_share(committed) > active_share(others)
    assert statistics.median(c.annual_value for c in committed) > statistics.median(c.annual_value for c in others)


def test_commitments_are_of_measures_that_fit_the_service_and_take_the_proxy_of_the_start_date(demo):
    commitments = list(SocialValueCommitment.objects.select_related("contract", "measure"))
    for c in commitments:
        assert c.measure.code in {code for code, _ in FITTING[c.contract.category]}, (c.contract.category, c)
        assert c.committed_on == c.start_date == c.contract.start_date
        assert c.due_date == c.contract.current_end_date
        assert c.quantity > 0
    by_category = Counter((c.contract.category, c.measure.code) for c in commitments)
    assert by_category[(ContractCategory.CHILDRENS_SERVICES, "SV4.2.1")] > 0  # care leavers
    assert by_category[(ContractCategory.ADULT_SOCIAL_CARE, "SV5.2.1")] > 0  # volunteering
    assert by_category[(ContractCategory.HIGHWAYS_TRANSPORT, "SV3.1.1")] > 0  # carbon saved

    valued = [c for c in commitments if c.proxy_value is not None]
    assert valued and all(c.committed_value > 0 for c in valued)
    for c in valued[:20]:
        assert c.proxy_value == proxy_for(c.measure, c.committed_on).value


def test_today_the_commitments_are_a_mix_of_on_track_at_risk_and_behind(demo):
    statuses = Counter(p.status for p in commitment_progress(commitment_list(), on=timezone.localdate()))
    total = sum(statuses.values())
    assert 0.45 <= statuses["on_track"] / total <= 0.72
    assert 0.15 <= statuses["at_risk"] / total <= 0.35
    assert 0.08 <= statuses["behind"] / total <= 0.25


def test_most_returns_are_verified_by_the_contracts_commissioner_some_rejected_and_the_last_quarter_waits(demo):
    returns = list(DeliveryReturn.objects.select_related("commitment__contract"))
    by_status = Counter(r.status for r in returns)
    assert by_status[DeliveryStatus.VERIFIED] > 0.7 * len(returns)
    assert by_status[DeliveryStatus.REJECTED] >= 10
    assert by_status[DeliveryStatus.SUBMITTED] >= 20
    today = timezone.localdate()
    for r in returns:
        contract = r.commitment.contract
        assert r.period_end < today
        assert r.evidence_note
        if r.status == DeliveryStatus.VERIFIED:
            assert r.verified_by_id == contract.commissioner_id
        elif r.status == DeliveryStatus.REJECTED:
            assert r.rejection_reason
        else:
            # Awaiting verification: the latest quarter of a contract still running.
            assert contract.current_end_date >= today
            assert (today - r.period_end).days <= 92
    # A rejected return was sent again, corrected, for the same period.
    rejected = next(r for r in returns if r.status == DeliveryStatus.REJECTED)
    again = [
        r
        for r in returns
        if r.commitment_id == rejected.commitment_id and r.period_start == rejected.period_start and r != rejected
    ]
    assert again and again[0].quantity < rejected.quantity


def test_the_summary_figures_add_up(demo):
    figures = social_value_figures()
    assert figures.commitments == SocialValueCommitment.objects.count()
    assert figures.contracts == Contract.objects.filter(social_value_commitments__isnull=False).distinct().count()
    assert figures.on_track + figures.at_risk + figures.behind == figures.commitments
    assert 0 < figures.delivered_value < figures.committed_value
    assert figures.awaiting_verification == DeliveryReturn.objects.filter(status=DeliveryStatus.SUBMITTED).count()


def test_loading_the_demo_social_value_again_adds_nothing(demo):
    before = (
        SocialValueCommitment.objects.count(),
        DeliveryReturn.objects.count(),
        SocialValueCommitment.history.count(),
        DeliveryReturn.history.count(),
    )
    again = DemoResult()
    demo_social_value_load(seed=DEFAULT_SEED, result=again)
    assert not again.created_anything
    assert again.existing["contracts with social value commitments"] == social_value_figures().contracts
    after = (
        SocialValueCommitment.objects.count(),
        DeliveryReturn.objects.count(),
        SocialValueCommitment.history.count(),
        DeliveryReturn.history.count(),
    )
    assert after == before


# --- Contract variations and open data out (issue 7) -------------------------------------------------


def test_demo_varies_a_few_contracts_through_contract_update_some_needing_a_change_notice(demo):
    from commissioning.as_at import as_at
    from contracts.models import ContractVariation

    variations = list(ContractVariation.objects.select_related("contract", "varied_by").order_by("varied_on"))
    assert 6 <= len(variations) <= 8
    flagged = [v for v in variations if v.needs_change_notice]
    assert 2 <= len(flagged) < len(variations)
    assert any(v.term_change_percent and v.term_change_percent > 10 for v in flagged)  # a long extension
    assert any(v.value_change_percent and v.value_change_percent < -10 for v in flagged)  # a reduction
    today = timezone.localdate()
    for v in variations:
        contract = v.contract
        assert contract.start_date < v.varied_on < today
        assert v.reason and v.explanation
        assert v.varied_by == contract.commissioner
        assert (contract.total_value, contract.current_end_date) == (v.total_value_after, v.end_date_after)
    # The history has the variation on its day: the contract as it stood the day before, and on the day.
    for v in variations[:2]:
        with as_at(v.varied_on - datetime.timedelta(days=1)):
            assert Contract.objects.get(pk=v.contract_id).total_value == v.total_value_before
        with as_at(v.varied_on):
            assert Contract.objects.get(pk=v.contract_id).total_value == v.total_value_after
    line = next(line for line in demo.splitlines() if line.startswith("Contract variations:"))
    assert f"{len(variations)}, {len(flagged)} needing a contract change notice" in line


def test_the_demos_whole_ocds_export_validates_with_payments_kpis_deductions_and_variations(demo):
    from contracts.exports import contracts_register_csv, contracts_release_package, package_counts
    from contracts.models import ContractVariation, Deduction, SpendLine
    from contracts.ocds import validate_release_package

    package = contracts_release_package()
    assert validate_release_package(package) == []
    counts = package_counts(package)
    assert counts.releases == Contract.objects.count()
    linked = SpendLine.objects.filter(contract__isnull=False, redacted=False).count()
    assert counts.transactions == linked > 1000
    assert counts.metrics > 50 and counts.observations > counts.metrics
    assert counts.performance_failures == Deduction.objects.filter(status="applied").count() > 0
    assert counts.amendments == ContractVariation.objects.count()

    rows = list(csv.DictReader(io.StringIO(contracts_register_csv())))
    assert len(rows) == Contract.objects.filter(total_value__gt=5000).count()
    assert {row["SME"] for row in rows} <= {"Yes", "No", "Not known"}
