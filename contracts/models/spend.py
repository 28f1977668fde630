"""Payments to providers, from the spend files councils publish under the Local Government
Transparency Code 2015 (every payment over £500; many councils publish every payment).

A spend file is imported whole or not at all (contracts.services.spend_file_import). Every
line of a file counts, including repeated transaction numbers (one invoice paid over several
lines) and identical lines: a line is identified by its publisher, transaction number, date,
supplier name and amount *and its occurrence*, the n-th time that same line appears. That is
how re-importing a file adds nothing and an overlapping file adds only the lines not yet there,
counted with multiplicity.

Amounts are whole pence (`amount_pence`): the analysis sums millions of lines, and integer
pence are exact on SQLite (which keeps decimals as floating point), PostgreSQL and pandas alike.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from commissioning.db import TimeStampedModel, pence_to_pounds
from contracts.models.contract import Contract, Provider


class CapitalRevenue(models.TextChoices):
    CAPITAL = "capital", "Capital"
    REVENUE = "revenue", "Revenue"
    UNKNOWN = "", "Not stated"


class SpendPublisher(TimeStampedModel):
    """A body that publishes spend files (Kent County Council, or another council for comparison).

    `column_mapping` remembers, per field, the heading a person chose for this publisher's files
    when Golden Thread could not recognise it: {"supplier": "Beneficiary"}.
    """

    name = models.CharField(
        max_length=200, unique=True, error_messages={"unique": "A publisher with this name already exists."}
    )
    column_mapping = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SpendImportStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    ROLLED_BACK = "rolled_back", "Rolled back"


class SpendImport(TimeStampedModel):
    """One spend file imported: which file (name and SHA-256), who, when, its rows and total, and
    how many of its lines were new. Rolling it back removes exactly the lines it added."""

    publisher = models.ForeignKey(SpendPublisher, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="spend_imports"
    )
    encoding = models.CharField(max_length=20, blank=True)
    columns = models.JSONField(default=dict, blank=True, help_text="Field to the heading it was read from")
    rows = models.PositiveIntegerField(default=0, help_text="Lines in the file")
    total_pence = models.BigIntegerField(default=0, help_text="Total of every line in the file, in pence")
    lines_added = models.PositiveIntegerField(default=0)
    added_pence = models.BigIntegerField(default=0)
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=SpendImportStatus.choices, default=SpendImportStatus.IMPORTED)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.publisher})"

    @property
    def total(self) -> Decimal:
        return pence_to_pounds(self.total_pence)

    @property
    def added(self) -> Decimal:
        return pence_to_pounds(self.added_pence)

    @property
    def lines_already_there(self) -> int:
        return self.rows - self.lines_added


class SpendLine(models.Model):
    """One payment line of a published spend file.

    The supplier is matched to a provider where it can be (contracts.services.spend_lines_match);
    an unmatched line keeps its supplier name and stays visible as unmatched. A redacted line
    ("Redacted Personal Information": payments to individuals) is spend, but not a supplier.
    """

    spend_import = models.ForeignKey(SpendImport, on_delete=models.CASCADE, related_name="lines")
    # Indexes are few on purpose: each one is upkeep on every line of a million-row import.
    # The publisher leads the unique constraint's index, and provider and contract lead their
    # date indexes, so none of the three needs an index of its own.
    publisher = models.ForeignKey(SpendPublisher, on_delete=models.PROTECT, related_name="lines", db_index=False)
    row_number = models.PositiveIntegerField(help_text="Row in the file, the heading being row 1")
    transaction_number = models.CharField(max_length=100, blank=True)
    payment_date = models.DateField()
    supplier_name = models.CharField(max_length=300)
    normalised_supplier = models.CharField(max_length=300)
    amount_pence = models.BigIntegerField(help_text="Net of recoverable VAT; credits are negative")
    occurrence = models.PositiveIntegerField(default=1, help_text="The n-th identical line of this publisher")
    service_area = models.CharField(max_length=300, blank=True)
    expense_type = models.CharField(max_length=300, blank=True)
    capital_revenue = models.CharField(max_length=10, choices=CapitalRevenue.choices, blank=True)
    company_number = models.CharField(max_length=8, blank=True)
    charity_number = models.CharField(max_length=20, blank=True)
    vat_number = models.CharField(max_length=20, blank=True)
    vcse_flag = models.BooleanField(null=True, help_text="What the file says; classification comes from the provider")
    redacted = models.BooleanField(default=False)
    provider = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="spend_lines", db_index=False
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.SET_NULL, null=True, blank=True, related_name="spend_lines", db_index=False
    )

    class Meta:
        ordering = ["-payment_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "publisher",
                    "transaction_number",
                    "payment_date",
                    "supplier_name",
                    "amount_pence",
                    "occurrence",
                ],
                name="spend_line_unique_occurrence",
                violation_error_message="This spend line has already been imported.",
            ),
        ]
        indexes = [
            models.Index(fields=["payment_date"]),
            # A plain index (not db_index, which on PostgreSQL adds a second, LIKE index).
            models.Index(fields=["normalised_supplier"]),
            models.Index(fields=["provider", "payment_date"]),
            models.Index(fields=["contract", "payment_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.payment_date} {self.supplier_name} £{self.amount}"

    @property
    def amount(self) -> Decimal:
        return pence_to_pounds(self.amount_pence)


class SpendStagingLine(models.Model):
    """Lines of a file being imported, held only inside the import's transaction.

    The file is streamed here in bulk, then merged into SpendLine in one INSERT ... SELECT that
    numbers identical lines (ROW_NUMBER) and skips those already imported, so memory stays
    bounded whatever the size of the file. Always empty outside an import.
    """

    # Staged rows live for one transaction and are read whole: no indexes or FK checks to keep up.
    spend_import = models.ForeignKey(
        SpendImport, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    row_number = models.PositiveIntegerField()
    transaction_number = models.CharField(max_length=100, blank=True)
    payment_date = models.DateField()
    supplier_name = models.CharField(max_length=300)
    normalised_supplier = models.CharField(max_length=300)
    amount_pence = models.BigIntegerField()
    service_area = models.CharField(max_length=300, blank=True)
    expense_type = models.CharField(max_length=300, blank=True)
    capital_revenue = models.CharField(max_length=10, blank=True)
    company_number = models.CharField(max_length=8, blank=True)
    charity_number = models.CharField(max_length=20, blank=True)
    vat_number = models.CharField(max_length=20, blank=True)
    vcse_flag = models.BooleanField(null=True)
    redacted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Row {self.row_number} of import {self.spend_import_id}"


class SupplierAlias(TimeStampedModel):
    """A supplier name as spend files write it, confirmed by a person as this provider.

    Matching never links a close name on its own below a high threshold; once a person confirms
    it, every line with that (normalised) name, in this and later files, is the provider's.
    """

    normalised_name = models.CharField(
        max_length=300, unique=True, error_messages={"unique": "This supplier name is already matched."}
    )
    name = models.CharField(max_length=300, help_text="The name as a spend file wrote it")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="aliases")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["normalised_name"]
        verbose_name_plural = "supplier aliases"

    def __str__(self) -> str:
        return f"{self.name} → {self.provider}"
