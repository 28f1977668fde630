"""A councillor checks an outcome's scorecard, drills down to a contract and takes its review pack to committee.

The member's journey of issue 6: sign in, open Outcomes, open supporting outcome 2.3's scorecard,
follow one of its contracts from the drill-down table, download the contract review pack (PDF)
and read it back; then look at the same scorecard as at a past date.
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


@pytest.fixture
def demo_data(transactional_db):
    """The seeded demonstration set with its history dated as `manage.py demo` dates it, committed so
    the live server's thread can read it."""
    started = timezone.now()
    demo_load()
    demo_history_backdate(since=started)


def test_member_goes_from_a_scorecard_to_a_contract_and_downloads_its_review_pack(
    live_server, page, demo_data, screenshot_dir
):
    outcome = SupportingOutcome.objects.get(code="2.3", framework__is_default=True)

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "cllr.member")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes", exact=True).click()
    page.get_by_role("link", name=outcome.title).first.click()
    expect(page).to_have_url(live_server.url + reverse("outcomes_link:supportingoutcome_detail", args=["2.3"]))
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible()
    expect(main.get_by_role("heading", name="Basket of measures")).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "member-reports-1-scorecard-2-3")

    hrefs = main.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    contract_hrefs = [href for href in hrefs if href and re.fullmatch(r"/contracts/\d+/", href)]
    assert contract_hrefs, "the scorecard drills down to no contract"
    page.locator(f'main a[href="{contract_hrefs[0]}"]').first.click()
    expect(page).to_have_url(live_server.url + contract_hrefs[0])
    contract = Contract.objects.get(pk=int(contract_hrefs[0].strip("/").split("/")[-1]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.title)
    screenshot_both_widths(page, screenshot_dir, "member-reports-2-contract")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the contract review pack")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert contract.reference in text and contract.title.split()[0] in text
    assert "Kent County Council" in text and "Contents" in text
    assert outcome.code in text, "the review pack shows the contract's golden thread to 2.3"
    assert len(pdf.pages) >= 2

    # The same scorecard as at a past date: the banner says so, and nothing can be changed.
    page.goto(live_server.url + reverse("outcomes_link:supportingoutcome_detail", args=["2.3"]))
    page.get_by_text("Show the data as at a past date").click()
    year_end = financial_year_start(financial_year_of(timezone.localdate())) - datetime.timedelta(days=1)
    page.fill("#as-at-date", year_end.isoformat())
    page.get_by_role("button", name="Show as at this date").click()
    expect(page.get_by_role("heading", name=f"Data as at {year_end.day} {year_end:%B %Y}")).to_be_visible()
    expect(main.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "member-reports-3-scorecard-as-at")
    page.get_by_role("button", name="Return to today's data").click()
    expect(page.get_by_role("heading", name=re.compile("Data as at"))).to_have_count(0)
