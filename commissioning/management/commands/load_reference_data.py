from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from commissioning.services import (
    DEFAULT_DIRECTORATES_FILE,
    DEFAULT_POSTCODE_DISTRICTS_FILE,
    directorates_load,
    postcode_districts_load,
)


class Command(BaseCommand):
    help = "Load the council's directorates (JSON) and postcode districts (CSV). Defaults are KCC's. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--directorates", default=str(DEFAULT_DIRECTORATES_FILE))
        parser.add_argument("--postcode-districts", default=str(DEFAULT_POSTCODE_DISTRICTS_FILE))

    def handle(self, *args, directorates, postcode_districts, **options):
        try:
            d = directorates_load(path=directorates)
            p = postcode_districts_load(path=postcode_districts)
        except (ValidationError, OSError, KeyError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"Directorates: {d.created} created, {d.updated} updated, {d.unchanged} unchanged.")
        self.stdout.write(f"Postcode districts: {p.created} created, {p.updated} updated, {p.unchanged} unchanged.")
