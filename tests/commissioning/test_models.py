"""Commissioning models: one default framework, periods in order, roles read from groups."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commissioning.choices import Role
from commissioning.models import Framework
from tests.commissioning.factories import FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_second_default_framework_is_refused_by_validation():
    FrameworkFactory(slug="first", is_default=True)
    second = FrameworkFactory.build(slug="second", is_default=True)
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "Only one framework can be the default." in exc.value.messages


def test_second_default_framework_is_refused_by_the_database():
    FrameworkFactory(slug="first", is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Framework.objects.create(
            slug="second",
            council="C",
            name="N",
            title="T",
            period_start=2020,
            period_end=2024,
            vision="V",
            is_default=True,
        )
    assert Framework.objects.filter(is_default=True).count() == 1


def test_many_non_default_frameworks_are_allowed():
    FrameworkFactory(slug="a", is_default=False)
    FrameworkFactory(slug="b", is_default=False)
    FrameworkFactory(slug="c", is_default=True)
    assert Framework.objects.count() == 3


def test_framework_period_ending_before_it_starts_is_refused():
    framework = FrameworkFactory.build(period_start=2020, period_end=2019)
    with pytest.raises(ValidationError) as exc:
        framework.full_clean()
    assert "The period must end in or after the year it starts." in exc.value.messages


def test_framework_period_ending_before_it_starts_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Framework.objects.create(
            slug="x", council="C", name="N", title="T", period_start=2020, period_end=2019, vision="V"
        )


def test_framework_of_a_single_year_is_allowed():
    framework = FrameworkFactory.build(slug="one-year", period_start=2020, period_end=2020)
    framework.full_clean()
    assert framework.period == "2020-2020"


def test_default_framework_sorts_first():
    FrameworkFactory(slug="old", period_start=2010, period_end=2014, is_default=False)
    FrameworkFactory(slug="newer", period_start=2025, period_end=2030, is_default=False)
    FrameworkFactory(slug="current", period_start=2015, period_end=2020, is_default=True)
    assert [f.slug for f in Framework.objects.all()] == ["current", "newer", "old"]


@pytest.mark.parametrize(
    ("role", "label"),
    [
        (Role.MEMBER, "Member (councillor)"),
        (Role.COMMISSIONER, "Commissioner"),
        (Role.PROCUREMENT, "Procurement officer"),
        (Role.ADMIN, "Administrator"),
    ],
)
def test_user_role_comes_from_their_group(role, label):
    user = UserFactory(role=role)
    assert user.roles == {role}
    assert user.has_role(role)
    assert user.role_label == label


def test_user_without_a_group_has_no_role():
    user = UserFactory(role="")
    assert user.roles == set()
    assert not user.has_role(*Role.values)
    assert user.role_label == "No role"


def test_superuser_counts_as_admin_even_without_the_group():
    user = UserFactory(role="", is_superuser=True)
    assert user.has_role(Role.ADMIN)
    assert user.role_label == "Administrator"


def test_unrelated_groups_are_not_roles():
    from django.contrib.auth.models import Group

    user = UserFactory(role=Role.MEMBER)
    user.groups.add(Group.objects.create(name="book club"))
    user = type(user).objects.get(pk=user.pk)
    assert user.roles == {Role.MEMBER}


def test_highest_role_gives_the_label_when_a_user_has_two():
    from django.contrib.auth.models import Group

    user = UserFactory(role=Role.MEMBER)
    user.groups.add(Group.objects.get(name=Role.PROCUREMENT))
    user = type(user).objects.get(pk=user.pk)
    assert user.role_label == "Procurement officer"


def test_user_is_shown_by_full_name_or_username():
    assert str(UserFactory.build(first_name="Ada", last_name="Lovelace", username="al")) == "Ada Lovelace"
    assert str(UserFactory.build(first_name="", last_name="", username="al")) == "al"
