"""Reading spend lines, imports, publishers and unmatched suppliers (issue 4): the joins are the
selectors' (a fixed number of queries whatever the rows), and close names are only suggested."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import SpendLine
from contracts.selectors.spend import (
    SUGGESTION_SCORE,
    SUGGESTIONS_PER_SUPPLIER,
    spend_import_get,
    spend_import_list,
    spend_line_list,
    spend_publisher_list,
    supplier_suggestions,
    unmatched_suppliers,
    unmatched_suppliers_queryset,
)
from contracts.services import spend_import_rollback
from tests.contracts.factories import ContractFactory, ProviderFactory, import_spend, spend_csv

pytestmark = pytest.mark.django_db


def _lines(n: int, start: int = 0, supplier: str = "Supplier {n}") -> list[tuple]:
    return [("2022-05-03", f"T{i}", supplier.format(n=i), f"{i + 1}.00") for i in range(start, start + n)]


def _queries(read) -> int:
    with CaptureQueriesContext(connection) as ctx:
        read()
    return len(ctx.captured_queries)


def _touch_lines():
    return [
        (
            line.publisher.name,
            line.provider and line.provider.name,
            line.contract_id and line.contract.reference,
            line.spend_import.file_name,
        )
        for line in spend_line_list()
    ]


def test_spend_line_list_reads_lines_with_their_publisher_provider_contract_and_import_in_one_query(procurement):
    provider = ProviderFactory(name="Supplier 0")
    ContractFactory(provider=provider, start_date=datetime.date(2022, 4, 1), end_date=datetime.date(2023, 3, 31))
    import_spend(spend_csv(_lines(2)), actor=procurement)
    assert SpendLine.objects.filter(contract__isnull=False).count() == 1
    with_two = _queries(_touch_lines)

    import_spend(spend_csv(_lines(10, start=2), publisher="Medway Council"), actor=procurement)
    assert SpendLine.objects.count() == 12
    assert _queries(_touch_lines) == with_two == 1


def _touch_imports():
    return [
        (i.publisher.name, i.imported_by and i.imported_by.username, i.rolled_back_by and i.rolled_back_by.username)
        for i in spend_import_list()
    ]


def test_spend_import_list_reads_imports_with_publisher_and_people_in_one_query(procurement, admin_user):
    first = import_spend(spend_csv(_lines(1)), actor=procurement)
    import_spend(spend_csv(_lines(1, start=1)), actor=procurement)
    spend_import_rollback(spend_import=first.spend_import, actor=admin_user)
    with_two = _queries(_touch_imports)

    for n in range(10):
        import_spend(spend_csv(_lines(1, start=10 + n), publisher=f"Council {n % 3}"), actor=procurement)
    assert spend_import_list().count() == 12
    assert _queries(_touch_imports) == with_two == 1
    # Newest first.
    assert list(spend_import_list().values_list("pk", flat=True)) == sorted(
        spend_import_list().values_list("pk", flat=True), reverse=True
    )


def test_spend_import_get_and_publisher_list(procurement):
    result = import_spend(spend_csv(_lines(1), publisher="Kent County Council"), actor=procurement)
    import_spend(spend_csv(_lines(1), publisher="Bexley Council"))
    found = spend_import_get(result.spend_import.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert (found.publisher.name, found.imported_by) == ("Kent County Council", procurement)
    assert len(ctx.captured_queries) == 0
    assert [p.name for p in spend_publisher_list()] == ["Bexley Council", "Kent County Council"]


def test_unmatched_suppliers_are_grouped_by_name_largest_first_without_matched_or_redacted_spend():
    ProviderFactory(name="Matched Ltd")
    content = (
        b"Body Name,Payment Date,Supplier Name,Net Amount,Company Number\n"
        b"Kent County Council,2022-05-03,Small Firm Ltd,10.00,\n"
        b"Kent County Council,2022-05-01,Big Firm Ltd,900.00,1234567\n"
        b"Kent County Council,2022-05-09,BIG FIRM LIMITED,100.00,\n"
        b"Kent County Council,2022-05-04,Matched Ltd,5000.00,\n"
        b"Kent County Council,2022-05-04,Redacted Personal Information,7000.00,\n"
        b"Kent County Council,2022-05-04,Refund Ltd,-20.00,\n"
    )
    import_spend(content)

    rows = list(unmatched_suppliers_queryset())

    assert [(r["normalised_supplier"], r["lines"], r["total_pence"]) for r in rows] == [
        ("big firm", 2, 100000),
        ("small firm", 1, 1000),
        ("refund", 1, -2000),
    ]
    big = rows[0]
    assert big["company_number"] == "01234567"
    assert (big["first_date"], big["last_date"]) == (datetime.date(2022, 5, 1), datetime.date(2022, 5, 9))
    assert big["name"] in {"Big Firm Ltd", "BIG FIRM LIMITED"}
    # Restricted to some lines (a filtered list, one publisher or import).
    assert list(
        unmatched_suppliers_queryset(SpendLine.objects.filter(amount_pence__lt=0)).values_list(
            "normalised_supplier", flat=True
        )
    ) == ["refund"]


def test_close_names_are_suggested_with_scores_and_nothing_is_linked():
    near = ProviderFactory(name="Acme Care Services Ltd")
    also_near = ProviderFactory(name="Acme Care Service Group Ltd")
    ProviderFactory(name="Completely Different Holdings")
    import_spend(spend_csv([("2022-05-03", "1", "Acme Care Service Ltd", "10.00")]))

    [supplier] = unmatched_suppliers(list(unmatched_suppliers_queryset()))

    assert supplier.normalised_name == "acme care service"
    assert supplier.lines == 1
    assert str(supplier.total) == "10.00"
    assert supplier.suggestions
    assert supplier.suggestions[0].provider_id == near.pk
    assert supplier.suggestions[0].provider_name == "Acme Care Services Ltd"
    assert all(s.score >= SUGGESTION_SCORE for s in supplier.suggestions)
    assert {s.provider_id for s in supplier.suggestions} <= {near.pk, also_near.pk}
    assert SpendLine.objects.get().provider is None


def test_an_ambiguous_exact_name_is_suggested_twice_for_a_person_to_choose():
    one = ProviderFactory(name="Acme Care Ltd")
    two = ProviderFactory(name="ACME CARE LIMITED")
    import_spend(spend_csv([("2022-05-03", "1", "Acme Care Ltd", "10.00")]))
    [supplier] = unmatched_suppliers(list(unmatched_suppliers_queryset()))
    assert {(s.provider_id, s.score) for s in supplier.suggestions} == {(one.pk, 100), (two.pk, 100)}


def test_suggestions_are_capped_and_cost_one_query_whatever_the_number_of_names():
    for n in range(5):
        ProviderFactory(name=f"Acme Care {'ABCDE'[n]} Ltd")
    assert _queries(lambda: supplier_suggestions(["acme care a"])) == 1
    found = supplier_suggestions([f"acme care {c}" for c in "abcdefghijkl"])
    assert all(len(hits) <= SUGGESTIONS_PER_SUPPLIER for hits in found.values())
    assert _queries(lambda: supplier_suggestions([f"acme care {c}" for c in "abcdefghijkl"])) == 1
    assert supplier_suggestions([]) == {}


def test_unmatched_suppliers_page_costs_the_same_queries_for_2_or_12_names():
    ProviderFactory(name="Supplier 1 Holdings")
    import_spend(spend_csv(_lines(2)))
    with_two = _queries(lambda: unmatched_suppliers(list(unmatched_suppliers_queryset())))
    import_spend(spend_csv(_lines(10, start=2)))
    assert unmatched_suppliers_queryset().count() == 12
    assert _queries(lambda: unmatched_suppliers(list(unmatched_suppliers_queryset()))) == with_two == 2
