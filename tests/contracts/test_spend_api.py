"""API of local spend (issue 4): spend lines, spend publishers and spend-file imports (upload, dry run,
rejection with every bad row and field, rollback)."""

import datetime
import io
import itertools
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from commissioning.choices import Role
from contracts.models import SpendImport, SpendImportStatus, SpendLine, SpendPublisher
from tests.api_testing import (
    ALL_ROLES,
    ANONYMOUS,
    NO_ROLE,
    READ_ROLES,
    APITestSet,
    World,
    api_client,
    assert_refused,
    detail_url,
    list_url,
)
from tests.commissioning.factories import DirectorateFactory, UserFactory
from tests.contracts.factories import ContractFactory, ProviderFactory, import_spend, spend_csv

LINES = "contracts-api:spendline"
IMPORTS = "contracts-api:spendimport"
PUBLISHERS = "contracts-api:spendpublisher"
WRITE_ROLES = frozenset({Role.PROCUREMENT, Role.ADMIN})

_numbers = itertools.count(1)


def action_url(basename: str, action: str, pk: int) -> str:
    return reverse(f"{basename}-{action}", kwargs={"pk": pk})


def upload(client, content: bytes, *, file_name: str = "spend.csv", **fields):
    """POST a spend file as a browser or script would: multipart, with the file and form fields."""
    data = {"file": SimpleUploadedFile(file_name, content, content_type="text/csv"), **fields}
    return client.post(list_url(IMPORTS), data, format="multipart")


def matched_line(world: World) -> SpendLine:
    """A line from its own import and publisher, matched to its own provider and linked to its contract,
    so every relation the list shows is a different row each time (an N+1 would show)."""
    n = next(_numbers)
    provider = ProviderFactory(name=f"Supplier {n} Ltd")
    ContractFactory(provider=provider, directorate=world.directorate, reference=f"SPEND-{n:05d}")
    content = spend_csv(
        [("2025-05-01", f"T{n}", f"SUPPLIER {n} LIMITED", "1,250.50", "Adult Social Care", "Homecare", "Revenue")],
        publisher=f"Council {n}",
    )
    result = import_spend(content, actor=world.users[Role.PROCUREMENT])
    return result.spend_import.lines.get()


def light_world(member, procurement, admin_user, no_role_user) -> World:
    """One user per role and two directorates, without loading the framework and postcode data: spend
    endpoints need neither, and the whole suite must stay fast."""
    directorate = DirectorateFactory(code="ASCH")
    commissioner = UserFactory(role=Role.COMMISSIONER, username="commissioner", directorate=directorate)
    users = {Role.MEMBER: member, Role.COMMISSIONER: commissioner, Role.PROCUREMENT: procurement}
    return World(
        framework=None,
        directorate=directorate,
        other_directorate=DirectorateFactory(code="GET"),
        users={**users, Role.ADMIN: admin_user, NO_ROLE: no_role_user, ANONYMOUS: None},
    )


@pytest.fixture
def world(member, procurement, admin_user, no_role_user) -> World:
    return light_world(member, procurement, admin_user, no_role_user)


# --- Spend lines: list, detail, query count, writes refused ---


class _ReadOnlyTestSet(APITestSet):
    """Read-only endpoints: every role reads; the test set's writes are refused for everyone."""

    deletable = False
    audited = False

    @pytest.fixture
    def world(self, member, procurement, admin_user, no_role_user) -> World:
        return light_world(member, procurement, admin_user, no_role_user)

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_create(self, world, role):
        before = self.model.objects.count()
        response = self.client_for(world, role).post(list_url(self.basename), {}, format="json")
        if role in READ_ROLES:
            assert response.status_code in (403, 405)
        else:
            assert_refused(response, role)
        assert self.model.objects.count() == before

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_update(self, world, role):
        obj = self.make_object(world)
        response = self.client_for(world, role).patch(detail_url(self.basename, obj.pk), {}, format="json")
        if role in READ_ROLES:
            assert response.status_code in (403, 405)
        else:
            assert_refused(response, role)


class TestSpendLineAPI(_ReadOnlyTestSet):
    basename = LINES
    model = SpendLine

    def make_object(self, world):
        return matched_line(world)


class TestSpendPublisherAPI(_ReadOnlyTestSet):
    basename = PUBLISHERS
    model = SpendPublisher

    def make_object(self, world):
        return SpendPublisher.objects.create(name=f"Council {next(_numbers)}", column_mapping={"supplier": "Payee"})


def test_a_spend_line_answers_its_facts_with_money_as_a_string(world, member):
    line = matched_line(world)
    data = api_client(member).get(detail_url(LINES, line.pk)).data
    assert data["amount"] == "1250.50"
    assert data["payment_date"] == "2025-05-01"
    assert data["supplier_name"] == line.supplier_name
    assert (data["service_area"], data["expense_type"], data["capital_revenue"]) == (
        "Adult Social Care",
        "Homecare",
        "revenue",
    )
    assert data["redacted"] is False
    assert data["publisher"]["display"] == line.publisher.name
    assert data["publisher"]["url"].endswith(detail_url(PUBLISHERS, line.publisher_id))
    assert data["provider"]["id"] == line.provider_id
    assert data["provider"]["url"].endswith(detail_url("contracts-api:provider", line.provider_id))
    assert data["contract"]["reference"] == line.contract.reference
    assert data["spend_import_id"] == line.spend_import_id


def test_an_unmatched_credit_line_has_no_provider_and_a_negative_amount(procurement, member):
    result = import_spend(spend_csv([("2025-05-01", "T1", "Nobody We Know Ltd", "(20.00)")]), actor=procurement)
    data = api_client(member).get(detail_url(LINES, result.spend_import.lines.get().pk)).data
    assert data["amount"] == "-20.00"
    assert data["provider"] is None
    assert data["contract"] is None


def test_redacted_lines_are_shown_as_redacted(procurement, member):
    import_spend(spend_csv([("2025-05-01", "T1", "Redacted Personal Information", "90.00")]), actor=procurement)
    [row] = api_client(member).get(list_url(LINES)).data["results"]
    assert row["redacted"] is True
    assert row["provider"] is None


def test_spend_lines_filter_by_financial_year_supplier_and_matching(world, member, procurement):
    line = matched_line(world)  # paid 2025-05-01: financial year 2025-26
    import_spend(
        spend_csv([("2025-03-31", "T1", "Nobody We Know Ltd", "10.00"), ("2024-04-01", "T2", "Other Ltd", "5.00")]),
        actor=procurement,
    )
    client = api_client(member)

    def ids(**params):
        return {row["id"] for row in client.get(list_url(LINES), params).data["results"]}

    assert ids(financial_year=2025) == {line.pk}
    assert len(ids(financial_year=2024)) == 2
    assert ids(matched="true") == {line.pk}
    assert len(ids(matched="false")) == 2
    assert ids(provider_id=line.provider_id) == {line.pk}
    assert len(ids(q="nobody")) == 1
    assert ids(spend_import_id=line.spend_import_id) == {line.pk}


def test_a_bad_spend_line_filter_is_a_400_naming_the_filter(member):
    response = api_client(member).get(list_url(LINES), {"financial_year": "last year"})
    assert response.status_code == 400
    assert "financial_year" in response.data


# --- Spend imports: list, detail ---


def two_line_import(world: World) -> SpendImport:
    """An import of its own two-line file, from its own publisher, by the procurement officer."""
    n = next(_numbers)
    content = spend_csv(
        [("2025-05-01", f"T{n}", "Acme Ltd", "100.00"), ("2025-05-02", f"U{n}", "Acme Ltd", "0.01")],
        publisher=f"Council {n}",
    )
    return import_spend(content, file_name=f"spend-{n}.csv", actor=world.users[Role.PROCUREMENT]).spend_import


class TestSpendImportAPI(_ReadOnlyTestSet):
    basename = IMPORTS
    model = SpendImport

    def make_object(self, world):
        return two_line_import(world)

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_create(self, world, role):
        """Uploading is for procurement officers and admins; everyone else is refused and nothing is written."""
        response = upload(self.client_for(world, role), spend_csv([("2025-05-01", "T1", "Acme Ltd", "100.00")]))
        if role in WRITE_ROLES:
            assert response.status_code == 201, response.data
            assert SpendImport.objects.get().imported_by == world.users[role]
            return
        assert_refused(response, role)
        assert not SpendImport.objects.exists()
        assert not SpendLine.objects.exists()


def test_an_import_answers_its_record(world, procurement, member):
    spend_import = two_line_import(world)
    data = api_client(member).get(detail_url(IMPORTS, spend_import.pk)).data
    assert data["file_name"] == spend_import.file_name
    assert data["sha256"] == spend_import.file_sha256 and len(data["sha256"]) == 64
    assert data["publisher"]["display"] == spend_import.publisher.name
    assert data["imported_by"]["username"] == procurement.username
    assert (data["rows"], data["lines_added"], data["lines_already_there"]) == (2, 2, 0)
    assert (data["total"], data["added"]) == ("100.01", "100.01")
    assert data["status"] == SpendImportStatus.IMPORTED
    assert data["rolled_back_at"] is None and data["rolled_back_by"] is None
    assert data["columns"]["supplier"] == "Supplier Name"
    assert data["first_date"] == "2025-05-01" and data["last_date"] == "2025-05-02"
    assert data["created"]


# --- Spend imports: upload ---

FILE = spend_csv(
    [
        ("2025-04-03", "1001", "Acme Care Ltd", "1,000.00", "Adult Social Care", "Homecare", "Revenue"),
        ("2025-04-03", "1001", "Acme Care Ltd", "1,000.00", "Adult Social Care", "Homecare", "Revenue"),
        ("03/05/2025", "1002", "Redacted Personal Information", "£75.50"),
        ("2025-06-01", "1003", "Hope Charity", "(25.25)"),
    ]
)


def test_procurement_uploads_a_spend_file_and_every_line_counts(procurement):
    ProviderFactory(name="Acme Care Limited")
    response = upload(api_client(procurement), FILE, file_name="kcc-2025.csv")
    assert response.status_code == 201, response.data
    data = response.data
    spend_import = SpendImport.objects.get()
    assert data["id"] == spend_import.pk
    assert response["Location"] == data["url"]
    assert data["file_name"] == "kcc-2025.csv"
    assert data["publisher"]["display"] == "Kent County Council"
    assert (data["rows"], data["lines_added"]) == (4, 4)
    assert data["total"] == data["added"] == "2050.25"  # 1000 + 1000 + 75.50 - 25.25
    assert data["result"]["dry_run"] is False
    assert data["result"]["redacted_lines"] == 1
    assert data["result"]["matched_lines"] == 2
    assert data["result"]["previous_import"] is None
    assert SpendLine.objects.count() == 4
    assert sum(SpendLine.objects.values_list("amount_pence", flat=True)) == 205025


def test_uploading_the_same_file_again_adds_nothing_and_names_the_earlier_import(procurement):
    first = upload(api_client(procurement), FILE).data
    again = upload(api_client(procurement), FILE)
    assert again.status_code == 201, again.data
    assert (again.data["rows"], again.data["lines_added"], again.data["added"]) == (4, 0, "0.00")
    assert again.data["result"]["previous_import"]["id"] == first["id"]
    assert SpendLine.objects.count() == 4


def test_a_dry_run_says_what_would_be_imported_and_writes_nothing(procurement):
    response = upload(api_client(procurement), FILE, dry_run="true", publisher="Kent County Council")
    assert response.status_code == 200, response.data
    data = response.data
    assert data["dry_run"] is True
    assert (data["rows"], data["lines_added"], data["total"]) == (4, 4, "2050.25")
    assert data["first_date"] == "2025-04-03" and data["last_date"] == "2025-06-01"
    assert data["columns"]["amount"] == "Net Amount"
    assert not SpendImport.objects.exists()
    assert not SpendLine.objects.exists()
    assert not SpendPublisher.objects.exists()


def test_a_file_with_bad_rows_is_rejected_naming_every_row_and_field(procurement):
    bad = spend_csv(
        [
            ("2025-04-03", "1", "Acme Ltd", "10.00"),
            ("31/02/2025", "2", "Acme Ltd", "10.00"),
            ("2025-04-03", "3", "Acme Ltd", "ten pounds"),
        ]
    )
    response = upload(api_client(procurement), bad)
    assert response.status_code == 400
    problems = {(p["row"], p["field"]) for p in response.data["problems"]}
    assert problems == {(3, "date"), (4, "amount")}
    assert any(message.startswith("Row 3, date:") for message in response.data["errors"])
    assert any(message.startswith("Row 4, amount:") for message in response.data["errors"])
    assert response.data["more"] == 0
    assert "missing" not in response.data
    assert not SpendImport.objects.exists() and not SpendLine.objects.exists()


def test_a_rejected_file_shows_the_first_100_problems_and_counts_the_rest(procurement):
    bad = spend_csv([("2025-04-03", str(n), "Acme Ltd", "n/a pounds") for n in range(130)])
    response = upload(api_client(procurement), bad)
    assert response.status_code == 400
    assert len(response.data["errors"]) == len(response.data["problems"]) == 100
    assert response.data["more"] == 30
    assert not SpendLine.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02binary", b"Payment Date;Supplier;Amount\n2025-04-01;Acme;10\n"],
    ids=["empty", "binary", "semicolons"],
)
def test_unreadable_files_are_rejected_with_a_message(procurement, content):
    response = upload(api_client(procurement), content or b"")
    if not content:
        # An empty upload is refused by the form before the importer sees it.
        assert response.status_code == 400
        assert "file" in response.data
        return
    assert response.status_code == 400
    assert response.data["errors"]
    assert not SpendImport.objects.exists()


HEADINGS = ["Body Name", "Payment Date", "Transaction Number", "Paid To", "Net Amount", "Service Area",
            "Expense Type", "Capital / Revenue"]  # fmt: skip
UNRECOGNISED = spend_csv([("2025-04-03", "1", "Acme Ltd", "10.00")], headings=HEADINGS)


def test_a_column_that_is_not_recognised_is_named_with_the_files_headings(procurement):
    response = upload(api_client(procurement), UNRECOGNISED)
    assert response.status_code == 400
    assert response.data["missing"] == ["supplier"]
    assert "Paid To" in response.data["headings"]
    assert "Payment Date" in response.data["headings"]
    assert "supplier" in response.data["errors"][0]
    assert not SpendImport.objects.exists()


@pytest.mark.parametrize(
    "columns",
    [json.dumps({"supplier": "Paid To"}), ["supplier=Paid To"]],
    ids=["json-object", "field=header"],
)
def test_a_mapped_column_is_read_and_saved_for_the_publisher(procurement, columns):
    response = upload(api_client(procurement), UNRECOGNISED, publisher="Kent County Council", columns=columns)
    assert response.status_code == 201, response.data
    assert response.data["columns"]["supplier"] == "Paid To"
    assert response.data["result"]["mapping_saved"] == {"supplier": "Paid To"}
    assert SpendPublisher.objects.get(name="Kent County Council").column_mapping == {"supplier": "Paid To"}
    assert SpendLine.objects.get().supplier_name == "Acme Ltd"
    # The publisher's next file needs no mapping.
    later = spend_csv([("2025-05-03", "2", "Beta Ltd", "20.00")], headings=HEADINGS)
    assert upload(api_client(procurement), later, publisher="Kent County Council").status_code == 201


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (json.dumps({"suplier": "Paid To"}), "'suplier' is not a field"),
        ("supplier", "FIELD=HEADER"),
        ("{not json", "JSON object"),
    ],
)
def test_a_bad_column_mapping_is_a_400_on_columns(procurement, columns, message):
    response = upload(api_client(procurement), UNRECOGNISED, columns=columns)
    assert response.status_code == 400
    assert message in str(response.data["columns"])
    assert not SpendPublisher.objects.exists()


def test_a_mapping_naming_a_heading_the_file_lacks_is_rejected(procurement):
    response = upload(api_client(procurement), UNRECOGNISED, columns=["supplier=Payee"])
    assert response.status_code == 400
    assert "no column headed 'Payee'" in " ".join(response.data["errors"])


def test_an_upload_without_a_file_is_a_400_on_file(procurement):
    response = api_client(procurement).post(list_url(IMPORTS), {"publisher": "Kent County Council"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.data


def test_a_large_upload_streamed_to_a_temporary_file_imports_the_same(procurement, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16  # Django writes the upload to disk (TemporaryUploadedFile)
    response = upload(api_client(procurement), FILE)
    assert response.status_code == 201, response.data
    assert response.data["total"] == "2050.25"


def test_an_excel_workbook_uploads(procurement):
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    sheet.append(["Body Name", "Payment Date", "Supplier Name", "Net Amount"])
    sheet.append(["Kent County Council", datetime.date(2025, 4, 3), "Acme Ltd", 12.5])
    sheet.append(["Kent County Council", datetime.date(2025, 4, 4), "Acme Ltd", -2.25])
    out = io.BytesIO()
    book.save(out)
    response = upload(api_client(procurement), out.getvalue(), file_name="spend.xlsx")
    assert response.status_code == 201, response.data
    assert (response.data["rows"], response.data["total"]) == (2, "10.25")


# --- Spend imports: rollback ---


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r not in WRITE_ROLES])
def test_only_procurement_and_admins_roll_an_import_back(world, role):
    spend_import = two_line_import(world)
    response = api_client(world.users[role]).post(action_url(IMPORTS, "rollback", spend_import.pk))
    assert_refused(response, role)
    assert spend_import.lines.count() == 2
    assert SpendImport.objects.get().status == SpendImportStatus.IMPORTED


@pytest.mark.parametrize("role", sorted(WRITE_ROLES))
def test_rolling_an_import_back_removes_its_lines_and_keeps_the_record(world, role):
    spend_import = two_line_import(world)
    user = world.users[role]
    response = api_client(user).post(action_url(IMPORTS, "rollback", spend_import.pk))
    assert response.status_code == 200, response.data
    assert response.data["lines_removed"] == 2
    record = response.data["spend_import"]
    assert record["status"] == SpendImportStatus.ROLLED_BACK
    assert record["rolled_back_by"]["username"] == user.username
    assert record["rolled_back_at"]
    assert not SpendLine.objects.exists()
    assert SpendImport.objects.filter(pk=spend_import.pk, status=SpendImportStatus.ROLLED_BACK).exists()

    again = api_client(user).post(action_url(IMPORTS, "rollback", spend_import.pk))
    assert again.status_code == 409
    assert "already been rolled back" in again.data["errors"][0]


def test_a_file_rolled_back_can_be_imported_again(procurement):
    first = upload(api_client(procurement), FILE).data
    api_client(procurement).post(action_url(IMPORTS, "rollback", first["id"]))
    again = upload(api_client(procurement), FILE)
    assert again.status_code == 201
    assert again.data["lines_added"] == 4
    assert SpendLine.objects.count() == 4


def test_rolling_back_a_missing_import_is_not_found(procurement):
    assert api_client(procurement).post(action_url(IMPORTS, "rollback", 999999)).status_code == 404


# --- Root and schema ---


def test_the_api_root_lists_the_spend_endpoints(member):
    data = api_client(member).get(reverse("api-root")).data
    assert data["spend-lines"].endswith(list_url(LINES))
    assert data["spend-imports"].endswith(list_url(IMPORTS))
    assert data["spend-publishers"].endswith(list_url(PUBLISHERS))


def test_the_schema_describes_the_spend_endpoints_without_warnings(member, tmp_path):
    schema = api_client(member).get(reverse("api-schema"), {"format": "json"}).json()
    assert list_url(LINES) in schema["paths"]
    upload_op = schema["paths"][list_url(IMPORTS)]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert {"200", "201", "400"} <= set(upload_op["responses"])
    assert action_url(IMPORTS, "rollback", 1).replace("/1/", "/{id}/") in schema["paths"]
    # --fail-on-warn: an ambiguous field or enum name would fail here, not only print a warning.
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
