"""Every table on the golden thread pages this app keeps (home, the contract register, a contract's
page, the RAG matrix) downloads as CSV and Excel (issue 6). The outcome pages, explorer, search,
measures and reports add their own downloads and are tested with them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning import as_at
from contracts.periods import Frequency, Period
from tests.contracts.factories import ContractFactory, KPIFactory
from tests.downloads_testing import assert_every_table_downloadable, build_world, check_download

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(directorate, commissioner):
    return build_world(directorate=directorate, commissioner=commissioner, today=as_at.today())


def _last_quarter() -> Period:
    return Period.containing(as_at.today(), Frequency.QUARTERLY).previous()


def test_home_downloads_every_contract_of_the_directorate_ending_soon(client, commissioner, world):
    client.force_login(commissioner)
    headings = check_download(
        client,
        reverse("outcomes_link:home"),
        "ending-soon",
        {"Reference": "KCC-DL-002", "Ends": world.ending_soon.current_end_date, "Status": "Active"},
    )
    assert "Outcomes" not in headings


def test_the_register_downloads_each_contract_with_its_outcomes(client, member, world):
    client.force_login(member)
    check_download(
        client,
        reverse("outcomes_link:contract_list"),
        "contracts",
        {"Reference": "KCC-DL-001", "Annual value (£)": Decimal("1234567.89"), "Outcomes": "1.1 100% (primary)"},
    )


def test_the_rag_matrix_downloads_each_contracts_quarters(client, member, world):
    client.force_login(member)
    quarter = _last_quarter()
    headings = check_download(
        client,
        reverse("outcomes_link:rag_matrix"),
        "matrix",
        {"Contract": "KCC-DL-001", f"{quarter.label} RAG": "Not returned"},
    )
    assert headings[:3] == ["Contract", "Title", "Provider"]
    assert len(headings) == 3 + 2 * 8  # a RAG and a score for each of the last 8 quarters


def test_home_has_no_ending_soon_download_for_a_member(client, member, world):
    client.force_login(member)
    assert client.get(reverse("outcomes_link:home"), {"download": "ending-soon"}).status_code == 404


@pytest.mark.parametrize(
    ("page", "user", "expect"),
    [
        ("outcomes_link:home", "commissioner", 1),
        ("outcomes_link:home", "member", 0),
        ("outcomes_link:contract_list", "member", 1),
        ("outcomes_link:contract_detail", "member", 0),
        ("outcomes_link:rag_matrix", "member", 1),
    ],
)
def test_every_table_on_the_page_is_followed_by_working_download_links(client, request, world, page, user, expect):
    client.force_login(request.getfixturevalue(user))
    url = reverse(page, args=[world.contract.pk]) if page.endswith("_detail") else reverse(page)

    assert_every_table_downloadable(client, url, expect_tables=expect)


def test_the_rag_matrix_download_has_every_contract_the_filters_select_not_one_page(
    client, member, world, directorate, other_directorate
):
    for n in range(55):
        KPIFactory(contract=ContractFactory(reference=f"KCC-M{n:03d}", directorate=directorate))
    KPIFactory(contract=ContractFactory(reference="KCC-OTHER", directorate=other_directorate))
    client.force_login(member)
    url = reverse("outcomes_link:rag_matrix")

    rows = client.get(url, {"directorate_id": directorate.pk, "download": "matrix"}).content.decode("utf-8-sig")
    references = [line.split(",")[0] for line in rows.splitlines()[1:]]

    assert len(client.get(url, {"directorate_id": directorate.pk}).context["rows"]) == 50
    assert len(references) == 56 and "KCC-DL-001" in references and "KCC-OTHER" not in references
