"""Importing providers' social value commitments and delivery returns from spreadsheets: all or
nothing, every bad row named by row and field, the directorate rule row by row, duplicates
skipped, a dry run that writes nothing; the page for each role and the command."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from commissioning.choices import Role
from social_value.models import CommitmentBasis, DeliveryReturn, DeliveryStatus, SocialValueCommitment
from social_value.services import commitment_create, social_value_import
from tests.contracts.factories import ContractFactory
from tests.social_value.factories import measure

D = datetime.date
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "social_value"
IMPORT = "social_value:social_value_import"
TEMPLATE = "social_value:social_value_import_template"

pytestmark = pytest.mark.django_db


@pytest.fixture
def asc_contract(directorate):
    return ContractFactory(
        reference="KCC-ASC-001", directorate=directorate, start_date=D(2025, 4, 1), end_date=D(2028, 3, 31)
    )


@pytest.fixture
def get_contract(other_directorate):
    return ContractFactory(
        reference="KCC-GET-001", directorate=other_directorate, start_date=D(2025, 4, 1), end_date=D(2028, 3, 31)
    )


@pytest.fixture
def apprentices():
    return measure("SV2.1.2", proxies=[("1000.00", D(2023, 4, 1)), ("1250.50", D(2025, 4, 1))])


@pytest.fixture
def carbon():
    return measure("SV3.1.1", unit="tonnes_co2e", proxies=[("245.00", D(2021, 9, 2))])


@pytest.fixture
def catalogue(apprentices, carbon):
    return {"apprentices": apprentices, "carbon": carbon}


def run(name_or_content, *, actor, file_name=None, dry_run=False, kind=None):
    """Import a fixture file by name, or the given bytes as `file_name`."""
    if isinstance(name_or_content, bytes):
        content, file_name = name_or_content, file_name or "upload.csv"
    else:
        content, file_name = (FIXTURES / name_or_content).read_bytes(), name_or_content
    return social_value_import(handle=io.BytesIO(content), file_name=file_name, actor=actor, dry_run=dry_run, kind=kind)


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


@pytest.fixture
def asc_commitments(asc_contract, catalogue, commissioner):
    """What the returns files attach to: one commitment of each measure on the ASC contract."""
    return [
        commitment_create(contract=asc_contract, measure=catalogue["apprentices"], quantity=Decimal("4"),
                          committed_on=D(2025, 4, 1), basis=CommitmentBasis.PER_CONTRACT_YEAR, actor=commissioner),
        commitment_create(contract=asc_contract, measure=catalogue["carbon"], quantity=Decimal("500"),
                          committed_on=D(2025, 4, 1), actor=commissioner),
    ]  # fmt: skip


# --- Commitments ----------------------------------------------------------------------------------


def test_a_good_commitments_file_creates_them_at_the_proxy_in_force_on_committed_on(
    asc_contract, catalogue, commissioner
):
    result = run("commitments.csv", actor=commissioner)

    assert result.errors == []
    assert (result.kind, result.rows, len(result.created_commitments)) == ("commitments", 2, 2)
    apprentices = SocialValueCommitment.objects.get(measure__code="SV2.1.2")
    # Committed the day before the 2025 proxy version: the 2023 one applies.
    assert (apprentices.proxy_value, apprentices.proxy_source) == (Decimal("1000.00"), "Test source 2023")
    assert apprentices.basis == CommitmentBasis.PER_CONTRACT_YEAR
    assert apprentices.quantity == Decimal("4")
    assert (apprentices.start_date, apprentices.due_date) == (D(2025, 4, 1), asc_contract.current_end_date)
    assert apprentices.committed_value == Decimal("12000.00")  # 4 a year × 3 contract years × £1,000
    assert apprentices.notes == "Apprentices from the tender response"
    carbon = SocialValueCommitment.objects.get(measure__code="SV3.1.1")
    assert (carbon.quantity, carbon.basis) == (Decimal("1250.50"), CommitmentBasis.BY_DATE)
    assert (carbon.start_date, carbon.due_date) == (D(2025, 4, 1), D(2026, 3, 31))
    assert carbon.committed_value == Decimal("306372.50")
    # Written through the service: attributed in the history.
    latest = apprentices.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (commissioner, "Commitment recorded")


def test_a_cp1252_file_with_semicolons_is_read(asc_contract, catalogue, commissioner):
    result = run("commitments_cp1252.csv", actor=commissioner)
    assert result.errors == []
    assert SocialValueCommitment.objects.get().notes == "Café apprenticeships – £5 a week bursary"


def test_a_utf8_file_with_a_bom_is_read(asc_contract, catalogue, commissioner):
    content = (FIXTURES / "commitments.csv").read_text().encode("utf-8-sig")
    result = run(content, actor=commissioner)
    assert result.errors == [] and len(result.created_commitments) == 2


def test_a_file_with_bad_rows_writes_nothing_and_names_each_row_and_field(
    asc_contract, get_contract, catalogue, commissioner
):
    result = run("commitments_bad.csv", actor=commissioner)

    assert messages(result) == [
        "Row 3, contract_reference: there is no contract 'KCC-NOPE-9'.",
        "Row 4, measure_code: 'SV9.9' is not in the catalogue.",
        "Row 5, committed_on: '31/02/2025' is not a date: write it as 2025-04-01 or 01/04/2025.",
        "Row 6, quantity: '-3' is negative: a quantity must be 0 or more.",
        "Row 7, contract_reference: KCC-GET-001 is a contract of Growth, Environment and Transport: you can only "
        "import for your own directorate's contracts.",
    ]
    assert result.created_commitments == []
    assert not SocialValueCommitment.objects.exists()  # row 2 was good, but nothing is written


def test_every_problem_of_a_row_is_named(asc_contract, catalogue, commissioner):
    content = csv_bytes(
        "contract_reference,measure_code,quantity,basis,committed_on,start_date,due_date",
        "KCC-NOPE,SV9.9,1.234,weekly,tomorrow,2026-04-01,2026-03-01",
        ",,,,,,",
        "KCC-ASC-001,SV2.1.2,0,,01/04/2025,,",
    )
    result = run(content, actor=commissioner)
    assert messages(result) == [
        "Row 2, contract_reference: there is no contract 'KCC-NOPE'.",
        "Row 2, measure_code: 'SV9.9' is not in the catalogue.",
        "Row 2, quantity: '1.234' has more than 2 decimal places.",
        "Row 2, basis: 'weekly' is not a basis: write 'total' or 'per year' (blank means total).",
        "Row 2, committed_on: 'tomorrow' is not a date: write it as 2025-04-01 or 01/04/2025.",
        "Row 2, due_date: 01/03/2026 is not after the start date.",
        "Row 4, quantity: a commitment must be for more than 0.",
    ]  # row 3 is blank and ignored, as a spreadsheet's empty rows are


def test_a_problem_only_the_service_finds_is_named_and_rolls_back_every_row(asc_contract, catalogue, commissioner):
    # Row 3's start date is after the contract's end, which becomes its due date.
    content = csv_bytes(
        "contract_reference,measure_code,quantity,committed_on,start_date",
        "KCC-ASC-001,SV2.1.2,4,01/04/2025,",
        "KCC-ASC-001,SV3.1.1,4,01/04/2025,01/04/2030",
    )
    result = run(content, actor=commissioner)
    assert messages(result) == ["Row 3, due_date: the due date must be after the start date."]
    assert result.created_commitments == []
    assert not SocialValueCommitment.objects.exists()


def test_more_than_a_hundred_problems_are_all_kept_and_the_first_hundred_shown(asc_contract, catalogue, commissioner):
    rows = ["contract_reference,measure_code,quantity,committed_on"] + ["KCC-ASC-001,SV9.9,4,01/04/2025"] * 130
    result = run(csv_bytes(*rows), actor=commissioner)
    assert len(result.errors) == 130
    assert (len(result.errors_shown), result.errors_not_shown) == (100, 30)
    assert str(result.errors_shown[-1]).startswith("Row 101, measure_code:")


def test_reimporting_a_commitments_file_creates_nothing_new(asc_contract, catalogue, commissioner):
    run("commitments.csv", actor=commissioner)
    again = run("commitments.csv", actor=commissioner)
    assert again.errors == []
    assert again.created_commitments == []
    assert [item.row for item in again.already_recorded] == [2, 3]
    assert again.summary() == "0 commitments were created; 2 rows already recorded (skipped)."
    assert SocialValueCommitment.objects.count() == 2


def test_the_same_commitment_twice_in_a_file_is_an_error(asc_contract, catalogue, commissioner):
    content = csv_bytes(
        "contract_reference,measure_code,quantity,committed_on",
        "KCC-ASC-001,SV2.1.2,4,01/04/2025",
        "KCC-ASC-001,SV2.1.2,4.00,2025-04-01",
    )
    result = run(content, actor=commissioner)
    assert messages(result) == [
        "Row 3, quantity: the same commitment as row 2 (contract, measure, basis, quantity and committed_on): "
        "give it once."
    ]
    assert not SocialValueCommitment.objects.exists()


def test_a_dry_run_writes_nothing_and_reports_the_same_counts(asc_contract, catalogue, commissioner):
    checked = run("commitments.csv", actor=commissioner, dry_run=True)
    assert not SocialValueCommitment.objects.exists()
    assert checked.summary() == (
        "Check only, nothing was written: 2 commitments would be created; 0 rows already recorded (skipped)."
    )
    # What it shows is what the import then does, valued alike.
    imported = run("commitments.csv", actor=commissioner)
    assert [(i.row, i.record.committed_value) for i in checked.created_commitments] == [
        (i.row, i.record.committed_value) for i in imported.created_commitments
    ]
    assert SocialValueCommitment.objects.count() == 2
    rechecked = run("commitments.csv", actor=commissioner, dry_run=True)
    assert (len(rechecked.created_commitments), len(rechecked.already_recorded)) == (0, 2)


def test_a_dry_run_reports_the_problems_the_import_would_meet(asc_contract, get_contract, catalogue, commissioner):
    assert messages(run("commitments_bad.csv", actor=commissioner, dry_run=True)) == messages(
        run("commitments_bad.csv", actor=commissioner)
    )


def test_an_excel_workbook_is_read_from_its_first_sheet(asc_contract, catalogue, commissioner):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Contract reference", "Measure code", "Quantity", "Basis", "Committed on", "Due date"])
    sheet.append(["KCC-ASC-001", "SV2.1.2", 4, "Per year", datetime.datetime(2025, 4, 1), None])
    sheet.append(["KCC-ASC-001", "SV3.1.1", 1250.5, None, D(2025, 4, 2), D(2027, 3, 31)])
    sheet.append(["KCC-ASC-001", "SV3.1.1", -2, None, "31/13/2025", None])
    workbook.create_sheet("Notes").append(["contract_reference", "period_start"])
    out = io.BytesIO()
    workbook.save(out)

    bad = run(out.getvalue(), file_name="plan.xlsx", actor=commissioner)
    assert messages(bad) == [
        "Row 4, quantity: '-2' is negative: a quantity must be 0 or more.",
        "Row 4, committed_on: '31/13/2025' is not a date: write it as 2025-04-01 or 01/04/2025.",
    ]

    sheet.delete_rows(4)
    out = io.BytesIO()
    workbook.save(out)
    result = run(out.getvalue(), file_name="plan.xlsx", actor=commissioner)
    assert result.errors == []
    assert sorted((c.measure.code, c.quantity, c.committed_on) for c in SocialValueCommitment.objects.all()) == [
        ("SV2.1.2", Decimal("4.00"), D(2025, 4, 1)),
        ("SV3.1.1", Decimal("1250.50"), D(2025, 4, 2)),
    ]
    assert SocialValueCommitment.objects.get(measure__code="SV2.1.2").proxy_value == Decimal("1250.50")


def test_a_file_that_cannot_be_read_or_told_apart_is_reported_without_a_row(commissioner, catalogue):
    assert messages(run(b"a,b\n1,2\n", file_name="plan.txt", actor=commissioner)) == [
        "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."
    ]
    assert messages(run(b"not a workbook", file_name="plan.xlsx", actor=commissioner)) == [
        "The file is not a readable Excel workbook (.xlsx). Save it again from Excel."
    ]
    unclear = run(csv_bytes("contract_reference,measure_code,quantity", "KCC-ASC-001,SV2.1.2,4"), actor=commissioner)
    assert messages(unclear)[0].startswith("Row 1: the headings do not say whether the file holds commitments")
    chosen = run(csv_bytes("contract_reference,measure_code,quantity", "X,Y,4"), actor=commissioner, kind="returns")
    assert messages(chosen) == [
        "Row 1: there is no period_start column, which a file of delivery returns needs.",
        "Row 1: there is no period_end column, which a file of delivery returns needs.",
        "Row 1: there is no evidence_note column, which a file of delivery returns needs.",
    ]


def test_a_role_that_cannot_add_commitments_imports_nothing(asc_contract, catalogue, member, procurement):
    for user in (member, procurement):
        assert messages(run("commitments.csv", actor=user)) == ["Your role does not allow importing commitments."]
    assert not SocialValueCommitment.objects.exists()


def test_an_admin_imports_for_any_directorate(asc_contract, get_contract, catalogue, admin_user):
    content = csv_bytes(
        "contract_reference,measure_code,quantity,committed_on",
        "KCC-ASC-001,SV2.1.2,4,01/04/2025",
        "KCC-GET-001,SV2.1.2,4,01/04/2025",
    )
    assert run(content, actor=admin_user).errors == []
    assert SocialValueCommitment.objects.count() == 2


def test_checking_a_file_takes_the_same_queries_whatever_its_length(asc_contract, catalogue, commissioner):
    def queries(count: int) -> int:
        rows = ["contract_reference,measure_code,quantity,committed_on"] + [
            f"KCC-ASC-001,SV{n}.9,4,01/04/2025" for n in range(count)
        ]
        actor = get_user_model().objects.get(pk=commissioner.pk)  # no permissions cached
        with CaptureQueriesContext(connection) as captured:
            result = run(csv_bytes(*rows), actor=actor)
        assert len(result.errors) == count
        return len(captured)

    assert queries(2) == queries(12)


# --- Delivery returns -----------------------------------------------------------------------------


def test_a_good_returns_file_creates_returns_verified_when_asked_and_allowed(asc_commitments, commissioner):
    result = run("returns.csv", actor=commissioner)

    assert result.errors == []
    assert (result.kind, len(result.created_returns)) == ("returns", 2)
    verified = DeliveryReturn.objects.get(commitment=asc_commitments[0])
    assert (verified.period_start, verified.period_end, verified.quantity) == (
        D(2025, 4, 1),
        D(2025, 6, 30),
        Decimal("2.00"),
    )
    assert (verified.status, verified.submitted_by, verified.verified_by) == (
        DeliveryStatus.VERIFIED,
        commissioner,
        commissioner,
    )
    assert verified.evidence_note == "Two apprentices started: contracts seen"
    assert [h.history_change_reason for h in verified.history.order_by("history_date")] == [
        "Delivery return submitted",
        "Delivery return verified",
    ]
    submitted = DeliveryReturn.objects.get(commitment=asc_commitments[1])
    assert (submitted.status, submitted.quantity, submitted.verified_by) == (
        DeliveryStatus.SUBMITTED,
        Decimal("100.25"),
        None,
    )


def test_a_return_is_imported_verified_only_by_someone_who_may_verify_it(asc_commitments):
    # Without a named commissioner or admin (the command without --as) no one would have verified it.
    result = run("returns.csv", actor=None)
    assert messages(result) == [
        "Row 2, status: only a commissioner of the contract's directorate or an admin can import a return as "
        "verified: leave it blank (submitted) for them to verify."
    ]
    assert not DeliveryReturn.objects.exists()


def test_a_returns_file_with_bad_rows_writes_nothing_and_names_each_row_and_field(
    asc_commitments, get_contract, commissioner
):
    content = csv_bytes(
        "contract_reference,measure_code,period_start,period_end,quantity,evidence_note,status",
        "KCC-ASC-001,SV2.1.2,01/04/2025,30/06/2025,2,Seen,",
        "KCC-ASC-001,SV2.1.2,01/07/2025,30/06/2025,2,Seen,",
        "KCC-ASC-001,SV9.9,01/04/2025,30/06/2025,2,Seen,",
        "KCC-GET-001,SV2.1.2,01/04/2025,30/06/2025,2,Seen,",
        "KCC-ASC-001,SV2.1.2,01/04/2025,30/06/2025,-1,,rejected",
    )
    result = run(content, actor=commissioner)
    assert messages(result) == [
        "Row 3, period_end: 30/06/2025 is before the period start (01/07/2025).",
        "Row 4, measure_code: 'SV9.9' is not in the catalogue.",
        "Row 5, contract_reference: KCC-GET-001 is a contract of Growth, Environment and Transport: you can only "
        "import for your own directorate's contracts.",
        "Row 6, quantity: '-1' is negative: a quantity must be 0 or more.",
        "Row 6, evidence_note: the evidence (what shows it was delivered) is missing.",
        "Row 6, status: 'rejected' is not a status: write 'submitted' or 'verified' (blank means submitted).",
    ]
    assert not DeliveryReturn.objects.exists()


def test_a_return_needs_the_commitment_id_when_the_contract_has_several_of_the_measure(
    asc_contract, asc_commitments, catalogue, commissioner
):
    second = commitment_create(contract=asc_contract, measure=catalogue["apprentices"], quantity=Decimal("2"),
                               committed_on=D(2025, 6, 1), actor=commissioner)  # fmt: skip
    first = asc_commitments[0]
    heading = "contract_reference,measure_code,period_start,period_end,quantity,evidence_note,commitment_id"
    ambiguous = run(csv_bytes(heading, "KCC-ASC-001,SV2.1.2,01/04/2025,30/06/2025,2,Seen,"), actor=commissioner)
    assert messages(ambiguous) == [
        f"Row 2, commitment_id: KCC-ASC-001 has 2 commitments of SV2.1.2 (ids {first.pk}, {second.pk}): give the "
        "commitment_id of the one this return is for."
    ]
    wrong = run(
        csv_bytes(heading, f"KCC-ASC-001,SV2.1.2,01/04/2025,30/06/2025,2,Seen,{asc_commitments[1].pk}"),
        actor=commissioner,
    )
    assert messages(wrong) == [
        f"Row 2, commitment_id: {asc_commitments[1].pk} is not a commitment of KCC-ASC-001 to SV2.1.2 (its "
        f"commitments of SV2.1.2: {first.pk}, {second.pk})."
    ]
    named = run(csv_bytes(heading, f"KCC-ASC-001,SV2.1.2,01/04/2025,30/06/2025,2,Seen,{second.pk}"), actor=commissioner)
    assert named.errors == []
    assert DeliveryReturn.objects.get().commitment == second


def test_a_return_for_a_measure_the_contract_has_no_commitment_of_is_an_error(asc_contract, catalogue, commissioner):
    result = run("returns.csv", actor=commissioner)
    assert messages(result) == [
        "Row 2, measure_code: KCC-ASC-001 has no commitment of SV2.1.2: import or record the commitment first.",
        "Row 3, measure_code: KCC-ASC-001 has no commitment of SV3.1.1: import or record the commitment first.",
    ]


def test_reimporting_a_returns_file_creates_nothing_new(asc_commitments, commissioner):
    run("returns.csv", actor=commissioner)
    again = run("returns.csv", actor=commissioner)
    assert again.errors == []
    assert (len(again.created_returns), [i.row for i in again.already_recorded]) == (0, [2, 3])
    assert DeliveryReturn.objects.count() == 2


def test_a_returns_dry_run_writes_nothing_and_reports_the_same_counts(asc_commitments, commissioner):
    checked = run("returns.csv", actor=commissioner, dry_run=True)
    assert not DeliveryReturn.objects.exists()
    assert [(i.row, i.record.status) for i in checked.created_returns] == [
        (2, DeliveryStatus.VERIFIED),
        (3, DeliveryStatus.SUBMITTED),
    ]
    imported = run("returns.csv", actor=commissioner)
    assert len(imported.created_returns) == len(checked.created_returns)
    assert DeliveryReturn.objects.count() == 2


# --- The page -------------------------------------------------------------------------------------


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes())


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (reverse(IMPORT), reverse(TEMPLATE, args=["commitments"])):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response.url


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT])
def test_members_and_procurement_are_refused(client, users, role, asc_contract, catalogue):
    client.force_login(users[role])
    assert client.get(reverse(IMPORT)).status_code == 403
    assert client.post(reverse(IMPORT), {"file": upload("commitments.csv"), "kind": "detect"}).status_code == 403
    assert client.get(reverse(TEMPLATE, args=["commitments"])).status_code == 403
    assert not SocialValueCommitment.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.ADMIN])
def test_commissioners_and_admins_get_the_form(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse(IMPORT))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "Check only (dry run)" in html
    assert reverse(TEMPLATE, args=["returns"]) in html
    assert "<script>" not in html and 'style="' not in html


def test_the_page_checks_then_imports_a_file(client, commissioner, asc_contract, catalogue):
    client.force_login(commissioner)
    checked = client.post(reverse(IMPORT), {"file": upload("commitments.csv"), "kind": "detect", "dry_run": "on"})
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "2 commitments would be created" in html
    assert "Commitments that would be created (2)" in html
    assert "KCC-ASC-001" in html and "£306,372.50" in html
    assert not SocialValueCommitment.objects.exists()

    imported = client.post(reverse(IMPORT), {"file": upload("commitments.csv"), "kind": "commitments"})
    assert imported.status_code == 200
    assert "2 commitments were created" in imported.content.decode()
    commitment = SocialValueCommitment.objects.get(measure__code="SV3.1.1")
    assert reverse("social_value:commitment_detail", args=[commitment.pk]) in imported.content.decode()
    assert commitment.history.latest().history_user == commissioner


def test_the_page_names_each_bad_row_rather_than_refusing_the_page(
    client, commissioner, asc_contract, get_contract, catalogue
):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"file": upload("commitments_bad.csv"), "kind": "detect"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "nothing has been imported" in html
    assert "Row 7, contract_reference: KCC-GET-001 is a contract of Growth, Environment and Transport" in html
    assert "Row 4, measure_code: &#x27;SV9.9&#x27; is not in the catalogue." in html
    assert not SocialValueCommitment.objects.exists()


def test_the_page_shows_the_returns_imported(client, commissioner, asc_commitments):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"file": upload("returns.csv"), "kind": "detect"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delivery returns created (2)" in html and "Verified" in html
    assert DeliveryReturn.objects.count() == 2


def test_the_form_needs_a_csv_or_excel_file(client, commissioner):
    client.force_login(commissioner)
    response = client.post(reverse(IMPORT), {"file": upload("plan.pdf", b"%PDF"), "kind": "detect"})
    assert response.status_code == 400
    assert "The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)" in response.content.decode()


@pytest.mark.parametrize("kind", ["commitments", "returns"])
def test_the_template_has_the_headings_and_an_example_row_the_import_reads(
    client, commissioner, asc_contract, catalogue, kind, request
):
    if kind == "returns":
        request.getfixturevalue("asc_commitments")  # what the example return attaches to
    client.force_login(commissioner)
    response = client.get(reverse(TEMPLATE, args=[kind]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="social-value-{kind}-template.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[0][:2] == ["contract_reference", "measure_code"]
    # Filled in with a real contract, the example imports as it is.
    rows[1][0] = asc_contract.reference
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    result = run(out.getvalue().encode(), actor=commissioner)
    assert (result.errors, result.kind) == ([], kind)
    assert len(result.created) == 1


def test_there_is_no_template_of_another_kind(client, commissioner):
    client.force_login(commissioner)
    assert client.get(reverse(TEMPLATE, args=["spend"])).status_code == 404


# --- The command ----------------------------------------------------------------------------------


def test_the_command_prints_what_it_created_and_skipped(asc_contract, catalogue, commissioner, capsys):
    path = str(FIXTURES / "commitments.csv")
    call_command("import_social_value", path, "--as", "commissioner", "--dry-run")
    out = capsys.readouterr().out
    assert "Row 2: Would create commitment KCC-ASC-001 SV2.1.2 × 4.00 (each contract year), £12000.00" in out
    assert "Check only, nothing was written: 2 commitments would be created" in out
    assert not SocialValueCommitment.objects.exists()

    call_command("import_social_value", path, "--as", "commissioner")
    assert "2 commitments were created; 0 rows already recorded (skipped)." in capsys.readouterr().out
    call_command("import_social_value", path, "--as", "commissioner")
    out = capsys.readouterr().out
    assert "Row 3: already recorded, skipped" in out
    assert "0 commitments were created; 2 rows already recorded (skipped)." in out
    assert SocialValueCommitment.objects.count() == 2
    assert SocialValueCommitment.objects.first().history.latest().history_user == commissioner


def test_the_command_prints_every_error_and_writes_nothing(asc_contract, get_contract, catalogue, commissioner, capsys):
    with pytest.raises(CommandError, match=r"5 problems in commitments_bad.csv: nothing was imported."):
        call_command("import_social_value", str(FIXTURES / "commitments_bad.csv"), "--as", "commissioner")
    err = capsys.readouterr().err
    assert "Row 3, contract_reference: there is no contract 'KCC-NOPE-9'." in err
    assert "Row 7, contract_reference: KCC-GET-001 is a contract of" in err
    assert len(err.strip().splitlines()) == 5
    assert not SocialValueCommitment.objects.exists()


def test_the_command_exits_with_1_on_errors_and_0_otherwise(
    asc_contract, get_contract, catalogue, commissioner, capsys, monkeypatch
):
    # The command runner closes the database connections when it finishes; the test's transaction needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit:
        ManagementUtility(["manage.py", "import_social_value", str(FIXTURES / "commitments_bad.csv")]).execute()
    assert exit.value.code == 1
    assert "CommandError: 4 problems in commitments_bad.csv" in capsys.readouterr().err  # the system has no directorate

    ManagementUtility(["manage.py", "import_social_value", str(FIXTURES / "commitments.csv")]).execute()
    assert "2 commitments were created" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_user(capsys):
    with pytest.raises(CommandError, match="There is no user 'nobody'."):
        call_command("import_social_value", str(FIXTURES / "commitments.csv"), "--as", "nobody")
