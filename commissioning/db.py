"""What every app's models and selectors share: the audited base model and exact money sums."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import F, Func, Sum
from django.db.models.functions import Coalesce

PENNY = Decimal("0.01")


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class _Round(Func):
    function = "ROUND"
    arity = 1


def money_sum(expression: str | F) -> Coalesce:
    """SUM of a money column, exact to the penny on every database.

    SQLite keeps DecimalField values as floating point, so a plain SUM can drift by a
    fraction of a penny over many rows. Summing whole pence (each value rounded to an
    integer number of pence first) is exact on SQLite and PostgreSQL alike; callers turn
    the result back into pounds with `pence_to_pounds`.
    """
    expr = F(expression) if isinstance(expression, str) else expression
    return Coalesce(
        Sum(_Round(expr * 100), output_field=models.BigIntegerField()),
        0,
        output_field=models.BigIntegerField(),
    )


def percent_of(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """`part` as a percentage of `whole` to one decimal place, rounded half up as the council's
    reports round ("7,921 (63.0%)"); None when the whole is nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def pence_to_pounds(pence: int | float | Decimal | None) -> Decimal:
    """Turn a `money_sum` result (whole pence) into Decimal pounds."""
    return (Decimal(int(round(pence or 0))) / 100).quantize(PENNY)
