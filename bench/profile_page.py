"""Times one page as gunicorn would call it, in this process, and can profile it.

    .venv/bin/python bench/profile_page.py --database-url sqlite:///var/bench/bench-100000.sqlite3 \
        /oversight/register/?kind=confirmed_breach --repeat 200 [--profile 40]

Signed in as the large trust's incident manager (as bench/run.py is), it builds a WSGI
environ and calls Django's WSGI handler directly: no HTTP, no test client, so the time is
the app's own cost per request, the number to bring down before measuring with wrk.
"{reference}" in a path is replaced by one of the trust's incidents (a different one each
request); an /api/ path is sent with a new bearer token of the manager. `--post`
sends the staff report form instead of a GET.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def environ_for(path: str, cookie: str, *, method: str = "GET", body: bytes = b"") -> dict:
    url = urllib.parse.urlsplit(path)
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": url.path,
        "QUERY_STRING": url.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest calls")
    parser.add_argument("--post", action="store_true", help="send the staff report form")
    args = parser.parse_args()

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",
            "SECRET_KEY": "profile-" + "k" * 60,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DEMO_MODE": "true",
            "REQUIRE_TWO_FACTOR": "false",
            "VAR_DIR": str(ROOT / "var" / "bench"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.test import Client

    from incidentdesk.incidents.models import Incident
    from incidentdesk.organisations.models import Duty, DutyHolder
    from incidentdesk.oversight.bench_data import LARGE_TRUST_CODE

    holder = (
        DutyHolder.objects.filter(duty=Duty.INCIDENT_MANAGER, organisation__code=LARGE_TRUST_CODE)
        .select_related("person", "organisation")
        .get()
    )
    trust = holder.organisation
    references = list(
        Incident.objects.filter(organisation__in=[trust, *trust.schools.all()])
        .order_by("-pk")
        .values_list("reference", flat=True)[:50]
    )
    client = Client()
    client.force_login(holder.person)
    secret = _get_new_csrf_string()
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
        f"csrftoken={secret}"
    )
    body = b""
    if args.post:
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": _mask_cipher_secret(secret),
                "what_happened": "A register with pupils' names was left in the hall after "
                "assembly; it was picked up by a supply teacher.",
                "mode": "named",
                "reported_kind": "near_miss",
                "source": "staff",
                "location": "The hall",
            }
        ).encode()
    api_headers = {}
    if args.path.startswith("/api/"):
        from incidentdesk.api.services import create_api_token

        _, token = create_api_token(person=holder.person, name="profile", actor_label="profile")
        api_headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    handler = WSGIHandler()
    statuses: dict[str, int] = {}

    def once(i: int) -> None:
        path = args.path.replace("{reference}", references[i % len(references)])
        env = environ_for(path, cookie, method="POST" if args.post else "GET", body=body)
        env.update(api_headers)
        captured = {}

        def start_response(status: str, headers: list, exc_info: object = None) -> None:
            captured["status"] = status

        response = handler(env, start_response)
        b"".join(response)
        response.close()
        statuses[captured["status"]] = statuses.get(captured["status"], 0) + 1

    for i in range(5):
        once(i)
    began, cpu_began = time.perf_counter(), time.process_time()
    for i in range(args.repeat):
        once(i)
    took, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    print(
        f"{args.path}: {took / args.repeat * 1000:.2f} ms a request "
        f"({cpu / args.repeat * 1000:.2f} ms of CPU) over {args.repeat}"
    )
    print("statuses:", statuses)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.repeat):
            once(i)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
