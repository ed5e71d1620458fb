from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:reference>/", views.incident_detail, name="detail"),
]
