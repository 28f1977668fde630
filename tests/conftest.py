"""Fixtures every test layer shares: the KCC framework and reference data, and one user per role."""

import pytest
from django.core.management import call_command

from commissioning.choices import Role
from commissioning.models import Directorate, Framework
from tests.commissioning.factories import UserFactory


@pytest.fixture
def kcc_framework(db) -> Framework:
    """KCC's 2015-2020 framework, directorates and postcode districts, loaded as in production."""
    call_command("load_framework", verbosity=0, stdout=open("/dev/null", "w"))
    call_command("load_reference_data", verbosity=0, stdout=open("/dev/null", "w"))
    return Framework.objects.get(is_default=True)


@pytest.fixture
def directorate(kcc_framework) -> Directorate:
    return Directorate.objects.get(code="ASCH")


@pytest.fixture
def other_directorate(kcc_framework) -> Directorate:
    return Directorate.objects.get(code="GET")


@pytest.fixture
def member(db):
    return UserFactory(role=Role.MEMBER, username="member")


@pytest.fixture
def commissioner(directorate):
    return UserFactory(role=Role.COMMISSIONER, username="commissioner", directorate=directorate)


@pytest.fixture
def procurement(db):
    return UserFactory(role=Role.PROCUREMENT, username="procurement")


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def no_role_user(db):
    return UserFactory(role="", username="norole")


@pytest.fixture
def users(member, commissioner, procurement, admin_user) -> dict:
    return {Role.MEMBER: member, Role.COMMISSIONER: commissioner, Role.PROCUREMENT: procurement, Role.ADMIN: admin_user}
