"""Mounted under /governance/: exception requests, policy changes, policy documents."""

from django.urls import path  # noqa: F401

app_name = "governance"
urlpatterns: list = []
