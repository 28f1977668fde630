"""Contracts taken in from open data (issue 7): a council's contracts register (CSV or Excel) and OCDS
releases (Contracts Finder, Find a Tender), written into providers and contracts all or nothing.

Both imports turn their source into `ContractDraft`s (contracts.importers.register and .ocds read and
check); `_ContractWriter` writes them the same way:

- **Providers** are found before any is added: by Companies House number, then charity number, then a
  published supplier id (Contracts Finder's GB-CFS-...), then the normalised name (as spend files are
  matched). A provider found keeps what procurement recorded; only blanks are filled in.
- **Contracts** are found by their source key (the register row's reference, supplier and title; the
  OCDS ocid, award and supplier), so importing the same file again adds nothing, and a later version
  changes the contract it made, its history saying so, its value or term changes recorded as
  variations (contracts.services.variations). Status, directorate and provider, which people look
  after once a contract is here, are set when the contract is added and not changed by a re-import.
- **All or nothing**: every draft is written inside one transaction; a draft the model refuses is an
  error naming its row, and any error rolls the whole import back. A dry run does everything and
  rolls back, so it reports exactly what the import would do.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning import as_at
from commissioning.audit import attribute, set_fields
from commissioning.models import Directorate
from contracts.choices import ContractStatus, DeclaredSize
from contracts.models import (
    Contract,
    ContractImport,
    ContractImportSource,
    ContractSourceKey,
    Provider,
    ProviderSourceKey,
    RegisterPublisher,
)
from contracts.services.providers import (
    _contract_prepare,
    normalise_provider_name,
    provider_create,
    provider_update,
)
from contracts.services.variations import contract_variation_record

MAX_PROBLEMS_SHOWN = 100


@dataclass
class ProviderDraft:
    """A supplier as the source gives it."""

    name: str
    postcode: str = ""
    address_line_1: str = ""
    town: str = ""
    companies_house_number: str = ""
    charity_number: str = ""
    declared_size: str = DeclaredSize.NONE
    declared_vcse: bool | None = None
    declared_source: str = ""
    source_key: tuple[str, str] | None = None  # (scheme, id), e.g. ("GB-CFS", "307567")


@dataclass
class ContractDraft:
    """A contract as the source gives it; `where` names its row or award in messages."""

    key: str
    where: str
    reference: str
    title: str
    provider: ProviderDraft
    directorate: str = ""
    description: str = ""
    procurement_route: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    extension_months_available: int = 0
    extension_months_taken: int = 0
    annual_value: Decimal | None = None
    total_value: Decimal | None = None
    irrecoverable_vat: Decimal | None = None
    review_date: datetime.date | None = None
    status: str = ""  # blank: worked out from the dates


# The facts a source owns: a re-import changes these; the rest is the council's to look after.
_SOURCE_FIELDS = (
    "title",
    "description",
    "procurement_route",
    "start_date",
    "end_date",
    "extension_months_available",
    "extension_months_taken",
    "annual_value",
    "total_value",
    "irrecoverable_vat",
    "review_date",
)


@dataclass
class ContractImportResult:
    """What an import did or, for a dry run, would do."""

    source: str
    file_name: str
    sha256: str
    rows: int = 0
    contracts_added: int = 0
    contracts_changed: int = 0
    contracts_unchanged: int = 0
    providers_added: int = 0
    directorates_added: list[str] = field(default_factory=list)
    skipped: int = 0
    total_value: Decimal = Decimal("0.00")
    warnings: list[str] = field(default_factory=list)
    not_known: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    unused_headings: list[str] = field(default_factory=list)
    buyer: str = ""
    dry_run: bool = False
    contract_import: ContractImport | None = None
    variations_needing_notice: int = 0

    @property
    def contracts(self) -> int:
        return self.contracts_added + self.contracts_changed + self.contracts_unchanged

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        plural = "s" if self.contracts_added != 1 else ""
        text = (
            f"{self.contracts_added:,} contract{plural} {verb} added, {self.contracts_changed:,} changed and "
            f"{self.contracts_unchanged:,} already up to date; {self.providers_added:,} new "
            f"provider{'s' if self.providers_added != 1 else ''}."
        )
        if self.directorates_added:
            text += f" New directorates: {', '.join(self.directorates_added)}."
        return text


class ContractImportError(Exception):
    """The import was refused: `messages` names every row and field (the first 100, `more` counts the rest)."""

    def __init__(self, messages: list[str], *, missing: list[str] | None = None, headings: list[str] | None = None):
        self.messages = messages[:MAX_PROBLEMS_SHOWN]
        self.more = max(len(messages) - MAX_PROBLEMS_SHOWN, 0)
        self.missing = missing or []
        self.headings = headings or []
        super().__init__("; ".join(messages[:3]) + (f" (and {len(messages) - 3} more)" if len(messages) > 3 else ""))


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def status_for(start: datetime.date | None, end: datetime.date | None, today: datetime.date) -> str:
    """Pipeline before its start, expired after its end, otherwise active (an unknown date does not end it)."""
    if end is not None and end < today:
        return ContractStatus.EXPIRED
    if start is not None and start > today:
        return ContractStatus.PIPELINE
    return ContractStatus.ACTIVE


def _directorate_code(name: str, taken: set[str]) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    base = ("".join(w[0] for w in words) if len(words) > 1 else (words[0] if words else "DIR"))[:12].upper()
    code, n = base, 2
    while code.lower() in taken:
        code, n = f"{base}{n}", n + 1
    return code


class _ContractWriter:
    """Writes drafts into providers and contracts, finding each provider and contract first.

    Everything the lookups need is read once at the start (a council holds thousands of providers, not
    millions), so writing a file costs a few queries a row, whatever is already there.
    """

    def __init__(self, *, contract_import: ContractImport, scheme: str, actor, default_directorate, reason: str):
        self.record = contract_import
        self.scheme = scheme
        self.actor = actor
        self.default_directorate = default_directorate
        self.reason = reason
        self.today = as_at.today()
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.directorates_added: list[str] = []
        self.counts = Counter()
        self.total_value = Decimal("0.00")
        self.variations_needing_notice = 0
        self._directorates = {}
        for d in Directorate.objects.all():
            self._directorates[d.code.lower()] = d
            self._directorates[d.name.lower()] = d
        self._by_company, self._by_charity, self._by_name = {}, {}, {}
        for provider in Provider.objects.order_by("pk"):
            self._remember(provider)
        self._by_source = {(k.scheme, k.key): k.provider for k in ProviderSourceKey.objects.select_related("provider")}
        self._contract_keys = {
            k.key: k.contract for k in ContractSourceKey.objects.filter(scheme=scheme).select_related("contract")
        }
        self._references = {r.lower() for r in Contract.objects.values_list("reference", flat=True)}

    def _remember(self, provider: Provider) -> None:
        if provider.companies_house_number:
            self._by_company.setdefault(provider.companies_house_number, provider)
        if provider.charity_number:
            self._by_charity.setdefault(provider.charity_number, provider)
        self._by_name.setdefault(provider.normalised_name, provider)

    # --- directorates and providers

    def directorate_for(self, name: str) -> Directorate | None:
        if not name:
            return self.default_directorate
        found = self._directorates.get(name.lower())
        if found is None:
            taken = {key for key in self._directorates}
            found = Directorate(code=_directorate_code(name, taken), name=name[:200])
            found.full_clean()
            attribute(found, actor=self.actor, reason=self.reason)
            found.save()
            self._directorates[found.code.lower()] = self._directorates[name.lower()] = found
            self.directorates_added.append(name)
        return found

    def provider_for(self, draft: ProviderDraft, where: str) -> Provider:
        provider = (
            (draft.companies_house_number and self._by_company.get(draft.companies_house_number))
            or (draft.charity_number and self._by_charity.get(draft.charity_number))
            or (draft.source_key and self._by_source.get(draft.source_key))
            or self._by_name.get(normalise_provider_name(draft.name))
        )
        if (
            provider
            and draft.companies_house_number
            and provider.companies_house_number not in ("", draft.companies_house_number)
        ):
            self.warnings.append(
                f"{where}, company number: {draft.name} is {draft.companies_house_number}, but the provider "
                f"{provider.name} is {provider.companies_house_number}: recorded as a separate provider; check "
                "which is right."
            )
            provider = None  # the same name, another company: a different provider
        if provider is None:
            provider = provider_create(
                actor=self.actor,
                reason=self.reason,
                name=draft.name,
                postcode=draft.postcode,
                address_line_1=draft.address_line_1[:200],
                town=draft.town[:100],
                companies_house_number=draft.companies_house_number,
                charity_number=draft.charity_number,
                declared_size=draft.declared_size,
                declared_vcse=draft.declared_vcse,
                declared_source=draft.declared_source[:200],
            )
            self.counts["providers_added"] += 1
        else:
            provider = self._fill_blanks(provider, draft, where)
        self._remember(provider)
        if draft.source_key and draft.source_key not in self._by_source:
            ProviderSourceKey.objects.create(provider=provider, scheme=draft.source_key[0], key=draft.source_key[1])
            self._by_source[draft.source_key] = provider
        return provider

    def _fill_blanks(self, provider: Provider, draft: ProviderDraft, where: str) -> Provider:
        """Add what the source knows and the provider's record does not; never overwrite a recorded fact."""
        data = {}
        if not provider.postcode and draft.postcode:
            data.update(postcode=draft.postcode, address_line_1=provider.address_line_1 or draft.address_line_1[:200])
            if not provider.town and draft.town:
                data["town"] = draft.town[:100]
        if not provider.companies_house_number and draft.companies_house_number not in ("", *self._by_company):
            data["companies_house_number"] = draft.companies_house_number
        if not provider.charity_number and draft.charity_number not in ("", *self._by_charity):
            data["charity_number"] = draft.charity_number
        if not provider.declared_size and draft.declared_size:
            data.update(declared_size=draft.declared_size, declared_source=draft.declared_source[:200])
        elif draft.declared_size and draft.declared_size != provider.declared_size:
            self._conflict(provider, "SME flag", draft.declared_size, provider.declared_size, draft, where)
        if provider.declared_vcse is None and draft.declared_vcse is not None:
            data.update(declared_vcse=draft.declared_vcse, declared_source=draft.declared_source[:200])
        elif draft.declared_vcse is not None and draft.declared_vcse != provider.declared_vcse:
            self._conflict(provider, "VCSE flag", draft.declared_vcse, provider.declared_vcse, draft, where)
        if data:
            provider = provider_update(provider=provider, data=data, actor=self.actor, reason=self.reason)
        return provider

    def _conflict(self, provider: Provider, what: str, said, kept, draft: ProviderDraft, where: str) -> None:
        """A supplier declared one thing here and another before: the first declaration stands, and the
        person importing is asked to check."""

        def words(value) -> str:
            return {True: "a VCSE", False: "not a VCSE", "sme": "an SME", "large": "large"}.get(value, str(value))

        self.warnings.append(
            f"{where}, {what}: {draft.name} is declared {words(said)} here, but {provider.name} was already "
            f"declared {words(kept)} ({provider.declared_source or 'recorded'}); kept {words(kept)}: "
            "check which is right."
        )

    # --- contracts

    def _reference(self, draft: ContractDraft) -> str:
        base = draft.reference[:45] or draft.key[:45]
        reference, n = base, 2
        while reference.lower() in self._references:
            reference, n = f"{base}/{n}", n + 1
        self._references.add(reference.lower())
        return reference

    def write(self, draft: ContractDraft) -> None:
        try:
            with transaction.atomic():
                self._write(draft)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                label = name.replace("_", " ") if name != "__all__" else ""
                for message in messages:
                    self.errors.append(f"{draft.where}, {label}: {message}" if label else f"{draft.where}: {message}")

    def _write(self, draft: ContractDraft) -> None:
        values = {name: getattr(draft, name) for name in _SOURCE_FIELDS}
        values["procurement_route"] = (
            values["procurement_route"] or Contract._meta.get_field("procurement_route").default
        )
        values["title"] = values["title"][:300]
        if draft.total_value is not None:
            self.total_value += draft.total_value
        reason = f"{self.reason}, {draft.where}"
        existing = self._contract_keys.get(draft.key)
        if existing is not None:
            value_before, end_before = existing.total_value, existing.current_end_date
            if not set_fields(existing, values):
                self.counts["contracts_unchanged"] += 1
                return
            _contract_prepare(existing)
            attribute(existing, actor=self.actor, reason=reason)
            existing.save()
            variation = contract_variation_record(
                contract=existing,
                total_value_before=value_before,
                end_date_before=end_before,
                actor=self.actor,
                reason=reason,
            )
            self.variations_needing_notice += bool(variation and variation.needs_change_notice)
            self.counts["contracts_changed"] += 1
            return
        directorate = self.directorate_for(draft.directorate)
        if directorate is None:
            raise ValidationError(
                {"directorate": "is blank: give each row a directorate, or choose a directorate for the import"}
            )
        contract = Contract(
            reference=self._reference(draft),
            directorate=directorate,
            provider=self.provider_for(draft.provider, draft.where),
            **values,
        )
        _contract_prepare(contract)
        contract.status = draft.status or status_for(contract.start_date, contract.current_end_date, self.today)
        attribute(contract, actor=self.actor, reason=reason)
        contract.save()
        ContractSourceKey.objects.create(
            contract=contract, scheme=self.scheme, key=draft.key, contract_import=self.record
        )
        self._contract_keys[draft.key] = contract
        self.counts["contracts_added"] += 1

    def finish(self, result: ContractImportResult) -> None:
        result.contracts_added = self.counts["contracts_added"]
        result.contracts_changed = self.counts["contracts_changed"]
        result.contracts_unchanged = self.counts["contracts_unchanged"]
        result.providers_added = self.counts["providers_added"]
        result.directorates_added = self.directorates_added
        result.total_value = self.total_value
        result.variations_needing_notice = self.variations_needing_notice
        result.warnings = [*result.warnings, *self.warnings]


def _run(
    *, result: ContractImportResult, drafts: list[ContractDraft], record: ContractImport, scheme: str, actor,
    default_directorate, reason: str, dry_run: bool,
) -> ContractImportResult:  # fmt: skip
    """Write the drafts and the import's record in one transaction; roll back on any error or a dry run."""
    with transaction.atomic():
        record.save()
        writer = _ContractWriter(
            contract_import=record, scheme=scheme, actor=actor, default_directorate=default_directorate, reason=reason
        )
        for draft in drafts:
            writer.write(draft)
        if writer.errors:
            transaction.set_rollback(True)
            raise ContractImportError(writer.errors)
        writer.finish(result)
        for name in (
            "rows", "contracts_added", "contracts_changed", "contracts_unchanged", "providers_added", "skipped",
            "total_value", "warnings", "columns", "buyer",
        ):  # fmt: skip
            setattr(record, name, getattr(result, name))
        record.save()
        if dry_run:
            transaction.set_rollback(True)
        else:
            result.contract_import = record
    return result


# --- the contracts register ------------------------------------------------------------------------------


def _saved_register_mapping(publisher: str) -> dict[str, str]:
    found = RegisterPublisher.objects.filter(name__iexact=publisher).first() if publisher else None
    return dict(found.column_mapping) if found else {}


def contracts_register_import(
    *,
    content: bytes,
    file_name: str,
    publisher: str,
    actor=None,
    directorate: Directorate | None = None,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
) -> ContractImportResult:
    """Import a contracts register, all or nothing (see the module's docstring).

    `publisher` names the council whose register it is; a row is known again in a later version of
    its register by its reference, supplier and title (and, for rows alike in all three, which of
    them it is). `directorate` is used for rows with no directorate; a directorate the council does
    not have yet is added. `columns` maps fields to headings Golden Thread does not recognise; it is
    saved for the publisher (and used for its next files) when the import succeeds.

    Raises ContractImportError naming every bad row and field; nothing is written then.
    """
    from contracts.importers.register import RegisterFileError, read_register  # noqa: PLC0415 - importers use services

    publisher = " ".join((publisher or "").split())
    if not publisher:
        raise ContractImportError(["Name the council whose register this is (the publisher)."])
    columns = {name: heading for name, heading in (columns or {}).items() if heading and heading.strip()}
    mapping = {**_saved_register_mapping(publisher), **columns}
    try:
        sheet = read_register(content=content, filename=file_name, mapping=mapping)
    except RegisterFileError as exc:
        raise ContractImportError(exc.messages, missing=exc.missing, headings=exc.headings) from exc

    seen = Counter()
    drafts = []
    source = f"{publisher} contracts register"
    for row in sheet.rows:
        identity = (row.reference.lower(), normalise_provider_name(row.supplier), " ".join(row.title.lower().split()))
        seen[identity] += 1
        key = "|".join(identity) + (f"#{seen[identity]}" if seen[identity] > 1 else "")
        drafts.append(
            ContractDraft(
                key=key[:400],
                where=f"Row {row.row}",
                reference=row.reference or _row_reference(publisher, row.row),
                title=row.title,
                description=row.description,
                directorate=row.directorate,
                procurement_route=row.procurement_route,
                start_date=row.start_date,
                end_date=row.end_date,
                extension_months_available=row.extension_months_available,
                extension_months_taken=row.extension_months_taken,
                annual_value=row.annual_value,
                total_value=row.total_value,
                irrecoverable_vat=row.irrecoverable_vat,
                review_date=row.review_date,
                provider=ProviderDraft(
                    name=row.supplier,
                    postcode=row.supplier_postcode,
                    companies_house_number=row.company_number,
                    charity_number=row.charity_number,
                    declared_size=row.declared_size,
                    declared_vcse=row.declared_vcse,
                    declared_source=source,
                ),
            )
        )
    result = ContractImportResult(
        source=ContractImportSource.REGISTER,
        file_name=file_name,
        sha256=content_sha256(content),
        rows=len(sheet.rows),
        warnings=[str(w) for w in sheet.warnings],
        not_known=dict(sheet.not_known),
        columns=sheet.columns,
        unused_headings=sheet.unused_headings,
        dry_run=dry_run,
    )
    with transaction.atomic():
        record_publisher, _ = RegisterPublisher.objects.get_or_create(
            name__iexact=publisher, defaults={"name": publisher}
        )
        if columns and not dry_run:
            record_publisher.column_mapping = {**record_publisher.column_mapping, **columns}
            record_publisher.save(update_fields=["column_mapping", "modified"])
        record = ContractImport(
            source=ContractImportSource.REGISTER,
            publisher=record_publisher,
            file_name=file_name[:255],
            file_sha256=result.sha256,
            imported_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _run(
            result=result,
            drafts=drafts,
            record=record,
            scheme=f"register:{record_publisher.name}"[:220],
            actor=actor,
            default_directorate=directorate,
            reason=f"Imported from the contracts register {file_name}",
            dry_run=dry_run,
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


# --- OCDS releases -------------------------------------------------------------------------------------


def ocds_import(
    *,
    content: bytes,
    file_name: str,
    directorate: Directorate | None,
    buyer: str | None = None,
    actor=None,
    dry_run: bool = False,
) -> ContractImportResult:
    """Import OCDS data (release package, record package or array of releases), all or nothing.

    Releases are merged per process (contracts.importers.ocds); processes whose buyer is not `buyer`
    are skipped (None keeps every buyer, e.g. to study a market). Each award becomes one contract per
    supplier, in `directorate` (OCDS does not say which directorate holds a contract). Its annual
    value is the award's value spread over the years of its period (whole years, at least one), the
    same estimate the Transparency Code accepts for a contract's annual spend.

    Raises ContractImportError naming every release or award at fault; nothing is written then.
    """
    from contracts.importers.ocds import OCDSFileError, read_ocds  # noqa: PLC0415 - importers use services

    if directorate is None:
        raise ContractImportError(
            ["Choose the directorate the contracts belong to: OCDS data does not say which directorate holds them."]
        )
    try:
        data = read_ocds(content=content, buyer=buyer or None)
    except OCDSFileError as exc:
        raise ContractImportError(exc.messages) from exc
    drafts = []
    # Oldest first: where two notices declare a supplier differently, the first declaration stands and
    # the later one is reported, the same way whatever order the file lists its processes in.
    ordered = sorted(
        data.awards, key=lambda a: (a.published or datetime.date.min, a.ocid, a.award_id, a.supplier.party_id)
    )
    for award in ordered:
        supplier = award.supplier
        source_key = None
        if supplier.party_id and not supplier.party_id.startswith("GB-COH-"):
            source_key = ("ocds-party", supplier.party_id[:300])
        published = f", {award.published:%-d %B %Y}" if award.published else ""
        drafts.append(
            ContractDraft(
                key=f"{award.ocid}|{award.award_id}|{supplier.party_id}"[:400],
                where=f"Process {award.ocid}, award {award.award_id}, supplier {supplier.party_id}",
                reference=award.reference,
                title=award.title,
                description=award.description,
                procurement_route=award.procurement_route,
                start_date=award.start_date,
                end_date=award.end_date,
                total_value=award.value,
                annual_value=_annual_estimate(award.value, award.start_date, award.end_date),
                status=award.status,
                provider=ProviderDraft(
                    name=supplier.name,
                    postcode=supplier.postcode,
                    address_line_1=supplier.street_address,
                    town=supplier.town,
                    companies_house_number=supplier.companies_house_number,
                    declared_size=supplier.scale,
                    declared_vcse=supplier.vcse,
                    declared_source=f"OCDS award notice{published}",
                    source_key=source_key,
                ),
            )
        )
    result = ContractImportResult(
        source=ContractImportSource.OCDS,
        file_name=file_name,
        sha256=content_sha256(content),
        rows=data.releases,
        skipped=data.skipped_processes,
        warnings=data.warnings,
        buyer=buyer or "",
        dry_run=dry_run,
    )
    record = ContractImport(
        source=ContractImportSource.OCDS,
        file_name=file_name[:255],
        file_sha256=result.sha256,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return _run(
        result=result,
        drafts=drafts,
        record=record,
        scheme="ocds",
        actor=actor,
        default_directorate=directorate,
        reason=f"Imported from the OCDS file {file_name}",
        dry_run=dry_run,
    )


def _annual_estimate(total: Decimal | None, start: datetime.date | None, end: datetime.date | None) -> Decimal | None:
    if total is None or start is None or end is None:
        return None
    years = max(round(((end - start).days + 1) / 365.25), 1)
    return (total / years).quantize(Decimal("0.01"))


def _row_reference(publisher: str, row: int) -> str:
    """A reference for a row the register gives none: the publisher's initials and the row ("SCC-27")."""
    initials = "".join(word[0] for word in re.findall(r"[A-Za-z]+", publisher)).upper()[:8] or "REG"
    return f"{initials}-{row}"


__all__ = [
    "ContractDraft",
    "ContractImportError",
    "ContractImportResult",
    "ProviderDraft",
    "content_sha256",
    "contracts_register_import",
    "ocds_import",
    "status_for",
]
