"""Import of providers' social value commitments and delivery returns from a spreadsheet, all or
nothing (issue 5).

Every row is checked first (social_value.importers.commitments reads the values; here the
contract, the measure, the directorate rule, the commitment a return attaches to and duplicates),
in a fixed number of queries whatever the number of rows; every problem is named by its row and
field. Only then are the rows written, through the same services as the pages
(commitment_create, delivery_return_submit, delivery_return_verify) so that each record keeps its
history and who made it, inside one transaction: a problem the services find rolls back every
row. A dry run goes through the very same writes and rolls them back.

Importing a file again adds nothing: a row that matches what is recorded is reported "already
recorded" and skipped (a commitment: same contract, measure, basis, quantity and committed_on; a
delivery return: same commitment, period and quantity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from commissioning.permissions import can_write_in_directorate
from contracts.importers.returns import ImportFileError, RowError
from contracts.models import Contract
from contracts.selectors import contracts_by_reference
from social_value.importers.commitments import (
    COMMITMENTS,
    FIELD_ORDER,
    KIND_LABELS,
    RETURNS,
    CommitmentRow,
    ParsedFile,
    ReturnRow,
    read_social_value_file,
)
from social_value.models import DeliveryReturn, DeliveryStatus, SocialValueCommitment, SocialValueMeasure
from social_value.services.commitments import commitment_create, delivery_return_submit, delivery_return_verify

MAX_ERRORS_SHOWN = 100

# The right each kind of file needs (the directorate rule is then checked row by row).
PERMISSION = {
    COMMITMENTS: "social_value.add_socialvaluecommitment",
    RETURNS: "social_value.add_deliveryreturn",
}
VERIFY_PERMISSION = "social_value.change_deliveryreturn"


@dataclass
class ImportedRow:
    """A row of the file and the record it created (or would create, in a dry run), or the
    record already holding it."""

    row: int
    record: SocialValueCommitment | DeliveryReturn


@dataclass
class ImportResult:
    kind: str  # COMMITMENTS or RETURNS; "" when the file could not be read
    file_name: str
    dry_run: bool = False
    rows: int = 0
    created_commitments: list[ImportedRow] = field(default_factory=list)
    created_returns: list[ImportedRow] = field(default_factory=list)
    already_recorded: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "rows")

    @property
    def created(self) -> list[ImportedRow]:
        return self.created_commitments or self.created_returns

    @property
    def saved(self) -> bool:
        return not self.dry_run and not self.errors

    @property
    def errors_shown(self) -> list[RowError]:
        return self.errors[:MAX_ERRORS_SHOWN]

    @property
    def errors_not_shown(self) -> int:
        return max(0, len(self.errors) - MAX_ERRORS_SHOWN)

    def summary(self) -> str:
        if self.errors:
            count = len(self.errors)
            return f"{count} problem{'s' if count != 1 else ''} in {self.file_name}: nothing was imported."
        created, skipped = len(self.created), len(self.already_recorded)
        noun = ("commitment" if self.kind == COMMITMENTS else "delivery return") + ("s" if created != 1 else "")
        verb = "would be created" if self.dry_run else ("was created" if created == 1 else "were created")
        text = f"{created} {noun} {verb}; {skipped} row{'s' if skipped != 1 else ''} already recorded (skipped)."
        return ("Check only, nothing was written: " + text) if self.dry_run else text


def social_value_import(
    *, handle: BinaryIO, file_name: str, actor, dry_run: bool = False, kind: str | None = None
) -> ImportResult:
    """Import a file of commitments or of delivery returns, all or nothing, as `actor` (None: the
    system, not scoped to a directorate). `kind` says what the file holds when its headings do not.

    A commissioner imports only for their own directorate's contracts (each other row is an
    error); a return is imported verified only by someone who may verify it (a commissioner of
    the contract's directorate, or an admin), and only when the file asks for it.
    """
    result = ImportResult(kind=kind or "", file_name=file_name, dry_run=dry_run)
    try:
        parsed = read_social_value_file(content=handle.read(), file_name=file_name, kind=kind)
    except ImportFileError as exc:
        result.errors = [RowError(None, "file", message) for message in exc.messages]
        return result
    result.kind, result.rows = parsed.kind, len(parsed.rows)
    if actor is not None and not actor.has_perm(PERMISSION[parsed.kind]):
        result.errors = [RowError(None, "file", f"Your role does not allow importing {result.kind_label}.")]
        return result

    errors = list(parsed.errors)
    if parsed.kind == COMMITMENTS:
        plan = _check_commitments(parsed, actor, errors, result)
    else:
        plan = _check_returns(parsed, actor, errors, result)
    result.errors = _in_order(errors)
    if result.errors:
        return result

    with transaction.atomic():
        for write in plan:
            try:
                write()
            except ValidationError as exc:
                errors.extend(_validation_errors(write.row, exc, write.default_field))
            except PermissionDenied as exc:
                errors.append(RowError(write.row, "contract_reference", str(exc)))
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        result.errors = _in_order(errors)
        result.created_commitments, result.created_returns = [], []
    return result


# --- Checking the rows ----------------------------------------------------------------------------


def _in_order(errors: list[RowError]) -> list[RowError]:
    def key(error: RowError):
        column = FIELD_ORDER.index(error.column) if error.column in FIELD_ORDER else len(FIELD_ORDER)
        return (error.row or 0, column)

    return sorted(errors, key=key)


def _contracts(parsed: ParsedFile) -> dict[str, Contract]:
    references = {row.contract_reference for row in parsed.rows if row.contract_reference}
    return {c.reference.upper(): c for c in contracts_by_reference(references=references)}


def _measures(parsed: ParsedFile) -> dict[str, SocialValueMeasure]:
    """The catalogue's measures named in the file, matched without regard to case. One query."""
    codes = {row.measure_code for row in parsed.rows if row.measure_code}
    if not codes:
        return {}
    q = Q()
    for code in codes:
        q |= Q(code__iexact=code)
    return {m.code.upper(): m for m in SocialValueMeasure.objects.filter(q)}


def _contract_of(row, contracts, actor, errors: list[RowError]) -> Contract | None:
    if not row.contract_reference:
        return None  # reported as missing by the reader
    contract = contracts.get(row.contract_reference.upper())
    if contract is None:
        errors.append(RowError(row.row, "contract_reference", f"there is no contract '{row.contract_reference}'."))
        return None
    if actor is not None and not can_write_in_directorate(actor, contract.directorate_id):
        errors.append(
            RowError(
                row.row,
                "contract_reference",
                f"{contract.reference} is a contract of {contract.directorate.name}: you can only import for your "
                "own directorate's contracts.",
            )
        )
        return None
    return contract


def _measure_of(row, measures, errors: list[RowError]) -> SocialValueMeasure | None:
    if not row.measure_code:
        return None
    measure = measures.get(row.measure_code.upper())
    if measure is None:
        errors.append(RowError(row.row, "measure_code", f"'{row.measure_code}' is not in the catalogue."))
    return measure


class _Write:
    """One row's write, run inside the import's transaction."""

    def __init__(self, row: int, default_field: str, action):
        self.row, self.default_field, self.action = row, default_field, action

    def __call__(self):
        self.action()


def _check_commitments(parsed: ParsedFile, actor, errors: list[RowError], result: ImportResult) -> list[_Write]:
    contracts, measures = _contracts(parsed), _measures(parsed)
    checked: list[tuple[CommitmentRow, Contract, SocialValueMeasure]] = []
    for row in parsed.rows:
        contract = _contract_of(row, contracts, actor, errors)
        measure = _measure_of(row, measures, errors)
        if measure is not None and not measure.is_active:
            errors.append(RowError(row.row, "measure_code", f"{measure.code} is retired: it takes no new commitments."))
            continue
        if contract and measure:
            checked.append((row, contract, measure))
    if errors:
        return []

    def key(contract_id, measure_id, basis, quantity, committed_on) -> tuple:
        return (contract_id, measure_id, basis, Decimal(quantity), committed_on)

    existing = {
        key(c.contract_id, c.measure_id, c.basis, c.quantity, c.committed_on): c
        for c in SocialValueCommitment.objects.filter(
            contract__in={contract.pk for _, contract, _ in checked},
            measure__in={measure.pk for _, _, measure in checked},
        )
    }
    first_row_of: dict[tuple, int] = {}
    plan: list[_Write] = []
    for row, contract, measure in checked:
        this = key(contract.pk, measure.pk, row.basis, row.quantity, row.committed_on)
        if this in first_row_of:
            errors.append(
                RowError(
                    row.row,
                    "quantity",
                    f"the same commitment as row {first_row_of[this]} (contract, measure, basis, quantity and "
                    "committed_on): give it once.",
                )
            )
            continue
        first_row_of[this] = row.row
        if this in existing:
            recorded = existing[this]
            recorded.contract, recorded.measure = contract, measure  # shown without further queries
            result.already_recorded.append(ImportedRow(row.row, recorded))
            continue
        plan.append(_Write(row.row, "due_date", _create_commitment(row, contract, measure, actor, result)))
    return plan


def _create_commitment(row: CommitmentRow, contract, measure, actor, result: ImportResult):
    def create():
        commitment = commitment_create(
            contract=contract,
            measure=measure,
            quantity=row.quantity,
            committed_on=row.committed_on,
            basis=row.basis,
            start_date=row.start_date,
            due_date=row.due_date,
            notes=row.notes,
            actor=actor,
        )
        result.created_commitments.append(ImportedRow(row.row, commitment))

    return create


def _may_verify(actor, contract: Contract) -> bool:
    """A return is verified by a named commissioner of the contract's directorate, or an admin."""
    return (
        actor is not None
        and actor.has_perm(VERIFY_PERMISSION)
        and can_write_in_directorate(actor, contract.directorate_id)
    )


def _check_returns(parsed: ParsedFile, actor, errors: list[RowError], result: ImportResult) -> list[_Write]:
    contracts, measures = _contracts(parsed), _measures(parsed)
    found: list[tuple[ReturnRow, Contract, SocialValueMeasure]] = []
    for row in parsed.rows:
        contract = _contract_of(row, contracts, actor, errors)
        measure = _measure_of(row, measures, errors)
        if contract is None:
            continue
        if row.status == DeliveryStatus.VERIFIED and not _may_verify(actor, contract):
            errors.append(
                RowError(
                    row.row,
                    "status",
                    "only a commissioner of the contract's directorate or an admin can import a return as "
                    "verified: leave it blank (submitted) for them to verify.",
                )
            )
        if measure is not None:
            found.append((row, contract, measure))

    commitments_of: dict[tuple[int, int], list[SocialValueCommitment]] = {}
    for commitment in SocialValueCommitment.objects.filter(
        contract__in={contract.pk for _, contract, _ in found}, measure__in={measure.pk for _, _, measure in found}
    ).order_by("pk"):
        commitments_of.setdefault((commitment.contract_id, commitment.measure_id), []).append(commitment)

    checked: list[tuple[ReturnRow, SocialValueCommitment]] = []
    for row, contract, measure in found:
        commitment = _commitment_of(row, contract, measure, commitments_of.get((contract.pk, measure.pk), []), errors)
        if commitment is not None:
            commitment.contract, commitment.measure = contract, measure  # shown without further queries
            checked.append((row, commitment))
    if errors:
        return []

    existing = {
        (r.commitment_id, r.period_start, r.period_end, Decimal(r.quantity)): r
        for r in DeliveryReturn.objects.filter(commitment__in={c.pk for _, c in checked})
    }
    first_row_of: dict[tuple, int] = {}
    plan: list[_Write] = []
    for row, commitment in checked:
        this = (commitment.pk, row.period_start, row.period_end, row.quantity)
        if this in first_row_of:
            errors.append(
                RowError(
                    row.row,
                    "quantity",
                    f"the same return as row {first_row_of[this]} (commitment, period and quantity): give it once, "
                    "adding up what was delivered in the period.",
                )
            )
            continue
        first_row_of[this] = row.row
        if this in existing:
            recorded = existing[this]
            recorded.commitment = commitment
            result.already_recorded.append(ImportedRow(row.row, recorded))
            continue
        plan.append(_Write(row.row, "period_end", _submit_return(row, commitment, actor, result)))
    return plan


def _commitment_of(
    row: ReturnRow, contract: Contract, measure: SocialValueMeasure, candidates, errors: list[RowError]
) -> SocialValueCommitment | None:
    """The contract's commitment of the measure that the return is for: the only one, or the one
    the row's commitment_id names when there are several."""
    ids = ", ".join(str(c.pk) for c in candidates)
    if row.commitment_id is not None:
        for commitment in candidates:
            if commitment.pk == row.commitment_id:
                return commitment
        known = f"its commitments of {measure.code}: {ids}" if ids else f"it has no commitment of {measure.code}"
        errors.append(
            RowError(
                row.row,
                "commitment_id",
                f"{row.commitment_id} is not a commitment of {contract.reference} to {measure.code} ({known}).",
            )
        )
        return None
    if not candidates:
        errors.append(
            RowError(
                row.row,
                "measure_code",
                f"{contract.reference} has no commitment of {measure.code}: import or record the commitment first.",
            )
        )
        return None
    if len(candidates) > 1:
        errors.append(
            RowError(
                row.row,
                "commitment_id",
                f"{contract.reference} has {len(candidates)} commitments of {measure.code} (ids {ids}): give the "
                "commitment_id of the one this return is for.",
            )
        )
        return None
    return candidates[0]


def _submit_return(row: ReturnRow, commitment: SocialValueCommitment, actor, result: ImportResult):
    def submit():
        delivery = delivery_return_submit(
            commitment=commitment,
            period_start=row.period_start,
            period_end=row.period_end,
            quantity=row.quantity,
            evidence_note=row.evidence_note,
            actor=actor,
        )
        if row.status == DeliveryStatus.VERIFIED:
            delivery = delivery_return_verify(delivery=delivery, actor=actor)
            delivery.commitment = commitment
        result.created_returns.append(ImportedRow(row.row, delivery))

    return submit


def _validation_errors(row: int, exc: ValidationError, default_field: str) -> list[RowError]:
    """A service's validation error as row errors, named by the file's fields where it can be."""

    def sentence(message: str) -> str:
        return message[:1].lower() + message[1:]

    if hasattr(exc, "error_dict"):
        return [
            RowError(row, name if name in FIELD_ORDER else default_field, sentence(message))
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [RowError(row, default_field, sentence(message)) for message in exc.messages]
