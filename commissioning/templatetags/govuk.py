"""Template helpers that put Django form widgets into GOV.UK Design System markup.

Forms stay plain Django forms; the GOV.UK classes, error state and aria-describedby are
added here by widget type, so no form has to set widget attrs for looks.
"""

from django import template

register = template.Library()

_WIDGET_CLASSES = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "nullbooleanselect": "govuk-select",
    "checkbox": "govuk-checkboxes__input",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
    "number": "govuk-input govuk-input--width-10",
    "date": "govuk-input govuk-input--width-10",
    "datetime": "govuk-input govuk-input--width-20",
    "time": "govuk-input govuk-input--width-5",
}
_ERROR_CLASSES = {
    "govuk-textarea": "govuk-textarea--error",
    "govuk-select": "govuk-select--error",
    "govuk-file-upload": "govuk-file-upload--error",
    "govuk-input": "govuk-input--error",
}


def hint_id(bound_field) -> str:
    return f"{bound_field.auto_id}-hint"


def error_id(bound_field) -> str:
    return f"{bound_field.auto_id}-error"


@register.filter
def govuk_widget(bound_field):
    """Render the field's widget with GOV.UK classes and links to its hint and error."""
    widget_type = bound_field.widget_type
    classes = _WIDGET_CLASSES.get(widget_type, "govuk-input")
    if bound_field.errors:
        for base, error in _ERROR_CLASSES.items():
            if classes.startswith(base):
                classes = f"{classes} {error}"
    existing = bound_field.field.widget.attrs.get("class")
    attrs = {"class": f"{classes} {existing}" if existing else classes}
    described_by = []
    if bound_field.help_text:
        described_by.append(hint_id(bound_field))
    if bound_field.errors:
        described_by.append(error_id(bound_field))
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if widget_type == "email":
        attrs.setdefault("spellcheck", "false")
    return bound_field.as_widget(attrs=attrs)


@register.filter
def error_anchor(bound_field) -> str:
    """The id an error summary should link to: the field's input, or its first radio/checkbox."""
    if bound_field.widget_type in ("radioselect", "checkboxselectmultiple"):
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id
