"""Writes of social value commitments and delivery returns (issue 5). Every write is validated,
attributed (who, when, why: django-simple-history) and atomic, and a commissioner may only
write for contracts of their own directorate."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning.audit import acting_user, attribute, set_fields
from commissioning.permissions import ensure_actor_scope
from contracts.models import Contract
from social_value import rules
from social_value.models import (
    CommitmentBasis,
    DeliveryReturn,
    DeliveryStatus,
    MeasureUnit,
    ProxyValue,
    SocialValueCommitment,
    SocialValueMeasure,
)


def _scope(actor, contract: Contract) -> None:
    ensure_actor_scope(actor, contract.directorate_id)


def proxy_for(measure: SocialValueMeasure, on: datetime.date) -> rules.Proxy | None:
    """The measure's proxy value in force on a day (one query). A measure counted in pounds is
    worth its face value unless the catalogue says otherwise."""
    versions = [
        rules.Proxy(value=p.value, source=p.source, valid_from=p.valid_from)
        for p in ProxyValue.objects.filter(measure=measure, valid_from__lte=on)
    ]
    found = rules.proxy_in_force(versions, on)
    if found is None and measure.unit == MeasureUnit.POUNDS:
        return rules.FACE_VALUE
    return found


def _derive(commitment: SocialValueCommitment) -> None:
    commitment.total_quantity = rules.total_quantity(
        Decimal(commitment.quantity),
        per_year=commitment.basis == CommitmentBasis.PER_CONTRACT_YEAR,
        start=commitment.start_date,
        due=commitment.due_date,
    )
    commitment.committed_value = rules.social_value(commitment.total_quantity, commitment.proxy_value)


@transaction.atomic
def commitment_create(
    *,
    contract: Contract,
    measure: SocialValueMeasure,
    quantity: Decimal,
    committed_on: datetime.date,
    basis: str = CommitmentBasis.BY_DATE,
    start_date: datetime.date | None = None,
    due_date: datetime.date | None = None,
    notes: str = "",
    actor=None,
) -> SocialValueCommitment:
    """Record what a provider committed to under a contract, valued at the proxy in force on the
    day it was committed (kept on the commitment, so a later catalogue change does not rewrite it).
    Start and due dates default to the contract's start and current end; where the contract's date
    is not known (a contract from a published register), the commissioner must give it."""
    _scope(actor, contract)
    missing = {}
    if start_date is None and contract.start_date is None:
        missing["start_date"] = "Enter the start date: the contract's start date is not known."
    if due_date is None and contract.current_end_date is None:
        missing["due_date"] = "Enter the due date: the contract's end date is not known."
    if missing:
        raise ValidationError(missing)
    proxy = proxy_for(measure, committed_on)
    commitment = SocialValueCommitment(
        contract=contract,
        measure=measure,
        basis=basis,
        quantity=quantity,
        start_date=start_date or contract.start_date,
        due_date=due_date or contract.current_end_date,
        committed_on=committed_on,
        proxy_value=proxy.value if proxy else None,
        proxy_source=proxy.source if proxy else "",
        notes=notes,
    )
    commitment.full_clean(exclude=["total_quantity", "committed_value"])
    _derive(commitment)
    attribute(commitment, actor=actor, reason="Commitment recorded")
    commitment.save()
    return commitment


VARIABLE_FIELDS = ("quantity", "basis", "start_date", "due_date", "notes")


@transaction.atomic
def commitment_vary(*, commitment: SocialValueCommitment, reason: str, actor=None, **changes) -> SocialValueCommitment:
    """Vary a commitment (quantity, basis, dates, notes), saying why. The proxy value applied stays
    the one in force when the commitment was made; the history keeps every version."""
    unknown = set(changes) - set(VARIABLE_FIELDS)
    if unknown:
        raise TypeError(f"commitment_vary() got unexpected fields: {sorted(unknown)}")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the commitment is varied."})
    commitment = SocialValueCommitment.objects.select_for_update().get(pk=commitment.pk)
    _scope(actor, commitment.contract)
    if not set_fields(commitment, changes):
        return commitment
    commitment.full_clean(exclude=["total_quantity", "committed_value"])
    _derive(commitment)
    attribute(commitment, actor=actor, reason=f"Varied: {reason.strip()}")
    commitment.save()
    return commitment


@transaction.atomic
def delivery_return_submit(
    *,
    commitment: SocialValueCommitment,
    period_start: datetime.date,
    period_end: datetime.date,
    quantity: Decimal,
    evidence_note: str = "",
    evidence_file=None,
    actor=None,
) -> DeliveryReturn:
    """Record what was delivered in a period, with its evidence; it counts once verified."""
    _scope(actor, commitment.contract)
    delivery = DeliveryReturn(
        commitment=commitment,
        period_start=period_start,
        period_end=period_end,
        quantity=quantity,
        evidence_note=(evidence_note or "").strip(),
        submitted_by=acting_user(actor),
    )
    if evidence_file is not None:
        delivery.evidence_file = evidence_file
    delivery.full_clean()
    attribute(delivery, actor=actor, reason="Delivery return submitted")
    delivery.save()
    return delivery


@transaction.atomic
def delivery_return_verify(*, delivery: DeliveryReturn, actor=None) -> DeliveryReturn:
    """The commissioner verifies a submitted return: from now on it counts as delivered."""
    delivery = DeliveryReturn.objects.select_for_update().select_related("commitment__contract").get(pk=delivery.pk)
    _scope(actor, delivery.commitment.contract)
    if delivery.status != DeliveryStatus.SUBMITTED:
        raise ValidationError(f"Only a submitted return can be verified; this one is {delivery.get_status_display()}.")
    delivery.status = DeliveryStatus.VERIFIED
    delivery.verified_by, delivery.verified_at = acting_user(actor), timezone.now()
    delivery.rejection_reason = ""
    attribute(delivery, actor=actor, reason="Delivery return verified")
    delivery.save()
    return delivery


@transaction.atomic
def delivery_return_reject(*, delivery: DeliveryReturn, reason: str, actor=None) -> DeliveryReturn:
    """The commissioner rejects a submitted return, saying why; it does not count."""
    if not (reason or "").strip():
        raise ValidationError({"rejection_reason": "Say why the return is rejected."})
    delivery = DeliveryReturn.objects.select_for_update().select_related("commitment__contract").get(pk=delivery.pk)
    _scope(actor, delivery.commitment.contract)
    if delivery.status != DeliveryStatus.SUBMITTED:
        raise ValidationError(f"Only a submitted return can be rejected; this one is {delivery.get_status_display()}.")
    delivery.status = DeliveryStatus.REJECTED
    delivery.rejection_reason = reason.strip()
    delivery.verified_by, delivery.verified_at = acting_user(actor), timezone.now()
    attribute(delivery, actor=actor, reason=f"Delivery return rejected: {delivery.rejection_reason}")
    delivery.save()
    return delivery
