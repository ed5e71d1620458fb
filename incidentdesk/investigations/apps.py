from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "incidentdesk.investigations"
    verbose_name = "Investigations"
