"""The arithmetic of social value, as plain functions (issue 5).

- The proxy value in force on a day is the latest version starting on or before it; a
  commitment takes the one in force on the day it was made.
- Committed social value (£) = total committed quantity × proxy £ per unit, to the penny
  (half up). A yearly commitment's total is its quantity × the number of contract years
  (part years count pro rata, by days).
- The straight-line profile expects delivery to grow evenly from the start date to the due
  date. Delivered (verified) at or above what is expected by then is on track; at or above
  80% of it is at risk; below that, behind. Nothing is expected before the start, so a
  commitment not yet started is on track; after the due date the whole quantity is expected.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from commissioning.db import PENNY, percent_of

AT_RISK_FROM = Decimal("0.80")
DAYS_IN_YEAR = Decimal("365.25")


class ProfileStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BEHIND = "behind", "Behind"


@dataclass(frozen=True)
class Proxy:
    value: Decimal
    source: str
    valid_from: datetime.date


# A measure counted in pounds (spend with local SMEs, donations) is worth what it says.
FACE_VALUE = Proxy(
    value=Decimal("1.00"), source="Face value: the measure is counted in pounds", valid_from=datetime.date.min
)


def proxy_in_force(proxies: Iterable[Proxy], on: datetime.date) -> Proxy | None:
    """The latest proxy version starting on or before `on`; None when none has started."""
    started = [p for p in proxies if p.valid_from <= on]
    return max(started, key=lambda p: p.valid_from) if started else None


def money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def contract_years(start: datetime.date, due: datetime.date) -> Decimal:
    """Years from start to due, pro rata by days (a 3-year contract is 3.00)."""
    return (Decimal((due - start).days) / DAYS_IN_YEAR).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def total_quantity(quantity: Decimal, *, per_year: bool, start: datetime.date, due: datetime.date) -> Decimal:
    """The whole commitment: the quantity, or the yearly quantity × the contract years."""
    if not per_year:
        return quantity
    return (quantity * contract_years(start, due)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def social_value(quantity: Decimal, proxy_value: Decimal | None) -> Decimal:
    """£ of social value for a quantity at a proxy £ per unit; 0 where no proxy applies."""
    if proxy_value is None:
        return Decimal("0.00")
    return money(quantity * proxy_value)


def expected_by(total: Decimal, *, start: datetime.date, due: datetime.date, on: datetime.date) -> Decimal:
    """What the straight-line profile expects delivered by `on`."""
    if on <= start:
        return Decimal("0")
    if on >= due:
        return total
    return total * Decimal((on - start).days) / Decimal((due - start).days)


def profile_status(
    delivered: Decimal, total: Decimal, *, start: datetime.date, due: datetime.date, on: datetime.date
) -> ProfileStatus:
    """On track, at risk (at least 80% of the expected) or behind, against the straight line."""
    expected = expected_by(total, start=start, due=due, on=on)
    if delivered >= expected:
        return ProfileStatus.ON_TRACK
    if delivered >= expected * AT_RISK_FROM:
        return ProfileStatus.AT_RISK
    return ProfileStatus.BEHIND


def delivered_share(delivered: Decimal, total: Decimal) -> Decimal | None:
    """% of the commitment delivered, to one decimal place; None for a zero commitment."""
    return percent_of(delivered, total)


def shortfall(delivered: Decimal, total: Decimal, *, start: datetime.date, due: datetime.date, on: datetime.date):
    """How far delivery is below the profile by `on` (0 when on or ahead of it)."""
    gap = expected_by(total, start=start, due=due, on=on) - delivered
    return max(gap, Decimal("0")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
