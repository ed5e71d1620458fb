from django.contrib import admin
from django.urls import include, path

from incidentdesk import views
from incidentdesk.api.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("notices/", include("incidentdesk.notifications.urls")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("help/", views.help_page, name="help"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("accounts/", include("incidentdesk.accounts.urls")),
    path("organisations/", include("incidentdesk.organisations.urls")),
    path("", include("incidentdesk.reporting.urls")),
    path("incidents/<str:reference>/investigation/", include("incidentdesk.investigations.urls")),
    path("incidents/<str:reference>/ico/", include("incidentdesk.regulator.urls")),
    path("incidents/<str:reference>/outcome/", include("incidentdesk.outcomes.urls")),
    path("incidents/", include("incidentdesk.incidents.urls")),
    path("oversight/", include("incidentdesk.oversight.urls")),
    path("governance/", include("incidentdesk.governance.urls")),
    path("due/", include("incidentdesk.deadlines.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
