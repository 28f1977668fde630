"""Writes of spend lines: importing a published spend file, rolling an import back, matching
suppliers to providers and remembering the matches people confirm.

The rules (issue 4, Local Government Transparency Code 2015 files):
- One file is one transaction: any bad row rejects the whole file, every problem is named by
  row and field, and the database is left exactly as it was.
- Every line of a file counts. A line is its publisher, transaction number, date, supplier and
  amount, numbered by occurrence; importing the same file again adds nothing, and a file that
  overlaps lines already imported adds only the lines not yet there, counted with multiplicity.
- Suppliers are matched to providers exactly (after normalising the name), then by company or
  charity number. Close names are only ever suggested (contracts.selectors.supplier_suggestions);
  a person's confirmation is remembered as a SupplierAlias.
- A matched line is linked to a contract where the provider has exactly one contract in force on
  the payment date, so spend per contract needs no guessing between contracts.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.db import connection, transaction
from django.db.models import Count, Min, OuterRef, Subquery, Sum
from django.utils import timezone

from commissioning.db import pence_to_pounds
from contracts.choices import ContractStatus
from contracts.importers.spend import (
    MAX_PROBLEMS_SHOWN,
    ColumnPlan,
    SpendColumnsMissing,
    SpendFileError,
    SpendProblem,
    SpendRow,
    find_heading_row,
    open_spend_file,
    plan_columns,
    publisher_column,
    publisher_from_row,
    read_row,
)
from contracts.models import (
    Contract,
    Provider,
    SpendImport,
    SpendImportStatus,
    SpendLine,
    SpendPublisher,
    SpendStagingLine,
    SupplierAlias,
)
from contracts.services.providers import normalise_provider_name, provider_create

BATCH_ROWS = 5000

_STAGED_COLUMNS = (
    "row_number",
    "transaction_number",
    "payment_date",
    "supplier_name",
    "normalised_supplier",
    "amount_pence",
    "service_area",
    "expense_type",
    "capital_revenue",
    "company_number",
    "charity_number",
    "vat_number",
    "vcse_flag",
    "redacted",
)


@dataclass
class SpendImportResult:
    """What an import did (or, for a dry run, would do)."""

    file_name: str
    publisher: str
    sha256: str
    encoding: str
    columns: dict[str, str]
    unused_headings: list[str]
    rows: int = 0
    total_pence: int = 0
    lines_added: int = 0
    added_pence: int = 0
    redacted_lines: int = 0
    matched_lines: int = 0
    first_date: object = None
    last_date: object = None
    dry_run: bool = False
    spend_import: SpendImport | None = None
    previous_import: SpendImport | None = None
    mapping_saved: dict[str, str] = field(default_factory=dict)

    @property
    def lines_already_there(self) -> int:
        return self.rows - self.lines_added

    @property
    def total(self) -> Decimal:
        return pence_to_pounds(self.total_pence)

    @property
    def added(self) -> Decimal:
        return pence_to_pounds(self.added_pence)


def file_sha256(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def _stage(rows: list[SpendRow], spend_import_id: int) -> None:
    """Bulk-insert checked rows into the staging table: COPY on PostgreSQL, executemany elsewhere.

    Bypasses the ORM on purpose: a million-row file is staged in seconds this way, against most
    of a minute through bulk_create.
    """
    table = SpendStagingLine._meta.db_table
    columns = ("spend_import_id",) + _STAGED_COLUMNS
    values = [
        (
            spend_import_id,
            r.row_number,
            r.transaction_number,
            r.payment_date.isoformat(),
            r.supplier_name,
            r.normalised_supplier,
            r.amount_pence,
            r.service_area,
            r.expense_type,
            r.capital_revenue,
            r.company_number,
            r.charity_number,
            r.vat_number,
            r.vcse_flag,
            r.redacted,
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", values)  # noqa: S608


def _provider_sql(line: str) -> str:
    """SQL for the provider a spend line is matched to, over the columns of `line` (a table name
    or alias); NULL when there is none. The rules of spend_lines_match, in its order: a confirmed
    alias; the one provider with exactly that normalised name (two with it is ambiguous: none);
    the provider with the line's Companies House number; then with its charity number. Redacted
    lines are never matched. Each test is one index lookup (the NOT (... = '') terms let SQLite
    use the partial unique indexes on the numbers)."""
    provider, alias = Provider._meta.db_table, SupplierAlias._meta.db_table
    return f"""CASE WHEN {line}.redacted THEN NULL ELSE COALESCE(
        (SELECT a.provider_id FROM {alias} a WHERE a.normalised_name = {line}.normalised_supplier),
        (SELECT CASE WHEN COUNT(*) = 1 THEN MIN(p.id) END FROM {provider} p
          WHERE p.normalised_name = {line}.normalised_supplier AND NOT ({line}.normalised_supplier = '')),
        (SELECT p.id FROM {provider} p
          WHERE p.companies_house_number = {line}.company_number AND NOT (p.companies_house_number = '')),
        (SELECT p.id FROM {provider} p
          WHERE p.charity_number = {line}.charity_number AND NOT (p.charity_number = ''))
    ) END"""  # noqa: S608 - table and column names come from the models


# Lines added at or above this make the planner's statistics of SpendLine stale enough to matter.
ANALYZE_AFTER_LINES = 10_000


def _merge(spend_import: SpendImport) -> int:
    """Move staged lines into SpendLine, numbering identical lines, skipping those the publisher
    already has (same occurrence) and matching each to its provider as it goes in (matching after
    would write every matched line twice). Returns how many lines were added."""
    line, staging = SpendLine._meta.db_table, SpendStagingLine._meta.db_table
    cols = ", ".join(_STAGED_COLUMNS)
    s_cols = ", ".join(f"s.{c}" for c in _STAGED_COLUMNS)
    sql = f"""
        INSERT INTO {line} (spend_import_id, publisher_id, occurrence, {cols}, provider_id)
        SELECT %s, %s, s.occurrence, {s_cols}, {_provider_sql("s")}
        FROM (
            SELECT st.*, ROW_NUMBER() OVER (
                PARTITION BY st.transaction_number, st.payment_date, st.supplier_name, st.amount_pence
                ORDER BY st.row_number
            ) AS occurrence
            FROM {staging} st
            WHERE st.spend_import_id = %s
        ) s
        WHERE NOT EXISTS (
            SELECT 1 FROM {line} l
            WHERE l.publisher_id = %s
              AND l.transaction_number = s.transaction_number
              AND l.payment_date = s.payment_date
              AND l.supplier_name = s.supplier_name
              AND l.amount_pence = s.amount_pence
              AND l.occurrence = s.occurrence
        )
    """  # noqa: S608 - table and column names come from the models, values are parameters
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # Providers may have been added in bulk since autovacuum last looked: a planner that
            # believes there are 48 providers scans them all for each of 200,000 lines.
            cursor.execute(f"ANALYZE {Provider._meta.db_table}, {SupplierAlias._meta.db_table}")
        cursor.execute(sql, [spend_import.pk, spend_import.publisher_id, spend_import.pk, spend_import.publisher_id])
        added = cursor.rowcount
        cursor.execute(f"DELETE FROM {staging} WHERE spend_import_id = %s", [spend_import.pk])  # noqa: S608
        if postgresql and added >= ANALYZE_AFTER_LINES:
            # Autovacuum cannot see lines this transaction has not committed, so the queries that
            # follow (linking contracts, the totals) would be planned for a table without them.
            cursor.execute(f"ANALYZE {line}")
    return added


class _DryRun(Exception):
    pass


def spend_file_import(
    *,
    handle: BinaryIO,
    file_name: str,
    publisher: str = "",
    columns: dict[str, str] | None = None,
    actor=None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SpendImportResult:
    """Import one spend file, all or nothing.

    `publisher` names the council that published it; when blank it is read from the file's
    "Body Name" (or similar) column. `columns` maps fields to headings for columns that are not
    recognised (`{"supplier": "Beneficiary"}`); it is saved for the publisher, so its next files
    need no mapping. `progress(bytes_read, rows_read)` is called after each batch.

    Raises SpendFileError (SpendColumnsMissing when columns must be mapped) naming every bad
    row and field, the first 100 of them with the count of the rest; nothing is written then.
    """
    # A blank choice (a mapping form's "not in this file") maps nothing.
    columns = {name: heading for name, heading in (columns or {}).items() if heading and heading.strip()}
    sha256 = file_sha256(handle)
    spend_file = open_spend_file(handle, file_name)
    # The headings are looked for in the first rows, held here so that none is lost whichever
    # row turns out to be the headings; the rest of the file is streamed after them.
    head, rest = _lookahead(spend_file.rows())
    publisher_name = " ".join((publisher or "").split())
    saved = _saved_mapping(publisher_name)

    found = find_heading_row(iter(head), {**saved, **columns})
    if found is None:
        for _row in rest:  # nothing but blank rows, unless the file could not be read
            pass
        raise SpendFileError([SpendProblem(None, "", "the file has no rows")])
    heading_row, headings = found
    _check_delimiter(heading_row, headings, strict=True)
    if not publisher_name:
        # The publisher is named in the file: read it from the first line now, so the mapping
        # saved for it applies and its next file needs no mapping.
        publisher_name = _publisher_from_first_line(headings, heading_row, head)
        saved = _saved_mapping(publisher_name)
        if saved:
            heading_row, headings = find_heading_row(iter(head), {**saved, **columns})
    rows = itertools.chain((item for item in head if item[0] > heading_row), rest)
    try:
        plan = _plan(headings, heading_row, saved, columns)
    except SpendColumnsMissing:
        _check_delimiter(heading_row, headings, strict=False)
        raise

    result = SpendImportResult(
        file_name=file_name,
        publisher=publisher_name,
        sha256=sha256,
        encoding=spend_file.encoding,
        columns=plan.columns,
        unused_headings=plan.unused_headings,
        dry_run=dry_run,
    )
    try:
        with transaction.atomic():
            _import_rows(result, plan, rows, handle, actor, columns, progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.spend_import = None
    return result


def _plan(headings: list[str], heading_row: int, saved: dict[str, str], columns: dict[str, str]) -> ColumnPlan:
    """The columns, from the person's mapping over the publisher's saved one over recognition."""
    try:
        return plan_columns(headings, heading_row, {**saved, **columns})
    except SpendColumnsMissing:
        raise
    except SpendFileError:
        if columns or not saved:
            raise
        # A saved mapping that no longer fits this publisher's layout is not the user's error.
        return plan_columns(headings, heading_row, {})


_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _check_delimiter(heading_row: int, headings: list[str], *, strict: bool) -> None:
    """Reject a file whose columns are not separated by commas, saying so.

    `strict`: the heading row is one cell holding a separator (a semicolon file read as CSV).
    Otherwise (the columns were not recognised): a separator appears twice or more in at most three
    headings, as in a semicolon file whose headings happen to contain a comma.
    """
    text = ",".join(headings)
    for sep, shown in _SEPARATORS.items():
        if (strict and len(headings) == 1 and sep in text) or (
            not strict and len(headings) <= 3 and text.count(sep) >= 2
        ):
            raise SpendFileError(
                [
                    SpendProblem(
                        heading_row,
                        "",
                        f"the columns are separated by {shown}, not commas: save it as CSV "
                        "(comma-separated) and upload it again",
                    )
                ]
            )


HEADING_SEARCH_ROWS = 10  # non-blank rows find_heading_row looks through


def _lookahead(rows: Iterator[tuple[int, list[str]]]) -> tuple[list, Iterator]:
    """The first rows, up to the first non-blank one after those the headings are looked for in,
    and an iterator over the rest. A read error among the first rows is raised by the rest, in its
    place, so bad rows before it are still reported with it."""
    head: list[tuple[int, list[str]]] = []
    non_blank = 0
    try:
        for number, cells in rows:
            head.append((number, cells))
            if any(c.strip() for c in cells):
                non_blank += 1
                if non_blank > HEADING_SEARCH_ROWS:
                    break
    except SpendFileError as exc:
        return head, _raising(exc)
    return head, rows


def _raising(exc: SpendFileError) -> Iterator[tuple[int, list[str]]]:
    raise exc
    yield  # a generator: raises when read, not when made


def _publisher_from_first_line(headings: list[str], heading_row: int, head: list) -> str:
    """The publisher named on the first line under the headings, if the file has such a column."""
    position = publisher_column(headings)
    if position is None:
        return ""
    for number, cells in head:
        if number > heading_row and any(c.strip() for c in cells):
            return publisher_from_row(cells, ColumnPlan(heading_row, headings, {"publisher": position}))
    return ""


def _saved_mapping(publisher_name: str) -> dict[str, str]:
    if not publisher_name:
        return {}
    found = SpendPublisher.objects.filter(name__iexact=publisher_name).values_list("column_mapping", flat=True).first()
    return dict(found or {})


def _import_rows(result, plan: ColumnPlan, rows, handle, actor, columns: dict[str, str], progress) -> None:
    problems: list[SpendProblem] = []
    problem_count = 0
    batch: list[SpendRow] = []
    spend_import = None
    first_date = last_date = None

    def flush():
        nonlocal batch
        if batch and not problem_count:
            _stage(batch, spend_import.pk)
        batch = []
        if progress:
            progress(_position(handle), result.rows)

    read_errors: list[SpendFileError] = []
    for number, cells in _until_unreadable(rows, read_errors):
        if not any(c.strip() for c in cells):
            continue
        if spend_import is None:
            spend_import = _start_import(result, plan, cells, actor, columns)
        local: list[SpendProblem] = []
        row = read_row(number, cells, plan, local)
        result.rows += 1
        if local:
            problem_count += len(local)
            problems.extend(local[: max(0, MAX_PROBLEMS_SHOWN - len(problems))])
            continue
        result.total_pence += row.amount_pence
        result.redacted_lines += row.redacted
        first_date = row.payment_date if first_date is None or row.payment_date < first_date else first_date
        last_date = row.payment_date if last_date is None or row.payment_date > last_date else last_date
        if not problem_count:
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                flush()
    if read_errors:
        # The file could not be read to its end (cut off inside a quoted field, say): report that
        # along with every bad row found before it, not instead of them.
        unreadable = read_errors[0]
        shown = problems[: max(0, MAX_PROBLEMS_SHOWN - len(unreadable.problems))] + unreadable.problems
        total = problem_count + len(unreadable.problems) + unreadable.more
        raise SpendFileError(shown, more=total - len(shown)) from unreadable
    flush()

    if problem_count:
        raise SpendFileError(problems, more=problem_count - len(problems))
    if spend_import is None:
        raise SpendFileError(
            [SpendProblem(plan.heading_row, "", "the file has headings but no spend lines under them")]
        )

    result.first_date, result.last_date = first_date, last_date
    result.lines_added = _merge(spend_import)
    result.added_pence = spend_import.lines.aggregate(p=Sum("amount_pence"))["p"] or 0
    spend_lines_link_contracts(spend_import=spend_import)  # matched as they went in (_merge)
    result.matched_lines = spend_import.lines.filter(provider__isnull=False).count()
    result.previous_import = (
        SpendImport.objects.filter(file_sha256=result.sha256, status=SpendImportStatus.IMPORTED)
        .exclude(pk=spend_import.pk)
        .select_related("imported_by")
        .order_by("created")
        .first()
    )
    SpendImport.objects.filter(pk=spend_import.pk).update(
        rows=result.rows,
        total_pence=result.total_pence,
        lines_added=result.lines_added,
        added_pence=result.added_pence,
        first_date=first_date,
        last_date=last_date,
    )
    spend_import.refresh_from_db()
    result.spend_import = spend_import


def _until_unreadable(rows, errors: list[SpendFileError]):
    """The rows, stopping where the file cannot be read further; the reason is put in `errors`."""
    try:
        yield from rows
    except SpendFileError as exc:
        errors.append(exc)


def _position(handle) -> int:
    try:
        return handle.tell()
    except (OSError, ValueError):
        return 0


def _start_import(result: SpendImportResult, plan: ColumnPlan, first_cells: list[str], actor, columns) -> SpendImport:
    """Find or create the publisher (named, or read from the first line) and open the import record."""
    name = result.publisher or publisher_from_row(first_cells, plan)
    if not name:
        raise SpendFileError(
            [SpendProblem(None, "", "the file does not say which council published it: give the publisher's name")]
        )
    # Locked for the import's transaction: two imports for one publisher at once would each miss
    # the other's lines and count the same line twice.
    publisher = SpendPublisher.objects.select_for_update().filter(name__iexact=name).order_by("pk").first()
    if publisher is None:
        publisher = SpendPublisher.objects.create(name=name)
    if columns:
        mapping = {**publisher.column_mapping, **columns}
        if mapping != publisher.column_mapping:
            publisher.column_mapping = mapping
            publisher.save(update_fields=["column_mapping", "modified"])
        result.mapping_saved = columns
    result.publisher = publisher.name
    return SpendImport.objects.create(
        publisher=publisher,
        file_name=Path(result.file_name).name[:255],
        file_sha256=result.sha256,
        imported_by=actor,
        encoding=result.encoding,
        columns=plan.columns,
    )


@transaction.atomic
def spend_import_rollback(*, spend_import: SpendImport, actor) -> int:
    """Remove every line this import added, keeping the record of the import and of who rolled it
    back and when. Returns the number of lines removed."""
    spend_import = SpendImport.objects.select_for_update().get(pk=spend_import.pk)
    if spend_import.status == SpendImportStatus.ROLLED_BACK:
        raise SpendFileError([SpendProblem(None, "", "this import has already been rolled back")])
    removed, _ = SpendLine.objects.filter(spend_import=spend_import).delete()
    spend_import.status = SpendImportStatus.ROLLED_BACK
    spend_import.rolled_back_at = timezone.now()
    spend_import.rolled_back_by = actor
    spend_import.save(update_fields=["status", "rolled_back_at", "rolled_back_by", "modified"])
    return removed


# ---------------------------------------------------------------- matching suppliers


@transaction.atomic
def spend_lines_match(*, spend_import: SpendImport | None = None) -> int:
    """Match unmatched, unredacted lines to providers, in one set-based update:

    1. a name a person confirmed (SupplierAlias);
    2. the provider with exactly that normalised name, where only one provider has it;
    3. the provider with the line's Companies House number, then its charity number.
    Then links newly matched lines to the provider's only contract in force on the payment date.
    Returns the number of lines matched. (An import matches its lines as they go in, by the same
    SQL; this is for lines imported before their provider, alias or number was recorded.)
    """
    line = SpendLine._meta.db_table
    provider = _provider_sql(line)
    sql = f"""
        UPDATE {line} SET provider_id = {provider}
        WHERE provider_id IS NULL AND NOT redacted{" AND spend_import_id = %s" if spend_import else ""}
          AND {provider} IS NOT NULL
    """  # noqa: S608 - table and column names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [spend_import.pk] if spend_import else [])
        matched = cursor.rowcount
    spend_lines_link_contracts(spend_import=spend_import)
    return matched


def spend_lines_link_contracts(*, spend_import: SpendImport | None = None, provider: Provider | None = None) -> int:
    """Link matched lines to a contract where the provider has exactly one contract (not in the
    pipeline) in force on the payment date; a provider with two such contracts is left for a
    person, so no spend is put against the wrong contract. Returns the number of lines linked."""
    lines = SpendLine.objects.filter(contract__isnull=True, provider__isnull=False)
    if spend_import is not None:
        lines = lines.filter(spend_import=spend_import)
    if provider is not None:
        lines = lines.filter(provider=provider)
    in_force = (
        Contract.objects.filter(
            provider_id=OuterRef("provider_id"),
            start_date__lte=OuterRef("payment_date"),
            current_end_date__gte=OuterRef("payment_date"),
        )
        .exclude(status=ContractStatus.PIPELINE)
        .order_by()
        .values("provider_id")
        .annotate(n=Count("id"), first=Min("id"))
        .filter(n=1)
        .values("first")
    )
    return (
        lines.filter(provider_id__in=Contract.objects.values("provider_id"))
        .alias(only_contract=Subquery(in_force))
        .filter(only_contract__isnull=False)
        .update(contract_id=Subquery(in_force))
    )


@transaction.atomic
def supplier_alias_confirm(*, name: str, provider: Provider, actor) -> SupplierAlias:
    """A person confirms that spend files' `name` is `provider`: remembered, and every unmatched
    line with that name (in every file so far) is matched to it."""
    normalised = normalise_provider_name(name)[:300]  # as the lines keep it
    if not normalised:
        raise SpendFileError([SpendProblem(None, "supplier", "the supplier name is blank")])
    alias, created = SupplierAlias.objects.get_or_create(
        normalised_name=normalised, defaults={"name": name[:300], "provider": provider, "confirmed_by": actor}
    )
    if not created and alias.provider_id != provider.pk:
        # A correction: the lines the earlier confirmation gave the other provider move too, and
        # lose a contract that was the other provider's.
        SpendLine.objects.filter(normalised_supplier=normalised, provider_id=alias.provider_id).update(
            provider=provider, contract=None
        )
        alias.provider = provider
        alias.confirmed_by = actor
        alias.save(update_fields=["provider", "confirmed_by", "modified"])
    SpendLine.objects.filter(normalised_supplier=normalised, provider__isnull=True, redacted=False).update(
        provider=provider
    )
    spend_lines_link_contracts(provider=provider)
    return alias


@transaction.atomic
def providers_create_from_spend(*, normalised_names: list[str], actor) -> list[Provider]:
    """Create a provider for each unmatched supplier name, in one go, and match its lines.

    Each provider takes the name as the files most often write it, and the company and charity
    numbers the files give for it. Its location, size and sector stay unknown until someone
    records its postcode, staff and legal form, and are shown as unknown, never as not local.
    """
    wanted = sorted({n for n in normalised_names if n})
    facts = (
        SpendLine.objects.filter(normalised_supplier__in=wanted, provider__isnull=True, redacted=False)
        .values("normalised_supplier", "supplier_name", "company_number", "charity_number")
        .annotate(n=Count("id"))
        .order_by()
    )
    names: dict[str, Counter] = {}
    companies: dict[str, Counter] = {}
    charities: dict[str, Counter] = {}
    for row in facts:
        key = row["normalised_supplier"]
        names.setdefault(key, Counter())[row["supplier_name"]] += row["n"]
        if row["company_number"]:
            companies.setdefault(key, Counter())[row["company_number"]] += row["n"]
        if row["charity_number"]:
            charities.setdefault(key, Counter())[row["charity_number"]] += row["n"]
    taken_companies = set(
        Provider.objects.exclude(companies_house_number="").values_list("companies_house_number", flat=True)
    )
    taken_charities = set(Provider.objects.exclude(charity_number="").values_list("charity_number", flat=True))
    created = []
    for key in wanted:
        if key not in names:
            continue
        company = companies[key].most_common(1)[0][0] if key in companies else ""
        charity = charities[key].most_common(1)[0][0] if key in charities else ""
        provider = provider_create(
            actor=actor,
            reason="Created from unmatched spend-file supplier",
            name=names[key].most_common(1)[0][0],
            companies_house_number="" if company in taken_companies else company,
            charity_number="" if charity in taken_charities else charity,
        )
        taken_companies.add(provider.companies_house_number)
        taken_charities.add(provider.charity_number)
        SpendLine.objects.filter(normalised_supplier=key, provider__isnull=True, redacted=False).update(
            provider=provider
        )
        created.append(provider)
    # A provider made here has no contracts yet, so there is nothing to link its lines to.
    return created
