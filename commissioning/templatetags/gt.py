"""Numbers as the council writes them: £1.19bn, £639.64m, £12,345.67, 54.0%."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.dateformat import format as date_format

register = template.Library()

# What a page, download or report says for a fact a published register did not give (a contract's
# dates and values, "TBC" or blank there). The dash of `money` and friends means "nothing" (no
# return, no deduction), which is a different thing, so unknown facts have their own filters.
NOT_KNOWN = "Not known"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@register.filter
def money(value) -> str:
    """£12,345.67 (whole pounds shown without pence when there are none)."""
    d = _decimal(value)
    if d is None:
        return "–"
    sign = "-" if d < 0 else ""
    d = abs(d).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{sign}£{d:,.2f}"


@register.filter
def money_short(value) -> str:
    """£1.19bn, £639.64m, £45.2k, £950 — the annual report's style for large sums."""
    d = _decimal(value)
    if d is None:
        return "–"
    sign = "-" if d < 0 else ""
    d = abs(d)
    q = d.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if q < 1000:
        return f"{sign}£{q}"
    # Pick the unit from the rounded figure, so £999,999 shows as £1.00m rather than £1000.0k.
    for size, suffix, places in ((Decimal("1e3"), "k", 1), (Decimal("1e6"), "m", 2), (Decimal("1e9"), "bn", 2)):
        q = (d / size).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if q < 1000 or suffix == "bn":
            return f"{sign}£{q}{suffix}"


@register.filter
def percent(value, places: int = 1) -> str:
    d = _decimal(value)
    if d is None:
        return "–"
    q = d.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return f"{q}%"


@register.filter
def share(value) -> str:
    """A contribution share: 40%, 33.33%."""
    d = _decimal(value)
    if d is None:
        return "–"
    return f"{d.normalize():f}%" if d == d.to_integral() else f"{d.quantize(Decimal('0.01'))}%"


@register.filter
def money_or_not_known(value) -> str:
    """`money`, or "Not known" for a value not known (None)."""
    return NOT_KNOWN if value is None else money(value)


@register.filter
def money_short_or_not_known(value) -> str:
    """`money_short`, or "Not known" for a value not known (None)."""
    return NOT_KNOWN if value is None else money_short(value)


@register.filter
def date_or_not_known(value, fmt: str = "j F Y") -> str:
    """A date in Django's date format (`j F Y`: 1 April 2025), or "Not known" for a date not known (None)."""
    return NOT_KNOWN if value is None else date_format(value, fmt)
