"""Forms of the outcome measure pages: an officer's value for a period, and the import of values.

The forms only turn what a person typed into Python values and word what is wrong at the field;
the rules (one value a measure a period end, the value required) live in the model and
commissioning.services, whose refusals `apply_service_errors` puts back on the form.
"""

from __future__ import annotations

from django import forms

from contracts.forms import DateInput
from contracts.forms.imports import SpreadsheetField
from contracts.importers.returns import parse_value


class MeasureNumberField(forms.CharField):
    """A measure's value as typed: 74.8, 74.8%, 1,250 or (5) for minus 5; kept a Decimal."""

    def __init__(self, *, label: str, required: bool = True, help_text: str = ""):
        super().__init__(
            label=label,
            required=required,
            help_text=help_text,
            max_length=30,
            widget=forms.TextInput(
                attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}
            ),
            error_messages={"required": f"Enter the {label.lower()}"},
        )

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_value(text)
        except ValueError as exc:
            raise forms.ValidationError(f"{self.label} must be a number, like 74.8 or 1,250") from exc


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason",
        required=False,
        max_length=100,
        help_text="Recorded in the history, for example 'Published by DfE, October 2017'",
        error_messages={"max_length": "Reason must be 100 characters or fewer"},
    )


class OutcomeMeasureValueForm(forms.Form):
    """An officer's value of a measure for one period."""

    period = forms.CharField(
        label="Period",
        max_length=40,
        help_text="As the source labels it, for example 2016-17, 2017 or March 2017",
        error_messages={
            "required": "Enter the period, for example 2016-17",
            "max_length": "Period must be 40 characters or fewer",
        },
    )
    period_end = forms.DateField(
        label="Period end",
        widget=DateInput(),
        help_text="The last day of the period, for example 31/3/2017. Directions of travel compare values by it.",
        error_messages={
            "required": "Enter the period end",
            "invalid": "Period end must be a real date, for example 31/3/2017",
        },
    )
    value = MeasureNumberField(label="Value")
    national_average = MeasureNumberField(
        label="National average", required=False, help_text="If published for the same period"
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where the figure comes from, or anything a reader should know",
        error_messages={"max_length": "Note must be 500 characters or fewer"},
    )
    reason = _reason_field()


class OutcomeMeasureImportForm(forms.Form):
    """A file of values (.csv or .xlsx, under 5 MB), and whether only to check it."""

    file = SpreadsheetField(
        noun="file of outcome measure values",
        help_text="A CSV file or an Excel workbook (.xlsx), smaller than 5 MB, with a row of headings.",
    )
    dry_run = forms.BooleanField(
        label="Check only (dry run): show what would be imported and write nothing",
        required=False,
        initial=True,
    )
    reason = _reason_field()
