"""The composition root: every app's pages and API under one URL space.

Fixed addresses others rely on: the outcomes overview at /outcomes/, the API root at /api/.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from commissioning.views import AsAtView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("as-at/", AsAtView.as_view(), name="as_at"),
    path("api/", include("commissioning.api_router")),
    path("", include("contracts.urls")),
    path("", include("social_value.urls")),
    path("", include("outcomes_link.urls")),
]
