"""python manage.py import_social_value FILE [--dry-run] [--as USERNAME] [--kind commitments|returns]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from social_value.importers.commitments import KIND_LABELS
from social_value.services import social_value_import


class Command(BaseCommand):
    help = (
        "Import a provider's social value commitments or delivery returns from a CSV or Excel file, all or "
        "nothing. With --as, as that user (a commissioner imports only their own directorate's contracts); "
        "without, as the system. Rows already recorded are skipped. Exits with 1 when the file has problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file of commitments or of delivery returns")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show what would be created")
        parser.add_argument("--as", dest="username", help="Username of the person importing (attributed in history)")
        parser.add_argument(
            "--kind", choices=sorted(KIND_LABELS), help="What the file holds, when its headings do not say"
        )

    def handle(self, *args, file, dry_run, username, kind, **options):
        actor = None
        if username:
            try:
                actor = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"There is no user '{username}'.") from exc
        path = Path(file)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        with handle:
            result = social_value_import(handle=handle, file_name=path.name, actor=actor, dry_run=dry_run, kind=kind)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(result.summary())
        created = "Would create" if dry_run else "Created"
        for item in result.created_commitments:
            c = item.record
            self.stdout.write(
                f"Row {item.row}: {created} commitment {c.contract.reference} {c.measure.code} × {c.quantity} "
                f"({c.get_basis_display().lower()}), £{c.committed_value}"
            )
        for item in result.created_returns:
            r = item.record
            self.stdout.write(
                f"Row {item.row}: {created} delivery return {r.commitment.contract.reference} "
                f"{r.commitment.measure.code} {r.period_start:%d/%m/%Y}–{r.period_end:%d/%m/%Y} × {r.quantity} "
                f"({r.get_status_display().lower()})"
            )
        for item in result.already_recorded:
            self.stdout.write(f"Row {item.row}: already recorded, skipped")
        self.stdout.write(result.summary())
