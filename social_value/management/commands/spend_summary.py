"""python manage.py spend_summary [--from DATE] [--to DATE] [--publisher NAME] [--financial-year 2015-16]
[--format table|json|csv]"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from commissioning.templatetags.gt import money
from contracts.choices import Frequency
from contracts.filtersets import SpendLineFilterSet
from contracts.models import SpendPublisher
from contracts.periods import financial_year_label, parse_period
from contracts.selectors import spend_line_list
from social_value.formatters import MONEY, summary_rows, summary_table, tables_csv
from social_value.reports import LocalSpendReport

# The filterset's names for the command's options, for its error messages.
OPTION_NAMES = {
    "date_after": "--from",
    "date_before": "--to",
    "financial_year": "--financial-year",
    "publisher_id": "--publisher",
}


def parse_financial_year(text: str) -> str:
    """'2015-16' (or 2015/16, 2015-2016) as the filterset's year it starts: '2015'."""
    try:
        return str(parse_period(text.strip(), Frequency.ANNUAL).start.year)
    except ValueError:
        raise CommandError(
            f"--financial-year {text!r}: write the council's financial year (April to March) as 2015-16."
        ) from None


class Command(BaseCommand):
    help = (
        "Print the local spend table of the annual report (total spend; spend with Kent-based suppliers, SMEs, "
        "Kent-based SMEs and micro enterprises, VCS organisations; suppliers and Kent-based suppliers) for the spend "
        "lines chosen, filtered as the local spend page filters them. Every figure comes with the spend whose "
        "location, size or sector is not known. JSON money is in pounds as strings with two decimals."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="date_from", metavar="DATE", help="Paid on or after (2015-04-01 or 1/4/2015)"
        )
        parser.add_argument("--to", dest="date_to", metavar="DATE", help="Paid on or before (2016-03-31 or 31/3/2016)")
        parser.add_argument("--publisher", help="Only the spend the named council published")
        parser.add_argument("--financial-year", metavar="YYYY-YY", help="The council's financial year, e.g. 2015-16")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table", help="Default: table")

    def handle(self, *args, date_from=None, date_to=None, publisher=None, financial_year=None, format, **options):
        data = {}
        if date_from:
            data["date_after"] = date_from
        if date_to:
            data["date_before"] = date_to
        if financial_year:
            data["financial_year"] = parse_financial_year(financial_year)
        if publisher:
            found = SpendPublisher.objects.filter(name__iexact=" ".join(publisher.split())).first()
            if found is None:
                known = ", ".join(SpendPublisher.objects.order_by("name").values_list("name", flat=True)) or "none yet"
                raise CommandError(f"There is no spend publisher called {publisher!r}. Publishers: {known}.")
            data["publisher_id"] = str(found.pk)
        given = {"date_after": date_from, "date_before": date_to, "financial_year": financial_year}
        filterset = SpendLineFilterSet(data, queryset=spend_line_list())
        if not filterset.is_valid():
            problems = []
            for name, errors in filterset.errors.items():
                if name == "financial_year":
                    years = [label for value, label in filterset.form.fields[name].choices if value]
                    errors = [f"the financial years are {years[-1]} to {years[0]}."]
                problems.append(f"{OPTION_NAMES.get(name, name)} {given.get(name, '')!r}: {' '.join(errors)}")
            raise CommandError("; ".join(problems))
        cleaned = filterset.form.cleaned_data
        if cleaned.get("date_after") and cleaned.get("date_before") and cleaned["date_after"] > cleaned["date_before"]:
            raise CommandError(f"--from {date_from} is after --to {date_to}: no spend can be in that range.")
        summary = LocalSpendReport(filterset.qs).summary()
        if format == "json":
            self.stdout.write(json.dumps(summary.as_json(), indent=2))
        elif format == "csv":
            self.stdout.write(tables_csv([summary_table(summary)], bom=False).decode("utf-8"), ending="")
        else:
            self._table(summary, self._filters(cleaned, publisher=found if publisher else None))

    def _filters(self, cleaned: dict, publisher) -> list[str]:
        filters = []
        if cleaned.get("financial_year"):
            filters.append(f"financial year {financial_year_label(int(cleaned['financial_year']))}")
        if cleaned.get("date_after"):
            filters.append(f"paid on or after {cleaned['date_after']:%d/%m/%Y}")
        if cleaned.get("date_before"):
            filters.append(f"paid on or before {cleaned['date_before']:%d/%m/%Y}")
        if publisher is not None:
            filters.append(f"published by {publisher.name}")
        return filters

    def _table(self, summary, filters: list[str]) -> None:
        out = self.stdout.write
        out("Local spend" + (f": {'; '.join(filters)}" if filters else ": all spend"))
        if summary.first_payment:
            out(f"{summary.lines:,} lines paid {summary.first_payment:%d/%m/%Y} to {summary.last_payment:%d/%m/%Y}")
        else:
            out("No spend lines.")
        rows = summary_rows(summary)
        width = max(len(r.label) for r in rows) + 2
        amounts = [money(r.value) if r.kind == MONEY else f"{r.value:,}" for r in rows]
        amount_width = max(len(a) for a in amounts) + 2
        out("")
        out(f"{'Figure':<{width}}{'Amount':>{amount_width}}   Share")
        for row, amount in zip(rows, amounts, strict=True):
            share = "" if row.share is None else f"{row.share}% of {row.share_of}"
            out(f"{row.label:<{width}}{amount:>{amount_width}}   {share}".rstrip())
        out("")
        out("Not known (never counted as not local):")
        for label, name in (
            ("Location not known", "unknown_location_spend"),
            ("Size not known", "unknown_size_spend"),
            ("Sector not known", "unknown_sector_spend"),
            ("Supplier not matched to a provider", "unmatched_spend"),
        ):
            share = summary.share(name)
            share_text = "" if share is None else f"{share}% of total spend"
            out(f"  {label:<{width - 2}}{money(summary.pounds(name)):>{amount_width}}   {share_text}".rstrip())
        label = "Suppliers whose location is not known"
        out(f"  {label:<{width - 2}}{summary.unknown_location_suppliers:>{amount_width},}")
