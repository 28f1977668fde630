"""As at a date (commissioning.as_at): pages and reads show the data as it stood at the end of a past day."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commissioning.as_at import AsAtError, as_at, as_at_date, parse_as_at, today
from contracts.models import Contract
from contracts.services import contract_update
from tests.contracts.factories import ContractFactory

PAST = datetime.date(2025, 3, 31)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_parse_refuses_a_future_day_and_text():
    with pytest.raises(AsAtError, match="future"):
        parse_as_at(timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(AsAtError, match="YYYY-MM-DD"):
        parse_as_at("31/03/2025")
    assert parse_as_at("") is None
    assert parse_as_at("2025-03-31") == PAST


@pytest.mark.django_db
def test_reads_inside_as_at_see_the_past_and_nothing_written_survives(directorate, backdate):
    contract = ContractFactory(directorate=directorate, title="Home care north")
    backdate(PAST - datetime.timedelta(days=10))
    contract_update(contract=contract, data={"title": "Home care north and west"}, reason="Retitled")
    ContractFactory(directorate=directorate, title="Added later")

    with as_at(PAST):
        assert as_at_date() == PAST and today() == PAST
        assert list(Contract.objects.values_list("title", flat=True)) == ["Home care north"]
        Contract.objects.update(title="Written in an as-at view")
    assert today() == timezone.localdate()
    assert sorted(Contract.objects.values_list("title", flat=True)) == ["Added later", "Home care north and west"]

    with as_at(PAST - datetime.timedelta(days=30)):
        assert Contract.objects.count() == 0


@pytest.mark.django_db
def test_contract_register_as_at_a_past_day_is_unchanged_by_later_edits(client, member, directorate, backdate):
    contract = ContractFactory(directorate=directorate, title="Home care north", annual_value=Decimal("250000"))
    backdate(PAST - datetime.timedelta(days=10))
    client.force_login(member)
    url = reverse("outcomes_link:contract_list") + f"?as_at={PAST.isoformat()}"
    before = _without_tokens(client.get(url).content.decode())
    assert "Home care north" in before and "Data as at 31 March 2025" in before

    contract_update(
        contract=contract, data={"title": "Retitled later", "annual_value": Decimal("999999")}, reason="Varied"
    )
    ContractFactory(directorate=directorate, title="Added later")

    after = _without_tokens(client.get(url).content.decode())
    assert after == before
    live = client.get(reverse("outcomes_link:contract_list")).content.decode()
    assert "Retitled later" in live and "Added later" in live and "Data as at" not in live


@pytest.mark.django_db
def test_the_session_as_at_day_applies_to_every_page_and_refuses_changes(client, commissioner, directorate, backdate):
    contract = ContractFactory(directorate=directorate, title="Home care north")
    backdate(PAST)
    client.force_login(commissioner)
    response = client.post(reverse("as_at"), {"as_at": PAST.isoformat(), "next": "/contracts/"})
    assert response.status_code == 302 and response["Location"] == "/contracts/"
    page = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": contract.pk}))
    assert "Data as at 31 March 2025" in page.content.decode()

    edit = reverse("contracts:contract_edit", kwargs={"pk": contract.pk})
    response = client.post(edit, {"title": "Changed while looking at the past"}, follow=True)
    assert "data to make changes" in response.content.decode()
    contract.refresh_from_db()
    assert contract.title == "Home care north"

    client.post(reverse("as_at"), {"today": "1", "next": "/"})
    assert "Data as at" not in client.get(reverse("outcomes_link:contract_list")).content.decode()


@pytest.mark.django_db
def test_a_bad_as_at_day_is_named_and_the_api_refuses_it(client, member):
    client.force_login(member)
    page = client.get(reverse("outcomes_link:contract_list") + "?as_at=2999-01-01", follow=True)
    assert "is in the future" in page.content.decode()
    api = client.get(reverse("contracts-api:contract-list") + "?as_at=yesterday")
    assert api.status_code == 400 and "YYYY-MM-DD" in api.json()["as_at"][0]


@pytest.mark.django_db
def test_the_api_answers_as_at_a_past_day(client, member, directorate, backdate):
    contract = ContractFactory(directorate=directorate, title="Home care north")
    backdate(PAST)
    contract_update(contract=contract, data={"title": "Retitled later"}, reason="Varied")
    client.force_login(member)
    url = reverse("contracts-api:contract-list")
    assert [c["title"] for c in client.get(url + f"?as_at={PAST}").json()["results"]] == ["Home care north"]
    assert [c["title"] for c in client.get(url).json()["results"]] == ["Retitled later"]


@pytest.mark.django_db
def test_a_change_posted_to_an_as_at_address_is_refused_on_pages_and_the_api(
    client, commissioner, directorate, backdate
):
    contract = ContractFactory(directorate=directorate, title="Home care north")
    backdate(PAST)
    client.force_login(commissioner)
    edit = reverse("contracts:contract_edit", kwargs={"pk": contract.pk}) + f"?as_at={PAST}"
    response = client.post(edit, {"title": "Changed from an old link"}, follow=True)
    assert "data to make changes" in response.content.decode()
    api = reverse("contracts-api:contract-detail", kwargs={"pk": contract.pk}) + f"?as_at={PAST}"
    response = client.patch(api, {"title": "Changed from an old link", "reason": "x"}, content_type="application/json")
    assert response.status_code == 400 and "Return to today" in response.json()["as_at"][0]
    contract.refresh_from_db()
    assert contract.title == "Home care north"
