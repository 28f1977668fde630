"""Write the council's contracts register as the Local Government Transparency Code 2015 asks (contracts.exports)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.exports import REGISTER_ENCODING, contracts_register_table, register_csv_text


class Command(BaseCommand):
    help = (
        "Write the contracts register (Local Government Transparency Code 2015): every contract with a whole-life "
        "value over £5,000 (or an annual value over £5,000 when the whole-life value is not known), one CSV row "
        "each, UTF-8 with a byte-order mark so Excel reads the £ signs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", required=True, help="Where to write the CSV file")

    def handle(self, *args, output, **options):
        table = contracts_register_table()
        path = Path(output)
        try:
            path.write_bytes(register_csv_text(table).encode(REGISTER_ENCODING))
        except OSError as exc:
            raise CommandError(f"Could not write {path}: {exc.strerror or exc}") from exc
        rows = len(table.rows)
        self.stdout.write(f"Wrote {rows} contract{'s' if rows != 1 else ''} over £5,000 to {path}.")
