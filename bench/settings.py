"""Settings for serving the app under load: the app's own, plus the floor view's URL.

Nothing changes but the URL configuration, so every page is served exactly as in
production (DEBUG off, WhiteNoise, the same middleware).
"""

from incidentdesk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
