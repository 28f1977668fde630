"""Writes to providers and contracts. Every write is validated, attributed and atomic."""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning.audit import attribute, set_fields
from commissioning.choices import Role
from commissioning.permissions import ensure_actor_scope
from commissioning.postcodes import normalise_postcode
from commissioning.selectors import postcode_area_status
from contracts.choices import (
    PRIVATE_LEGAL_FORMS,
    VCS_LEGAL_FORMS,
    DeclaredSize,
    EmployeeBand,
    LegalForm,
    Location,
    LocationDecision,
    Sector,
    SizeBand,
)
from contracts.models import Contract, Provider
from contracts.services.variations import contract_variation_record

_SIZE_FOR_BAND = {
    EmployeeBand.UNDER_10: (SizeBand.MICRO, "fewer than 10 staff: micro"),
    EmployeeBand.FROM_10: (SizeBand.SMALL, "10 to 49 staff: small (under 50)"),
    EmployeeBand.FROM_50: (SizeBand.MEDIUM, "50 to 249 staff: medium (under 250)"),
    EmployeeBand.FROM_250: (SizeBand.LARGE, "250 staff or more: large"),
}

_SUFFIXES = re.compile(
    r"\b(limited|ltd|plc|llp|cic|cio|the|company|co|incorporated|inc|uk)\b",
)


def normalise_provider_name(name: str) -> str:
    """Name for matching: lower case, '&' as 'and', no punctuation, no Ltd/Limited/PLC, no 'T/A' part.

    "The Smith & Sons Ltd." and "smith and sons limited" both become "smith and sons".
    """
    text = (name or "").lower()
    text = re.split(r"\bt/a\b|\btrading as\b", text)[0]
    text = text.replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = _SUFFIXES.sub(" ", text)
    return " ".join(text.split())


def normalise_company_number(raw: str) -> str:
    """Companies House numbers are 8 characters; files drop leading zeros ("123456" -> "00123456")."""
    text = re.sub(r"\s+", "", (raw or "")).upper()
    if text.isdigit() and len(text) < 8:
        text = text.zfill(8)
    return text


@dataclass(frozen=True)
class Classification:
    location: str
    location_reason: str
    size: str
    size_reason: str
    sector: str
    sector_reason: str


def provider_classification(provider: Provider) -> Classification:
    """Derive Kent-based, size and sector, each with the reason a user is shown.

    - Kent-based: a decision recorded by an officer wins; otherwise the postcode decides
      (commissioning.selectors.postcode_area_status). Medway and Bexley are outside; a split
      district without a full-postcode entry, or no postcode, is unknown, never guessed.
    - Size: from the employee band (micro under 10 staff, small under 50, medium under 250,
      large otherwise); where the band is not recorded, from what the supplier declared in
      published data (Contracts Finder's scale, a register's SME flag: an SME without a band,
      or large); otherwise unknown.
    - Sector: voluntary and community sector when the provider has a charity number, is a
      CIO, CIC, charity or community benefit society, is a company limited by guarantee
      marked non-profit, or declared itself a VCSE in published data; public bodies are
      public sector; a known commercial form is private, as is a registered company that
      declared it is not a VCSE; otherwise unknown.
    """
    if provider.location_decision:
        where = Location.LOCAL if provider.location_decision == LocationDecision.INSIDE else Location.OUTSIDE
        location, location_reason = where, f"Decision recorded: {provider.location_decision_note}"
    else:
        answer = postcode_area_status(provider.postcode)
        location = {"inside": Location.LOCAL, "outside": Location.OUTSIDE}.get(answer.status, Location.UNKNOWN)
        location_reason = answer.reason

    if provider.employee_band in _SIZE_FOR_BAND:
        size, why = _SIZE_FOR_BAND[provider.employee_band]
        size_reason = f"Employee band {why}."
    elif provider.declared_size == DeclaredSize.SME:
        size, size_reason = SizeBand.SME, f"Declared an SME{_where(provider)}; employee band not recorded."
    elif provider.declared_size == DeclaredSize.LARGE:
        size, size_reason = SizeBand.LARGE, f"Declared large{_where(provider)}; employee band not recorded."
    else:
        size, size_reason = SizeBand.UNKNOWN, "Employee band not recorded."

    form = provider.legal_form
    form_label = LegalForm(form).label if form in LegalForm.values else form
    if provider.charity_number:
        sector, sector_reason = Sector.VCS, f"Registered charity number {provider.charity_number}."
    elif form in VCS_LEGAL_FORMS:
        sector, sector_reason = Sector.VCS, f"Legal form: {form_label}."
    elif form == LegalForm.COMPANY_LIMITED_BY_GUARANTEE and provider.is_non_profit:
        sector, sector_reason = Sector.VCS, "Company limited by guarantee marked non-profit."
    elif provider.declared_vcse:
        sector, sector_reason = Sector.VCS, f"Declared a VCSE{_where(provider)}."
    elif form == LegalForm.PUBLIC_BODY:
        sector, sector_reason = Sector.PUBLIC, "Legal form: public body."
    elif form in PRIVATE_LEGAL_FORMS:
        sector, sector_reason = Sector.PRIVATE, f"Legal form: {form_label}, with no charity number."
    elif provider.declared_vcse is False and provider.companies_house_number:
        sector, sector_reason = (
            Sector.PRIVATE,
            f"Companies House number {provider.companies_house_number}, declared not a VCSE{_where(provider)}.",
        )
    else:
        sector, sector_reason = Sector.UNKNOWN, "Legal form not known and no charity number recorded."

    return Classification(location, location_reason, size, size_reason, sector, sector_reason)


def _where(provider: Provider) -> str:
    return f" ({provider.declared_source})" if provider.declared_source else ""


def _provider_prepare(provider: Provider) -> None:
    provider.name = " ".join((provider.name or "").split())
    provider.normalised_name = normalise_provider_name(provider.name)
    provider.postcode = normalise_postcode(provider.postcode)
    provider.companies_house_number = normalise_company_number(provider.companies_house_number)
    provider.charity_number = (provider.charity_number or "").strip()
    if not provider.location_decision:
        provider.location_decision_note = ""
    c = provider_classification(provider)
    provider.location, provider.location_reason = c.location, c.location_reason
    provider.size, provider.size_reason = c.size, c.size_reason
    provider.sector, provider.sector_reason = c.sector, c.sector_reason


PROVIDER_FIELDS = (
    "name",
    "companies_house_number",
    "charity_number",
    "legal_form",
    "is_non_profit",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "employee_band",
    "location_decision",
    "location_decision_note",
    "declared_size",
    "declared_vcse",
    "declared_source",
)


@transaction.atomic
def provider_create(*, actor=None, reason: str = "", **data) -> Provider:
    unknown = set(data) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"provider_create() got unexpected fields: {sorted(unknown)}")
    provider = Provider(**data)
    _provider_prepare(provider)
    provider.full_clean()
    attribute(provider, actor=actor, reason=reason or "Provider added")
    provider.save()
    return provider


@transaction.atomic
def provider_update(*, provider: Provider, data: dict, actor=None, reason: str = "") -> Provider:
    unknown = set(data) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"provider_update() got unexpected fields: {sorted(unknown)}")
    set_fields(provider, data)
    _provider_prepare(provider)
    provider.full_clean()
    attribute(provider, actor=actor, reason=reason)
    provider.save()
    return provider


@transaction.atomic
def provider_reclassify_all() -> int:
    """Derive every provider's location, size and sector again (after loading postcode data).

    Returns how many providers changed; an unchanged provider writes no history.
    """
    changed = 0
    for provider in Provider.objects.select_for_update():
        before = (provider.location, provider.location_reason, provider.size, provider.sector, provider.sector_reason)
        _provider_prepare(provider)
        after = (provider.location, provider.location_reason, provider.size, provider.sector, provider.sector_reason)
        if before != after:
            attribute(provider, actor=None, reason="Classification derived again from reference data")
            provider.save()
            changed += 1
    return changed


@transaction.atomic
def provider_delete(*, provider: Provider, actor=None, reason: str = "") -> None:
    """Delete a provider that holds no contracts; refuse, saying how many, when it does."""
    count = provider.contracts.count()
    if count:
        noun = "contract" if count == 1 else "contracts"
        raise ValidationError(
            f"{provider.name} cannot be deleted: it holds {count} {noun}. Move the contracts to another provider first."
        )
    attribute(provider, actor=actor, reason=reason or "Provider deleted")
    provider.delete()


CONTRACT_FIELDS = (
    "reference",
    "title",
    "description",
    "directorate",
    "commissioner",
    "provider",
    "procurement_route",
    "status",
    "category",
    "start_date",
    "end_date",
    "extension_months_available",
    "extension_months_taken",
    "annual_value",
    "total_value",
    "key_kpi_exemption_reason",
)


def _contract_prepare(contract: Contract) -> None:
    contract.reference = (contract.reference or "").strip()
    contract.full_clean(exclude=["current_end_date"])
    contract.current_end_date = contract.end_date_with_extensions()
    commissioner = contract.commissioner
    if commissioner is not None:
        if not commissioner.has_role(Role.COMMISSIONER):
            raise ValidationError({"commissioner": f"{commissioner} is not a commissioner."})
        if commissioner.directorate_id != contract.directorate_id:
            raise ValidationError(
                {
                    "commissioner": (
                        f"{commissioner} belongs to another directorate; "
                        f"choose a commissioner of {contract.directorate}."
                    )
                }
            )


@transaction.atomic
def contract_create(*, actor=None, reason: str = "", **data) -> Contract:
    """Create a contract. A commissioner may only create one in their own directorate."""
    unknown = set(data) - set(CONTRACT_FIELDS)
    if unknown:
        raise TypeError(f"contract_create() got unexpected fields: {sorted(unknown)}")
    contract = Contract(**data)
    ensure_actor_scope(actor, contract.directorate_id)
    _contract_prepare(contract)
    attribute(contract, actor=actor, reason=reason or "Contract added")
    contract.save()
    return contract


@transaction.atomic
def contract_update(
    *, contract: Contract, data: dict, actor=None, reason: str = "", varied_on: datetime.date | None = None
) -> Contract:
    """Change a contract. A commissioner may neither edit another directorate's contract nor move one out of theirs.

    A change to the whole-life value or the current end date is recorded as a variation, flagged when
    it needs a Procurement Act contract change notice (contracts.services.variations), on `varied_on`
    (the day the variation was agreed; default today)."""
    unknown = set(data) - set(CONTRACT_FIELDS)
    if unknown:
        raise TypeError(f"contract_update() got unexpected fields: {sorted(unknown)}")
    ensure_actor_scope(actor, contract.directorate_id)
    value_before, end_before = contract.total_value, contract.current_end_date
    set_fields(contract, data)
    ensure_actor_scope(actor, contract.directorate_id)
    _contract_prepare(contract)
    attribute(contract, actor=actor, reason=reason)
    contract.save()
    contract_variation_record(
        contract=contract,
        total_value_before=value_before,
        end_date_before=end_before,
        actor=actor,
        reason=reason,
        varied_on=varied_on,
    )
    return contract
