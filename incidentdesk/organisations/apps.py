from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "incidentdesk.organisations"
    verbose_name = "Organisations, people and policy profiles"
