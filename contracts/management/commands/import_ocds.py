"""python manage.py import_ocds FILE --directorate CODE [--buyer NAME | --all-buyers] [--dry-run]"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from contracts.management.commands._open_data import actor_for, directorate_for, read_file, reject, report
from contracts.services.open_data import ContractImportError, ocds_import


class Command(BaseCommand):
    help = (
        "Import OCDS data (a release package, record package or JSON array of releases, as Contracts Finder and "
        "Find a Tender publish them) into providers and contracts, all or nothing. Releases are merged per "
        "procurement in date order; each award becomes a contract with each of its suppliers. Importing the same "
        "file again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The OCDS JSON file")
        parser.add_argument(
            "--directorate", required=True, help="Code of the directorate the contracts belong to (OCDS does not say)"
        )
        who = parser.add_mutually_exclusive_group()
        who.add_argument(
            "--buyer",
            default=settings.OCDS_BUYER,
            help="Keep only this buyer's contracts: its name or OCDS party id (default: %(default)s)",
        )
        who.add_argument("--all-buyers", action="store_true", help="Keep the contracts of every buyer in the file")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show what would be imported")
        parser.add_argument("--user", default="", help="Username of the person importing (recorded in the history)")

    def handle(self, *args, file, directorate, buyer, all_buyers, dry_run, user, **options):
        actor = actor_for(user)
        file_name, content = read_file(file)
        try:
            result = ocds_import(
                content=content,
                file_name=file_name,
                directorate=directorate_for(directorate),
                buyer=None if all_buyers else buyer,
                actor=actor,
                dry_run=dry_run,
            )
        except ContractImportError as exc:
            reject(self, file_name, exc)
        report(self, result, rows_label="Releases:")
        if not all_buyers and result.skipped and not result.contracts:
            self.stdout.write(
                f"No procurement in the file was bought by {buyer}: use --buyer NAME, or --all-buyers to keep them all."
            )
