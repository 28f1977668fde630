"""API routes of every app under /api/ (filled in by the API work)."""

app_name = "api"
urlpatterns: list = []
