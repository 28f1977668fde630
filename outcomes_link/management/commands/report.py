"""`manage.py report NAME`: write one of the committee reports (outcomes_link.reports) as a PDF.

    manage.py report golden-thread [--as-at 2026-03-31] [--output FILE]
    manage.py report contract-review --contract AS18001
    manage.py report directorate-quarterly --directorate ASCH [--quarter "2025-26 Q2"]
    manage.py report local-spend [--financial-year 2025-26]

The report is made as the data stood at the end of the --as-at day (commissioning.as_at), or from
today's data without it. The file is written to --output, or to `<name>-<as-at day>.pdf` in the
current directory; the command prints its name, page count and size.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commissioning import as_at
from commissioning.as_at import AsAtError
from outcomes_link.reports import REPORTS, ReportOptionError

# The options a report may take, as the command spells them.
OPTION_FLAGS = {
    "contract": "--contract",
    "directorate": "--directorate",
    "quarter": "--quarter",
    "financial_year": "--financial-year",
}


def _size(size: int) -> str:
    return f"{size / 1024:,.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MB"


class Command(BaseCommand):
    help = (
        "Write a committee report as a PDF (tagged, with a contents page and bookmarks): golden-thread, "
        "contract-review (--contract REF), directorate-quarterly (--directorate CODE [--quarter '2025-26 Q2']) "
        "or local-spend ([--financial-year 2025-26]), as at a past day with --as-at."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(REPORTS), help="Which report")
        parser.add_argument(
            "--as-at", dest="as_at", help="Show the data as it stood at the end of this day (YYYY-MM-DD)"
        )
        parser.add_argument("--output", help="The file to write (default: <name>-<as-at day>.pdf here)")
        parser.add_argument("--contract", help="contract-review: the contract's reference, e.g. AS18001")
        parser.add_argument("--directorate", help="directorate-quarterly: the directorate's code, e.g. ASCH")
        parser.add_argument(
            "--quarter", help='directorate-quarterly: the quarter, e.g. "2025-26 Q2" (default: the last one ended)'
        )
        parser.add_argument(
            "--financial-year",
            dest="financial_year",
            help="local-spend: the financial year, e.g. 2025-26 (default: all the spend imported)",
        )

    def handle(self, *args, name: str, **options):
        report_class = REPORTS[name]
        given = {key: options.get(key) for key in OPTION_FLAGS if options.get(key) not in (None, "")}
        for key in given:
            if key not in report_class.options:
                takers = " and ".join(code for code, report in sorted(REPORTS.items()) if key in report.options)
                raise CommandError(f"{OPTION_FLAGS[key]} does not apply to {name}: only to {takers}.")
        try:
            day = as_at.parse_as_at(options.get("as_at"))
        except AsAtError as exc:
            raise CommandError(f"--as-at: {exc}") from exc
        output = Path(options["output"]) if options.get("output") else None
        if output is not None and not output.parent.is_dir():
            # Said before the report is made, which can take a while.
            raise CommandError(f"--output: cannot write {output}: there is no folder {output.parent}.")

        with as_at.as_at(day):
            try:
                report = report_class.from_options(**given)
                rendered = report.render()
            except ReportOptionError as exc:
                flag = OPTION_FLAGS.get(exc.option)
                raise CommandError(f"{flag}: {exc.message}" if flag else exc.message) from exc

        path = output or Path(rendered.filename)
        try:
            path.write_bytes(rendered.content)
        except OSError as exc:
            raise CommandError(f"--output: cannot write {path}: {exc.strerror or exc}") from exc
        pages = f"{rendered.pages} page{'s' if rendered.pages != 1 else ''}"
        self.stdout.write(f"Wrote {path}: {pages}, {_size(rendered.size)}.")
