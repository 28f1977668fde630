"""`manage.py import_outcome_measure_values FILE [--dry-run] [--reason ...]`: officers' values of outcome measures."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from outcomes_link.importers import measure_values_import


class Command(BaseCommand):
    help = (
        "Import values of outcome measures from a CSV file or Excel workbook with the columns measure code, "
        "period, period end, value and, if you like, national average and note. All or nothing: every problem "
        "is reported by row and column. Importing the same file again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing")
        parser.add_argument("--reason", default="", help="Why the values are imported; recorded in the history")

    def handle(self, *args, file, dry_run, reason, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}.") from exc
        result = measure_values_import(content=content, filename=path.name, reason=reason, dry_run=dry_run)
        if result.errors:
            lines = [str(e) for e in result.errors]
            raise CommandError(f"Nothing imported from {path.name}:\n" + "\n".join(lines))
        self.stdout.write(("Checked only, nothing written: " if dry_run else "") + result.summary)
