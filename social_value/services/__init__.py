"""Writes of the social value app: commitments and delivery returns (commitments.py), the
measures catalogue (catalogue.py) and imports of commitments and returns (imports.py).
Import from here: `from social_value.services import ...`."""

from social_value.services.commitments import (
    VARIABLE_FIELDS,
    commitment_create,
    commitment_vary,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
    proxy_for,
)

__all__ = [
    "VARIABLE_FIELDS",
    "commitment_create",
    "commitment_vary",
    "delivery_return_reject",
    "delivery_return_submit",
    "delivery_return_verify",
    "proxy_for",
]
