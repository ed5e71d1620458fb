from django.apps import AppConfig


class RegulatorConfig(AppConfig):
    name = "incidentdesk.regulator"
    verbose_name = "ICO decisions"
