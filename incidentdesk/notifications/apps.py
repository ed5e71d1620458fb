from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "incidentdesk.notifications"
    verbose_name = "E-mails and in-app notifications"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - registers the worker job
