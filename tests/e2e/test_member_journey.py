"""A councillor follows the golden thread from the outcomes down to a contract and takes it to committee.

The member journey: sign in, open Outcomes, open supporting outcome 1.2's scorecard ("We keep
vulnerable families out of crisis..."), follow one of its contracts from the drill-down table and
see the thread on the contract page rise to strategic outcome 1; download the contract review pack
(PDF) and read it back; then look at the same scorecard as at the end of the last financial year.
"""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from commissioning.models import SupportingOutcome
from contracts.models import Contract
from contracts.periods import financial_year_of, financial_year_start
from outcomes_link.demo import DEMO_PASSWORD, demo_load
from outcomes_link.demo_history import demo_history_backdate
from tests.e2e.conftest import screenshot_both_widths

pytestmark = pytest.mark.e2e

STRATEGIC_OUTCOME_1 = "Children and young people in Kent get the best start in life"


@pytest.fixture
def demo_data(transactional_db):
    """The seeded demonstration set with its history dated as `manage.py demo` dates it, committed so
    the live server's thread can read it."""
    started = timezone.now()
    demo_load()
    demo_history_backdate(since=started)


def test_member_follows_the_thread_from_a_scorecard_to_a_contract_and_its_review_pack(
    live_server, page, demo_data, screenshot_dir
):
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
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible()
    expect(main.get_by_role("heading", name="Basket of measures")).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "member-2-scorecard-1-2")

    hrefs = main.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    contract_hrefs = [href for href in hrefs if href and re.fullmatch(r"/contracts/\d+/", href)]
    assert contract_hrefs, "the scorecard drills down to no contract"
    page.locator(f'main a[href="{contract_hrefs[0]}"]').first.click()
    expect(page).to_have_url(live_server.url + contract_hrefs[0])
    contract = Contract.objects.get(pk=int(contract_hrefs[0].strip("/").split("/")[-1]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.title)
    expect(main.get_by_text(outcome_1_2.title).first).to_be_visible()
    expect(main.get_by_text(STRATEGIC_OUTCOME_1).first).to_be_visible()
    assert outcome_1_2.strategic_outcome.title == STRATEGIC_OUTCOME_1
    screenshot_both_widths(page, screenshot_dir, "member-3-contract-thread")
    assert (screenshot_dir / "member-3-contract-thread-390.png").stat().st_size > 0

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the contract review pack")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        pdf = PdfReader(io.BytesIO(file.read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert contract.reference in text and "Kent County Council" in text and "Contents" in text
    assert outcome_1_2.code in text, "the review pack shows the contract's golden thread to 1.2"
    assert len(pdf.pages) >= 2

    # The same scorecard as at a past date: the banner says so, and nothing can be changed.
    page.goto(live_server.url + reverse("outcomes_link:supportingoutcome_detail", args=["1.2"]))
    page.get_by_text("Show the data as at a past date").click()
    year_end = financial_year_start(financial_year_of(timezone.localdate())) - datetime.timedelta(days=1)
    page.fill("#as-at-date", year_end.isoformat())
    page.get_by_role("button", name="Show as at this date").click()
    expect(page.get_by_role("heading", name=f"Data as at {year_end.day} {year_end:%B %Y}")).to_be_visible()
    expect(main.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "member-4-scorecard-as-at")
    page.get_by_role("button", name="Return to today's data").click()
    expect(page.get_by_role("heading", name=re.compile("Data as at"))).to_have_count(0)
