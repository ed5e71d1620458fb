"""Mounted under /incidents/<reference>/outcome/ (incidentdesk/urls.py)."""

from django.urls import path

from . import views

app_name = "outcomes"
urlpatterns = [
    path("", views.outcome_report, name="report"),
    path("review/", views.review, name="review"),
    path("export/<str:document>.<str:file_format>", views.export, name="export"),
]
