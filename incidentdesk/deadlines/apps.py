from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "incidentdesk.deadlines"
    verbose_name = "Deadlines, reminders and escalation"
