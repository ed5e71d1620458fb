from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "demo_mode": settings.DEMO_MODE,
        "two_factor_required": settings.REQUIRE_TWO_FACTOR,
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT_SECONDS,
    }
