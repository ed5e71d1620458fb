from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from incidentdesk.navigation import menu_for


def site(request: HttpRequest) -> dict:
    return {
        "demo_mode": settings.DEMO_MODE,
        "two_factor_required": settings.REQUIRE_TWO_FACTOR,
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT_SECONDS,
        # Lazy: pages without the menu (errors, anonymous routes) pay nothing for it.
        "menu": SimpleLazyObject(lambda: menu_for(getattr(request, "user", None))),
    }
