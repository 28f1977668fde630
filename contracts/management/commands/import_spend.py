"""python manage.py import_spend FILE [--publisher NAME] [--column FIELD=HEADER ...] [--dry-run] [--user USERNAME]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commissioning.templatetags.gt import money
from contracts.importers.spend import FIELDS, MAX_PROBLEMS_SHOWN, SpendFileError, column_mapping
from contracts.management.commands._common import actor_for
from contracts.services import spend_file_import


def parse_columns(values: list[str]) -> dict[str, str]:
    """FIELD=HEADER pairs from --column, each FIELD one of contracts.importers.spend.FIELDS."""
    try:
        return column_mapping(values)
    except ValueError as exc:
        raise CommandError(f"--column: {exc}") from None


class Command(BaseCommand):
    help = (
        "Import a spend file a council publishes under the Local Government Transparency Code (CSV or .xlsx), "
        "all or nothing. Every line counts; re-importing a file adds nothing, and a file overlapping lines "
        "already imported adds only the lines not yet there. Columns not recognised are mapped with "
        "--column FIELD=HEADER, and the mapping is saved for the publisher."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The spend file: .csv or .xlsx")
        parser.add_argument(
            "--publisher", default="", help="The council that published it (default: the file's Body Name column)"
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help=f"Which heading holds a field, saved for the publisher (repeatable). FIELD is one of: "
            f"{', '.join(FIELDS)}",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show what would be imported")
        parser.add_argument("--user", default="", help="Username of the person importing (recorded on the import)")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, file, publisher, column, dry_run, user, no_progress, **options):
        columns = parse_columns(column)
        actor = self._actor(user)
        path = Path(file)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        with handle:
            size = path.stat().st_size
            bar = tqdm(
                total=size,
                unit="B",
                unit_scale=True,
                desc=path.name,
                file=self.stderr._out,
                disable=no_progress or not self.stderr.isatty(),
                leave=False,
            )

            def progress(bytes_read: int, rows: int) -> None:
                bar.update(max(0, min(bytes_read, size) - bar.n))
                bar.set_postfix(rows=f"{rows:,}", refresh=False)

            problems: tuple[list[str], int] | None = None
            try:
                result = spend_file_import(
                    handle=handle,
                    file_name=path.name,
                    publisher=publisher,
                    columns=columns,
                    actor=actor,
                    dry_run=dry_run,
                    progress=progress,
                )
            except SpendFileError as exc:
                # Keep the messages, not the exception: its traceback holds the reader, which must
                # be closed while the file is still open.
                problems = (exc.messages, exc.more)
            else:
                bar.update(size - bar.n)
            finally:
                bar.close()
        if problems is not None:
            self._reject(path.name, *problems)
        self._summary(result)

    def _actor(self, username: str):
        return actor_for(username, permission="contracts.add_spendimport", what="importing spend files")

    def _reject(self, file_name: str, messages: list[str], more: int) -> None:
        for message in messages[:MAX_PROBLEMS_SHOWN]:
            self.stderr.write(message)
        if more:
            self.stderr.write(f"and {more:,} more problem{'s' if more != 1 else ''}")
        count = len(messages) + more
        raise CommandError(
            f"{file_name} was rejected: {count:,} problem{'s' if count != 1 else ''}, nothing was imported."
        )

    def _summary(self, result) -> None:
        out = self.stdout.write
        out(f"File:            {result.file_name}")
        out(f"Publisher:       {result.publisher}")
        out(f"Rows:            {result.rows:,}")
        out(f"Total:           {money(result.total)}")
        if result.first_date:
            out(f"Payment dates:   {result.first_date:%d/%m/%Y} to {result.last_date:%d/%m/%Y}")
        out(f"Lines added:     {result.lines_added:,} ({money(result.added)})")
        out(f"Already there:   {result.lines_already_there:,}")
        out(f"Redacted lines:  {result.redacted_lines:,}")
        out(f"Matched lines:   {result.matched_lines:,}")
        order = {name: i for i, name in enumerate(FIELDS)}
        used = sorted(result.columns.items(), key=lambda item: order.get(item[0], len(order)))
        out("Columns used:    " + "; ".join(f"{name} = {heading}" for name, heading in used))
        if result.unused_headings:
            out("Not used:        " + "; ".join(result.unused_headings))
        if result.mapping_saved:
            if result.dry_run:
                out("Column mapping:  would be saved for the publisher")
            else:
                out(f"Column mapping:  saved for {result.publisher}")
        if result.previous_import is not None and not result.lines_added:
            out(f"This file was imported before, on {result.previous_import.created:%d/%m/%Y}.")
        if result.dry_run:
            out("Dry run: nothing written.")
        else:
            out(self.style.SUCCESS(f"Imported {result.lines_added:,} of {result.rows:,} lines."))
