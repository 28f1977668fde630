"""Writes of the social value app: commitments and delivery returns (commitments.py), the
measures catalogue (catalogue.py) and imports of commitments and returns (imports.py).
Import from here: `from social_value.services import ...`."""

from social_value.services.catalogue import (
    DEFAULT_CATALOGUE_FILE,
    CatalogueImportResult,
    catalogue_import,
)
from social_value.services.commitments import (
    VARIABLE_FIELDS,
    commitment_create,
    commitment_vary,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
    proxy_for,
)
from social_value.services.imports import ImportResult, social_value_import

__all__ = [
    "DEFAULT_CATALOGUE_FILE",
    "CatalogueImportResult",
    "catalogue_import",
    "VARIABLE_FIELDS",
    "commitment_create",
    "commitment_vary",
    "delivery_return_reject",
    "delivery_return_submit",
    "delivery_return_verify",
    "proxy_for",
    "ImportResult",
    "social_value_import",
]
