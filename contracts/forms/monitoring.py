"""Forms for the monitoring pages: the overdue returns filter, decisions on a deduction, resolving a concern.

The rules themselves (which decisions a deduction allows, a reason to waive or dispute, a note to
resolve a concern) live in contracts.services; these forms only carry what a person typed and
show the services' refusals at the field they name (`apply_service_errors`).
"""

from django import forms

from commissioning.choices import Role
from commissioning.selectors import commissioner_list, directorate_list
from contracts.choices import DeductionStatus

MINE = "mine"


class OverdueReturnFilterForm(forms.Form):
    """Narrows the overdue returns list. A commissioner sees their own contracts unless they choose otherwise."""

    directorate = forms.ModelChoiceField(
        label="Directorate", queryset=directorate_list(), required=False, empty_label="All directorates"
    )
    commissioner = forms.ChoiceField(label="Responsible commissioner", required=False)
    q = forms.CharField(
        label="Contract reference",
        required=False,
        max_length=50,
        help_text="All or part of it, for example KCC-ASC",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Anyone")]
        if user.has_role(Role.COMMISSIONER):
            choices.append((MINE, "Me (contracts I am responsible for)"))
        choices += [(str(person.pk), f"{person} ({person.directorate.code})") for person in commissioner_list()]
        self.fields["commissioner"].choices = choices
        self.fields["commissioner"].error_messages["invalid_choice"] = "Select a commissioner from the list"
        self.fields["directorate"].error_messages["invalid_choice"] = "Select a directorate from the list"

    @staticmethod
    def initial_for(user) -> dict:
        return {"commissioner": MINE} if user.has_role(Role.COMMISSIONER) else {}


# Offered on the page; contracts.services.deduction_apply/_waive/_dispute decide what is allowed.
DEDUCTION_DECISIONS = {
    "apply": ("Apply deduction", (DeductionStatus.PROPOSED, DeductionStatus.DISPUTED)),
    "waive": ("Waive deduction", (DeductionStatus.PROPOSED, DeductionStatus.DISPUTED)),
    "dispute": ("Mark as disputed", (DeductionStatus.PROPOSED, DeductionStatus.APPLIED)),
}


def deduction_decisions_for(status: str) -> list[tuple[str, str]]:
    """The decisions (action, button text) worth offering for a deduction in this status."""
    return [(action, text) for action, (text, allowed) in DEDUCTION_DECISIONS.items() if status in allowed]


class DeductionDecisionForm(forms.Form):
    """Apply, waive or dispute a deduction. The button pressed is the action; a reason is needed to waive or dispute."""

    action = forms.ChoiceField(
        choices=[(action, text) for action, (text, _) in DEDUCTION_DECISIONS.items()],
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose apply, waive or mark as disputed",
            "invalid_choice": "Choose apply, waive or mark as disputed",
        },
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Needed to waive or dispute the deduction, optional to apply it. It is kept in the deduction's "
            "history, for example 'Agreed at the contract review on 3 June: staff shortage was notified in advance'"
        ),
    )


class ConcernResolveForm(forms.Form):
    """Close a performance concern with a note of what was done (contracts.services.performance_concern_resolve)."""

    resolution_note = forms.CharField(
        label="Resolution note",
        required=False,  # the service words the refusal, so the page and the API say the same thing
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "How the concern was resolved. For example, 'Improvement plan agreed on 12 May; "
            "the last two returns are green'"
        ),
    )
