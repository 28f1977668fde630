"""Writes to the golden thread. A contract's shares never exceed 100% and it has one primary outcome."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from commissioning.audit import attribute, set_fields
from commissioning.models import SupportingOutcome
from commissioning.permissions import ensure_directorate_scope
from contracts.models import Contract
from outcomes_link.models import OutcomeLink

HUNDRED = Decimal("100")


def _lock_contract(contract: Contract) -> Contract:
    # Serialise concurrent link writes for one contract so two saves cannot together pass 100%.
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _share_total(contract: Contract, exclude_pk: int | None = None) -> Decimal:
    qs = OutcomeLink.objects.filter(contract=contract)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.aggregate(total=Sum("contribution_share"))["total"] or Decimal("0")


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"


def _check_total(contract: Contract, share: Decimal, exclude_pk: int | None = None) -> None:
    current = _share_total(contract, exclude_pk)
    if current + share > HUNDRED:
        raise ValidationError(
            {
                "contribution_share": (
                    f"A share of {_fmt(share)}% would take {contract.reference} past 100%: its other links "
                    f"already total {_fmt(current)}%, so at most {_fmt(HUNDRED - current)}% is left."
                )
            }
        )


def _clear_other_primaries(link: OutcomeLink, actor, reason: str) -> None:
    for other in OutcomeLink.objects.filter(contract_id=link.contract_id, is_primary=True).exclude(pk=link.pk):
        other.is_primary = False
        attribute(other, actor=actor, reason=reason or "Another outcome made primary")
        other.save()


@transaction.atomic
def outcome_link_create(
    *,
    contract: Contract,
    supporting_outcome: SupportingOutcome,
    contribution_share: Decimal,
    rationale: str,
    is_primary: bool = False,
    actor=None,
    reason: str = "",
) -> OutcomeLink:
    """Link a contract to a supporting outcome. The first link of a contract becomes its primary."""
    if actor is not None:
        ensure_directorate_scope(actor, contract.directorate_id)
    contract = _lock_contract(contract)
    link = OutcomeLink(
        contract=contract,
        supporting_outcome=supporting_outcome,
        contribution_share=contribution_share,
        rationale=(rationale or "").strip(),
        is_primary=is_primary or not OutcomeLink.objects.filter(contract=contract).exists(),
    )
    # Clear the old primary first so full_clean's single-primary check sees the state being
    # written; any refusal below rolls this back with the rest of the transaction.
    if link.is_primary:
        _clear_other_primaries(link, actor, reason)
    link.full_clean()
    _check_total(contract, Decimal(contribution_share))
    attribute(link, actor=actor, reason=reason or "Linked to supporting outcome")
    link.save()
    return link


@transaction.atomic
def outcome_link_update(*, link: OutcomeLink, data: dict, actor=None, reason: str = "") -> OutcomeLink:
    allowed = {"supporting_outcome", "contribution_share", "rationale", "is_primary"}
    if set(data) - allowed:
        raise TypeError(f"outcome_link_update() got unexpected fields: {sorted(set(data) - allowed)}")
    if actor is not None:
        ensure_directorate_scope(actor, link.contract.directorate_id)
    contract = _lock_contract(link.contract)
    set_fields(link, data)
    link.rationale = (link.rationale or "").strip()
    if link.is_primary:
        _clear_other_primaries(link, actor, reason)
    link.full_clean()
    _check_total(contract, Decimal(link.contribution_share), exclude_pk=link.pk)
    attribute(link, actor=actor, reason=reason)
    link.save()
    return link


@transaction.atomic
def outcome_link_delete(*, link: OutcomeLink, actor=None, reason: str = "") -> None:
    """Remove a link; if it was the primary, the largest remaining share becomes primary."""
    if actor is not None:
        ensure_directorate_scope(actor, link.contract.directorate_id)
    contract = _lock_contract(link.contract)
    was_primary = link.is_primary
    attribute(link, actor=actor, reason=reason or "Link removed")
    link.delete()
    if was_primary:
        successor = OutcomeLink.objects.filter(contract=contract).order_by("-contribution_share", "pk").first()
        if successor is not None:
            successor.is_primary = True
            attribute(successor, actor=actor, reason="Became primary when the primary link was removed")
            successor.save()


@transaction.atomic
def contract_outcome_links_set(
    *, contract: Contract, links: list[dict], actor=None, reason: str = ""
) -> list[OutcomeLink]:
    """Replace all of a contract's links at once (the commissioner's outcomes form).

    The new set must total exactly 100%, name each supporting outcome once and have exactly
    one primary. Unchanged links are kept as they are, so their history shows no change.
    """
    if actor is not None:
        ensure_directorate_scope(actor, contract.directorate_id)
    contract = _lock_contract(contract)
    if not links:
        raise ValidationError("Link the contract to at least one supporting outcome.")
    codes = [item["supporting_outcome"].pk for item in links]
    if len(codes) != len(set(codes)):
        raise ValidationError("Each supporting outcome can be linked only once.")
    total = sum((Decimal(item["contribution_share"]) for item in links), Decimal("0"))
    if total != HUNDRED:
        raise ValidationError(f"The shares must total 100%; they total {_fmt(total)}%.")
    primaries = sum(1 for item in links if item.get("is_primary"))
    if primaries != 1:
        raise ValidationError("Choose exactly one primary outcome.")

    existing = {link.supporting_outcome_id: link for link in OutcomeLink.objects.filter(contract=contract)}
    keep = set()
    # Clear the primary flag first so the single-primary constraint holds between saves.
    for link in existing.values():
        wanted = next((i for i in links if i["supporting_outcome"].pk == link.supporting_outcome_id), None)
        if link.is_primary and (wanted is None or not wanted.get("is_primary")):
            link.is_primary = False
            attribute(link, actor=actor, reason=reason)
            link.save()
    result = []
    for item in links:
        values = {
            "contribution_share": Decimal(item["contribution_share"]),
            "rationale": (item.get("rationale") or "").strip(),
            "is_primary": bool(item.get("is_primary")),
        }
        link = existing.get(item["supporting_outcome"].pk)
        if link is None:
            link = OutcomeLink(contract=contract, supporting_outcome=item["supporting_outcome"], **values)
            link.full_clean()
            attribute(link, actor=actor, reason=reason or "Linked to supporting outcome")
            link.save()
        elif set_fields(link, values):
            link.full_clean()
            attribute(link, actor=actor, reason=reason)
            link.save()
        keep.add(link.pk)
        result.append(link)
    for link in existing.values():
        if link.pk not in keep:
            attribute(link, actor=actor, reason=reason or "Link removed")
            link.delete()
    return result
