"""The open data pages, API and commands (issue 7, point 4): each import works from the web, the API and the
command line, for the roles that may import, and every role reads the record of imports."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from commissioning.choices import Role
from commissioning.models import Directorate
from contracts.models import Contract, ContractImport
from contracts.services.open_data import contracts_register_import
from tests.contracts.test_open_data_imports import SALFORD, register_csv, row

RELEASE = {
    "ocid": "ocds-abc123-1",
    "id": "1",
    "date": "2025-01-01T00:00:00Z",
    "tag": ["award"],
    "buyer": {"id": "GB-LAC-E10000016", "name": "Kent County Council"},
    "parties": [
        {
            "id": "GB-CFS-1",
            "name": "Thanet Gardens CIC",
            "address": {"streetAddress": "1 High Street, Margate, CT9 1AA"},
            "details": {"scale": "sme", "vcse": True},
            "roles": ["supplier"],
        }
    ],
    "awards": [
        {
            "id": "A1",
            "status": "active",
            "title": "Community gardening",
            "value": {"amount": 25000, "currency": "GBP"},
            "suppliers": [{"id": "GB-CFS-1", "name": "Thanet Gardens CIC"}],
            "contractPeriod": {"startDate": "2025-04-01T00:00:00Z", "endDate": "2027-03-31T23:59:59Z"},
        }
    ],
}


def ocds_bytes(*releases) -> bytes:
    return json.dumps(list(releases or [RELEASE])).encode()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_open_data_page_and_only_procurement_and_admin_import(client, users, kcc_framework, role):
    client.force_login(users[role])
    page = client.get(reverse("contracts:open_data"))
    assert page.status_code == 200
    assert b"Publish the council" in page.content
    may_import = role in (Role.PROCUREMENT, Role.ADMIN)
    assert (reverse("contracts:register_import").encode() in page.content) is may_import
    for name in ("contracts:register_import", "contracts:ocds_import"):
        assert client.get(reverse(name)).status_code == (200 if may_import else 403)
        assert client.post(reverse(name), {"action": "check"}).status_code == (400 if may_import else 403)


def test_anonymous_people_are_sent_to_sign_in(client, db):
    for name in ("contracts:open_data", "contracts:register_import", "contracts:ocds_import"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_register_is_checked_then_imported_from_the_web(client, procurement, kcc_framework):
    client.force_login(procurement)
    upload = SimpleUploadedFile(SALFORD.name, SALFORD.read_bytes(), content_type="text/csv")
    check = client.post(
        reverse("contracts:register_import"),
        {"action": "check", "file": upload, "publisher": "Salford City Council"},
    )
    assert check.status_code == 200
    text = check.content.decode()
    assert "nothing is imported yet" in text
    assert "360 contracts would be added" in text
    assert "Row 118, end date: &#x27;2022-09-31&#x27; is not a date: recorded as not known" in text
    assert not Contract.objects.exists()

    token = client.session["register_import_upload"]["token"]
    done = client.post(reverse("contracts:register_import"), {"action": "import", "token": token})
    record = ContractImport.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("contracts:contract_import_detail", args=[record.pk])
    assert Contract.objects.count() == 360
    detail = client.get(done["Location"])
    assert detail.status_code == 200
    assert "£1,598,758,515.62" in detail.content.decode()
    assert "register_import_upload" not in client.session


def test_columns_are_chosen_on_the_page_when_the_headings_are_not_recognised(client, procurement, kcc_framework):
    client.force_login(procurement)
    directorate = Directorate.objects.get(code="GET")
    content = register_csv([{"Ref": "X1", "What": "Gritting", "Who": "Salt Ltd"}], ["Ref", "What", "Who"])
    refused = client.post(
        reverse("contracts:register_import"),
        {
            "action": "check",
            "file": SimpleUploadedFile("r.csv", content),
            "publisher": "Medway Council",
            "directorate": directorate.pk,
        },
    )
    assert refused.status_code == 400
    assert "Choose the columns" in refused.content.decode()
    token = client.session["register_import_upload"]["token"]
    mapped = client.post(
        reverse("contracts:register_import"),
        {"action": "import", "token": token, "step": "map", "title": "What", "supplier": "Who", "reference": "Ref"},
    )
    assert mapped.status_code == 302
    contract = Contract.objects.get()
    assert (contract.reference, contract.directorate) == ("X1", directorate)


def test_an_ocds_file_is_imported_from_the_web_into_the_chosen_directorate(client, admin_user, kcc_framework):
    client.force_login(admin_user)
    directorate = Directorate.objects.get(code="GET")
    response = client.post(
        reverse("contracts:ocds_import"),
        {
            "action": "import",
            "file": SimpleUploadedFile("notices.json", ocds_bytes(), content_type="application/json"),
            "buyer_choice": "council",
            "directorate": directorate.pk,
        },
    )
    assert response.status_code == 302
    contract = Contract.objects.select_related("provider").get()
    assert (contract.directorate, contract.title) == (directorate, "Community gardening")
    assert contract.provider.is_vcs and contract.provider.postcode == "CT9 1AA"
    assert contract.provider.location == "local"


def test_the_ocds_form_names_what_is_missing(client, procurement, kcc_framework):
    client.force_login(procurement)
    response = client.post(
        reverse("contracts:ocds_import"),
        {"action": "check", "file": SimpleUploadedFile("n.txt", b"[]"), "buyer_choice": "other"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "The selected file must be JSON (.json)" in text
    assert "Enter the buyer&#x27;s name or OCDS party id" in text
    assert "Choose the directorate the contracts belong to" in text


def test_the_open_data_page_runs_the_same_queries_however_many_imports(
    client, member, kcc_framework, django_assert_max_num_queries
):
    def imports(n):
        for i in range(n):
            contracts_register_import(
                content=register_csv([row(**{"Contract Reference": f"R{i}"})]), file_name=f"r{i}.csv", publisher="P"
            )

    client.force_login(member)
    imports(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("contracts:open_data")).status_code == 200
    imports(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("contracts:open_data")).status_code == 200
    record = ContractImport.objects.first()
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        assert client.get(reverse("contracts:contract_import_detail", args=[record.pk])).status_code == 200


# --- API -------------------------------------------------------------------------------------------------


def test_the_api_imports_a_register_and_lists_the_import(client, procurement, kcc_framework):
    client.force_login(procurement)
    url = reverse("contracts-api:contractimport-list")
    dry = client.post(
        url, {"source": "register", "file": SimpleUploadedFile("r.csv", register_csv([row()])), "dry_run": "true"}
    )
    assert dry.status_code == 200 and dry.json()["contracts_added"] == 1
    assert not Contract.objects.exists()
    made = client.post(url, {"source": "register", "file": SimpleUploadedFile("r.csv", register_csv([row()]))})
    assert made.status_code == 201
    body = made.json()
    assert body["contracts_added"] == 1 and made["Location"] == body["contract_import"]["url"]
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["file_name"] == "r.csv"


def test_the_api_refuses_a_bad_file_naming_the_rows(client, procurement, kcc_framework):
    client.force_login(procurement)
    content = register_csv([row(**{"Contract Title": ""})])
    response = client.post(
        reverse("contracts-api:contractimport-list"),
        {"source": "register", "file": SimpleUploadedFile("r.csv", content)},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["Row 2, title: is blank: every contract needs a title"]


def test_the_api_imports_ocds_for_a_directorate_and_refuses_other_roles(client, users, kcc_framework):
    url = reverse("contracts-api:contractimport-list")
    data = {"source": "ocds", "directorate": "PH", "all_buyers": "true"}
    for role in (Role.MEMBER, Role.COMMISSIONER):
        client.force_login(users[role])
        assert client.post(url, {**data, "file": SimpleUploadedFile("n.json", ocds_bytes())}).status_code == 403
        assert client.get(url).status_code == 200
    client.force_login(users[Role.PROCUREMENT])
    response = client.post(url, {**data, "file": SimpleUploadedFile("n.json", ocds_bytes())})
    assert response.status_code == 201
    assert Contract.objects.get().directorate.code == "PH"


def test_the_api_list_of_imports_runs_the_same_queries_however_many(
    client, member, kcc_framework, django_assert_max_num_queries
):
    client.force_login(member)
    for i in range(2):
        contracts_register_import(content=register_csv([row()]), file_name=f"r{i}.csv", publisher=f"P{i}")
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("contracts-api:contractimport-list"))
    for i in range(2, 12):
        contracts_register_import(content=register_csv([row()]), file_name=f"r{i}.csv", publisher=f"P{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("contracts-api:contractimport-list")).json()["count"] == 12


# --- Commands --------------------------------------------------------------------------------------------


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_register_prints_what_it_did_and_dry_run_writes_nothing(kcc_framework, procurement):
    out, _ = run("import_register", str(SALFORD), "--publisher", "Salford City Council", "--dry-run")
    assert "Rows:              360" in out
    assert "Total value:       £1,598,758,515.62" in out
    assert "Dry run: nothing was imported." in out
    assert not Contract.objects.exists()
    out, _ = run("import_register", str(SALFORD), "--publisher", "Salford City Council", "--user", "procurement")
    assert "Contracts:         360 added, 0 changed, 0 already up to date" in out
    assert ContractImport.objects.get().imported_by == procurement


def test_import_register_rejects_a_bad_file_and_a_role_that_may_not_import(kcc_framework, member, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(register_csv([row(**{"Supplier Company Name": ""})]))
    with pytest.raises(CommandError, match="bad.csv was rejected: 1 problem, nothing was imported"):
        run("import_register", str(bad))
    with pytest.raises(CommandError, match="role does not allow importing contracts"):
        run("import_register", str(bad), "--user", "member")


def test_import_ocds_keeps_the_councils_buyer_or_every_buyer(kcc_framework, tmp_path):
    other = {**RELEASE, "ocid": "ocds-abc123-2", "buyer": {"id": "X", "name": "Medway Council"}}
    path = tmp_path / "n.json"
    path.write_bytes(ocds_bytes(RELEASE, other))
    out, _ = run("import_ocds", str(path), "--directorate", "GET", "--dry-run")
    assert "Left out:          1 procurements of other buyers" in out
    assert "Contracts:         1 added" in out
    out, _ = run("import_ocds", str(path), "--directorate", "GET", "--all-buyers")
    assert "Contracts:         2 added" in out
    assert Contract.objects.count() == 2
    with pytest.raises(CommandError, match="There is no directorate 'XX'"):
        run("import_ocds", str(path), "--directorate", "XX")


def test_a_file_no_longer_held_is_asked_for_again(client, procurement, kcc_framework):
    client.force_login(procurement)
    response = client.post(reverse("contracts:ocds_import"), {"action": "import", "token": "0" * 32})
    assert response.status_code == 400
    assert "The file you uploaded is no longer held: select it and check it again" in response.content.decode()
    assert not ContractImport.objects.exists()
