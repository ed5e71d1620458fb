"""Mounted under /oversight/: the register, dashboards and the governors' report."""

from django.urls import path  # noqa: F401

app_name = "oversight"
urlpatterns: list = []

from incidentdesk.oversight import register_views  # noqa: E402

urlpatterns += [
    path("register/", register_views.register, name="register"),
    path("register/export.csv", register_views.export_csv, name="register_csv"),
    path("register/export.xlsx", register_views.export_xlsx, name="register_xlsx"),
]

# The dashboards and the governing body's report.
from . import dashboard_views  # noqa: E402

urlpatterns += [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path(
        "dashboard/governors-report.pdf", dashboard_views.governors_report, name="governors_report"
    ),
]
