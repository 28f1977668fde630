"""Pages of the social value app: local spend (spend.py, issue 4); commitments and delivery
returns (commitments.py), the social value dashboard (dashboard.py) and imports (imports.py)
for issue 5. Import from here: `from social_value import views`."""

from social_value.views.spend import LocalSpendDownloadView, LocalSpendView, SpendSupplierView

__all__ = ["LocalSpendDownloadView", "LocalSpendView", "SpendSupplierView"]
