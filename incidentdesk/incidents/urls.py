from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:reference>/", views.incident_detail, name="detail"),
    path("<str:reference>/timeline/", views.incident_timeline, name="timeline"),
    path("<str:reference>/classify/", views.classify, name="classify"),
    path("<str:reference>/classify/enisa/", views.classify_enisa, name="classify_enisa"),
    path("<str:reference>/verify/", views.verify, name="verify"),
    path("<str:reference>/assign/", views.assign, name="assign"),
    path("<str:reference>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<str:reference>/state/", views.change_state, name="change_state"),
    path("<str:reference>/reporter/", views.reveal_reporter, name="reveal_reporter"),
    path("<str:reference>/messages/", views.message_reporter, name="message_reporter"),
    path(
        "<str:reference>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
