"""The Django admin for reference data: every page loads for an administrator, lists run a fixed
number of queries, providers and contracts are read-only there, and changes are attributed."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from commissioning.choices import Role
from commissioning.models import Directorate, StrategicOutcome, SuggestedMeasure, SupportingOutcome, User
from contracts.models import (
    KPI,
    Contract,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
    Provider,
    SpendImport,
    SpendLine,
    SpendPublisher,
    SupplierAlias,
)
from social_value.models import DeliveryReturn, SocialValueCommitment
from tests.commissioning.factories import (
    StrategicOutcomeFactory,
    SuggestedMeasureFactory,
    SupportingOutcomeFactory,
    UserFactory,
)
from tests.contracts.factories import ContractFactory, ProviderFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {"commissioning", "contracts", "social_value"}
READ_ONLY = {
    Provider,
    Contract,
    KPI,
    KPIReturn,
    PerformanceConcern,
    Deduction,
    PerformanceAssessment,
    # Local spend: imports, rollbacks and supplier matches go through contracts.services.
    SpendPublisher,
    SpendImport,
    SpendLine,
    SupplierAlias,
    # Social value: commitments and returns go through social_value.services.
    SocialValueCommitment,
    DeliveryReturn,
}


def registered_models() -> list:
    return sorted((m for m in admin.site._registry if m._meta.app_label in OUR_APPS), key=lambda m: m._meta.label)


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def admin_client_(client, admin_user, kcc_framework):
    # The admin role is staff (commissioning.services.user_create); the shared fixture user is not.
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client.force_login(admin_user)
    return client


def test_reference_data_and_people_are_in_the_admin():
    labels = {m._meta.label for m in registered_models()}
    assert {
        "commissioning.Framework",
        "commissioning.StrategicOutcome",
        "commissioning.SupportingOutcome",
        "commissioning.SuggestedMeasure",
        "commissioning.Directorate",
        "commissioning.PostcodeDistrict",
        "commissioning.User",
        "contracts.Provider",
        "contracts.Contract",
    } <= labels


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_changelist_loads_for_an_admin(admin_client_, model):
    assert admin_client_.get(admin_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_add_page_loads_except_for_providers_and_contracts(admin_client_, model):
    # Providers and contracts are written only through contracts.services, which derive their
    # classification and end date and record a reason; the admin is not a second way in.
    expected = 403 if model in READ_ONLY else 200
    assert admin_client_.get(admin_url(model, "add")).status_code == expected


def test_framework_page_shows_its_outcomes_inline(admin_client_, kcc_framework):
    response = admin_client_.get(admin_url(type(kcc_framework), "change", kcc_framework.pk))
    assert response.status_code == 200
    first = SupportingOutcome.objects.filter(framework=kcc_framework).order_by("order").first()
    assert escape(first.title) in response.text


def test_supporting_outcome_page_shows_its_suggested_measures_inline(admin_client_, kcc_framework):
    measure = SuggestedMeasure.objects.select_related("supporting_outcome").first()
    response = admin_client_.get(admin_url(SupportingOutcome, "change", measure.supporting_outcome_id))
    assert response.status_code == 200
    assert escape(measure.text) in response.text


def test_provider_and_contract_pages_are_read_only_with_history(admin_client_, directorate):
    contract = ContractFactory(directorate=directorate)
    for obj in (contract, contract.provider):
        response = admin_client_.get(admin_url(type(obj), "change", obj.pk))
        assert response.status_code == 200
        assert 'name="_save"' not in response.text
        assert admin_client_.get(admin_url(type(obj), "history", obj.pk)).status_code == 200
        assert admin_client_.post(admin_url(type(obj), "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_user_list_shows_each_persons_role(admin_client_, commissioner, procurement):
    response = admin_client_.get(admin_url(User, "changelist"))
    assert "Commissioner" in response.text
    assert "Procurement officer" in response.text


def test_directorate_change_in_the_admin_is_attributed(admin_client_, admin_user, directorate):
    data = {"code": directorate.code, "name": "Adult Social Care and Health (renamed)", "description": "", "order": 1}
    response = admin_client_.post(admin_url(Directorate, "change", directorate.pk), data)
    assert response.status_code == 302
    record = directorate.history.latest()
    assert record.name == "Adult Social Care and Health (renamed)"
    assert record.history_user == admin_user


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT])
def test_other_roles_cannot_reach_the_admin(client, users, role):
    client.force_login(users[role])
    response = client.get(admin_url(Directorate, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def _make_users(n):
    for _ in range(n):
        UserFactory(role=Role.COMMISSIONER, directorate=Directorate.objects.first())


def _make_providers(n):
    for _ in range(n):
        ProviderFactory()


def _make_contracts(n):
    for _ in range(n):
        ContractFactory(directorate=Directorate.objects.first())


def _make_strategic_outcomes(n):
    for _ in range(n):
        StrategicOutcomeFactory()


def _make_supporting_outcomes(n):
    for _ in range(n):
        SupportingOutcomeFactory()


def _make_measures(n):
    for _ in range(n):
        SuggestedMeasureFactory()


@pytest.mark.parametrize(
    "model, make",
    [
        (User, _make_users),
        (Provider, _make_providers),
        (Contract, _make_contracts),
        (StrategicOutcome, _make_strategic_outcomes),
        (SupportingOutcome, _make_supporting_outcomes),
        (SuggestedMeasure, _make_measures),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_changelist_runs_a_fixed_number_of_queries(admin_client_, django_assert_num_queries, model, make):
    make(2)
    url = admin_url(model, "changelist")
    admin_client_.get(url)
    with CaptureQueriesContext(connection) as ctx:
        admin_client_.get(url)
    n = len(ctx.captured_queries)
    make(10)
    with django_assert_num_queries(n):
        assert admin_client_.get(url).status_code == 200
