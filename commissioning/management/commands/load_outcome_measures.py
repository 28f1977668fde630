from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from commissioning.services import DEFAULT_OUTCOME_MEASURES_FILE, outcome_measures_load


class Command(BaseCommand):
    help = (
        "Load the outcome measures of each supporting outcome's basket, with the values and directions of travel "
        "a report published, from CSV. Without FILE, loads the 73 measures of KCC's Strategic Statement Annual "
        "Report 2016 into the default framework. All or nothing; loading twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_OUTCOME_MEASURES_FILE))
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing")

    def handle(self, *args, file, dry_run, **options):
        try:
            result = outcome_measures_load(path=file, dry_run=dry_run)
        except (ValidationError, OSError) as exc:
            raise CommandError("\n".join(getattr(exc, "messages", [str(exc)]))) from exc
        prefix = "Checked only, nothing written: would have " if dry_run else ""
        self.stdout.write(
            f"{prefix}{'c' if dry_run else 'C'}reated {result.created}, updated {result.updated}, "
            f"left {result.unchanged} unchanged (outcome measures and their published values)."
        )
