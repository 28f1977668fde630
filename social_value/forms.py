"""Forms of the social value pages: a commitment (add, vary), a delivery return with its evidence,
rejecting a return, and the filter of the returns awaiting verification.

The forms only turn what a person typed into Python values and word what is wrong at the field.
The rules themselves (the proxy in force, the due date after the start, evidence given, who may
write for which contract) live in the model and social_value.services, so the pages, the API and
the importers refuse the same things with the same words; `apply_service_errors` puts a service's
refusals back on the form.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import groupby
from pathlib import Path

from django import forms
from django.utils import timezone

from commissioning.choices import Role
from commissioning.selectors import directorate_list
from contracts.forms import DateInput
from social_value.models import CommitmentBasis, DeliveryStatus, SocialValueMeasure

# Evidence is a document, a spreadsheet or a photo; anything else (executables, web pages) is refused.
EVIDENCE_EXTENSIONS = (".pdf", ".docx", ".xlsx", ".csv", ".png", ".jpg", ".jpeg")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
ALL_STATUSES = "all"


def _quantity_field(label: str, help_text: str) -> forms.DecimalField:
    name = label.lower()
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        localize=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}),
        error_messages={
            "required": f"Enter the {name}",
            "invalid": f"The {name} must be a number, like 12 or 12.5",
            "min_value": f"The {name} must be 0 or more",
            "max_digits": f"The {name} must be less than 1,000,000,000,000",
            "max_whole_digits": f"The {name} must be less than 1,000,000,000,000",
            "max_decimal_places": f"The {name} can have no more than 2 decimal places",
        },
    )


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"{label} must be a real date, for example 31/3/2027",
        },
    )


def _basis_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Basis",
        choices=CommitmentBasis.choices,
        initial=CommitmentBasis.BY_DATE,
        widget=forms.RadioSelect,
        help_text="A quantity in total by the due date, or a quantity each contract year (part years pro rata)",
        error_messages={"required": "Select the basis", "invalid_choice": "Select the basis from the list"},
    )


def _notes_field() -> forms.CharField:
    return forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. For example, where the commitment is written in the contract",
    )


def measure_choices(measures) -> list[tuple[str, list[tuple[int, str]]]]:
    """Measures grouped by their theme, each with its unit: ("SV1.1.1 Local people employed (People)")."""
    return [
        (str(theme), [(m.pk, f"{m.code} {m.name} ({m.get_unit_display()})") for m in items])
        for theme, items in groupby(measures, key=lambda m: m.outcome.theme)
    ]


class CommitmentForm(forms.Form):
    """What a provider committed to under a contract. The proxy value is not typed: the one in force
    on the committed date is applied when saving, and shown on the commitment's page."""

    measure = forms.TypedChoiceField(
        label="Measure",
        coerce=int,
        help_text="What the provider commits to, grouped by theme, with its unit",
        error_messages={"required": "Select the measure", "invalid_choice": "Select a measure from the list"},
    )
    basis = _basis_field()
    quantity = _quantity_field("Quantity", "In the measure's unit: in total, or each contract year")
    committed_on = _date_field(
        "Committed on",
        help_text="The day the provider made the commitment, normally the contract award: it sets the proxy value",
    )
    start_date = _date_field("Start date", required=False)
    due_date = _date_field("Due date", required=False)
    notes = _notes_field()

    def __init__(self, *args, measures, contract, **kwargs):
        super().__init__(*args, **kwargs)
        measures = list(measures)
        self.measures_by_pk: dict[int, SocialValueMeasure] = {m.pk: m for m in measures}
        self.fields["measure"].choices = [("", "Choose a measure"), *measure_choices(measures)]
        self.fields["committed_on"].initial = timezone.localdate()
        # Blank means the contract's own date; a contract from a published register may not give it,
        # and then the date must be typed (social_value.services.commitment_create refuses it missing).
        start, due = self.fields["start_date"], self.fields["due_date"]
        if contract.start_date is None:
            start.required = True
            start.help_text = "When delivery starts. The contract's start date is not known, so enter it"
        else:
            start.help_text = (
                f"When delivery starts. Leave blank for the contract's start, {contract.start_date:%-d %B %Y}"
            )
        if contract.current_end_date is None:
            due.required = True
            due.help_text = "When the whole commitment is due. The contract's end date is not known, so enter it"
        else:
            due.help_text = (
                "When the whole commitment is due. Leave blank for the contract's current end, "
                f"{contract.current_end_date:%-d %B %Y}"
            )

    def clean_measure(self) -> SocialValueMeasure:
        try:
            return self.measures_by_pk[self.cleaned_data["measure"]]
        except KeyError as exc:
            raise forms.ValidationError("Select a measure from the list") from exc


class CommitmentVaryForm(forms.Form):
    """A variation of a commitment: what it changes, and why (kept in its history)."""

    quantity = _quantity_field("Quantity", "In the measure's unit: in total, or each contract year")
    basis = _basis_field()
    start_date = _date_field("Start date")
    due_date = _date_field("Due date")
    notes = _notes_field()
    reason = forms.CharField(
        label="Reason for the variation",
        max_length=200,
        help_text="For example, 'Second site opened: variation agreed at contract review'",
        error_messages={
            "required": "Say why the commitment is varied",
            "max_length": "The reason must be 200 characters or fewer",
        },
    )

    @staticmethod
    def initial_for(commitment) -> dict:
        return {name: getattr(commitment, name) for name in ("quantity", "basis", "start_date", "due_date", "notes")}

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the commitment is varied")
        return reason


class DeliveryReturnForm(forms.Form):
    """What was delivered in a period, with its evidence: a note, a file, or both."""

    period_start = _date_field("Period start")
    period_end = _date_field("Period end")
    quantity = _quantity_field("Quantity delivered", "In the measure's unit, delivered in this period")
    evidence_note = forms.CharField(
        label="Evidence note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What shows it was delivered, for example 'Payroll extract: 3 Kent residents started in May'",
    )
    evidence_file = forms.FileField(
        label="Evidence file",
        required=False,
        help_text="Optional. A PDF, Word document (.docx), Excel workbook (.xlsx), CSV file or photo (.png, .jpg), "
        "up to 10 MB",
        error_messages={"empty": "The selected file is empty", "invalid": "Select an evidence file"},
    )

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return None
        if Path(upload.name).suffix.lower() not in EVIDENCE_EXTENSIONS:
            raise forms.ValidationError(
                "The selected file must be a PDF, Word document (.docx), Excel workbook (.xlsx), CSV file, "
                "or a PNG or JPG image"
            )
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 10 MB")
        return upload

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period must end on or after its start")
        # Only when the file itself was acceptable: a refused file has its own message already.
        if "evidence_file" not in self.errors and not cleaned.get("evidence_note", "").strip():
            if not cleaned.get("evidence_file"):
                self.add_error("evidence_note", "Give the evidence: a note, a file, or both")
        return cleaned


class VerifyForm(forms.Form):
    """Verifying needs no input; the form carries the refusal of a return that can no longer be verified."""


class RejectForm(forms.Form):
    rejection_reason = forms.CharField(
        label="Why is the return rejected?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The provider sees this, for example 'The payroll extract does not cover May'",
        error_messages={"required": "Say why the return is rejected"},
    )

    def clean_rejection_reason(self) -> str:
        reason = self.cleaned_data["rejection_reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the return is rejected")
        return reason


class DeliveryReturnFilterForm(forms.Form):
    """Narrows the delivery returns list; by default, those awaiting verification."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(ALL_STATUSES, "Any status"), *DeliveryStatus.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    directorate = forms.ModelChoiceField(
        label="Directorate",
        queryset=directorate_list(),
        required=False,
        empty_label="All directorates",
        error_messages={"invalid_choice": "Select a directorate from the list"},
    )

    @staticmethod
    def initial_for(user) -> dict:
        """Submitted returns; a commissioner's own directorate first."""
        initial = {"status": DeliveryStatus.SUBMITTED}
        if user.directorate_id and user.has_role(Role.COMMISSIONER):
            initial["directorate"] = str(user.directorate_id)
        return initial
