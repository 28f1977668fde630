"""The PDF reports as downloads from the pages they summarise: every role may read them, as at the
page's day, with bad options named; and the links and the form on those pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from commissioning.choices import Role
from tests.outcomes_link.test_reports import LAST, PAST, TODAY, page_texts, read, thread_contract
from tests.social_value.factories import spend_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def red(kcc_framework, directorate):
    return thread_contract(directorate, "WEB-RED", red=True, title="Home care west")


def _assert_pdf(response, filename: str) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    return response.content


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
def test_every_role_downloads_the_reports(client, users, kcc_framework, role):
    # The shortest report (a year with no spend: a cover and one page) keeps this quick.
    client.force_login(users[role])
    response = client.get(reverse("outcomes_link:report_local_spend"), {"financial_year": "2019-20"})
    content = _assert_pdf(response, f"local-spend-2019-20-{TODAY.isoformat()}.pdf")
    assert "No spend has been imported" in " ".join(page_texts(read(content)))


def test_the_contract_review_pack_downloads_from_the_contract(client, member, red):
    client.force_login(member)
    response = client.get(reverse("outcomes_link:report_contract_review", kwargs={"pk": red.pk}))
    content = _assert_pdf(response, f"contract-review-web-red-{TODAY.isoformat()}.pdf")
    assert "WEB-RED Home care west" in page_texts(read(content))[0]


def test_reports_need_a_signed_in_user_with_a_role(client, red, no_role_user):
    url = reverse("outcomes_link:report_contract_review", kwargs={"pk": red.pk})
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403


def test_the_golden_thread_report_downloads_as_at_the_pages_day(client, member, red, backdate):
    backdate(PAST)
    client.force_login(member)
    response = client.get(reverse("outcomes_link:report_golden_thread") + f"?as_at={PAST.isoformat()}")
    texts = page_texts(read(_assert_pdf(response, f"golden-thread-{PAST.isoformat()}.pdf")))
    assert f"As at {PAST:%-d %B %Y}" in texts[0] and "data live" not in texts[0]
    assert "WEB-RED Home care west" in " ".join(texts)


def test_the_directorate_quarterly_report_downloads_for_a_quarter(client, commissioner, red):
    client.force_login(commissioner)
    url = reverse("outcomes_link:report_directorate_quarterly", kwargs={"code": "asch"})
    response = client.get(url, {"quarter": LAST.label})
    content = _assert_pdf(response, f"directorate-quarterly-asch-{LAST.code.lower()}-{TODAY.isoformat()}.pdf")
    assert f"Adult Social Care and Health, {LAST.label}" in page_texts(read(content))[0]


def test_bad_report_options_are_a_400_or_a_404_naming_them(client, member, red):
    client.force_login(member)
    url = reverse("outcomes_link:report_directorate_quarterly", kwargs={"code": "ASCH"})
    bad = client.get(url, {"quarter": "Q7"})
    assert bad.status_code == 400 and "'Q7' is not a period" in bad.content.decode()
    unknown = reverse("outcomes_link:report_directorate_quarterly", kwargs={"code": "XYZ"})
    assert client.get(unknown).status_code == 404
    assert client.get(reverse("outcomes_link:report_contract_review", kwargs={"pk": 999999})).status_code == 404
    year = client.get(reverse("outcomes_link:report_local_spend"), {"financial_year": "soon"})
    assert year.status_code == 400 and "write it like 2025-26" in year.content.decode()


def test_the_rag_matrix_form_sends_the_reader_to_the_report_keeping_the_as_at_day(client, member, red):
    client.force_login(member)
    choose = reverse("outcomes_link:report_directorate_quarterly_choose")
    response = client.get(choose, {"directorate": "ASCH", "quarter": "2025-26 Q2", "as_at": PAST.isoformat()})
    target = reverse("outcomes_link:report_directorate_quarterly", kwargs={"code": "ASCH"})
    assert response.status_code == 302
    assert response["Location"] == f"{target}?quarter=2025-26+Q2&as_at={PAST.isoformat()}"
    assert client.get(choose).status_code == 400


def test_the_local_spend_report_downloads_for_the_pages_financial_year(client, procurement, kcc_framework):
    spend_dataset()
    client.force_login(procurement)
    response = client.get(reverse("outcomes_link:report_local_spend"), {"financial_year": "2024"})
    content = _assert_pdf(response, f"local-spend-2024-25-{TODAY.isoformat()}.pdf")
    assert "Total spend £16,900.00" in " ".join(page_texts(read(content)))


def test_the_pages_link_to_their_reports_keeping_the_as_at_day(client, member, red, backdate):
    spend_dataset()
    client.force_login(member)
    outcomes = client.get(reverse("outcomes_link:outcome_list")).content.decode()
    assert f'href="{reverse("outcomes_link:report_golden_thread")}"' in outcomes
    assert "Download the golden thread report (PDF)" in outcomes

    contract = client.get(reverse("outcomes_link:contract_detail", kwargs={"pk": red.pk})).content.decode()
    assert f'href="{reverse("outcomes_link:report_contract_review", kwargs={"pk": red.pk})}"' in contract

    matrix = client.get(reverse("outcomes_link:rag_matrix")).content.decode()
    assert f'action="{reverse("outcomes_link:report_directorate_quarterly_choose")}"' in matrix
    assert f'<option value="{LAST.label}">{LAST.label}</option>' in matrix
    assert '<option value="ASCH">Adult Social Care and Health</option>' in matrix

    spend = client.get(reverse("social_value:local_spend"), {"financial_year": "2024"}).content.decode()
    assert f'href="{reverse("outcomes_link:report_local_spend")}?financial_year=2024"' in spend

    backdate(PAST)
    as_then = client.get(reverse("outcomes_link:outcome_list"), {"as_at": PAST.isoformat()}).content.decode()
    assert escape(f"{reverse('outcomes_link:report_golden_thread')}?as_at={PAST.isoformat()}") in as_then


def test_a_report_download_runs_a_fixed_number_of_queries(
    client, member, kcc_framework, directorate, red, django_assert_num_queries
):
    client.force_login(member)
    url = reverse("outcomes_link:report_directorate_quarterly", kwargs={"code": "ASCH"})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        thread_contract(directorate, f"WEB-MORE-{n:02d}", red=n % 3 == 0)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
