import functools

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from incidentdesk.navigation import menu_for, menu_links_html

# The files every page on base.html loads, by the names base.html uses.
BASE_ASSETS = {
    "favicon": "incidentdesk/favicon.svg",
    "css": "dist/incidentdesk.css",
    "js_enabled": "incidentdesk/js-enabled.js",
    "htmx": "dist/htmx.min.js",
    "app_js": "incidentdesk/app.js",
}
# The pages every page on base.html links to.
BASE_LINKS = {
    "home": "home",
    "sign_out": "accounts:sign_out",
    "report": "reporting:report",
    "admin": "admin:index",
}


@functools.cache
def _assets(static_url: str, storage: str) -> dict[str, str]:
    # The hashed names of a collected build do not change while the process runs.
    return {name: static(path) for name, path in BASE_ASSETS.items()}


@functools.cache
def _links(*url_settings: object) -> dict[str, str]:
    return {name: reverse(url_name) for name, url_name in BASE_LINKS.items()}


def site(request: HttpRequest) -> dict:
    return {
        "demo_mode": settings.DEMO_MODE,
        "two_factor_required": settings.REQUIRE_TWO_FACTOR,
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT_SECONDS,
        # base.html's asset and page addresses, worked out once per process, not per page.
        "base_assets": _assets(settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"]),
        "base_links": _links(get_script_prefix(), settings.ROOT_URLCONF, get_urlconf()),
        # Lazy: pages without the menu (errors, anonymous routes) pay nothing for it.
        "menu": SimpleLazyObject(lambda: menu_for(getattr(request, "user", None))),
        # base.html's menu links, drawn only if the page shows the menu (a template calls it).
        "menu_links": lambda: _menu_links(request),
    }


def _menu_links(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    links = _links(get_script_prefix(), settings.ROOT_URLCONF, get_urlconf())
    return menu_links_html(
        getattr(request, "user", None),
        match.url_name if match is not None else None,
        home_url=links["home"],
        admin_url=links["admin"],
    )
