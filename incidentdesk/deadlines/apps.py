from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "incidentdesk.deadlines"
    verbose_name = "Deadlines, reminders and escalation"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - registers the worker job
