"""What the import_register and import_ocds commands share: who imports, reading the file, and the report."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from commissioning.models import Directorate
from commissioning.templatetags.gt import money
from contracts.importers.register import FIELDS
from contracts.management.commands._common import actor_for as common_actor_for
from contracts.services.open_data import ContractImportError, ContractImportResult


def actor_for(username: str):
    """The person importing (recorded on the import and in every contract's history), or None for the system."""
    return common_actor_for(username, permission="contracts.add_contractimport", what="importing contracts")


def directorate_for(code: str | None) -> Directorate | None:
    if not code:
        return None
    found = Directorate.objects.filter(code__iexact=code.strip()).first()
    if found is None:
        codes = ", ".join(Directorate.objects.order_by("code").values_list("code", flat=True)) or "none yet"
        raise CommandError(f"There is no directorate '{code}'. The directorates are: {codes}.")
    return found


def read_file(path: str) -> tuple[str, bytes]:
    try:
        return Path(path).name, Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc


def reject(command, file_name: str, exc: ContractImportError) -> None:
    for message in exc.messages:
        command.stderr.write(message)
    if exc.more:
        command.stderr.write(f"and {exc.more:,} more problem{'s' if exc.more != 1 else ''}")
    count = len(exc.messages) + exc.more
    raise CommandError(f"{file_name} was rejected: {count:,} problem{'s' if count != 1 else ''}, nothing was imported.")


def report(command, result: ContractImportResult, *, rows_label: str) -> None:
    out = command.stdout.write
    out(f"File:              {result.file_name}")
    out(f"{rows_label:<19}{result.rows:,}")
    if result.skipped:
        out(f"Left out:          {result.skipped:,} procurements of other buyers")
    out(f"Contracts:         {result.contracts_added:,} added, {result.contracts_changed:,} changed, "
        f"{result.contracts_unchanged:,} already up to date")  # fmt: skip
    out(f"New providers:     {result.providers_added:,}")
    if result.directorates_added:
        out(f"New directorates:  {', '.join(result.directorates_added)}")
    out(f"Total value:       {money(result.total_value)}")
    if result.variations_needing_notice:
        out(f"Variations needing a contract change notice: {result.variations_needing_notice}")
    for name, count in result.not_known.items():
        out(f"Not known:         {FIELDS.get(name, name)} in {count:,} row{'s' if count != 1 else ''}")
    for warning in result.warnings:
        out(f"Warning: {warning}")
    if result.dry_run:
        out("Dry run: nothing was imported.")
    else:
        out(f"Imported as import {result.contract_import.pk}.")
