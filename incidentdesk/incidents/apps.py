from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidentdesk.incidents"
    verbose_name = "Incidents"
