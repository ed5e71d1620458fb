"""Fixtures shared by the whole test suite. Keep each owner's fixtures in its own section."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# --- Audit log: append-only triggers and transactional tests ---------------------------
#
# The migration makes the audit tables refuse UPDATE and DELETE. A transactional test
# (transactional_db, live_server, django_db(transaction=True)) ends with Django's flush,
# which on SQLite empties each table with DELETE, and the triggers would refuse it. So
# for those tests the triggers are dropped just before the flush; the flush's
# post_migrate signal puts them back (incidentdesk/audit/apps.py), and they are made
# sure of again when the next transactional test starts. PostgreSQL flushes with
# TRUNCATE, which row triggers do not see, so there they stay in place throughout.


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))


@pytest.fixture(autouse=True)
def _audit_triggers_around_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    if not _is_transactional(request):
        yield
        return
    # Set up after the database (so torn down before its flush).
    request.getfixturevalue("transactional_db")
    from django.db import connection

    from incidentdesk.audit.db import install_append_only_triggers, remove_append_only_triggers

    install_append_only_triggers(connection)
    yield
    if connection.vendor == "sqlite":
        remove_append_only_triggers(connection)


# --- end of audit log section ----------------------------------------------------------
