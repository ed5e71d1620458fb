from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "incidentdesk.oversight"
    verbose_name = "Oversight"
