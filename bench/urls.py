"""The app's URLs and one more: the floor, a bare Django view through the same middleware."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from incidentdesk.urls import urlpatterns as app_urlpatterns


def floor(request: HttpRequest) -> HttpResponse:
    """No template, no query: what any request costs before a page does any work."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *app_urlpatterns]
