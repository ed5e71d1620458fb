from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "incidentdesk.reporting"
    verbose_name = "Reporting"
