from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from commissioning.services import DEFAULT_FRAMEWORK_FILE, framework_load_file


class Command(BaseCommand):
    help = (
        "Load an outcomes framework (strategic outcomes, supporting outcomes, suggested measures) from JSON. "
        "Without FILE, loads KCC's 'Increasing Opportunities, Improving Outcomes 2015-2020'. "
        "Loading twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FRAMEWORK_FILE))
        parser.add_argument("--not-default", action="store_true", help="Load without making it the default framework")

    def handle(self, *args, file, not_default, **options):
        try:
            framework, result = framework_load_file(path=file, make_default=not not_default)
        except (ValidationError, OSError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(
            f"{framework}: {framework.strategic_outcomes.count()} strategic and "
            f"{framework.supporting_outcomes.count()} supporting outcomes "
            f"({result.created} created, {result.updated} updated, {result.unchanged} unchanged)."
        )
