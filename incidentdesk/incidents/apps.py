from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidentdesk.incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from . import retention  # noqa: F401 - registers the worker job
