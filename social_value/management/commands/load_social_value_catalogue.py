"""`manage.py load_social_value_catalogue [FILE] [--dry-run]`: import a measures catalogue."""

from django.core.management.base import BaseCommand, CommandError

from social_value.services import DEFAULT_CATALOGUE_FILE, catalogue_import


class Command(BaseCommand):
    help = (
        "Import a social value measures catalogue (themes, outcomes, measures, proxy values) from CSV or Excel. "
        "Without FILE, loads the default catalogue (Social Value Model themes, proxy values only where a public "
        "source is cited). All or nothing; loading the same file twice changes nothing. A council that holds a "
        "National TOMs licence can import its own catalogue in the same format."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_CATALOGUE_FILE), help="A .csv or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, saving nothing")

    def handle(self, *args, file, dry_run, **options):
        try:
            result = catalogue_import(handle_or_path=file, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(result.summary())
        for label, counts in result.counts():
            self.stdout.write(
                f"{label.capitalize()}: {counts.created} created, {counts.updated} updated, "
                f"{counts.unchanged} unchanged."
            )
        for change in result.proxy_changes:
            self.stdout.write(f"Proxy value changed: {change}.")
        if dry_run:
            self.stdout.write("Check only: nothing was saved.")
        elif not result.changed_anything:
            self.stdout.write("The catalogue is already up to date; nothing was changed.")
        else:
            self.stdout.write(f"Imported {result.file_name}.")
