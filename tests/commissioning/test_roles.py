"""Role groups hold exactly the intended permissions (commissioning/roles.py)."""

import pytest
from django.contrib.auth.models import Group, Permission

from commissioning.choices import Role
from commissioning.roles import sync_role_groups
from tests.commissioning.factories import UserFactory

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("commissioning", "contracts", "social_value", "outcomes_link")


def _group_perms(role: str) -> set[str]:
    perms = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def _writes(perms: set[str]) -> set[str]:
    return {p for p in perms if not p.split(".", 1)[1].startswith("view_")}


def _all_domain_perms() -> set[str]:
    perms = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def test_the_four_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"member", "commissioner", "procurement", "admin"}


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT])
def test_every_role_can_view_the_main_records(role):
    perms = _group_perms(role)
    assert {
        "contracts.view_contract",
        "contracts.view_provider",
        "outcomes_link.view_outcomelink",
        "commissioning.view_framework",
        "commissioning.view_supportingoutcome",
        "commissioning.view_directorate",
    } <= perms


def test_member_can_only_view():
    perms = _group_perms(Role.MEMBER)
    assert _writes(perms) == set()
    assert perms == {p for p in _all_domain_perms() if ".view_" in p}


def test_commissioner_writes_contracts_their_performance_social_value_and_outcome_links_only():
    assert _writes(_group_perms(Role.COMMISSIONER)) == {
        "contracts.add_contract",
        "contracts.change_contract",
        "contracts.add_kpi",
        "contracts.change_kpi",
        "contracts.add_kpireturn",
        "contracts.change_kpireturn",
        "contracts.change_performanceconcern",
        "contracts.change_deduction",
        "contracts.add_performanceassessment",
        "contracts.change_performanceassessment",
        "social_value.add_socialvaluecommitment",
        "social_value.change_socialvaluecommitment",
        "social_value.add_deliveryreturn",
        "social_value.change_deliveryreturn",
        "outcomes_link.add_outcomelink",
        "outcomes_link.change_outcomelink",
        "outcomes_link.delete_outcomelink",
        # Outcome measures' values over time (issue 6).
        "commissioning.add_outcomemeasurevalue",
        "commissioning.change_outcomemeasurevalue",
    }


def test_procurement_writes_providers_spend_and_contract_imports_only():
    assert _writes(_group_perms(Role.PROCUREMENT)) == {
        "contracts.add_provider",
        "contracts.change_provider",
        "contracts.delete_provider",
        "contracts.add_spendimport",
        "contracts.change_spendimport",
        "contracts.change_spendpublisher",
        "contracts.change_spendline",
        "contracts.add_supplieralias",
        "contracts.change_supplieralias",
        # Contracts registers and OCDS releases (issue 7).
        "contracts.add_contractimport",
        "contracts.change_registerpublisher",
    }


def test_admin_holds_every_domain_permission():
    perms = _group_perms(Role.ADMIN)
    assert perms == _all_domain_perms()
    assert {"contracts.delete_contract", "commissioning.change_framework", "commissioning.add_user"} <= perms


def test_no_role_group_holds_permissions_outside_the_domain_apps():
    for role in Role.values:
        assert all(p.split(".")[0] in DOMAIN_APPS for p in _group_perms(role)), role


def test_users_get_their_groups_permissions(users):
    no_role_user = UserFactory(role="")
    member, commissioner, procurement = users[Role.MEMBER], users[Role.COMMISSIONER], users[Role.PROCUREMENT]
    assert member.has_perm("contracts.view_contract")
    assert not member.has_perm("contracts.change_contract")
    assert commissioner.has_perm("contracts.change_contract")
    assert not commissioner.has_perm("contracts.delete_contract")
    assert not commissioner.has_perm("contracts.add_provider")
    assert procurement.has_perm("contracts.delete_provider")
    assert not procurement.has_perm("contracts.add_contract")
    assert not no_role_user.has_perm("contracts.view_contract")


def test_sync_role_groups_puts_back_the_intended_permissions():
    member = Group.objects.get(name=Role.MEMBER)
    member.permissions.add(Permission.objects.get(codename="delete_contract"))
    commissioner = Group.objects.get(name=Role.COMMISSIONER)
    commissioner.permissions.remove(Permission.objects.get(codename="add_outcomelink"))

    sync_role_groups()

    assert "contracts.delete_contract" not in _group_perms(Role.MEMBER)
    assert "outcomes_link.add_outcomelink" in _group_perms(Role.COMMISSIONER)


def test_sync_role_groups_twice_changes_nothing():
    before = {role: _group_perms(role) for role in Role.values}
    sync_role_groups()
    sync_role_groups()
    assert {role: _group_perms(role) for role in Role.values} == before
    assert Group.objects.filter(name__in=Role.values).count() == 4
