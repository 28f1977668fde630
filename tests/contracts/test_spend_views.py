"""Procurement's spend pages (issue 4): upload, map columns, check and import a spend file; the imports and
their rollback; the spend lines; and matching suppliers to providers, as each role uses them."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import Workbook

from commissioning.choices import Role
from contracts.models import Provider, SpendImport, SpendImportStatus, SpendLine, SpendPublisher, SupplierAlias
from contracts.views.spend import SESSION_KEY
from tests.contracts.factories import ContractFactory, ProviderFactory, import_spend, spend_csv

pytestmark = pytest.mark.django_db

ADD = "contracts:spend_import_add"
LIST = "contracts:spend_import_list"
LINES = "contracts:spend_line_list"
MATCH = "contracts:supplier_match_list"

ROWS = [
    ("01/04/2015", "T1", "Smith Cares Ltd", "1,000.10", "Adult Social Care", "Homecare", "Revenue"),
    ("02/04/2015", "T2", "Redacted Personal Information", "250.20", "Adult Social Care", "Direct payments", "R"),
    ("03/04/2015", "T3", "Medway Buses Limited", "(100.00)", "Transport", "Bus services", "Revenue"),
]
ROWS_TOTAL = "£1,150.30"


@pytest.fixture(autouse=True)
def held_dir(settings, tmp_path):
    """Uploads are held in a directory of this test's own, so the tests can see them come and go."""
    path = tmp_path / "held"
    settings.SPEND_IMPORT_UPLOAD_DIR = str(path)
    return path


def upload(content: bytes, name: str = "spend-2015-04.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def held_files(held_dir) -> list:
    return list(held_dir.glob("*.upload")) if held_dir.exists() else []


def nothing_written() -> bool:
    return not (SpendImport.objects.exists() or SpendLine.objects.exists() or SpendPublisher.objects.exists())


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def imported(procurement):
    return import_spend(spend_csv(ROWS), actor=procurement).spend_import


# --- Who may do what -----------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, imported):
    for url in (
        reverse(ADD),
        reverse(LIST),
        reverse(LINES),
        reverse(MATCH),
        reverse("contracts:spend_import_detail", args=[imported.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response.url


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
def test_every_role_reads_the_spend_pages(client, users, role, imported):
    client.force_login(users[role])
    for url in (
        reverse(LIST),
        reverse(LINES),
        reverse(MATCH),
        reverse("contracts:spend_import_detail", args=[imported.pk]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER])
def test_members_and_commissioners_cannot_import_roll_back_or_match(client, users, role, imported):
    provider = ProviderFactory(name="Smith Care Ltd")
    client.force_login(users[role])
    assert client.get(reverse(ADD)).status_code == 403
    assert client.post(reverse(ADD), {"action": "import", "file": upload(spend_csv(ROWS))}).status_code == 403
    rollback = reverse("contracts:spend_import_rollback", args=[imported.pk])
    assert client.get(rollback).status_code == 403
    assert client.post(rollback).status_code == 403
    match = reverse(MATCH)
    assert (
        client.post(match, {"action": "confirm", "supplier": "Smith Cares Ltd", "provider_id": provider.pk}).status_code
        == 403
    )
    assert client.post(match, {"action": "create", "supplier": ["medway buses"]}).status_code == 403
    assert client.post(match, {"action": "match"}).status_code == 403
    imported.refresh_from_db()
    assert imported.status == SpendImportStatus.IMPORTED
    assert SpendImport.objects.count() == 1
    assert SpendLine.objects.count() == 3
    assert SpendLine.objects.filter(provider__isnull=False).count() == 0
    assert not SupplierAlias.objects.exists()
    assert Provider.objects.count() == 1


def test_people_without_a_role_are_refused(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse(LINES)).status_code == 403
    assert client.get(reverse(ADD)).status_code == 403


def test_readers_are_not_offered_the_write_buttons(client, member, imported):
    client.force_login(member)
    assert reverse(ADD) not in client.get(reverse(LIST)).content.decode()
    detail = client.get(reverse("contracts:spend_import_detail", args=[imported.pk])).content.decode()
    assert reverse("contracts:spend_import_rollback", args=[imported.pk]) not in detail
    matching = client.get(reverse(MATCH)).content.decode()
    assert "Match again" not in matching
    assert "Create providers for the selected suppliers" not in matching


# --- The upload page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROCUREMENT, Role.ADMIN])
def test_procurement_and_admins_get_the_upload_page(client, users, role):
    SpendPublisher.objects.create(name="Medway Council")
    client.force_login(users[role])
    response = client.get(reverse(ADD))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "Check file" in html and ">Import</button>" in html
    assert 'list="spend-publishers"' in html and '<option value="Medway Council">' in html
    assert "<script>" not in html and 'style="' not in html  # no inline script or style (CSP)


def test_checking_a_file_shows_what_would_be_imported_and_writes_nothing(client, procurement, held_dir):
    client.force_login(procurement)
    content = spend_csv(ROWS, headings=["Body Name", "Payment Date", "Transaction Number", "Supplier Name",
                                        "Net Amount", "Service Area", "Expense Type", "Capital / Revenue",
                                        "Cost Centre Code"])  # fmt: skip
    response = client.post(reverse(ADD), {"action": "check", "file": upload(content)})
    assert response.status_code == 200
    page = text(response)
    assert "Check the spend file" in page
    assert "Nothing has been saved yet" in page
    result = response.context["result"]
    assert (result.rows, result.lines_added, result.lines_already_there, result.redacted_lines) == (3, 3, 0, 1)
    assert ROWS_TOTAL in page
    assert "Kent County Council" in page
    assert "Supplier Name" in page and "Net Amount" in page  # columns used
    assert "Cost Centre Code" in page  # a heading not used
    assert "Import 3 lines" in page
    assert nothing_written()
    assert len(held_files(held_dir)) == 1  # held for the "Import" button


def test_check_then_import_imports_the_held_file_and_removes_it(client, procurement, held_dir):
    client.force_login(procurement)
    client.post(reverse(ADD), {"action": "check", "file": upload(spend_csv(ROWS))})
    token = client.session[SESSION_KEY]["token"]
    response = client.post(reverse(ADD), {"action": "import", "token": token, "step": "confirm"})
    spend_import = SpendImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("contracts:spend_import_detail", args=[spend_import.pk])
    assert (spend_import.rows, spend_import.lines_added, spend_import.total_pence) == (3, 3, 115030)
    assert spend_import.imported_by == procurement
    assert spend_import.file_name == "spend-2015-04.csv"
    assert SpendLine.objects.count() == 3
    assert held_files(held_dir) == []
    assert SESSION_KEY not in client.session
    page = text(client.get(response.url))
    assert "spend-2015-04.csv imported: 3 lines added (£1,150.30)." in page


def test_importing_straight_away_and_again_adds_nothing_the_second_time(client, procurement, held_dir):
    client.force_login(procurement)
    content = spend_csv(ROWS)
    assert client.post(reverse(ADD), {"action": "import", "file": upload(content)}).status_code == 302
    response = client.post(reverse(ADD), {"action": "check", "file": upload(content)})
    page = text(response)
    assert response.context["result"].lines_added == 0
    assert "This same file was imported on" in page
    assert "importing it again would add nothing" in page
    assert SpendLine.objects.count() == 3
    response = client.post(reverse(ADD), {"action": "import", "file": upload(content)})
    assert response.status_code == 302
    assert SpendLine.objects.count() == 3
    assert SpendImport.objects.first().lines_added == 0
    assert held_files(held_dir) == []


def test_a_publisher_typed_on_the_page_is_used(client, procurement):
    client.force_login(procurement)
    client.post(reverse(ADD), {"action": "import", "file": upload(spend_csv(ROWS)), "publisher": "  Medway   Council "})
    assert SpendImport.objects.get().publisher.name == "Medway Council"


def test_an_excel_workbook_is_imported(client, procurement):
    book = Workbook()
    sheet = book.active
    sheet.append(["Payment Date", "Supplier Name", "Amount", "Transaction Number"])
    sheet.append(["01/04/2015", "Smith Cares Ltd", 120.5, "X1"])
    sheet.append(["02/04/2015", "Medway Buses Limited", 79.5, "X2"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(procurement)
    response = client.post(
        reverse(ADD),
        {"action": "import", "publisher": "Kent County Council", "file": upload(out.getvalue(), "pay.xlsx")},
    )
    assert response.status_code == 302
    assert SpendImport.objects.get().total_pence == 20000


def test_a_large_upload_is_streamed_to_disk(client, procurement, settings):
    # Django spools an upload above this size to a temporary file; the page copies it in chunks.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64
    client.force_login(procurement)
    response = client.post(reverse(ADD), {"action": "import", "file": upload(spend_csv(ROWS * 1))})
    assert response.status_code == 302
    assert SpendLine.objects.count() == 3


# --- Choosing the columns ---------------------------------------------------------------------------------

ODD_HEADINGS = ["Body Name", "Paid On", "Transaction Number", "Recipient Organisation", "Sum Paid"]


def odd_file() -> bytes:
    return spend_csv([r[:4] for r in ROWS], headings=ODD_HEADINGS)


def test_columns_it_cannot_recognise_are_mapped_then_saved_for_the_publisher(client, procurement, held_dir):
    client.force_login(procurement)
    response = client.post(reverse(ADD), {"action": "check", "file": upload(odd_file(), "odd.csv")})
    assert response.status_code == 200
    page = text(response)
    assert "Choose the columns" in page
    form = response.context["columns_form"]
    assert set(form.fields) == {"date", "supplier", "amount"}
    assert [c[0] for c in form.fields["supplier"].choices][1:] == ODD_HEADINGS
    assert "Which column holds the supplier?" in page
    assert nothing_written()
    token = client.session[SESSION_KEY]["token"]

    mapping = {"date": "Paid On", "supplier": "Recipient Organisation", "amount": "Sum Paid"}
    response = client.post(reverse(ADD), {"action": "check", "token": token, "step": "map", **mapping})
    assert response.status_code == 200
    assert response.context["result"].lines_added == 3
    assert ROWS_TOTAL in text(response)
    assert nothing_written()  # a check saves neither lines nor the mapping

    response = client.post(reverse(ADD), {"action": "import", "token": token, "step": "confirm"})
    assert response.status_code == 302
    assert SpendImport.objects.get().columns["supplier"] == "Recipient Organisation"
    assert SpendPublisher.objects.get(name="Kent County Council").column_mapping == mapping
    assert held_files(held_dir) == []
    page = text(client.get(response.url))
    assert "The column mapping is saved for Kent County Council" in page

    # The publisher's next file, named on the page, is read with the saved columns: no mapping step.
    later = spend_csv([("01/05/2015", "T7", "Smith Cares Ltd", "7.00")], headings=ODD_HEADINGS)
    response = client.post(
        reverse(ADD), {"action": "check", "file": upload(later, "odd-may.csv"), "publisher": "Kent County Council"}
    )
    assert response.context["step"] == "check"
    assert response.context["result"].lines_added == 1


def test_the_mapping_needs_a_different_column_for_each_field(client, procurement):
    client.force_login(procurement)
    client.post(reverse(ADD), {"action": "check", "file": upload(odd_file(), "odd.csv")})
    token = client.session[SESSION_KEY]["token"]
    response = client.post(
        reverse(ADD),
        {"action": "check", "token": token, "step": "map", "date": "Paid On", "supplier": "Paid On", "amount": ""},
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert "Choose the column that holds the amount" in page
    assert "already chosen for the date" in page
    assert nothing_written()


def test_a_wrong_mapping_shows_the_bad_rows_and_offers_the_mapping_again(client, procurement, held_dir):
    client.force_login(procurement)
    client.post(reverse(ADD), {"action": "check", "file": upload(odd_file(), "odd.csv")})
    token = client.session[SESSION_KEY]["token"]
    mapping = {"date": "Recipient Organisation", "supplier": "Paid On", "amount": "Sum Paid"}
    response = client.post(reverse(ADD), {"action": "import", "token": token, "step": "map", **mapping})
    assert response.status_code == 400
    page = text(response)
    assert "nothing has been imported" in page
    assert escape("Row 2, date: 'Smith Cares Ltd' is not a date") in page
    assert "Choose the columns" in page  # the file is still held, to map again
    assert len(held_files(held_dir)) == 1
    assert nothing_written()


# --- Problems with the file -----------------------------------------------------------------------------


def test_every_bad_row_is_listed_by_row_and_field_and_nothing_is_written(client, procurement, held_dir):
    rows = [*ROWS, ("31/13/2015", "T4", "Smith Cares Ltd", "12.00"), ("04/04/2015", "T5", "Smith Cares Ltd", "ten")]
    client.force_login(procurement)
    response = client.post(reverse(ADD), {"action": "import", "file": upload(spend_csv(rows))})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem with spend-2015-04.csv: nothing has been imported" in page
    assert escape("Row 5, date: '31/13/2015' is not a date") in page
    assert escape("Row 6, amount: 'ten' is not an amount of money in pounds and pence") in page
    assert nothing_written()
    assert held_files(held_dir) == []  # a rejected file is not kept
    assert response.context["form"] is not None  # the upload form, to choose the corrected file


def test_only_the_first_hundred_problems_are_listed_with_the_count_of_the_rest(client, procurement):
    rows = [("01/04/2015", f"T{i}", "Smith Cares Ltd", "lots") for i in range(130)]
    client.force_login(procurement)
    response = client.post(reverse(ADD), {"action": "check", "file": upload(spend_csv(rows))})
    assert response.status_code == 400
    page = text(response)
    assert page.count("is not an amount of money") == 100
    assert "and 30 more problems" in page
    assert nothing_written()


def test_the_file_must_be_csv_or_excel_and_not_too_big(client, procurement, settings):
    client.force_login(procurement)
    response = client.post(reverse(ADD), {"action": "check", "file": upload(b"%PDF-1.4", "spend.pdf")})
    assert response.status_code == 400
    assert "must be a CSV file (.csv) or an Excel workbook (.xlsx)" in text(response)
    response = client.post(reverse(ADD), {"action": "check"})
    assert response.status_code == 400
    assert "Select a spend file" in text(response)
    settings.SPEND_IMPORT_MAX_BYTES = 10
    response = client.post(reverse(ADD), {"action": "check", "file": upload(spend_csv(ROWS))})
    assert response.status_code == 400
    assert "The selected file must be smaller than" in text(response)
    assert nothing_written()


def test_an_empty_file_or_one_of_headings_only_is_rejected_with_a_message(client, procurement):
    client.force_login(procurement)
    response = client.post(reverse(ADD), {"action": "check", "file": upload(b"")})
    assert response.status_code == 400
    assert "The selected file is empty" in text(response)
    headings_only = b"Body Name,Payment Date,Supplier Name,Net Amount\r\n"
    response = client.post(reverse(ADD), {"action": "check", "file": upload(headings_only)})
    assert response.status_code == 400
    assert "the file has headings but no spend lines under them" in text(response)
    assert nothing_written()


def test_a_file_no_longer_held_is_asked_for_again(client, procurement, held_dir):
    client.force_login(procurement)
    client.post(reverse(ADD), {"action": "check", "file": upload(spend_csv(ROWS))})
    token = client.session[SESSION_KEY]["token"]
    for path in held_files(held_dir):
        path.unlink()
    response = client.post(reverse(ADD), {"action": "import", "token": token, "step": "confirm"})
    assert response.status_code == 400
    assert "no longer held" in text(response)
    response = client.post(reverse(ADD), {"action": "import", "token": "0" * 32, "step": "confirm"})
    assert response.status_code == 400
    assert nothing_written()


def test_cancelling_discards_the_held_file(client, procurement, held_dir):
    client.force_login(procurement)
    client.post(reverse(ADD), {"action": "check", "file": upload(spend_csv(ROWS))})
    token = client.session[SESSION_KEY]["token"]
    response = client.post(reverse(ADD), {"action": "cancel", "token": token})
    assert response.status_code == 302
    assert held_files(held_dir) == []
    assert SESSION_KEY not in client.session
    assert nothing_written()


def test_a_new_upload_replaces_the_one_held(client, procurement, held_dir):
    client.force_login(procurement)
    client.post(reverse(ADD), {"action": "check", "file": upload(spend_csv(ROWS))})
    client.post(reverse(ADD), {"action": "check", "file": upload(spend_csv(ROWS[:1]))})
    assert len(held_files(held_dir)) == 1


# --- Imports and rolling back -----------------------------------------------------------------------------


def test_import_list_shows_each_import(client, member, imported):
    client.force_login(member)
    page = text(client.get(reverse(LIST)))
    assert "spend-2015-04.csv" not in page  # the fixture's file is named spend.csv
    assert "spend.csv" in page
    assert "Kent County Council" in page
    assert str(imported.imported_by) in page
    assert ROWS_TOTAL in page
    assert "Imported</strong>" in page
    assert reverse("contracts:spend_import_detail", args=[imported.pk]) in page


def test_import_list_runs_a_fixed_number_of_queries(client, member, procurement, django_assert_max_num_queries):
    def add(start, count):
        for n in range(start, start + count):
            import_spend(spend_csv([("01/04/2015", f"L{n}", f"Supplier {n}", "10.00")]), actor=procurement)

    client.force_login(member)
    add(0, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(LIST))
    add(2, 10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse(LIST))
    assert response.context["count"] == 12


def test_import_detail_shows_the_record_and_links_to_its_lines(client, procurement, imported):
    client.force_login(procurement)
    page = text(client.get(reverse("contracts:spend_import_detail", args=[imported.pk])))
    assert imported.file_sha256 in page
    assert "utf-8-sig" in page
    assert "1 April 2015 to 3 April 2015" in page
    assert "Recorded as" not in page
    assert "Supplier Name" in page  # the column the supplier was read from
    assert f"{reverse(LINES)}?spend_import_id={imported.pk}" in page
    assert reverse("contracts:spend_import_rollback", args=[imported.pk]) in page
    assert "1 redacted" in page and "2 not matched" in page


def test_rolling_back_asks_first_then_removes_the_lines(client, procurement, imported):
    client.force_login(procurement)
    url = reverse("contracts:spend_import_rollback", args=[imported.pk])
    page = text(client.get(url))
    assert "Roll back spend.csv?" in page
    assert "removes the 3 spend lines" in page
    assert SpendLine.objects.count() == 3
    response = client.post(url)
    assert response.status_code == 302
    assert not SpendLine.objects.exists()
    imported.refresh_from_db()
    assert imported.status == SpendImportStatus.ROLLED_BACK
    assert imported.rolled_back_by == procurement
    page = text(client.get(response.url))
    assert "spend.csv rolled back: 3 spend lines removed." in page
    assert "Rolled back</strong>" in page
    assert url not in page
    # A second rollback is refused with a message, and changes nothing.
    response = client.post(url, follow=True)
    assert "already been rolled back" in text(response)


# --- Spend lines ---------------------------------------------------------------------------------------


def test_spend_lines_show_provider_links_tags_and_contracts(client, member, procurement):
    provider = ProviderFactory(name="Smith Cares Ltd")
    contract = ContractFactory(provider=provider, reference="KCC-SC-001", start_date="2015-01-01")
    import_spend(spend_csv(ROWS), actor=procurement)
    client.force_login(member)
    page = text(client.get(reverse(LINES)))
    assert reverse("contracts:provider_detail", args=[provider.pk]) in page
    assert reverse("outcomes_link:contract_detail", args=[contract.pk]) in page
    assert "KCC-SC-001" in page
    assert 'Medway Buses Limited <strong class="govuk-tag govuk-tag--yellow">Unmatched</strong>' in page
    assert "Redacted</strong>" in page
    assert "-£100.00" in page and "£1,000.10" in page
    assert "3 spend lines, totalling £1,150.30" in page


def test_spend_line_total_is_exact_to_the_penny_for_the_filtered_lines(client, member, procurement):
    rows = [("01/04/2015", f"P{i}", "Penny Supplies", "0.10") for i in range(3)]
    rows += [("05/05/2016", "Q1", "Later Supplies", "0.20")]
    import_spend(spend_csv(rows), actor=procurement)
    client.force_login(member)
    response = client.get(reverse(LINES), {"q": "Penny"})
    assert response.context["count"] == 3
    assert str(response.context["total"]) == "0.30"
    response = client.get(reverse(LINES), {"financial_year": "2016"})
    assert response.context["count"] == 1
    assert str(response.context["total"]) == "0.20"


def test_spend_lines_drill_down_to_one_import(client, member, procurement, imported):
    other = import_spend(spend_csv([("01/05/2015", "Z1", "Other Supplier", "5.00")]), actor=procurement).spend_import
    client.force_login(member)
    response = client.get(reverse(LINES), {"spend_import_id": other.pk})
    assert response.context["count"] == 1
    page = text(response)
    assert "Other Supplier" in page and "Smith Cares Ltd" not in page
    assert f"Imported from {other.file_name}" in page
    assert f'name="spend_import_id" value="{other.pk}"' in page  # kept when other filters are applied


def test_spend_line_list_runs_a_fixed_number_of_queries(client, member, procurement, django_assert_max_num_queries):
    provider = ProviderFactory(name="Supplier 0")
    ContractFactory(provider=provider, start_date="2015-01-01")

    def add(start, count):
        rows = [("01/04/2015", f"L{n}", f"Supplier {n % 3}", "10.00") for n in range(start, start + count)]
        import_spend(spend_csv(rows), actor=procurement)

    client.force_login(member)
    add(0, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(LINES))
    add(2, 10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse(LINES))
    assert response.context["count"] == 12


# --- Matching suppliers ---------------------------------------------------------------------------------


def test_unmatched_suppliers_are_listed_with_suggestions(client, member, procurement):
    provider = ProviderFactory(name="Smith Care Ltd")
    import_spend(spend_csv(ROWS + [("09/04/2015", "T9", "SMITH CARES LIMITED", "9.90")]), actor=procurement)
    client.force_login(member)
    response = client.get(reverse(MATCH))
    page = text(response)
    names = [s.name for s in response.context["suppliers"]]
    assert len(names) == 2  # the redacted line is not a supplier
    smith = response.context["suppliers"][0]
    assert smith.lines == 2 and str(smith.total) == "1010.00"
    assert smith.suggestions[0].provider_id == provider.pk
    assert "Smith Care Ltd" in page and "score 95" in page
    assert "2 suppliers, 3 lines, totalling £910.00" in page


def test_confirming_a_suggestion_matches_every_line_of_that_supplier(client, procurement, imported):
    provider = ProviderFactory(name="Smith Care Ltd")
    import_spend(spend_csv([("09/04/2015", "T9", "Smith Cares Ltd", "9.90")], publisher="Medway Council"))
    client.force_login(procurement)
    response = client.post(
        reverse(MATCH), {"action": "confirm", "supplier": "Smith Cares Ltd", "provider_id": provider.pk}, follow=True
    )
    assert "Smith Cares Ltd is now matched to Smith Care Ltd: 2 lines matched." in text(response)
    assert SpendLine.objects.filter(provider=provider).count() == 2
    alias = SupplierAlias.objects.get()
    assert (alias.provider, alias.confirmed_by) == (provider, procurement)
    assert "Smith Cares Ltd" not in [s.name for s in response.context["suppliers"]]


def test_any_provider_can_be_chosen_by_name(client, procurement, imported):
    provider = ProviderFactory(name="Arriva Kent Thameside")
    client.force_login(procurement)
    page = text(client.get(reverse(MATCH)))
    assert 'list="spend-providers"' in page and '<option value="Arriva Kent Thameside">' in page
    response = client.post(
        reverse(MATCH), {"action": "confirm", "supplier": "Medway Buses Limited", "provider": "arriva kent thameside"}
    )
    assert response.status_code == 302
    assert SpendLine.objects.get(supplier_name="Medway Buses Limited").provider == provider


def test_choosing_a_provider_that_does_not_exist_is_an_error(client, procurement, imported):
    client.force_login(procurement)
    response = client.post(
        reverse(MATCH), {"action": "confirm", "supplier": "Medway Buses Limited", "provider": "Nobody Ltd"}
    )
    assert response.status_code == 400
    assert escape("There is no provider called 'Nobody Ltd'") in text(response)
    response = client.post(reverse(MATCH), {"action": "confirm", "supplier": "Medway Buses Limited"})
    assert response.status_code == 400
    assert "Enter the name of the provider" in text(response)
    assert not SupplierAlias.objects.exists()


def test_providers_are_created_in_bulk_for_the_selected_suppliers(client, procurement, imported):
    client.force_login(procurement)
    response = client.post(
        reverse(MATCH), {"action": "create", "supplier": ["medway buses", "smith cares"]}, follow=True
    )
    assert "2 providers created from the selected suppliers: 2 lines matched." in text(response)
    assert set(Provider.objects.values_list("name", flat=True)) == {"Medway Buses Limited", "Smith Cares Ltd"}
    assert not SpendLine.objects.filter(provider__isnull=True, redacted=False).exists()
    response = client.post(reverse(MATCH), {"action": "create"})
    assert response.status_code == 400
    assert "Select at least one supplier" in text(response)


def test_matching_again_picks_up_providers_added_since(client, procurement, imported):
    ProviderFactory(name="Medway Buses Ltd")
    client.force_login(procurement)
    response = client.post(reverse(MATCH), {"action": "match"}, follow=True)
    assert "Matching run again: 1 line matched to a provider." in text(response)
    assert SpendLine.objects.get(supplier_name="Medway Buses Limited").provider.name == "Medway Buses Ltd"


def test_unmatched_suppliers_of_one_import(client, member, procurement, imported):
    other = import_spend(spend_csv([("01/05/2015", "Z1", "Other Supplier", "5.00")]), actor=procurement).spend_import
    client.force_login(member)
    response = client.get(reverse(MATCH), {"spend_import_id": other.pk})
    assert [s.name for s in response.context["suppliers"]] == ["Other Supplier"]


def test_supplier_match_list_runs_a_fixed_number_of_queries(client, procurement, django_assert_max_num_queries):
    ProviderFactory(name="Supplier 1X Ltd")  # close to "Supplier 1": suggested, not matched

    def add(start, count):
        rows = [("01/04/2015", f"L{n}", f"Supplier {n}", "10.00") for n in range(start, start + count)]
        import_spend(spend_csv(rows), actor=procurement)

    client.force_login(procurement)
    add(0, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(MATCH))
    add(2, 10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse(MATCH))
    assert len(response.context["suppliers"]) == 12


def test_spend_lines_are_paged_and_bad_filters_are_explained(client, member, procurement):
    rows = [("01/04/2015", f"P{i:02d}", f"Supplier {i:02d}", "1.00") for i in range(55)]
    import_spend(spend_csv(rows), actor=procurement)
    client.force_login(member)
    response = client.get(reverse(LINES), {"page": 2})
    assert response.context["count"] == 55
    assert len(response.context["table"].page.object_list) == 5
    assert "55 spend lines, totalling £55.00" in text(response)
    response = client.get(reverse(LINES), {"date_after": "not a date"})
    assert response.status_code == 200
    assert response.context["count"] == 0
    assert "Enter a valid date" in text(response)
