"""The import page (/returns/import/) and its template download, as commissioners, admins and others use them."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from commissioning.choices import Role
from contracts.choices import Frequency, ReturnStatus
from contracts.models import KPIReturn
from contracts.views.imports import SESSION_KEY
from tests.contracts.factories import ContractFactory, KPIFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "returns"
IMPORT = "contracts:kpireturn_import"
TEMPLATE = "contracts:kpireturn_import_template"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes())


@pytest.fixture
def asc_contract(directorate, commissioner):
    contract = ContractFactory(reference="KCC-ASC-001", directorate=directorate, commissioner=commissioner)
    KPIFactory(contract=contract, code="KPI01", name="Visits on time")
    KPIFactory(contract=contract, code="KPI02", name="Complaints received")
    KPIFactory(contract=contract, code="KPI03", name="Budget variance")
    return contract


@pytest.fixture
def get_contract(other_directorate):
    contract = ContractFactory(reference="KCC-GET-001", directorate=other_directorate)
    KPIFactory(contract=contract, code="KPI01", name="Potholes filled")
    return contract


# --- Who may import ---


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse(IMPORT))
    assert response.status_code == 302
    assert reverse("login") in response.url


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT])
def test_roles_without_the_right_to_add_returns_are_refused(client, users, role, asc_contract):
    client.force_login(users[role])
    assert client.get(reverse(IMPORT)).status_code == 403
    assert (
        client.post(
            reverse(IMPORT), {"action": "import", "status": "submit", "file": upload("q2_utf8.csv")}
        ).status_code
        == 403
    )
    assert client.get(reverse(TEMPLATE)).status_code == 403
    assert not KPIReturn.objects.exists()


def test_the_page_offers_the_upload_and_the_template(client, commissioner):
    client.force_login(commissioner)
    response = client.get(reverse(IMPORT))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "Check only (dry run)" in html
    assert f'action="{reverse(TEMPLATE)}"' in html
    assert "<script>" not in html and 'style="' not in html  # no inline script or style (CSP)


# --- Check, then import ---


def test_checking_a_file_shows_the_preview_and_saves_nothing(client, commissioner, asc_contract):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"action": "check", "status": "submit", "file": upload("q2_utf8.csv")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Check the returns in q2_utf8.csv" in html
    assert "3 new, 0 changed and 0 unchanged returns would be submitted" in html
    assert "82.5% against a target of 90%" in html
    assert "Import 3 returns" in html
    assert not KPIReturn.objects.exists()
    assert len(client.session[SESSION_KEY]["rows"]) == 3


def test_importing_the_checked_rows_saves_them_and_says_so(client, commissioner, asc_contract):
    client.force_login(commissioner)
    client.post(reverse(IMPORT), {"action": "check", "status": "draft", "file": upload("q2_utf8.csv")})
    token = client.session[SESSION_KEY]["token"]
    response = client.post(reverse(IMPORT), {"action": "confirm", "token": token}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(IMPORT)
    assert "q2_utf8.csv imported. 3 rows: 3 new, 0 changed and 0 unchanged returns were saved as drafts." in (
        response.content.decode()
    )
    assert KPIReturn.objects.count() == 3
    assert {r.status for r in KPIReturn.objects.all()} == {ReturnStatus.DRAFT}
    assert SESSION_KEY not in client.session


def test_an_import_button_from_another_preview_is_refused(client, commissioner, asc_contract):
    client.force_login(commissioner)
    client.post(reverse(IMPORT), {"action": "check", "status": "submit", "file": upload("q2_utf8.csv")})
    response = client.post(reverse(IMPORT), {"action": "confirm", "token": "not-the-token"})
    assert response.status_code == 400
    assert "The file you uploaded is no longer held: select it and check it again" in response.content.decode()
    assert not KPIReturn.objects.exists()


def test_import_straight_away_saves_the_file(client, commissioner, asc_contract):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"action": "import", "status": "submit", "file": upload("q2_bom.csv")})
    assert response.status_code == 302
    assert KPIReturn.objects.get().actual == Decimal("91")


def test_every_row_error_is_listed_in_the_error_summary_and_nothing_saved(
    client, commissioner, asc_contract, get_contract
):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"action": "import", "status": "submit", "file": upload("q2_errors.csv")})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "nothing has been imported" in html
    for expected in (
        "Row 3, contract: there is no contract &#x27;KCC-XXX-999&#x27;.",
        "Row 4, KPI: KCC-ASC-001 has no KPI &#x27;KPI99&#x27;",
        "Row 5, contract: KCC-GET-001 is a contract of",
        "Row 6, value: &#x27;lots&#x27; is not a number",
        escape("Row 7, period: '2025-26 Q5' is not a period: write it like 2025-26 Q2."),
        "Row 8, period: KPI01 2025-26 Q2 is also given in row 2.",
    ):
        assert expected in html
    assert "<title>Error: " in html
    assert not KPIReturn.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("returns.txt", b"Contract ref,KPI,Period,Value\n", "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
        ("returns.csv", b"x" * (5 * 1024 * 1024 + 1), "must be smaller than 5 MB"),
        ("no_value_column.csv", None, "there is no value column: head it &#x27;Value&#x27;"),
    ],
)
def test_a_file_of_the_wrong_type_size_or_shape_is_refused_at_the_field(client, commissioner, name, content, message):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"action": "check", "status": "submit", "file": upload(name, content)})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'href="#id_file"' in html


def test_no_file_selected_is_named(client, commissioner):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"action": "check", "status": "submit"})
    assert response.status_code == 400
    assert "Select a returns file" in response.content.decode()


# --- The template to fill in ---


def _csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads £ and accents right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_template_lists_the_commissioners_kpis_due_that_quarter(
    client, commissioner, asc_contract, get_contract
):
    monthly = KPIFactory(contract=asc_contract, code="KPI04", name="Calls answered", frequency=Frequency.MONTHLY)
    client.force_login(commissioner)
    response = client.get(reverse(TEMPLATE), {"quarter": "2025-26-Q2", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="kpi-returns-2025-26-Q2.csv"'
    rows = _csv_rows(response)
    assert rows[0] == ["Contract reference", "KPI code", "KPI name", "Period", "Value", "Commentary"]
    assert rows[1:] == [
        ["KCC-ASC-001", "KPI01", "Visits on time", "2025-26 Q2", "", ""],
        ["KCC-ASC-001", "KPI02", "Complaints received", "2025-26 Q2", "", ""],
        ["KCC-ASC-001", "KPI03", "Budget variance", "2025-26 Q2", "", ""],
        ["KCC-ASC-001", "KPI04", monthly.name, "July 2025", "", ""],
        ["KCC-ASC-001", "KPI04", monthly.name, "August 2025", "", ""],
        ["KCC-ASC-001", "KPI04", monthly.name, "September 2025", "", ""],
    ]  # KCC-GET-001 is another directorate's


def test_an_admin_gets_every_directorates_kpis_as_a_workbook(client, admin_user, asc_contract, get_contract):
    client.force_login(admin_user)
    response = client.get(reverse(TEMPLATE), {"quarter": "2025-26 Q2", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Contract reference", "KPI code", "KPI name", "Period", "Value", "Commentary"]
    assert [row[:2] for row in rows[1:]] == [
        ["KCC-ASC-001", "KPI01"],
        ["KCC-ASC-001", "KPI02"],
        ["KCC-ASC-001", "KPI03"],
        ["KCC-GET-001", "KPI01"],
    ]


def test_a_filled_in_template_imports(client, commissioner, asc_contract):
    client.force_login(commissioner)
    rows = _csv_rows(client.get(reverse(TEMPLATE), {"quarter": "2025-26-Q2", "format": "csv"}))
    for row, value in zip(rows[1:], ["91", "88.5%", "79"], strict=True):
        row[4] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    response = client.post(
        reverse(IMPORT), {"action": "import", "status": "submit", "file": upload("filled.csv", out.getvalue().encode())}
    )
    assert response.status_code == 302
    assert sorted(KPIReturn.objects.values_list("actual", flat=True)) == [Decimal("79"), Decimal("88.5"), Decimal("91")]


def test_a_quarter_that_is_not_one_is_named(client, commissioner):
    client.force_login(commissioner)
    response = client.get(reverse(TEMPLATE), {"quarter": "2025-26 Q7", "format": "csv"})
    assert response.status_code == 400
    assert escape("'2025-26 Q7' is not a period: write it like 2025-26 Q2.") in response.content.decode()


def test_the_template_runs_the_same_number_of_queries_for_2_or_12_kpis(client, commissioner, directorate):
    client.force_login(commissioner)
    contract = ContractFactory(directorate=directorate)
    for _ in range(2):
        KPIFactory(contract=contract)
    url = reverse(TEMPLATE)
    with CaptureQueriesContext(connection) as with_two:
        first = client.get(url, {"quarter": "2025-26-Q2", "format": "csv"})
    for _ in range(10):
        KPIFactory(contract=ContractFactory(directorate=directorate))
    with CaptureQueriesContext(connection) as with_twelve:
        second = client.get(url, {"quarter": "2025-26-Q2", "format": "csv"})
    assert len(_csv_rows(second)) == len(_csv_rows(first)) + 10
    assert len(with_twelve) == len(with_two)
