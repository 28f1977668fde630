"""The social value pages of a contract as each role uses them: the contract's tab, adding and varying
a commitment, recording a delivery return with its evidence, verifying or rejecting it, and the list
of returns awaiting verification."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.choices import Role
from social_value.models import DeliveryReturn, DeliveryStatus, SocialValueCommitment
from social_value.services import commitment_create, delivery_return_submit, delivery_return_verify
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory
from tests.social_value.factories import measure

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def contract(directorate, commissioner):
    return ContractFactory(
        reference="KCC-ASC-SV1",
        directorate=directorate,
        commissioner=commissioner,
        start_date=D(2025, 4, 1),
        end_date=D(2028, 3, 31),
        total_value=Decimal("400000.00"),
    )


@pytest.fixture
def jobs():
    return measure("LET1", proxies=[("1000.00", D(2023, 4, 1)), ("1250.50", D(2025, 4, 1))])


@pytest.fixture
def commitment(contract, jobs, commissioner):
    return commitment_create(
        contract=contract, measure=jobs, quantity=Decimal("4"), committed_on=D(2025, 4, 1), actor=commissioner
    )


@pytest.fixture
def delivery(commitment, commissioner):
    return delivery_return_submit(
        commitment=commitment,
        period_start=D(2025, 4, 1),
        period_end=D(2025, 6, 30),
        quantity=Decimal("1"),
        evidence_note="Payroll extract: one Kent resident started in May",
        actor=commissioner,
    )


@pytest.fixture
def other_commissioner(other_directorate):
    return UserFactory(role=Role.COMMISSIONER, username="get-commissioner", directorate=other_directorate)


COMMITTED_ON = D(2025, 4, 1)


def _add(contract, m, quantity="4", *, committed_on=COMMITTED_ON, start=None, due=None, actor=None):
    return commitment_create(
        contract=contract,
        measure=m,
        quantity=Decimal(quantity),
        committed_on=committed_on,
        start_date=start,
        due_date=due,
        actor=actor,
    )


def _return(commitment, quantity="1", *, actor=None, verify=False):
    r = delivery_return_submit(
        commitment=commitment,
        period_start=D(2025, 4, 1),
        period_end=D(2025, 6, 30),
        quantity=Decimal(quantity),
        evidence_note="Timesheets",
        actor=actor,
    )
    return delivery_return_verify(delivery=r, actor=actor) if verify else r


# --- Who may open which page ---------------------------------------------------------------------------

READ_PAGES = {
    "contract_social_value": lambda c, cm, r: reverse("social_value:contract_social_value", args=[c.pk]),
    "commitment_detail": lambda c, cm, r: reverse("social_value:commitment_detail", args=[cm.pk]),
    "delivery_return_detail": lambda c, cm, r: reverse("social_value:delivery_return_detail", args=[r.pk]),
    "delivery_return_list": lambda c, cm, r: reverse("social_value:delivery_return_list"),
}
# Each write page with what a valid POST sends.
WRITE_PAGES = {
    "commitment_add": (
        lambda c, cm, r: reverse("social_value:commitment_add", args=[c.pk]),
        lambda m: {"measure": m.pk, "basis": "by_date", "quantity": "2", "committed_on": "2025-04-01"},
    ),
    "commitment_vary": (
        lambda c, cm, r: reverse("social_value:commitment_vary", args=[cm.pk]),
        lambda m: {
            "quantity": "6",
            "basis": "by_date",
            "start_date": "2025-04-01",
            "due_date": "2028-03-31",
            "reason": "Second site",
        },
    ),
    "delivery_return_add": (
        lambda c, cm, r: reverse("social_value:delivery_return_add", args=[cm.pk]),
        lambda m: {"period_start": "2025-07-01", "period_end": "2025-09-30", "quantity": "1", "evidence_note": "X"},
    ),
    "delivery_return_verify": (lambda c, cm, r: reverse("social_value:delivery_return_verify", args=[r.pk]), None),
    "delivery_return_reject": (
        lambda c, cm, r: reverse("social_value:delivery_return_reject", args=[r.pk]),
        lambda m: {"rejection_reason": "No evidence of the start date"},
    ),
}
POST_ONLY = {"delivery_return_verify"}


def _state() -> tuple:
    """What a refused write must leave as it was."""
    return (
        SocialValueCommitment.objects.count(),
        list(SocialValueCommitment.objects.values_list("quantity", flat=True)),
        DeliveryReturn.objects.count(),
        list(DeliveryReturn.objects.values_list("status", flat=True)),
    )


@pytest.mark.parametrize("page", [*READ_PAGES, *WRITE_PAGES])
def test_anonymous_visitor_is_sent_to_sign_in(client, delivery, page):
    cm = delivery.commitment
    url = (
        READ_PAGES[page](cm.contract, cm, delivery)
        if page in READ_PAGES
        else WRITE_PAGES[page][0](cm.contract, cm, delivery)
    )
    response = client.post(url) if page in POST_ONLY else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", [*READ_PAGES, *WRITE_PAGES])
def test_a_user_without_a_role_is_refused(client, no_role_user, delivery, page):
    cm = delivery.commitment
    url = (
        READ_PAGES[page](cm.contract, cm, delivery)
        if page in READ_PAGES
        else WRITE_PAGES[page][0](cm.contract, cm, delivery)
    )
    client.force_login(no_role_user)
    response = client.post(url) if page in POST_ONLY else client.get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["member", "procurement", "other_commissioner", "commissioner", "admin_user"])
@pytest.mark.parametrize("page", list(READ_PAGES))
def test_every_role_reads_the_social_value_pages(client, request, delivery, who, page):
    cm = delivery.commitment
    client.force_login(request.getfixturevalue(who))
    assert client.get(READ_PAGES[page](cm.contract, cm, delivery)).status_code == 200


@pytest.mark.parametrize("who", ["member", "procurement", "other_commissioner"])
@pytest.mark.parametrize("page", list(WRITE_PAGES))
def test_only_the_directorate_may_write(client, request, delivery, jobs, who, page):
    cm = delivery.commitment
    url_for, data_for = WRITE_PAGES[page]
    url = url_for(cm.contract, cm, delivery)
    client.force_login(request.getfixturevalue(who))
    before = _state()
    if page not in POST_ONLY:
        assert client.get(url).status_code == 403
    assert client.post(url, data_for(jobs) if data_for else {}).status_code == 403
    assert _state() == before


@pytest.mark.parametrize("who", ["commissioner", "admin_user"])
@pytest.mark.parametrize("page", list(WRITE_PAGES))
def test_the_directorates_commissioner_and_admin_may_write(client, request, delivery, jobs, who, page):
    cm = delivery.commitment
    url_for, data_for = WRITE_PAGES[page]
    url = url_for(cm.contract, cm, delivery)
    client.force_login(request.getfixturevalue(who))
    before = _state()
    if page not in POST_ONLY:
        assert client.get(url).status_code == 200
    response = client.post(url, data_for(jobs) if data_for else {})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _state() != before


def test_write_buttons_are_shown_only_to_those_who_may_write(
    client, member, other_commissioner, commissioner, delivery
):
    cm = delivery.commitment
    url = reverse("social_value:contract_social_value", args=[cm.contract.pk])
    add_url = reverse("social_value:commitment_add", args=[cm.contract.pk])
    return_url = reverse("social_value:delivery_return_add", args=[cm.pk])
    for user in (member, other_commissioner):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert add_url not in html and return_url not in html
        detail = client.get(reverse("social_value:delivery_return_detail", args=[delivery.pk])).content.decode()
        assert "Verify return" not in detail
    client.force_login(commissioner)
    html = client.get(url).content.decode()
    assert add_url in html and return_url in html
    detail = client.get(reverse("social_value:delivery_return_detail", args=[delivery.pk])).content.decode()
    assert "Verify return" in detail and "Reject return" in detail


def test_verify_is_post_only(client, commissioner, delivery):
    client.force_login(commissioner)
    assert client.get(reverse("social_value:delivery_return_verify", args=[delivery.pk])).status_code == 405
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUBMITTED


# --- Adding a commitment -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("committed_on", "proxy", "source", "committed"),
    [
        ("2025-03-31", Decimal("1000.00"), "Test source 2023", Decimal("4000.00")),
        ("2025-04-01", Decimal("1250.50"), "Test source 2025", Decimal("5002.00")),
    ],
)
def test_a_commitment_added_through_the_form_takes_the_proxy_in_force_on_the_day_committed(
    client, commissioner, contract, jobs, committed_on, proxy, source, committed
):
    client.force_login(commissioner)
    url = reverse("social_value:commitment_add", args=[contract.pk])
    form_html = client.get(url).content.decode()
    assert "LET1 Measure LET1 (People)" in form_html  # grouped by theme, with its unit
    assert '<optgroup label="Local employment">' in form_html
    response = client.post(
        url,
        {"measure": jobs.pk, "basis": "by_date", "quantity": "4", "committed_on": committed_on, "notes": " In bid "},
        follow=True,
    )
    c = SocialValueCommitment.objects.get()
    assert (c.proxy_value, c.committed_value, c.total_quantity) == (proxy, committed, Decimal("4"))
    assert c.proxy_source == source
    # Blank dates are the contract's.
    assert (c.start_date, c.due_date) == (contract.start_date, contract.current_end_date)
    assert c.notes == "In bid"
    assert c.history.get().history_user == commissioner
    assert response.redirect_chain[-1][0] == reverse("social_value:commitment_detail", args=[c.pk])
    html = response.content.decode()
    assert "govuk-notification-banner--success" in html
    assert f"£{committed:,}" in html and f"£{proxy:,}" in html and source in html


def test_a_yearly_commitment_counts_each_contract_year(client, commissioner, contract, jobs):
    client.force_login(commissioner)
    client.post(
        reverse("social_value:commitment_add", args=[contract.pk]),
        {
            "measure": jobs.pk,
            "basis": "per_year",
            "quantity": "2",
            "committed_on": "2025-04-01",
            "start_date": "2025-04-01",
            "due_date": "2027-04-01",
        },
    )
    c = SocialValueCommitment.objects.get()
    assert (c.total_quantity, c.committed_value) == (Decimal("4.00"), Decimal("5002.00"))


def test_a_commitment_the_service_refuses_is_shown_in_the_error_summary_and_not_saved(
    client, commissioner, contract, jobs
):
    client.force_login(commissioner)
    response = client.post(
        reverse("social_value:commitment_add", args=[contract.pk]),
        {"measure": jobs.pk, "basis": "by_date", "quantity": "4", "committed_on": "2025-04-01",
         "start_date": "2026-04-01", "due_date": "2026-03-31"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "The due date must be after the start date." in html
    assert not SocialValueCommitment.objects.exists()


def test_an_inactive_measure_cannot_be_chosen(client, commissioner, contract, jobs):
    jobs.is_active = False
    jobs.save()
    client.force_login(commissioner)
    url = reverse("social_value:commitment_add", args=[contract.pk])
    assert "LET1" not in client.get(url).content.decode()
    response = client.post(url, {"measure": jobs.pk, "basis": "by_date", "quantity": "4", "committed_on": "2025-04-01"})
    assert "Select a measure from the list" in response.content.decode()
    assert not SocialValueCommitment.objects.exists()


# --- Varying a commitment ------------------------------------------------------------------------------


def _vary_data(**overrides) -> dict:
    data = {"quantity": "6", "basis": "by_date", "start_date": "2025-04-01", "due_date": "2028-03-31", "notes": ""}
    data.update(overrides)
    return data


def test_varying_without_a_reason_shows_an_error_and_changes_nothing(client, commissioner, commitment):
    client.force_login(commissioner)
    response = client.post(reverse("social_value:commitment_vary", args=[commitment.pk]), _vary_data(reason="  "))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Say why the commitment is varied" in html
    commitment.refresh_from_db()
    assert commitment.quantity == Decimal("4")
    assert commitment.history.count() == 1


def test_a_variation_is_saved_with_its_reason_and_shown_in_the_history(client, commissioner, commitment):
    client.force_login(commissioner)
    url = reverse("social_value:commitment_vary", args=[commitment.pk])
    form_html = client.get(url).content.decode()
    assert 'value="4.00"' in form_html or 'value="4"' in form_html  # the form starts from the commitment
    response = client.post(url, _vary_data(reason="Second site opened"), follow=True)
    commitment.refresh_from_db()
    assert (commitment.quantity, commitment.proxy_value, commitment.committed_value) == (
        Decimal("6"), Decimal("1250.50"), Decimal("7503.00"))  # fmt: skip
    latest = commitment.history.first()
    assert (latest.history_user, latest.history_change_reason) == (commissioner, "Varied: Second site opened")
    html = response.content.decode()
    assert "Second site opened" in html
    assert "£5,002.00" in html and "£7,503.00" in html  # what changed, old and new


def test_a_variation_that_changes_nothing_is_refused(client, commissioner, commitment):
    client.force_login(commissioner)
    response = client.post(
        reverse("social_value:commitment_vary", args=[commitment.pk]), _vary_data(quantity="4", reason="Checked")
    )
    assert "Nothing has changed" in response.content.decode()
    assert commitment.history.count() == 1


# --- Delivery returns ----------------------------------------------------------------------------------


def test_a_return_with_neither_note_nor_file_is_refused(client, commissioner, commitment):
    client.force_login(commissioner)
    response = client.post(
        reverse("social_value:delivery_return_add", args=[commitment.pk]),
        {"period_start": "2025-04-01", "period_end": "2025-06-30", "quantity": "2", "evidence_note": "  "},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Give the evidence: a note, a file, or both" in html
    assert not DeliveryReturn.objects.exists()


def test_a_return_with_an_evidence_file_is_saved_and_its_file_downloaded_by_signed_in_users(
    client, settings, tmp_path, commissioner, member, commitment
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(commissioner)
    upload = SimpleUploadedFile("timesheets.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = client.post(
        reverse("social_value:delivery_return_add", args=[commitment.pk]),
        {"period_start": "2025-04-01", "period_end": "2025-06-30", "quantity": "2", "evidence_file": upload},
        follow=True,
    )
    delivery = DeliveryReturn.objects.get()
    assert (delivery.quantity, delivery.status, delivery.submitted_by) == (
        Decimal("2"), DeliveryStatus.SUBMITTED, commissioner)  # fmt: skip
    assert delivery.evidence_file.name.endswith(".pdf")
    evidence_url = reverse("social_value:delivery_return_evidence", args=[delivery.pk])
    assert evidence_url in response.content.decode()

    client.force_login(member)
    download = client.get(evidence_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 evidence"
    assert download["Content-Disposition"].startswith("attachment")
    client.logout()
    assert client.get(evidence_url).status_code == 302


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("evidence.html", 10, "must be a PDF, Word document (.docx), Excel workbook (.xlsx), CSV file"),
        ("evidence.pdf", 10 * 1024 * 1024 + 1, "must be smaller than 10 MB"),
    ],
)
def test_an_evidence_file_of_the_wrong_type_or_too_big_is_refused(
    client, settings, tmp_path, commissioner, commitment, name, size, message
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(commissioner)
    response = client.post(
        reverse("social_value:delivery_return_add", args=[commitment.pk]),
        {"period_start": "2025-04-01", "period_end": "2025-06-30", "quantity": "2", "evidence_note": "See file",
         "evidence_file": SimpleUploadedFile(name, b"x" * size)},
    )  # fmt: skip
    assert message in response.content.decode()
    assert not DeliveryReturn.objects.exists()
    assert not list(tmp_path.rglob("*.*"))


def test_verifying_a_return_counts_it_and_records_who(client, commissioner, delivery):
    client.force_login(commissioner)
    response = client.post(reverse("social_value:delivery_return_verify", args=[delivery.pk]), follow=True)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.verified_by) == (DeliveryStatus.VERIFIED, commissioner)
    assert delivery.verified_at is not None
    assert "Verified by" in response.content.decode()
    tab = client.get(reverse("social_value:contract_social_value", args=[delivery.commitment.contract_id]))
    assert tab.context["figures"].delivered_value == Decimal("1250.50")
    assert tab.context["awaiting"] == []


def test_verifying_a_return_twice_is_explained_not_an_error(client, commissioner, delivery):
    client.force_login(commissioner)
    url = reverse("social_value:delivery_return_verify", args=[delivery.pk])
    client.post(url)
    response = client.post(url)
    assert response.status_code == 400
    assert "Only a submitted return can be verified" in response.content.decode()


def test_a_rejection_needs_a_reason(client, commissioner, delivery):
    client.force_login(commissioner)
    url = reverse("social_value:delivery_return_reject", args=[delivery.pk])
    response = client.post(url, {"rejection_reason": "   "})
    assert response.status_code == 200
    assert "Say why the return is rejected" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUBMITTED


def test_rejecting_a_return_records_why_and_who_and_it_does_not_count(client, commissioner, member, delivery):
    client.force_login(commissioner)
    response = client.post(
        reverse("social_value:delivery_return_reject", args=[delivery.pk]),
        {"rejection_reason": "The payroll extract does not cover May"},
        follow=True,
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.verified_by) == (DeliveryStatus.REJECTED, commissioner)
    assert delivery.rejection_reason == "The payroll extract does not cover May"
    assert "The payroll extract does not cover May" in response.content.decode()
    client.force_login(member)
    tab = client.get(reverse("social_value:contract_social_value", args=[delivery.commitment.contract_id]))
    assert tab.context["figures"].delivered_value == Decimal("0.00")


# --- The contract's social value tab ---------------------------------------------------------------------


def test_the_contract_tab_shows_each_commitment_with_its_progress_and_status_in_words(
    client, member, contract, jobs, commissioner
):
    done = _add(contract, jobs, "4", start=D(2020, 1, 1), due=D(2021, 1, 1), actor=commissioner)
    _return(done, "4", actor=commissioner, verify=True)
    late = _add(contract, measure("ENV1", unit="hours", proxies=[("10.00", D(2020, 1, 1))]), "100",
                start=D(2020, 1, 1), due=D(2021, 1, 1), actor=commissioner)  # fmt: skip
    _return(late, "10", actor=commissioner)  # submitted, not counted
    client.force_login(member)
    response = client.get(reverse("social_value:contract_social_value", args=[contract.pk]))
    html = response.content.decode()
    figures = response.context["figures"]
    # £5,002.00 + £1,000.00 committed; £5,002.00 delivered; of a £400,000 contract.
    assert (figures.committed_value, figures.delivered_value) == (Decimal("6002.00"), Decimal("5002.00"))
    assert "£6,002.00" in html and "£5,002.00" in html and "1.5%" in html
    assert 'govuk-tag--green">On track' in html and 'govuk-tag--red">Behind' in html
    assert "Test source 2025" in html and "Hours" in html
    assert [d.commitment_id for d in response.context["awaiting"]] == [late.pk]


def test_the_contract_tab_runs_the_same_queries_for_2_and_12_commitments(
    client, commissioner, contract, jobs, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            c = _add(contract, jobs, "4", actor=commissioner)
            _return(c, "1", actor=commissioner, verify=True)
            _return(c, "1", actor=commissioner)

    add(2)
    client.force_login(commissioner)
    url = reverse("social_value:contract_social_value", args=[contract.pk])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    add(10)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get(url)
    assert len(response.context["progress"]) == 12
    assert len(response.context["awaiting"]) == 12


# --- Returns awaiting verification ----------------------------------------------------------------------


def test_the_returns_list_shows_a_commissioners_directorate_first_and_can_show_every_directorate(
    client, commissioner, jobs, contract, other_directorate
):
    ours = _return(_add(contract, jobs, actor=commissioner))
    _return(_add(contract, jobs, actor=commissioner), verify=True)
    theirs = _return(_add(ContractFactory(directorate=other_directorate), jobs))
    client.force_login(commissioner)
    url = reverse("social_value:delivery_return_list")
    assert [r.pk for r in client.get(url).context["returns"]] == [ours.pk]
    everywhere = client.get(url, {"directorate": ""}).context["returns"]
    assert {r.pk for r in everywhere} == {ours.pk, theirs.pk}
    verified = client.get(url, {"status": "verified", "directorate": ""}).context["returns"]
    assert [r.status for r in verified] == [DeliveryStatus.VERIFIED]
    assert len(client.get(url, {"status": "all", "directorate": ""}).context["returns"]) == 3


def test_the_returns_list_runs_the_same_queries_for_2_and_12_returns(
    client, member, jobs, directorate, other_directorate, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            c = _add(ContractFactory(directorate=directorate if i % 2 else other_directorate), jobs)
            _return(c)

    add(2)
    client.force_login(member)
    url = reverse("social_value:delivery_return_list")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    add(10)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get(url)
    assert len(response.context["returns"]) == 12


def test_the_returns_list_refuses_a_bad_filter_without_an_error_page(client, member, delivery):
    client.force_login(member)
    response = client.get(reverse("social_value:delivery_return_list"), {"status": "lost", "directorate": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a status from the list" in html and "Select a directorate from the list" in html
    assert response.context["returns"] == []


# --- The contract page ---------------------------------------------------------------------------------------


def test_the_contract_page_shows_the_social_value_section(client, member, contract, commitment, commissioner):
    _return(commitment, "1", actor=commissioner, verify=True)
    client.force_login(member)
    html = client.get(reverse("outcomes_link:contract_detail", args=[contract.pk])).content.decode()
    assert 'id="social-value"' in html
    section = html[html.index('id="social-value"') :]
    assert "£5,002.00" in section and "£1,250.50" in section  # committed, delivered (verified)
    assert "25.0%" in section  # of the committed value
    assert reverse("social_value:contract_social_value", args=[contract.pk]) in section
    assert html.index('id="performance"') < html.index('id="social-value"') < html.index("Recent changes")


def test_a_contract_without_commitments_says_so_on_its_tab_and_page(client, member, contract):
    client.force_login(member)
    tab = client.get(reverse("social_value:contract_social_value", args=[contract.pk])).content.decode()
    assert "No social value commitments are recorded for this contract yet." in tab
    assert "0.0% of the contract" in tab
    page = client.get(reverse("outcomes_link:contract_detail", args=[contract.pk])).content.decode()
    section = page[page.index('id="social-value"') :]
    assert "No social value commitments are recorded for this contract yet." in section
