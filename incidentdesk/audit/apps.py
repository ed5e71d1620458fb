from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "incidentdesk.audit"
    verbose_name = "Audit log"
