"""The form of the import of social value commitments and delivery returns: the file, what it
holds, and whether only to check it."""

from django import forms

from contracts.forms.imports import SpreadsheetField
from social_value.importers.commitments import COMMITMENTS, RETURNS

DETECT = "detect"


class SocialValueImportForm(forms.Form):
    """A commitments or delivery returns file (.csv or .xlsx, under 5 MB)."""

    file = SpreadsheetField(
        noun="commitments or delivery returns file",
        help_text="A CSV file or an Excel workbook (.xlsx), smaller than 5 MB, with a row of headings.",
    )
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[
            (DETECT, "Work it out from the headings"),
            (COMMITMENTS, "Commitments (a provider's social value plan)"),
            (RETURNS, "Delivery returns"),
        ],
        initial=DETECT,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the file holds", "invalid_choice": "Select what the file holds"},
    )
    dry_run = forms.BooleanField(
        label="Check only (dry run): show what would be imported and write nothing",
        required=False,
        initial=True,
    )

    @property
    def chosen_kind(self) -> str | None:
        kind = self.cleaned_data.get("kind", DETECT)
        return None if kind == DETECT else kind
