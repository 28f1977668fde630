"""The form of the catalogue import: the file, and whether only to check it."""

from django import forms

from contracts.forms.imports import SpreadsheetField


class CatalogueImportForm(forms.Form):
    """A catalogue file (.csv or .xlsx, under 5 MB); "check only" reports what it would change."""

    file = SpreadsheetField(
        noun="catalogue file",
        help_text="A CSV file or an Excel workbook (.xlsx), smaller than 5 MB, in the catalogue's format.",
    )
    check_only = forms.BooleanField(
        label="Check only: report what the file would change, saving nothing",
        required=False,
        initial=True,
    )
