"""Write the contract performance notices of confirmed assessments as one OCDS release package."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.models import Contract
from contracts.notices import performance_notice_package, validate_release_package
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
        contracts = None
        if contract:
            contracts = Contract.objects.filter(reference__iexact=contract.strip())
            if not contracts.exists():
                raise CommandError(f"No contract with the reference {contract!r}.")
        assessments = list(confirmed_assessments(contracts=contracts))
        if not assessments:
            whose = f" for {contract}" if contract else ""
            raise CommandError(
                f"No confirmed performance assessments{whose}: nothing to export. "
                "A commissioner confirms an assessment on its page first."
            )
        package = performance_notice_package(assessments, uri=uri)
        errors = validate_release_package(package)
        if errors:
            shown = "\n".join(f"  {error}" for error in errors[:50])
            more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
            raise CommandError(f"The notices are not valid OCDS; nothing was written:\n{shown}{more}")
        path = Path(output)
        try:
            with path.open("w", encoding="utf-8") as handle:
                json.dump(package, handle, ensure_ascii=False, indent=2)
                handle.write("\n")
        except OSError as exc:
            raise CommandError(f"Could not write {path}: {exc.strerror or exc}") from exc
        count = len(package["releases"])
        noun = "notice" if count == 1 else "notices"
        self.stdout.write(f"Wrote {count} contract performance {noun} to {path}.")
