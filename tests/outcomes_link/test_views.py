"""The outcome and register pages as each role uses them: who sees what, what the pages say,
that filters and the links form work, and that every page runs a fixed number of queries."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from commissioning.choices import Role
from commissioning.models import SupportingOutcome
from contracts.choices import ContractStatus
from outcomes_link.models import OutcomeLink
from tests.contracts.factories import ContractFactory, ProviderFactory, import_spend, spend_csv
from tests.outcomes_link.factories import OutcomeLinkFactory

pytestmark = pytest.mark.django_db

FRAMEWORK_JSON = Path(settings.BASE_DIR) / "commissioning" / "data" / "kcc_framework_2015_2020.json"
TODAY = datetime.date.today()


def _so(code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(code=code, framework__is_default=True)


def _linked_contract(directorate, code="1.2", **kwargs):
    contract = ContractFactory(directorate=directorate, **kwargs)
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=_so(code), contribution_share=Decimal("100"), is_primary=True
    )
    return contract


@pytest.fixture
def thread(kcc_framework, directorate, other_directorate):
    """Three contracts: one linked 60/40 to 1.2 and 3.1, one ending soon and unlinked, one in another directorate."""
    provider = ProviderFactory(name="Kent Care Partnership")
    split = ContractFactory(
        reference="KCC-SPLIT",
        title="Family support hubs",
        directorate=directorate,
        provider=provider,
        annual_value=Decimal("100000.00"),
    )
    OutcomeLinkFactory(
        contract=split,
        supporting_outcome=_so("1.2"),
        contribution_share=Decimal("60"),
        is_primary=True,
        rationale="Keeps families out of crisis.",
    )
    OutcomeLinkFactory(
        contract=split,
        supporting_outcome=_so("3.1"),
        contribution_share=Decimal("40"),
        rationale="Supports carers with long-term conditions.",
    )
    ending = ContractFactory(
        reference="KCC-ENDING",
        title="Day opportunities",
        directorate=directorate,
        start_date=TODAY - datetime.timedelta(days=700),
        end_date=TODAY + datetime.timedelta(days=60),
        extension_months_available=0,
        annual_value=Decimal("50000.00"),
    )
    other = _linked_contract(other_directorate, code="2.2", reference="KCC-OTHER", title="Highways skills academy")
    return {"split": split, "ending": ending, "other": other, "provider": provider}


def _pages(thread) -> dict[str, str]:
    split = thread["split"]
    return {
        "home": reverse("outcomes_link:home"),
        "outcome_list": reverse("outcomes_link:outcome_list"),
        "strategic": reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "1"}),
        "supporting": reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"}),
        "register": reverse("outcomes_link:contract_list"),
        "detail": reverse("outcomes_link:contract_detail", kwargs={"pk": split.pk}),
    }


# --- Who may open what -------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_from_every_page(client, thread):
    pages = {**_pages(thread), "links": reverse("outcomes_link:contract_outcomes", kwargs={"pk": thread["split"].pk})}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_user_without_a_role_is_refused_every_page(client, thread, no_role_user):
    client.force_login(no_role_user)
    pages = {**_pages(thread), "links": reverse("outcomes_link:contract_outcomes", kwargs={"pk": thread["split"].pk})}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 403, name
        assert "You cannot do this" in response.content.decode(), name


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT, Role.COMMISSIONER, Role.ADMIN])
def test_every_role_reads_every_page(client, thread, users, role):
    client.force_login(users[role])
    for name, url in _pages(thread).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "govuk-template" in response.content.decode(), name


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT])
def test_roles_that_do_not_commission_cannot_open_the_links_form(client, thread, users, role):
    client.force_login(users[role])
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": thread["split"].pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


def test_commissioner_cannot_change_links_of_another_directorate(client, thread, commissioner):
    client.force_login(commissioner)
    other = thread["other"]
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": other.pk})
    assert client.get(url).status_code == 403
    response = client.post(url, _links_post([("2.2", "100", True, "Trying anyway")]))
    assert response.status_code == 403
    assert OutcomeLink.objects.get(contract=other).rationale != "Trying anyway"


def test_commissioner_and_admin_open_the_links_form_of_own_directorate(client, thread, commissioner, admin_user):
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": thread["split"].pk})
    for user in (commissioner, admin_user):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_edit_buttons_only_for_those_who_may_edit(client, thread, users):
    split = thread["split"]
    url = reverse("outcomes_link:contract_detail", kwargs={"pk": split.pk})
    links_url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": split.pk})
    for role, may_edit in [
        (Role.MEMBER, False),
        (Role.PROCUREMENT, False),
        (Role.COMMISSIONER, True),
        (Role.ADMIN, True),
    ]:
        client.force_login(users[role])
        html = client.get(url).content.decode()
        assert (links_url in html) is may_edit, role
        assert ("Change contract" in html) is may_edit, role


def test_commissioner_sees_no_edit_button_on_another_directorates_contract(client, thread, commissioner):
    client.force_login(commissioner)
    other = thread["other"]
    html = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": other.pk})).content.decode()
    assert reverse("outcomes_link:contract_outcomes", kwargs={"pk": other.pk}) not in html
    assert "Change contract" not in html


def test_unknown_contract_and_outcome_are_404_not_500(client, thread, member):
    client.force_login(member)
    assert client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "9.9"})).status_code == 404
    assert client.get(reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "9"})).status_code == 404


# --- The shell every page shares -----------------------------------------------------------------


def test_pages_have_skip_link_council_name_and_no_internet_assets(client, thread, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:outcome_list")).content.decode()
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "Kent County Council" in html and "Golden Thread" in html
    assert "<title>Outcomes – Golden Thread – Kent County Council</title>" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert 'style="' not in html
    assert "<script>" not in html


def test_navigation_shows_admin_only_to_admins(client, thread, member, admin_user):
    admin_url = reverse("admin:index")
    client.force_login(member)
    assert f'href="{admin_url}"' not in client.get(reverse("outcomes_link:home")).content.decode()
    client.force_login(admin_user)
    assert f'href="{admin_url}"' in client.get(reverse("outcomes_link:home")).content.decode()


def test_sign_out_is_a_post_form(client, thread, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:home")).content.decode()
    assert f'method="post" action="{reverse("logout")}"' in html


def test_sign_in_with_wrong_password_shows_error_summary(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "<title>Error: Sign in" in html


# --- Home --------------------------------------------------------------------------------------


def test_home_for_commissioner_lists_ending_soon_and_unlinked_contracts_of_their_directorate(
    client, thread, commissioner
):
    client.force_login(commissioner)
    html = client.get(reverse("outcomes_link:home")).content.decode()
    assert "KCC-ENDING" in html
    assert "Ends within 6 months" in html
    # The unlinked contract links straight to its outcomes form.
    assert reverse("outcomes_link:contract_outcomes", kwargs={"pk": thread["ending"].pk}) in html
    # Another directorate's contract is not on this commissioner's list.
    assert "KCC-OTHER" not in html


def test_home_for_member_shows_the_three_strategic_outcomes(client, thread, kcc_framework, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:home")).content.decode()
    for so in kcc_framework.strategic_outcomes.all():
        assert escape(so.title) in html
    assert reverse("outcomes_link:outcome_list") in html


def test_home_for_procurement_shows_provider_counts(client, thread, procurement):
    client.force_login(procurement)
    html = client.get(reverse("outcomes_link:home")).content.decode()
    assert "Providers" in html
    assert reverse("contracts:provider_list") in html
    assert "Your directorate" not in html


# --- Outcomes ----------------------------------------------------------------------------------


def test_outcome_list_shows_3_strategic_and_20_supporting_outcomes_worded_as_the_framework(client, thread, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:outcome_list")).content.decode()
    data = json.loads(FRAMEWORK_JSON.read_text())
    strategic = data["strategic_outcomes"]
    supporting = [s for so in strategic for s in so["supporting_outcomes"]]
    assert len(strategic) == 3 and len(supporting) == 20
    for item in strategic + supporting:
        assert escape(item["title"]) in html, item["code"]
    for item in supporting:
        assert reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": item["code"]}) in html
    assert html.count('class="govuk-heading-l" id="strategic-') == 3


def test_outcome_list_shows_attributed_money_and_the_gap(client, thread, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:outcome_list")).content.decode()
    # 60% of £100,000 to 1.2, 40% to 3.1; the unlinked ending contract is the one gap.
    assert "£60,000.00" in html
    assert "£40,000.00" in html
    assert "1 active contract is not linked to any outcome" in html
    assert f"{reverse('outcomes_link:contract_list')}?status=active&amp;linked=false" in html


def test_strategic_outcome_page_lists_its_supporting_outcomes_with_figures(client, thread, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "3"})).content.decode()
    assert escape(_so("3.1").title) in html
    assert "£40,000.00" in html
    assert escape(_so("1.2").title) not in html


def test_supporting_outcome_page_lists_its_contracts_with_figures(client, thread, member):
    client.force_login(member)
    html = client.get(reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"})).content.decode()
    outcome = _so("1.2")
    assert escape(outcome.title) in html
    assert escape(outcome.strategic_outcome.title) in html  # the breadcrumb thread
    assert "KCC-SPLIT" in html and "Kent Care Partnership" in html
    assert "60%" in html and "£60,000.00" in html and "£100,000.00" in html
    assert "KCC-OTHER" not in html
    for measure in outcome.suggested_measures.all():
        assert escape(measure.text) in html


def test_supporting_outcome_page_filters_by_directorate_and_search(
    client, thread, member, directorate, other_directorate
):
    _linked_contract(other_directorate, code="1.2", reference="KCC-GETONE", title="Road safety for families")
    client.force_login(member)
    url = reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"})
    html = _contracts_section(client.get(url, {"directorate_id": directorate.pk}).content.decode())
    assert "KCC-SPLIT" in html and "KCC-GETONE" not in html
    html = _contracts_section(client.get(url, {"q": "road safety"}).content.decode())
    assert "KCC-GETONE" in html and "KCC-SPLIT" not in html
    html = _contracts_section(client.get(url, {"status": ContractStatus.EXPIRED}).content.decode())
    assert "KCC-GETONE" not in html and "KCC-SPLIT" not in html


def _contracts_section(html: str) -> str:
    """The outcome page's filtered contract table (the scorecard above it is of every contract)."""
    return html[html.index('id="contracts-heading"') :]


def test_supporting_outcome_page_sorts_by_attributed_value(client, thread, member, directorate):
    _linked_contract(directorate, code="1.2", reference="KCC-BIG", annual_value=Decimal("900000.00"))
    client.force_login(member)
    url = reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"})
    html = _contracts_section(client.get(url, {"sort": "-attributed"}).content.decode())
    assert html.index("KCC-BIG") < html.index("KCC-SPLIT")
    html = _contracts_section(client.get(url, {"sort": "attributed"}).content.decode())
    assert html.index("KCC-SPLIT") < html.index("KCC-BIG")


# --- The register ------------------------------------------------------------------------------


def _register(client, **params) -> str:
    response = client.get(reverse("outcomes_link:contract_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_register_lists_every_contract_with_ending_soon_and_not_linked_tags(client, thread, member):
    client.force_login(member)
    html = _register(client)
    for ref in ("KCC-SPLIT", "KCC-ENDING", "KCC-OTHER"):
        assert ref in html
    assert "Ends within 6 months" in html
    assert "Not linked" in html
    assert "3 contracts" in html


def test_register_filters_by_directorate(client, thread, member, other_directorate):
    client.force_login(member)
    html = _register(client, directorate_id=other_directorate.pk)
    assert "KCC-OTHER" in html and "KCC-SPLIT" not in html and "KCC-ENDING" not in html


def test_register_filters_by_provider(client, thread, member):
    client.force_login(member)
    html = _register(client, provider_id=thread["provider"].pk)
    assert "KCC-SPLIT" in html and "KCC-OTHER" not in html


def test_register_filters_by_status(client, thread, member, directorate):
    ContractFactory(reference="KCC-PIPE", directorate=directorate, status=ContractStatus.PIPELINE)
    client.force_login(member)
    html = _register(client, status=ContractStatus.PIPELINE)
    assert "KCC-PIPE" in html and "KCC-SPLIT" not in html


def test_register_filters_by_supporting_and_strategic_outcome(client, thread, member):
    client.force_login(member)
    html = _register(client, supporting_outcome_id=_so("3.1").pk)
    assert "KCC-SPLIT" in html and "KCC-OTHER" not in html
    html = _register(client, strategic_outcome_id=_so("2.2").strategic_outcome_id)
    assert "KCC-OTHER" in html and "KCC-SPLIT" not in html


def test_register_filters_by_value_range(client, thread, member):
    client.force_login(member)
    html = _register(client, annual_value_min="60000", annual_value_max="150000")
    assert "KCC-SPLIT" in html and "KCC-ENDING" not in html and "KCC-OTHER" not in html


def test_register_filters_by_ending_before_and_ending_soon(client, thread, member):
    client.force_login(member)
    html = _register(client, ending_before=(TODAY + datetime.timedelta(days=90)).isoformat())
    assert "KCC-ENDING" in html and "KCC-SPLIT" not in html
    html = _register(client, ending_soon="true")
    assert "KCC-ENDING" in html and "KCC-SPLIT" not in html


def test_register_filters_by_text_search(client, thread, member):
    client.force_login(member)
    html = _register(client, q="highways")
    assert "KCC-OTHER" in html and "KCC-SPLIT" not in html


def test_register_gap_filter_shows_only_unlinked_active_contracts(client, thread, member):
    client.force_login(member)
    html = _register(client, status="active", linked="false")
    assert "KCC-ENDING" in html and "KCC-SPLIT" not in html and "KCC-OTHER" not in html


def test_register_totals_are_of_the_filtered_set(client, thread, member, directorate):
    client.force_login(member)
    html = _register(client, directorate_id=directorate.pk)
    assert "2 contracts match these filters" in html
    assert "£150,000.00" in html


def test_register_bad_filter_input_is_explained_not_a_500(client, thread, member):
    client.force_login(member)
    html = _register(client, annual_value_min="lots", ending_before="soon")
    assert "There is a problem" in html
    assert "Annual value from (£)" in html
    assert "<title>Error: Contract register" in html


def test_register_sorts_by_annual_value(client, thread, member):
    client.force_login(member)
    html = _register(client, sort="-annual_value")
    assert html.index("KCC-OTHER") < html.index("KCC-SPLIT") < html.index("KCC-ENDING")


def test_register_shows_share_total_when_not_100(client, thread, member):
    OutcomeLinkFactory(
        contract=thread["ending"], supporting_outcome=_so("3.2"), contribution_share=Decimal("50"), is_primary=True
    )
    client.force_login(member)
    assert "Shares total 50%" in _register(client)


def test_register_add_button_only_for_those_who_may_add(client, thread, users):
    add_url = reverse("contracts:contract_add")
    for role, may_add in [
        (Role.MEMBER, False),
        (Role.PROCUREMENT, False),
        (Role.COMMISSIONER, True),
        (Role.ADMIN, True),
    ]:
        client.force_login(users[role])
        assert (add_url in _register(client)) is may_add, role


def test_register_pages_50_at_a_time(client, kcc_framework, directorate, member):
    provider = ProviderFactory()
    for _ in range(51):
        ContractFactory(directorate=directorate, provider=provider)
    client.force_login(member)
    html = _register(client)
    assert "51 contracts" in html
    assert html.count('class="govuk-table__row"') == 51  # header row + 50 rows
    assert "govuk-pagination" in html


# --- Contract detail ---------------------------------------------------------------------------


def test_contract_detail_draws_the_thread_up_to_the_vision(client, thread, kcc_framework, member):
    client.force_login(member)
    split = thread["split"]
    html = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": split.pk})).content.decode()
    assert 'class="gt-thread"' in html
    for code in ("1.2", "3.1"):
        so = _so(code)
        assert escape(so.title) in html
        assert escape(so.strategic_outcome.title) in html
    assert escape(kcc_framework.vision) in html
    assert "Keeps families out of crisis." in html
    assert "60%" in html and "40%" in html
    assert "primary" in html
    assert reverse("contracts:provider_detail", kwargs={"pk": split.provider_id}) in html
    assert "£100,000.00" in html


def test_contract_detail_shows_gap_and_link_to_fix_it(client, thread, commissioner, member):
    ending = thread["ending"]
    url = reverse("outcomes_link:contract_detail", kwargs={"pk": ending.pk})
    client.force_login(commissioner)
    html = client.get(url).content.decode()
    assert "not linked to any outcome" in html
    assert reverse("outcomes_link:contract_outcomes", kwargs={"pk": ending.pk}) in html
    assert "ends within 6 months" in html
    client.force_login(member)
    html = client.get(url).content.decode()
    assert "not linked to any outcome" in html
    assert reverse("outcomes_link:contract_outcomes", kwargs={"pk": ending.pk}) not in html


def test_contract_detail_lists_recent_changes(client, thread, commissioner):
    client.force_login(commissioner)
    split = thread["split"]
    html = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": split.pk})).content.decode()
    assert "Recent changes" in html
    assert "added" in html


# --- The links form ----------------------------------------------------------------------------


def _links_post(rows, reason="Re-scoped", extra_blank=0, initial=0) -> dict:
    """POST data for the links formset: rows of (code, share, primary, rationale)."""
    data = {
        "links-TOTAL_FORMS": str(len(rows) + extra_blank),
        "links-INITIAL_FORMS": str(initial),
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
        "reason": reason,
    }
    for i, (code, share, primary, rationale) in enumerate(rows):
        data[f"links-{i}-supporting_outcome"] = str(_so(code).pk)
        data[f"links-{i}-contribution_share"] = share
        data[f"links-{i}-rationale"] = rationale
        if primary:
            data[f"links-{i}-is_primary"] = "on"
    for j in range(len(rows), len(rows) + extra_blank):
        data[f"links-{j}-supporting_outcome"] = ""
        data[f"links-{j}-contribution_share"] = ""
        data[f"links-{j}-rationale"] = ""
    return data


def test_links_form_shows_existing_links_and_three_empty_rows(client, thread, commissioner):
    client.force_login(commissioner)
    html = client.get(reverse("outcomes_link:contract_outcomes", kwargs={"pk": thread["split"].pk})).content.decode()
    assert 'name="links-TOTAL_FORMS" value="5"' in html
    assert "Keeps families out of crisis." in html
    assert "<optgroup" in html  # supporting outcomes grouped by strategic outcome
    assert 'for="id_links-0-supporting_outcome"' in html


def test_links_form_saves_new_links_with_reason(client, thread, commissioner):
    ending = thread["ending"]
    client.force_login(commissioner)
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": ending.pk})
    data = _links_post(
        [
            ("3.1", "70", True, "Day care for people with long-term conditions"),
            ("3.3", "30", False, "Respite for carers"),
        ],
        extra_blank=3,
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes_link:contract_detail", kwargs={"pk": ending.pk})
    links = {link.supporting_outcome.code: link for link in OutcomeLink.objects.filter(contract=ending)}
    assert set(links) == {"3.1", "3.3"}
    assert links["3.1"].is_primary and not links["3.3"].is_primary
    assert links["3.1"].contribution_share == Decimal("70")
    assert links["3.1"].history.latest().history_change_reason == "Re-scoped"
    assert links["3.1"].history.latest().history_user == commissioner


def test_links_form_rejects_total_not_100_with_message(client, thread, commissioner):
    ending = thread["ending"]
    client.force_login(commissioner)
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": ending.pk})
    response = client.post(url, _links_post([("3.1", "50", True, "a"), ("3.3", "40", False, "b")]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The shares must total 100%; they total 90%." in html
    assert 'href="#links-errors"' in html and 'id="links-errors"' in html
    assert not OutcomeLink.objects.filter(contract=ending).exists()


def test_links_form_rejects_two_primaries_and_duplicate_outcomes(client, thread, commissioner):
    ending = thread["ending"]
    client.force_login(commissioner)
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": ending.pk})
    html = client.post(url, _links_post([("3.1", "50", True, "a"), ("3.3", "50", True, "b")])).content.decode()
    assert "Choose exactly one primary outcome." in html
    html = client.post(url, _links_post([("3.1", "50", True, "a"), ("3.1", "50", False, "b")])).content.decode()
    assert "Each supporting outcome can be linked only once." in html
    assert not OutcomeLink.objects.filter(contract=ending).exists()


def test_links_form_bad_share_names_the_field(client, thread, commissioner):
    ending = thread["ending"]
    client.force_login(commissioner)
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": ending.pk})
    response = client.post(url, _links_post([("3.1", "lots", True, "")]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the share as a number" in html
    assert "Enter a one-line rationale" in html
    assert 'href="#id_links-0-contribution_share"' in html
    assert "govuk-input--error" in html


def test_links_form_removes_a_link(client, thread, commissioner):
    split = thread["split"]
    client.force_login(commissioner)
    url = reverse("outcomes_link:contract_outcomes", kwargs={"pk": split.pk})
    data = _links_post(
        [("1.2", "100", True, "Keeps families out of crisis."), ("3.1", "40", False, "Supports carers")], initial=2
    )
    data["links-1-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    assert list(OutcomeLink.objects.filter(contract=split).values_list("supporting_outcome__code", flat=True)) == [
        "1.2"
    ]


# --- Fixed query counts ------------------------------------------------------------------------


def _count_queries(client, url) -> int:
    client.get(url)  # warm up per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_kpi_with_returns(contract, actuals, **kwargs) -> None:
    """A quarterly KPI with submitted returns for the last len(actuals) ended quarters (red below 80)."""
    from contracts.selectors import recent_quarters
    from contracts.services import kpi_return_save
    from tests.contracts.factories import KPIFactory

    quarters = recent_quarters(count=8, today=datetime.date.today())
    kpi = KPIFactory(contract=contract, first_period_start=quarters[0].start, **kwargs)
    for quarter, actual in zip(quarters[-len(actuals) :], actuals, strict=True):
        kpi_return_save(kpi=kpi, period=quarter, actual=Decimal(actual), submit=True)


def _add_contracts(directorate, n: int) -> None:
    """n contracts: every other one linked 50/50 to two outcomes, the rest unlinked (gaps).
    Each has a KPI with returns; every third is red twice running (a performance concern), with a
    deduction rule (a proposed deduction) and evidences outcome 1.2 directly."""
    from contracts.choices import DeductionRule

    for i in range(n):
        contract = ContractFactory(directorate=directorate)
        if i % 2:
            OutcomeLinkFactory(
                contract=contract, supporting_outcome=_so("1.2"), contribution_share=Decimal("50"), is_primary=True
            )
            OutcomeLinkFactory(contract=contract, supporting_outcome=_so("3.1"), contribution_share=Decimal("50"))
        if i % 3 == 0:
            _add_kpi_with_returns(
                contract,
                ["90", "75", "70"],
                supporting_outcome=_so("1.2"),
                deduction_rule=DeductionRule.FIXED,
                deduction_amount=Decimal("500"),
            )
        else:
            _add_kpi_with_returns(contract, ["88", "92"])


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
def test_every_page_runs_a_fixed_number_of_queries(client, kcc_framework, directorate, users, role):
    _add_contracts(directorate, 2)
    first = ContractFactory(directorate=directorate, reference="KCC-FIRST")
    OutcomeLinkFactory(
        contract=first, supporting_outcome=_so("1.2"), contribution_share=Decimal("100"), is_primary=True
    )
    client.force_login(users[role])
    urls = {
        "home": reverse("outcomes_link:home"),
        "outcome_list": reverse("outcomes_link:outcome_list"),
        "strategic": reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "1"}),
        "supporting": reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.2"}),
        "register": reverse("outcomes_link:contract_list"),
        "register_filtered": reverse("outcomes_link:contract_list") + "?status=active&linked=true&sort=-annual_value",
        "detail": reverse("outcomes_link:contract_detail", kwargs={"pk": first.pk}),
        "strategic_3": reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "3"}),
        "rag_matrix": reverse("outcomes_link:rag_matrix"),
        "rag_matrix_filtered": reverse("outcomes_link:rag_matrix") + f"?directorate_id={directorate.pk}",
    }
    if role in (Role.COMMISSIONER, Role.ADMIN):
        urls["links_form"] = reverse("outcomes_link:contract_outcomes", kwargs={"pk": first.pk})
    few = {name: _count_queries(client, url) for name, url in urls.items()}
    _add_contracts(directorate, 10)
    # More links and history on the detail contract too.
    OutcomeLink.objects.filter(contract=first).update(contribution_share=Decimal("50"))
    OutcomeLinkFactory(contract=first, supporting_outcome=_so("2.1"), contribution_share=Decimal("50"))
    # More KPIs, returns, concerns and deductions on the detail contract too.
    from contracts.choices import DeductionRule

    for _ in range(3):
        _add_kpi_with_returns(
            first, ["70", "75", "72"], deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("250")
        )
    many = {name: _count_queries(client, url) for name, url in urls.items()}
    assert many == few, (few, many)


# --- Templates every app's pages use (the frontend shell) ----------------------------------------


def test_500_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in html


def test_form_fields_render_in_govuk_markup_with_linked_errors():
    from django import forms

    class Example(forms.Form):
        amount = forms.DecimalField(label="Annual value", help_text="In pounds")
        kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
        agree = forms.BooleanField(label="I agree")

    form = Example(data={"amount": "lots"})
    assert not form.is_valid()
    html = str(form)
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'class="govuk-input govuk-input--width-10 govuk-input--error"' in html
    assert 'aria-describedby="id_amount-hint id_amount-error"' in html
    assert (
        '<p id="id_amount-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span>' in html
    )
    assert 'class="govuk-radios__input" id="id_kind_0"' in html
    assert 'class="govuk-checkboxes__input"' in html

    from django.template.loader import render_to_string

    summary = render_to_string("_partials/error_summary.html", {"form": form})
    assert 'href="#id_amount"' in summary and "Annual value: Enter a number." in summary
    assert 'href="#id_kind_0"' in summary  # radios link to their first option


def test_contract_page_shows_what_the_spend_files_paid_under_it(client, member, directorate):
    contract = ContractFactory(
        directorate=directorate, start_date=datetime.date(2024, 4, 1), end_date=datetime.date(2027, 3, 31)
    )
    name = contract.provider.name
    import_spend(spend_csv([("2025-05-01", "T1", name, "1,000.10"), ("2025-06-01", "T2", name, "(0.05)")]))
    client.force_login(member)
    page = client.get(reverse("outcomes_link:contract_detail", args=[contract.pk])).content.decode()
    assert "£1,000.05 over 2 payment lines" in page
    assert f"?contract_id={contract.pk}" in page
    assert "Last paid 1 June 2025" in page
