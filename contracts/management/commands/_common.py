"""What the contracts app's commands share: who runs them, the contracts named on the command line, and
writing an OCDS package only once it validates."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import QuerySet

from contracts.models import Contract
from contracts.ocds import validate_release_package


def actor_for(username: str, *, permission: str, what: str):
    """The person a command acts as (recorded on what it writes), or None for the system; refused when their
    role does not hold `permission` ("...does not allow <what>")."""
    if not username:
        return None
    try:
        actor = get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"There is no user '{username}'.") from exc
    if not actor.has_perm(permission):
        raise CommandError(f"{username}'s role does not allow {what}.")
    return actor


def contracts_with_reference(reference: str | None) -> QuerySet[Contract] | None:
    """The contract with this reference (as a queryset), None when no reference was given."""
    if not reference:
        return None
    contracts = Contract.objects.filter(reference__iexact=reference.strip())
    if not contracts.exists():
        raise CommandError(f"No contract with the reference {reference!r}.")
    return contracts


def write_valid_package(package: dict, output: str, *, what: str) -> Path:
    """Validate an OCDS release package and write it as JSON; nothing is written when it is invalid."""
    errors = validate_release_package(package)
    if errors:
        shown = "\n".join(f"  {error}" for error in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise CommandError(f"The {what} not valid OCDS; nothing was written:\n{shown}{more}")
    path = Path(output)
    try:
        with path.open("w", encoding="utf-8") as handle:
            json.dump(package, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
    except OSError as exc:
        raise CommandError(f"Could not write {path}: {exc.strerror or exc}") from exc
    return path
