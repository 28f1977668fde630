"""Write the contract performance notices of confirmed assessments as one OCDS release package."""

from django.core.management.base import BaseCommand, CommandError

from contracts.management.commands._common import contracts_with_reference, write_valid_package
from contracts.notices import performance_notice_package
from contracts.selectors import confirmed_assessments


class Command(BaseCommand):
    help = (
        "Write the contract performance notices (Procurement Act 2023 s.71) of every confirmed performance "
        "assessment, or one contract's, as one OCDS 1.1 release package with the UK extension. The package is "
        "validated first; nothing is written if it is invalid or there is nothing to export."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contract", metavar="REF", help="Only this contract's notices (its reference)")
        parser.add_argument("--output", metavar="FILE", required=True, help="Where to write the JSON package")
        parser.add_argument("--uri", help="The package's URI, where it will be published (default: a URN)")

    def handle(self, *args, contract=None, output, uri=None, **options):
        contracts = contracts_with_reference(contract)
        assessments = list(confirmed_assessments(contracts=contracts))
        if not assessments:
            whose = f" for {contract}" if contract else ""
            raise CommandError(
                f"No confirmed performance assessments{whose}: nothing to export. "
                "A commissioner confirms an assessment on its page first."
            )
        package = performance_notice_package(assessments, uri=uri)
        path = write_valid_package(package, output, what="notices are")
        count = len(package["releases"])
        noun = "notice" if count == 1 else "notices"
        self.stdout.write(f"Wrote {count} contract performance {noun} to {path}.")
