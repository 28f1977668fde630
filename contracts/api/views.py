"""API endpoints of providers and contracts; every write goes through contracts.services."""

from commissioning.api.views import AttributedModelViewSet
from contracts.api.serializers import ContractSerializer, ProviderSerializer
from contracts.filtersets import ContractFilterSet, ProviderFilterSet
from contracts.selectors import contract_list, provider_list
from contracts.services import contract_create, contract_update, provider_create, provider_delete, provider_update


class ProviderViewSet(AttributedModelViewSet):
    """Providers: procurement officers and admins add, change and delete them.

    A provider holding contracts cannot be deleted; the refusal says how many.
    """

    queryset = provider_list()
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilterSet
    ordering_fields = ["name", "contract_count", "created"]

    def perform_create(self, serializer):
        reason = self.change_reason(serializer)
        provider = provider_create(actor=self.request.user, reason=reason, **serializer.validated_data)
        serializer.instance = self.reloaded(provider)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        provider = provider_update(
            provider=serializer.instance, data=serializer.validated_data, actor=self.request.user, reason=reason
        )
        serializer.instance = self.reloaded(provider)

    def perform_destroy(self, instance):
        provider_delete(provider=instance, actor=self.request.user, reason=self.change_reason())


class ContractViewSet(AttributedModelViewSet):
    """Contracts: a commissioner adds and changes those of their own directorate; admins any.

    Contracts are not deleted over the API: one that ends is marked expired or terminated,
    so the register, its golden thread and its history stay whole.
    """

    queryset = contract_list()
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    ordering_fields = ["reference", "title", "annual_value", "total_value", "start_date", "current_end_date"]
    directorate_field = "directorate_id"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        reason = self.change_reason(serializer)
        contract = contract_create(actor=self.request.user, reason=reason, **serializer.validated_data)
        serializer.instance = self.reloaded(contract)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        contract = contract_update(
            contract=serializer.instance, data=serializer.validated_data, actor=self.request.user, reason=reason
        )
        serializer.instance = self.reloaded(contract)
