"""Reads behind the open data import pages (issue 7): the record of contracts register and OCDS imports."""

from __future__ import annotations

from django.db.models import QuerySet

from contracts.models import Contract, ContractImport, RegisterPublisher


def contract_import_list() -> QuerySet[ContractImport]:
    """Every contracts register and OCDS import, latest first, with who imported it and whose register."""
    return ContractImport.objects.select_related("publisher", "imported_by").order_by("-created", "-id")


def contract_import_get(*, pk: int) -> ContractImport:
    return contract_import_list().get(pk=pk)


def contracts_of_import(*, contract_import: ContractImport) -> QuerySet[Contract]:
    """The contracts an import added, with their provider and directorate, in reference order."""
    return (
        Contract.objects.filter(source_keys__contract_import=contract_import)
        .select_related("provider", "directorate")
        .order_by("reference")
    )


def register_publisher_list() -> QuerySet[RegisterPublisher]:
    return RegisterPublisher.objects.order_by("name")
