"""Writing spend lines (issue 4): every line counts, with multiplicity; re-imports and overlapping
files add only what is missing; dry runs write nothing; rollbacks remove exactly an import's
lines; suppliers are matched exactly, by company or charity number, or by a person's confirmed
alias, never by a close name on its own; unmatched names become providers in bulk; a line is put
against a contract only when there is exactly one it can be."""

import datetime
from decimal import Decimal

import pytest

from contracts.choices import ContractStatus, Location, Sector, SizeBand
from contracts.importers.spend import SpendFileError
from contracts.models import (
    Provider,
    SpendImport,
    SpendImportStatus,
    SpendLine,
    SpendPublisher,
    SpendStagingLine,
    SupplierAlias,
)
from contracts.services import (
    providers_create_from_spend,
    spend_import_rollback,
    spend_lines_link_contracts,
    spend_lines_match,
    supplier_alias_confirm,
)
from tests.contracts.factories import ContractFactory, ProviderFactory, import_spend, spend_csv

pytestmark = pytest.mark.django_db

X = ("2022-05-03", "7001", "Acme Care Ltd", "1250.00", "Adult Social Care", "Residential care", "R")
Y = ("2022-05-03", "7002", "Beta Homes Ltd", "99.99", "Children's Services", "Fostering", "R")
Z = ("2022-05-04", "7003", "Gamma Transport Ltd", "-45.10", "Growth", "Transport", "C")


def _state() -> dict:
    return {
        "lines": SpendLine.objects.count(),
        "pence": sum(SpendLine.objects.values_list("amount_pence", flat=True)),
        "imports": list(SpendImport.objects.order_by("pk").values_list("pk", "status", "lines_added")),
        "publishers": list(SpendPublisher.objects.order_by("pk").values_list("pk", "name", "column_mapping")),
        "staging": SpendStagingLine.objects.count(),
        "matched": SpendLine.objects.filter(provider__isnull=False).count(),
    }


# ---------------------------------------------------------------- every line counts


def test_identical_lines_in_one_file_all_count():
    result = import_spend(spend_csv([X, X, Y]))
    assert (result.rows, result.lines_added) == (3, 3)
    assert result.total == Decimal("2599.99")
    acme = SpendLine.objects.filter(supplier_name="Acme Care Ltd").order_by("occurrence")
    assert list(acme.values_list("occurrence", "row_number")) == [(1, 2), (2, 3)]
    assert SpendLine.objects.get(supplier_name="Beta Homes Ltd").occurrence == 1


def test_a_repeated_transaction_number_paid_over_several_lines_counts_every_line():
    lines = [("2022-05-03", "7001", "Acme Care Ltd", amount) for amount in ("100.00", "250.00", "100.00")]
    result = import_spend(spend_csv(lines))
    assert result.lines_added == 3
    assert result.total == Decimal("450.00")
    assert SpendLine.objects.filter(transaction_number="7001").count() == 3


def test_importing_the_same_file_again_adds_nothing_but_is_recorded(procurement):
    content = spend_csv([X, X, Y, Z])
    first = import_spend(content, actor=procurement)
    again = import_spend(content, actor=procurement)
    assert (again.rows, again.total_pence, again.lines_added, again.added_pence) == (4, first.total_pence, 0, 0)
    assert again.lines_already_there == 4
    assert again.previous_import == first.spend_import
    assert SpendLine.objects.count() == 4
    assert SpendImport.objects.count() == 2
    assert again.spend_import.lines.count() == 0


def test_an_overlapping_file_adds_only_the_missing_lines_counted_with_multiplicity():
    """File A has line X twice; file B has X three times: B adds one X (and what else is new)."""
    a = import_spend(spend_csv([X, X, Y]), file_name="a.csv")
    b = import_spend(spend_csv([Y, X, X, X, Z]), file_name="b.csv")

    assert (b.rows, b.lines_added) == (5, 2)
    assert b.added == Decimal("1250.00") + Decimal("-45.10")
    assert SpendLine.objects.filter(supplier_name="Acme Care Ltd").count() == 3
    assert SpendLine.objects.filter(supplier_name="Beta Homes Ltd").count() == 1
    added = b.spend_import.lines.order_by("row_number")
    assert list(added.values_list("supplier_name", "occurrence")) == [("Acme Care Ltd", 3), ("Gamma Transport Ltd", 1)]
    assert a.spend_import.lines.count() == 3
    record = SpendImport.objects.get(pk=b.spend_import.pk)
    assert (record.rows, record.lines_added, record.lines_already_there) == (5, 2, 3)


def test_lines_of_different_publishers_never_overlap():
    import_spend(spend_csv([X]), publisher="Kent County Council")
    other = import_spend(spend_csv([X], publisher="Medway Council"))
    assert other.publisher == "Medway Council"
    assert other.lines_added == 1
    assert SpendLine.objects.count() == 2


def test_a_line_differing_in_any_of_its_identity_is_a_new_line():
    import_spend(spend_csv([X]))
    changed = [
        ("2022-05-04", *X[1:]),
        (X[0], "7009", *X[2:]),
        (*X[:2], "Acme Care Limited", *X[3:]),
        (*X[:3], "1250.01", *X[4:]),
    ]
    assert import_spend(spend_csv([X, *changed])).lines_added == 4


# ---------------------------------------------------------------- dry run


def test_a_dry_run_writes_nothing_and_reports_what_would_be_added(procurement):
    import_spend(spend_csv([X, Y]))
    before = _state()

    result = import_spend(
        spend_csv([X, X, Y, Z]), dry_run=True, actor=procurement, columns={"service_area": "Service Area"}
    )

    assert result.dry_run is True
    assert result.spend_import is None
    assert (result.rows, result.lines_added, result.lines_already_there) == (4, 2, 2)
    assert result.added == Decimal("1250.00") + Decimal("-45.10")
    assert result.total == Decimal("2554.89")
    assert _state() == before


def test_a_dry_run_of_a_new_publisher_creates_no_publisher():
    result = import_spend(spend_csv([X], publisher="Medway Council"), dry_run=True, columns={"amount": "Net Amount"})
    assert (result.publisher, result.lines_added) == ("Medway Council", 1)
    assert SpendPublisher.objects.count() == 0
    assert SpendImport.objects.count() == 0


# ---------------------------------------------------------------- rollback


def test_rollback_removes_exactly_the_imports_lines_and_keeps_the_record(procurement, admin_user):
    a = import_spend(spend_csv([X, X, Y]), actor=procurement, file_name="a.csv")
    b = import_spend(spend_csv([X, X, X, Z]), actor=procurement, file_name="b.csv")
    kept = set(a.spend_import.lines.values_list("pk", flat=True))

    removed = spend_import_rollback(spend_import=b.spend_import, actor=admin_user)

    assert removed == 2
    assert set(SpendLine.objects.values_list("pk", flat=True)) == kept
    record = SpendImport.objects.get(pk=b.spend_import.pk)
    assert record.status == SpendImportStatus.ROLLED_BACK
    assert record.rolled_back_by == admin_user
    assert record.rolled_back_at is not None
    assert record.imported_by == procurement
    assert (record.file_name, record.rows, record.lines_added) == ("b.csv", 4, 2)
    assert SpendImport.objects.get(pk=a.spend_import.pk).status == SpendImportStatus.IMPORTED


def test_a_second_rollback_is_refused(admin_user):
    result = import_spend(spend_csv([X]))
    spend_import_rollback(spend_import=result.spend_import, actor=admin_user)
    with pytest.raises(SpendFileError) as excinfo:
        spend_import_rollback(spend_import=result.spend_import, actor=admin_user)
    assert excinfo.value.messages == ["File: this import has already been rolled back"]
    assert SpendImport.objects.get().status == SpendImportStatus.ROLLED_BACK


def test_importing_again_after_a_rollback_restores_the_lines(admin_user):
    content = spend_csv([X, X, Y, Z])
    first = import_spend(content)
    spend_import_rollback(spend_import=first.spend_import, actor=admin_user)
    assert SpendLine.objects.count() == 0

    again = import_spend(content)

    assert (again.lines_added, again.added_pence) == (4, first.total_pence)
    assert again.previous_import is None  # the rolled-back import no longer holds the file
    assert SpendLine.objects.filter(spend_import=again.spend_import).count() == 4


# ---------------------------------------------------------------- the publisher and its mapping


def test_the_publisher_is_read_from_the_file_unless_named():
    assert import_spend(spend_csv([X], publisher="Kent County Council")).publisher == "Kent County Council"
    named = import_spend(spend_csv([Y], publisher="Kent County Council"), publisher="  kent   county council ")
    assert named.publisher == "Kent County Council"  # the existing publisher, whatever the case
    assert SpendPublisher.objects.count() == 1


def test_a_mapping_is_saved_for_the_publisher_only_when_the_import_succeeds():
    headings = ["Body Name", "Paid", "Ref", "Beneficiary", "Value (GBP)", "Area", "Type", "C/R"]
    content = spend_csv([X, Y], headings=headings)
    mapping = {"date": "Paid", "supplier": "Beneficiary", "amount": "Value (GBP)", "capital_revenue": "C/R"}

    with pytest.raises(SpendFileError):
        import_spend(content + b"Kent County Council,bad,,Acme,1,,,\r\n", columns=mapping)
    assert SpendPublisher.objects.count() == 0

    result = import_spend(content, columns=mapping)
    assert result.mapping_saved == mapping
    assert SpendPublisher.objects.get().column_mapping == mapping
    assert set(SpendLine.objects.values_list("capital_revenue", flat=True)) == {"revenue"}

    # A later file with one more mapped column keeps what was saved and adds to it.
    import_spend(spend_csv([Z], headings=headings), columns={"transaction_number": "Ref"})
    assert SpendPublisher.objects.get().column_mapping == {**mapping, "transaction_number": "Ref"}
    assert SpendLine.objects.get(supplier_name="Gamma Transport Ltd").transaction_number == "7003"


def test_a_publishers_next_file_with_unfamiliar_headings_is_read_whole_with_its_saved_mapping():
    """Headings Golden Thread cannot recognise, and the publisher read from the file: the saved
    mapping is found from the first line, and not one line before or after it is lost."""
    headings = ["Body Name", "Paid On", "Ref", "Recipient Organisation", "Sum Paid", "Area", "Type", "C/R"]
    mapping = {"date": "Paid On", "supplier": "Recipient Organisation", "amount": "Sum Paid"}
    import_spend(spend_csv([X], headings=headings), columns=mapping)

    later = [("2022-06-01", f"T{n}", f"Supplier {n}", f"{n}.00") for n in range(1, 16)]
    title = b"Kent County Council payments over \xc2\xa3500, June 2022\r\n\r\n"
    result = import_spend(title + spend_csv(later, headings=headings))

    assert (result.publisher, result.rows, result.lines_added) == ("Kent County Council", 15, 15)
    assert result.total == Decimal(sum(range(1, 16)))
    assert result.columns["supplier"] == "Recipient Organisation"
    rows = SpendLine.objects.filter(spend_import=result.spend_import).order_by("row_number")
    assert list(rows.values_list("row_number", flat=True)) == list(range(4, 19))


def test_a_saved_mapping_that_no_longer_fits_does_not_stop_a_recognisable_file():
    import_spend(
        spend_csv([X], headings=["Body Name", "Paid", "Ref", "Beneficiary", "Net Amount", "Area", "Type", "C/R"]),
        columns={"date": "Paid", "supplier": "Beneficiary"},
    )
    result = import_spend(spend_csv([Y]))  # the usual headings again
    assert result.columns["supplier"] == "Supplier Name"
    assert result.lines_added == 1


def test_progress_is_reported_in_bytes_and_rows():
    calls = []
    import_spend(spend_csv([X, Y, Z]), progress=lambda done, rows: calls.append((done, rows)))
    assert calls
    assert calls[-1][1] == 3
    assert calls[-1][0] > 0


# ---------------------------------------------------------------- matching suppliers


@pytest.mark.parametrize(
    ("provider_name", "supplier"),
    [
        ("Smith & Sons Limited", "SMITH AND SONS LTD."),
        ("Kent Care PLC", "kent care plc"),
        ("Kent Care PLC", "Kent Care"),
        ("Jane Bloggs", "Jane Bloggs T/A Bloggs Cleaning"),
    ],
)
def test_a_supplier_is_matched_exactly_after_normalising_its_name(provider_name, supplier):
    provider = ProviderFactory(name=provider_name)
    result = import_spend(spend_csv([("2022-05-03", "1", supplier, "10.00")]))
    assert result.matched_lines == 1
    assert SpendLine.objects.get().provider == provider


def test_o_neill_and_oneill_normalise_alike():
    # Punctuation becomes a space, so "O'Neill" is "o neill": a close name, not an exact one.
    provider = ProviderFactory(name="O Neill Transport Ltd")
    import_spend(spend_csv([("2022-05-03", "1", "O'Neill Transport Limited", "10.00")]))
    assert SpendLine.objects.get().provider == provider


def test_a_supplier_is_matched_by_company_number_and_by_charity_number():
    company = ProviderFactory(name="Bright Futures Group Ltd", companies_house_number="04869035")
    charity = ProviderFactory(name="Kent Carers Trust", charity_number="1123456")
    content = (
        b"Body Name,Payment Date,Supplier Name,Net Amount,Company Number,Charity Number\n"
        b"Kent County Council,2022-05-03,BFG (Trading Name),10.00,4869035,\n"
        b"Kent County Council,2022-05-03,Carers of Kent,20.00,,1123456\n"
        b"Kent County Council,2022-05-03,Someone Else Ltd,30.00,09999999,\n"
    )
    result = import_spend(content)
    assert result.matched_lines == 2
    assert SpendLine.objects.get(supplier_name="BFG (Trading Name)").provider == company
    assert SpendLine.objects.get(supplier_name="Carers of Kent").provider == charity
    assert SpendLine.objects.get(supplier_name="Someone Else Ltd").provider is None


def test_an_ambiguous_name_is_not_matched_nor_counted():
    ProviderFactory(name="Acme Care Ltd")
    ProviderFactory(name="ACME CARE LIMITED")
    result = import_spend(spend_csv([X, X]))
    assert result.matched_lines == 0
    assert not SpendLine.objects.filter(provider__isnull=False).exists()
    assert spend_lines_match() == 0


def test_a_close_name_is_never_linked():
    ProviderFactory(name="Acme Care Services Ltd")
    result = import_spend(spend_csv([("2022-05-03", "1", "Acme Care Service Ltd", "10.00")]))
    assert result.matched_lines == 0
    assert SpendLine.objects.get().provider is None


def test_spend_lines_match_matches_earlier_lines_once_the_provider_exists():
    import_spend(spend_csv([X, X, Y]))
    assert spend_lines_match() == 0
    provider = ProviderFactory(name="ACME CARE LIMITED")
    assert spend_lines_match() == 2
    assert set(SpendLine.objects.filter(provider=provider).values_list("supplier_name", flat=True)) == {X[2]}
    assert spend_lines_match() == 0  # nothing left to match


def test_a_confirmed_alias_is_remembered_and_used_by_a_later_file(procurement):
    provider = ProviderFactory(name="Kent Community Transport CIC")
    import_spend(
        spend_csv([("2022-05-03", "1", "KCT Minibuses", "10.00"), ("2022-05-04", "2", "KCT Minibuses", "5.00")])
    )

    alias = supplier_alias_confirm(name="KCT Minibuses", provider=provider, actor=procurement)

    assert (alias.normalised_name, alias.name, alias.provider, alias.confirmed_by) == (
        "kct minibuses",
        "KCT Minibuses",
        provider,
        procurement,
    )
    assert SpendLine.objects.filter(provider=provider).count() == 2
    later = import_spend(spend_csv([("2022-06-03", "9", "K.C.T. minibuses", "7.50")]))
    assert later.matched_lines == 0  # "k c t minibuses" is another name
    later = import_spend(spend_csv([("2022-06-03", "9", "KCT MINIBUSES LTD", "7.50")]))
    assert later.matched_lines == 1
    assert SpendLine.objects.get(transaction_number="9", supplier_name="KCT MINIBUSES LTD").provider == provider


def test_correcting_an_alias_moves_its_lines_to_the_right_provider(procurement):
    wrong = ProviderFactory(name="Kent Cleaning Ltd")
    right = ProviderFactory(name="Kent Clearance Ltd")
    ContractFactory(provider=wrong, start_date=datetime.date(2022, 4, 1), end_date=datetime.date(2023, 3, 31))
    import_spend(spend_csv([("2022-05-03", "1", "K Clean", "10.00")]))
    supplier_alias_confirm(name="K Clean", provider=wrong, actor=procurement)
    assert SpendLine.objects.get().contract.provider == wrong

    supplier_alias_confirm(name="K Clean", provider=right, actor=procurement)

    line = SpendLine.objects.get()
    assert (line.provider, line.contract) == (right, None)
    assert SupplierAlias.objects.get().provider == right


def test_a_blank_alias_is_refused(procurement):
    with pytest.raises(SpendFileError) as excinfo:
        supplier_alias_confirm(name=" Ltd ", provider=ProviderFactory(), actor=procurement)
    assert excinfo.value.messages == ["File, supplier: the supplier name is blank"]
    assert SupplierAlias.objects.count() == 0


def test_redacted_lines_are_never_matched(procurement):
    provider = ProviderFactory(name="Redacted Personal Information Ltd")
    import_spend(spend_csv([("2022-05-03", "1", "Redacted Personal Information", "10.00")]))
    supplier_alias_confirm(name="Redacted Personal Information", provider=provider, actor=procurement)
    spend_lines_match()
    line = SpendLine.objects.get()
    assert (line.redacted, line.provider) == (True, None)


# ---------------------------------------------------------------- providers from unmatched spend


def test_providers_are_created_in_bulk_from_unmatched_names(procurement):
    content = (
        b"Body Name,Payment Date,Transaction Number,Supplier Name,Net Amount,Company Number\n"
        b"Kent County Council,2022-05-03,1,Bright Futures Ltd,10.00,4869035\n"
        b"Kent County Council,2022-05-04,2,Bright Futures Ltd,20.00,4869035\n"
        b"Kent County Council,2022-05-05,3,BRIGHT FUTURES LIMITED,30.00,\n"
        b"Kent County Council,2022-05-05,4,Oak Tree Farm,40.00,\n"
        b"Kent County Council,2022-05-05,5,Never Chosen Ltd,50.00,\n"
        b"Kent County Council,2022-05-05,6,Redacted Personal Information,60.00,\n"
    )
    import_spend(content)

    created = providers_create_from_spend(
        normalised_names=["bright futures", "oak tree farm", "", "no such supplier"], actor=procurement
    )

    assert [p.name for p in created] == ["Bright Futures Ltd", "Oak Tree Farm"]  # the commonest spelling
    bright = created[0]
    assert bright.companies_house_number == "04869035"
    assert bright.charity_number == ""
    for provider in created:
        assert (provider.location, provider.size, provider.sector) == (
            Location.UNKNOWN,
            SizeBand.UNKNOWN,
            Sector.UNKNOWN,
        )
        assert provider.history.count() == 1
    assert SpendLine.objects.filter(provider=bright).count() == 3
    assert SpendLine.objects.get(supplier_name="Oak Tree Farm").provider == created[1]
    assert SpendLine.objects.get(supplier_name="Never Chosen Ltd").provider is None
    assert SpendLine.objects.get(redacted=True).provider is None
    # Done twice, nothing more is created: the names are matched now.
    assert providers_create_from_spend(normalised_names=["bright futures"], actor=procurement) == []
    assert Provider.objects.count() == 2


def test_a_provider_from_spend_does_not_take_a_number_another_provider_has(procurement):
    ProviderFactory(name="Quite Different Ltd", companies_house_number="04869035")
    import_spend(
        b"Body Name,Payment Date,Supplier Name,Net Amount,Company Number\n"
        b"Kent County Council,2022-05-03,Bright Futures Ltd,10.00,04869035\n"
    )
    # The number matched the line to the other provider already; the name alone is still wanted.
    assert SpendLine.objects.get().provider.name == "Quite Different Ltd"
    SpendLine.objects.update(provider=None)
    [created] = providers_create_from_spend(normalised_names=["bright futures"], actor=procurement)
    assert created.companies_house_number == ""


# ---------------------------------------------------------------- linking lines to contracts


@pytest.fixture
def provider():
    return ProviderFactory(name="Acme Care Ltd")


def _contract(provider, start, end, status=ContractStatus.ACTIVE):
    return ContractFactory(
        provider=provider, start_date=datetime.date(*start), end_date=datetime.date(*end), status=status
    )


def test_a_line_is_linked_to_the_providers_only_contract_in_force(provider):
    contract = _contract(provider, (2022, 4, 1), (2023, 3, 31))
    _contract(provider, (2019, 4, 1), (2020, 3, 31))  # ended before the payment
    import_spend(spend_csv([X, ("2021-05-03", "1", "Acme Care Ltd", "5.00")]))
    assert SpendLine.objects.get(transaction_number=X[1]).contract == contract
    assert SpendLine.objects.get(transaction_number="1").contract is None  # no contract in force then


def test_a_line_is_not_linked_when_two_contracts_are_in_force(provider):
    _contract(provider, (2022, 4, 1), (2023, 3, 31))
    _contract(provider, (2021, 4, 1), (2024, 3, 31))
    import_spend(spend_csv([X]))
    line = SpendLine.objects.get()
    assert (line.provider, line.contract) == (provider, None)
    assert spend_lines_link_contracts() == 0


def test_a_pipeline_contract_is_not_in_force(provider):
    _contract(provider, (2022, 4, 1), (2023, 3, 31), status=ContractStatus.PIPELINE)
    import_spend(spend_csv([X]))
    assert SpendLine.objects.get().contract is None
    active = _contract(provider, (2022, 1, 1), (2022, 12, 31))
    assert spend_lines_link_contracts() == 1
    assert SpendLine.objects.get().contract == active


def test_unmatched_lines_are_never_linked_to_a_contract():
    ContractFactory()
    import_spend(spend_csv([X]))
    assert spend_lines_link_contracts() == 0
    assert SpendLine.objects.get().contract is None
