"""Provider pages and contract forms, as each role uses them."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from commissioning.choices import Role
from contracts.choices import ContractStatus, EmployeeBand, LegalForm, Location
from contracts.models import Contract, Provider
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory, ProviderFactory

pytestmark = pytest.mark.django_db

ALL_ROLES = [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN]
PROVIDER_WRITERS = {Role.PROCUREMENT, Role.ADMIN}
CONTRACT_WRITERS = {Role.COMMISSIONER, Role.ADMIN}


@pytest.fixture
def provider(kcc_framework) -> Provider:
    return ProviderFactory(name="Maidstone Community Care Ltd", postcode="ME14 1XX", charity_number="")


@pytest.fixture
def contract(directorate, commissioner, provider) -> Contract:
    return ContractFactory(
        reference="KCC-ASC-001", directorate=directorate, commissioner=commissioner, provider=provider
    )


@pytest.fixture
def other_contract(other_directorate, provider) -> Contract:
    return ContractFactory(reference="KCC-GET-001", directorate=other_directorate, provider=provider)


def provider_post_data(**overrides) -> dict:
    data = {
        "name": "Weald Youth Trust",
        "companies_house_number": "",
        "charity_number": "1123456",
        "legal_form": LegalForm.CIO,
        "address_line_1": "1 High Street",
        "address_line_2": "",
        "town": "Tonbridge",
        "postcode": "TN9 1AA",
        "employee_band": EmployeeBand.FROM_10,
        "location_decision": "",
        "location_decision_note": "",
        "reason": "New supplier from the youth services tender",
    }
    data.update(overrides)
    return data


def contract_post_data(*, directorate, provider, commissioner=None, **overrides) -> dict:
    data = {
        "reference": "KCC-ASC-099",
        "title": "Home care in Swale",
        "description": "",
        "directorate": directorate.pk,
        "commissioner": commissioner.pk if commissioner else "",
        "provider": provider.pk,
        "procurement_route": "open",
        "status": ContractStatus.ACTIVE,
        "category": "adult_social_care",
        "start_date": "2025-04-01",
        "end_date": "2028-03-31",
        "extension_months_available": "24",
        "extension_months_taken": "0",
        "annual_value": "£1,250,000.50",
        "total_value": "3750001.50",
        "reason": "Awarded at the March procurement board",
    }
    data.update(overrides)
    return data


def page_urls(provider, contract) -> dict[str, str]:
    return {
        "provider_list": reverse("contracts:provider_list"),
        "provider_detail": reverse("contracts:provider_detail", args=[provider.pk]),
        "provider_add": reverse("contracts:provider_add"),
        "provider_edit": reverse("contracts:provider_edit", args=[provider.pk]),
        "provider_delete": reverse("contracts:provider_delete", args=[provider.pk]),
        "contract_add": reverse("contracts:contract_add"),
        "contract_edit": reverse("contracts:contract_edit", args=[contract.pk]),
    }


# --- Who may open which page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "provider_list",
        "provider_detail",
        "provider_add",
        "provider_edit",
        "provider_delete",
        "contract_add",
        "contract_edit",
    ],
)
def test_anonymous_visitor_is_sent_to_sign_in(client, provider, contract, page):
    url = page_urls(provider, contract)[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "page",
    [
        "provider_list",
        "provider_detail",
        "provider_add",
        "provider_edit",
        "provider_delete",
        "contract_add",
        "contract_edit",
    ],
)
def test_user_without_a_role_is_refused(client, no_role_user, provider, contract, page):
    client.force_login(no_role_user)
    assert client.get(page_urls(provider, contract)[page]).status_code == 403


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("page", ["provider_list", "provider_detail"])
def test_every_role_reads_provider_pages(client, users, provider, contract, role, page):
    client.force_login(users[role])
    response = client.get(page_urls(provider, contract)[page])
    assert response.status_code == 200
    assert provider.name in response.text


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("page", ["provider_add", "provider_edit", "provider_delete"])
def test_only_procurement_and_admin_open_provider_forms(client, users, provider, contract, role, page):
    client.force_login(users[role])
    response = client.get(page_urls(provider, contract)[page])
    assert response.status_code == (200 if role in PROVIDER_WRITERS else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_commissioner_and_admin_open_the_add_contract_form(client, users, provider, contract, role):
    client.force_login(users[role])
    response = client.get(reverse("contracts:contract_add"))
    assert response.status_code == (200 if role in CONTRACT_WRITERS else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_commissioner_of_the_directorate_and_admin_open_the_change_contract_form(client, users, contract, role):
    client.force_login(users[role])
    response = client.get(reverse("contracts:contract_edit", args=[contract.pk]))
    assert response.status_code == (200 if role in CONTRACT_WRITERS else 403)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER])
def test_roles_that_do_not_maintain_providers_cannot_post_one(client, users, kcc_framework, role):
    client.force_login(users[role])
    response = client.post(reverse("contracts:provider_add"), provider_post_data())
    assert response.status_code == 403
    assert not Provider.objects.filter(name="Weald Youth Trust").exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT])
def test_roles_that_do_not_maintain_contracts_cannot_post_one(client, users, directorate, provider, role):
    client.force_login(users[role])
    response = client.post(
        reverse("contracts:contract_add"), contract_post_data(directorate=directorate, provider=provider)
    )
    assert response.status_code == 403
    assert not Contract.objects.filter(reference="KCC-ASC-099").exists()


def test_commissioner_cannot_open_or_change_another_directorates_contract(client, commissioner, other_contract):
    client.force_login(commissioner)
    url = reverse("contracts:contract_edit", args=[other_contract.pk])
    assert client.get(url).status_code == 403
    data = contract_post_data(
        directorate=other_contract.directorate,
        provider=other_contract.provider,
        reference=other_contract.reference,
        title="Taken over",
    )
    assert client.post(url, data).status_code == 403
    other_contract.refresh_from_db()
    assert other_contract.title != "Taken over"


def test_missing_provider_is_not_found(client, member, kcc_framework):
    client.force_login(member)
    assert client.get(reverse("contracts:provider_detail", args=[999999])).status_code == 404


# --- Provider list ---------------------------------------------------------------------------------------


def test_provider_list_shows_location_labels_and_contract_counts(client, member, provider, contract, kcc_framework):
    ProviderFactory(name="Croydon Care Ltd", postcode="CR0 1AA")
    client.force_login(member)
    response = client.get(reverse("contracts:provider_list"))
    assert "Kent-based" in response.text
    assert "Outside Kent" in response.text
    assert reverse("contracts:provider_detail", args=[provider.pk]) in response.text
    table = response.context["table"]
    counts = {row.record.name: row.record.contract_count for row in table.rows}
    assert counts == {"Maidstone Community Care Ltd": 1, "Croydon Care Ltd": 0}


def test_provider_list_filters_and_counts_the_filtered_set(client, member, provider, kcc_framework):
    ProviderFactory(name="Croydon Care Ltd", postcode="CR0 1AA")
    ProviderFactory(name="Kent Carers Trust", postcode="CT1 1AA", charity_number="1099999")
    client.force_login(member)
    response = client.get(reverse("contracts:provider_list"), {"location": Location.LOCAL})
    names = [row.record.name for row in response.context["table"].rows]
    assert sorted(names) == ["Kent Carers Trust", "Maidstone Community Care Ltd"]
    assert response.context["counts"] == {"total": 2, "local": 2, "sme": 2, "vcs": 1}
    assert "2 providers" in response.text


def test_provider_list_sorts_by_contract_count(client, member, provider, contract, kcc_framework):
    ProviderFactory(name="Aardvark Services Ltd")
    client.force_login(member)
    response = client.get(reverse("contracts:provider_list"), {"sort": "-contract_count"})
    assert [row.record.name for row in response.context["table"].rows][0] == provider.name


@pytest.mark.parametrize("role", ALL_ROLES)
def test_add_a_provider_button_only_for_those_who_may(client, users, kcc_framework, role):
    client.force_login(users[role])
    response = client.get(reverse("contracts:provider_list"))
    assert ("Add a provider" in response.text) == (role in PROVIDER_WRITERS)


def test_provider_list_runs_the_same_queries_for_2_and_12_providers(
    client, member, kcc_framework, django_assert_num_queries
):
    providers = [ProviderFactory() for _ in range(2)]
    for p in providers:
        ContractFactory(provider=p)
    client.force_login(member)
    url = reverse("contracts:provider_list")
    client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    n = len(ctx.captured_queries)
    for _ in range(10):
        ContractFactory(provider=ProviderFactory())
    with django_assert_num_queries(n):
        response = client.get(url)
    assert len(response.context["table"].rows) == 12


# --- Provider detail -------------------------------------------------------------------------------------


def test_provider_detail_shows_each_classification_with_its_reason(client, member, kcc_framework):
    trust = ProviderFactory(
        name="Weald Youth Trust",
        legal_form=LegalForm.CIO,
        charity_number="1123456",
        employee_band=EmployeeBand.UNDER_10,
        postcode="TN9 1AA",
    )
    client.force_login(member)
    response = client.get(reverse("contracts:provider_detail", args=[trust.pk]))
    text = response.text
    assert "How we classify this provider" in text
    assert "Kent-based" in text
    assert "lies wholly inside" in trust.location_reason and escape(trust.location_reason) in text
    assert "Micro (under 10 staff)" in text and escape(trust.size_reason) in text
    assert "Voluntary and community sector" in text and escape(trust.sector_reason) in text


def test_provider_detail_lists_its_contracts_linked_to_the_contract_page(client, member, provider, contract):
    client.force_login(member)
    response = client.get(reverse("contracts:provider_detail", args=[provider.pk]))
    assert reverse("outcomes_link:contract_detail", args=[contract.pk]) in response.text
    assert contract.title in response.text
    assert "£250,000.00" in response.text


def test_contract_ending_within_six_months_is_tagged_on_the_provider_page(client, member, directorate, provider):
    today = datetime.date.today()
    ContractFactory(
        reference="KCC-SOON",
        directorate=directorate,
        provider=provider,
        start_date=today - relativedelta(years=2),
        end_date=today + relativedelta(months=2),
    )
    ContractFactory(
        reference="KCC-LATER", directorate=directorate, provider=provider, end_date=today + relativedelta(years=3)
    )
    client.force_login(member)
    response = client.get(reverse("contracts:provider_detail", args=[provider.pk]))
    assert response.text.count("Ends within 6 months") == 1
    assert (today + relativedelta(months=2)).strftime("%d %b %Y") in response.text


@pytest.mark.parametrize("role", ALL_ROLES)
def test_change_and_delete_buttons_only_for_those_who_may(client, users, provider, role):
    client.force_login(users[role])
    text = client.get(reverse("contracts:provider_detail", args=[provider.pk])).text
    assert (reverse("contracts:provider_edit", args=[provider.pk]) in text) == (role in PROVIDER_WRITERS)
    assert (reverse("contracts:provider_delete", args=[provider.pk]) in text) == (role in PROVIDER_WRITERS)


def test_provider_detail_runs_the_same_queries_for_2_and_12_contracts(
    client, member, provider, django_assert_num_queries
):
    for _ in range(2):
        ContractFactory(provider=provider)
    client.force_login(member)
    url = reverse("contracts:provider_detail", args=[provider.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    n = len(ctx.captured_queries)
    for _ in range(10):
        ContractFactory(provider=provider)
    with django_assert_num_queries(n):
        response = client.get(url)
    assert len(response.context["contracts"]) == 12


# --- Provider forms --------------------------------------------------------------------------------------


def test_procurement_adds_a_provider_and_history_records_who_and_why(client, procurement, kcc_framework):
    client.force_login(procurement)
    response = client.post(reverse("contracts:provider_add"), provider_post_data())
    provider = Provider.objects.get(name="Weald Youth Trust")
    assert response.status_code == 302
    assert response.url == reverse("contracts:provider_detail", args=[provider.pk])
    assert provider.location == Location.LOCAL
    assert provider.is_vcs
    record = provider.history.latest()
    assert record.history_user == procurement
    assert record.history_change_reason == "New supplier from the youth services tender"


def test_procurement_changes_a_provider_and_it_is_classified_again(client, procurement, provider):
    client.force_login(procurement)
    url = reverse("contracts:provider_edit", args=[provider.pk])
    form = client.get(url).context["form"]
    assert form.initial["name"] == provider.name
    data = provider_post_data(
        name=provider.name,
        charity_number="",
        legal_form=LegalForm.PRIVATE_COMPANY,
        postcode="CR0 1AA",
        reason="Moved head office",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.location == Location.OUTSIDE
    record = provider.history.latest()
    assert (record.history_user, record.history_change_reason) == (procurement, "Moved head office")


def test_provider_without_a_name_is_refused_at_the_field(client, procurement, kcc_framework):
    client.force_login(procurement)
    response = client.post(reverse("contracts:provider_add"), provider_post_data(name=""))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Enter the provider name"]
    assert "There is a problem" in response.text
    assert not Provider.objects.filter(charity_number="1123456").exists()


def test_duplicate_companies_house_number_is_refused_in_plain_english(client, procurement, kcc_framework):
    ProviderFactory(name="First Ltd", companies_house_number="01234567")
    client.force_login(procurement)
    data = provider_post_data(
        name="Second Ltd", companies_house_number="1234567", charity_number="", legal_form="private_company"
    )
    response = client.post(reverse("contracts:provider_add"), data)
    assert response.status_code == 200
    assert "Another provider already has this Companies House number." in response.text
    assert not Provider.objects.filter(name="Second Ltd").exists()


def test_location_decision_needs_a_note_shown_at_the_field(client, procurement, kcc_framework):
    client.force_login(procurement)
    response = client.post(reverse("contracts:provider_add"), provider_post_data(location_decision="inside"))
    assert response.status_code == 200
    assert "location_decision_note" in response.context["form"].errors


# --- Deleting a provider ---------------------------------------------------------------------------------


def test_deleting_a_provider_with_contracts_is_refused_saying_how_many(
    client, procurement, provider, contract, other_contract
):
    client.force_login(procurement)
    url = reverse("contracts:provider_delete", args=[provider.pk])
    page = client.get(url)
    assert "cannot be deleted: it holds 2 contracts" in page.text
    assert "Delete provider</button>" not in page.text
    response = client.post(url, {"reason": "Tidying up"})
    assert response.status_code == 200
    assert "it holds 2 contracts" in response.text
    assert Provider.objects.filter(pk=provider.pk).exists()


def test_procurement_deletes_a_provider_without_contracts_with_a_reason(client, procurement, kcc_framework):
    spare = ProviderFactory(name="Added Twice Ltd")
    client.force_login(procurement)
    response = client.post(reverse("contracts:provider_delete", args=[spare.pk]), {"reason": "Added twice by mistake"})
    assert response.status_code == 302
    assert response.url == reverse("contracts:provider_list")
    assert not Provider.objects.filter(pk=spare.pk).exists()
    record = Provider.history.filter(id=spare.pk).latest()
    assert record.history_type == "-"
    assert (record.history_user, record.history_change_reason) == (procurement, "Added twice by mistake")


# --- Contract forms --------------------------------------------------------------------------------------


def test_commissioner_adds_a_contract_in_their_directorate(client, commissioner, directorate, provider):
    client.force_login(commissioner)
    data = contract_post_data(directorate=directorate, provider=provider, commissioner=commissioner)
    response = client.post(reverse("contracts:contract_add"), data)
    contract = Contract.objects.get(reference="KCC-ASC-099")
    assert response.status_code == 302
    assert response.url == reverse("outcomes_link:contract_detail", args=[contract.pk])
    assert contract.annual_value == Decimal("1250000.50")
    assert contract.current_end_date == datetime.date(2028, 3, 31)
    record = contract.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        commissioner,
        "Awarded at the March procurement board",
    )


def test_end_date_before_start_date_is_refused_at_the_field_and_nothing_saved(
    client, commissioner, directorate, provider
):
    client.force_login(commissioner)
    data = contract_post_data(
        directorate=directorate, provider=provider, start_date="2025-04-01", end_date="2025-03-01", title=""
    )
    response = client.post(reverse("contracts:contract_add"), data)
    assert response.status_code == 200
    form = response.context["form"]
    # Shown together with the other mistakes on the page, not one at a time.
    assert form.errors["end_date"] == ["End date must be on or after the start date."]
    assert form.errors["title"] == ["Enter the contract title"]
    assert "There is a problem" in response.text
    assert 'href="#id_end_date"' in response.text
    assert not Contract.objects.filter(reference="KCC-ASC-099").exists()


def test_bad_values_are_refused_naming_the_field(client, commissioner, directorate, provider):
    client.force_login(commissioner)
    data = contract_post_data(
        directorate=directorate,
        provider=provider,
        start_date="31/02/2025",
        annual_value="lots",
        total_value="-5",
        extension_months_taken="30",
    )
    response = client.post(reverse("contracts:contract_add"), data)
    errors = response.context["form"].errors
    assert errors["start_date"] == ["Start date must be a real date, for example 31/3/2027"]
    assert errors["annual_value"] == ["Annual value must be an amount in pounds, like 250000 or 250,000.00"]
    assert errors["total_value"] == ["Total value must be £0 or more"]
    assert "cannot be more than the months available" in errors["extension_months_taken"][0]
    assert not Contract.objects.filter(reference="KCC-ASC-099").exists()


def test_extension_taken_beyond_available_is_refused_at_the_field(client, commissioner, directorate, provider):
    client.force_login(commissioner)
    data = contract_post_data(directorate=directorate, provider=provider, extension_months_taken="30")
    response = client.post(reverse("contracts:contract_add"), data)
    assert "cannot be more than the months available" in response.context["form"].errors["extension_months_taken"][0]


def test_commissioner_is_offered_only_their_directorate_and_its_commissioners(
    client, commissioner, directorate, other_directorate
):
    colleague = UserFactory(role=Role.COMMISSIONER, directorate=directorate)
    outsider = UserFactory(role=Role.COMMISSIONER, directorate=other_directorate)
    client.force_login(commissioner)
    form = client.get(reverse("contracts:contract_add")).context["form"]
    assert list(form.fields["directorate"].queryset) == [directorate]
    offered = set(form.fields["commissioner"].queryset)
    assert {commissioner, colleague} <= offered and outsider not in offered


def test_commissioner_cannot_add_a_contract_to_another_directorate(client, commissioner, other_directorate, provider):
    client.force_login(commissioner)
    data = contract_post_data(directorate=other_directorate, provider=provider)
    response = client.post(reverse("contracts:contract_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["directorate"] == ["Select directorate from the list"]
    assert not Contract.objects.filter(reference="KCC-ASC-099").exists()


def test_admin_may_add_a_contract_in_any_directorate(client, admin_user, other_directorate, provider):
    client.force_login(admin_user)
    form = client.get(reverse("contracts:contract_add")).context["form"]
    assert form.fields["directorate"].queryset.count() == 5
    response = client.post(
        reverse("contracts:contract_add"), contract_post_data(directorate=other_directorate, provider=provider)
    )
    assert response.status_code == 302
    assert Contract.objects.get(reference="KCC-ASC-099").directorate == other_directorate


def test_commissioner_from_another_directorate_is_refused_at_the_field(
    client, admin_user, directorate, other_directorate, provider
):
    outsider = UserFactory(role=Role.COMMISSIONER, directorate=other_directorate)
    client.force_login(admin_user)
    data = contract_post_data(directorate=directorate, provider=provider, commissioner=outsider)
    response = client.post(reverse("contracts:contract_add"), data)
    assert response.status_code == 200
    assert "belongs to another directorate" in response.context["form"].errors["commissioner"][0]


def test_commissioner_changes_their_contract_and_history_records_who_and_why(client, commissioner, contract):
    client.force_login(commissioner)
    url = reverse("contracts:contract_edit", args=[contract.pk])
    form = client.get(url).context["form"]
    assert form.initial["reference"] == contract.reference
    assert 'type="date"' in form["start_date"].as_widget()
    data = contract_post_data(
        directorate=contract.directorate,
        provider=contract.provider,
        commissioner=commissioner,
        reference=contract.reference,
        start_date="2024-04-01",
        end_date="2029-03-31",
        extension_months_taken="12",
        reason="12-month extension agreed",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == reverse("outcomes_link:contract_detail", args=[contract.pk])
    contract.refresh_from_db()
    assert contract.current_end_date == datetime.date(2030, 3, 31)
    record = contract.history.latest()
    assert (record.history_user, record.history_change_reason) == (commissioner, "12-month extension agreed")


def test_refused_change_leaves_the_contract_as_it_was(client, commissioner, contract):
    client.force_login(commissioner)
    data = contract_post_data(
        directorate=contract.directorate,
        provider=contract.provider,
        reference=contract.reference,
        title="New title",
        start_date="2030-01-01",
        end_date="2029-01-01",
    )
    response = client.post(reverse("contracts:contract_edit", args=[contract.pk]), data)
    assert response.status_code == 200
    assert "End date must be on or after the start date." in response.text
    contract.refresh_from_db()
    assert contract.title != "New title"


def test_duplicate_contract_reference_is_refused_at_the_field(client, commissioner, directorate, provider, contract):
    client.force_login(commissioner)
    data = contract_post_data(directorate=directorate, provider=provider, reference=contract.reference)
    response = client.post(reverse("contracts:contract_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["reference"]
    assert Contract.objects.filter(reference=contract.reference).count() == 1


@pytest.mark.parametrize("query", [{"page": "999"}, {"page": "abc"}, {"sort": "nonsense"}, {"location": "mars"}])
def test_odd_query_strings_on_the_provider_list_never_fail(client, member, provider, query):
    client.force_login(member)
    assert client.get(reverse("contracts:provider_list"), query).status_code == 200
