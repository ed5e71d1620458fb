"""Mounted under /incidents/<reference>/investigation/ (incidentdesk/urls.py)."""

from django.urls import path

from . import views

app_name = "investigations"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("steps/<str:letter>/", views.step, name="step"),
    path("stakeholders/add/", views.add_record, {"kind": "stakeholder"}, name="add_stakeholder"),
    path("interviews/add/", views.add_record, {"kind": "interview"}, name="add_interview"),
    path("evidence/add/", views.add_record, {"kind": "evidence"}, name="add_evidence"),
    path(
        "evidence/<int:evidence_id>/download/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("expert-help/add/", views.add_record, {"kind": "expert_help"}, name="add_expert_help"),
    path("escalations/add/", views.add_record, {"kind": "escalation"}, name="add_escalation"),
    path(
        "subjects-informed/add/",
        views.add_record,
        {"kind": "subjects_informed"},
        name="add_subjects_informed",
    ),
    path("risks/add/", views.add_record, {"kind": "risk"}, name="add_risk"),
    path(
        "communications/add/",
        views.add_record,
        {"kind": "communication"},
        name="add_communication",
    ),
    path("actions/add/", views.add_record, {"kind": "action"}, name="add_action"),
    path("actions/<int:action_id>/", views.action_status, name="action_status"),
    path("notes/add/", views.add_record, {"kind": "note"}, name="add_note"),
]
