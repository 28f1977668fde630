"""Procurement takes in a council's contracts register and publishes the council's contracts (issue 7).

Sign in as procurement, open "Open data", upload Salford City Council's real contracts register (360 rows,
unedited), check it (a dry run: the figures and the warnings, by row and field, with nothing saved), import
it, open the import's record and one of the contracts it added, whose end date the register gave as
"2022-09-31" and is shown as not known. Then download the Transparency Code contracts register and the
OCDS release package, and check both: the CSV has the imported contracts over £5,000, the OCDS validates.
"""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from commissioning.choices import Role
from commissioning.services import user_create
from contracts.models import Contract, ContractImport
from contracts.ocds import validate_release_package
from outcomes_link.demo import DEMO_PASSWORD
from tests.e2e.conftest import screenshot_both_widths

pytestmark = pytest.mark.e2e

REGISTER = Path(__file__).resolve().parents[1] / "fixtures" / "open_data" / "salford_contracts_register_2022-07.csv"


@pytest.fixture
def officer(transactional_db):
    devnull = open("/dev/null", "w")  # noqa: SIM115 - closed below
    try:
        call_command("load_framework", verbosity=0, stdout=devnull)
        call_command("load_reference_data", verbosity=0, stdout=devnull)
    finally:
        devnull.close()
    return user_create(
        username="procurement", password=DEMO_PASSWORD, role=Role.PROCUREMENT, first_name="Daniel", last_name="Okafor"
    )


def test_procurement_imports_a_contracts_register_and_downloads_the_open_data(
    live_server, page, officer, screenshot_dir
):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "procurement")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Open data", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.get_by_text("No contracts register or OCDS file has been imported yet")).to_be_visible()
    page.get_by_role("link", name="Import a contracts register").click()

    # Upload and check: what importing would do, and what would be recorded as not known. Nothing is saved.
    page.get_by_label("Contracts register", exact=True).set_input_files(str(REGISTER))
    page.get_by_label("Whose register is it?").fill("Salford City Council")
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("region", name="Checked salford_contracts_register_2022-07.csv")).to_contain_text(
        "360 contracts would be added, 0 changed and 0 already up to date; 259 new providers."
    )
    expect(page.get_by_text("Row 118, end date: '2022-09-31' is not a date: recorded as not known")).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "open-data-1-check-a-register")
    assert not Contract.objects.exists()

    # Import, then the record of the import and a contract it added.
    page.get_by_role("button", name="Import salford_contracts_register_2022-07.csv").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("salford_contracts_register_2022-07.csv")
    expect(page.get_by_text("360 added, 0 changed, 0 already up to date")).to_be_visible()
    expect(page.get_by_text("£1,598,758,515.62")).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "open-data-2-the-import")
    record = ContractImport.objects.get()
    assert record.imported_by == officer and Contract.objects.count() == 360

    contract = Contract.objects.get(title__startswith="Half-Hourly Electricty")  # "2022-09-31" in the register
    page.goto(live_server.url + reverse("outcomes_link:contract_detail", args=[contract.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.title)
    expect(page.get_by_text("Not known").first).to_be_visible()

    # Publish: the Transparency Code register and OCDS, from the Open data page.
    page.goto(live_server.url + reverse("contracts:open_data"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the contracts register (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    over_5000 = Contract.objects.filter(total_value__gt=5000).count()
    assert len(rows) >= over_5000 > 300
    assert {"Reference", "Supplier name", "SME", "VCS", "Companies House number"} <= set(rows[0])

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the contracts as OCDS (JSON)").click()
    package = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert len(package["releases"]) == 360
    assert validate_release_package(package) == []
