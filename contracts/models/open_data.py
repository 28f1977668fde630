"""Open data in and out (issue 7): contracts registers and OCDS notices taken in, and the record of
each import; the keys that tie an imported contract or provider to where it came from; and contract
variations, with the Procurement Act 2023 contract change notice they may need.

A register row or an OCDS award is tied to the contract it became by a `ContractSourceKey` (the
register's row key, or the ocid, award and supplier), and a published supplier to its provider by a
`ProviderSourceKey` (a Contracts Finder supplier id such as GB-CFS-307567). That is how importing
the same file again adds nothing, and a later version of a register or notice changes the contract
it made rather than adding another.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from commissioning.db import TimeStampedModel
from contracts.models.contract import Contract, Provider


class ContractImportSource(models.TextChoices):
    REGISTER = "register", "Contracts register"
    OCDS = "ocds", "OCDS releases"


class RegisterPublisher(TimeStampedModel):
    """A council (or other body) whose contracts register is imported.

    `column_mapping` remembers, per field, the heading a person chose for this publisher's
    register when Golden Thread could not recognise it: {"total_value": "Whole Life Cost"}.
    """

    name = models.CharField(
        max_length=200, unique=True, error_messages={"unique": "A publisher with this name already exists."}
    )
    column_mapping = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContractImport(TimeStampedModel):
    """One contracts register or OCDS file imported: which file (name and SHA-256), who, when, and what it
    added and changed. Warnings are the values recorded as not known, each naming its row and field."""

    source = models.CharField(max_length=10, choices=ContractImportSource.choices)
    publisher = models.ForeignKey(
        RegisterPublisher, on_delete=models.PROTECT, null=True, blank=True, related_name="imports"
    )
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="contract_imports"
    )
    buyer = models.CharField(
        max_length=300, blank=True, help_text="OCDS: the buyer whose contracts were kept (blank: every buyer)"
    )
    columns = models.JSONField(default=dict, blank=True, help_text="Register: field to the heading it was read from")
    rows = models.PositiveIntegerField(default=0, help_text="Register rows, or OCDS releases, in the file")
    contracts_added = models.PositiveIntegerField(default=0)
    contracts_changed = models.PositiveIntegerField(default=0)
    contracts_unchanged = models.PositiveIntegerField(default=0)
    providers_added = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="OCDS: releases of other buyers, or with no award")
    total_value = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_source_display()})"


class ContractSourceKey(models.Model):
    """Where a contract came from: `scheme` names the source ("register:Salford City Council", "ocds") and
    `key` the row or award within it, stable across versions of the file."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="source_keys")
    scheme = models.CharField(max_length=220)
    key = models.CharField(max_length=400)
    contract_import = models.ForeignKey(
        ContractImport, on_delete=models.PROTECT, related_name="contract_keys", help_text="The import that added it"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "key"],
                name="contract_source_key_unique",
                violation_error_message="This source row is already imported.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.key}"


class ProviderSourceKey(models.Model):
    """A published identifier of a provider other than its Companies House or charity number: a
    Contracts Finder supplier id (GB-CFS-307567), so the same supplier in a later notice is the same provider."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="source_keys")
    scheme = models.CharField(max_length=50)
    key = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "key"],
                name="provider_source_key_unique",
                violation_error_message="This identifier already belongs to a provider.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme}-{self.key}"


class ContractVariation(TimeStampedModel):
    """A change to a contract's value or term, as it was made: before and after, who, when and why.

    Procurement Act 2023 s.75: before modifying a public contract the council publishes a contract
    change notice, unless the modification is below threshold. Golden Thread flags a variation that
    changes the whole-life value or the term (start to current end) by more than 10%
    (`needs_change_notice`); contracts.rules.variation_assessment says why in words.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="variations")
    varied_on = models.DateField()
    varied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    total_value_before = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_value_after = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    end_date_before = models.DateField(null=True, blank=True, help_text="Current end date before the variation")
    end_date_after = models.DateField(null=True, blank=True)
    value_change_percent = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    term_change_percent = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    needs_change_notice = models.BooleanField(default=False)
    explanation = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-varied_on", "-id"]
        indexes = [models.Index(fields=["needs_change_notice", "varied_on"])]

    def __str__(self) -> str:
        return f"Variation of {self.contract.reference} on {self.varied_on:%d %B %Y}"
