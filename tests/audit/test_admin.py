"""The admin site shows the audit log and offers no way to add, change or delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.services import record_event
from incidentdesk.organisations.models import Person
from tests.audit.helpers import record_some

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    admin = Person.objects.create_superuser("root@example.org", "pw-root-1234", full_name="Root")
    client.force_login(admin)
    return client


@pytest.fixture
def event() -> AuditEvent:
    record_some(2)
    return record_event(actor=None, action="incident.classified", object_label="EPA-2026-0007")


def test_it_lists_and_finds_events_by_label(admin_client_, event):
    url = reverse("admin:audit_auditevent_changelist")

    response = admin_client_.get(url, {"q": "EPA-2026-0007"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [event]
    assert "Add audit event" not in response.text


def test_it_shows_an_event_read_only(admin_client_, event):
    response = admin_client_.get(reverse("admin:audit_auditevent_change", args=[event.pk]))

    assert response.status_code == 200
    assert "EPA-2026-0007" in response.text
    assert 'name="_save"' not in response.text


def test_it_refuses_to_add_change_or_delete(admin_client_, event):
    add = admin_client_.get(reverse("admin:audit_auditevent_add"))
    change = admin_client_.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"action": "x"}
    )
    delete = admin_client_.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert AuditEvent.objects.get(pk=event.pk).action == "incident.classified"
