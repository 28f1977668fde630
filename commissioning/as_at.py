"""As at a date: any page, API read or report shows the data as it stood at the end of a past day.

A committee paper must be reproducible exactly as it was ("We will deliver an annual report on
our progress to County Council", Strategic Statement 2015-2020), so a member, an auditor or an
officer can ask for any page with `?as_at=2026-03-31`, or run `manage.py report ... --as-at`.

How it works. Every domain model keeps its history (django-simple-history). For the length of
one request or one report, inside a transaction that is always rolled back, each such model's
table is shadowed by a TEMPORARY table of the same name holding each object's last historical
version before midnight at the end of that day (the rows `Model.history.as_of()` gives, minus
the deleted ones), and each history table (and the spend lines) by a temporary view of its
records up to then. SQLite and PostgreSQL both
look an unqualified table name up among the connection's temporary tables first, so every
selector, page, API view and report runs unchanged, with no second code path to drift.
`today()` is the as-at day, so "this quarter", "ending within 12 months" and "deductions this
year" are as they were then too.

Tables without history are read as follows: spend lines and imports as imported by then (an
import rolled back later shows only if its lines are still held); everything else (users,
postcodes, the social value catalogue's themes, supplier aliases) as it is today.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import hashlib
import re
from collections.abc import Iterator

from django.apps import apps
from django.db import connections, models, transaction
from django.utils import timezone

# The apps whose models are shadowed; the framework's own (auth, sessions) are read live.
DOMAIN_APPS = ("commissioning", "contracts", "social_value", "outcomes_link")
# The earliest day anyone may ask for: before the first strategic statement this product holds.
EARLIEST = datetime.date(2000, 1, 1)

_as_at: contextvars.ContextVar[datetime.date | None] = contextvars.ContextVar("as_at", default=None)


class AsAtError(ValueError):
    """An as-at date that cannot be shown (in the future, or before EARLIEST)."""


def as_at_date() -> datetime.date | None:
    """The day the current request or report is shown as at, or None for today's live data."""
    return _as_at.get()


def today() -> datetime.date:
    """Today, or the as-at day while one is in force. Every read that depends on the date uses this."""
    return _as_at.get() or timezone.localdate()


def parse_as_at(value: str | datetime.date | None) -> datetime.date | None:
    """An as-at day from a query string or option: YYYY-MM-DD, not in the future. Blank means today."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise AsAtError(f"“{value}” is not a date: give it as YYYY-MM-DD, e.g. 2026-03-31.") from exc
    if day > timezone.localdate():
        raise AsAtError(f"{day:%-d %B %Y} is in the future: data can only be shown as it stood on a past day.")
    if day < EARLIEST:
        raise AsAtError(f"Data can only be shown as at {EARLIEST:%-d %B %Y} or later.")
    return day


def end_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of `day` in the council's time zone: changes before it count."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


@contextlib.contextmanager
def as_at(day: datetime.date | None, *, using: str = "default") -> Iterator[datetime.date | None]:
    """Run the block with the data as it stood at the end of `day` (None or today: live data).

    Everything the block writes is rolled back with the shadow tables: an as-at view is read-only.
    """
    day = parse_as_at(day)
    if day is None or day >= timezone.localdate():
        yield None
        return
    token = _as_at.set(day)
    try:
        with transaction.atomic(using=using):
            _shadow_tables(connections[using], end_of_day(day))
            try:
                yield day
            finally:
                transaction.set_rollback(True, using=using)
    finally:
        _as_at.reset(token)


# --- The shadow tables ----------------------------------------------------------------------


def _history_models() -> list[tuple[type[models.Model], type[models.Model]]]:
    """(model, its historical model) for every domain model with a history."""
    pairs = []
    for model in apps.get_models():
        if model._meta.app_label not in DOMAIN_APPS or model.__name__.startswith("Historical"):
            continue
        manager = getattr(model, "history", None)
        if manager is not None and hasattr(manager, "model"):
            pairs.append((model, manager.model))
    return pairs


def _schema(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            return cursor.fetchone()[0]
    return "main"


def _index_name(table: str, column: str) -> str:
    digest = hashlib.sha256(f"{table}.{column}".encode()).hexdigest()[:10]
    return f"gt_asat_{digest}"


def _cut_literal(connection, cut: datetime.datetime) -> str:
    """The cut as an SQL literal, for the views (a view cannot take a parameter). Built from a
    datetime, never from user text, and checked to hold only the characters of a timestamp."""
    if connection.vendor == "postgresql":
        text, suffix = cut.isoformat(), "::timestamptz"
    else:
        text, suffix = str(connection.ops.adapt_datetimefield_value(cut)), ""
    if not re.fullmatch(r"[0-9:. +T-]+", text):
        raise ValueError(f"Not a timestamp: {text!r}")
    return f"'{text}'{suffix}"


def _shadow_tables(connection, cut: datetime.datetime) -> None:
    # Every table and column name below comes from the model registry and is quoted; the one
    # value, the cut, is a query parameter (or, in a view, a checked literal).
    #
    # The objects' tables become temporary TABLES (indexed, with a primary key, since pages group
    # by it); the history tables and the spend lines, large and read only in part, become
    # temporary VIEWS, which cost nothing until a page reads them.
    qn = connection.ops.quote_name
    schema = qn(_schema(connection))
    cut_param = connection.ops.adapt_datetimefield_value(cut)
    cut_sql = _cut_literal(connection, cut)
    statements: list[tuple[str, list]] = []
    indexed: list[tuple[str, list[str]]] = []

    for model, historical in _history_models():
        live, hist = model._meta.db_table, historical._meta.db_table
        pk = model._meta.pk.column
        columns = [f.column for f in model._meta.concrete_fields]
        cols = ", ".join(qn(c) for c in columns)
        # Each object's latest version before the cut; an object whose latest record is a
        # deletion ("-") did not exist then.
        statements.append(
            (
                f"CREATE TEMPORARY TABLE {qn(live)} AS SELECT {cols} FROM ("  # noqa: S608
                f"SELECT {cols}, history_type, ROW_NUMBER() OVER ("
                f"PARTITION BY {qn(pk)} ORDER BY history_date DESC, history_id DESC) AS gt_rank "
                f"FROM {schema}.{qn(hist)} WHERE history_date < %s) latest "
                f"WHERE gt_rank = 1 AND history_type <> '-'",
                [cut_param],
            )
        )
        indexed.append((live, [pk] + [f.column for f in model._meta.concrete_fields if f.is_relation]))
        statements.append(
            (
                f"CREATE TEMPORARY VIEW {qn(hist)} AS SELECT * FROM {schema}.{qn(hist)} "  # noqa: S608
                f"WHERE history_date < {cut_sql}",
                [],
            )
        )

    # Spend lines carry no history: they count from the day their import was made.
    SpendImport = apps.get_model("contracts", "SpendImport")
    SpendLine = apps.get_model("contracts", "SpendLine")
    imports, lines = SpendImport._meta.db_table, SpendLine._meta.db_table
    statements.append(
        (
            f"CREATE TEMPORARY TABLE {qn(imports)} AS SELECT * FROM {schema}.{qn(imports)} WHERE created < %s",  # noqa: S608
            [cut_param],
        )
    )
    statements.append(
        (
            f"CREATE TEMPORARY VIEW {qn(lines)} AS SELECT l.* FROM {schema}.{qn(lines)} l "  # noqa: S608
            f"WHERE l.spend_import_id IN (SELECT id FROM {schema}.{qn(imports)} WHERE created < {cut_sql})",
            [],
        )
    )
    indexed.append((imports, ["id", "publisher_id"]))

    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
        for table, columns in indexed:
            primary_key, *others = columns
            if connection.vendor == "postgresql":
                # Django groups by the primary key alone and selects the other columns, which
                # PostgreSQL allows only where the key is declared.
                cursor.execute(f"ALTER TABLE {qn(table)} ADD PRIMARY KEY ({qn(primary_key)})")
            else:
                cursor.execute(
                    f"CREATE UNIQUE INDEX {qn(_index_name(table, primary_key))} ON {qn(table)} ({qn(primary_key)})"
                )
            for column in dict.fromkeys(others):
                if column != primary_key:
                    cursor.execute(f"CREATE INDEX {qn(_index_name(table, column))} ON {qn(table)} ({qn(column)})")
        if connection.vendor == "postgresql":
            # Temporary tables are never analysed automatically; without statistics the planner
            # guesses badly on joins across them.
            for table, _ in indexed:
                cursor.execute(f"ANALYZE {qn(table)}")
