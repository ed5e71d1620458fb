from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:reference>/", views.incident_detail, name="detail"),
    path("<str:reference>/reporter/", views.reveal_reporter, name="reveal_reporter"),
    path("<str:reference>/messages/", views.message_reporter, name="message_reporter"),
    path(
        "<str:reference>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
