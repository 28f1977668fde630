"""Forms of the contracts app, one module per area (providers.py holds the shared field helpers)."""

from contracts.forms.providers import (
    CommissionerChoiceField,
    ContractForm,
    DateInput,
    MoneyField,
    ProviderDeleteForm,
    ProviderForm,
    apply_service_errors,
)

__all__ = [
    "CommissionerChoiceField",
    "ContractForm",
    "DateInput",
    "MoneyField",
    "ProviderDeleteForm",
    "ProviderForm",
    "apply_service_errors",
]
