"""Forms render in the GOV.UK Design System's markup through Django's template-based renderer."""

from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """Looks up form templates in templates/ first, so templates/django/forms/ styles every field."""

    field_template_name = "django/forms/field.html"
    form_template_name = "django/forms/div.html"
