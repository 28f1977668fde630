"""Read Open Contracting Data Standard (OCDS) data: release packages, record packages, or a JSON array of
releases, as Contracts Finder and Find a Tender publish them.

Releases are merged per contracting process (ocid) in date order into one compiled release with
ocdsmerge, the Open Contracting Partnership's reference implementation, using the OCDS 1.1.5 release
schema shipped in contracts/data/ocds (nothing is fetched). A record package's compiled release is
used as published. Each award of a kept process becomes one contract per supplier; its value and
period come from the award (or the contract that implements it, where the data has one).

Suppliers keep what they declared: Contracts Finder's `details.scale` (sme or large) and
`details.vcse`, and a Companies House number from a GB-COH identifier. The postcode is taken from
`address.postalCode`, or found inside `streetAddress` where, as in many Contracts Finder notices,
that is the only place it is written ("...nOne America Square, London EC3N 2LB").

This module only reads and checks; contracts.services.open_data writes, all or nothing.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import ocdsmerge
from ocdsmerge.exceptions import OCDSMergeError, OCDSMergeWarning

from commissioning.postcodes import postcode_in_text
from contracts.choices import ContractStatus, DeclaredSize, ProcurementRoute
from contracts.ocds import SCHEMA_DIR
from contracts.services.providers import normalise_company_number, normalise_provider_name

MAX_FILE_BYTES = 50 * 1024 * 1024
# Awards that never became a contract.
_NOT_AWARDED = {"cancelled", "unsuccessful"}
_COMPANY = re.compile(r"^([A-Z]{2}\d{6}|\d{8})$")


class OCDSFileError(Exception):
    """The file was refused; `messages` names every release and field at fault."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages[:3]) + (f" (and {len(messages) - 3} more)" if len(messages) > 3 else ""))


@dataclass
class OCDSSupplier:
    party_id: str
    name: str
    street_address: str = ""
    town: str = ""
    postcode: str = ""
    companies_house_number: str = ""
    scale: str = DeclaredSize.NONE
    vcse: bool | None = None


@dataclass
class OCDSAward:
    """One supplier's part in an award: what becomes a contract."""

    ocid: str
    award_id: str
    reference: str
    title: str
    description: str
    buyer: str
    supplier: OCDSSupplier
    procurement_route: str
    value: Decimal | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    status: str
    published: datetime.date | None


@dataclass
class OCDSData:
    releases: int = 0
    processes: int = 0
    awards: list[OCDSAward] = field(default_factory=list)
    skipped_processes: int = 0
    warnings: list[str] = field(default_factory=list)
    buyers: dict[str, int] = field(default_factory=dict)


@functools.cache
def _merger() -> ocdsmerge.Merger:
    with (SCHEMA_DIR / "schema-1.1.5" / "release-schema.json").open(encoding="utf-8") as handle:
        return ocdsmerge.Merger(schema=json.load(handle))


def _load(content: bytes) -> object:
    if len(content) > MAX_FILE_BYTES:
        raise OCDSFileError(
            [f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it and import each part."]
        )
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise OCDSFileError(["The file is not UTF-8 text: OCDS data is JSON in UTF-8."]) from exc
    except json.JSONDecodeError as exc:
        raise OCDSFileError([f"The file is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}."]) from exc


def _processes(data: object, problems: list[str]) -> tuple[int, dict[str, list[dict]], dict[str, dict]]:
    """(releases read, releases by ocid, compiled releases by ocid from a record package)."""
    releases: list = []
    compiled: dict[str, dict] = {}
    if isinstance(data, list):
        releases = data
    elif isinstance(data, dict) and isinstance(data.get("releases"), list):
        releases = data["releases"]
    elif isinstance(data, dict) and isinstance(data.get("records"), list):
        for number, record in enumerate(data["records"], start=1):
            if not isinstance(record, dict) or not isinstance(record.get("ocid"), str):
                problems.append(f"Record {number}: has no ocid.")
                continue
            if isinstance(record.get("compiledRelease"), dict):
                compiled[record["ocid"]] = record["compiledRelease"]
            else:
                embedded = [r for r in record.get("releases") or [] if isinstance(r, dict) and "ocid" in r]
                if not embedded:
                    problems.append(
                        f"Record {number} ({record['ocid']}): has neither a compiled release nor its releases "
                        "(only links to them): publish the record package with compiledRelease."
                    )
                releases.extend(embedded)
    elif isinstance(data, dict) and "ocid" in data:
        releases = [data]
    else:
        raise OCDSFileError(
            ["The file is not OCDS data: expected a release package, a record package or a JSON array of releases."]
        )
    by_ocid: dict[str, list[dict]] = defaultdict(list)
    for number, release in enumerate(releases, start=1):
        if not isinstance(release, dict):
            problems.append(f"Release {number}: is not a JSON object.")
            continue
        ocid = release.get("ocid")
        where = f"Release {number}" + (f" ({ocid})" if isinstance(ocid, str) else "")
        if not isinstance(ocid, str) or not ocid.strip():
            problems.append(f"{where}: ocid is missing.")
            continue
        if not isinstance(release.get("date"), str) or _date(release["date"]) is None:
            problems.append(f"{where}: date is missing or not a date ({release.get('date')!r}).")
            continue
        by_ocid[ocid].append(release)
    return len(releases) + len(compiled), by_ocid, compiled


def _date(text) -> datetime.date | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.datetime.fromisoformat(text.strip()).date()
    except ValueError:
        try:
            return datetime.date.fromisoformat(text.strip()[:10])
        except ValueError:
            return None


def _amount(value: object, where: str, notes: list[str]) -> Decimal | None:
    if not isinstance(value, dict) or value.get("amount") is None:
        return None
    currency = value.get("currency") or "GBP"
    if currency != "GBP":
        notes.append(f"{where}: the value is in {currency}; only pounds are recorded, so it is recorded as not known.")
        return None
    try:
        amount = Decimal(str(value["amount"])).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        notes.append(f"{where}: the value {value['amount']!r} is not a number; recorded as not known.")
        return None
    if amount < 0:
        notes.append(f"{where}: the value {amount} is negative; recorded as not known.")
        return None
    return amount


def _route(tender: dict) -> str:
    method = str(tender.get("procurementMethod") or "").lower()
    details = str(tender.get("procurementMethodDetails") or "").lower()
    techniques = tender.get("techniques") or {}
    if "framework" in details or (isinstance(techniques, dict) and techniques.get("hasFrameworkAgreement")):
        return ProcurementRoute.FRAMEWORK
    if "dynamic" in details:
        return ProcurementRoute.DYNAMIC_MARKET
    return {
        "open": ProcurementRoute.OPEN,
        "selective": ProcurementRoute.RESTRICTED,
        "limited": ProcurementRoute.DIRECT_AWARD,
        "direct": ProcurementRoute.DIRECT_AWARD,
    }.get(method, ProcurementRoute.OTHER)


# Contracts Finder publishes line breaks inside addresses as a literal "rn" or "n".
_LINE_BREAKS = re.compile(r",?\s*rn(?=[A-Z0-9])|(?<=[a-z,])n(?=[A-Z0-9])|(?<=[A-Z]{2})n(?=[A-Z0-9]{2})")


def _supplier(reference: dict, party: dict | None, where: str, notes: list[str]) -> OCDSSupplier:
    party = party or {}
    party_id = str(reference.get("id") or party.get("id") or "")
    name = " ".join(str(party.get("name") or reference.get("name") or "").split())
    if not name:
        name = f"Supplier {party_id} (no name published)"
        notes.append(f"{where}: the supplier {party_id} has no name; recorded as '{name}'.")
    address = party.get("address") if isinstance(party.get("address"), dict) else {}
    street = " ".join(str(address.get("streetAddress") or "").split())
    town = " ".join(str(address.get("locality") or "").split())
    postcode = postcode_in_text(str(address.get("postalCode") or "").upper()) or postcode_in_text(
        " ".join(filter(None, [street, town, str(address.get("region") or "")]))
    )
    identifiers = [party.get("identifier")] + list(party.get("additionalIdentifiers") or [])
    company = ""
    for identifier in identifiers:
        if isinstance(identifier, dict) and identifier.get("scheme") == "GB-COH" and identifier.get("id"):
            candidate = normalise_company_number(str(identifier["id"]))
            if _COMPANY.match(candidate):
                company = candidate
                break
    if not company and party_id.startswith("GB-COH-"):
        candidate = normalise_company_number(party_id.removeprefix("GB-COH-"))
        company = candidate if _COMPANY.match(candidate) else ""
    details = party.get("details") if isinstance(party.get("details"), dict) else {}
    scale = {"sme": DeclaredSize.SME, "micro": DeclaredSize.SME, "large": DeclaredSize.LARGE}.get(
        str(details.get("scale") or "").lower(), DeclaredSize.NONE
    )
    vcse = details.get("vcse") if isinstance(details.get("vcse"), bool) else None
    return OCDSSupplier(
        party_id=party_id,
        name=name[:300],
        street_address=_LINE_BREAKS.sub(", ", street),
        town=town,
        postcode=postcode,
        companies_house_number=company,
        scale=scale,
        vcse=vcse,
    )


def buyer_matches(compiled: dict, buyer: str) -> bool:
    """Whether a process's buyer is the one named: by name (normalised as providers are) or by party id."""
    found = compiled.get("buyer") if isinstance(compiled.get("buyer"), dict) else {}
    wanted = normalise_provider_name(buyer)
    return bool(wanted) and (
        normalise_provider_name(str(found.get("name") or "")) == wanted or str(found.get("id") or "") == buyer.strip()
    )


def read_ocds(*, content: bytes, buyer: str | None = None) -> OCDSData:
    """Read OCDS data into awards, keeping only processes whose buyer is `buyer` (None keeps every buyer).

    Raises OCDSFileError naming every release that cannot be read.
    """
    data = _load(content)
    problems: list[str] = []
    count, by_ocid, compiled_by_ocid = _processes(data, problems)
    if problems:
        raise OCDSFileError(problems)
    result = OCDSData(releases=count)
    merger = _merger()
    compiled_all: list[tuple[dict, list[str]]] = [(c, []) for c in compiled_by_ocid.values()]
    for ocid, releases in by_ocid.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OCDSMergeWarning)
            try:
                merged = merger.create_compiled_release(releases)
            except OCDSMergeError as exc:
                problems.append(f"Process {ocid}: its releases cannot be merged ({exc}).")
                continue
        notes = [
            f"Process {ocid}: {w.message}; they were merged as one."
            for w in caught
            if issubclass(w.category, OCDSMergeWarning)
        ]
        compiled_all.append((merged, notes))
    if problems:
        raise OCDSFileError(problems)
    result.processes = len(compiled_all)
    for compiled, notes in compiled_all:
        buyer_name = str((compiled.get("buyer") or {}).get("name") or "")
        result.buyers[buyer_name] = result.buyers.get(buyer_name, 0) + 1
        if buyer is not None and not buyer_matches(compiled, buyer):
            result.skipped_processes += 1
            continue
        result.warnings.extend(notes)
        result.awards.extend(_awards(compiled, buyer_name, result.warnings))
    return result


def _awards(compiled: dict, buyer: str, notes: list[str]) -> list[OCDSAward]:
    ocid = compiled["ocid"]
    tender = compiled.get("tender") if isinstance(compiled.get("tender"), dict) else {}
    parties = {str(p.get("id")): p for p in compiled.get("parties") or [] if isinstance(p, dict)}
    contracts = {
        str(c.get("awardID")): c for c in compiled.get("contracts") or [] if isinstance(c, dict) and c.get("awardID")
    }
    out = []
    for award in compiled.get("awards") or []:
        if not isinstance(award, dict) or str(award.get("status") or "").lower() in _NOT_AWARDED:
            continue
        award_id = str(award.get("id") or "")
        where = f"Process {ocid}, award {award_id}"
        contract = contracts.get(award_id, {})
        period = contract.get("period") or award.get("contractPeriod") or tender.get("contractPeriod") or {}
        value = _amount(contract.get("value") or award.get("value"), where, notes)
        start, end = _date(period.get("startDate")), _date(period.get("endDate"))
        if start and end and end < start:
            notes.append(f"{where}: the contract period ends before it starts; its end is recorded as not known.")
            end = None
        status = ""
        if str(award.get("status") or "").lower() == "pending":
            status = ContractStatus.PIPELINE
        reference = str(tender.get("id") or "") if len(str(tender.get("id") or "")) <= 45 else ""
        if not reference or reference == ocid:
            reference = re.sub(r"^ocds-[a-z0-9]{6}-", "", award_id)
        seen = set()
        for supplier_ref in award.get("suppliers") or []:
            if not isinstance(supplier_ref, dict) or not supplier_ref.get("id") or supplier_ref["id"] in seen:
                continue
            seen.add(supplier_ref["id"])
            out.append(
                OCDSAward(
                    ocid=ocid,
                    award_id=award_id,
                    reference=reference,
                    title=" ".join(
                        str(contract.get("title") or award.get("title") or tender.get("title") or "").split()
                    )
                    or f"Contract {award_id}",
                    description=str(
                        contract.get("description") or award.get("description") or tender.get("description") or ""
                    ),
                    buyer=buyer,
                    supplier=_supplier(supplier_ref, parties.get(str(supplier_ref["id"])), where, notes),
                    procurement_route=_route(tender),
                    value=value,
                    start_date=start,
                    end_date=end,
                    status=status,
                    published=_date(award.get("datePublished") or award.get("date") or compiled.get("date")),
                )
            )
    return out
