"""API routes of the commissioning framework, directorates and people (namespace commissioning-api)."""

from rest_framework.routers import SimpleRouter

from commissioning.api import views

app_name = "commissioning-api"

router = SimpleRouter()
router.register("frameworks", views.FrameworkViewSet)
router.register("strategic-outcomes", views.StrategicOutcomeViewSet)
router.register("supporting-outcomes", views.SupportingOutcomeViewSet)
router.register("suggested-measures", views.SuggestedMeasureViewSet)
router.register("outcome-measures", views.OutcomeMeasureViewSet)
router.register("directorates", views.DirectorateViewSet)
router.register("users", views.UserViewSet)

urlpatterns = router.urls
