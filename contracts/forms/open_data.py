"""Forms of the open data import pages (issue 7): a contracts register or an OCDS file to take in.

The forms only parse what the person chose; contracts.services.open_data checks every row and release
and writes all or nothing.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings

from commissioning.selectors import directorate_list
from contracts.importers.register import FIELDS
from contracts.importers.returns import MAX_FILE_BYTES as REGISTER_MAX_BYTES

OCDS_MAX_BYTES = 50 * 1024 * 1024
PUBLISHER_LIST_ID = "register-publishers"


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


def _file_field(label: str, help_text: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=help_text,
        error_messages={
            "required": f"Select a {label.lower()}",
            "empty": "The selected file is empty",
            "invalid": f"Select a {label.lower()}",
        },
    )


class RegisterUploadForm(forms.Form):
    """A contracts register as a council publishes it, whose it is, and the directorate for rows without one."""

    file = _file_field(
        "Contracts register",
        "A CSV file or an Excel workbook (.xlsx), one contract a row, with at least the title and supplier "
        f"of each. At most {_size(REGISTER_MAX_BYTES)}.",
    )
    publisher = forms.CharField(
        label="Whose register is it?",
        max_length=200,
        help_text="The council that published it. Columns you choose are remembered for its next registers, and "
        "a later version of the register updates the contracts this one adds.",
        widget=forms.TextInput(attrs={"list": PUBLISHER_LIST_ID, "autocomplete": "off"}),
        error_messages={"required": "Enter whose register it is", "max_length": "Enter at most 200 characters"},
    )
    directorate = forms.ModelChoiceField(
        label="Directorate for rows that name none (optional)",
        queryset=directorate_list(),
        required=False,
        empty_label="None: every row names its directorate",
        help_text="A directorate the register names that the council does not have yet is added.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("publisher", settings.COUNCIL_NAME)
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".csv", ".xlsx"):
            raise forms.ValidationError("The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)")
        if upload.size > REGISTER_MAX_BYTES:
            raise forms.ValidationError(f"The selected file must be smaller than {_size(REGISTER_MAX_BYTES)}")
        return upload

    def clean_publisher(self) -> str:
        return " ".join(self.cleaned_data["publisher"].split())


class RegisterColumnsForm(forms.Form):
    """Which of the register's headings holds each field: one select a field, preset to what was recognised."""

    def __init__(self, *args, headings: list[str], columns: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not in this file")] + [(h, h) for h in dict.fromkeys(h for h in headings if h.strip())]
        for name, label in FIELDS.items():
            self.fields[name] = forms.ChoiceField(
                label=label[:1].upper() + label[1:], choices=choices, required=False, initial=columns.get(name, "")
            )

    @property
    def columns(self) -> dict[str, str]:
        return {name: heading for name, heading in self.cleaned_data.items() if heading}


class BuyerChoice:
    COUNCIL = "council"
    ALL = "all"
    OTHER = "other"


class OCDSUploadForm(forms.Form):
    """OCDS data (a release package, record package or array of releases), whose contracts to keep, and where."""

    file = _file_field(
        "OCDS file",
        "JSON from Contracts Finder or Find a Tender: a release package, a record package or a list of releases. "
        f"At most {_size(OCDS_MAX_BYTES)}.",
    )
    buyer_choice = forms.ChoiceField(
        label="Whose contracts to take in",
        widget=forms.RadioSelect,
        initial=BuyerChoice.COUNCIL,
        error_messages={"required": "Choose whose contracts to take in"},
    )
    buyer = forms.CharField(
        label="Buyer's name or OCDS party id",
        required=False,
        max_length=300,
        help_text="Only if you chose another buyer, for example Medway Council or GB-CFS-18525",
    )
    directorate = forms.ModelChoiceField(
        label="Directorate",
        queryset=directorate_list(),
        empty_label="Choose a directorate",
        help_text="OCDS data does not say which directorate holds a contract: the contracts are added to this one.",
        error_messages={"required": "Choose the directorate the contracts belong to"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer_choice"].choices = [
            (BuyerChoice.COUNCIL, f"Only contracts bought by {settings.OCDS_BUYER}"),
            (BuyerChoice.OTHER, "Only contracts bought by another buyer"),
            (BuyerChoice.ALL, "Contracts of every buyer in the file"),
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() != ".json":
            raise forms.ValidationError("The selected file must be JSON (.json)")
        if upload.size > OCDS_MAX_BYTES:
            raise forms.ValidationError(f"The selected file must be smaller than {_size(OCDS_MAX_BYTES)}")
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("buyer_choice") == BuyerChoice.OTHER and not (cleaned.get("buyer") or "").strip():
            self.add_error("buyer", "Enter the buyer's name or OCDS party id")
        return cleaned

    @property
    def buyer_filter(self) -> str | None:
        """The buyer to keep, or None to keep every buyer."""
        choice = self.cleaned_data["buyer_choice"]
        if choice == BuyerChoice.ALL:
            return None
        if choice == BuyerChoice.OTHER:
            return " ".join(self.cleaned_data["buyer"].split())
        return settings.OCDS_BUYER
