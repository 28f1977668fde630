"""The API test set, written once and applied to every endpoint (after NetBox's utilities/testing/api.py).

Subclass `APITestSet` in a test module, name the endpoint and its model, say which roles may
add, change and delete, and say how to make a record and what to send. Every endpoint then
gets, for every role (anonymous, signed in without a role, member, commissioner,
procurement, admin): list, detail, create, update and delete, refused where the role may
not; a history row naming the acting user and their reason for each write; and a list whose
number of SQL queries is the same with 2 records as with 12.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from commissioning.choices import Role
from commissioning.models import Directorate, Framework, SupportingOutcome

ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
ALL_ROLES = (ANONYMOUS, NO_ROLE, Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN)
READ_ROLES = frozenset({Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN})
REASON = "Agreed at commissioning board"


@dataclass
class World:
    """What every endpoint's test needs: the KCC framework, two directorates and one user per role."""

    framework: Framework
    directorate: Directorate
    other_directorate: Directorate
    users: dict = field(default_factory=dict)

    def supporting_outcome(self, code: str = "1.1") -> SupportingOutcome:
        return SupportingOutcome.objects.get(framework=self.framework, code=code)


def api_client(user=None) -> APIClient:
    """A client signed in with a session (or anonymous); token sign-in has its own tests."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def list_url(basename: str) -> str:
    return reverse(f"{basename}-list")


def detail_url(basename: str, pk: int) -> str:
    return reverse(f"{basename}-detail", kwargs={"pk": pk})


def assert_refused(response, role: str) -> None:
    """Anonymous callers are told to sign in (401) or refused (403); signed-in ones are refused (403)."""
    expected = {401, 403} if role == ANONYMOUS else {403}
    assert response.status_code in expected, (role, response.status_code, getattr(response, "data", None))


def as_text(value) -> str:
    """Compare what was sent with what came back: the API answers money and dates as strings."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def latest_history(model: type[Model], pk: int):
    return model.history.filter(id=pk).order_by("-history_id").first()


class APITestSet:
    """Reusable tests for one endpoint. Subclasses set the attributes and the three hooks below."""

    basename: str = ""  # e.g. "contracts-api:contract"
    model: type[Model]
    add_roles: frozenset = frozenset({Role.ADMIN})
    change_roles: frozenset = frozenset({Role.ADMIN})
    delete_roles: frozenset = frozenset({Role.ADMIN})
    deletable: bool = True  # False when the endpoint offers no DELETE at all
    audited: bool = True  # the model keeps django-simple-history rows

    # --- hooks ---
    def make_object(self, world: World) -> Model:
        raise NotImplementedError

    def create_data(self, world: World) -> dict:
        raise NotImplementedError

    def update_data(self, world: World, obj: Model) -> dict:
        raise NotImplementedError

    # --- shared fixtures and helpers ---
    @pytest.fixture
    def world(self, kcc_framework, directorate, other_directorate, users, no_role_user) -> World:
        return World(
            framework=kcc_framework,
            directorate=directorate,
            other_directorate=other_directorate,
            users={**users, NO_ROLE: no_role_user, ANONYMOUS: None},
        )

    def client_for(self, world: World, role: str) -> APIClient:
        return api_client(world.users[role])

    def assert_sent_values_returned(self, sent: dict, returned: dict) -> None:
        for key, value in sent.items():
            if key in returned:
                assert as_text(returned[key]) == as_text(value), (key, returned[key], value)

    def assert_audited(self, pk: int, user, history_type: str) -> None:
        if not self.audited:
            return
        row = latest_history(self.model, pk)
        assert row is not None
        assert row.history_type == history_type
        assert row.history_user_id == user.pk
        assert row.history_change_reason == REASON

    # --- the tests ---
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_list(self, world, role):
        obj = self.make_object(world)
        response = self.client_for(world, role).get(list_url(self.basename), {"page_size": 500})
        if role not in READ_ROLES:
            assert_refused(response, role)
            return
        assert response.status_code == 200, response.data
        assert response.data["count"] == self.model.objects.count()
        assert obj.pk in {row["id"] for row in response.data["results"]}

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_detail(self, world, role):
        obj = self.make_object(world)
        response = self.client_for(world, role).get(detail_url(self.basename, obj.pk))
        if role not in READ_ROLES:
            assert_refused(response, role)
            return
        assert response.status_code == 200, response.data
        assert response.data["id"] == obj.pk
        assert response.data["display"] == str(self.model.objects.get(pk=obj.pk))
        assert response.data["url"].endswith(detail_url(self.basename, obj.pk))

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_create(self, world, role):
        data = self.create_data(world)
        before = self.model.objects.count()
        response = self.client_for(world, role).post(list_url(self.basename), {**data, "reason": REASON}, format="json")
        if role not in self.add_roles:
            assert_refused(response, role)
            assert self.model.objects.count() == before
            return
        assert response.status_code == 201, response.data
        assert self.model.objects.count() == before + 1
        assert self.model.objects.filter(pk=response.data["id"]).exists()
        self.assert_sent_values_returned(data, response.data)
        assert "reason" not in response.data
        self.assert_audited(response.data["id"], world.users[role], "+")

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_update(self, world, role):
        obj = self.make_object(world)
        data = self.update_data(world, obj)
        response = self.client_for(world, role).patch(
            detail_url(self.basename, obj.pk), {**data, "reason": REASON}, format="json"
        )
        if role not in self.change_roles:
            assert_refused(response, role)
            return
        assert response.status_code == 200, response.data
        self.assert_sent_values_returned(data, response.data)
        # What was saved, not only what was answered.
        fresh = self.client_for(world, Role.MEMBER).get(detail_url(self.basename, obj.pk)).data
        self.assert_sent_values_returned(data, fresh)
        self.assert_audited(obj.pk, world.users[role], "~")

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_delete(self, world, role):
        obj = self.make_object(world)
        client = self.client_for(world, role)
        response = client.delete(detail_url(self.basename, obj.pk), headers={"X-Change-Reason": REASON})
        user = world.users[role]
        opts = self.model._meta
        if not self.deletable and user is not None and user.has_perm(f"{opts.app_label}.delete_{opts.model_name}"):
            assert response.status_code == 405
            assert self.model.objects.filter(pk=obj.pk).exists()
            return
        if not self.deletable or role not in self.delete_roles:
            assert_refused(response, role)
            assert self.model.objects.filter(pk=obj.pk).exists()
            return
        assert response.status_code == 204, getattr(response, "data", None)
        assert not self.model.objects.filter(pk=obj.pk).exists()
        self.assert_audited(obj.pk, user, "-")

    def test_list_runs_the_same_number_of_queries_with_2_or_12_records(self, world):
        client = self.client_for(world, Role.MEMBER)
        url = list_url(self.basename)
        for _ in range(2):
            self.make_object(world)
        with CaptureQueriesContext(connection) as with_two:
            first = client.get(url, {"page_size": 500})
        for _ in range(10):
            self.make_object(world)
        with CaptureQueriesContext(connection) as with_twelve:
            second = client.get(url, {"page_size": 500})
        assert first.status_code == second.status_code == 200
        assert second.data["count"] == first.data["count"] + 10
        assert len(with_twelve) == len(with_two), [q["sql"] for q in with_twelve.captured_queries]

    def test_detail_of_a_missing_record_is_not_found(self, world):
        response = self.client_for(world, Role.MEMBER).get(detail_url(self.basename, 999999))
        assert response.status_code == 404
