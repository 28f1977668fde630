"""A councillor follows the golden thread from the outcomes down to a contract and back up.

The member journey (issue: member): sign in, open Outcomes, open supporting outcome 1.2
("We keep vulnerable families out of crisis..."), open one of its contracts and see the
thread on the contract page rise to strategic outcome 1.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from commissioning.models import SupportingOutcome
from outcomes_link.demo import DEMO_PASSWORD, demo_load
from tests.e2e.conftest import screenshot_both_widths

pytestmark = pytest.mark.e2e

STRATEGIC_OUTCOME_1 = "Children and young people in Kent get the best start in life"


@pytest.fixture
def demo_data(transactional_db):
    """The seeded demonstration set, committed so the live server's thread can read it."""
    demo_load()


def test_member_follows_the_thread_from_outcome_1_2_to_a_contract(live_server, page, demo_data, screenshot_dir):
    outcome_1_2 = SupportingOutcome.objects.select_related("strategic_outcome").get(
        code="1.2", framework__is_default=True
    )

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "cllr.member")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes", exact=True).click()
    expect(page).to_have_url(live_server.url + reverse("outcomes_link:outcome_list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    screenshot_both_widths(page, screenshot_dir, "member-1-outcomes")

    page.get_by_role("link", name=outcome_1_2.title).first.click()
    expect(page).to_have_url(live_server.url + reverse("outcomes_link:supportingoutcome_detail", args=["1.2"]))
    expect(page.get_by_role("heading", level=1)).to_have_text(outcome_1_2.title)
    screenshot_both_widths(page, screenshot_dir, "member-2-supporting-outcome-1-2")

    hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    contract_hrefs = [href for href in hrefs if href and re.fullmatch(r"/contracts/\d+/", href)]
    assert contract_hrefs, "the supporting outcome page lists no contracts"
    page.locator(f'main a[href="{contract_hrefs[0]}"]').first.click()
    expect(page).to_have_url(live_server.url + contract_hrefs[0])

    main = page.locator("main")
    expect(main.get_by_text(outcome_1_2.title).first).to_be_visible()
    expect(main.get_by_text(STRATEGIC_OUTCOME_1).first).to_be_visible()
    assert outcome_1_2.strategic_outcome.title == STRATEGIC_OUTCOME_1
    screenshot_both_widths(page, screenshot_dir, "member-3-contract-thread")
    assert (screenshot_dir / "member-3-contract-thread-390.png").stat().st_size > 0
