"""Template filters of the outcome measure pages: `{% load outcome_measures %}`."""

from django import template

from outcomes_link.measure_charts import format_value

register = template.Library()


@register.filter
def measure_value(value) -> str:
    """A measure's value as the council writes it (74.8, 1,250, -24); blank for none."""
    if value is None or value == "":
        return ""
    return format_value(value)
