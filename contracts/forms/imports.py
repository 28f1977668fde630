"""Forms of the import of KPI returns: the file to upload, and the template to download."""

from pathlib import Path

from django import forms

from contracts.choices import Frequency
from contracts.importers.returns import ALLOWED_EXTENSIONS, MAX_FILE_BYTES
from contracts.periods import Period, parse_period

SUBMIT, DRAFT = "submit", "draft"


class SpreadsheetField(forms.FileField):
    """A small spreadsheet to import: a CSV file or an Excel workbook (.xlsx) under 5 MB. Shared by
    every upload of the kind (KPI returns, social value commitments and returns, the catalogue)."""

    def __init__(self, *, noun: str, help_text: str = "", **kwargs):
        label = kwargs.pop("label", noun[:1].upper() + noun[1:])
        messages = {
            "required": f"Select a {noun}",
            "empty": "The selected file is empty",
            "invalid": f"Select a {noun}",
        }
        super().__init__(label=label, help_text=help_text, error_messages=messages, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            if Path(upload.name).suffix.lower() not in ALLOWED_EXTENSIONS:
                raise forms.ValidationError("The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)")
            if upload.size > MAX_FILE_BYTES:
                raise forms.ValidationError("The selected file must be smaller than 5 MB")
        return upload


class ReturnImportForm(forms.Form):
    """A returns file (.csv or .xlsx, under 5 MB) and whether to submit its returns or keep them as drafts."""

    file = SpreadsheetField(
        noun="returns file",
        help_text="A CSV file or an Excel workbook (.xlsx), smaller than 5 MB, with the columns contract reference, "
        "KPI code (or name), period, value and, if you like, commentary.",
    )
    status = forms.ChoiceField(
        label="Save the returns as",
        choices=[(SUBMIT, "Submitted, for the commissioner to accept"), (DRAFT, "Drafts, to check and submit later")],
        initial=SUBMIT,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to submit the returns or save them as drafts"},
    )
    reason = forms.CharField(
        label="Reason for change",
        required=False,
        max_length=100,
        help_text="Only needed to change returns already accepted (for example, 'Corrected after audit').",
        error_messages={"max_length": "Reason for change must be 100 characters or fewer"},
    )

    @property
    def submit(self) -> bool:
        return self.cleaned_data.get("status", SUBMIT) == SUBMIT


class ReturnTemplateForm(forms.Form):
    """Which quarter's template to download, and as what."""

    quarter = forms.CharField(
        label="Quarter",
        max_length=20,
        help_text="For example, 2025-26 Q2",
        error_messages={"required": "Enter the quarter, for example 2025-26 Q2"},
    )
    format = forms.ChoiceField(
        label="File type",
        choices=[("xlsx", "Excel workbook (.xlsx)"), ("csv", "CSV file (.csv)")],
        initial="xlsx",
        widget=forms.RadioSelect,
        error_messages={"required": "Select a file type", "invalid_choice": "Select a file type"},
    )

    def clean_quarter(self) -> Period:
        try:
            return parse_period(self.cleaned_data["quarter"], Frequency.QUARTERLY)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
