"""Forms for Procurement Act 2023 performance assessments: choosing the period, and confirming the ratings.

The rules (at most 12 months, one assessment per contract and period end, a note when a
rating differs from the one proposed) live in the model and contracts.services; these forms
only parse what was typed and put the services' refusals back at the right field.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from contracts.choices import AssessmentReason, ContractStatus, Frequency, PerformanceRating
from contracts.forms.providers import DateInput, apply_service_errors
from contracts.models import Contract, PerformanceAssessment
from contracts.periods import Period

_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"]


def default_assessment_period(contract: Contract, today: datetime.date | None = None) -> dict:
    """The period an assessment usually covers: the 12 months to the end of the last complete quarter,
    or, for a contract that has ended, the 12 months to its end (never before it started).

    A date that would rest on a contract date not known (a contract from a published register) is
    None, for the commissioner to give: the start when the contract's start is not known (the 12
    months might run from before it began), and both when it has ended on a day not known.
    """
    today = today or datetime.date.today()
    ended = contract.status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED) or (
        contract.current_end_date and contract.current_end_date < today
    )
    if ended:
        end, reason = contract.current_end_date, AssessmentReason.CONTRACT_END
    else:
        end, reason = Period.containing(today, Frequency.QUARTERLY).previous().end, AssessmentReason.ANNUAL
    if end is None or contract.start_date is None:
        start = None
    else:
        start = max(end - relativedelta(years=1) + datetime.timedelta(days=1), contract.start_date)
    return {"period_start": start, "period_end": end, "reason": reason}


def unknown_dates_note(contract: Contract, today: datetime.date | None = None) -> str:
    """What the assessment form says when it cannot suggest the whole period: which contract dates are not known."""
    period = default_assessment_period(contract, today)
    if period["period_start"] is not None and period["period_end"] is not None:
        return ""
    missing = []
    if contract.start_date is None:
        missing.append("start date")
    if period["period_end"] is None:
        missing.append("end date")
    return (
        f"This contract's {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not known, so the "
        "whole period cannot be suggested: enter the dates the assessment covers."
    )


class AssessmentProposeForm(forms.Form):
    """The period and reason of a new assessment; the ratings are then proposed from the returns."""

    period_start = forms.DateField(
        label="Period start",
        widget=DateInput(),
        input_formats=_DATE_FORMATS,
        help_text="For example, 1 April 2025",
        error_messages={
            "required": "Enter the date the period starts",
            "invalid": "Period start must be a real date, for example 1/4/2025",
        },
    )
    period_end = forms.DateField(
        label="Period end",
        widget=DateInput(),
        input_formats=_DATE_FORMATS,
        help_text="At most 12 months after the start. For example, 31 March 2026",
        error_messages={
            "required": "Enter the date the period ends",
            "invalid": "Period end must be a real date, for example 31/3/2026",
        },
    )
    reason = forms.TypedChoiceField(
        label="Why the assessment is made",
        choices=AssessmentReason.choices,
        widget=forms.RadioSelect,
        help_text="The Procurement Act 2023 asks for one at least every 12 months, and when the contract ends",
        error_messages={
            "required": "Select why the assessment is made",
            "invalid_choice": "Select why the assessment is made from the list",
        },
    )

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown above the form (assessment_form.html) in place of the usual "the period suggested is ...".
        self.unknown_dates_note = unknown_dates_note(contract) if contract is not None else ""

    def clean(self):
        cleaned = super().clean()
        # The model's same-row rules, so they show beside any other mistake; the service checks again.
        probe = PerformanceAssessment(period_start=cleaned.get("period_start"), period_end=cleaned.get("period_end"))
        try:
            probe.clean()
        except ValidationError as exc:
            apply_service_errors(self, exc)
        return cleaned


class AssessmentConfirmForm(forms.Form):
    """One GOV.UK radios group per key KPI (the five Procurement Act ratings), starting at the rating in force,
    with a note for each; the service requires the note when a rating differs from the one proposed."""

    note = forms.CharField(
        label="Note on the assessment (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Published with the contract performance notice. For example, what was agreed with the provider",
    )

    def __init__(self, *args, assessment: PerformanceAssessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(assessment.ratings.all())
        note = self.fields.pop("note")
        note.initial = assessment.note
        for row in self.rows:
            kpi = row.kpi
            self.fields[f"rating_{kpi.pk}"] = forms.ChoiceField(
                label=f"Rating for {kpi.code} {kpi.name}",
                choices=PerformanceRating.choices,
                initial=row.rating,
                widget=forms.RadioSelect,
                help_text=f"Proposed from the returns: {row.proposed_explanation}",
                error_messages={
                    "required": f"Select a rating for {kpi.code}",
                    "invalid_choice": f"Select a rating for {kpi.code} from the list",  # noqa: S608 - words, not SQL
                },
            )
            self.fields[f"note_{kpi.pk}"] = forms.CharField(
                label=f"Why the rating for {kpi.code} differs from the one proposed",
                required=False,
                initial=row.note,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Needed only if you change the rating",
            )
        self.fields["note"] = note

    def kpi_fields(self) -> list[tuple[object, forms.BoundField, forms.BoundField]]:
        """(rating row, its radios, its note) for each key KPI, in the order shown."""
        return [(row, self[f"rating_{row.kpi_id}"], self[f"note_{row.kpi_id}"]) for row in self.rows]

    def ratings(self) -> dict[int, tuple[str, str]]:
        return {
            row.kpi_id: (self.cleaned_data[f"rating_{row.kpi_id}"], self.cleaned_data[f"note_{row.kpi_id}"])
            for row in self.rows
        }

    def apply_service_errors(self, error: ValidationError) -> None:
        """The service names a KPI's problem `rating_<kpi id>`; it is about the missing note, so show it there."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        codes = {f"rating_{row.kpi_id}": row.kpi.code for row in self.rows}
        for name, errors in error.error_dict.items():
            target = name if name in self.fields and name != NON_FIELD_ERRORS else None
            if name in codes:
                target = f"note_{name.removeprefix('rating_')}"
            for item in errors:
                for message in item.messages:
                    # The field's label already names the KPI; the service's message starts with its code.
                    self.add_error(target, message.removeprefix(f"{codes.get(name)}: ") if target else message)
