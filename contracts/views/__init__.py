"""Pages of the contracts app, one module per area: providers and contract forms (providers.py),
and the contract performance pages added beside it. urls.py imports the views from here."""

from contracts.views.providers import (
    ContractCreateView,
    ContractUpdateView,
    ProviderCreateView,
    ProviderDeleteView,
    ProviderDetailView,
    ProviderListView,
    ProviderUpdateView,
)

__all__ = [
    "ContractCreateView",
    "ContractUpdateView",
    "ProviderCreateView",
    "ProviderDeleteView",
    "ProviderDetailView",
    "ProviderListView",
    "ProviderUpdateView",
]
