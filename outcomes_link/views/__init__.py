"""Pages of the golden thread: home, outcomes, the contract register and each contract's thread.

Thin: selectors read, services write, forms parse. Every page needs a role (RoleRequiredMixin);
the one write here (a contract's links) needs the link permission and the contract's
directorate (commissioning.permissions.can_write_in_directorate), checked on GET and POST.
"""

from outcomes_link.views.contracts import ContractDetailView, ContractListView, ContractOutcomesView
from outcomes_link.views.explorer import ExplorerContractView, ExplorerView, SearchView
from outcomes_link.views.home import HomeView, RAGMatrixView
from outcomes_link.views.measures import (
    OutcomeMeasureDetailView,
    OutcomeMeasureImportTemplateView,
    OutcomeMeasureImportView,
    OutcomeMeasureListView,
    OutcomeMeasureValueAddView,
)
from outcomes_link.views.outcomes import OutcomeListView, StrategicOutcomeDetailView, SupportingOutcomeDetailView

__all__ = [
    "HomeView",
    "RAGMatrixView",
    "OutcomeListView",
    "StrategicOutcomeDetailView",
    "SupportingOutcomeDetailView",
    "ContractListView",
    "ContractDetailView",
    "ContractOutcomesView",
    "OutcomeMeasureListView",
    "OutcomeMeasureDetailView",
    "OutcomeMeasureValueAddView",
    "OutcomeMeasureImportView",
    "OutcomeMeasureImportTemplateView",
    "ExplorerView",
    "ExplorerContractView",
    "SearchView",
]
