"""python manage.py import_register FILE [--publisher NAME] [--directorate CODE] [--column FIELD=HEADER] [--dry-run]"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contracts.importers.register import FIELDS, columns_mapping
from contracts.management.commands._open_data import actor_for, directorate_for, read_file, reject, report
from contracts.services.open_data import ContractImportError, contracts_register_import


class Command(BaseCommand):
    help = (
        "Import a council's contracts register (CSV or .xlsx) into providers and contracts, all or nothing. "
        "Values the register does not give, or gives in a form that cannot be read, are recorded as not known "
        "and listed as warnings; a row with no title or supplier stops the import. Importing the same register "
        "again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The register: .csv or .xlsx")
        parser.add_argument(
            "--publisher", default=settings.COUNCIL_NAME, help="Whose register it is (default: %(default)s)"
        )
        parser.add_argument("--directorate", help="Directorate code for rows that name no directorate")
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="Which heading holds a field, saved for the publisher (repeatable). FIELD is one of: "
            + ", ".join(FIELDS),
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show what would be imported")
        parser.add_argument("--user", default="", help="Username of the person importing (recorded in the history)")

    def handle(self, *args, file, publisher, directorate, column, dry_run, user, **options):
        try:
            columns = columns_mapping(column)
        except ValueError as exc:
            raise CommandError(f"--column: {exc}") from None
        actor = actor_for(user)
        file_name, content = read_file(file)
        try:
            result = contracts_register_import(
                content=content,
                file_name=file_name,
                publisher=publisher,
                directorate=directorate_for(directorate),
                columns=columns,
                actor=actor,
                dry_run=dry_run,
            )
        except ContractImportError as exc:
            reject(self, file_name, exc)
        report(self, result, rows_label="Rows:")
