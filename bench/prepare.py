"""Reads what the load run needs from the bench database, and counts each page's queries.

Run by bench/run.py in its own process (DEBUG on, Django's test client), prints JSON:
the manager's e-mail, a new API token, incident references to open, the dataset's size,
and for each page the number of SQL queries and the time one request takes here.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from incidentdesk.api.services import create_api_token
    from incidentdesk.audit.models import AuditEvent
    from incidentdesk.incidents.models import Incident
    from incidentdesk.organisations.models import Duty, DutyHolder
    from incidentdesk.oversight.bench_data import LARGE_TRUST_CODE

    holder = (
        DutyHolder.objects.filter(duty=Duty.INCIDENT_MANAGER, organisation__code=LARGE_TRUST_CODE)
        .select_related("person", "organisation")
        .get()
    )
    manager = holder.person
    trust = holder.organisation
    ours = Incident.objects.filter(organisation__in=[trust, *trust.schools.all()])
    # Incidents to open, a spread of states and ages (the pk order is the report order).
    references = list(ours.order_by("?").values_list("reference", flat=True)[:50])
    _, token = create_api_token(person=manager, name="bench run", actor_label="bench/run.py")

    pages = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    client = Client()
    client.force_login(manager)
    queries: dict[str, dict[str, float]] = {}
    for name, path in pages.items():
        path = path.replace("{reference}", references[0])
        client.get(path)  # warm: the first request fills caches
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(path)
            took = time.perf_counter() - began
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
        queries[name] = {
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "ms": round(took * 1000, 1),
            "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0,
            "slowest_sql": (slowest["sql"][:160] if slowest else ""),
        }
    print(
        json.dumps(
            {
                "email": manager.email,
                "token": token,
                "references": references,
                "incidents": Incident.objects.count(),
                "incidents_of_trust": ours.count(),
                "audit_events": AuditEvent.objects.count(),
                "vendor": connection.vendor,
                "queries": queries,
            }
        )
    )


if __name__ == "__main__":
    main()
