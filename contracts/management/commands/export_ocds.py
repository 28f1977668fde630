"""Write the council's contracts as one OCDS 1.1 release package (contracts.exports)."""

from django.core.management.base import BaseCommand, CommandError

from contracts.exports import contracts_release_package, package_counts
from contracts.management.commands._common import contracts_with_reference, write_valid_package


class Command(BaseCommand):
    help = (
        "Write every contract, or one, as an Open Contracting Data Standard 1.1 release package: one release per "
        "contract with its payments (transactions), KPI returns (metrics), applied deductions (performance "
        "failures) and variations (amendments). The package is validated first; nothing is written if it is "
        "invalid or there is nothing to export."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contract", metavar="REF", help="Only this contract (its reference)")
        parser.add_argument("--output", metavar="FILE", required=True, help="Where to write the JSON package")
        parser.add_argument("--uri", help="The package's URI, where it will be published (default: a URN)")

    def handle(self, *args, contract=None, output, uri=None, **options):
        contracts = contracts_with_reference(contract)
        try:
            package = contracts_release_package(contracts=contracts, uri=uri)
        except ValueError as exc:
            raise CommandError(f"{exc} Nothing was written.") from exc
        path = write_valid_package(package, output, what="export is")
        counts = package_counts(package)
        self.stdout.write(
            f"Wrote {counts.releases} release{'s' if counts.releases != 1 else ''} to {path}: "
            f"{counts.transactions} transactions, {counts.metrics} metrics with {counts.observations} observations, "
            f"{counts.performance_failures} performance failures, {counts.amendments} amendments. "
            "Validated against OCDS 1.1.5 with the metrics, performance failures and UK extensions."
        )
