from django.apps import AppConfig


class OutcomesLinkConfig(AppConfig):
    name = "outcomes_link"
    verbose_name = "Golden thread"
