"""Fixtures every test layer shares: the KCC framework and reference data, and one user per role."""

import copy
import datetime

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction

from commissioning.choices import Role
from commissioning.models import Directorate, Framework
from tests.commissioning.factories import UserFactory

# The rows the first kcc_framework load wrote, per model, for the tests after it in this process.
_reference_rows: list[tuple[type, list]] | None = None


@pytest.fixture
def kcc_framework(db) -> Framework:
    """KCC's 2015-2020 framework, directorates and postcode districts, loaded as in production.

    The first test in each process loads them with the real commands (which validate and record
    history); later tests get the very same rows back in one bulk insert each. Most tests need
    this fixture, and the commands' checks cost the suite minutes; commissioning's own tests of
    the commands call them directly.
    """
    global _reference_rows
    if _reference_rows is not None and _restore_reference_rows(_reference_rows):
        return Framework.objects.get(is_default=True)
    before = {m: m._default_manager.count() for m in apps.get_models(include_auto_created=True)}
    call_command("load_framework", verbosity=0, stdout=open("/dev/null", "w"))
    call_command("load_reference_data", verbosity=0, stdout=open("/dev/null", "w"))
    changed = [m for m in apps.get_models(include_auto_created=True) if m._default_manager.count() != before[m]]
    if _reference_rows is None and not any(before[m] for m in changed):
        # Saved only from a load into empty tables, so the rows are exactly what the commands write.
        _reference_rows = [(model, list(model._default_manager.all())) for model in changed]
    return Framework.objects.get(is_default=True)


def _restore_reference_rows(rows: list[tuple[type, list]]) -> bool:
    """Insert the saved rows again; False (and nothing written) when a test made rows before this
    fixture ran whose keys collide, so the caller loads with the commands instead."""
    try:
        with transaction.atomic():
            for model, objs in rows:
                model._default_manager.bulk_create(copy.deepcopy(objs))
    except IntegrityError:
        return False
    # Explicit primary keys leave PostgreSQL's sequences behind; SQLite follows on its own.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in rows]):
            cursor.execute(sql)
    return True


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


@pytest.fixture
def backdate(db):
    """Move every history record (and spend import) made so far to a past moment, as if the data had
    been entered then; commissioning.as_at reads history, so this is how a test builds the past."""
    from django.utils import timezone

    from commissioning.as_at import DOMAIN_APPS

    def move(day):
        when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))
        for model in apps.get_models():
            if model.__name__.startswith("Historical") and model._meta.app_label in DOMAIN_APPS:
                model.objects.update(history_date=when)
        apps.get_model("contracts", "SpendImport").objects.update(created=when)

    return move
