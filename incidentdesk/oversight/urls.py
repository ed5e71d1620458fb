"""Mounted under /oversight/: the register, dashboards and the governors' report."""

from django.urls import path  # noqa: F401

app_name = "oversight"
urlpatterns: list = []
