"""Contracts registers and OCDS releases taken into providers and contracts (issue 7, points 1 and 2).

The real files are in tests/fixtures/open_data: Salford City Council's contracts register (July 2022, 360
rows, unedited) and 200 Contracts Finder releases (January to March 2025, gzipped). The figures each test
expects are worked out from the file by the test itself, not copied from the importer's output.
"""

import csv
import gzip
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from commissioning.models import Directorate
from contracts.choices import ContractStatus, DeclaredSize, ProcurementRoute, Sector, SizeBand
from contracts.models import (
    Contract,
    ContractImport,
    ContractSourceKey,
    ContractVariation,
    Provider,
    RegisterPublisher,
)
from contracts.services import normalise_provider_name
from contracts.services.open_data import ContractImportError, contracts_register_import, ocds_import
from tests.contracts.factories import ContractFactory, ProviderFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "open_data"
SALFORD = FIXTURES / "salford_contracts_register_2022-07.csv"
CONTRACTS_FINDER = FIXTURES / "contracts-finder-2025-releases.json.gz"


def salford_bytes() -> bytes:
    return SALFORD.read_bytes()


def contracts_finder_releases() -> list[dict]:
    return json.loads(gzip.decompress(CONTRACTS_FINDER.read_bytes()))


def register_csv(rows: list[dict], headings=None) -> bytes:
    headings = headings or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headings)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def row(**values) -> dict:
    base = {
        "Contract Reference": "C1",
        "Contract Title": "Homecare in Maidstone",
        "Directorate Name": "Adult Social Care and Health",
        "Supplier Company Name": "Maidstone Care Ltd",
        "Supplier Postcode": "ME14 1XX",
        "Company Number": "1234567",
        "SME Supplier?": "Yes",
        "Annual Value": "100000.00",
        "Total Contract Value (including extensions)": "300000.00",
        "Start Date": "2024-04-01",
        "End Date": "2027-03-31",
        "Current Expiry Date": "2027-03-31",
        "Option to extend (months)": "12",
        "Process Used": "ITT",
    }
    base.update(values)
    return base


# --- The Salford register, unedited ---------------------------------------------------------------------


def _salford_expected() -> tuple[int, Decimal]:
    """Rows and the total of the total values the register gives, read with the csv module."""
    with SALFORD.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = Decimal("0")
    for r in rows:
        try:
            total += Decimal(r["Total Contract Value (including extensions)"].replace(",", ""))
        except InvalidOperation:
            pass  # "-" and blanks: not known
    return len(rows), total


def test_the_salford_register_imports_without_editing_and_again_adds_nothing(kcc_framework, procurement):
    rows, total = _salford_expected()
    assert rows == 360

    result = contracts_register_import(
        content=salford_bytes(), file_name=SALFORD.name, publisher="Salford City Council", actor=procurement
    )

    assert result.rows == rows
    assert result.contracts_added == rows == Contract.objects.count()
    assert result.total_value == total == Decimal("1598758515.62")
    stored = sum(v for v in Contract.objects.values_list("total_value", flat=True) if v is not None)
    assert stored == total
    assert sorted(result.directorates_added) == ["People", "Place", "Regeneration", "Service Reform"]
    # Suppliers are one provider per company number, then per name: 259 in all. A name seen with two numbers
    # (a typing slip, or two companies of a group) stays two providers, with a warning to check.
    assert result.providers_added == Provider.objects.count() == 259
    assert (
        "Row 221, company number: Schofield and Sons Ltd is 02459259, but the provider Schofield and Sons Ltd is "
        "25459259: recorded as a separate provider; check which is right."
    ) in result.warnings
    record = ContractImport.objects.get()
    assert (record.rows, record.contracts_added, record.imported_by) == (rows, rows, procurement)
    # Every contract is attributed to the person who imported it, with the file and row.
    history = Contract.history.filter(reference="S1417").get()
    assert history.history_user == procurement
    assert history.history_change_reason.startswith("Imported from the contracts register")
    # Values the register does not give are not known, never invented.
    tbc = Contract.objects.get(title__startswith="Bramall Court")
    assert (tbc.start_date, tbc.end_date, tbc.current_end_date) == (None, None, None)
    assert tbc.total_value == Decimal("10438680.00")

    again = contracts_register_import(
        content=salford_bytes(), file_name=SALFORD.name, publisher="Salford City Council", actor=procurement
    )
    assert (again.contracts_added, again.contracts_changed, again.contracts_unchanged) == (0, 0, rows)
    assert again.providers_added == 0
    assert Contract.objects.count() == rows
    assert ContractSourceKey.objects.count() == rows


def test_the_salford_register_warns_by_row_and_field_of_what_it_records_as_not_known(kcc_framework):
    result = contracts_register_import(
        content=salford_bytes(), file_name=SALFORD.name, publisher="Salford City Council", dry_run=True
    )
    assert "Row 118, end date: '2022-09-31' is not a date: recorded as not known" in result.warnings
    assert "Row 219, end date: '22/04/222' is not a date: recorded as not known" in result.warnings
    assert (
        "Row 327, end date: 29 March 2022 is before the start date, 30 March 2022: the end date is recorded as "
        "not known"
    ) in result.warnings
    assert "Row 5, company number: 'IP29627R' is not a Companies House number: not recorded" in result.warnings
    assert result.not_known["total_value"] == 10
    # A dry run reports exactly what the import would do and writes nothing.
    assert result.contracts_added == 360
    assert not Contract.objects.exists()
    assert not ContractImport.objects.exists()
    assert not Directorate.objects.filter(name="Place").exists()


def test_rows_sharing_a_reference_are_distinct_contracts_with_distinct_references(kcc_framework):
    content = register_csv(
        [
            row(**{"Contract Title": "Lot 1 Homecare"}),
            row(**{"Contract Title": "Lot 2 Homecare", "Supplier Company Name": "Ashford Care Ltd"}),
            row(**{"Contract Reference": "", "Contract Title": "Unreferenced"}),
            row(**{"Contract Title": "Lot 1 Homecare"}),  # identical to the first: the register lists it twice
        ]
    )
    contracts_register_import(content=content, file_name="r.csv", publisher="Kent County Council")
    assert sorted(Contract.objects.values_list("reference", flat=True)) == ["C1", "C1/2", "C1/3", "KCC-4"]
    again = contracts_register_import(content=content, file_name="r.csv", publisher="Kent County Council")
    assert again.contracts_added == 0 and again.contracts_unchanged == 4


def test_a_register_row_becomes_a_classified_provider_and_a_contract(kcc_framework):
    contracts_register_import(
        content=register_csv([row(**{"Current Expiry Date": "2028-03-31"})]),
        file_name="r.csv",
        publisher="Kent County Council",
    )
    contract = Contract.objects.select_related("provider", "directorate").get()
    assert contract.directorate.code == "ASCH"  # matched by name to the council's directorate
    assert contract.procurement_route == ProcurementRoute.OPEN
    assert (contract.extension_months_available, contract.extension_months_taken) == (12, 12)
    assert str(contract.current_end_date) == "2028-03-31"
    assert contract.annual_value == Decimal("100000.00")
    provider = contract.provider
    assert provider.companies_house_number == "01234567"  # a dropped leading zero restored
    assert provider.declared_size == DeclaredSize.SME
    assert provider.size == SizeBand.SME and provider.is_sme
    assert "Declared an SME (Kent County Council contracts register)" in provider.size_reason


def test_an_existing_provider_is_found_by_company_number_and_keeps_what_procurement_recorded(kcc_framework):
    existing = ProviderFactory(name="MCL Homecare", companies_house_number="01234567", postcode="CT1 1AA")
    contracts_register_import(content=register_csv([row()]), file_name="r.csv", publisher="Kent County Council")
    existing.refresh_from_db()
    assert Contract.objects.get().provider == existing
    assert (existing.name, existing.postcode) == ("MCL Homecare", "CT1 1AA")
    assert Provider.objects.count() == 1


def test_a_bad_row_refuses_the_whole_register_naming_each_row_and_field(kcc_framework):
    content = register_csv(
        [
            row(),
            row(**{"Contract Title": ""}),
            row(**{"Supplier Company Name": "", "Contract Reference": "C9"}),
            row(**{"Annual Value": "(500.00)"}),
        ]
    )
    with pytest.raises(ContractImportError) as exc:
        contracts_register_import(content=content, file_name="r.csv", publisher="Kent County Council")
    assert exc.value.messages == [
        "Row 3, title: is blank: every contract needs a title",
        "Row 4, supplier: is blank: every contract needs a supplier",
        "Row 5, annual value: '(500.00)' is negative: a contract's value cannot be",
    ]
    assert not Contract.objects.exists() and not Provider.objects.exists()


def test_headings_not_recognised_are_mapped_once_and_remembered_for_the_publisher(kcc_framework):
    headings = ["Ref", "What", "Who", "Dept"]
    content = register_csv(
        [{"Ref": "X1", "What": "Gritting", "Who": "Salt Ltd", "Dept": "Growth, Environment and Transport"}], headings
    )
    with pytest.raises(ContractImportError) as exc:
        contracts_register_import(content=content, file_name="r.csv", publisher="Medway Council")
    assert exc.value.missing == ["title", "supplier"]
    assert exc.value.headings == headings

    contracts_register_import(
        content=content,
        file_name="r.csv",
        publisher="Medway Council",
        columns={"title": "What", "supplier": "Who", "directorate": "Dept"},
    )
    assert RegisterPublisher.objects.get(name="Medway Council").column_mapping == {
        "title": "What",
        "supplier": "Who",
        "directorate": "Dept",
    }
    # The next file of the same publisher needs no mapping.
    result = contracts_register_import(content=content, file_name="r2.csv", publisher="Medway Council")
    assert result.contracts_unchanged == 1
    assert Contract.objects.get().directorate.code == "GET"


def test_a_later_register_changes_its_contracts_and_records_the_variation(kcc_framework, procurement):
    contracts_register_import(content=register_csv([row()]), file_name="r.csv", publisher="Kent County Council")
    changed = register_csv([row(**{"Total Contract Value (including extensions)": "360000.00"})])
    result = contracts_register_import(
        content=changed, file_name="r-v2.csv", publisher="Kent County Council", actor=procurement
    )
    assert (result.contracts_added, result.contracts_changed) == (0, 1)
    assert result.variations_needing_notice == 1
    variation = ContractVariation.objects.get()
    assert variation.value_change_percent == Decimal("20.0") and variation.needs_change_notice
    assert variation.varied_by == procurement
    assert Contract.objects.get().total_value == Decimal("360000.00")


def test_a_rerun_leaves_alone_what_the_council_looks_after(kcc_framework):
    contracts_register_import(content=register_csv([row()]), file_name="r.csv", publisher="Kent County Council")
    contract = Contract.objects.get()
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.TERMINATED)
    contracts_register_import(content=register_csv([row()]), file_name="r.csv", publisher="Kent County Council")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED


# --- Contracts Finder OCDS --------------------------------------------------------------------------------


def _contracts_finder_expected(releases: list[dict]) -> dict:
    """Contracts (award x supplier), organisations (supplier ids naming the same company or name are one), SMEs
    and VCSEs, worked out from the releases: an organisation's first declaration, by award date, stands."""
    links = set()
    declared = defaultdict(list)  # organisation -> [(award date, scale, vcse)]
    for release in releases:
        parties = {p["id"]: p for p in release.get("parties", [])}
        for award in release.get("awards", []):
            if award.get("status") in ("cancelled", "unsuccessful"):
                continue
            for supplier in award.get("suppliers", []):
                links.add((release["ocid"], award["id"], supplier["id"]))
                party = parties.get(supplier["id"], {})
                name = party.get("name") or supplier.get("name") or supplier["id"]
                details = party.get("details") or {}
                when = award.get("datePublished") or award.get("date") or release["date"]
                declared[normalise_provider_name(name)].append((when, details.get("scale"), details.get("vcse")))
    first = {}
    for organisation, notes in declared.items():
        notes.sort(key=lambda n: n[0])
        scale = next((s for _, s, _ in notes if s), None)
        vcse = next((v for _, _, v in notes if v is not None), None)
        first[organisation] = (scale, vcse)
    return {
        "contracts": len(links),
        "suppliers": len(first),
        "smes": sum(1 for scale, _ in first.values() if scale == "sme"),
        "vcses": sum(1 for _, vcse in first.values() if vcse),
    }


@pytest.fixture
def scs(kcc_framework) -> Directorate:
    return Directorate.objects.get(code="SCS")


def test_all_200_contracts_finder_releases_import_and_again_add_nothing(scs, procurement):
    releases = contracts_finder_releases()
    assert len(releases) == 200
    expected = _contracts_finder_expected(releases)
    assert expected == {"contracts": 262, "suppliers": 233, "smes": 79, "vcses": 7}

    result = ocds_import(
        content=json.dumps(releases).encode(), file_name="releases.json", directorate=scs, buyer=None, actor=procurement
    )

    assert result.rows == 200
    assert result.contracts_added == expected["contracts"] == Contract.objects.count()
    assert result.providers_added == expected["suppliers"] == Provider.objects.count()
    assert Provider.objects.filter(size__in=[SizeBand.SME]).count() == expected["smes"]
    assert Provider.objects.filter(sector=Sector.VCS).count() == expected["vcses"]
    assert not Contract.objects.exclude(directorate=scs).exists()

    # The same releases as a release package: the same processes, so nothing is added.
    package = {"uri": "urn:test", "version": "1.1", "publishedDate": "2025-03-11T14:07:12Z", "releases": releases}
    again = ocds_import(content=json.dumps(package).encode(), file_name="package.json", directorate=scs, buyer=None)
    assert (again.contracts_added, again.contracts_unchanged, again.providers_added) == (0, expected["contracts"], 0)


def test_contracts_finder_suppliers_keep_identifiers_and_postcodes_from_the_street_address(scs):
    releases = contracts_finder_releases()
    ocds_import(content=json.dumps(releases).encode(), file_name="releases.json", directorate=scs, buyer=None)
    kpmg = Provider.objects.get(companies_house_number="OC301540")
    assert kpmg.name == "KPMG LLP" and kpmg.postcode == "E14 5GL"
    # "Marstons holdings plcnOne America Square, 17 Crosswall, London EC3N 2LB": the postcode is inside the street.
    marstons = Provider.objects.get(name="Marstons holdings plc")
    assert marstons.postcode == "EC3N 2LB"
    assert marstons.declared_size == DeclaredSize.LARGE and marstons.size == SizeBand.LARGE
    assert marstons.source_keys.get().key == "GB-CFS-307567"
    # Canada's "K2K 2MB" looks like a postcode but is not a UK one.
    assert not Provider.objects.filter(postcode="K2K 2MB").exists()
    contract = Contract.objects.get(source_keys__key__contains="e3b5f385-5989-4cf1-8849-01c247fc9c30")
    assert contract.total_value == Decimal("93007.00")
    assert str(contract.start_date) == "2025-01-23" and str(contract.end_date) == "2025-04-23"


def test_only_the_configured_councils_contracts_are_kept_unless_every_buyer_is_asked_for(scs, settings):
    releases = contracts_finder_releases()
    content = json.dumps(releases).encode()
    settings.OCDS_BUYER = "London Borough of Merton"
    merton = sum(1 for r in releases if r["buyer"]["name"] == "London Borough of Merton" and r.get("awards"))
    result = ocds_import(content=content, file_name="r.json", directorate=scs, buyer=settings.OCDS_BUYER)
    assert result.contracts_added == merton == 3
    assert result.skipped == 190 - 3
    assert set(Contract.objects.values_list("title", flat=True)) >= {"Parking Pilot - CEO"}


def test_a_record_package_uses_its_compiled_release(scs):
    content = (FIXTURES / "fictional-record-package.json").read_bytes()
    result = ocds_import(content=content, file_name="record.json", directorate=scs, buyer="London Borough of Barnet")
    assert result.contracts_added == 1
    contract = Contract.objects.select_related("provider").get()
    assert contract.provider.companies_house_number == "11111111"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The file is not valid JSON: line 1, column 2"),
        (b'{"foo": 1}', "The file is not OCDS data"),
        (b'[{"id": "1", "date": "2025-01-01T00:00:00Z"}]', "Release 1: ocid is missing."),
        (b'[{"ocid": "ocds-x-1", "id": "1"}]', "Release 1 (ocds-x-1): date is missing or not a date (None)."),
    ],
)
def test_a_file_that_is_not_ocds_is_refused_saying_why(scs, content, message):
    with pytest.raises(ContractImportError) as exc:
        ocds_import(content=content, file_name="bad.json", directorate=scs)
    assert exc.value.messages[0].startswith(message)
    assert not ContractImport.objects.exists()


def test_a_later_notice_of_the_same_award_changes_its_contract(scs):
    release = {
        "ocid": "ocds-abc123-1",
        "id": "1",
        "date": "2025-01-01T00:00:00Z",
        "tag": ["award"],
        "buyer": {"id": "B", "name": "Kent County Council"},
        "parties": [{"id": "GB-COH-01234567", "name": "Kent Roads Ltd", "roles": ["supplier"]}],
        "awards": [
            {
                "id": "A1",
                "status": "active",
                "value": {"amount": 100000, "currency": "GBP"},
                "suppliers": [{"id": "GB-COH-01234567", "name": "Kent Roads Ltd"}],
                "contractPeriod": {"startDate": "2025-01-01T00:00:00Z", "endDate": "2025-12-31T23:59:59Z"},
            }
        ],
    }
    ocds_import(content=json.dumps([release]).encode(), file_name="a.json", directorate=scs)
    update = {**release, "id": "2", "date": "2025-02-01T00:00:00Z", "tag": ["awardUpdate"]}
    update["awards"] = [{"id": "A1", "value": {"amount": 105000, "currency": "GBP"}}]
    result = ocds_import(content=json.dumps([release, update]).encode(), file_name="b.json", directorate=scs)
    assert result.contracts_changed == 1
    contract = Contract.objects.get()
    assert contract.total_value == Decimal("105000.00")
    assert contract.provider.companies_house_number == "01234567"
    assert not ContractVariation.objects.get().needs_change_notice  # 5%


def test_ocds_needs_a_directorate(kcc_framework):
    with pytest.raises(ContractImportError) as exc:
        ocds_import(content=b"[]", file_name="a.json", directorate=None)
    assert "Choose the directorate" in exc.value.messages[0]


def test_a_contract_already_held_keeps_its_reference_when_an_import_brings_the_same_one(scs):
    ContractFactory(reference="C1")
    contracts_register_import(content=register_csv([row()]), file_name="r.csv", publisher="Kent County Council")
    assert Contract.objects.filter(reference="C1/2").exists()
    assert Counter(Contract.objects.values_list("reference", flat=True)) == {"C1": 1, "C1/2": 1}


def test_a_register_in_excel_imports_as_its_csv_does(kcc_framework):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    headings = list(row())
    sheet.append(headings)
    values = row(**{"Contract Reference": "XL1", "Process Used": "Call-off from a framework"})
    sheet.append([values[h] for h in headings])
    sheet["H2"] = 100000.5  # a number cell, as Excel keeps money
    buffer = io.BytesIO()
    book.save(buffer)
    result = contracts_register_import(content=buffer.getvalue(), file_name="r.xlsx", publisher="Kent County Council")
    assert result.contracts_added == 1 and result.warnings == []
    contract = Contract.objects.get()
    assert (contract.reference, contract.annual_value) == ("XL1", Decimal("100000.50"))
    assert contract.procurement_route == ProcurementRoute.FRAMEWORK


def test_a_supplier_declared_differently_on_two_rows_keeps_the_first_and_the_import_warns(kcc_framework):
    content = register_csv([row(), row(**{"Contract Reference": "C2", "SME Supplier?": "No"})])
    result = contracts_register_import(content=content, file_name="r.csv", publisher="Kent County Council")
    assert result.warnings == [
        "Row 3, SME flag: Maidstone Care Ltd is declared large here, but Maidstone Care Ltd was already declared an "
        "SME (Kent County Council contracts register); kept an SME: check which is right."
    ]
    assert Provider.objects.get().size == SizeBand.SME
