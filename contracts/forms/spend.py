"""Forms of the spend-file pages (issue 4): the file to upload, the columns to map, and supplier matching.

The forms only parse what the person chose; contracts.services.spend_file_import checks every row of
the file, saves the column mapping for the publisher and writes all or nothing.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings

from contracts.importers.spend import ALLOWED_EXTENSIONS, FIELDS, REQUIRED_FIELDS
from contracts.models import Provider

# A spend file of a million lines is about 120 MB as CSV; the limit leaves room for wider layouts.
DEFAULT_MAX_BYTES = 500 * 1024 * 1024
PUBLISHER_LIST_ID = "spend-publishers"
PROVIDER_LIST_ID = "spend-providers"


def max_upload_bytes() -> int:
    return int(getattr(settings, "SPEND_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


class SpendUploadForm(forms.Form):
    """A spend file as the council publishes it, and (if the file does not say) who published it."""

    file = forms.FileField(
        label="Spend file",
        help_text="A CSV file or an Excel workbook (.xlsx), as published under the Local Government "
        "Transparency Code: one payment a row, with at least the date, supplier and amount.",
        error_messages={
            "required": "Select a spend file",
            "empty": "The selected file is empty",
            "invalid": "Select a spend file",
        },
    )
    publisher = forms.CharField(
        label="Publisher",
        required=False,
        max_length=200,
        help_text="The council that published the file, for example Kent County Council: columns chosen for its "
        "earlier files are used again. Leave blank to read it from the file's Body Name column.",
        widget=forms.TextInput(attrs={"list": PUBLISHER_LIST_ID, "autocomplete": "off"}),
        error_messages={"max_length": "Publisher must be 200 characters or fewer"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError("The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)")
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(f"The selected file must be smaller than {_size(limit)}")
        return upload

    def clean_publisher(self) -> str:
        return " ".join(self.cleaned_data["publisher"].split())


class SpendColumnsForm(forms.Form):
    """Which of the file's headings holds each field Golden Thread could not recognise.

    One select a field, listing the file's headings. The choice is saved for the publisher when the
    file is imported, so the publisher's next files need no mapping.
    """

    def __init__(self, *args, missing: list[str], headings: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = list(missing)
        choices = [("", "Choose a heading")] + [(h, h) for h in dict.fromkeys(h for h in headings if h.strip())]
        for name in self.missing:
            label = FIELDS.get(name, name)
            self.fields[name] = forms.ChoiceField(
                label=f"Which column holds the {label}?",
                choices=choices,
                required=name in REQUIRED_FIELDS,
                error_messages={
                    "required": f"Choose the column that holds the {label}",
                    "invalid_choice": f"Choose the column that holds the {label}",
                },
            )

    def clean(self):
        cleaned = super().clean()
        seen: dict[str, str] = {}
        for name in self.missing:
            heading = cleaned.get(name)
            if not heading:
                continue
            if heading in seen:
                self.add_error(
                    name,
                    f"'{heading}' is already chosen for the {FIELDS.get(seen[heading], seen[heading])}: "
                    "choose a different column",
                )
            else:
                seen[heading] = name
        return cleaned

    @property
    def columns(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.missing if self.cleaned_data.get(name)}


class SupplierAliasConfirmForm(forms.Form):
    """A person confirms which provider a supplier name in the spend files is: a suggested provider (its
    id, from the suggestion's button) or any provider, named in full."""

    supplier = forms.CharField(max_length=300, widget=forms.HiddenInput, error_messages={"required": "No supplier"})
    provider_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    provider = forms.CharField(
        label="Provider",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"list": PROVIDER_LIST_ID, "autocomplete": "off"}),
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("provider_id"):
            found = Provider.objects.filter(pk=cleaned["provider_id"]).first()
            if found is None:
                raise forms.ValidationError("That provider no longer exists: choose another")
        else:
            name = " ".join((cleaned.get("provider") or "").split())
            if not name:
                self.add_error("provider", "Enter the name of the provider this supplier is")
                return cleaned
            matches = list(Provider.objects.filter(name__iexact=name)[:2])
            if not matches:
                self.add_error("provider", f"There is no provider called '{name}': choose one from the list")
                return cleaned
            if len(matches) > 1:
                self.add_error("provider", f"More than one provider is called '{name}': match it from its page")
                return cleaned
            found = matches[0]
        cleaned["provider_obj"] = found
        return cleaned


class _AnyNames(forms.MultipleChoiceField):
    """Supplier names ticked on the page; names with no unmatched lines are ignored by the service."""

    def valid_value(self, value) -> bool:
        return 0 < len(value) <= 300


class ProvidersCreateForm(forms.Form):
    """The unmatched suppliers ticked for "Create providers for the selected suppliers"."""

    supplier = _AnyNames(
        label="Suppliers",
        error_messages={"required": "Select at least one supplier to create a provider for"},
    )
