"""Mounted under /governance/: exception requests, policy changes, policy documents."""

from django.urls import path

from . import views

app_name = "governance"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/new/", views.exception_new, name="exception_new"),
    path("exceptions/<int:pk>/", views.exception_detail, name="exception"),
    path("exceptions/<int:pk>/decide/", views.exception_decide, name="exception_decide"),
    path("exceptions/<int:pk>/review/", views.exception_review, name="exception_review"),
    path("changes/", views.proposals, name="proposals"),
    path("changes/new/", views.proposal_new, name="proposal_new"),
    path("changes/<int:pk>/", views.proposal_detail, name="proposal"),
    path("changes/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("changes/<int:pk>/onwards/", views.proposal_onwards, name="proposal_onwards"),
    path("policies/", views.documents, name="documents"),
    path("policies/new/", views.document_new, name="document_new"),
    path("policies/<int:pk>/", views.document_detail, name="document"),
    path("policies/<int:pk>/review/", views.document_review, name="document_review"),
    path("policies/<int:pk>/file/", views.document_file, name="document_file"),
]
