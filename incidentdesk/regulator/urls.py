"""Mounted under /incidents/<reference>/ico/ (incidentdesk/urls.py)."""

from django.urls import path

from . import views

app_name = "regulator"
urlpatterns = [
    path("", views.ico, name="ico"),
    path("decision/", views.decide, name="decide"),
    path("became-aware/", views.became_aware, name="became_aware"),
    path("dpo-advice/", views.dpo_comments, name="dpo_comments"),
    path("submissions/add/", views.submission, name="submission"),
    path("people-affected/decision/", views.data_subject_decision, name="data_subject_decision"),
    path("people-affected/told/", views.people_told, name="people_told"),
    path("draft.pdf", views.draft_pdf, name="draft_pdf"),
    path("draft.docx", views.draft_docx, name="draft_docx"),
]
