from django.urls import path

from . import anonymous_views, views

app_name = "reporting"
urlpatterns = [
    # Staff, signed in (views.py).
    path("report/", views.report, name="report"),
    path("report/sent/<str:reference>/", views.report_sent, name="report_sent"),
    path("report/mine/", views.my_reports, name="my_reports"),
    path("report/mine/<str:reference>/", views.my_report, name="my_report"),
    # Anyone, without an account (anonymous_views.py).
    path("anonymous/<slug:slug>/", anonymous_views.anonymous_report, name="anonymous_report"),
    path(
        "anonymous/<slug:slug>/follow-up/",
        anonymous_views.anonymous_follow_up,
        name="anonymous_follow_up",
    ),
]
