from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "incidentdesk.outcomes"
    verbose_name = "Outcome reports"
