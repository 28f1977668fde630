"""A commissioner enters the quarter's KPI returns and a councillor sees the consequence on the outcome.

The commissioner journey (issue 3): sign in, open "Returns" (the quarter's grid), type the values
with the keyboard (one of them red for a KPI with a deduction rule, red the quarter before too),
submit, see the RAG and direction of travel in the grid, open the proposed deduction and apply it.
Then a member opens the supporting outcome the contract serves and sees the performance concern
the red return raised.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from commissioning.choices import Role
from commissioning.models import Directorate, SupportingOutcome
from commissioning.services import user_create
from contracts.choices import DeductionRule, DeductionStatus, KPIUnit, Polarity
from contracts.models import Deduction, PerformanceConcern
from contracts.selectors import recent_quarters
from contracts.services import kpi_return_save
from outcomes_link.demo import DEMO_PASSWORD
from tests.contracts.factories import ContractFactory, KPIFactory
from tests.e2e.conftest import screenshot_both_widths
from tests.outcomes_link.factories import OutcomeLinkFactory

pytestmark = pytest.mark.e2e

QUARTERS = recent_quarters(count=8, today=datetime.date.today())
LAST, PREVIOUS = QUARTERS[-1], QUARTERS[-2]


@pytest.fixture
def home_care(transactional_db):
    """An ASCH home care contract on outcome 3.5 whose visits KPI (with a £1,000 deduction rule) was red
    last quarter, so a red return this quarter is the second running: a performance concern."""
    call_command("load_framework", verbosity=0, stdout=open("/dev/null", "w"))
    call_command("load_reference_data", verbosity=0, stdout=open("/dev/null", "w"))
    asch = Directorate.objects.get(code="ASCH")
    people = {
        "commissioner": user_create(
            username="commissioner",
            password=DEMO_PASSWORD,
            role=Role.COMMISSIONER,
            first_name="Sarah",
            last_name="Whitfield",
            email="commissioner@example.gov.uk",
            directorate=asch,
        ),
        "member": user_create(
            username="cllr.member",
            password=DEMO_PASSWORD,
            role=Role.MEMBER,
            first_name="Margaret",
            last_name="Ellison",
            email="cllr.member@example.gov.uk",
        ),
    }
    contract = ContractFactory(
        reference="AS24901",
        title="Home care and support – Ashford",
        directorate=asch,
        commissioner=people["commissioner"],
        start_date=QUARTERS[0].start,
    )
    outcome = SupportingOutcome.objects.get(code="3.5", framework__is_default=True)
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome, contribution_share=Decimal("100"), is_primary=True
    )
    visits = KPIFactory(
        contract=contract,
        code="KPI01",
        name="Care visits delivered on time",
        target=Decimal("95"),
        amber_threshold=Decimal("90"),
        red_threshold=Decimal("85"),
        first_period_start=QUARTERS[0].start,
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("1000"),
    )
    missed = KPIFactory(
        contract=contract,
        code="KPI02",
        name="Missed visits",
        unit=KPIUnit.COUNT,
        polarity=Polarity.LOWER,
        target=Decimal("10"),
        amber_threshold=Decimal("15"),
        red_threshold=Decimal("25"),
        tolerance=Decimal("1"),
        first_period_start=QUARTERS[0].start,
    )
    history = {visits: [94, 95, 93, 96, 94, 92, 84], missed: [8, 9, 7, 10, 9, 8, 12]}
    for kpi, actuals in history.items():
        for quarter, actual in zip(QUARTERS[:-1], actuals, strict=True):
            kpi_return_save(kpi=kpi, period=quarter, actual=Decimal(actual), submit=True)
    assert not PerformanceConcern.objects.exists()  # red once so far: no concern yet
    return {"contract": contract, "outcome": outcome, "visits": visits, "missed": missed, **people}


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def _tab_to(page, target, most: int = 3) -> None:
    """Press Tab until `target` has the focus (the way a keyboard user moves through the grid)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    expect(target).to_be_focused()


def test_commissioner_enters_a_red_return_applies_the_deduction_and_a_member_sees_the_concern(
    live_server, page, browser, home_care, screenshot_dir
):
    contract = home_care["contract"]
    _sign_in(page, live_server, "commissioner")

    # The home page offers this quarter's returns; the menu's "Returns" opens the same grid.
    expect(page.get_by_role("button", name="Enter this quarter's returns")).to_be_visible()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Returns", exact=True).click()
    expect(page).to_have_url(live_server.url + reverse("contracts:kpireturn_grid"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter KPI returns")
    expect(page.get_by_text(LAST.label).first).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "commissioner-1-returns-grid")

    # Keyboard entry: type a value, Tab to its commentary, Tab to the next row's value.
    visits_label = f"Actual for KPI01 Care visits delivered on time, {LAST.label}, {contract.reference}"
    visits_comment = f"Commentary for KPI01 Care visits delivered on time, {LAST.label}, {contract.reference}"
    missed_label = f"Actual for KPI02 Missed visits, {LAST.label}, {contract.reference}"
    page.get_by_label(visits_label, exact=True).focus()
    page.keyboard.type("78")
    page.keyboard.press("Tab")
    expect(page.get_by_label(visits_comment, exact=True)).to_be_focused()
    page.keyboard.type("Staff sickness in August; agency cover arranged.")
    _tab_to(page, page.get_by_label(missed_label, exact=True))  # past the next row's contract link
    page.keyboard.type("17")
    expect(page.get_by_label(visits_label, exact=True)).to_have_value("78")
    page.get_by_role("button", name="Submit returns").click()

    # Both returns submitted: RAG and direction of travel against the previous quarter, in the grid.
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    visits_row = page.get_by_role("row").filter(has_text="KPI01")
    missed_row = page.get_by_role("row").filter(has_text="KPI02")
    expect(visits_row).to_contain_text("Red")
    expect(visits_row).to_contain_text("Declining")
    expect(missed_row).to_contain_text("Amber")
    expect(missed_row).to_contain_text("Declining")
    screenshot_both_widths(page, screenshot_dir, "commissioner-2-returns-submitted")

    # The red return proposed a £1,000 deduction and raised a concern (red 2 quarters running).
    deduction = Deduction.objects.get(kpi=home_care["visits"], kpi_return__period_start=LAST.start)
    assert deduction.status == DeductionStatus.PROPOSED and deduction.amount == Decimal("1000.00")
    concern = PerformanceConcern.objects.get(kpi=home_care["visits"], resolved_at__isnull=True)
    assert "Red in 2 periods running" in concern.explanation

    # From the grid: the return, then its deduction, then apply it.
    visits_row.get_by_role("link", name="Submitted").click()
    expect(page).to_have_url(
        live_server.url + reverse("contracts:kpireturn_detail", kwargs={"pk": deduction.kpi_return_id})
    )
    page.get_by_role("link", name="£1,000.00 – proposed").click()
    expect(page).to_have_url(live_server.url + reverse("contracts:deduction_detail", kwargs={"pk": deduction.pk}))
    expect(page.get_by_role("heading", level=1)).to_contain_text("£1,000.00")
    page.get_by_role("button", name="Apply deduction").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(page.get_by_text("Applied by").first).to_be_visible()
    screenshot_both_widths(page, screenshot_dir, "commissioner-3-deduction-applied")
    deduction.refresh_from_db()
    assert deduction.status == DeductionStatus.APPLIED
    assert deduction.decided_by == home_care["commissioner"]

    # A councillor, in their own session, sees the concern on the outcome the contract serves.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    member_page = context.new_page()
    member_page.set_default_timeout(15_000)
    try:
        _sign_in(member_page, live_server, "cllr.member")
        member_page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes", exact=True).click()
        member_page.get_by_role("link", name=home_care["outcome"].title).first.click()
        expect(member_page).to_have_url(
            live_server.url + reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "3.5"})
        )
        concerns = member_page.get_by_role("region", name="Open performance concerns")
        expect(concerns).to_contain_text(contract.reference)
        expect(concerns).to_contain_text("KPI01 Care visits delivered on time")
        expect(concerns).to_contain_text("Red in 2 periods running")
        # The contract's latest quarter in the outcome's contract table: one red, one amber.
        expect(member_page.get_by_text("Red 25.0").first).to_be_visible()
        screenshot_both_widths(member_page, screenshot_dir, "commissioner-4-member-sees-the-concern")
    finally:
        context.close()
    assert (screenshot_dir / "commissioner-4-member-sees-the-concern-390.png").stat().st_size > 0
