#!/usr/bin/env python
"""Benchmark the spend-file import and the local spend report at a million rows (issue 4).

    .venv/bin/python bench/spend_import.py                      # 1,000,000 rows, throwaway SQLite file
    .venv/bin/python bench/spend_import.py --rows 100000
    .venv/bin/python bench/spend_import.py --database-url postgres://postgres@127.0.0.1:5432/gt_bench
    .venv/bin/python bench/spend_import.py --profile            # cProfile the first import

It generates a spend file in a real publishing layout (Transparency Code headings, UK dates,
amounts with thousands separators, credits in brackets or with a minus sign, about 12,000
suppliers with a long tail, invoices paid over several lines under one transaction number, some
identical lines, redacted payments to individuals) in a temporary directory, creates a throwaway
database, migrates it and adds about 3,000 classified providers so suppliers are matched as in
use. It then times:

1. the import (contracts.services.spend_file_import), in rows per second;
2. the same file again, which must add nothing;
3. the summary: LocalSpendReport.summary() and .breakdown("month").

and prints peak memory: the process's maximum resident set size (getrusage), and with
--tracemalloc the peak of Python allocations during the import (tracemalloc slows the import
down, so its timing is not comparable). Nothing is left behind: the temporary directory is
removed and a PostgreSQL database the script created is dropped (--keep keeps both).

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime
import io
import os
import pstats
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent

HEADINGS = ["Body Name", "Service Area", "Expense Type", "Payment Date", "Transaction Number", "Net Amount",
            "Supplier Name", "Capital / Revenue"]  # fmt: skip
PUBLISHER = "Kent County Council"
REDACTED = ("Redacted Personal Information", "REDACTED", "Redacted - Personal Data")

SERVICE_AREAS = {
    "Adult Social Care and Health": ["Residential Care", "Nursing Care", "Homecare", "Direct Payments",
                                     "Supported Living", "Day Care", "Equipment"],
    "Children, Young People and Education": ["Foster Care", "Independent Fostering Agencies", "SEN Transport",
                                             "School Grants", "Residential Placements", "Early Help"],
    "Growth, Environment and Transport": ["Highways Maintenance", "Street Lighting", "Waste Disposal",
                                          "Bus Subsidies", "Concessionary Fares", "Consultancy"],
    "Strategic and Corporate Services": ["ICT Software", "ICT Hardware", "Facilities Management", "Legal Fees",
                                         "Audit Fees", "Agency Staff", "Stationery"],
    "Public Health": ["Sexual Health", "Health Visiting", "Substance Misuse", "Stop Smoking"],
}  # fmt: skip
_PREFIXES = [
    "Kent",
    "Medway",
    "Weald",
    "Garden",
    "Channel",
    "Invicta",
    "Downs",
    "Orchard",
    "Maidstone",
    "Ashford",
    "Canterbury",
    "Thanet",
    "Dover",
    "Swale",
    "Sevenoaks",
    "Tonbridge",
    "Folkestone",
    "Gravesham",
    "Dartford",
    "Romney",
    "Oak",
    "Beacon",
    "Harbour",
    "Castle",
    "Meadow",
    "Riverside",
    "Hilltop",
    "North",
    "South",
    "East",
    "West",
    "Coastal",
    "Valley",
    "Abbey",
    "Bridge",
    "Elm",
    "Willow",
    "Cedar",
    "Chalk",
    "Marsh",
]
_MIDDLES = [
    "Care",
    "Homecare",
    "Highways",
    "Transport",
    "Taxis",
    "Cleaning",
    "Catering",
    "Consulting",
    "Building",
    "Electrical",
    "Plumbing",
    "Landscapes",
    "Print",
    "IT Services",
    "Training",
    "Security",
    "Waste",
    "Recycling",
    "Nursing",
    "Support",
    "Youth",
    "Foster",
    "Legal",
    "Surveys",
    "Fencing",
    "Roofing",
    "Solutions",
    "Health",
    "Learning",
    "Community",
]
_SUFFIXES = ["Ltd", "Limited", "LTD", "Ltd.", "PLC", "& Co", "and Sons", "Trust", "Charity", "CIC", "LLP",
             "Services Ltd", "Group Ltd", "Association", "Partnership", ""]  # fmt: skip


def supplier_names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        name = " ".join(p for p in (rng.choice(_PREFIXES), rng.choice(_MIDDLES), rng.choice(_SUFFIXES)) if p)
        if rng.random() < 0.35:
            name = f"{name} {rng.randint(1, 999)}" if rng.random() < 0.5 else f"{rng.choice(_PREFIXES)} {name}"
        names.add(name)
    return sorted(names)


def money(pence: int, rng: random.Random) -> str:
    """As files publish it: 1234.5 or 1,234.50, with credits as -12.00 or (12.00)."""
    pounds = f"{abs(pence) / 100:,.2f}" if rng.random() < 0.6 else f"{abs(pence) / 100:.2f}"
    if pence >= 0:
        return pounds
    return f"({pounds})" if rng.random() < 0.5 else f"-{pounds}"


def generate(path: Path, rows: int, suppliers: list[str], seed: int) -> tuple[int, int]:
    """Write the spend file; returns (rows, total pence) as an independent check of the import."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible file, not a secret
    areas = list(SERVICE_AREAS)
    # A long tail: a few suppliers take many lines (Zipf-like weights, shuffled so big ones vary).
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(suppliers))]
    order = suppliers[:]
    rng.shuffle(order)
    start = datetime.date(2015, 4, 1)
    days = (datetime.date(2017, 3, 31) - start).days + 1
    total = written = 0
    transaction_number = 4_100_000
    picked = iter(())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADINGS)
        previous: list[str] | None = None
        previous_pence = 0
        while written < rows:
            if previous is not None and rng.random() < 0.004:
                # An identical line: every line counts, so it is imported twice.
                writer.writerow(previous)
                total += previous_pence
                written += 1
                continue
            transaction_number += rng.randint(1, 3)
            day = start + datetime.timedelta(days=rng.randrange(days))
            date = day.strftime("%d/%m/%Y")
            if rng.random() < 0.04:
                supplier = rng.choice(REDACTED)
                area = areas[0]
            else:
                supplier = next(picked, None)
                if supplier is None:
                    picked = iter(rng.choices(order, weights, k=10_000))
                    supplier = next(picked)
                area = rng.choice(areas)
            # One invoice is often paid over several lines under one transaction number.
            for _ in range(min(rng.choice((1, 1, 1, 1, 2, 2, 3, 4)), rows - written)):
                pence = int(rng.lognormvariate(11, 1.6))
                if rng.random() < 0.03:
                    pence = -pence
                expense = rng.choice(SERVICE_AREAS[area])
                cap_rev = "C" if rng.random() < 0.08 else "R"
                previous = [PUBLISHER, area, expense, date, str(transaction_number), money(pence, rng), supplier,
                            cap_rev]  # fmt: skip
                previous_pence = pence
                writer.writerow(previous)
                total += pence
                written += 1
    return written, total


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def postgres_database(url: str, *, create: bool, replace: bool = False) -> None:
    """Create (or drop) the database a PostgreSQL URL names, through the server's postgres database."""
    import psycopg  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme.replace("postgresql", "postgres"), parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if create:
            if exists and not replace:
                sys.exit(f"The database {name} already exists: drop it, or pass --replace to let the bench do so.")
            if exists:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        elif exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def add_providers(suppliers: list[str], rng: random.Random) -> int:
    """About a quarter of the suppliers as providers, classified as the council's are (63% Kent)."""
    from contracts.choices import Location, Sector, SizeBand  # noqa: PLC0415
    from contracts.models import Provider  # noqa: PLC0415
    from contracts.services import normalise_provider_name  # noqa: PLC0415

    chosen = rng.sample(suppliers, len(suppliers) // 4)
    seen: set[str] = set()
    providers = []
    for name in chosen:
        normalised = normalise_provider_name(name)
        if normalised in seen:
            continue
        seen.add(normalised)
        providers.append(
            Provider(
                name=name,
                normalised_name=normalised,
                location=rng.choices([Location.LOCAL, Location.OUTSIDE, Location.UNKNOWN], [63, 32, 5])[0],
                size=rng.choices(
                    [SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE, SizeBand.UNKNOWN],
                    [30, 30, 15, 15, 10],
                )[0],
                sector=rng.choices([Sector.PRIVATE, Sector.VCS, Sector.PUBLIC, Sector.UNKNOWN], [70, 20, 5, 5])[0],
            )
        )
    Provider.objects.bulk_create(providers, batch_size=2000)
    return len(providers)


def timed(label: str, func):
    began = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - began
    print(f"{label:<34}{seconds:8.2f} s   peak RSS {maxrss_mb():7.0f} MB", flush=True)
    return value, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Lines in the generated file (1,000,000)")
    parser.add_argument("--suppliers", type=int, default=12_000, help="Distinct supplier names (12,000)")
    parser.add_argument("--database-url", help="A PostgreSQL database to create, use and drop (default: SQLite)")
    parser.add_argument("--replace", action="store_true", help="Drop the PostgreSQL database first if it exists")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import and print the top calls")
    parser.add_argument("--tracemalloc", action="store_true", help="Also measure the Python allocation peak")
    parser.add_argument(
        "--slow-queries", type=float, metavar="SECONDS", help="Print each query of the imports taking this long or more"
    )
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory and database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="gt_spend_bench_"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    postgres = database_url.startswith(("postgres://", "postgresql://"))
    if postgres:
        postgres_database(database_url, create=True, replace=args.replace)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "commissioning.settings.test"  # DEBUG off: no query log
    sys.path.insert(0, str(REPO))
    try:
        run(args, workdir, postgres)
    finally:
        if not args.keep:
            from django.db import connections  # noqa: PLC0415

            connections.close_all()
            if postgres:
                postgres_database(database_url, create=False)
            for path in sorted(workdir.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            workdir.rmdir()
        else:
            print(f"Kept {workdir}" + (f" and {database_url}" if postgres else ""))


def run(args, workdir: Path, postgres: bool) -> None:
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from contracts.models import SpendLine  # noqa: PLC0415
    from contracts.services import spend_file_import  # noqa: PLC0415
    from social_value.reports import LocalSpendReport  # noqa: PLC0415

    rng = random.Random(args.seed)  # noqa: S311 - reproducible, not a secret
    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    suppliers = supplier_names(args.suppliers, rng)
    path = workdir / "kcc_spend_2015-17.csv"
    (rows, total_pence), _ = timed(
        f"Generate {args.rows:,} rows", lambda: generate(path, args.rows, suppliers, args.seed)
    )
    print(f"  {path.stat().st_size / 1e6:.1f} MB, £{total_pence / 100:,.2f}")
    timed("Migrate", lambda: call_command("migrate", verbosity=0))
    count, _ = timed("Add providers", lambda: add_providers(suppliers, rng))
    print(f"  {count:,} providers")

    def do_import():
        with path.open("rb") as handle, connection.execute_wrapper(slow_queries):
            return spend_file_import(handle=handle, file_name=path.name, publisher=PUBLISHER)

    def slow_queries(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - began
            if args.slow_queries is not None and seconds >= args.slow_queries:
                print(f"  [{seconds:7.2f} s] {' '.join(sql.split())[:400]}", flush=True)

    profiler = cProfile.Profile() if args.profile else None
    if args.tracemalloc:
        tracemalloc.start()
    if profiler:
        profiler.enable()
    result, seconds = timed("Import", do_import)
    if profiler:
        profiler.disable()
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  Python allocation peak (tracemalloc): {peak / 1e6:.1f} MB")
    print(
        f"  {result.rows / seconds:,.0f} rows/s; {result.lines_added:,} lines added, {result.matched_lines:,} matched"
    )
    check = "matches" if (result.rows, result.total_pence) == (rows, total_pence) else "DOES NOT MATCH"
    print(f"  rows {result.rows:,}, total £{result.total_pence / 100:,.2f}: {check} the generated file")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(out.getvalue())

    again, seconds = timed("Import again", do_import)
    print(f"  {again.rows / seconds:,.0f} rows/s; {again.lines_added:,} lines added (must be 0)")

    lines = SpendLine.objects.all()
    summary, _ = timed("Summary", lambda: LocalSpendReport(lines).summary())
    print(
        f"  {summary.lines:,} lines, total £{summary.total_spend / 100:,.2f}; Kent £{summary.kent_spend / 100:,.2f}"
        f" ({summary.kent_share}%); {summary.suppliers:,} suppliers, {summary.kent_suppliers:,} Kent-based"
    )
    months, _ = timed("Breakdown by month", lambda: LocalSpendReport(lines).breakdown("month"))
    print(f"  {len(months)} months")
    print(f"Peak memory (max RSS of this process): {maxrss_mb():.0f} MB")
    if again.lines_added or check != "matches":
        sys.exit(1)


if __name__ == "__main__":
    main()
