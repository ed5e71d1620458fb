"""Pages that belong to no one domain: the home page and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import cache_control

from incidentdesk.notifications.selectors import unread_notices
from incidentdesk.organisations.models import Person
from incidentdesk.regulator.selectors import HOME_COUNTDOWNS, ico_countdowns_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's start page: report an incident, and where they stand."""
    person: Person = request.user  # type: ignore[assignment]  # login_required
    memberships = person.memberships.select_related("organisation__trust").order_by(
        "organisation__name"
    )
    # display_title reads organisation.effective_profile, which may be the trust's
    # profile: fetch both with the duties so the titles cost no query each.
    duties = person.duties.select_related(
        "organisation__profile", "organisation__trust__profile"
    ).order_by("organisation__name", "duty")
    context = {
        "person": person,
        "memberships": list(memberships),
        "duties": list(duties),
        "notices": unread_notices(person),
        # One more than shown, so the page can say there are more.
        "ico_countdowns": ico_countdowns_for(person, timezone.now(), limit=HOME_COUNTDOWNS + 1),
    }
    return render(request, "home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer and monitoring: 200 when the app can reach its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "unhealthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@cache_control(max_age=24 * 60 * 60, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (JSON, the admin site).

    A temporary redirect, so a new hashed file name after a deploy is picked up.
    """
    return HttpResponseRedirect(static("incidentdesk/favicon.svg"))


def help_page(request: HttpRequest) -> HttpResponse:
    """How to report an incident, for anyone, signed in or not."""
    return render(request, "help.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")
