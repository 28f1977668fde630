"""A commissioner records a social value delivery return and verifies it; a councillor sees it on the outcome.

The social value journey (issue 5): the provider committed to 400 hours of staff volunteering in
Kent communities (measure SV5.2.1 of the default catalogue, which serves supporting outcomes 2.4
and 3.4, valued at the National Living Wage in force on the day of the commitment). The
commissioner opens the contract's social value tab, records a return of 120 hours with its
evidence, verifies it, and a member then finds the 120 hours' social value, and the contract, on
supporting outcome 3.4's page.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from commissioning.choices import Role
from commissioning.models import Directorate
from commissioning.services import user_create
from commissioning.templatetags.gt import money
from outcomes_link.demo import DEMO_PASSWORD
from social_value.models import DeliveryReturn, DeliveryStatus, SocialValueMeasure
from social_value.services import DEFAULT_CATALOGUE_FILE, catalogue_import, commitment_create
from tests.contracts.factories import ContractFactory
from tests.e2e.conftest import screenshot_both_widths

pytestmark = pytest.mark.e2e

TODAY = datetime.date.today()
COMMITTED_ON = datetime.date(TODAY.year - 1, 4, 1)


@pytest.fixture
def volunteering(transactional_db):
    call_command("load_framework", verbosity=0, stdout=open("/dev/null", "w"))
    call_command("load_reference_data", verbosity=0, stdout=open("/dev/null", "w"))
    result = catalogue_import(handle_or_path=DEFAULT_CATALOGUE_FILE)
    assert not result.errors
    asch = Directorate.objects.get(code="ASCH")
    commissioner = user_create(
        username="commissioner", password=DEMO_PASSWORD, role=Role.COMMISSIONER, first_name="Sarah",
        last_name="Whitfield", email="commissioner@example.gov.uk", directorate=asch,
    )  # fmt: skip
    user_create(
        username="cllr.member", password=DEMO_PASSWORD, role=Role.MEMBER, first_name="Margaret",
        last_name="Ellison", email="cllr.member@example.gov.uk",
    )  # fmt: skip
    contract = ContractFactory(
        reference="AS25017",
        title="Day opportunities – Swale",
        directorate=asch,
        commissioner=commissioner,
        start_date=COMMITTED_ON,
        end_date=COMMITTED_ON.replace(year=COMMITTED_ON.year + 3) - datetime.timedelta(days=1),
    )
    measure = SocialValueMeasure.objects.get(code="SV5.2.1")
    commitment = commitment_create(
        contract=contract, measure=measure, quantity=Decimal("400"), committed_on=COMMITTED_ON
    )
    assert commitment.proxy_value is not None  # the National Living Wage in force that day
    return {"contract": contract, "commitment": commitment}


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def test_commissioner_records_and_verifies_a_delivery_return_and_a_member_sees_it_on_the_outcome(
    live_server, page, browser, volunteering, screenshot_dir
):
    contract, commitment = volunteering["contract"], volunteering["commitment"]
    delivered_value = money(Decimal("120") * commitment.proxy_value)

    # From the contract page to its social value tab.
    _sign_in(page, live_server, "commissioner")
    page.goto(live_server.url + reverse("outcomes_link:contract_detail", kwargs={"pk": contract.pk}))
    expect(page.get_by_role("heading", name="Social value", level=2)).to_be_visible()
    page.get_by_role(
        "link", name=f"See the social value commitments and delivery returns of {contract.reference}"
    ).click()
    expect(page).to_have_url(
        live_server.url + reverse("social_value:contract_social_value", kwargs={"pk": contract.pk})
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Social value")
    expect(page.get_by_text("SV5.2.1 Hours volunteered by staff in Kent communities")).to_be_visible()

    # Record the return: the period, the hours and the evidence, with the keyboard.
    page.get_by_role("link", name="Record a return for SV5.2.1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record a delivery return for SV5.2.1")
    page.get_by_label("Period start").fill(COMMITTED_ON.isoformat())
    page.get_by_label("Period end").fill(COMMITTED_ON.replace(month=9, day=30).isoformat())
    page.get_by_label("Quantity delivered").fill("120")
    page.get_by_label("Evidence note").fill("Volunteering log signed by Swale Community Larder, 14 staff")
    screenshot_both_widths(page, screenshot_dir, "social-value-1-record-return")
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    delivery = DeliveryReturn.objects.get(commitment=commitment)
    assert delivery.status == DeliveryStatus.SUBMITTED and delivery.quantity == Decimal("120")

    # Submitted is not delivered: verify it from its page.
    page.goto(live_server.url + reverse("social_value:delivery_return_detail", kwargs={"pk": delivery.pk}))
    page.get_by_role("button", name="Verify return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("verified")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.VERIFIED and delivery.verified_by.username == "commissioner"
    page.goto(live_server.url + reverse("social_value:contract_social_value", kwargs={"pk": contract.pk}))
    expect(page.get_by_text(delivered_value).first).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "social-value-2-contract-tab")

    # A councillor, in their own session, follows the thread to supporting outcome 3.4.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    member_page = context.new_page()
    member_page.set_default_timeout(15_000)
    try:
        _sign_in(member_page, live_server, "cllr.member")
        member_page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes", exact=True).click()
        member_page.get_by_role("link", name="Older and vulnerable residents feel socially included").first.click()
        expect(member_page).to_have_url(
            live_server.url + reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "3.4"})
        )
        expect(member_page.get_by_role("heading", name="Social value", level=2)).to_be_visible()
        section = member_page.locator("#social-value ~ *")
        expect(section.get_by_text(delivered_value).first).to_be_visible()
        expect(member_page.get_by_role("link", name=contract.reference).first).to_be_visible()
        screenshot_both_widths(member_page, screenshot_dir, "social-value-3-member-sees-the-outcome")
    finally:
        context.close()
