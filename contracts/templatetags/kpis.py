"""KPI values as the council writes them, in templates: {{ ret.actual|measure:kpi.unit }} -> 82.0%."""

from django import template

from contracts.rules import format_measure

register = template.Library()


@register.filter
def measure(value, unit: str) -> str:
    """An actual value: percentages to one decimal place, pounds to the penny ("82.0%", "£1,250.00")."""
    return "–" if value is None or value == "" else format_measure(value, unit)


@register.filter
def measure_exact(value, unit: str) -> str:
    """A target or threshold, every significant digit kept ("90%", "92.25%")."""
    return "–" if value is None or value == "" else format_measure(value, unit, exact=True)
