"""API of the framework, directorates and people; plus the API's root, schema, docs and sign-in."""

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commissioning.choices import Role
from commissioning.models import Directorate, Framework, StrategicOutcome, SuggestedMeasure, SupportingOutcome, User
from tests.api_testing import REASON, APITestSet, api_client, detail_url, list_url
from tests.commissioning.factories import (
    DirectorateFactory,
    FrameworkFactory,
    StrategicOutcomeFactory,
    SuggestedMeasureFactory,
    SupportingOutcomeFactory,
    UserFactory,
)


class TestFrameworkAPI(APITestSet):
    basename = "commissioning-api:framework"
    model = Framework

    def make_object(self, world):
        return FrameworkFactory()

    def create_data(self, world):
        return {
            "slug": "framing-kents-future",
            "council": "Kent County Council",
            "name": "Framing Kent's Future",
            "title": "Framing Kent's Future: our council strategy 2022-2026",
            "period_start": 2022,
            "period_end": 2026,
            "vision": "Kent is a place where people thrive.",
            "is_default": False,
        }

    def update_data(self, world, obj):
        return {"title": "Renamed framework", "period_end": 2030}


class TestStrategicOutcomeAPI(APITestSet):
    basename = "commissioning-api:strategicoutcome"
    model = StrategicOutcome

    def make_object(self, world):
        return StrategicOutcomeFactory()

    def create_data(self, world):
        return {"framework_id": world.framework.pk, "code": "4", "title": "A fourth strategic outcome", "order": 4}

    def update_data(self, world, obj):
        return {"short_title": "Fourth"}


class TestSupportingOutcomeAPI(APITestSet):
    basename = "commissioning-api:supportingoutcome"
    model = SupportingOutcome

    def make_object(self, world):
        return SupportingOutcomeFactory()

    def create_data(self, world):
        strategic = StrategicOutcome.objects.get(framework=world.framework, code="1")
        return {"strategic_outcome_id": strategic.pk, "code": "1.9", "title": "Children are safe online"}

    def update_data(self, world, obj):
        return {"title": "Reworded outcome", "order": 42}


class TestSuggestedMeasureAPI(APITestSet):
    basename = "commissioning-api:suggestedmeasure"
    model = SuggestedMeasure

    def make_object(self, world):
        return SuggestedMeasureFactory()

    def create_data(self, world):
        return {
            "supporting_outcome_id": world.supporting_outcome("1.1").pk,
            "text": "Increase school readiness",
            "order": 9,
        }

    def update_data(self, world, obj):
        return {"text": "Reduce waiting times"}


class TestDirectorateAPI(APITestSet):
    basename = "commissioning-api:directorate"
    model = Directorate

    def make_object(self, world):
        return DirectorateFactory()

    def create_data(self, world):
        return {"code": "DCED", "name": "Deputy Chief Executive's Department"}

    def update_data(self, world, obj):
        return {"description": "Corporate services"}


class TestUserAPI(APITestSet):
    basename = "commissioning-api:user"
    model = User
    audited = False  # people have no history model; their changes are admin-only

    def make_object(self, world):
        return UserFactory(role=Role.MEMBER)

    def create_data(self, world):
        return {
            "username": "ada.lovelace",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada.lovelace@kent.gov.uk",
            "role": Role.COMMISSIONER,
            "directorate_id": world.directorate.pk,
        }

    def update_data(self, world, obj):
        return {"role": Role.PROCUREMENT, "job_title": "Category manager"}


# --- Behaviour specific to these endpoints ---


def test_frameworks_cannot_be_written_by_a_commissioner(commissioner, kcc_framework):
    response = api_client(commissioner).patch(
        detail_url("commissioning-api:framework", kcc_framework.pk), {"title": "Mine now"}, format="json"
    )
    assert response.status_code == 403
    kcc_framework.refresh_from_db()
    assert kcc_framework.title != "Mine now"


def test_a_second_default_framework_is_refused_in_plain_english(admin_user, kcc_framework):
    data = {**TestFrameworkAPI().create_data(None), "is_default": True}
    response = api_client(admin_user).post(list_url("commissioning-api:framework"), data, format="json")
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["Only one framework can be the default."]


def test_a_framework_period_ending_before_it_starts_is_refused(admin_user, kcc_framework):
    data = {**TestFrameworkAPI().create_data(None), "period_start": 2026, "period_end": 2022}
    response = api_client(admin_user).post(list_url("commissioning-api:framework"), data, format="json")
    assert response.status_code == 400
    assert "The period must end in or after the year it starts." in response.data["non_field_errors"]


def test_a_missing_field_is_named(admin_user, kcc_framework):
    response = api_client(admin_user).post(list_url("commissioning-api:directorate"), {"code": "X"}, format="json")
    assert response.status_code == 400
    assert list(response.data) == ["name"]


def test_a_duplicate_supporting_outcome_code_is_refused_with_the_models_message(admin_user, kcc_framework):
    strategic = StrategicOutcome.objects.get(framework=kcc_framework, code="1")
    response = api_client(admin_user).post(
        list_url("commissioning-api:supportingoutcome"),
        {"strategic_outcome_id": strategic.pk, "code": "1.1", "title": "Again"},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["A supporting outcome with this code already exists in the framework."]


def test_a_new_supporting_outcome_takes_its_strategic_outcomes_framework(admin_user, kcc_framework):
    strategic = StrategicOutcome.objects.get(framework=kcc_framework, code="2")
    response = api_client(admin_user).post(
        list_url("commissioning-api:supportingoutcome"),
        {"strategic_outcome_id": strategic.pk, "code": "2.9", "title": "More apprenticeships"},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["framework"]["id"] == kcc_framework.pk
    assert response.data["strategic_outcome"]["code"] == "2"


def test_people_are_listed_with_role_and_directorate_and_never_a_password(member, commissioner, directorate):
    response = api_client(member).get(detail_url("commissioning-api:user", commissioner.pk))
    assert response.status_code == 200
    assert response.data["role"] == Role.COMMISSIONER
    assert response.data["directorate"]["code"] == directorate.code
    assert response.data["full_name"] == commissioner.get_full_name()
    assert "password" not in response.data
    assert commissioner.password not in response.content.decode()


def test_people_filter_by_role(member, commissioner, procurement):
    response = api_client(member).get(list_url("commissioning-api:user"), {"role": Role.COMMISSIONER})
    assert [row["username"] for row in response.data["results"]] == [commissioner.username]


def test_a_commissioner_must_belong_to_a_directorate(admin_user):
    response = api_client(admin_user).post(
        list_url("commissioning-api:user"), {"username": "nodir", "role": Role.COMMISSIONER}, format="json"
    )
    assert response.status_code == 400
    assert response.data["directorate_id"] == ["A commissioner must belong to a directorate."]


def test_changing_a_role_moves_the_person_to_that_group_only(admin_user, member):
    response = api_client(admin_user).patch(
        detail_url("commissioning-api:user", member.pk), {"role": Role.PROCUREMENT}, format="json"
    )
    assert response.status_code == 200
    assert set(member.groups.values_list("name", flat=True)) == {Role.PROCUREMENT}


def test_an_admin_cannot_delete_their_own_account(admin_user):
    response = api_client(admin_user).delete(detail_url("commissioning-api:user", admin_user.pk))
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["You cannot delete your own account."]


def test_the_reason_header_is_recorded_when_the_body_has_none(admin_user, directorate):
    response = api_client(admin_user).patch(
        detail_url("commissioning-api:directorate", directorate.pk),
        {"description": "Adults"},
        format="json",
        headers={"X-Change-Reason": REASON},
    )
    assert response.status_code == 200
    row = directorate.history.order_by("-history_id").first()
    assert (row.history_user, row.history_change_reason) == (admin_user, REASON)


# --- Root, sign-in, schema and docs ---


def test_token_authentication_works(member):
    token = Token.objects.create(user=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(list_url("commissioning-api:directorate")).status_code == 200


def test_a_wrong_token_is_refused(member):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(list_url("commissioning-api:directorate")).status_code in (401, 403)


def test_the_api_root_lists_the_endpoints_to_signed_in_users_only(member, no_role_user):
    assert APIClient().get(reverse("api-root")).status_code in (401, 403)
    assert api_client(no_role_user).get(reverse("api-root")).status_code == 403
    response = api_client(member).get(reverse("api-root"))
    assert response.status_code == 200
    assert response.data["contracts"].endswith(list_url("contracts-api:contract"))
    assert response.data["golden-thread"].endswith(reverse("outcomes_link-api:golden-thread"))
    assert {"frameworks", "users", "providers", "outcome-links", "schema", "docs"} <= set(response.data)


def test_the_schema_is_openapi_3_and_needs_sign_in(member):
    assert APIClient().get(reverse("api-schema")).status_code in (401, 403)
    response = api_client(member).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/contracts/" in schema["paths"]
    assert "/api/golden-thread/supporting-outcomes/{code}/" in schema["paths"]


def test_the_docs_page_uses_only_local_static_files(member):
    assert APIClient().get(reverse("api-docs")).status_code in (401, 403)
    response = api_client(member).get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html
    external = [u for u in re.findall(r"https?://[^\s\"'<>]+", html) if not u.startswith("http://testserver")]
    assert external == []


@pytest.mark.parametrize("bad", ["abc", "-1"])
def test_bad_filter_values_are_a_plain_400_not_a_server_error(member, kcc_framework, bad):
    response = api_client(member).get(list_url("commissioning-api:supportingoutcome"), {"framework_id": bad})
    assert response.status_code == 400
    assert "framework_id" in response.data
