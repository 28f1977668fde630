"""Forms for providers and contracts.

The forms only turn what a person typed into Python values and say, in plain English and
at the field, what is wrong with it. Every rule about the data itself (end after start,
extension months, a commissioner of the right directorate, a unique Companies House number)
lives in the model and contracts.services, so the pages, the API and the importers all
refuse the same things with the same words. `apply_service_errors` puts those refusals
back on the form's fields.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from commissioning.choices import Role
from commissioning.selectors import commissioner_list, directorate_list
from contracts.models import Contract, Provider
from contracts.services import CONTRACT_FIELDS, PROVIDER_FIELDS

REASON_HELP = "Optional. Say why, so the change history explains itself (for example, 'Extension agreed at DMT')."


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason for change",
        required=False,
        max_length=100,
        help_text=REASON_HELP,
        error_messages={"max_length": "Reason for change must be 100 characters or fewer"},
    )


def _name_errors(form: forms.BaseForm) -> None:
    """Word every field's errors so they name the field ('Enter the start date', not 'This field is required')."""
    for field in form.fields.values():
        if isinstance(field, MoneyField):
            continue  # words its own messages, in pounds
        label = str(field.label or "").strip()
        lower = label[:1].lower() + label[1:]
        choose = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
        field.error_messages["required"] = f"{'Select' if choose else 'Enter'} {lower}"
        if choose:
            field.error_messages["invalid_choice"] = f"Select {lower} from the list"  # noqa: S608 - words, not SQL
        if isinstance(field, forms.CharField) and field.max_length:
            field.error_messages["max_length"] = f"{label} must be {field.max_length} characters or fewer"
        if isinstance(field, forms.DateField):
            field.error_messages["invalid"] = f"{label} must be a real date, for example 31/3/2027"
        if isinstance(field, forms.IntegerField):
            field.error_messages["invalid"] = f"{label} must be a whole number, like 12"
            field.error_messages["min_value"] = f"{label} must be 0 or more"
            field.error_messages["max_value"] = f"{label} must be %(limit_value)s or fewer"


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: at the field it names, or at the top of the page.

    Services may name fields the form does not show (derived ones such as normalised_name);
    those messages go to the top of the page rather than being lost or causing a server error.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        for item in errors:
            form.add_error(target, item)


class MoneyField(forms.DecimalField):
    """An amount in pounds. Accepts '£1,250,000.50' as typed from a spreadsheet; keeps it a Decimal."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("localize", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}),
        )
        super().__init__(label=label, **kwargs)
        name = label.split(" (")[0]
        self.error_messages.update(
            {
                "required": f"Enter the {name.lower()}",
                "invalid": f"{name} must be an amount in pounds, like 250000 or 250,000.00",
                "min_value": f"{name} must be £0 or more",
                "max_digits": f"{name} must be less than £1,000,000,000,000",
                "max_whole_digits": f"{name} must be less than £1,000,000,000,000",
                "max_decimal_places": f"{name} must be in pounds and pence, with no more than 2 decimal places",
            }
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("£", "").replace(",", "").replace(" ", "")
        return super().to_python(value)


class DateInput(forms.DateInput):
    """A native date picker: a keyboard-friendly input on phones and laptops, sent as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ProviderForm(forms.Form):
    """The facts procurement records about a provider; location, size and sector are derived from them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in forms.fields_for_model(Provider, fields=PROVIDER_FIELDS).items():
            self.fields[name] = field
        self.fields["reason"] = _reason_field()
        f = self.fields
        f["name"].label = "Provider name"
        f["name"].help_text = "As registered, for example 'Kent Community Care Ltd'"
        f["companies_house_number"].help_text = "8 characters, for example 01234567. Leading zeros are added for you."
        f["charity_number"].help_text = "Charity Commission number, if it is a registered charity"
        f["legal_form"].help_text = "Decides whether the provider counts as voluntary and community sector (VCS)"
        f["is_non_profit"].help_text = "Tick for a company limited by guarantee whose articles bar distributing profit"
        f["postcode"].help_text = "Decides whether the provider is Kent-based, for example ME14 1XQ"
        f["employee_band"].label = "Number of staff"
        f["employee_band"].help_text = "Decides the provider's size (micro, small, medium or large)"
        f["location_decision"].label = "Location decision"
        f[
            "location_decision"
        ].help_text = (
            "Only where the postcode district is split between councils and the postcode alone cannot settle it"
        )
        f["location_decision_note"].label = "Why you decided the location"
        f["location_decision_note"].help_text = "For example, the full address you checked"
        for name in ("address_line_1", "address_line_2", "town", "postcode"):
            f[name].widget.attrs.setdefault("autocomplete", "off")
        _name_errors(self)
        f["name"].error_messages["required"] = "Enter the provider name"

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROVIDER_FIELDS}

    @staticmethod
    def initial_for(provider: Provider) -> dict:
        return forms.model_to_dict(provider, fields=PROVIDER_FIELDS)


class CommissionerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        directorate = obj.directorate.code if obj.directorate_id else "no directorate"
        return f"{obj} ({directorate})"


class ContractForm(forms.Form):
    """A contract's terms. A commissioner may only choose their own directorate and its commissioners."""

    reference = forms.CharField(label="Contract reference", max_length=50, help_text="For example, KCC-SC-2024-001")
    title = forms.CharField(label="Title", max_length=300)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    directorate = forms.ModelChoiceField(
        label="Directorate", queryset=directorate_list(), empty_label="Choose a directorate"
    )
    commissioner = CommissionerChoiceField(
        label="Responsible commissioner",
        queryset=commissioner_list(),
        required=False,
        empty_label="No one yet",
        help_text="A commissioner of the contract's directorate",
    )
    # A plain select ordered by name: fine for the ~150 providers Kent holds today. Past a
    # few thousand it wants a type-ahead (an accessible autocomplete over the provider API).
    provider = forms.ModelChoiceField(
        label="Provider", queryset=Provider.objects.order_by("name"), empty_label="Choose a provider"
    )
    procurement_route = forms.TypedChoiceField(
        label="Procurement route", choices=Contract._meta.get_field("procurement_route").choices
    )
    status = forms.TypedChoiceField(label="Status", choices=Contract._meta.get_field("status").choices)
    category = forms.TypedChoiceField(label="Category", choices=Contract._meta.get_field("category").choices)
    # Dates and values are required here although the model allows them not known (a contract from a
    # published register): a person entering or changing a contract must give them.
    start_date = forms.DateField(label="Start date", widget=DateInput(), help_text="For example, 1 April 2025")
    end_date = forms.DateField(
        label="End date",
        widget=DateInput(),
        help_text="End of the initial term, before any extension. For example, 31 March 2028",
    )
    extension_months_available = forms.IntegerField(
        label="Extension months available", min_value=0, max_value=32767, initial=0, help_text="0 if none"
    )
    extension_months_taken = forms.IntegerField(
        label="Extension months taken",
        min_value=0,
        max_value=32767,
        initial=0,
        help_text="Extensions already agreed; the current end date is worked out from these",
    )
    annual_value = MoneyField(label="Annual value (£)", help_text="In pounds, for example 250000.00")
    total_value = MoneyField(
        label="Total value (£)", help_text="Whole-life value including extensions taken, for example 1250000.00"
    )
    key_kpi_exemption_reason = forms.CharField(
        label="Reason for fewer than three key KPIs (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Only for contracts over £5m: the Procurement Act 2023 asks for at least three published key "
            "performance indicators unless there is a reason not to"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _reason_field()
        self.user = user
        if not user.has_role(Role.ADMIN):
            # Commissioners write only in their own directorate (issue 2); the service checks
            # again, this just avoids offering a choice that would be refused.
            own = user.directorate_id
            self.fields["directorate"].queryset = directorate_list().filter(pk=own)
            self.fields["directorate"].empty_label = None
            self.fields["directorate"].initial = own
            self.fields[
                "directorate"
            ].help_text = "Your directorate: commissioners maintain their own directorate's contracts"
            self.fields["commissioner"].queryset = commissioner_list(directorate_id=own)
        for name in ("start_date", "end_date"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"]
        _name_errors(self)
        self.fields["reference"].error_messages["required"] = "Enter the contract reference"
        self.fields["title"].error_messages["required"] = "Enter the contract title"

    def clean(self):
        cleaned = super().clean()
        # The model's same-row rules (end after start, extensions taken within those available)
        # run here too, so a person sees them alongside any other mistakes in one go rather
        # than only after fixing the rest. The service checks them again on saving.
        probe = Contract(
            start_date=cleaned.get("start_date"),
            end_date=cleaned.get("end_date"),
            extension_months_available=cleaned.get("extension_months_available"),
            extension_months_taken=cleaned.get("extension_months_taken"),
        )
        try:
            probe.clean()
        except ValidationError as exc:
            apply_service_errors(self, exc)
        return cleaned

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CONTRACT_FIELDS}

    @staticmethod
    def initial_for(contract: Contract) -> dict:
        return forms.model_to_dict(contract, fields=CONTRACT_FIELDS)


class ProviderDeleteForm(forms.Form):
    reason = forms.CharField(
        label="Reason for deleting",
        required=False,
        max_length=100,
        help_text="Optional. For example, 'Added twice by mistake'",
        error_messages={"max_length": "Reason for deleting must be 100 characters or fewer"},
    )
