"""python manage.py import_returns FILE --user USERNAME [--dry-run] [--draft] [--reason TEXT]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contracts.importers.returns import returns_import_file


class Command(BaseCommand):
    help = (
        "Import KPI returns from a provider's CSV or Excel file, all or nothing, as the named user "
        "(a commissioner imports only their own directorate's returns). Re-importing a file adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file: contract reference, KPI, period, value, commentary")
        parser.add_argument("--user", required=True, help="Username of the person importing (attributed in history)")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show what would change")
        parser.add_argument("--draft", action="store_true", help="Save the returns as drafts instead of submitting")
        parser.add_argument("--reason", default="", help="Why: needed to change returns already accepted")

    def handle(self, *args, file, user, dry_run, draft, reason, **options):
        try:
            actor = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"There is no user '{user}'.") from exc
        if not actor.has_perm("contracts.add_kpireturn"):
            raise CommandError(f"{user}'s role does not allow importing KPI returns.")
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        result = returns_import_file(
            content=content, filename=path.name, actor=actor, submit=not draft, dry_run=dry_run, reason=reason
        )
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            count = len(result.errors)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''} in {path.name}: nothing was imported.")
        if options["verbosity"] >= 2 or dry_run:
            for row in result.rows:
                rag = f" {row.rag.upper()}" if row.rag else ""
                self.stdout.write(
                    f"Row {row.row}: {row.contract.reference} {row.kpi.code} {row.period.label} "
                    f"{row.actual_display} – {row.outcome}{rag}"
                )
        prefix = "Dry run, nothing written. " if dry_run else ""
        self.stdout.write(prefix + result.summary())
