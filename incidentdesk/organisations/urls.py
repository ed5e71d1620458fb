from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("<slug:slug>/", views.organisation_detail, name="detail"),
]
