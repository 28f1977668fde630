app_name = "outcomes_link"
urlpatterns: list = []
