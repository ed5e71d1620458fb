from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "incidentdesk.api"
    verbose_name = "API"
