"""The commissioner's form for a contract's golden-thread links: all links at once, plus a reason.

The forms only check each row's own input; the rules across rows (shares total 100%, one
primary, each outcome once) live in outcomes_link.services.contract_outcome_links_set, whose
messages the page shows in its error summary.
"""

from decimal import Decimal

from django import forms

from commissioning.models import SupportingOutcome


def supporting_outcome_choices(outcomes: list[SupportingOutcome]) -> list:
    """Choices for a select grouped by strategic outcome ("1. Children and young people ..." › "1.2 ...")."""
    groups: dict[int, tuple[str, list]] = {}
    for outcome in outcomes:
        so = outcome.strategic_outcome
        label = f"{so.code}. {so.title}"
        groups.setdefault(so.pk, (label, []))[1].append((outcome.pk, f"{outcome.code} {outcome.title}"))
    return [("", "Choose a supporting outcome"), *groups.values()]


class OutcomeLinkForm(forms.Form):
    """One link: which supporting outcome, what share of the contract's value, primary or not, and why."""

    supporting_outcome = forms.TypedChoiceField(
        label="Supporting outcome",
        coerce=int,
        error_messages={
            "required": "Choose the supporting outcome this contract serves",
            "invalid_choice": "Choose a supporting outcome from the list",
        },
    )
    contribution_share = forms.DecimalField(
        label="Share of the contract's value (%)",
        help_text="For example, 40 or 33.33",
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "required": "Enter the share of the contract's value for this outcome, for example 40",
            "invalid": "Enter the share as a number, for example 40 or 33.33",
            "min_value": "The share must be more than 0%",
            "max_value": "The share must be 100% or less",
            "max_decimal_places": "Enter the share with no more than 2 decimal places",
            "max_digits": "The share must be 100% or less",
        },
    )
    is_primary = forms.BooleanField(label="This is the contract's primary outcome", required=False)
    rationale = forms.CharField(
        label="Rationale",
        help_text="One line: how this contract serves the outcome",
        max_length=255,
        error_messages={
            "required": "Enter a one-line rationale: how this contract serves the outcome",
            "max_length": "The rationale must be 255 characters or fewer",
        },
    )

    def __init__(self, *args, outcome_choices=(), outcomes_by_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes_by_pk = outcomes_by_pk or {}
        self.fields["supporting_outcome"].choices = outcome_choices

    def clean_supporting_outcome(self):
        pk = self.cleaned_data["supporting_outcome"]
        outcome = self.outcomes_by_pk.get(pk)
        if outcome is None:
            raise forms.ValidationError("Choose a supporting outcome from the list")
        return outcome


class BaseOutcomeLinkFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this link"


OutcomeLinkFormSet = forms.formset_factory(
    OutcomeLinkForm,
    formset=BaseOutcomeLinkFormSet,
    extra=3,
    can_delete=True,
    can_delete_extra=False,
    max_num=25,
    validate_max=True,
)


class ChangeReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the change",
        help_text='Kept in the contract\'s history, for example "Service re-scoped at 2025 review"',
        max_length=100,
        required=False,
        error_messages={"max_length": "The reason must be 100 characters or fewer"},
    )
