"""Forms of the contract performance pages: a KPI, copying a KPI set, the return-entry grid's cells,
and accepting or sending back a return.

As in providers.py, the forms only read what a person typed; every rule about the data (thresholds
on the right side of the target, a deduction rule with its £ or %, one return per period) is
the model's and contracts.services', and `apply_kpi_errors` shows their refusals at the field.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from commissioning.selectors import supporting_outcome_list
from contracts.choices import DeductionRule, Frequency, KPIUnit, Polarity, ReturnStatus
from contracts.forms.providers import MoneyField, _name_errors, _reason_field, apply_service_errors
from contracts.models import KPI
from contracts.periods import Period, parse_period
from contracts.selectors import DueReturn
from contracts.services import KPI_FIELDS, ReturnEntry

# What a person may type around a number: "82%", "£1,250", "1 250", " 12 days".
_MEASURE_NOISE = re.compile(r"[£%,\s]|days?$", re.IGNORECASE)
_MEASURE_SHAPE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")


def parse_measure(text: str | None) -> Decimal | None:
    """A KPI value as typed, or None when the cell is empty: "82", "82.5", "82%", "£1,250", "1,250".

    Raises ValueError (with no wording: the caller names the cell) for anything else.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    cleaned = _MEASURE_NOISE.sub("", raw)
    if not _MEASURE_SHAPE.match(cleaned):
        raise ValueError(raw)
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already refuses these
        raise ValueError(raw) from exc


class MeasureField(forms.CharField):
    """A target or threshold in the KPI's unit; accepts "90", "90%", "£1,250" and keeps a Decimal."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}),
        )
        super().__init__(label=label, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            number = parse_measure(text)
        except ValueError as exc:
            raise ValidationError(f"{self.label} must be a number, like 90, 12.5 or 1,250", code="invalid") from exc
        if number.as_tuple().exponent < -4:
            raise ValidationError(f"{self.label} can have at most 4 decimal places", code="invalid")
        if abs(number) >= Decimal("1e12"):
            raise ValidationError(f"{self.label} is too large", code="invalid")
        return number


class PercentField(MeasureField):
    def to_python(self, value):
        number = super().to_python(value)
        if number is not None and not Decimal(0) <= number <= Decimal(100):
            raise ValidationError(f"{self.label} must be between 0 and 100", code="invalid")
        if number is not None and number.as_tuple().exponent < -2:
            raise ValidationError(f"{self.label} can have at most 2 decimal places", code="invalid")
        return number


def parse_first_period(text: str, frequency: str) -> Period:
    """The first period a KPI reports, written as the council writes periods or as a date in it."""
    raw = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return Period.containing(datetime.datetime.strptime(raw, fmt).date(), frequency)
        except ValueError:
            continue
    return parse_period(raw, frequency)


class SupportingOutcomeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.title}"


_UNIQUE_CODE_MESSAGE = next(
    str(c.violation_error_message) for c in KPI._meta.constraints if c.name == "kpi_code_unique_per_contract"
)


def apply_kpi_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal shown at the KPI form's fields: the first period is typed as text, and the
    duplicate-code rule (a constraint across fields) belongs at the code."""
    if hasattr(error, "error_dict"):
        renamed: dict[str, list] = {}
        for name, errors in error.error_dict.items():
            for item in errors:
                target = "first_period" if name == "first_period_start" else name
                if name == NON_FIELD_ERRORS and _UNIQUE_CODE_MESSAGE in " ".join(item.messages):
                    target = "code"
                renamed.setdefault(target, []).append(item)
        error = ValidationError(renamed)
    apply_service_errors(form, error)


class KPIForm(forms.Form):
    """Every field of a KPI, in the council's words. The first period is typed, e.g. 2025-26 Q1 or 1/4/2025."""

    code = forms.CharField(
        label="KPI code", max_length=20, help_text="Short code providers use in returns, for example KPI01"
    )
    name = forms.CharField(label="KPI name", max_length=200, help_text="For example, Visits made on time")
    description = forms.CharField(
        label="What it measures (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ChoiceField(
        label="Unit",
        choices=[
            (KPIUnit.PERCENT, "Percentage (%)"),
            (KPIUnit.COUNT, "Count"),
            (KPIUnit.MONEY, "Money (£)"),
            (KPIUnit.DAYS, "Days"),
            (KPIUnit.RATIO, "Ratio"),
        ],
    )
    polarity = forms.ChoiceField(
        label="Which is better", choices=Polarity.choices, widget=forms.RadioSelect, initial=Polarity.HIGHER
    )
    target = MeasureField(label="Target", help_text="The contractual standard, for example 90")
    amber_threshold = MeasureField(
        label="Amber threshold",
        help_text="Worse than this is amber: below it when higher is better, above it when lower is better",
    )
    red_threshold = MeasureField(label="Red threshold", help_text="Worse than this is red")
    tolerance = MeasureField(
        label="Direction of travel tolerance",
        required=False,
        help_text="A change no bigger than this, in the KPI's unit, counts as no change. 0 if none",
    )
    frequency = forms.ChoiceField(label="How often it is reported", choices=Frequency.choices, initial="quarterly")
    first_period = forms.CharField(
        label="First period reported",
        max_length=40,
        help_text="A period such as 2025-26 Q1, April 2025 or 2025-26, or a date in it such as 1/4/2025",
    )
    weight = forms.IntegerField(
        label="Weight in the quarter's score",
        min_value=1,
        max_value=100,
        initial=1,
        help_text="1 to 100. Give every KPI 1 if they all count the same",
    )
    is_key = forms.BooleanField(
        label="Key performance indicator",
        required=False,
        help_text="One of the contract's published key performance indicators (Procurement Act 2023 section 52)",
    )
    supporting_outcome = SupportingOutcomeChoiceField(
        label="Supporting outcome it evidences (optional)",
        queryset=None,  # the default framework's, set per form: it is read from the database
        required=False,
        empty_label="None",
    )
    deduction_rule = forms.ChoiceField(
        label="Deduction (service credit) for a red period",
        choices=DeductionRule.choices,
        widget=forms.RadioSelect,
        initial=DeductionRule.NONE,
    )
    deduction_amount = MoneyField(
        label="Deduction £ per failed period",
        required=False,
        help_text="For a fixed deduction; for an escalating one, the first failure (then 2×, 3× ...)",
    )
    deduction_percent = PercentField(
        label="Deduction % of the period's contract charge",
        required=False,
        help_text="For a % deduction: the period's charge is the annual value divided by the periods in a year",
    )
    deduction_cap_percent = PercentField(
        label="Cap on deductions a year (% of annual value)",
        required=False,
        help_text="Optional. Deductions for this KPI stop at this share of the contract's annual value each year",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="Untick to retire the KPI: its returns are kept but no new ones are due",
    )

    def __init__(self, *args, adding: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if adding:
            del self.fields["is_active"]  # a new KPI is active; retiring one is a change
        self.fields["supporting_outcome"].queryset = supporting_outcome_list()
        self.fields["reason"] = _reason_field()
        _name_errors(self)
        self.fields["code"].error_messages["required"] = "Enter the KPI code"
        self.fields["name"].error_messages["required"] = "Enter the KPI name"
        self.fields["first_period"].error_messages["required"] = "Enter the first period reported, like 2025-26 Q1"
        for name in ("target", "amber_threshold", "red_threshold"):
            self.fields[name].error_messages["required"] = f"Enter the {self.fields[name].label.lower()}"

    def clean(self):
        cleaned = super().clean()
        text, frequency = cleaned.get("first_period"), cleaned.get("frequency")
        if text and frequency:
            try:
                cleaned["first_period_start"] = parse_first_period(text, frequency).start
            except ValueError as exc:
                self.add_error("first_period", str(exc))
        return cleaned

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in KPI_FIELDS}
        data["description"] = data["description"] or ""
        data["tolerance"] = data["tolerance"] if data["tolerance"] is not None else Decimal("0")
        data["is_key"] = bool(data["is_key"])
        data["is_active"] = bool(data["is_active"]) if "is_active" in self.fields else True
        return data

    @staticmethod
    def initial_for(kpi: KPI) -> dict:
        initial = forms.model_to_dict(kpi, fields=[f for f in KPI_FIELDS if f != "first_period_start"])
        for name in ("target", "amber_threshold", "red_threshold", "tolerance", "deduction_percent"):
            if initial.get(name) is not None:
                initial[name] = f"{initial[name].normalize():f}"
        if initial.get("deduction_cap_percent") is not None:
            initial["deduction_cap_percent"] = f"{initial['deduction_cap_percent'].normalize():f}"
        initial["first_period"] = kpi.first_period.label
        return initial


class ContractWithKPIsChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        count = obj.kpi_count
        return f"{obj.reference} {obj.title} ({count} KPI{'' if count == 1 else 's'})"


class KPICopyForm(forms.Form):
    """Copy another contract's active KPIs; codes this contract already has are skipped."""

    source = ContractWithKPIsChoiceField(
        label="Copy the KPIs of", queryset=None, empty_label="Choose a contract", help_text="Contracts that have KPIs"
    )
    first_period = forms.CharField(
        label="First period reported (optional)",
        required=False,
        max_length=40,
        help_text=(
            "A date, such as 1/4/2025, or a period such as 2025-26 Q1. Each KPI starts with its period containing it. "
            "Leave blank to start each KPI at its first period on or after the contract's start date"
        ),
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources
        _name_errors(self)
        self.fields["source"].error_messages["required"] = "Select the contract to copy the KPIs of"

    def clean_first_period(self) -> datetime.date | None:
        raw = (self.cleaned_data.get("first_period") or "").strip()
        if not raw:
            return None
        for fmt in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                return datetime.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
        for frequency in (Frequency.QUARTERLY, Frequency.MONTHLY, Frequency.ANNUAL):
            try:
                return parse_period(raw, frequency).start
            except ValueError:
                continue
        raise ValidationError("Enter the first period as a date, like 1/4/2025, or a period, like 2025-26 Q1")


class SendBackForm(forms.Form):
    returned_reason = forms.CharField(
        label="Why are you sending it back?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The provider sees this, so say what to fix. For example, 'The figure excludes weekend visits'",
        error_messages={
            "required": "Say why the return is sent back, so the provider can fix it",
            "max_length": "Keep the reason to 1,000 characters or fewer",
        },
    )

    prefix = "send_back"


class AcceptForm(forms.Form):
    reason = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=100,
        help_text="For example, 'Checked against the monitoring visit'",
        error_messages={"max_length": "The note must be 100 characters or fewer"},
    )

    prefix = "accept"


# --- The return-entry grid ---------------------------------------------------------------------------

COMMENTARY_MAX = 2000


class GridRow:
    """One KPI period of the grid: its inputs (as typed), what is recorded, and any errors at its cells."""

    def __init__(self, due: DueReturn, data=None):
        self.due = due
        self.kpi = due.kpi
        self.period = due.period
        self.kpi_return = due.kpi_return
        self.key = f"{self.kpi.pk}-{self.period.code}"
        self.actual_name = f"actual-{self.key}"
        self.commentary_name = f"commentary-{self.key}"
        self.actual_error = ""
        self.commentary_error = ""
        self.actual_value: Decimal | None = None
        recorded = self.kpi_return
        if data is not None and not self.readonly:
            self.actual_text = (data.get(self.actual_name) or "").strip()
            self.commentary = (data.get(self.commentary_name) or "").strip()
        else:
            self.actual_text = _plain_number(recorded.actual) if recorded is not None else ""
            self.commentary = recorded.commentary if recorded is not None else ""

    @property
    def contract(self):
        return self.kpi.contract

    @property
    def readonly(self) -> bool:
        """An accepted return is the agreed record: it is changed only deliberately, on its own page."""
        return self.kpi_return is not None and self.kpi_return.status == ReturnStatus.ACCEPTED

    @property
    def label(self) -> str:
        return f"{self.contract.reference} {self.kpi.code} {self.period.label}"

    @property
    def described(self) -> str:
        """What a screen reader hears for the row's inputs: KPI, period and contract."""
        return f"{self.kpi.code} {self.kpi.name}, {self.period.label}, {self.contract.reference}"

    @property
    def has_errors(self) -> bool:
        return bool(self.actual_error or self.commentary_error)

    def parse(self) -> None:
        try:
            self.actual_value = parse_measure(self.actual_text)
        except ValueError:
            self.actual_error = (
                f"Actual for {self.kpi.code} {self.period.label} ({self.contract.reference}) must be a number, "
                "like 82, 82.5, 82% or 1,250"
            )
            return
        if self.actual_value is not None and self.actual_value.as_tuple().exponent < -4:
            self.actual_error = (
                f"Actual for {self.kpi.code} {self.period.label} ({self.contract.reference}) "
                "can have at most 4 decimal places"
            )
        elif self.actual_value is not None and abs(self.actual_value) >= Decimal("1e12"):
            self.actual_error = (
                f"Actual for {self.kpi.code} {self.period.label} ({self.contract.reference}) is too large"
            )
        if len(self.commentary) > COMMENTARY_MAX:
            self.commentary_error = (
                f"Commentary for {self.kpi.code} {self.period.label} ({self.contract.reference}) must be "
                f"{COMMENTARY_MAX:,} characters or fewer"
            )

    def entry(self, *, submit: bool) -> ReturnEntry | None:
        """The return to save from this row, or None when there is nothing new to save."""
        if self.readonly:
            return None
        recorded = self.kpi_return
        actual, commentary = self.actual_value, self.commentary
        if recorded is None:
            if actual is None and not commentary:
                return None
        else:
            unchanged = recorded.actual == actual and (recorded.commentary or "") == commentary
            # Saving drafts never pulls back a return already submitted; submitting leaves rows with
            # no value alone rather than refusing the whole grid for them.
            if unchanged and (not submit or recorded.status == ReturnStatus.SUBMITTED or actual is None):
                return None
        return ReturnEntry(kpi=self.kpi, period=self.period, actual=actual, commentary=commentary, label=self.key)


def _plain_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text


class ReturnGridForm:
    """The grid's cells: read from the POST, checked, and turned into entries for kpi_returns_save_many.

    A plain class rather than a formset: the rows come from the KPI periods due, not from the form,
    and each input needs a name and id unique to its KPI and period (for the error summary's links).
    """

    def __init__(self, rows: list[DueReturn], data=None):
        self.rows = [GridRow(due, data) for due in rows]
        self._by_key = {row.key: row for row in self.rows}
        self.bound = data is not None

    def is_valid(self) -> bool:
        for row in self.rows:
            if not row.readonly:
                row.parse()
        return not any(row.has_errors for row in self.rows)

    def entries(self, *, submit: bool) -> list[ReturnEntry]:
        return [entry for row in self.rows if (entry := row.entry(submit=submit)) is not None]

    def add_batch_errors(self, errors: list[tuple[str, str, str]]) -> None:
        """Put the service's refusals (label = the row's key) at the row's cells."""
        for label, name, message in errors:
            row = self._by_key.get(label)
            if row is None:
                continue
            text = f"{row.kpi.code} {row.period.label} ({row.contract.reference}): {message}"
            if name == "commentary":
                row.commentary_error = text
            else:
                row.actual_error = f"{row.actual_error} {text}".strip() if row.actual_error else text

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(input id, message) for the GOV.UK error summary, in the grid's order."""
        out = []
        for row in self.rows:
            if row.actual_error:
                out.append((row.actual_name, row.actual_error))
            if row.commentary_error:
                out.append((row.commentary_name, row.commentary_error))
        return out
