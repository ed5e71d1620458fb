from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "incidentdesk.backups"
    verbose_name = "Backups"
