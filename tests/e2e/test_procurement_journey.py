"""Procurement imports a spend file, maps the column Golden Thread cannot recognise and reads the local spend table.

The procurement journey (issue 4): sign in, open "Local spend" and upload the council's spend file
(tests/fixtures/spend/e2e/paid-to-heading.csv, UTF-8 with a byte-order mark, £ amounts, a credit, a
repeated transaction number, a redacted line and a supplier nobody has registered). Its supplier
column is headed "Paid To", which no council's files use: choose it, check the file (a dry run that
saves nothing), import it, see the result. Then read the annual report's table, to the penny, for
suppliers created here (two Kent-based, one in Medway, which is outside Kent County Council's area),
drill into a supplier and then its spend lines.

The file's figures, worked out by hand: Maidstone Homecare £12,500.00 + £7,250.50 - £250.50 credit =
£19,500.00 (Kent, small); Medway Transport £8,000.00 + £2,000.00 = £10,000.00 (outside, large);
Canterbury Carers' Trust £5,500.00 (Kent, micro, VCS); redacted £1,000.00; Swale Garden Services
£4,000.00 (unmatched, location not known). Total £40,000.00; Kent £25,000.00, 62.5%; 4 suppliers,
2 of them (50.0%) Kent-based.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from commissioning.choices import Role
from commissioning.services import user_create
from contracts.choices import EmployeeBand, LegalForm, Location
from contracts.models import SpendImport, SpendLine, SpendPublisher
from contracts.services import provider_create
from outcomes_link.demo import DEMO_PASSWORD
from tests.e2e.conftest import screenshot_both_widths

pytestmark = pytest.mark.e2e

SPEND_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "spend" / "e2e" / "paid-to-heading.csv"


@pytest.fixture
def procurement_and_providers(transactional_db):
    """The procurement officer, the postcode districts and three providers, committed for the live server."""
    devnull = open("/dev/null", "w")  # noqa: SIM115 - closed below
    try:
        call_command("load_framework", verbosity=0, stdout=devnull)
        call_command("load_reference_data", verbosity=0, stdout=devnull)
    finally:
        devnull.close()
    officer = user_create(
        username="procurement",
        password=DEMO_PASSWORD,
        role=Role.PROCUREMENT,
        first_name="Daniel",
        last_name="Okafor",
        email="procurement@example.gov.uk",
    )
    providers = {
        "maidstone": provider_create(
            name="Maidstone Homecare Ltd",
            legal_form=LegalForm.PRIVATE_COMPANY,
            companies_house_number="09123456",
            employee_band=EmployeeBand.FROM_10,
            address_line_1="12 Week Street",
            town="Maidstone",
            postcode="ME14 1RH",
            reason="Journey test",
        ),
        "medway": provider_create(
            name="Medway Transport Ltd",
            legal_form=LegalForm.PRIVATE_COMPANY,
            companies_house_number="08123456",
            employee_band=EmployeeBand.FROM_250,
            town="Chatham",
            postcode="ME4 4TZ",
            reason="Journey test",
        ),
        "canterbury": provider_create(
            name="Canterbury Carers' Trust",
            legal_form=LegalForm.CHARITY,
            charity_number="1123456",
            employee_band=EmployeeBand.UNDER_10,
            town="Canterbury",
            postcode="CT1 2HR",
            reason="Journey test",
        ),
    }
    assert providers["maidstone"].location == providers["canterbury"].location == Location.LOCAL
    assert providers["medway"].location == Location.OUTSIDE
    return {"officer": officer, **providers}


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def _figure(table, label: str):
    """The cells (amount, share, not known) of the summary table's row headed `label`."""
    row = table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=label, exact=True))
    expect(row).to_have_count(1)
    return row.get_by_role("cell")


def test_procurement_uploads_a_spend_file_maps_a_column_and_reads_the_local_spend_table(
    live_server, page, procurement_and_providers, screenshot_dir
):
    _sign_in(page, live_server, "procurement")

    # Local spend has nothing yet, and offers procurement the upload.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Local spend", exact=True).click()
    expect(page).to_have_url(live_server.url + reverse("social_value:local_spend"))
    expect(page.get_by_role("heading", name="No spend imported yet")).to_be_visible()
    page.get_by_role("button", name="Upload a spend file").click()
    expect(page).to_have_url(live_server.url + reverse("contracts:spend_import_add"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a spend file")

    # Upload; the supplier column ("Paid To") is not recognised, so Golden Thread asks which it is.
    page.get_by_label("Spend file", exact=True).set_input_files(str(SPEND_FILE))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the columns")
    expect(page.get_by_text("could not find the column for the supplier")).to_be_visible()
    supplier_column = page.get_by_label("Which column holds the supplier?")
    expect(supplier_column.get_by_role("option")).to_contain_text(["Choose a heading", "Body Name", "Paid To"])
    screenshot_both_widths(page, screenshot_dir, "procurement-1-choose-the-columns")
    supplier_column.select_option("Paid To")
    page.get_by_role("button", name="Check file").click()

    # The check (a dry run) shows what importing would do, and saves nothing.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the spend file")
    summary = page.get_by_role("term")

    def checked(term: str):
        return summary.filter(has_text=term).locator("xpath=following-sibling::dd[1]")

    expect(checked("Publisher")).to_have_text("Kent County Council")
    expect(checked("Lines in the file")).to_have_text("8")
    expect(checked("Total of the file")).to_have_text("£40,000.00")
    expect(checked("Lines to add")).to_have_text("8 (£40,000.00)")
    expect(checked("Redacted lines")).to_contain_text("1")
    expect(checked("Lines matched to a provider")).to_contain_text("6 of the 8 lines to add")
    columns = page.get_by_role("table", name="Columns used")
    expect(columns.get_by_role("row").filter(has_text="Supplier")).to_contain_text("Paid To")
    screenshot_both_widths(page, screenshot_dir, "procurement-2-check-the-file")
    assert not SpendLine.objects.exists() and not SpendImport.objects.exists()

    # Import: the result, and the mapping remembered for the council's next files.
    page.get_by_role("button", name="Import 8 lines").click()
    spend_import = SpendImport.objects.get()
    expect(page).to_have_url(live_server.url + reverse("contracts:spend_import_detail", kwargs={"pk": spend_import.pk}))
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("paid-to-heading.csv imported: 8 lines added (£40,000.00)")
    expect(banner).to_contain_text("The column mapping is saved for Kent County Council")
    expect(page.get_by_text("6 matched to a provider")).to_be_visible()
    expect(page.get_by_text("1 not matched")).to_be_visible()
    expect(page.get_by_text("1 redacted", exact=True)).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "procurement-3-imported")
    assert spend_import.imported_by == procurement_and_providers["officer"]
    assert spend_import.total_pence == 4_000_000
    assert SpendPublisher.objects.get(name="Kent County Council").column_mapping == {"supplier": "Paid To"}

    # The annual report's table, to the penny.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Local spend", exact=True).click()
    expect(page.get_by_role("heading", name="Local spend summary")).to_be_visible()
    table = page.get_by_role("table", name="The annual report's table, with what is not known beside each figure")
    expect(_figure(table, "Total spend").first).to_have_text("£40,000.00")
    kent = _figure(table, "Kent spend")
    expect(kent.nth(0)).to_have_text("£25,000.00")
    expect(kent.nth(1)).to_contain_text("62.5%")
    expect(_figure(table, "Spend with suppliers outside Kent").first).to_have_text("£10,000.00")
    expect(_figure(table, "Spend whose supplier's location is not known").first).to_have_text("£4,000.00")
    expect(_figure(table, "Redacted spend (payments to individuals)").first).to_have_text("£1,000.00")
    expect(_figure(table, "Suppliers").first).to_have_text("4")
    kent_suppliers = _figure(table, "Kent-based suppliers")
    expect(kent_suppliers.nth(0)).to_have_text("2")
    expect(kent_suppliers.nth(1)).to_contain_text("50.0%")
    expect(_figure(table, "Spend with SMEs").first).to_have_text("£25,000.00")
    expect(_figure(table, "Spend with Kent-based micro enterprises").first).to_have_text("£5,500.00")
    expect(_figure(table, "Spend with VCS organisations").first).to_have_text("£5,500.00")
    expect(page.locator("#adds-up")).to_contain_text("total spend £40,000.00")
    screenshot_both_widths(page, screenshot_dir, "procurement-4-local-spend")

    # Drill into the largest supplier: its classification and spend, every name the file gives it.
    suppliers = page.get_by_role("region", name="Top 20 suppliers")
    expect(suppliers.get_by_role("row").nth(1)).to_contain_text("Maidstone Homecare Ltd")
    expect(suppliers.get_by_role("row").nth(1)).to_contain_text("£19,500.00")
    suppliers.get_by_role("link", name="Maidstone Homecare Ltd").click()
    maidstone = procurement_and_providers["maidstone"]
    expect(page).to_have_url(live_server.url + reverse("social_value:spend_supplier") + f"?provider_id={maidstone.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Maidstone Homecare Ltd")
    expect(page.get_by_role("definition").filter(has_text="Kent-based")).to_be_visible()
    expect(page.get_by_text("£19,500.00").first).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "procurement-5-supplier")

    # Then its lines: the three payments, the credit among them.
    page.get_by_role("link", name="See this supplier's 3 spend lines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spend lines")
    expect(page.get_by_role("heading", name="3 spend lines, totalling £19,500.00")).to_be_visible()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)  # the heading row and three lines
    expect(rows.filter(has_text="-£250.50")).to_have_count(1)
    expect(rows.filter(has_text="7100001")).to_have_count(2)  # one invoice paid over two lines
    screenshot_both_widths(page, screenshot_dir, "procurement-6-supplier-lines")
    lines = SpendLine.objects.filter(provider=maidstone)
    assert sum(line.amount for line in lines) == Decimal("19500.00")
